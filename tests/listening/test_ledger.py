"""The listening tables in the ledger: an older ledger gains them, its posts untouched and
still delivered; the claim of an ordinary post is as it was."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from launcher.launch.lifecycle import record_posts
from launcher.ledger import Ledger, migrations

LISTENING = ("inbox_items", "metric_snapshots", "listen_cursors", "answers")


def test_a_ledger_from_before_listening_gains_its_tables(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'l.db'}"
    with Ledger(url) as led:
        record_posts(led, "old", [{"key": "k", "due_at": 5.0}], now=1.0)
    con = sqlite3.connect(tmp_path / "l.db")  # as the ledger was before the listening post
    for table in LISTENING:
        con.execute(f"drop table {table}")
    step = next(m.version for m in migrations.MIGRATIONS if "listening" in m.description)
    con.execute("delete from schema_version where version >= ?", (step,))
    con.commit()
    con.close()
    with Ledger(url) as led:
        assert led.version == migrations.latest_version()
        names = set(sqlite3.connect(tmp_path / "l.db").execute(
            "select name from sqlite_master where type='table'").fetchall())  # fmt: skip
        assert {(t,) for t in LISTENING} <= names
        (post,) = led.posts("old")
        assert post.state == "scheduled"
        (claim,) = led.claim_due(worker="w", now=10.0, lease=30.0)
        assert claim.reply_to is None and dict(claim.reply_refs) == {}
