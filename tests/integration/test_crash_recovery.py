"""Crash recovery in real processes on a real SQLite ledger and the sandbox outbox.

- ``kill -9`` at seeded random moments, over repeated trials: after a restart every post is
  sent exactly once (one publish per key in the outbox) or failed with a reason; none lost.
- Two daemons on one ledger: no post published twice.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from launcher.launch.lifecycle import record_posts
from launcher.ledger import Ledger
from launcher.testing import FakeClock

pytestmark = pytest.mark.integration
PLATFORMS = ("mastodon", "bluesky", "x", "facebook", "telegram")
#: a fixed moment in the past: the real daemons find every post due (never the wall clock)
DUE = FakeClock().now


def _setup(tmp_path: Path, n: int, fail: str = "") -> tuple[dict, str]:
    data = tmp_path / "data"
    data.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHER_")}
    env["LAUNCHER_DATA_DIR"] = str(data)
    if fail:
        env["LAUNCHER_SANDBOX_FAIL"] = fail
    url = f"sqlite:///{data / 'ledger.sqlite3'}"
    now = DUE  # every post already due, whatever the hour the test runs at
    posts = []
    for i in range(n):
        platform = PLATFORMS[i % len(PLATFORMS)]
        if i % 25 == 0:  # a two-part thread now and then: part 2 must wait for part 1
            posts.append(
                {"key": f"p{i}#p1", "due_at": now - 1, "platform": platform, "part": 1, "parts": 2}
            )
            posts.append(
                {
                    "key": f"p{i}#p2",
                    "due_at": now - 1,
                    "platform": platform,
                    "part": 2,
                    "parts": 2,
                    "prev_key": f"p{i}#p1",
                }
            )
        else:
            posts.append({"key": f"p{i}", "due_at": now - 1 + i * 0.002, "platform": platform})
    with Ledger(url) as led:
        record_posts(led, "L", posts, now=now)
    return env, url


def _daemon(env: dict, *extra: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "launcher", "daemon", "--poll", "0.05", "--batch", "5", *extra],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def _publishes(env: dict) -> Counter:
    path = Path(env["LAUNCHER_DATA_DIR"]) / "sandbox" / "outbox.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return Counter(json.loads(x)["key"] for x in lines if '"op": "publish"' in x)


def _pending(url: str) -> int:
    with Ledger(url) as led:
        # retrying is pending too: a lost answer is tried again (after a look) a moment later
        return sum(p.state in ("scheduled", "sending", "retrying") for p in led.posts("L"))


def _drain(env: dict, url: str, *extra: str) -> None:
    """The last restart: a daemon runs until nothing is pending, then stops cleanly. Not one
    ``--once`` pass: a post whose answer a kill lost is tried again after a look, at its
    ``retry_at`` (a second or so later), which a single pass started earlier would not wait for."""
    if not _pending(url):
        return  # drained already (a daemon signalled before it set up its handlers dies)
    proc = _daemon(env, *extra)
    try:
        deadline = time.monotonic() + 120
        while _pending(url) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0


def _check_exactly_once(env: dict, url: str) -> None:
    counts = _publishes(env)
    with Ledger(url) as led:
        posts = led.posts("L")
    for p in posts:
        assert p.state in ("sent", "failed"), (p.key, p.state)
        if p.state == "sent":
            assert counts[p.key] == 1, (p.key, counts[p.key])
        else:
            assert p.error, p.key
            assert counts[p.key] <= 1
    assert sum(counts.values()) == sum(p.state == "sent" for p in posts)


def test_sigkill_at_random_moments_loses_and_doubles_nothing(tmp_path):
    """Seeded random kill -9 of the daemon, restarted each time: exactly once, none lost."""
    env, url = _setup(tmp_path, 240, fail="lost-answer:2")
    rng = random.Random(20261123)
    kills = 0
    for _ in range(6):
        proc = _daemon(env)
        time.sleep(rng.uniform(0.5, 1.4))  # the moment of the crash, not a wait for work
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
        if _pending(url) == 0:
            break
    assert kills >= 2, "the ledger drained before a second kill: add posts"
    _drain(env, url)
    _check_exactly_once(env, url)


def test_two_daemons_on_one_ledger_never_double_post(tmp_path):
    """Two daemon processes drain one ledger together; every key is published once."""
    env, url = _setup(tmp_path, 200)
    procs = [_daemon(env), _daemon(env)]
    try:
        deadline = time.monotonic() + 40
        while _pending(url) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        for p in procs:
            p.send_signal(signal.SIGTERM)
        codes = [p.wait(timeout=20) for p in procs]
    assert codes == [0, 0]
    _check_exactly_once(env, url)


def test_halt_reaches_a_running_daemon_process(tmp_path):
    """A daemon process is running. A launch waits for its second person, its posts already
    due, and the duty officer halts it meanwhile (a wrong figure): its posts become halted and
    none goes out, while another launch due at the same moment is delivered by that daemon.
    Resumed, the halted launch waits for its second person again (a resume is no approval);
    approved, it is sent by the same daemon, each post once. Every time is a fixed moment in
    the past (the daemon finds it all due), never the clock."""
    data = tmp_path / "data"
    data.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHER_")}
    env["LAUNCHER_DATA_DIR"] = str(data)
    url = f"sqlite:///{data / 'ledger.sqlite3'}"
    proc = subprocess.Popen(
        [sys.executable, "-m", "launcher", "daemon", "--poll", "0.2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert "daemon started" in proc.stderr.readline()
        with Ledger(url) as led:
            stop = [{"key": f"s{i}", "due_at": DUE - 1} for i in range(5)]
            record_posts(led, "STOP", stop, now=DUE - 60, state="awaiting-approval")
            assert led.halt("STOP", actor="duty officer", now=DUE) == {"STOP": 5}
            record_posts(led, "GO", [{"key": f"g{i}", "due_at": DUE - 1} for i in range(5)],
                         now=DUE - 60)  # fmt: skip
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if all(p.state == "sent" for p in led.posts("GO")):
                    break
                time.sleep(0.05)
            assert {p.state for p in led.posts("GO")} == {"sent"}
            assert {p.state for p in led.posts("STOP")} == {"halted"}
            assert led.resolve("STOP").state == "halted"
            assert not any(k.startswith("s") for k in _publishes(env))
            # the figure was right after all: resumed, it waits for its approval again
            assert led.resume("STOP", actor="duty officer", now=DUE) == 5
            assert led.resolve("STOP").state == "awaiting-approval"
            time.sleep(1.0)  # five of the daemon's polls: it sends nothing unapproved
            assert {p.state for p in led.posts("STOP")} == {"scheduled"}
            assert not any(k.startswith("s") for k in _publishes(env))
            # a second person approves it: the same running daemon sends them
            led.approve_launch("STOP", actor="deputy", now=DUE)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline:
                if all(p.state == "sent" for p in led.posts("STOP")):
                    break
                time.sleep(0.05)
            assert {p.state for p in led.posts("STOP")} == {"sent"}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.communicate(timeout=20)
    assert proc.returncode == 0
    keys = _publishes(env)
    assert sorted(keys) == sorted([f"g{i}" for i in range(5)] + [f"s{i}" for i in range(5)])
    assert set(keys.values()) == {1}  # each once


def test_sigkill_during_concurrent_sends_loses_and_doubles_nothing(tmp_path):
    """The fanned-out daemon (sixteen workers, fifty accounts across five platforms, sending
    side by side) is killed with -9 at seeded random moments and restarted: every post is
    sent exactly once or failed with a reason, none lost, and each account's posts reached
    the platform in the order of the plan."""
    data = tmp_path / "data"
    data.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHER_")}
    env["LAUNCHER_DATA_DIR"] = str(data)
    env["LAUNCHER_SANDBOX_FAIL"] = "lost-answer:3"
    url = f"sqlite:///{data / 'ledger.sqlite3'}"
    now = DUE  # every post already due, whatever the hour the test runs at
    posts = []
    for n in range(6):  # message by message over the accounts, as a plan orders them
        for i in range(50):
            platform, locale = PLATFORMS[i % 5], f"l{i // 5}"
            posts.append({"key": f"m{n}/{platform}/{locale}", "due_at": now - 1,
                          "platform": platform, "locale": locale})  # fmt: skip
    with Ledger(url) as led:
        record_posts(led, "L", posts, now=now)
    rng = random.Random(20261201)
    kills = 0
    for _ in range(6):
        proc = _daemon(env, "--workers", "16")
        time.sleep(rng.uniform(0.6, 1.2))  # the moment of the crash, not a wait for work
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        kills += 1
        if _pending(url) == 0:
            break
    assert kills >= 2, "the ledger drained before a second kill: add posts"
    _drain(env, url, "--workers", "16")
    _check_exactly_once(env, url)
    outbox = Path(env["LAUNCHER_DATA_DIR"]) / "sandbox" / "outbox.jsonl"
    order: dict[str, list[int]] = {}
    for line in outbox.read_text().splitlines():
        rec = json.loads(line)
        if rec.get("op") == "publish":
            message, platform, locale = rec["key"].split("/")
            order.setdefault(f"{platform}/{locale}", []).append(int(message[1:]))
    assert len(order) == 50
    assert all(seq == sorted(seq) for seq in order.values()), order
