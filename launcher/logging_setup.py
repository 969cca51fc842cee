"""Structured logs: one JSON object per line (``--log-format json``), or plain text.

Log records carry ``launch``, ``post``, ``platform`` and ``attempt`` when given as ``extra``;
nothing else from the record's environment is copied, so settings and credentials never reach
a log line. Every handler installed here carries a :class:`RedactingFilter`: whatever a
record holds (its message and arguments, its ``extra`` fields, the text of an exception, at
any level) is scrubbed of registered secrets before it is formatted.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from .errors import has_secrets, redact, redact_value

#: context fields copied from ``extra={...}`` into every line
FIELDS = ("launch", "post", "key", "platform", "attempt", "worker", "state", "wait", "error")

#: the attributes every LogRecord has; anything else on a record came in through ``extra``
_STANDARD = frozenset(vars(logging.LogRecord("x", logging.INFO, "", 0, "", (), None))) | {
    "message",
    "asctime",
}


class RedactingFilter(logging.Filter):
    """Scrub registered secrets from a record before any handler formats it.

    The message is rendered with its arguments and redacted (``args`` are then empty), each
    ``extra`` field is redacted (strings, and the lists and dicts holding them), and an
    exception is formatted once into ``exc_text``, redacted, so no formatter renders the
    raw traceback again.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if not has_secrets():
            return True
        try:
            message = record.getMessage()
        except Exception:  # a malformed format string: show it as it is, arguments dropped
            message = str(record.msg)
        record.msg, record.args = redact(message), ()
        for name, value in list(vars(record).items()):
            if name not in _STANDARD:
                setattr(record, name, redact_value(value))
        if record.exc_info:
            if not record.exc_text:
                record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install_log_filter(target: logging.Logger | logging.Handler | None = None) -> None:
    """Add a :class:`RedactingFilter` to a handler or logger (default: the ``launcher``
    logger) unless it has one."""
    target = target or logging.getLogger("launcher")
    if not any(isinstance(f, RedactingFilter) for f in target.filters):
        target.addFilter(RedactingFilter())


def _exception(formatter: logging.Formatter, record: logging.LogRecord) -> str | None:
    if record.exc_text:
        return record.exc_text
    if record.exc_info:
        return redact(formatter.formatException(record.exc_info))
    return None


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                out[name] = value
        exc = _exception(self, record)
        if exc:
            out["exc"] = exc
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).strftime("%H:%M:%S.%f")[:-3]
        ctx = " ".join(
            f"{n}={getattr(record, n)}" for n in FIELDS if getattr(record, n, None) is not None
        )
        line = f"{ts} {record.levelname:<7} {record.getMessage()}"
        if ctx:
            line += f"  [{ctx}]"
        exc = _exception(self, record)
        if exc:
            line += "\n" + exc
        return line


class _CurrentStderr(logging.Handler):
    """Writes to whatever ``sys.stderr`` is when a record comes (as Python's last-resort
    handler does), so a handler installed once follows a redirected stderr."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stderr.write(self.format(record) + "\n")
        except Exception:  # pragma: no cover - as logging.StreamHandler does
            self.handleError(record)


def setup_cli_logging() -> None:
    """Every command: launcher's warnings and errors go to stderr as plain lines, as Python's
    last-resort handler would print them, but through the redacting filter (a retry warning
    quotes the platform's answer, which may echo a token). The last-resort handler, which
    prints other libraries' warnings, gets the filter too. ``daemon`` replaces this with
    :func:`setup_logging`."""
    if logging.lastResort is not None:
        install_log_filter(logging.lastResort)
    root = logging.getLogger("launcher")
    if any(getattr(h, "_launcher", False) for h in root.handlers):
        return
    handler = _CurrentStderr(logging.WARNING)
    handler.setFormatter(logging.Formatter("%(message)s"))
    install_log_filter(handler)
    handler._launcher = True  # type: ignore[attr-defined]
    root.addHandler(handler)


def setup_logging(
    fmt: str = "text", level: str | int = "INFO", stream: TextIO | None = None
) -> logging.Handler:
    """Send launcher's logs to ``stream`` (stderr) in ``fmt`` (``json`` or ``text``), through
    a redacting filter."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    install_log_filter(handler)
    root = logging.getLogger("launcher")
    scheduler = logging.getLogger("apscheduler")
    for logger in (root, scheduler):
        for old in list(logger.handlers):
            if getattr(old, "_launcher", False):
                logger.removeHandler(old)
    handler._launcher = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level if isinstance(level, int) else level.upper())
    root.propagate = False
    # APScheduler's own chatter is useful at warning level only
    scheduler.setLevel(logging.WARNING)
    scheduler.addHandler(handler)
    return handler
