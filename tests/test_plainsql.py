"""The ledger's hottest writes on SQLite's cursor (launcher.ledger.plainsql) write exactly
what SQLAlchemy's execution writes, mask secrets on the way in, and fail as ledger errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import select

from launcher.audit.chain import _INSERT
from launcher.errors import MASK, LedgerError, register_secret
from launcher.ledger import Ledger, plainsql
from launcher.ledger.outcomes import _UPD_SENT
from launcher.ledger.provisioning import _finish_statement
from launcher.ledger.schema import accounts, events, posts

NOW = 1_780_000_000.0


def _ledger(tmp_path: Path, name: str) -> Ledger:
    ledger = Ledger(f"sqlite:///{tmp_path / name}")
    ledger.create_launch(
        launch_id="L",
        playbook="earthquake",
        mission="rome",
        facts={"region": "Lazio"},
        actor="duty",
        now=NOW,
        confirmed_at=NOW,
        plan_hash="h",
        plan_doc=None,
        account_rows=[
            {"platform": "mastodon", "locale": "it", "handle": "exl_rome_it", "state": "pending"}
        ],
        post_rows=[
            {
                "key": f"k{i}",
                "message": "m",
                "platform": "mastodon",
                "locale": "it",
                "text": f"testo {i}",
                "due_at": NOW,
                "prev_key": None,
            }
            for i in range(3)
        ],
    )
    with ledger.writer.begin() as conn:  # as a sender leaves them: claimed, being sent
        conn.execute(posts.update().values(state="sending", claimed_by="w", claim_until=NOW + 60))
        conn.execute(accounts.update().values(state="provisioning", claimed_by="w"))
    return ledger


def _rows(ledger: Ledger) -> tuple[list, list, list]:
    with ledger.engine.connect() as conn:
        return (
            [tuple(r) for r in conn.execute(select(posts).order_by(posts.c.id))],
            [tuple(r)[1:] for r in conn.execute(select(events).order_by(events.c.id))],
            [tuple(r) for r in conn.execute(select(accounts).order_by(accounts.c.id))],
        )


def _writes(ledger: Ledger, run) -> None:  # type: ignore[no-untyped-def]
    """The same writes a sender makes, through ``run(conn, statement, params)``."""
    with ledger.writer.begin() as conn:
        ids = [r[0] for r in conn.execute(select(posts.c.id).order_by(posts.c.id))]
        sent = {"pid": ids[0], "now": NOW + 5, "ppid": "109", "url": "https://m/@a/109"}
        assert run(conn, _UPD_SENT, {**sent, "extra": None}).rowcount == 1
        assert run(conn, _UPD_SENT, {**sent, "extra": None}).rowcount == 0  # not sending now
        event = {"at": NOW + 5, "actor": "run", "launch_id": "L", "post_id": ids[0],
                 "action": "post.sent", "detail": '{"platform_post_id": "109"}'}  # fmt: skip
        assert int(run(conn, _INSERT, event).scalar_one()) > 0
        done = {"state": "active", "claimed_by": None, "claim_until": None, "retry_at": None,
                "error": None, "updated_at": NOW + 4, "account_id": "7", "created": False,
                "checklist": "[]"}  # fmt: skip
        row = run(
            conn,
            _finish_statement(tuple(done)),
            {"row_id": 1, "worker": "w", **{f"v_{k}": v for k, v in done.items()}},
        ).first()
        assert tuple(row) == ("L", "mastodon", "it")


def test_the_cursor_writes_what_sqlalchemy_writes(tmp_path: Path) -> None:
    with _ledger(tmp_path, "a.sqlite3") as plain, _ledger(tmp_path, "b.sqlite3") as alchemy:
        _writes(plain, plainsql.execute)
        _writes(alchemy, lambda conn, stmt, params: conn.execute(stmt, params))
        written = _rows(plain)
        assert written == _rows(alchemy)
        post = dict(zip(posts.c.keys(), written[0][0], strict=True))
        assert (post["state"], post["platform_post_id"]) == ("sent", "109")


def test_a_secret_among_the_parameters_is_masked_on_its_way_into_the_ledger(
    tmp_path: Path,
) -> None:
    secret = "tok-9f8e7d6c5b4a39281706f5e4"
    register_secret(secret)
    with _ledger(tmp_path, "s.sqlite3") as ledger:
        with ledger.writer.begin() as conn:
            detail = f'{{"error": "401 for {secret}"}}'
            event = {"at": NOW, "actor": "run", "launch_id": "L", "post_id": None,
                     "action": "post.failed", "detail": detail}  # fmt: skip
            plainsql.execute(conn, _INSERT, event)
        files = [tmp_path / "s.sqlite3", tmp_path / "s.sqlite3-wal"]
        assert not any(secret.encode() in f.read_bytes() for f in files if f.exists())
        [failed] = [e for e in ledger.events() if e.action == "post.failed"]
        assert failed.detail == {"error": f"401 for {MASK}"}


def test_a_column_default_left_to_sqlalchemy_is_filled_in(tmp_path: Path) -> None:
    """An event given without its detail: the default ('{}') is SQLAlchemy's to fill in, so
    that statement takes SQLAlchemy's path."""
    with _ledger(tmp_path, "d.sqlite3") as ledger:
        with ledger.writer.begin() as conn:
            event = {"at": NOW, "actor": "run", "launch_id": "L", "post_id": None,
                     "action": "note"}  # fmt: skip
            plainsql.execute(conn, _INSERT, event)
        assert [e.detail for e in ledger.events() if e.action == "note"] == [{}]


def test_a_driver_error_is_a_ledger_error_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "e.sqlite3"
    with _ledger(tmp_path, "e.sqlite3") as ledger:
        with sqlite3.connect(path) as other:  # the file loses a table under the ledger
            other.execute("DROP TABLE events")
        # a transaction of its own (a group's commit would meet the missing table too)
        with pytest.raises(LedgerError) as caught, ledger.engine.begin() as conn:
            event = {"at": NOW, "actor": "run", "launch_id": "L", "post_id": None,
                     "action": "x", "detail": "{}"}  # fmt: skip
            plainsql.execute(conn, _INSERT, event)
        assert str(path) in str(caught.value)
        assert "no such table: events" in str(caught.value)
