"""Versioned schema: a later release opens an older ledger and brings it up to date.

``schema_version`` holds one row per applied migration. :data:`MIGRATIONS` lists every step
in order; a step is a function of a connection inside the upgrade transaction. A ledger newer
than this code is refused (never half-understood). To change the schema, append a step (never
edit a released one) and update :mod:`.schema` to the result. A new ledger is created from
:mod:`.schema` by step 1, so later steps check what is already there (see step 2).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Connection, Engine, inspect, select, text

from ..errors import LedgerError
from . import schema


@dataclass(frozen=True)
class Migration:
    version: int
    description: str
    apply: Callable[[Connection], None]


def _v1_initial(conn: Connection) -> None:
    tables = [schema.launches, schema.accounts, schema.posts, schema.events]
    schema.metadata.create_all(conn, tables=tables)


def _v2_launch_timezone(conn: Connection) -> None:
    """launches.timezone: the mission's zone, so status shows local times. Backfilled from
    the recorded plan of older launches."""
    import json

    from sqlalchemy import text

    cols = {c["name"] for c in inspect(conn).get_columns("launches")}
    if "timezone" not in cols:  # ledgers created before v2 (new ones have it from v1)
        conn.execute(text("ALTER TABLE launches ADD COLUMN timezone VARCHAR(64)"))
    rows = conn.execute(
        select(schema.launches.c.id, schema.launches.c.plan).where(
            schema.launches.c.timezone.is_(None), schema.launches.c.plan.is_not(None)
        )
    ).all()
    for launch_id, plan in rows:
        try:
            zone = json.loads(plan).get("timezone")
        except (ValueError, AttributeError):
            zone = None
        if zone:
            conn.execute(
                schema.launches.update()
                .where(schema.launches.c.id == launch_id)
                .values(timezone=str(zone))
            )


def _v3_approvals(conn: Connection) -> None:
    """Four-eyes approvals and content freeze: launches.kind, note, override_reason; the
    state column widened for ``awaiting-approval``; v2's ``held`` renamed."""
    from sqlalchemy import text

    cols = {c["name"] for c in inspect(conn).get_columns("launches")}
    for name, ddl in (
        ("kind", "ALTER TABLE launches ADD COLUMN kind VARCHAR(16) NOT NULL DEFAULT 'crisis'"),
        ("note", "ALTER TABLE launches ADD COLUMN note TEXT"),
        ("override_reason", "ALTER TABLE launches ADD COLUMN override_reason TEXT"),
    ):
        if name not in cols:
            conn.execute(text(ddl))
    if conn.dialect.name == "postgresql":
        conn.execute(text("ALTER TABLE launches ALTER COLUMN state TYPE VARCHAR(24)"))
    conn.execute(
        schema.launches.update()
        .where(schema.launches.c.state == "held")
        .values(state="awaiting-approval")
    )


def _v4_whole_crisis(conn: Connection) -> None:
    """Outages, stale posts, account claims, repeated launches: posts.retry_at, expires_at,
    reconcile, first_attempt_at; accounts.bio, links, attempts, claimed_by, claim_until,
    retry_at, credentials; launches.repeat_key. Older posts never expire (their life was not
    recorded)."""
    false = "false" if conn.dialect.name == "postgresql" else "0"
    wanted = {
        "posts": (
            ("retry_at", "FLOAT"),
            ("expires_at", "FLOAT"),
            ("reconcile", f"BOOLEAN NOT NULL DEFAULT {false}"),
            ("first_attempt_at", "FLOAT"),
        ),
        "accounts": (
            ("bio", "TEXT"),
            ("links", "TEXT"),
            ("attempts", "INTEGER NOT NULL DEFAULT 0"),
            ("claimed_by", "VARCHAR(200)"),
            ("claim_until", "FLOAT"),
            ("retry_at", "FLOAT"),
            ("credentials", "TEXT"),
        ),
        "launches": (("repeat_key", "VARCHAR(64)"),),
    }
    inspector = inspect(conn)
    for table, columns in wanted.items():
        have = {c["name"] for c in inspector.get_columns(table)}
        for name, ddl in columns:
            if name not in have:
                conn.execute(text(f"ALTER TABLE {table} ADD COLUMN {name} {ddl}"))
    indexes = {ix["name"] for ix in inspector.get_indexes("posts")}
    if "ix_posts_state_retry" not in indexes:
        conn.execute(text("CREATE INDEX ix_posts_state_retry ON posts (state, retry_at)"))


