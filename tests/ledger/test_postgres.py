"""The ledger against a real PostgreSQL server: migrations, claims under concurrency, leases,
halt/resume, four-eyes review, the audit trail, and the CLI end to end.

The server: ``LAUNCHER_TEST_DATABASE_URL`` (any database on it; the tests create their own),
else a throwaway cluster started with ``scripts/postgres/start.sh`` (Debian's server binaries,
installed by ``.ci/postgres-setup``) and stopped after the session. Every test gets a new,
empty database, dropped afterwards.
"""

from __future__ import annotations

import glob
import json
import os
import shlex
import subprocess
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from launcher.errors import LedgerError
from launcher.launch.lifecycle import record_posts
from launcher.ledger import Ledger, migrations
from launcher.ledger.engine import normalize_url
from launcher.ledger.schema import launches
from tests.conftest import invoke

pytestmark = pytest.mark.integration

SCRIPTS = Path(__file__).resolve().parents[2] / "scripts" / "postgres"
T0 = 1_800_000_000.25  # a fraction: due times must round-trip exactly (double precision)


def _read_env(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep:
            parts = shlex.split(value)
            out[key] = parts[0] if parts else ""
    return out


@pytest.fixture(scope="session")
def pg_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The URL of a PostgreSQL server's maintenance database, for this test session."""
    pytest.importorskip("psycopg", reason="psycopg not installed: pip install -e '.[postgres]'")
    external = os.environ.get("LAUNCHER_TEST_DATABASE_URL")
    if external:
        yield external
        return
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb"):
        pytest.skip("PostgreSQL not installed: run .ci/postgres-setup")
    state = tmp_path_factory.mktemp("postgres-state")
    env = {**os.environ, "PG_STATE_DIR": str(state)}
    start = subprocess.run(
        [str(SCRIPTS / "start.sh")], env=env, capture_output=True, text=True, timeout=120
    )
    try:
        if start.returncode != 0:
            pytest.fail(f"PostgreSQL did not start:\n{(start.stdout + start.stderr)[-3000:]}")
        yield _read_env(state / "postgres.env")["LAUNCHER_TEST_DATABASE_URL"]
    finally:
        subprocess.run([str(SCRIPTS / "stop.sh")], env=env, capture_output=True, timeout=60)


@pytest.fixture
def pg_url(pg_server: str) -> Iterator[str]:
    """A new, empty database on the server (``postgresql+psycopg://.../<name>``)."""
    from sqlalchemy import create_engine, make_url, text

    admin = create_engine(normalize_url(pg_server), isolation_level="AUTOCOMMIT")
    name = f"launcher_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        url = make_url(normalize_url(pg_server)).set(database=name)
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def ledger(pg_url: str) -> Iterator[Ledger]:
    with Ledger(pg_url) as led:
        yield led


def _launch(ledger: Ledger, lid: str = "L1", n: int = 3, step: float = 60.0, **kw) -> str:
    posts = [{"key": f"k{i}", "due_at": T0 + i * step} for i in range(n)]
    return record_posts(ledger, lid, posts, now=T0, **kw)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _set_state(ledger: Ledger, lid: str, state: str) -> None:
    with ledger.writer.begin() as conn:
        conn.execute(launches.update().where(launches.c.id == lid).values(state=state))


# -- the URL and the schema ------------------------------------------------------------------
def test_driverless_postgresql_urls_use_psycopg(pg_url):
    """`postgresql://` and `postgres://` mean psycopg 3 (what the postgres extra installs)."""
    assert normalize_url("postgresql://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgres://u@h/db") == "postgresql+psycopg://u@h/db"
    assert normalize_url("postgresql+psycopg2://u@h/db") == "postgresql+psycopg2://u@h/db"
    assert normalize_url("sqlite:///x.db") == "sqlite:///x.db"
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://", 1)
    with Ledger(plain) as led:
        assert (led.engine.dialect.name, led.engine.dialect.driver) == ("postgresql", "psycopg")


def test_migrations_from_scratch_reach_the_latest_version(pg_url):
    """A new PostgreSQL ledger applies every migration; opening it again changes nothing;
    times are double precision and the launch state fits 'awaiting-approval'."""
    from sqlalchemy import text

    with Ledger(pg_url) as led:
        assert led.version == migrations.latest_version()
    with Ledger(pg_url) as led, led.engine.connect() as conn:
        assert led.version == migrations.latest_version()
        versions = conn.execute(text("select version from schema_version order by 1")).scalars()
        assert list(versions) == [m.version for m in migrations.MIGRATIONS]
        types = dict(
            conn.execute(
                text(
                    "select table_name || '.' || column_name, data_type"
                    " from information_schema.columns where table_schema = 'public'"
                )
            ).all()
        )
    assert {"launches.id", "accounts.id", "posts.id", "events.id"} <= set(types)
    assert types["posts.due_at"] == types["posts.claim_until"] == "double precision"
    assert types["posts.pin"] == "boolean"


def test_a_v1_ledger_is_upgraded_on_postgresql(pg_url):
    """The ALTER TABLE steps of migrations 2 and 3 run on PostgreSQL too."""
    from sqlalchemy import text

    with Ledger(pg_url) as led:
        led.create_launch(
            launch_id="old", playbook="p", mission="rome", facts={}, actor="a", now=1.0,
            confirmed_at=1.0, plan_hash="-", plan_doc={"timezone": "Europe/Rome"},
            account_rows=[], post_rows=[], state="provisioning",
        )  # fmt: skip
        with led.writer.begin() as conn:  # make it look like v1 wrote it
            for column in ("timezone", "kind", "note", "override_reason"):
                conn.execute(text(f"alter table launches drop column {column}"))
            conn.execute(text("alter table launches alter column state type varchar(12)"))
            conn.execute(text("update launches set state = 'held'"))
            conn.execute(text("delete from schema_version where version >= 2"))
    with Ledger(pg_url) as led:
        assert led.version == migrations.latest_version()
        rec = led.resolve("old")
        assert (rec.timezone, rec.kind, rec.state) == ("Europe/Rome", "crisis", "awaiting-approval")


def test_daemons_opening_a_new_database_at_once_all_succeed(pg_url):
    """Several processes opening an empty database together: one creates the schema, the
    others wait for it (PostgreSQL DDL does not wait by itself: a duplicate-table error)."""
    barrier = threading.Barrier(4)
    versions: list[int] = []
    errors: list[BaseException] = []

    def open_it() -> None:
        barrier.wait()
        try:
            with Ledger(pg_url) as led:
                versions.append(led.version)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=open_it) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert versions == [migrations.latest_version()] * 4


