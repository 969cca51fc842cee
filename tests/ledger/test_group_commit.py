"""Group commit on SQLite: many threads' write transactions, one commit, nobody told "done"
before its write is on the disk; a failing transaction rolled back alone; a crash halfway
through a group leaves the ledger as before the group, and none of its writers went on."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from launcher.ledger import Ledger
from launcher.ledger.engine import make_engines
from launcher.ledger.groupcommit import GroupWriter


@pytest.fixture
def db(tmp_path):
    engine, writer = make_engines(f"sqlite:///{tmp_path / 'g.sqlite3'}")
    with writer.begin() as conn:
        conn.execute(text("CREATE TABLE t (x TEXT PRIMARY KEY)"))
        conn.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
        conn.execute(
            text(
                "CREATE TABLE child"
                " (id INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED)"
            )
        )
    yield engine, GroupWriter(writer)
    engine.dispose()


def _rows(engine) -> list[str]:
    with engine.connect() as conn:
        return sorted(r[0] for r in conn.execute(text("SELECT x FROM t")))


def _wait_for(cond, what: str) -> None:
    deadline = time.monotonic() + 10
    while not cond():
        assert time.monotonic() < deadline, what
        time.sleep(0.005)


def _queue_behind(writer: GroupWriter, bodies: dict[str, object]) -> tuple[threading.Event, dict]:
    """Thread "a" holds the writer inside its body until released; the other names queue
    behind it (their bodies run in turn once "a" is done). Returns (release, outcomes)."""
    release = threading.Event()
    outcomes: dict[str, object] = {}

    def run(name: str, body) -> None:
        try:
            with writer.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": name})
                if name == "a":
                    release.wait(10)
                if body is not None:
                    body(conn)
            outcomes[name] = "ok"
        except Exception as exc:  # the outcome is what the test looks at
            outcomes[name] = exc

    threads = [threading.Thread(target=run, args=("a", None))]
    threads[0].start()
    _wait_for(lambda: writer._busy, "a holds the writer")
    for name, body in bodies.items():
        threads.append(threading.Thread(target=run, args=(name, body)))
        threads[-1].start()
    _wait_for(lambda: writer._waiting == len(bodies), "the others queue behind a")
    outcomes["_threads"] = threads
    return release, outcomes


def _finish(release: threading.Event, outcomes: dict) -> dict:
    release.set()
    for t in outcomes.pop("_threads"):
        t.join(10)
    return outcomes


def test_queued_writers_share_one_commit(db):
    engine, writer = db
    release, outcomes = _queue_behind(writer, {"b": None, "c": None, "d": None})
    assert _rows(engine) == []  # nothing committed while a is in its body
    outcomes = _finish(release, outcomes)
    assert outcomes == {"a": "ok", "b": "ok", "c": "ok", "d": "ok"}
    assert _rows(engine) == ["a", "b", "c", "d"]
    assert (writer.transactions, writer.commits) == (4, 1)


def test_a_failing_transaction_is_rolled_back_alone(db):
    engine, writer = db

    def boom(conn) -> None:
        raise ValueError("b changed its mind")

    release, outcomes = _queue_behind(writer, {"b": boom, "c": None})
    outcomes = _finish(release, outcomes)
    assert outcomes["a"] == "ok" and outcomes["c"] == "ok"
    assert isinstance(outcomes["b"], ValueError)
    assert _rows(engine) == ["a", "c"]  # b's insert undone, a's and c's kept
    assert writer.commits == 1


def test_a_failed_commit_fails_every_writer_of_the_group(db):
    """The commit itself fails (a deferred foreign key, checked at COMMIT): every writer of
    the group gets the error, none of their writes is there, and the next write works."""
    engine, writer = db

    def orphan(conn) -> None:
        conn.execute(text("INSERT INTO child VALUES (42)"))  # no parent 42: fails at COMMIT

    release, outcomes = _queue_behind(writer, {"b": orphan, "c": None})
    outcomes = _finish(release, outcomes)
    assert all(isinstance(outcomes[n], IntegrityError) for n in "abc"), outcomes
    assert _rows(engine) == []
    with writer.begin() as conn:
        conn.execute(text("INSERT INTO t VALUES ('later')"))
    assert _rows(engine) == ["later"]


def _append_while_a_holds(engine, writer: GroupWriter, writes: dict[str, object]) -> dict:
    """Thread "a" holds the writer inside its body; each of ``writes`` is appended (a thread
    each) to a's open group, then "a" is let go. Returns every outcome."""
    release, outcomes = _queue_behind(writer, {})
    _wait_for(lambda: writer._group is not None, "a's group is open")

    def append(name: str, write) -> None:
        try:
            outcomes[name] = writer.append(write)
        except Exception as exc:  # the outcome is what the test looks at
            outcomes[name] = exc

    threads = [threading.Thread(target=append, args=item) for item in writes.items()]
    for t in threads:
        t.start()
    _wait_for(lambda: writer._group is not None and len(writer._group.appends) == len(writes),
              "the appends join a's group")  # fmt: skip
    assert _rows(engine) == []  # nothing durable while a's group is open
    outcomes["_threads"] += threads
    return _finish(release, outcomes)


