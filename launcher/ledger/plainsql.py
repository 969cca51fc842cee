"""The hottest writes of a fanned-out launch, run on SQLite's own cursor.

Sending fifty missions records some 5,000 statements while SQLite's one write lock is held,
and SQLAlchemy's execution of each (its compiled-cache lookup, execution context, events and
result object) costs about four times the statement itself: a post's "sent" record in an
open transaction (a savepoint, the update, its audit event) took 340 us through SQLAlchemy
and 73 us on the cursor, measured. Here a statement that SQLAlchemy built is compiled once
for SQLite, with the parameter names it will be given, exactly as ``Connection.execute``
would compile it; its parameters are processed by the same bind processors and pass the
same redaction boundary (:func:`launcher.errors.redact_value`); it runs on the DB-API
connection of the same SQLAlchemy connection, so inside the same transaction; and a driver
error becomes the same ledger error (:func:`.failures.translate`). A statement whose
columns need Python-side defaults filled in, and every statement on another database, take
SQLAlchemy's own path.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any, NamedTuple, Protocol

from sqlalchemy import Connection
from sqlalchemy.sql.expression import Executable

from ..errors import has_secrets, redact_value
from .engine import describe
from .failures import translate


class Rows(Protocol):
    """What callers read of a write's result (SQLAlchemy's ``CursorResult`` has it too)."""

    @property
    def rowcount(self) -> int: ...

    def first(self) -> Any: ...

    def scalar_one(self) -> Any: ...


class _Done:
    """A statement run on the cursor: its row count and the rows it returned."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rowcount: int, rows: list[tuple[Any, ...]]) -> None:
        self.rowcount = rowcount
        self._rows = rows

    def first(self) -> tuple[Any, ...] | None:
        return self._rows[0] if self._rows else None

    def scalar_one(self) -> Any:
        if len(self._rows) != 1:
            raise LookupError(f"expected one row, the statement returned {len(self._rows)}")
        return self._rows[0][0]


class _Plain(NamedTuple):
    """A statement compiled for SQLite: its SQL, and how to make its positional arguments."""

    sql: str
    names: tuple[str, ...]  # the bind names in the order of the SQL's "?"
    fixed: Mapping[str, Any]  # values the statement itself holds (``state='sent'``)
    processors: tuple[Callable[[Any], Any] | None, ...]
    returns: bool


_compiled: dict[tuple[Executable, tuple[str, ...]], _Plain | None] = {}
_lock = threading.Lock()


def _compile(conn: Connection, stmt: Executable, keys: tuple[str, ...]) -> _Plain | None:
    compiled = stmt.compile(dialect=conn.dialect, column_keys=list(keys))  # type: ignore[attr-defined]
    if compiled.insert_prefetch or compiled.update_prefetch:  # defaults SQLAlchemy fills in
        return None
    names = tuple(compiled.positiontup or ())
    fixed = {n: b.effective_value for n, b in compiled.binds.items() if not b.required}
    processors = tuple(compiled.binds[name].type.bind_processor(conn.dialect) for name in names)
    return _Plain(compiled.string, names, fixed, processors, bool(compiled.effective_returning))


def execute(conn: Connection, stmt: Executable, params: Mapping[str, Any]) -> Rows:
    """Run ``stmt`` (a statement built once, at import: compilations are kept per statement)
    with ``params`` in ``conn``'s transaction; on SQLite, on the cursor."""
    if conn.dialect.name != "sqlite":
        return conn.execute(stmt, dict(params))
    keys = tuple(sorted(params))
    plain = _compiled.get((stmt, keys), False)
    if plain is False:
        with _lock:
            plain = _compiled[(stmt, keys)] = _compile(conn, stmt, keys)
    if plain is None:
        return conn.execute(stmt, dict(params))
    values = [params[n] if n in params else plain.fixed[n] for n in plain.names]
    args = tuple(v if p is None else p(v) for v, p in zip(values, plain.processors, strict=True))
    return _run(conn, plain.sql, redact_value(args) if has_secrets() else args, plain.returns)


def execute_sql(conn: Connection, sql: str) -> None:
    """Run a statement without parameters (a savepoint's) in ``conn``'s transaction."""
    if conn.dialect.name != "sqlite":
        conn.exec_driver_sql(sql)
        return
    _run(conn, sql, (), False)


def _run(conn: Connection, sql: str, args: Sequence[Any], returns: bool) -> _Done:
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, args)
        rows = cursor.fetchall() if returns else []
        return _Done(cursor.rowcount, rows)
    except sqlite3.Error as exc:
        raise translate(exc, ledger=describe(conn.engine.url), sqlite=True) or exc from None
    finally:
        cursor.close()
