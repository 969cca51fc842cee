"""When the database fails: the ledger's errors in words a duty officer can act on.

SQLAlchemy raises the driver's error with the SQL statement attached ("(sqlite3.DatabaseError)
file is not a database [SQL: ...]"). :func:`translate` turns the failures that are not bugs
into :class:`~launcher.errors.LedgerUnavailable` (the database cannot be reached, opened or
written: exit 1, nothing is wrong with the command) or :class:`~launcher.errors.LedgerDamaged`
(the file is not a sound ledger: how to restore it), naming the file or the password-less URL.
The engine calls it for every failure (:mod:`.engine`, ``handle_error``); the records call
:func:`damaged_row` for a stored value that does not parse.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import LedgerDamaged, LedgerUnavailable

#: what to do once the disk can be written again (never "run it again" blindly: a launch may
#: have been recorded, and partly sent, before the failure)
AFTER_FAILURE = (
    "look at `launcher status` before anything else: each step launcher records is one"
    " transaction, so what it shows is intact; a launch cut short is listed there with what it"
    " sent, so decide from that whether to halt it and run again"
)

# SQLite primary result codes (https://www.sqlite.org/rescode.html)
_PERM, _BUSY, _LOCKED, _READONLY, _IOERR, _CORRUPT = 3, 5, 6, 8, 10, 11
_FULL, _CANTOPEN, _NOTADB, _AUTH = 13, 14, 26, 23


def restore_hint(file: str) -> str:
    """What to do with a damaged ledger file (never "what was done is in the ledger")."""
    return (
        f"restore {file} from your latest backup; or move it aside (mv {file} {file}.broken)"
        f" and run again to start a new, empty ledger; `sqlite3 {file}.broken .recover | sqlite3"
        f" {file}` rebuilds what rows it can into a new file"
    )


def damaged(what: str, file: str) -> LedgerDamaged:
    return LedgerDamaged(
        f"the ledger {file} is damaged: {what}", hint=restore_hint(file), ledger=file
    )


def damaged_row(table: str, row: object, column: str, ledger: str | None = None) -> LedgerDamaged:
    """A stored value that does not parse (a hand edit, a damaged page)."""
    err = LedgerDamaged(
        f"{ledger or 'the ledger'} is damaged: {table} row {row!r}, column {column}, does not"
        " hold the JSON launcher wrote",
        hint=restore_hint(ledger or "the ledger file"),
        ledger=ledger,
    )
    err.row = (table, row, column)  # type: ignore[attr-defined]
    return err


def naming(exc: LedgerDamaged, ledger: str) -> LedgerDamaged:
    """``exc`` again, naming the ledger file it came from when it did not yet."""
    row = getattr(exc, "row", None)
    if exc.ledger is not None or row is None:
        return exc
    return damaged_row(*row, ledger=ledger)


def translate(exc: BaseException, *, ledger: str, sqlite: bool) -> LedgerUnavailable | None:
    """The ledger error for a driver failure, or None for a failure that is a bug."""
    if isinstance(exc, OSError):
        return _os(exc, ledger)
    return _sqlite(exc, ledger) if sqlite else _server(exc, ledger)


def _os(exc: OSError, file: str) -> LedgerUnavailable:
    """The operating system refused the file itself (before SQLite saw it)."""
    return LedgerUnavailable(
        f"cannot open the ledger {file}: {exc.strerror or exc}",
        hint=f"check that {Path(file).parent} and {file} are readable and writable by this user"
        " (or set LAUNCHER_DATA_DIR to a directory that is)",
        ledger=file,
    )


def _sqlite(exc: BaseException, file: str) -> LedgerUnavailable | None:
    import sqlite3

    if not isinstance(exc, sqlite3.Error):
        return None
    text = str(exc)
    low = text.lower()
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    if primary in (_CORRUPT, _NOTADB) or "malformed" in low or "not a database" in low:
        what = "it is not an SQLite database" if "not a database" in low else text
        return damaged(what, file)
    if "no such table" in low or "no such column" in low:
        return damaged(f"{text}: it is not a complete launcher ledger", file)
    if primary == _FULL or "disk is full" in low:
        return LedgerUnavailable(
            f"the ledger {file} could not be written: the disk is full",
            hint=f"free space on the disk that holds {file}, then {AFTER_FAILURE}",
            ledger=file,
        )
    if primary == _IOERR or "disk i/o error" in low:
        return LedgerUnavailable(
            f"the ledger {file} could not be written or read (disk I/O error)",
            hint=f"check the disk that holds {file}: it may be full, over a file-size limit"
            f" (ulimit -f) or failing; then {AFTER_FAILURE}",
            ledger=file,
        )
    if primary == _READONLY or "readonly" in low or "read-only" in low:
        return LedgerUnavailable(
            f"the ledger {file} is read-only for this user",
            hint=f"launcher writes {file} and, beside it, {Path(file).name}-wal and"
            f" {Path(file).name}-shm: make the file and its directory writable (chmod u+w),"
            " or run as the user that owns them",
            ledger=file,
        )
    if primary == _CANTOPEN or "unable to open" in low:
        if Path(file).is_dir():
            why = "it is a directory"
            hint = f"move the directory {file} away, or point database_url at a file"
        else:
            why = "the file or its directory cannot be opened"
            hint = (
                f"check that {Path(file).parent} exists and is readable and writable by this"
                " user (or set LAUNCHER_DATA_DIR to a directory that is)"
            )
        return LedgerUnavailable(f"cannot open the ledger {file}: {why}", hint=hint, ledger=file)
    if primary in (_PERM, _AUTH):
        return LedgerUnavailable(
            f"the ledger {file} cannot be accessed: {text}",
            hint=f"check the permissions of {file} and its directory",
            ledger=file,
        )
    if primary in (_BUSY, _LOCKED) or "locked" in low:
        return LedgerUnavailable(
            f"the ledger {file} is locked by another process",
            hint="another launcher (or a tool holding the file open) kept it locked for 30 s;"
            " try again, and check for a stuck process",
            ledger=file,
        )
    return None


def _server(exc: BaseException, url: str) -> LedgerUnavailable | None:
    """PostgreSQL (or another server) through its DB-API driver."""
    kind = type(exc).__name__
    first = str(exc).strip().splitlines()[0] if str(exc).strip() else kind
    if kind in ("UndefinedTable", "UndefinedColumn"):
        return LedgerDamaged(
            f"the ledger database {url} is damaged: {first}: it is not a complete launcher ledger",
            hint="restore the database from your latest backup, or point database_url at a new,"
            " empty database",
            ledger=url,
        )
    if kind in ("OperationalError", "InterfaceError") or "connection" in first.lower():
        return LedgerUnavailable(
            f"cannot use the ledger database {url}: {first}",
            hint="check that the database server is running and reachable from here, and"
            " database_url in the settings (host, port, database name, user); each step"
            " launcher records is one transaction, so what was recorded before is intact",
            ledger=url,
        )
    return None
