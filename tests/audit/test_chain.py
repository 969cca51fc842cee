"""The audit chain on SQLite and PostgreSQL: a night's launch, approval and halt, then the
ledger is edited directly in the database (a row changed, deleted, moved, slipped in, the
tail cut, the chain recomputed) and ``launcher log --verify`` names the first broken event.

PostgreSQL: the server of tests/ledger/test_postgres.py (LAUNCHER_TEST_DATABASE_URL, else a
throwaway cluster, else skipped); each test gets its own database.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from launcher.audit.chain import body_hash, digest_of, link_hash
from launcher.ledger import Ledger, migrations
from launcher.ledger.engine import normalize_url
from tests.identities import HOUR_LATER, Cast, act
from tests.ledger.test_postgres import pg_server, pg_url  # noqa: F401  (fixtures)


@dataclass
class World:
    cast: Cast
    url: str
    settings: Path

    def cli(self, who: str | None, *args: str):
        return act(self.cast, who, *args, env={"LAUNCHER_CONFIG": str(self.settings)})

    def sql(self, *statements: str, **params: object) -> list:
        engine = create_engine(normalize_url(self.url))
        out = []
        with engine.begin() as conn:
            for s in statements:
                result = conn.execute(text(s), params)
                out = result.all() if result.returns_rows else out
        engine.dispose()
        return out

    def event_id(self, action: str, nth: int = 0) -> int:
        """The ``nth`` event of ``action`` in the chain's order: on PostgreSQL concurrent
        transactions may commit (and be linked) in another order than their ids were drawn."""
        rows = self.sql(
            "select e.id from events e join event_chain c on c.event_id = e.id"
            f" where e.action = '{action}' order by c.seq"
        )
        return int(rows[nth][0])

    def verify(self, *extra: str):
        return self.cli(None, "log", "--verify", *extra)


@pytest.fixture(params=["sqlite", "postgresql"])
def world(request, mini_root: Path, tmp_path: Path) -> Iterator[World]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_url")
    settings = tmp_path / "launcher.yaml"
    settings.write_text(f"database_url: {url}\n", encoding="utf-8")
    (mini_root / "approvals.yaml").unlink(missing_ok=True)
    w = World(Cast(mini_root, tmp_path / "keys"), url, settings)
    launch = held_launch_with(w)
    approved = w.cli("a.deputy", "approve", "launch", launch, "--now", HOUR_LATER)
    assert approved.exit_code == 0, approved.output
    halted = w.cli("d.officer", "halt", launch)
    assert halted.exit_code == 0, halted.output
    intact = w.verify()
    assert intact.exit_code == 0, intact.output
    yield w


def held_launch_with(w: World) -> str:
    from tests.identities import run_args

    result = w.cli("d.officer", *run_args())
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["launch"]


def broken_at(w: World, event_id: int, kind: str, *extra: str) -> dict:
    text_out = w.verify(*extra)
    assert text_out.exit_code == 1, text_out.output
    assert f"first broken link: event #{event_id} " in text_out.stderr, text_out.stderr
    report = json.loads(w.verify("--json", *extra).stdout)
    assert report["ok"] is False and report["first_broken"]["event_id"] == event_id
    assert report["first_broken"]["kind"] == kind, report["first_broken"]
    return report


def test_an_intact_chain_says_so_and_prints_its_head(world: World) -> None:
    out = world.verify()
    assert "audit chain intact:" in out.stdout and "signed by verified people" in out.stdout
    report = json.loads(world.verify("--json").stdout)
    head = f"{report['head']['seq']}:{report['head']['hash']}"
    assert f"--anchor {head}" in out.stdout
    assert world.verify("--anchor", head).exit_code == 0
    total = world.sql("select count(*) from events")[0][0]
    assert report["links"] == total and report["signed"] > 0


def test_an_edited_event_is_named(world: World) -> None:
    approved = world.event_id("launch.approved")
    world.sql("update events set actor = 'd.officer' where id = :i", i=approved)
    report = broken_at(world, approved, "edited")
    assert "launch.approved" in report["first_broken"]["message"]


def test_a_deleted_event_is_named(world: World) -> None:
    created = world.event_id("launch.created")
    world.sql("delete from events where id = :i", i=created)
    broken_at(world, created, "removed")


def test_reordered_events_are_named(world: World) -> None:
    first = world.event_id("account.active", 0)
    second = world.event_id("account.active", 1)
    world.sql(
        "update events set id = -1 where id = :a",
        "update events set id = :a where id = :b",
        "update events set id = :b where id = -1",
        a=first,
        b=second,
    )
    report = broken_at(world, first, "moved")
    assert f"what was recorded as event #{second}" in report["first_broken"]["message"]


def test_an_event_written_behind_launchers_back_is_named(world: World) -> None:
    world.sql(
        "insert into events (at, actor, action, detail) values (1, 'a.deputy', 'launch.approved',"
        " '{}')"
    )
    newest = world.sql("select max(id) from events")[0][0]
    broken_at(world, newest, "inserted")


def test_an_event_removed_with_its_link_is_named_by_the_next(world: World) -> None:
    halted = world.event_id("launch.halted")
    seq = world.sql("select seq from event_chain where event_id = :i", i=halted)[0][0]
    world.sql(
        "delete from event_chain where seq = :s",
        "delete from events where id = :i",
        s=seq,
        i=halted,
    )
    after = world.sql("select event_id from event_chain where seq = :s", s=seq + 1)
    if after:  # links follow: the next one no longer follows its predecessor
        broken_at(world, int(after[0][0]), "removed")
    else:  # it was the last link: the head says more links were made
        out = world.verify()
        assert out.exit_code == 1 and "the last links were removed" in out.stderr


def test_a_cut_tail_is_seen(world: World) -> None:
    last = world.sql("select max(seq) from event_chain")[0][0]
    ids = [r[0] for r in world.sql("select event_id from event_chain where seq > :s", s=last - 3)]
    for i in ids:
        world.sql("delete from event_chain where event_id = :i", "delete from events where id = :i",
                  i=i)  # fmt: skip
    out = world.verify()
    assert out.exit_code == 1
    assert f"the chain ends at link {last - 3} but its head says link {last}" in out.stderr


def test_a_recomputed_chain_is_caught_by_signatures_and_by_an_earlier_head(world: World) -> None:
    """Someone edits an unsigned event and recomputes every later link: the hashes agree
    again, but the next person's signature covers the chain before it, and a head printed
    earlier no longer matches."""
    head = json.loads(world.verify("--json").stdout)["head"]
    unsigned = world.sql(
        "select e.id from events e join event_chain c on c.event_id = e.id"
        " where c.signature is null order by c.seq"
    )[0][0]
    world.sql("update events set detail = '{\"rewritten\": true}' where id = :i", i=unsigned)
    _rechain(world)
    report = json.loads(world.verify("--json").stdout)
    assert report["ok"] is False
    assert report["first_broken"]["kind"] == "forged"  # the first signed event after it
    anchored = world.verify("--json", "--anchor", f"{head['seq']}:{head['hash']}")
    assert anchored.exit_code == 1
    messages = [p["message"] for p in json.loads(anchored.stdout)["problems"]]
    assert any(f"link {head['seq']} " in m and "recorded earlier" in m for m in messages)


def _rechain(world: World) -> None:
    """What an attacker with database access can do: recompute every link's hashes."""
    rows = world.sql(
        "select c.seq, c.key_id, c.signature, e.id, e.at, e.actor, e.launch_id, e.post_id,"
        " e.action, e.detail from event_chain c join events e on e.id = c.event_id order by c.seq"
    )
    prev = "0" * 64
    updates = []
    for seq, key_id, sig, *event in rows:
        keys = ("id", "at", "actor", "launch_id", "post_id", "action", "detail")
        digest = digest_of(dict(zip(keys, event, strict=True)))
        body = body_hash(prev, seq, digest)
        prev = link_hash(body, key_id, sig)
        updates.append((seq, digest, body, prev))
    engine = create_engine(normalize_url(world.url))
    with engine.begin() as conn:
        previous = "0" * 64
        for seq, digest, _body, h in updates:
            conn.execute(
                text(
                    "update event_chain set digest = :d, prev_hash = :p, hash = :h where seq = :s"
                ),
                {"d": digest, "p": previous, "h": h, "s": seq},
            )
            previous = h
        conn.execute(text("update audit_marks set hash = :h where name = 'chain'"), {"h": previous})
    engine.dispose()


