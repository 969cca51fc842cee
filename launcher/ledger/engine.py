"""Opening the ledger's database: SQLite (the default, a file under the data dir) or any URL
SQLAlchemy speaks (PostgreSQL for organisations running several daemons).

SQLite is tuned for many short transactions from several processes: WAL journal (readers never
block the writer), ``synchronous=NORMAL`` (durable at each checkpoint, never corrupt), a 30 s
busy timeout, and ``BEGIN IMMEDIATE`` for every write transaction so two daemons serialise at
the start of a claim instead of failing halfway with "database is locked".

PostgreSQL is reached through psycopg 3 (``pip install "launcher[postgres]"``): a plain
``postgresql://`` (or ``postgres://``) URL is taken to mean ``postgresql+psycopg://``;
SQLAlchemy 2.0 would otherwise look for psycopg2. An explicit driver (``postgresql+...``)
is used as given.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event

from ..errors import LedgerError
from ..paths import data_dir

LEDGER_FILE = "ledger.sqlite3"


def default_url(directory: str | Path | None = None) -> str:
    return f"sqlite:///{Path(data_dir(directory)) / LEDGER_FILE}"


def normalize_url(url: str) -> str:
    """Map a driverless PostgreSQL URL to the psycopg 3 driver; anything else unchanged."""
    for scheme in ("postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme) :]
    return url


def make_engines(url: str) -> tuple[Engine, Engine]:
    """Return (read engine, write engine). They share one connection pool."""
    url = normalize_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(
            url, connect_args={"timeout": 30, "check_same_thread": False}, pool_size=8
        )

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None  # we issue BEGIN ourselves, below
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn):  # type: ignore[no-untyped-def]
            immediate = conn.get_execution_options().get("immediate")
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    else:
        try:
            engine = create_engine(url, pool_pre_ping=True)
        except ImportError as exc:  # the URL's driver is not installed
            raise LedgerError(
                f"database_url needs a driver that is not installed ({exc.name or exc})",
                hint='for PostgreSQL: pip install "launcher[postgres]" (psycopg 3)',
            ) from exc
    return engine, engine.execution_options(immediate=True)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