def _insert(x: str):
    return lambda conn: conn.execute(text("INSERT INTO t VALUES (:x)"), {"x": x}).rowcount


def test_appended_statements_ride_the_open_group_and_return_once_committed(db):
    """An append while a group is open is executed by its committer: one commit for all, no
    turn or savepoint of its own, its result returned once on the disk."""
    engine, writer = db
    outcomes = _append_while_a_holds(engine, writer, {"p": _insert("p"), "q": _insert("q")})
    assert outcomes == {"a": "ok", "p": 1, "q": 1}
    assert _rows(engine) == ["a", "p", "q"]
    assert (writer.transactions, writer.commits) == (1, 1)
    assert writer.append(_insert("alone")) == 1  # no group open: a transaction of its own
    assert _rows(engine) == ["a", "alone", "p", "q"]
    assert writer.commits == 2


def test_a_failing_append_fails_alone(db):
    """An appended statement that fails (a duplicate key) raises for its caller only: the
    group's body and the other append are committed."""
    engine, writer = db
    outcomes = _append_while_a_holds(engine, writer, {"p": _insert("a"), "q": _insert("q")})
    assert outcomes["a"] == "ok" and outcomes["q"] == 1
    assert isinstance(outcomes["p"], IntegrityError)
    assert _rows(engine) == ["a", "q"]


def test_a_failed_commit_fails_the_appends_too(db):
    engine, writer = db
    orphan = lambda conn: conn.execute(text("INSERT INTO child VALUES (42)"))  # noqa: E731
    outcomes = _append_while_a_holds(engine, writer, {"p": orphan, "q": _insert("q")})
    assert all(isinstance(outcomes[n], IntegrityError) for n in "apq"), outcomes
    assert _rows(engine) == []


def test_kill_9_halfway_through_a_group_loses_it_whole_and_nobody_went_on(tmp_path):
    """A process whose writers a, b, c have written but not committed (c's body still
    running) is killed with -9: the ledger is as before the group, intact, and neither a nor b
    ever got past its write (what each would have done next is not in the log)."""
    url = f"sqlite:///{tmp_path / 'ledger.sqlite3'}"
    log = tmp_path / "went-on.log"
    Ledger(url).close()  # a real ledger, migrated
    script = textwrap.dedent(
        f"""
        import os, signal, threading, time
        from sqlalchemy import text
        from launcher.ledger import Ledger

        led = Ledger({url!r})
        w = led.writer
        hold = threading.Event()

        def write(name, last=False):
            with w.begin() as conn:
                conn.execute(text(
                    "INSERT INTO events (at, actor, action, detail) VALUES (1, :n, 'x', '{{}}')"
                ), {{"n": name}})
                if name == "a":
                    hold.wait()
                if last:
                    os.kill(os.getpid(), signal.SIGKILL)
            with open({str(log)!r}, "a") as f:
                f.write(name + "\\n")

        a = threading.Thread(target=write, args=("a",)); a.start()
        while not w._busy: time.sleep(0.001)
        b = threading.Thread(target=write, args=("b",)); b.start()
        c = threading.Thread(target=write, args=("c", True)); c.start()
        while w._waiting < 2: time.sleep(0.001)
        hold.set()
        a.join(); b.join(); c.join()
        """
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])}
    proc = subprocess.run([sys.executable, "-c", script], env=env, timeout=60)
    assert proc.returncode == -9
    assert not log.exists() or log.read_text() == ""
    with Ledger(url) as led:
        with led.engine.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            actors = conn.execute(text("SELECT actor FROM events WHERE action = 'x'")).all()
        assert actors == []
        with led.writer.begin() as conn:  # the ledger takes writes again
            conn.execute(
                text("INSERT INTO events (at, actor, action, detail) VALUES (2, 'd', 'x', '{}')")
            )
        with led.engine.connect() as conn:
            assert (
                conn.execute(text("SELECT count(*) FROM events WHERE action = 'x'")).scalar() == 1
            )


def test_ledger_writes_from_many_threads_all_land(tmp_path):
    """The ledger's own writes (events) from 32 threads at once: every one is there."""
    with Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite3'}") as led:
        assert isinstance(led.writer, GroupWriter)
        start = threading.Barrier(32)

        def work(i: int) -> None:
            start.wait()
            for j in range(10):
                led.record_event(at=float(j), actor=f"t{i}", action="test.write")

        threads = [threading.Thread(target=work, args=(i,)) for i in range(32)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        with led.engine.connect() as conn:
            n = conn.execute(text("SELECT count(*) FROM events WHERE action = 'test.write'"))
            assert n.scalar() == 320
        # each event a transaction, or a statement appended to another's (record_event)
        assert led.writer.transactions + led.writer.appended >= 320
        assert led.writer.commits < 320
