"""The ledger's engine: every commit is durable (synchronous=FULL), and no registered secret
is ever written, whichever write path carries it."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import quote

import pytest

from launcher.errors import register_secret
from launcher.launch.lifecycle import record_posts
from launcher.ledger import Ledger

T0 = 1_800_000_000.0
SECRET = 'ledger-PLANTED-"7f3a/9c+é'  # quotes, a slash, a plus and non-ASCII: every form differs
FORMS = (SECRET, json.dumps(SECRET)[1:-1], json.dumps(SECRET, ensure_ascii=False)[1:-1],
         quote(SECRET, safe=""))  # fmt: skip


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "l.sqlite3"


def test_every_connection_commits_with_synchronous_full(path: Path) -> None:
    with Ledger(f"sqlite:///{path}") as led:
        for engine in (led.engine, led.writer, led.engine):
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"


def test_the_benchmark_baseline_can_ask_for_normal(path: Path) -> None:
    with Ledger(f"sqlite:///{path}", synchronous="NORMAL") as led, led.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA synchronous").scalar() == 1


def test_no_write_path_stores_a_secret(path: Path) -> None:
    """Errors, reasons and details from several modules (store, delivery, control), single
    rows and executemany: the raw bytes of the database and its WAL hold no form of it."""
    register_secret(SECRET)
    leak = f"401 from server: Bearer {SECRET} json={json.dumps({'t': SECRET})} q={quote(SECRET)}"
    with Ledger(f"sqlite:///{path}") as led:
        record_posts(
            led,
            "L1",
            [{"key": f"k{i}", "due_at": T0, "text": f"post {i}"} for i in range(3)],
            now=T0,
            accounts=[
                {
                    "platform": "sandbox",
                    "locale": "en",
                    "handle": "h",
                    "error": leak,
                    "state": "active",
                }
            ],
        )
        led.record_event(at=T0, actor="t", action="x", launch_id="L1", reason=leak, nested=[leak])
        (claim, *_) = led.claim_due(worker="w", now=T0, lease=60.0, limit=1)
        led.record_account("L1", "sandbox", "en", state="failed", actor="t", now=T0, error=leak)
        led.mark_failed(claim.post.id, actor="t", now=T0, reason=leak)
        led.fail_scheduled("L1", "sandbox", "en", actor="t", now=T0, reason=leak)
        led.halt("L1", actor=leak, now=T0)
        assert "[redacted]" in led.accounts("L1")[0].error
        assert all(SECRET not in json.dumps(e.detail) for e in led.events("L1"))
        blobs = [p.read_bytes() for p in path.parent.glob("l.sqlite3*")]  # -wal while open
    assert len(blobs) >= 2
    for blob in blobs:
        for form in FORMS:
            assert form.encode() not in blob, form
