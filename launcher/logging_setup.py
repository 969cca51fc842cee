"""Structured logs: one JSON object per line (``--log-format json``), or plain text.

Log records carry ``launch``, ``post``, ``platform`` and ``attempt`` when given as ``extra``;
nothing else from the record's environment is copied, so settings and credentials never reach
a log line.
"""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, TextIO

from .errors import redact

#: context fields copied from ``extra={...}`` into every line
FIELDS = ("launch", "post", "key", "platform", "attempt", "worker", "state", "wait", "error")


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": redact(record.getMessage()),
        }
        for name in FIELDS:
            value = getattr(record, name, None)
            if value is not None:
                out[name] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, ensure_ascii=False, default=str)


class TextFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        ts = datetime.fromtimestamp(record.created, UTC).strftime("%H:%M:%S.%f")[:-3]
        ctx = " ".join(
            f"{n}={getattr(record, n)}" for n in FIELDS if getattr(record, n, None) is not None
        )
        line = f"{ts} {record.levelname:<7} {redact(record.getMessage())}"
        if ctx:
            line += f"  [{ctx}]"
        if record.exc_info:
            line += "\n" + self.formatException(record.exc_info)
        return line


def setup_logging(
    fmt: str = "text", level: str | int = "INFO", stream: TextIO | None = None
) -> logging.Handler:
    """Send launcher's logs to ``stream`` (stderr) in ``fmt`` (``json`` or ``text``)."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    root = logging.getLogger("launcher")
    for old in list(root.handlers):
        if getattr(old, "_launcher", False):
            root.removeHandler(old)
    handler._launcher = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level if isinstance(level, int) else level.upper())
    root.propagate = False
    # APScheduler's own chatter is useful at warning level only
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").addHandler(handler)
    return handler
