"""Reading a content file: a problem naming the file, never a traceback.

Every content file (a playbook, a template, a catalog, missions.yaml, approvals.yaml) must be
a file of UTF-8 text. A directory where the file should be, or bytes that are not UTF-8, are
the content's fault (exit 2) and are said as such: the path, and the line and column of the
first byte that is not UTF-8.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import Problem


def not_a_file(path: Path, display: str) -> Problem | None:
    """A problem when something other than a file (a directory) is at ``path``; None when
    a file is there or nothing is (a missing file is each caller's own question)."""
    if path.is_file() or not path.exists():
        return None
    kind = "a directory" if path.is_dir() else "a special file"
    return Problem(
        f"is {kind}, not a file",
        file=display,
        hint=f"this path must be a file: move the {kind[2:]} away and save the file here",
    )


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
    'file not found'; a directory; not UTF-8: where)."""
    problem = not_a_file(path, display)
    if problem is not None:
        return None, problem
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None, Problem("file not found", file=display)
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, not_utf8(data, display, exc)