# -- launches and posts ----------------------------------------------------------------------
def test_launch_with_accounts_and_posts_round_trips(ledger):
    """A launch, its accounts and its thread are stored and read back exactly."""
    record_posts(
        ledger,
        "rome_eq-1",
        [
            {"key": "m#p1", "due_at": T0, "part": 1, "parts": 2, "pin": True, "locale": "ar",
             "text": "زلزال في روما 🇮🇹 — +44 20 7946 0101"},
            {"key": "m#p2", "due_at": T0 + 0.5, "part": 2, "parts": 2, "prev_key": "m#p1"},
        ],
        now=T0,
        actor="alice",
        accounts=[{"platform": "sandbox", "locale": "ar", "handle": "tl_rome_ar"}],
    )  # fmt: skip
    record_posts(ledger, "rome%eq-2", [{"key": "k", "due_at": T0}], now=T0)
    p1, p2 = ledger.posts("rome_eq-1")
    assert (p1.due_at, p2.due_at) == (T0, T0 + 0.5)
    assert p1.pin is True and p2.pin is False
    assert p1.text == "زلزال في روما 🇮🇹 — +44 20 7946 0101"
    assert p2.reply_to_post_id == p1.id
    (account,) = ledger.accounts("rome_eq-1")
    assert (account.handle, account.state, account.created) == ("tl_rome_ar", "pending", False)
    # prefixes: LIKE wildcards in an id are literal characters
    assert ledger.resolve("rome_").id == "rome_eq-1"
    assert ledger.resolve("rome%").id == "rome%eq-2"
    with pytest.raises(LedgerError, match="several"):
        ledger.resolve("rome")
    with pytest.raises(LedgerError, match="already exists"):
        record_posts(ledger, "rome_eq-1", [], now=T0)


