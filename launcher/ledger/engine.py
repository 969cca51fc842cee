"""Opening the ledger's database: SQLite (the default, a file under the data dir) or any URL
SQLAlchemy speaks (PostgreSQL for organisations running several daemons).

SQLite is tuned for many short transactions from several processes: WAL journal (readers never
block the writer), ``synchronous=NORMAL`` (durable at each checkpoint, never corrupt), a 30 s
busy timeout, and ``BEGIN IMMEDIATE`` for every write transaction so two daemons serialise at
the start of a claim instead of failing halfway with "database is locked".
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event

from ..paths import data_dir

LEDGER_FILE = "ledger.sqlite3"


def default_url(directory: str | Path | None = None) -> str:
    return f"sqlite:///{Path(data_dir(directory)) / LEDGER_FILE}"


def make_engines(url: str) -> tuple[Engine, Engine]:
    """Return (read engine, write engine). They share one connection pool."""
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
        engine = create_engine(url, pool_pre_ping=True)
    return engine, engine.execution_options(immediate=True)


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
