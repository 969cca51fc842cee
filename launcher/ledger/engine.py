"""Opening the ledger's database: SQLite (the default, a file under the data dir) or any URL
SQLAlchemy speaks (PostgreSQL for organisations running several daemons).

SQLite is tuned for many short transactions from several processes: WAL journal (readers never
block the writer), a 30 s busy timeout, and ``BEGIN IMMEDIATE`` for every write transaction so
two daemons serialise at the start of a claim instead of failing halfway with "database is
locked". Durability is ``synchronous=FULL``: every commit (a post claimed, a post sent, a
launch recorded) is on the disk before launcher goes on, so a power loss cannot roll back a
"sent" and make a platform without idempotency keys receive the post again. (``NORMAL``
would be durable only at checkpoints; bench/durability.py measures what FULL costs.)

PostgreSQL is reached through psycopg 3 (``pip install "launcher[postgres]"``): a plain
``postgresql://`` (or ``postgres://``) URL is taken to mean ``postgresql+psycopg://``;
SQLAlchemy 2.0 would otherwise look for psycopg2. An explicit driver (``postgresql+...``)
is used as given. Its default ``synchronous_commit = on`` gives the same guarantee.

Two boundaries are installed on every engine: each value written is redacted of registered
secrets (:func:`launcher.errors.redact_value`) before it reaches the database, and each
driver failure becomes a ledger error naming the file or the password-less URL
(:mod:`.failures`).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError

from ..errors import ConfigError, LedgerError, has_secrets, redact_value, register_secret
from ..paths import data_dir
from .failures import translate

LEDGER_FILE = "ledger.sqlite3"
#: SQLite's durability: FULL syncs the WAL at every commit (see the module docstring)
SYNCHRONOUS = "FULL"
DATABASE_URL_HINT = (
    "write database_url as sqlite:///path/to/ledger.sqlite3 or postgresql://user@host/db"
)


def default_url(directory: str | Path | None = None) -> str:
    return f"sqlite:///{Path(data_dir(directory)) / LEDGER_FILE}"


def normalize_url(url: str) -> str:
    """Map a driverless PostgreSQL URL to the psycopg 3 driver; anything else unchanged."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


def parse_url(url: str) -> URL:
    """The URL, its password registered as a secret; ConfigError if it is not a database URL."""
    try:
        parsed = make_url(normalize_url(url))
    except ArgumentError:
        raise ConfigError(
            "database_url is not a database URL (it needs a scheme such as sqlite:/// or"
            " postgresql://)",
            hint=DATABASE_URL_HINT,
        ) from None
    if parsed.password:
        register_secret(str(parsed.password))
    return parsed


def check_url(url: str) -> URL:
    """:func:`parse_url`, and the scheme must name a database SQLAlchemy can speak (offline:
    the dialect is looked up, nothing is connected)."""
    parsed = parse_url(url)
    try:
        parsed.get_dialect()
    except NoSuchModuleError:
        raise ConfigError(
            f"database_url: launcher cannot speak {parsed.drivername!r} databases",
            hint=DATABASE_URL_HINT,
        ) from None
    except ImportError:  # the dialect exists, its driver is not installed: found on opening
        pass
    return parsed


def describe(url: str | URL) -> str:
    """How messages name the ledger: the SQLite file, or the URL without its password."""
    parsed = url if isinstance(url, URL) else parse_url(url)
    if parsed.get_backend_name() == "sqlite":
        return parsed.database or ":memory:"
    return parsed.render_as_string(hide_password=True)


def make_engines(url: str, *, synchronous: str = SYNCHRONOUS) -> tuple[Engine, Engine]:
    """Return (read engine, write engine). They share one connection pool.

    ``synchronous`` is SQLite's setting (``FULL``; the benchmark compares ``NORMAL``)."""
    parsed = parse_url(url)
    where = describe(make_url(url) if parsed.get_backend_name() != "sqlite" else parsed)
    sqlite = parsed.get_backend_name() == "sqlite"
    try:
        if sqlite:
            engine = create_engine(
                parsed, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=8
            )
            _tune_sqlite(engine, synchronous, parsed.database)
        else:
            engine = create_engine(parsed, pool_pre_ping=True)
    except NoSuchModuleError:
        raise ConfigError(
            f"database_url: launcher cannot speak {parsed.drivername!r} databases",
            hint=DATABASE_URL_HINT,
        ) from None
    except ImportError as exc:  # the URL's driver is not installed
        raise LedgerError(
            f"database_url needs a driver that is not installed ({exc.name or exc})",
            hint='for PostgreSQL: pip install "launcher[postgres]" (psycopg 3)',
        ) from exc
    _install_boundaries(engine, where, sqlite=sqlite)
    return engine, engine.execution_options(immediate=True)