# -- claims ----------------------------------------------------------------------------------
def test_two_ledgers_claiming_concurrently_never_claim_a_post_twice(pg_url):
    """Four claimers on two Ledger instances (two connection pools, as two daemons) race
    over 300 due posts in small batches: every post is claimed exactly once."""
    with Ledger(pg_url) as first, Ledger(pg_url) as second:
        _launch(first, n=300, step=0.001)
        claimers = [(first, "a"), (first, "b"), (second, "c"), (second, "d")]
        got: dict[str, list[int]] = {w: [] for _, w in claimers}
        errors: list[BaseException] = []
        barrier = threading.Barrier(len(claimers))

        def claim(led: Ledger, worker: str) -> None:
            barrier.wait()
            try:
                while batch := led.claim_due(worker=worker, now=T0 + 10, lease=60, limit=7):
                    got[worker].extend(c.post.id for c in batch)
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=claim, args=c) for c in claimers]
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
        assert errors == []
        claimed = [pid for ids in got.values() for pid in ids]
        posts = first.posts("L1")
        assert len(claimed) == len(set(claimed)) == 300
        assert set(claimed) == {p.id for p in posts}
        holder = {pid: w for w, ids in got.items() for pid in ids}
        assert all(p.state == "sending" and p.claimed_by == holder[p.id] for p in posts)
        assert {p.attempts for p in posts} == {1}
        assert sum(1 for ids in got.values() if ids) >= 2  # they really did share the work


def test_a_claim_skips_posts_another_transaction_has_locked(ledger):
    """FOR UPDATE SKIP LOCKED: rows locked by a daemon mid-claim are skipped, not waited on."""
    from sqlalchemy import select

    from launcher.ledger.schema import posts

    _launch(ledger, n=4, step=0)
    ids = [p.id for p in ledger.posts("L1")]
    other = Ledger(ledger.url)
    try:
        with other.writer.begin() as conn:
            conn.execute(select(posts.c.id).where(posts.c.id.in_(ids[:2])).with_for_update())
            result: list = []
            t = threading.Thread(
                target=lambda: result.append(
                    ledger.claim_due(worker="w", now=T0, lease=30, limit=10)
                )
            )
            t.start()
            t.join(20)
            assert not t.is_alive(), "the claim waited for the locked rows"
        assert sorted(c.post.id for c in result[0]) == ids[2:]
        assert [c.post.id for c in ledger.claim_due(worker="w", now=T0, lease=30)] == ids[:2]
    finally:
        other.close()


def test_thread_parts_wait_for_the_previous_part(ledger):
    """Part 2 is claimable once part 1 is sent, and carries part 1's platform id."""
    record_posts(
        ledger,
        "L1",
        [
            {"key": "m#p1", "due_at": T0, "part": 1, "parts": 2},
            {"key": "m#p2", "due_at": T0, "part": 2, "parts": 2, "prev_key": "m#p1"},
        ],
        now=T0,
    )
    (c,) = ledger.claim_due(worker="w", now=T0, lease=30)
    assert ledger.claim_due(worker="w", now=T0, lease=30) == []
    ledger.mark_sent(c.post.id, actor="d", now=T0, platform_post_id="P1")
    (c2,) = ledger.claim_due(worker="w", now=T0, lease=30)
    assert (c2.post.key, c2.reply_to) == ("m#p2", "P1")


