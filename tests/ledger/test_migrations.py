"""Versioned schema: an older ledger is upgraded, a newer one refused."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import text

from launcher.errors import LedgerError
from launcher.ledger import Ledger, migrations


def test_new_ledger_is_at_the_latest_version(tmp_path):
    """A fresh ledger records every migration in schema_version."""
    with Ledger(f"sqlite:///{tmp_path / 'l.db'}") as led:
        assert led.version == migrations.latest_version()
    rows = sqlite3.connect(tmp_path / "l.db").execute("select version from schema_version")
    assert [r[0] for r in rows] == [m.version for m in migrations.MIGRATIONS]


def test_older_ledger_is_upgraded_keeping_its_data(tmp_path, monkeypatch):
    """A ledger written by an older release opens under a newer one, data intact."""
    url = f"sqlite:///{tmp_path / 'l.db'}"
    with Ledger(url) as led:
        led.record_event(at=1.0, actor="old", action="x")

    def add_note(conn):
        conn.execute(text("ALTER TABLE launches ADD COLUMN remark TEXT"))

    newer = [*migrations.MIGRATIONS, migrations.Migration(99, "launch remarks", add_note)]
    monkeypatch.setattr(migrations, "MIGRATIONS", newer)
    with Ledger(url) as led:
        assert led.version == 99
        assert [e.actor for e in led.events()] == ["old"]
    cols = [r[1] for r in sqlite3.connect(tmp_path / "l.db").execute("pragma table_info(launches)")]
    assert "remark" in cols


def test_newer_ledger_is_refused(tmp_path):
    """A ledger from a later release is refused with a hint, not half-read."""
    url = f"sqlite:///{tmp_path / 'l.db'}"
    Ledger(url).close()
    con = sqlite3.connect(tmp_path / "l.db")
    con.execute("insert into schema_version values (1000, 0, 'future')")
    con.commit()
    with pytest.raises(LedgerError, match="newer"):
        Ledger(url)


def test_sqlite_uses_wal(tmp_path):
    """SQLite ledgers run in WAL mode so readers never block the daemon."""
    with Ledger(f"sqlite:///{tmp_path / 'l.db'}") as led, led.engine.connect() as conn:
        assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"


def test_a_v1_ledger_gains_launch_time_zones(tmp_path):
    """Schema v2 added launches.timezone: a ledger written before it is upgraded on open, and
    its launches get their mission's zone back from the recorded plan."""
    url = f"sqlite:///{tmp_path / 'l.db'}"
    with Ledger(url) as led:
        led.create_launch(
            launch_id="old", playbook="p", mission="rome", facts={}, actor="a", now=1.0,
            confirmed_at=1.0, plan_hash="-", plan_doc={"timezone": "Europe/Rome"},
            account_rows=[], post_rows=[],
        )  # fmt: skip
    con = sqlite3.connect(tmp_path / "l.db")  # make it look like v1 wrote it
    for column in ("timezone", "kind", "note", "override_reason"):
        con.execute(f"alter table launches drop column {column}")
    con.execute("delete from schema_version where version >= 2")
    con.commit()
    con.close()
    with Ledger(url) as led:
        assert led.version == migrations.latest_version()
        assert led.resolve("old").timezone == "Europe/Rome"
        assert led.resolve("old").kind == "crisis"


def test_a_v2_held_launch_becomes_awaiting_approval(tmp_path):
    """Schema v3 renamed v2's 'held' state and added the columns approvals need."""
    url = f"sqlite:///{tmp_path / 'l.db'}"
    with Ledger(url) as led:
        led.create_launch(
            launch_id="h", playbook="p", mission="rome", facts={}, actor="a", now=1.0,
            confirmed_at=1.0, plan_hash="-", plan_doc=None, account_rows=[], post_rows=[],
            state="provisioning",
        )  # fmt: skip
    con = sqlite3.connect(tmp_path / "l.db")
    for column in ("kind", "note", "override_reason"):
        con.execute(f"alter table launches drop column {column}")
    con.execute("update launches set state = 'held'")
    con.execute("delete from schema_version where version >= 3")
    con.commit()
    con.close()
    with Ledger(url) as led:
        assert led.version == migrations.latest_version()
        assert led.resolve("h").state == "awaiting-approval"
        assert [r.id for r in led.awaiting()] == ["h"]


def test_a_v3_ledger_gains_retrying_expiry_and_account_claims(tmp_path):
    """Schema v4 adds the columns of outages and stale posts to a v3 ledger: its posts keep
    their state and never expire (their life was not recorded), its accounts keep theirs."""
    url = f"sqlite:///{tmp_path / 'l.db'}"
    with Ledger(url) as led:
        led.create_launch(
            launch_id="old", playbook="p", mission="rome", facts={}, actor="a", now=1.0,
            confirmed_at=1.0, plan_hash="-", plan_doc=None,
            account_rows=[{"platform": "sandbox", "locale": "en", "handle": "h"}],
            post_rows=[{"key": "k", "message": "m", "platform": "sandbox", "locale": "en",
                        "text": "t", "due_at": 5.0, "part": 1, "parts": 1, "pin": False,
                        "prev_key": None}],
        )  # fmt: skip
    con = sqlite3.connect(tmp_path / "l.db")
    con.execute("drop index ix_posts_state_retry")
    for table, columns in (
        ("posts", ("retry_at", "expires_at", "reconcile", "first_attempt_at")),
        (
            "accounts",
            ("bio", "links", "attempts", "claimed_by", "claim_until", "retry_at", "credentials"),
        ),
        ("launches", ("repeat_key",)),
    ):
        for column in columns:
            con.execute(f"alter table {table} drop column {column}")
    con.execute("delete from schema_version where version >= 4")
    con.commit()
    con.close()
    with Ledger(url) as led:
        assert led.version == migrations.latest_version()
        (post,) = led.posts("old")
        assert (post.state, post.expires_at, post.reconcile, post.retry_at) == (
            "scheduled", None, False, None,
        )  # fmt: skip
        (account,) = led.accounts("old")
        assert (account.state, account.attempts) == ("pending", 0)
