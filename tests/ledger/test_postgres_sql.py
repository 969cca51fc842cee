"""The SQL compiled for PostgreSQL is what we mean (test_postgres.py runs it on a server)."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy.dialects import postgresql
from sqlalchemy.schema import CreateIndex, CreateTable

from launcher.ledger import schema
from launcher.ledger.delivery import DeliveryMixin


def test_tables_and_indexes_compile_for_postgresql():
    """Every table and index of the ledger has PostgreSQL DDL."""
    dialect = postgresql.dialect()
    for table in schema.metadata.sorted_tables:
        assert "CREATE TABLE" in str(CreateTable(table).compile(dialect=dialect))
        for index in table.indexes:
            assert "CREATE INDEX" in str(CreateIndex(index).compile(dialect=dialect))


def test_claims_skip_rows_locked_by_another_daemon_on_postgresql():
    """On PostgreSQL a claim locks its rows and skips those another daemon holds."""
    probe = DeliveryMixin()
    probe.writer = SimpleNamespace(dialect=postgresql.dialect())  # type: ignore[assignment]
    query = probe._claim_query(schema.posts.c.state == "scheduled", limit=5)
    sql = str(query.compile(dialect=postgresql.dialect()))
    assert "FOR UPDATE OF posts SKIP LOCKED" in sql