def test_lease_expiry_and_takeover(ledger):
    """An expired lease is claimed again for reconciliation; the old holder has lost it; a
    dead holder's claim is taken over early; renewals and releases respect the holder."""
    _launch(ledger, n=2, step=0)
    a1, a2 = ledger.claim_due(worker="a", now=T0, lease=30)
    assert not a1.reconcile
    assert ledger.claim_due(worker="b", now=T0 + 29, lease=30) == []
    assert ledger.next_due() == T0 + 30
    assert ledger.renew(a2.post.id, worker="a", now=T0 + 20, lease=300)
    (again,) = ledger.claim_due(worker="b", now=T0 + 31, lease=30)
    assert again.reconcile and again.post.id == a1.post.id
    assert ledger.begin_send(a1.post.id, worker="a", now=T0 + 31, lease=30) is None
    assert not ledger.renew(a1.post.id, worker="a", now=T0 + 31, lease=30)
    assert ledger.begin_send(a1.post.id, worker="b", now=T0 + 31, lease=30) == "active"
    assert ledger.mark_sent(a1.post.id, actor="b", now=T0 + 32, platform_post_id="p1",
                            reconciled=True)  # fmt: skip
    assert ledger.claimants() == ["a"]
    (taken,) = ledger.claim_due(worker="c", now=T0 + 40, lease=30, takeover=["a"])
    assert taken.reconcile and taken.post.id == a2.post.id
    assert ledger.release([a2.post.id], worker="a", now=T0 + 41) == 0  # not a's any more
    assert ledger.release([a2.post.id], worker="c", now=T0 + 41) == 1
    p1, p2 = ledger.posts("L1")
    assert (p1.state, p1.platform_post_id, p2.state) == ("sent", "p1", "scheduled")
    actions = [e.action for e in ledger.events("L1")]
    assert actions == ["launch.created", "post.reconciled"]


def test_group_commit_records_each_post_once(ledger):
    """mark_sent_many counts what it recorded; repeating it records nothing twice."""
    _launch(ledger, n=3, step=0)
    claims = ledger.claim_due(worker="w", now=T0, lease=30)
    items = [
        {"post_id": c.post.id, "launch_id": "L1", "now": T0, "platform_post_id": f"p{c.post.id}"}
        for c in claims
    ]
    assert ledger.mark_sent_many(items, actor="d") == 3
    assert ledger.mark_sent_many(items, actor="d") == 0
    sent = [e for e in ledger.events("L1") if e.action == "post.sent"]
    assert sorted(e.post_id for e in sent) == sorted(c.post.id for c in claims)


def test_a_failed_thread_part_fails_the_rest(ledger):
    record_posts(
        ledger,
        "L1",
        [
            {"key": "m#p1", "due_at": T0, "part": 1, "parts": 3},
            {"key": "m#p2", "due_at": T0, "part": 2, "parts": 3, "prev_key": "m#p1"},
            {"key": "m#p3", "due_at": T0, "part": 3, "parts": 3, "prev_key": "m#p2"},
        ],
        now=T0,
    )
    (c,) = ledger.claim_due(worker="w", now=T0, lease=30)
    assert len(ledger.mark_failed(c.post.id, actor="d", now=T0, reason="422 rejected")) == 3
    assert {p.state for p in ledger.posts("L1")} == {"failed"}


# -- halt, resume, review --------------------------------------------------------------------
def test_halt_and_resume(ledger):
    """A halt stops every scheduled post at once (claims find nothing); resume brings them
    back; halt of every launch covers all active ones."""
    _launch(ledger, "L1", n=3, step=0)
    _launch(ledger, "L2", n=2, step=0)
    (claimed,) = ledger.claim_due(worker="w", now=T0, lease=30, limit=1)
    assert ledger.halt("L1", actor="bob", now=T0 + 1) == {"L1": 2}
    assert ledger.begin_send(claimed.post.id, worker="w", now=T0 + 1, lease=30) == "halted"
    ledger.mark_halted(claimed.post.id, actor="daemon", now=T0 + 1)
    assert {p.state for p in ledger.posts("L1")} == {"halted"}
    assert {c.post.launch_id for c in ledger.claim_due(worker="w", now=T0 + 2, lease=30)} == {"L2"}
    assert ledger.resume("L1", actor="carol", now=T0 + 3) == 3
    assert len(ledger.claim_due(worker="w", now=T0 + 3, lease=30)) == 3
    with pytest.raises(LedgerError, match="not halted"):
        ledger.resume("L1", actor="carol", now=T0 + 4)
    _launch(ledger, "L3", n=2, step=600)
    assert ledger.halt(None, actor="bob", now=T0 + 5) == {"L1": 0, "L2": 0, "L3": 2}
    actions = [(e.action, e.actor) for e in ledger.events("L1")]
    assert ("launch.halted", "bob") in actions and ("launch.resumed", "carol") in actions


