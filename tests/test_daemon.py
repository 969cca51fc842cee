"""The daemon: wakes on time, sees halts within a second, stops cleanly on SIGTERM."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import pytest

from launcher.launch.daemon import Daemon
from launcher.launch.dispatch import Dispatcher
from launcher.launch.lifecycle import record_posts
from launcher.ledger import Ledger
from launcher.testing import FakeClock

from .test_dispatch import FakeAdapter, Targets


@pytest.fixture
def ledger(tmp_path):
    with Ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}") as led:
        yield led


def _start(daemon):
    t = threading.Thread(target=daemon.run, kwargs={"install_signals": False}, daemon=True)
    t.start()
    return t


class SteadyClock:
    """Epoch seconds that start at a fixed date and move with real time: the daemon's wake-ups
    are real, but no test reads the wall clock, so none depends on the hour or the date."""

    def __init__(self) -> None:
        self._start, self._base = time.monotonic(), FakeClock().now

    def __call__(self) -> float:
        return self._base + time.monotonic() - self._start


#: posts recorded for daemon processes (which run on the real clock): due long ago
DUE = FakeClock().now


def _wait(cond, timeout=5.0):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return True
        time.sleep(0.01)
    return False


def test_posts_go_out_at_their_due_time_not_a_poll_later(ledger):
    """The daemon wakes at each post's due time: with a poll of a minute, posts due within
    the next second all go out long before the next poll would have looked (and none early).
    No bound on lateness is asserted: a loaded machine may be slow, never a poll late."""
    clock = SteadyClock()
    now = clock()
    record_posts(ledger, "L", [{"key": f"k{i}", "due_at": now + 0.2 + 0.1 * i} for i in range(4)])
    daemon = Daemon(
        Dispatcher(ledger, Targets(FakeAdapter()), actor="d", clock=clock), poll=60.0, clock=clock
    )
    t = _start(daemon)
    assert _wait(lambda: all(p.state == "sent" for p in ledger.posts("L")), timeout=30)
    daemon.request_stop()
    t.join(5)
    assert all(p.sent_at >= p.due_at for p in ledger.posts("L"))


class _Wakes:
    """Stands in for the scheduler: records the one-shot wake jobs a pass arranges."""

    def __init__(self) -> None:
        self.jobs: list[dict] = []

    def add_job(self, *_args, **kwargs) -> None:
        self.jobs.append(kwargs)


def test_a_post_that_came_due_during_a_slow_pass_is_sent_at_once_not_a_poll_later(ledger):
    """On a loaded machine a pass that found nothing due may end after the next post came
    due: the daemon wakes again at once, instead of leaving it for the poll a minute later.
    A post that was already due when the pass looked and still could not be claimed (a
    thread part waiting for its first part) waits for the poll: no busy loop."""
    clock = FakeClock()
    record_posts(ledger, "L", [{"key": "k0", "due_at": clock.now + 0.2}], now=clock.now)
    dispatcher = Dispatcher(ledger, Targets(FakeAdapter()), actor="d", clock=clock)
    daemon = Daemon(dispatcher, poll=60.0, clock=clock)
    daemon._scheduler = wakes = _Wakes()
    slow = dispatcher.run_due

    def a_slow_pass_that_finds_nothing(**kw):
        result = slow(**kw)  # nothing is due yet when it looks ...
        clock.advance(1.0)  # ... and by the time it ends, k0 is
        return result

    dispatcher.run_due = a_slow_pass_that_finds_nothing
    assert daemon.tick().total == 0
    assert [job["id"] for job in wakes.jobs] == ["wake"]
    dispatcher.run_due = slow
    wakes.jobs.clear()
    assert daemon.tick().total == 1 and ledger.posts("L")[0].state == "sent"

    record_posts(ledger, "M", [
        {"key": "t#p1", "due_at": clock.now - 5, "part": 1, "parts": 2},
        {"key": "t#p2", "due_at": clock.now - 5, "part": 2, "parts": 2, "prev_key": "t#p1"},
    ], now=clock.now)  # fmt: skip
    with ledger.engine.begin() as conn:  # another daemon is sending part 1
        conn.exec_driver_sql("UPDATE posts SET state = 'sending' WHERE key = 't#p1'")
    wakes.jobs.clear()
    assert daemon.tick().total == 0
    assert wakes.jobs == []  # already due when the pass looked: the poll looks again


def test_halt_reaches_a_running_daemon_within_a_second(ledger):
    """A halt recorded while the daemon is mid-batch stops every later post."""
    clock = SteadyClock()
    record_posts(ledger, "L", [{"key": f"k{i}", "due_at": clock()} for i in range(10)])
    adapter = FakeAdapter()
    gate = threading.Event()
    entered = threading.Event()
    original = adapter.publish

    def slow_publish(account, post):
        entered.set()
        gate.wait(5)
        return original(account, post)

    adapter.publish = slow_publish
    daemon = Daemon(Dispatcher(ledger, Targets(adapter), actor="d", clock=clock), poll=0.5)
    t = _start(daemon)
    assert entered.wait(5)
    halted_at = time.monotonic()
    ledger.halt("L", actor="duty officer", now=clock())
    # the post in flight takes another 0.2 s; the daemon's view of the launch is at most
    # 0.1 s old, so nothing after it goes out
    threading.Timer(0.2, gate.set).start()
    assert _wait(lambda: not [p for p in ledger.posts("L") if p.state == "sending"], 1.0)
    assert time.monotonic() - halted_at < 1.0
    daemon.request_stop()
    t.join(5)
    states = [p.state for p in ledger.posts("L")]
    assert states.count("sent") == 1 and states.count("halted") == 9
    assert len(adapter.calls) == 1


def test_new_launch_is_picked_up_by_a_running_daemon(ledger):
    """A launch recorded after the daemon started is seen at the next poll."""
    clock = SteadyClock()
    daemon = Daemon(Dispatcher(ledger, Targets(FakeAdapter()), actor="d", clock=clock), poll=0.1)
    t = _start(daemon)
    record_posts(ledger, "L", [{"key": "a", "due_at": clock()}])
    assert _wait(lambda: ledger.posts("L")[0].state == "sent", 2.0)
    daemon.request_stop()
    t.join(5)


def test_run_once_with_a_fake_clock(ledger):
    """--once semantics: what is due by the injected clock goes out, nothing else."""
    t0 = 1_800_000_000.0
    record_posts(ledger, "L", [{"key": "a", "due_at": t0}, {"key": "b", "due_at": t0 + 3600}])
    d = Dispatcher(ledger, Targets(FakeAdapter()), actor="d", clock=lambda: t0 + 10)
    Daemon(d).run_once()
    assert [p.state for p in ledger.posts("L")] == ["sent", "scheduled"]


def test_sigterm_releases_the_post_in_flight_and_exits_0(tmp_path):
    """SIGTERM during a retry wait: the post is released for reconciliation, exit 0, and the
    next daemon delivers it exactly once."""
    data = tmp_path / "data"
    env = {**os.environ, "LAUNCHER_DATA_DIR": str(data), "LAUNCHER_SANDBOX_FAIL": "rate-limit:1"}
    env.pop("LAUNCHER_CONFIG", None)
    url = f"sqlite:///{data / 'ledger.sqlite3'}"
    data.mkdir()
    with Ledger(url) as led:
        record_posts(led, "L", [{"key": "a", "due_at": DUE}])
    (data / "sandbox").mkdir()
    cmd = [sys.executable, "-m", "launcher", "daemon", "--log-format", "json"]
    proc = subprocess.Popen(cmd, env=env, stderr=subprocess.PIPE, text=True)
    try:
        # the injected rate limit asks for a 1 s wait: stop the daemon inside it
        with Ledger(url) as led:
            assert _wait(lambda: led.posts("L")[0].attempts >= 2, 10)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    with Ledger(url) as led:
        (p,) = led.posts("L")
        # in flight: left `sending` for a look first; claimed but not tried (its platform
        # still cooling down after the 429): given back `scheduled` or `retrying`; never lost
        assert p.state in ("sending", "sent", "scheduled", "retrying"), p.state
        assert p.state != "sending" or p.claim_until == 0.0
    subprocess.run([*cmd, "--once"], env=env, check=True, capture_output=True, timeout=30)
    with Ledger(url) as led:
        assert led.posts("L")[0].state == "sent"
    outbox = (data / "sandbox" / "outbox.jsonl").read_text().splitlines()
    assert sum('"op": "publish"' in line for line in outbox) == 1
