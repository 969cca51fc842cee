"""Archives: how long writing and verifying the archive of a big launch takes, against a
baseline measured in the same run, and what a sunset's plan costs against a launch's plan.

- ``archive``: ``write_archive`` of one launch of N sent posts (JSON sections, the HTML page,
  the BagIt bag with its SHA-256 manifests, the ledger record), in-process;
- baseline: the least any archive must do: read the same rows with a bare ``sqlite3`` query,
  dump them as JSON to a file and SHA-256 it;
- ``verify``: ``verify_archive`` of that archive (every file re-hashed, the ledger compared);
- ``sunset plan``: ``build_sunset`` of the shipped earthquake response for Rome (15 accounts,
  three farewells each, restored profiles, guardrails), against ``build_plan`` of the same
  launch (about 300 posts) as the baseline.

Median of ``--rounds`` (default 3). Run: ``python bench/archive.py [--posts 20000] [--json]``.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from launcher.archive import verify_archive, write_archive
from launcher.launch.lifecycle import record_launch, record_posts
from launcher.ledger import Ledger

ROOT = Path(__file__).resolve().parents[1]
PLATFORMS = ("mastodon", "bluesky", "x", "facebook", "telegram")


def build(led: Ledger, posts: int) -> str:
    now = time.time()
    rows = [
        {
            "key": f"update#{i}/{PLATFORMS[i % 5]}/en",
            "message": "update",
            "platform": PLATFORMS[i % 5],
            "due_at": now - 86400 + i,
            "text": f"Update {i}: the emergency line stays open day and night. " + "x" * 120,
        }
        for i in range(posts)
    ]
    record_posts(led, "big", rows, now=now)
    with led.writer.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE posts SET state='sent', sent_at=due_at+1, platform_post_id='p'||id,"
            " url='https://social.example.org/@embassy/'||id"
        )
    return "big"


def baseline(db: Path, out: Path) -> None:
    con = sqlite3.connect(db)
    rows = con.execute("SELECT * FROM posts WHERE launch_id='big' ORDER BY id").fetchall()
    con.close()
    out.write_text(json.dumps(rows, ensure_ascii=False), encoding="utf-8")
    hashlib.sha256(out.read_bytes()).hexdigest()


def median_time(fn, rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def sunset_vs_plan(rounds: int) -> tuple[float, float]:
    from launcher.content.playbook import load_playbook
    from launcher.plan.build import build_plan, load_content
    from launcher.sunset import build_sunset

    content = load_content(ROOT)
    t0 = datetime(2026, 5, 22, 6, tzinfo=UTC)
    facts = {"region": "Lazio", "magnitude": "6.1"}
    plan = build_plan("earthquake", "rome", facts, now=t0, content=content)
    with tempfile.TemporaryDirectory() as tmp, Ledger(f"sqlite:///{tmp}/l.db") as led:
        lid = record_launch(led, plan, actor="bench", now=t0.timestamp())
        with led.writer.begin() as conn:
            conn.exec_driver_sql("UPDATE accounts SET state='active', created=1")
        launch = led.resolve(lid)
        playbook = load_playbook(content.root, "earthquake")
        on, now = t0 + timedelta(days=40), t0 + timedelta(days=4)

        def sunset() -> None:
            build_sunset(led, launch, content, playbook, on=on, now=now,
                         successors={"*": "embassy.example.org"})  # fmt: skip

        sunset()  # warm: catalogs, templates
        s = median_time(sunset, rounds)
    p = median_time(
        lambda: build_plan("earthquake", "rome", facts, now=t0, content=content), rounds
    )
    return s, p


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posts", type=int, default=20000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        db = base / "ledger.sqlite3"
        with Ledger(f"sqlite:///{db}") as led:
            lid = build(led, args.posts)
            n = [0]

            def archive() -> None:
                n[0] += 1
                write_archive(led, lid, out=base / f"a{n[0]}", actor="bench", now=time.time())

            archive_s = median_time(archive, args.rounds)
            base_s = median_time(lambda: baseline(db, base / "baseline.json"), args.rounds)
            verify_s = median_time(lambda: verify_archive(base / "a1", led), args.rounds)
            size = sum(p.stat().st_size for p in (base / "a1").rglob("*") if p.is_file())
    sunset_s, plan_s = sunset_vs_plan(args.rounds)
    out = {
        "posts": args.posts,
        "archive_s": round(archive_s, 3),
        "baseline_s": round(base_s, 3),
        "archive_over_baseline": round(archive_s / base_s, 1),
        "verify_s": round(verify_s, 3),
        "archive_mb": round(size / 1e6, 1),
        "posts_per_s": round(args.posts / archive_s),
        "sunset_plan_s": round(sunset_s, 3),
        "launch_plan_s": round(plan_s, 3),
        "sunset_over_plan": round(sunset_s / plan_s, 2),
    }
    if args.json:
        print(json.dumps(out))
        return
    print(f"archive of {args.posts} sent posts: {archive_s:.2f} s ({out['posts_per_s']} posts/s,"
          f" {out['archive_mb']} MB); baseline (bare query + JSON + SHA-256) {base_s:.2f} s:"
          f" {out['archive_over_baseline']}x")  # fmt: skip
    print(f"verify: {verify_s:.2f} s")
    print(f"sunset plan of earthquake/rome: {sunset_s * 1000:.0f} ms; the launch's own plan"
          f" {plan_s * 1000:.0f} ms: {out['sunset_over_plan']}x")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