def test_four_eyes_approve_and_reject(ledger):
    """A held launch sends nothing; the person who ran it cannot approve it; a second
    person can; a rejected launch's posts are halted with the reason."""
    for lid in ("A", "R"):
        _launch(ledger, lid, n=2, step=0, actor="alice")
        _set_state(ledger, lid, "provisioning")
        assert ledger.hold(lid, actor="alice", now=T0, reasons=["no approval covers it"])
    assert [r.id for r in ledger.awaiting()] == ["A", "R"]
    assert ledger.claim_due(worker="w", now=T0, lease=30) == []
    with pytest.raises(LedgerError, match="four eyes"):
        ledger.approve_launch("A", actor="alice", now=T0 + 1)
    assert ledger.approve_launch("A", actor="bob", now=T0 + 1) == 2
    assert ledger.reject_launch("R", actor="bob", now=T0 + 1, reason="wrong city") == 2
    with pytest.raises(LedgerError, match="not awaiting"):
        ledger.approve_launch("R", actor="carol", now=T0 + 2)
    assert {c.post.launch_id for c in ledger.claim_due(worker="w", now=T0 + 2, lease=30)} == {"A"}
    rejected = ledger.resolve("R")
    assert rejected.state == "rejected"
    assert {(p.state, p.error) for p in ledger.posts("R")} == {("halted", "rejected: wrong city")}
    assert [e.action for e in ledger.events("A")] == [
        "launch.created",
        "launch.awaiting-approval",
        "launch.approved",
    ]


def test_approve_and_reject_at_once_never_both_succeed(pg_url):
    """Two people deciding the same launch at the same moment, from two processes: exactly
    one decision wins (the state is read FOR UPDATE)."""
    with Ledger(pg_url) as one, Ledger(pg_url) as two:
        for i in range(15):
            lid = f"L{i}"
            _launch(one, lid, n=1, actor="alice")
            _set_state(one, lid, "provisioning")
            assert one.hold(lid, actor="alice", now=T0, reasons=["x"])
            won: list[str] = []
            barrier = threading.Barrier(2)

            def decide(led, how, lid=lid, won=won, barrier=barrier) -> None:
                barrier.wait()
                try:
                    if how == "approve":
                        led.approve_launch(lid, actor="bob", now=T0)
                    else:
                        led.reject_launch(lid, actor="carol", now=T0, reason="no")
                    won.append(how)
                except LedgerError:
                    pass

            threads = [
                threading.Thread(target=decide, args=(one, "approve")),
                threading.Thread(target=decide, args=(two, "reject")),
            ]
            for t in threads:
                t.start()
            for t in threads:
                t.join(30)
            assert len(won) == 1, (lid, won)
            assert one.resolve(lid).state == {"approve": "active", "reject": "rejected"}[won[0]]


def test_a_crisis_freezes_the_missions_routine_launches(ledger):
    """freeze_mission halts the routine launches of the mission, not the crisis itself,
    not other missions."""
    _launch(ledger, "routine-rome", n=2, mission="rome")
    _launch(ledger, "routine-paris", n=1, mission="paris")
    _launch(ledger, "crisis-rome", n=1, mission="rome")
    ledger.set_kind("routine-rome", "routine")
    ledger.set_kind("routine-paris", "routine")
    out = ledger.freeze_mission("rome", except_launch="crisis-rome", actor="alice", now=T0)
    assert out == {"routine-rome": 2}
    frozen = ledger.resolve("routine-rome")
    assert (frozen.state, frozen.kind) == ("halted", "routine")
    assert ledger.resolve("routine-paris").state == ledger.resolve("crisis-rome").state == "active"
    (event,) = [e for e in ledger.events("routine-rome") if e.action == "launch.halted"]
    assert event.actor == "alice"
    assert ledger.resume("routine-rome", actor="bob", now=T0 + 1) == 2


