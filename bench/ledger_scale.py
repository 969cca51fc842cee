"""Scale: a ledger with 100,000 scheduled posts.

Measures, as real processes on a real SQLite file (wall time, cold Python start included):
daemon start-up (``launcher daemon --once``, nothing due), ``status`` of one launch (text and
``--json``), ``halt --all``, and the resident memory of a running daemon that has just sent
1,000 due posts through the sandbox. Two shapes: 100 launches x 1,000 posts, and one launch
of 100,000 posts (the worst case for ``status``).

Run: ``python bench/ledger_scale.py [--posts 100000] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from launcher.launch.lifecycle import record_posts
from launcher.ledger import Ledger

PLATFORMS = ("mastodon", "bluesky", "x", "facebook", "telegram")


def build(data: Path, launches: int, per_launch: int, due_now: int) -> float:
    t = time.perf_counter()
    now = time.time()
    with Ledger(f"sqlite:///{data / 'ledger.sqlite3'}") as led:
        for n in range(launches):
            posts = [
                {
                    "key": f"m{i % 7}#{i}/{PLATFORMS[i % 5]}/en",
                    "message": f"m{i % 7}",
                    "platform": PLATFORMS[i % 5],
                    "due_at": now + 3600 + (i * 2.6),  # spread over the next days
                    "text": f"Scheduled update {i} of launch {n}: " + "x" * 120,
                }
                for i in range(per_launch)
            ]
            if n == 0:
                for i in range(min(due_now, per_launch)):
                    posts[i]["due_at"] = now - 1
            record_posts(led, f"launch-{n:04d}", posts, now=now)
    return time.perf_counter() - t


def timed(env: dict, *args: str) -> float:
    t = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "launcher", *args],
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - t


def daemon_rss(env: dict, url: str, expect: int) -> tuple[float, float]:
    """Start a daemon; once it has sent ``expect`` posts, read its RSS (MB); stop it."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "launcher", "daemon"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    t = time.perf_counter()
    rss = 0.0
    try:
        with Ledger(url) as led:
            while time.perf_counter() - t < 120:
                sent = led.summaries(["launch-0000"])[0].counts.get("sent", 0)
                if sent >= expect:
                    break
                time.sleep(0.2)
        took = time.perf_counter() - t
        with open(f"/proc/{proc.pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    rss = int(line.split()[1]) / 1024
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    return rss, took


def shape(launches: int, per_launch: int, due_now: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp)
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHER_")}
        env["LAUNCHER_DATA_DIR"] = str(data)
        url = f"sqlite:///{data / 'ledger.sqlite3'}"
        built = build(data, launches, per_launch, due_now=0)
        out = {
            "launches": launches,
            "posts": launches * per_launch,
            "build_s": round(built, 2),
            "daemon_once_startup_s": round(timed(env, "daemon", "--once"), 3),
            "status_all_s": round(timed(env, "status"), 3),
            "status_one_text_s": round(timed(env, "status", "launch-0000"), 3),
            "status_one_json_s": round(timed(env, "status", "launch-0000", "--json"), 3),
            "halt_all_s": round(timed(env, "halt", "--all"), 3),
        }
        if due_now:
            timed(env, "resume", "launch-0000")
            with Ledger(url) as led:  # make the first posts of launch 0 due now
                from sqlalchemy import update

                from launcher.ledger.schema import posts

                ids = [p.id for p in led.posts("launch-0000")[:due_now]]
                with led.writer.begin() as conn:
                    conn.execute(
                        update(posts).where(posts.c.id.in_(ids)).values(due_at=time.time() - 1)
                    )
            rss, took = daemon_rss(env, url, due_now)
            out["daemon_rss_mb_after_sending"] = round(rss, 1)
            out["daemon_sent"] = due_now
            out["daemon_send_s"] = round(took, 2)
        return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=100_000)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    baseline = python_start()
    results = [
        shape(100, args.posts // 100, due_now=1000),
        shape(1, args.posts, due_now=0),
    ]
    if args.json:
        print(json.dumps({"python_start_s": baseline, "shapes": results}))
        return
    print(f"baseline: bare python start-up {baseline * 1000:.0f} ms (same run); targets < 2 s")
    for r in results:
        print(f"-- {r['launches']} launch(es), {r['posts']} posts")
        for k, v in r.items():
            ratio = (
                f"   ({v / baseline:.1f} x bare python)"
                if k.endswith("_s") and k not in ("build_s", "daemon_send_s")
                else ""
            )
            print(f"{k:>30}: {v}{ratio}")


def python_start(repeat: int = 7) -> float:
    """Median wall time of a bare interpreter start: the yardstick for the timings above."""
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        times.append(time.perf_counter() - t)
    return round(sorted(times)[len(times) // 2], 4)


if __name__ == "__main__":
    main()
