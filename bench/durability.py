"""Durability: what ``synchronous=FULL`` costs against ``NORMAL``, measured in the same run.

The ledger runs SQLite with ``synchronous=FULL`` (every commit is synced to the disk before
launcher goes on) so a power loss cannot roll back a post recorded as sent; ``NORMAL`` (the
baseline here) syncs at checkpoints only. On one real file, for each setting:

1. send cycle: the ledger's part of sending one post, as the dispatcher does it for a platform
   without idempotency keys: claim (in batches of 50), check the claim right before the call,
   record "sent" (one commit per post);
2. dispatch: posts delivered end to end by the dispatcher to the local sandbox;
3. record a launch: one launch of 1,000 posts (a single commit).

Each figure is the median of ``--rounds`` rounds that alternate the two settings (so a busy
moment of the machine hits both). Prints FULL, NORMAL and their ratio. fsync is only as slow
as the disk: run it where the ledger lives (``--dir``); the file system type is printed.

Run: ``python bench/durability.py [--posts 500] [--rounds 5] [--dir PATH] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from launcher.launch.lifecycle import record_posts
from launcher.ledger import Ledger

SETTINGS = ("NORMAL", "FULL")


def _ledger(folder: Path, name: str, synchronous: str) -> Ledger:
    return Ledger(f"sqlite:///{folder / name}.sqlite3", synchronous=synchronous)


def _posts(n: int, due: float, prefix: str) -> list[dict]:
    return [
        {"key": f"{prefix}{i}", "due_at": due, "text": f"post {i} " + "x" * 200} for i in range(n)
    ]


def send_cycle(folder: Path, synchronous: str, n: int, name: str) -> float:
    """Seconds per post for claim → begin_send → mark_sent."""
    now = time.time()
    with _ledger(folder, f"cycle-{name}", synchronous) as led:
        record_posts(led, "L", _posts(n, now - 1, "c"), now=now)
        t = time.perf_counter()
        done = 0
        while done < n:
            claims = led.claim_due(worker="w", now=now, lease=60.0, limit=50)
            for c in claims:
                assert led.begin_send(c.post.id, worker="w", now=now, lease=60.0)
                led.mark_sent(
                    c.post.id,
                    actor="bench",
                    now=now,
                    platform_post_id=f"id-{c.post.id}",
                    launch_id=c.post.launch_id,
                )
            done += len(claims)
        return (time.perf_counter() - t) / n


def dispatch(folder: Path, synchronous: str, n: int, name: str) -> float:
    """Posts per second delivered by the dispatcher to the sandbox (an outbox file)."""
    from launcher.launch.dispatch import Dispatcher
    from launcher.settings import Settings

    now = time.time()
    outbox = folder / f"outbox-{name}.jsonl"
    settings = Settings({"platforms": {"sandbox": {"options": {"outbox": str(outbox)}}}})
    with _ledger(folder, f"dispatch-{name}", synchronous) as led:
        record_posts(led, "L", _posts(n, now - 1, "d"), now=now)
        dispatcher = Dispatcher(led, settings, actor="bench")
        t = time.perf_counter()
        result = dispatcher.run_due()
        took = time.perf_counter() - t
        dispatcher.close()
    assert len(result.sent) == n, "not everything was sent"
    return n / took


def record_launch(folder: Path, synchronous: str, name: str, n: int = 1000) -> float:
    """Seconds to record one launch of ``n`` posts."""
    with _ledger(folder, f"record-{name}", synchronous) as led:
        posts = _posts(n, time.time() + 3600, "r")
        t = time.perf_counter()
        record_posts(led, "L", posts)
        return time.perf_counter() - t


def filesystem(path: Path) -> str:
    """The type of the file system holding ``path`` (from /proc/mounts), or "?"."""
    best, kind = "", "?"
    try:
        mounts = Path("/proc/mounts").read_text().splitlines()
    except OSError:
        return kind
    target = str(path.resolve())
    for line in mounts:
        parts = line.split()
        if len(parts) > 2 and target.startswith(parts[1]) and len(parts[1]) > len(best):
            best, kind = parts[1], parts[2]
    return kind


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--dir", help="where the ledgers are written (default: a temp dir)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    runs: dict[str, dict[str, list[float]]] = {s: {} for s in SETTINGS}
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        for r in range(args.rounds):
            for setting in SETTINGS:
                name = f"{setting}-{r}"
                figures = {
                    "send_cycle_ms_per_post": send_cycle(folder, setting, args.posts, name) * 1e3,
                    "dispatch_posts_per_s": dispatch(folder, setting, args.posts, name),
                    "record_1000_posts_ms": record_launch(folder, setting, name) * 1e3,
                }
                for k, v in figures.items():
                    runs[setting].setdefault(k, []).append(v)
        fs = filesystem(folder)
    out = {
        s: {k: round(statistics.median(v), 3) for k, v in figs.items()} for s, figs in runs.items()
    }
    ratios = {k: round(out["FULL"][k] / out["NORMAL"][k], 2) for k in out["FULL"]}
    if args.json:
        print(json.dumps({"filesystem": fs, "posts": args.posts, **out, "full/normal": ratios}))
        return
    print(
        f"SQLite ledger on {fs} ({os.uname().sysname}); {args.posts} posts per figure,"
        f" median of {args.rounds} rounds"
    )
    print(f"{'':>26} {'NORMAL':>10} {'FULL':>10} {'FULL/NORMAL':>12}")
    for k in out["FULL"]:
        print(f"{k:>26} {out['NORMAL'][k]:>10} {out['FULL'][k]:>10} {ratios[k]:>11}x")


if __name__ == "__main__":
    main()
