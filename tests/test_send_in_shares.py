"""A large launch group sent from two processes, a share of the platforms each
(launcher.launch.shards), through the real CLI on the shipped content and the sandbox.

What must hold is what holds for one process: every due post sent once, the ledger saying
what the platform (the sandbox outbox) has, each platform's accounts and posts worked by one
process. And when a sender dies between the platform's answer and the ledger's record (the
kill -9 moment), the other process takes its claims over, finds the post already on the
platform and records it: nothing doubled, nothing lost."""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

import pytest

from launcher.launch import dispatch, shards
from launcher.ledger import DueWork, Ledger

from .conftest import REPO, invoke

AT = "2026-05-22T06:00:00Z"
RUN = ("run", "earthquake", "--missions", "all", "--set", "region=Alps", "--set",
       "magnitude=6.2", "--at", AT, "--now", AT, "--yes", "--json")  # fmt: skip


@pytest.fixture
def two_senders(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Two processes whatever the machine has; records how many shared each send."""
    monkeypatch.setattr(shards, "usable_cpus", lambda: 2)
    seen: list[int] = []
    real = shards.run_forked

    def recording(jobs, **kw):  # type: ignore[no-untyped-def]
        seen.append(len(jobs))
        return real(jobs, **kw)

    monkeypatch.setattr(shards, "run_forked", recording)
    return seen


def _published() -> Counter:
    path = Path(os.environ["LAUNCHER_DATA_DIR"]) / "sandbox" / "outbox.jsonl"
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return Counter((r["launch"], r["key"], r["id"]) for r in rows if r.get("op") == "publish")


def _check_ledger_against_the_platform(launch_ids: list[str]) -> int:
    """Every due post sent, once on the platform, with the platform's id in the ledger."""
    published = _published()
    assert all(n == 1 for n in published.values()), "a post was published twice"
    on_platform = {(lid, key): pid for (lid, key, pid) in published if lid in launch_ids}
    assert len(on_platform) == len([k for k in published if k[0] in launch_ids])  # one id a key
    data = Path(os.environ["LAUNCHER_DATA_DIR"])
    due = 0
    with Ledger(f"sqlite:///{data}/ledger.sqlite3") as ledger:
        for lid in launch_ids:
            launch = ledger.resolve(lid)
            for post in ledger.posts(lid):
                if post.due_at > launch.created_at:
                    assert (lid, post.key) not in on_platform  # nothing early
                    continue
                due += 1
                assert post.state == "sent", (post.key, post.state)
                assert on_platform[(lid, post.key)] == post.platform_post_id
    assert due == len(on_platform)  # and nothing on the platform the ledger does not know
    return due


def test_a_large_group_is_sent_by_two_processes_each_post_once(two_senders) -> None:  # type: ignore[no-untyped-def]
    result = invoke(*RUN, root=REPO)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert two_senders == [2]  # the work was shared
    launches = [launch["launch"] for launch in doc["launches"]]
    assert len(launches) == 7
    assert _check_ledger_against_the_platform(launches) > shards.SHARE_FROM


def test_a_sender_killed_after_the_platform_answered_is_finished_by_the_other(
    two_senders, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """The child dies (os._exit, as kill -9) right after its fourth post was accepted by the
    platform and before the ledger recorded it; the parent takes the dead process's claims
    over, reconciles, and finishes the share."""
    parent = os.getpid()
    real = dispatch.Dispatcher._sent
    sent_here = Counter()

    def dying(self, claim, published, **kw):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            sent_here["child"] += 1
            if sent_here["child"] == 4:
                os._exit(9)
        return real(self, claim, published, **kw)

    monkeypatch.setattr(dispatch.Dispatcher, "_sent", dying)
    told: list[str] = []
    monkeypatch.setattr(shards.log, "warning", lambda msg, *a: told.append(msg % a))
    result = invoke(*RUN, root=REPO)
    assert result.exit_code == 0, result.output
    assert two_senders == [2]
    assert len(told) == 1 and "ended early" in told[0]  # the child did die halfway
    launches = [launch["launch"] for launch in json.loads(result.stdout)["launches"]]
    _check_ledger_against_the_platform(launches)


def test_few_posts_or_one_platform_stay_in_one_process(tmp_path) -> None:  # type: ignore[no-untyped-def]
    calls = []

    def send(ledger, platforms, shares):  # type: ignore[no-untyped-def]
        calls.append((platforms, shares))
        return dispatch.DispatchResult()

    class Small:
        def __init__(self, work):  # type: ignore[no-untyped-def]
            self.work = work

        def due_work(self, launch_ids, *, now):  # type: ignore[no-untyped-def]
            return self.work

    small = {"mastodon": DueWork(accounts=50, posts=100, pins=50), "x": DueWork(posts=40)}
    shards.send_in_shares(Small(small), ["L"], send, now=0, processes=2)  # type: ignore[arg-type]
    one = {"mastodon": DueWork(posts=5000)}
    shards.send_in_shares(Small(one), ["L"], send, now=0, processes=4)  # type: ignore[arg-type]
    two = {"mastodon": DueWork(posts=900), "x": DueWork(posts=900)}
    shards.send_in_shares(Small(two), ["L"], send, now=0, processes=1)  # type: ignore[arg-type]
    assert calls == [(None, 1), (None, 1), (None, 1)]


def test_shares_are_even_in_requests_and_ledger_writes_not_in_posts() -> None:
    """Fifty missions on five platforms: each has 150 accounts and 300 posts due, but setting
    up a Bluesky account takes 3 requests, a Telegram channel 2, an X account none; X pins
    nothing; Mastodon's and Bluesky's sent posts are recorded in groups, the others' one by
    one. Weighed in requests and writes, Telegram and Mastodon go together (2,850) against
    the other three (3,150); weighed in accounts and posts, Bluesky, Mastodon and X went
    together, and that share ended 1.6 s after the other on the benchmark."""
    due = {
        "bluesky": DueWork(accounts=150, posts=300, pins=150),
        "mastodon": DueWork(accounts=150, posts=300, pins=300),
        "facebook": DueWork(accounts=150, posts=300, pins=150),
        "telegram": DueWork(accounts=150, posts=300, pins=300),
        "x": DueWork(accounts=150, posts=300, pins=0),
    }
    costs = {
        "bluesky": shards.PlatformCost(setup_requests=3, grouped_posts=True),
        "mastodon": shards.PlatformCost(setup_requests=1, grouped_posts=True),
        "facebook": shards.PlatformCost(setup_requests=1),
        "telegram": shards.PlatformCost(setup_requests=2),
        "x": shards.PlatformCost(setup_requests=0),
    }
    weigh = {p: shards.cost(w, costs[p]) for p, w in due.items()}
    assert weigh == {
        "bluesky": 1200,
        "mastodon": 1200,
        "facebook": 1200,
        "telegram": 1650,
        "x": 750,
    }
    shares = shards.split(weigh, 2)
    assert [sorted(s) for s in shares] == [["bluesky", "facebook", "x"], ["mastodon", "telegram"]]
    assert [sum(weigh[p] for p in s) for s in shares] == [3150, 2850]
    old = shards.split({p: w.items for p, w in due.items()}, 2)
    assert [sorted(s) for s in old] == [["bluesky", "mastodon", "x"], ["facebook", "telegram"]]


def test_the_adapters_declare_what_a_share_costs() -> None:
    """The costs come from the adapters' capabilities, as the requests of their setup."""
    from launcher.adapters.bluesky import BlueskyAdapter
    from launcher.adapters.mastodon import MastodonAdapter
    from launcher.adapters.telegram import TelegramAdapter
    from launcher.adapters.x import XAdapter

    setups = [a.capabilities.setup_requests for a in (BlueskyAdapter, MastodonAdapter,
                                                      TelegramAdapter, XAdapter)]  # fmt: skip
    assert setups == [3, 1, 2, 0]


@pytest.mark.parametrize(
    ("work", "n", "expected"),
    [
        ({"a": 5, "b": 5, "c": 5, "d": 5, "e": 5}, 2, [{"a", "c", "e"}, {"b", "d"}]),
        ({"a": 9, "b": 5, "c": 4, "d": 1}, 2, [{"a", "d"}, {"b", "c"}]),
        ({"a": 1, "b": 1}, 8, [{"a"}, {"b"}]),
        ({"a": 3, "b": 2, "c": 1}, 1, [{"a", "b", "c"}]),
    ],
)
def test_platforms_are_shared_heaviest_first(work, n, expected) -> None:  # type: ignore[no-untyped-def]
    shares = shards.split(work, n)
    assert [set(s) for s in shares] == expected
    assert sorted(p for s in shares for p in s) == sorted(work)  # each platform in one share


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        p = todo.pop()
        for task in Path(f"/proc/{p}/task").glob("*"):
            try:
                kids = (task / "children").read_text().split()
            except OSError:
                continue
            for kid in map(int, kids):
                if kid not in found:
                    found.add(kid)
                    todo.append(kid)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _publishes() -> int:
    path = Path(os.environ["LAUNCHER_DATA_DIR"]) / "sandbox" / "outbox.jsonl"
    try:
        return path.read_text().count('"op": "publish"')
    except OSError:
        return 0


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc (Linux)")
@pytest.mark.parametrize("seed", [1, 2])
def test_kill_9_of_a_shared_run_stops_its_senders_and_a_daemon_finishes_once(seed) -> None:  # type: ignore[no-untyped-def]
    """A real ``run --missions all`` killed with SIGKILL while its two senders are posting (at
    a seeded number of posts published): the sender it forked dies with it (nothing goes on
    behind the duty officer's back), and a daemon afterwards sends what was left, each post
    once, none lost."""
    import random
    import signal
    import subprocess
    import sys
    import time

    kill_after = random.Random(seed).randint(20, 120)
    argv = [sys.executable, "-m", "launcher", "--root", str(REPO), *RUN]
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    senders: set[int] = set()
    deadline = time.monotonic() + 60
    try:
        while proc.poll() is None and time.monotonic() < deadline:
            if _publishes() >= kill_after:
                senders = {p for p in _descendants(proc.pid) if _alive(p)}
                break
            time.sleep(0.005)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
        proc.wait(30)
    at_kill = _publishes()
    assert senders, "the run was not killed while a forked sender was at work"
    gone = time.monotonic() + 10
    while any(_alive(p) for p in senders) and time.monotonic() < gone:
        time.sleep(0.05)
    assert not [p for p in senders if _alive(p)], "a sender outlived the run"
    # it died with the run, not after finishing its share: one sandbox write at most was on
    # its way (they take turns on the outbox's lock)
    assert _publishes() - at_kill <= 2
    assert _publishes() < 7 * 30  # killed halfway: posts were left for the daemon
    for _ in range(3):  # a daemon at the same drill moment finishes the launches
        ran = invoke("daemon", "--once", "--now", AT, root=REPO)
        assert ran.exit_code == 0, ran.output
    data = Path(os.environ["LAUNCHER_DATA_DIR"])
    with Ledger(f"sqlite:///{data}/ledger.sqlite3") as ledger:
        launches = list(ledger.launch_ids())
    assert len(launches) == 7
    assert _check_ledger_against_the_platform(launches) > shards.SHARE_FROM


def test_a_mission_halted_while_both_processes_send_stops_in_both(
    two_senders, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    """A wrong figure in Rome's posts: Rome's launch is halted (from another connection, as
    `launcher halt` would) right after its third post went out, while the group is being sent
    by two processes. Neither process sends Rome's posts after that; every other mission's due
    posts go out once; what the ledger says of Rome is what the outbox has."""
    data = Path(os.environ["LAUNCHER_DATA_DIR"])
    real = dispatch.Dispatcher._sent
    rome_sent = Counter()

    def halting(self, claim, published, **kw):  # type: ignore[no-untyped-def]
        out = real(self, claim, published, **kw)
        if claim.mission == "rome":
            rome_sent["n"] += 1
            if rome_sent["n"] == 3:
                with Ledger(f"sqlite:///{data}/ledger.sqlite3") as other:
                    other.halt(claim.post.launch_id, actor="press office", now=self.clock())
        return out

    monkeypatch.setattr(dispatch.Dispatcher, "_sent", halting)
    result = invoke(*RUN, root=REPO)
    assert result.exit_code == 0, result.output
    assert two_senders == [2]
    doc = json.loads(result.stdout)
    launches = [launch["launch"] for launch in doc["launches"]]
    (rome,) = [lid for lid in launches if lid.startswith("rome-")]
    _check_ledger_against_the_platform([lid for lid in launches if lid != rome])
    on_platform = {key for (lid, key, _) in _published() if lid == rome}
    with Ledger(f"sqlite:///{data}/ledger.sqlite3") as ledger:
        assert ledger.resolve(rome).state == "halted"
        states = {p.key: p.state for p in ledger.posts(rome)}
    assert {k for k, s in states.items() if s == "sent"} == on_platform
    assert set(states.values()) <= {"sent", "halted"}
    assert 3 <= len(on_platform) < 30  # some of its 30 due posts went out, the rest held


def test_groups_stay_open_longer_while_processes_share_the_writer(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """While two processes send a shared launch, each commit's fsync holds the SQLite write
    lock the other waits for: the group commit keeps its groups open up to SHARED_WAIT
    instead of MAX_WAIT, in this process's share (and the child's, through the same helper),
    and goes back to MAX_WAIT after."""
    from launcher.launch.lifecycle import record_posts
    from launcher.ledger.groupcommit import MAX_WAIT, SHARED_WAIT

    seen = []

    def send(ledger, platforms, shares):  # type: ignore[no-untyped-def]
        seen.append((sorted(platforms or ()), shares, ledger.writer.max_wait))
        return dispatch.DispatchResult()

    with Ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}") as ledger:
        posts = [{"key": f"{p}-{i}", "due_at": 0.0, "platform": p, "locale": "en"}
                 for p in ("mastodon", "telegram") for i in range(150)]  # fmt: skip
        record_posts(ledger, "L", posts, now=0.0)
        shards.send_in_shares(ledger, ["L"], send, now=1.0, processes=2)
        assert ledger.writer.max_wait == MAX_WAIT
    assert len(seen) == 1  # this process's share; the other was sent by a child
    assert seen[0][1] == 2 and seen[0][2] == SHARED_WAIT