def test_audit_trail_order_limit_and_detail(ledger):
    """Events come back in order, per launch or the last N overall, with JSON detail."""
    _launch(ledger, "L1", n=1, actor="alice")
    _launch(ledger, "L2", n=1, actor="bob")
    ledger.record_event(at=T0 + 1, actor="ops", action="note", launch_id="L1", said="hello")
    ledger.halt("L2", actor="carol", now=T0 + 2)
    every = ledger.events()
    assert [e.id for e in every] == sorted(e.id for e in every)
    assert [e.action for e in ledger.events("L1")] == ["launch.created", "note"]
    assert [(e.action, e.actor) for e in ledger.events(limit=2)] == [
        ("note", "ops"),
        ("launch.halted", "carol"),
    ]
    note = ledger.events("L1")[-1]
    assert note.at == T0 + 1
    assert note.detail == {"said": "hello"}
    (halted,) = [e for e in ledger.events("L2") if e.action == "launch.halted"]
    assert halted.detail == {"posts": 1}


# -- the CLI ---------------------------------------------------------------------------------
def test_cli_run_daemon_status_on_postgresql(pg_url, mini_root, tmp_path):
    """`launcher run`, `daemon --once` and `status --json` with the settings file's
    database_url pointing at PostgreSQL (a plain postgresql:// URL): nothing goes to SQLite."""
    cfg = tmp_path / "launcher.yaml"
    plain = pg_url.replace("postgresql+psycopg://", "postgresql://", 1)
    cfg.write_text(f"database_url: {plain}\n")
    t0 = datetime(2026, 5, 22, 6, 0, tzinfo=UTC)  # fixed: quiet hours fall the same way
    run = invoke(
        "--config", str(cfg), "run", "quake", "--mission", "rome",
        "--set", "region=Lazio", "--set", "magnitude=6.1",
        "--at", _iso(t0), "--now", _iso(t0), "--yes", "--json", "--as", "alice",
        root=mini_root,
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    doc = json.loads(run.output)
    launch = doc["launch"]
    states = [p["state"] for p in doc["posts"]]
    assert states.count("sent") == 18 and states.count("scheduled") == 36

    for due in sorted({p["due_at"] for p in doc["posts"]}):  # a daemon running all along
        daemon = invoke("--config", str(cfg), "daemon", "--once", "--now", due, root=mini_root)
        assert daemon.exit_code == 0, daemon.output
    status = invoke("--config", str(cfg), "status", launch, "--json", root=mini_root)
    assert status.exit_code == 0, status.output
    doc = json.loads(status.output)
    assert doc["state"] == "complete"
    assert {p["state"] for p in doc["posts"]} == {"sent"} and len(doc["posts"]) == 54

    data_dir = Path(os.environ["LAUNCHER_DATA_DIR"])
    assert not (data_dir / "ledger.sqlite3").exists()
    outbox = [json.loads(line) for line in (data_dir / "sandbox" / "outbox.jsonl").open()]
    published = [r["key"] for r in outbox if r["op"] == "publish"]
    assert sorted(published) == sorted(p["key"] for p in doc["posts"])
    with Ledger(pg_url) as led:
        actors = {e.action: e.actor for e in led.events(launch)}
    assert actors["launch.created"] == "alice"
    assert actors["post.sent"].startswith("daemon:")


def test_no_secret_is_written_to_postgresql(ledger):
    """The engine's redaction works for psycopg's parameters too (dicts, executemany)."""
    from sqlalchemy import text

    from launcher.errors import register_secret

    secret = "pg-PLANTED-5e1c0ffee"
    register_secret(secret)
    _launch(ledger, actor=f"Bearer {secret}")
    ledger.record_event(at=T0, actor="t", action="x", launch_id="L1", reason=f"echo {secret}")
    with ledger.engine.connect() as conn:
        dump = json.dumps([list(r) for r in conn.execute(text("SELECT * FROM events"))])
        dump += json.dumps([list(r) for r in conn.execute(text("SELECT * FROM launches"))])
    assert secret not in dump and "[redacted]" in dump