def test_the_first_of_several_breaks_is_named_first(world: World) -> None:
    created = world.event_id("launch.created")
    halted = world.event_id("launch.halted")
    world.sql("delete from events where id = :i", i=halted)
    world.sql("update events set at = at + 1 where id = :i", i=created)
    report = broken_at(world, created, "edited")
    assert len(report["problems"]) >= 2


# -- concurrency and upgrades ----------------------------------------------------------------
@pytest.fixture(params=["sqlite", "postgresql"])
def ledger_url(request, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    return request.getfixturevalue("pg_url")


def test_concurrent_writers_keep_one_unbroken_chain(ledger_url: str) -> None:
    """Four processes' worth of writers (threads with their own ledgers) commit events at
    once: every event gets one link, in commit order, and the chain verifies."""
    from launcher.audit.chain import verify_chain

    barrier = threading.Barrier(4)
    errors: list[BaseException] = []
    Ledger(ledger_url).close()

    def write(n: int) -> None:
        try:
            with Ledger(ledger_url) as led:
                barrier.wait()
                for i in range(25):
                    led.record_event(at=1000.0 + i, actor=f"w{n}", action="test.event", i=i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    with Ledger(ledger_url) as led, led.engine.connect() as conn:
        report = verify_chain(conn)
        seqs = [r[0] for r in conn.execute(text("select seq from event_chain order by seq"))]
    assert report.ok, report.problems[:3]
    assert report.links == 100 and seqs == list(range(1, 101))


def test_a_ledger_from_before_the_chain_is_chained_on_upgrade(ledger_url: str, monkeypatch) -> None:
    """A ledger at schema 8 (launch groups, the last step before the chain) holding events and
    a launch group is upgraded in place: the chain's tables appear, the old events are
    chained, the group is intact, and new events are linked after them."""
    from launcher.audit.chain import verify_chain

    assert [m.version for m in migrations.MIGRATIONS][-2:] == [8, 9]
    assert "launch groups" in migrations.MIGRATIONS[-2].description
    with Ledger(ledger_url) as led:
        for i in range(3):
            led.record_event(at=float(i), actor="old", action="old.event")
    engine = create_engine(normalize_url(ledger_url))
    with engine.begin() as conn:  # as a launcher at schema 8 left it
        for table in ("event_chain", "audit_marks", "notifications"):
            conn.execute(text(f"drop table {table}"))
        conn.execute(text("delete from schema_version where version = 9"))
        conn.execute(
            text(
                "insert into launch_groups (id, playbook, selector, created_by, created_at)"
                " values ('g-old', 'earthquake', 'europe', 'old', 1.0)"
            )
        )
    engine.dispose()
    with Ledger(ledger_url) as led, led.engine.connect() as conn:
        assert led.version == migrations.latest_version() == 9
        versions = conn.execute(text("select version from schema_version order by 1")).scalars()
        assert list(versions) == list(range(1, 10))
        report = verify_chain(conn)
        assert conn.execute(text("select selector from launch_groups")).scalars().all() == [
            "europe"
        ]
        led.record_event(at=9.0, actor="new", action="new.event")
    assert report.ok and report.links == 3
    with Ledger(ledger_url) as led, led.engine.connect() as conn:
        assert verify_chain(conn).links == 4


def test_writes_of_several_people_sharing_one_commit_are_each_signed_by_their_own(
    tmp_path: Path,
) -> None:
    """On SQLite the writes of concurrent threads share one commit (ledger/groupcommit.py),
    made by whichever thread is last. A console serving several people at once records each
    one's action in such a group: every event must still carry its own actor's signature,
    not the committing thread's (or none)."""
    import time

    from nacl.signing import SigningKey

    from launcher.audit.chain import PublicKey, verify_chain
    from launcher.audit.signer import Signer, signing_as

    people = ["a.officer", "b.deputy", "c.press", "d.night"]
    keys = {p: SigningKey.generate() for p in people}
    public = {f"k-{p}": PublicKey(f"k-{p}", p, bytes(k.verify_key)) for p, k in keys.items()}
    with Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite3'}") as led:
        errors: list[BaseException] = []

        def act_as(person: str) -> None:
            signer = Signer(person, f"k-{person}", lambda b, k=keys[person]: k.sign(b).signature)
            try:
                with signing_as(signer):
                    led.record_event(at=1000.0, actor=person, action="launch.approved")
            except BaseException as exc:
                errors.append(exc)

        commits = led.writer.commits
        threads = [threading.Thread(target=act_as, args=(p,)) for p in people]

        def queued() -> int:  # waiting for a turn, or appended to the open group
            group = led.writer._group
            return led.writer._waiting + (len(group.appends) if group is not None else 0)

        with led.writer.begin():  # hold the writer until all four wait: they form one group
            for t in threads:
                t.start()
            deadline = time.monotonic() + 30
            while queued() < len(people) and time.monotonic() < deadline:
                time.sleep(0.01)
            assert queued() == len(people)
        for t in threads:
            t.join(30)
        assert errors == []
        assert led.writer.commits - commits == 1  # one commit for the holder and all four
        with led.engine.connect() as conn:
            report = verify_chain(conn, public)
        assert report.ok, report.problems[:3]
        actors = {e.id: e.actor for e in led.events() if e.action == "launch.approved"}
    assert sorted(actors.values()) == sorted(people)
    assert {eid: report.signatures.get(eid) for eid in actors} == actors