def _v5_feeds(conn: Connection) -> None:
    """Event feeds: polling state, source events and their ids and revisions, proposals, and
    the source each launch came from (new tables only)."""
    tables = [
        schema.feed_state,
        schema.source_events,
        schema.source_aliases,
        schema.source_revisions,
        schema.proposals,
        schema.launch_sources,
    ]
    schema.metadata.create_all(conn, tables=tables)


def _v6_sunsets(conn: Connection) -> None:
    """Archives and sunsets: the tables ``archives``, ``sunsets`` and ``sunset_steps`` (new
    tables only; a sunset's farewell posts are posts of a launch of kind ``sunset``)."""
    schema.metadata.create_all(
        conn, tables=[schema.archives, schema.sunsets, schema.sunset_steps], checkfirst=True
    )


def _v7_listening(conn: Connection) -> None:
    """The listening post: inbox items, metric snapshots, collection cursors, and answers
    (posts that reply to a platform post outside the launch's own threads). New tables
    only: no existing row changes."""
    tables = [schema.inbox_items, schema.metric_snapshots, schema.listen_cursors, schema.answers]
    schema.metadata.create_all(conn, tables=tables, checkfirst=True)


def _v8_launch_groups(conn: Connection) -> None:
    """Many missions in one run: launch_groups and launch_group_members; ix_posts_account, for
    keeping an account's posts in order."""
    schema.metadata.create_all(conn, tables=[schema.launch_groups, schema.launch_group_members])
    if "ix_posts_account" not in {ix["name"] for ix in inspect(conn).get_indexes("posts")}:
        conn.execute(
            text("CREATE INDEX ix_posts_account ON posts (launch_id, platform, locale, due_at)")
        )


def _v9_audit_chain(conn: Connection) -> None:
    """The tamper-evident audit trail and the notification outbox: event_chain, audit_marks,
    notifications. The events already in the ledger are chained now, in id order: the chain
    vouches for them from the upgrade on."""
    from ..audit.chain import link_new

    tables = [schema.event_chain, schema.audit_marks, schema.notifications]
    schema.metadata.create_all(conn, tables=tables, checkfirst=True)
    link_new(conn)


MIGRATIONS: list[Migration] = [
    Migration(1, "launches, accounts, posts, events", _v1_initial),
    Migration(2, "launches.timezone", _v2_launch_timezone),
    Migration(3, "approvals: launches.kind, note, override_reason", _v3_approvals),
    Migration(4, "retrying/expired posts, account claims, repeat keys", _v4_whole_crisis),
    Migration(5, "feeds: source events, proposals, launch sources", _v5_feeds),
    Migration(6, "archives, sunsets and their steps", _v6_sunsets),
    Migration(7, "listening: inbox items, metric snapshots, cursors, answers", _v7_listening),
    Migration(8, "launch groups; posts in order per account", _v8_launch_groups),
    Migration(9, "audit chain, notification outbox", _v9_audit_chain),
]


def latest_version() -> int:
    return MIGRATIONS[-1].version if MIGRATIONS else 0


def current_version(conn: Connection) -> int:
    if not inspect(conn).has_table("schema_version"):
        return 0
    value = conn.execute(
        select(schema.schema_version.c.version)
        .order_by(schema.schema_version.c.version.desc())
        .limit(1)
    ).scalar()
    return int(value or 0)


# pg_advisory_xact_lock key ("ledg"): one migrating opener per PostgreSQL database at a time
_PG_MIGRATION_LOCK = 0x6C656467


def migrate(engine: Engine) -> int:
    """Bring the ledger to the latest version; return the version it is at.

    Openers are serialised: ``BEGIN IMMEDIATE`` on SQLite, a transaction-scoped advisory lock
    on PostgreSQL (where DDL does not wait: two daemons opening a new database at once would
    otherwise both create the tables, and one fail)."""
    target = latest_version()
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_MIGRATION_LOCK})
        schema.schema_version.create(conn, checkfirst=True)
        have = current_version(conn)
        if have > target:
            raise LedgerError(
                f"the ledger is at schema version {have}, newer than this launcher "
                f"understands ({target})",
                hint="upgrade launcher before using this ledger",
            )
        for step in MIGRATIONS:
            if step.version <= have:
                continue
            step.apply(conn)
            conn.execute(
                schema.schema_version.insert().values(
                    version=step.version, applied_at=time.time(), description=step.description
                )
            )
        return max(have, target)
