"""The log handlers launcher installs redact every part of a record, at every level."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from launcher.errors import register_secret
from launcher.logging_setup import setup_cli_logging, setup_logging

SECRET = "log-PLANTED-a1b2/c3+d4"


@pytest.fixture(autouse=True)
def _restore_loggers() -> Iterator[None]:
    """Leave the loggers as found: other tests capture launcher's logs through the root."""
    saved = {
        name: (list(lg.handlers), lg.propagate, lg.level)
        for name in ("launcher", "apscheduler")
        for lg in [logging.getLogger(name)]
    }
    yield
    for name, (handlers, propagate, level) in saved.items():
        lg = logging.getLogger(name)
        lg.handlers[:] = handlers
        lg.propagate, lg.level = propagate, level


@pytest.mark.parametrize("fmt", ["json", "text"])
def test_message_args_extra_fields_and_exceptions_are_redacted(fmt: str) -> None:
    register_secret(SECRET)
    stream = io.StringIO()
    setup_logging(fmt, "debug", stream)
    log = logging.getLogger("launcher.test")
    log.debug("token %s in args", SECRET)
    log.info(f"token {SECRET} in the message")
    log.warning("in extra", extra={"error": f"echo {SECRET}", "platform": [SECRET]})
    try:
        raise RuntimeError(f"GET /bot{SECRET}/sendMessage")
    except RuntimeError:
        log.exception("in an exception")
    out = stream.getvalue()
    assert SECRET not in out and "[redacted]" in out
    assert out.count("[redacted]") >= 5
    if fmt == "json":
        lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
        assert [x["level"] for x in lines] == ["debug", "info", "warning", "error"]
        assert lines[2]["error"] == "echo [redacted]"
        assert "RuntimeError: GET /bot[redacted]/sendMessage" in lines[3]["exc"]


def test_every_command_routes_launchers_warnings_through_the_filter(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Outside the daemon, a warning used to reach Python's last-resort handler unfiltered."""
    register_secret(SECRET)
    logging.getLogger("launcher").handlers.clear()
    setup_cli_logging()
    logging.getLogger("launcher.launch.retry").warning("retrying: %s", f"Bearer {SECRET}")
    err = capsys.readouterr().err
    assert "retrying: Bearer [redacted]" in err
    assert SECRET not in err
