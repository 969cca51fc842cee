"""Reading a content file: a problem naming the file, never a traceback.

Every content file (a playbook, a template, a catalog, missions.yaml) must be UTF-8 text:
bytes that are not are the content's fault (exit 2) and are said as such, with the line and
column of the first of them.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import Problem


def not_utf8(data: bytes, display: str, exc: UnicodeDecodeError | None = None) -> Problem | None:
    """A problem naming the line (and byte column) of the first byte of ``data`` that is not
    UTF-8; None when ``data`` is UTF-8 text."""
    if exc is None:
        try:
            data.decode("utf-8")
        except UnicodeDecodeError as found:
            exc = found
        else:
            return None
    at = exc.start
    return Problem(
        f"not valid UTF-8 ({exc.reason}: byte 0x{data[at]:02x} at offset {at})",
        file=display,
        line=data.count(b"\n", 0, at) + 1,
        column=at - (data.rfind(b"\n", 0, at) + 1) + 1,
        hint="save as UTF-8",
    )


def read_text(path: Path, display: str) -> tuple[str | None, Problem | None]:
    """The text of a content file, or the problem that keeps it from being used (missing:
    'file not found'; not UTF-8: where)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, Problem("file not found", file=display)
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, not_utf8(data, display, exc)