#: how long a writer waits for the other processes' writers before leaving it to SQLite's own
#: busy wait (a second ledger opened by the thread that holds the first would otherwise wait
#: for itself for ever)
WRITERS_WAIT = 30.0


def _flock_within(fd: int, seconds: float) -> bool:
    """Take ``fd``'s exclusive flock, trying again at most every 2 ms; False after
    ``seconds``. (A blocking flock has no timeout.)"""
    import fcntl
    import time

    deadline = time.monotonic() + seconds
    delay = 0.0001
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(delay)
            delay = min(delay * 2, 0.002)


class _WritersLock:
    """One writer at a time among launcher's processes on one SQLite file: an ``flock`` on
    ``<file>-writers.lock``, taken once the process's own writer lock is held. SQLite's busy
    handler polls, sleeping longer each time (up to 100 ms), so two processes sharing a large
    launch (:mod:`launcher.launch.shards`) or a run beside a daemon would spend their time
    asleep; here the next writer tries again every 2 ms at most. The file is opened
    for each transaction (a descriptor kept would cross forks and outlive the ledger); one
    that cannot be opened (a read-only directory) leaves SQLite's own wait, always there."""

    def __init__(self, database: str | None) -> None:
        self.path = f"{database}-writers.lock" if database and database != ":memory:" else None
        self._fd: int | None = None  # held between acquire and release (one writer at a time)

    def acquire(self) -> None:
        import os

        if self.path is None:
            return
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError:
            return
        try:
            if not _flock_within(fd, WRITERS_WAIT):  # SQLite's own busy wait decides
                os.close(fd)
                return
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd

    def release(self) -> None:
        import os

        fd, self._fd = self._fd, None
        if fd is not None:
            os.close(fd)  # closing the descriptor releases its lock


def _tune_sqlite(engine: Engine, synchronous: str, database: str | None = None) -> None:
    if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise ValueError(f"synchronous={synchronous!r}")

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        try:
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute(f"PRAGMA synchronous={synchronous}")
            cur.execute("PRAGMA foreign_keys=ON")
        finally:
            cur.close()

    # One writer at a time within the process, in the order they asked: SQLite's own wait for
    # its write lock (the busy handler) sleeps in growing steps, so the many senders of a fanned
    # out launch would spend their time asleep; other processes still meet the busy timeout.
    writing = threading.Lock()
    writers = _WritersLock(database)

    @event.listens_for(engine, "begin")
    def _on_begin(conn):  # type: ignore[no-untyped-def]
        immediate = conn.get_execution_options().get("immediate")
        if immediate and not conn.info.get("writing"):
            writing.acquire()
            try:
                writers.acquire()
            except BaseException:
                writing.release()
                raise
            conn.info["writing"] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
        except BaseException:
            _done_writing(conn)
            raise

    def _done_writing(conn):  # type: ignore[no-untyped-def]
        if conn.info.pop("writing", False):
            writers.release()
            writing.release()

    event.listen(engine, "commit", _done_writing)
    event.listen(engine, "rollback", _done_writing)


def _install_boundaries(engine: Engine, where: str, *, sqlite: bool) -> None:
    @event.listens_for(engine, "before_cursor_execute", retval=True)
    def _redact(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        # the one place every value on its way into the ledger passes: no secret is stored
        if has_secrets():
            parameters = redact_value(parameters)
        return statement, parameters

    @event.listens_for(engine, "handle_error", retval=True)
    def _on_error(ctx: Any) -> BaseException | None:
        if getattr(ctx, "is_pre_ping", False):
            return None
        return translate(ctx.original_exception, ledger=where, sqlite=sqlite)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
