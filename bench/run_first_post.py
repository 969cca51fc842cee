"""`launcher run ... --yes` to the first post: wall time until the first post is in the
sandbox outbox, with a cold Python process each time (what a duty officer waits for).

Also reported, for context in the same run: the bare interpreter start (``python -c pass``)
and the whole ``run`` command (it also provisions every account and sends every post due now).

Run: ``python bench/run_first_post.py [--repeat 5] [--playbook earthquake --mission rome]``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def first_post(env: dict, argv: list[str]) -> tuple[float, float]:
    outbox = Path(env["LAUNCHER_DATA_DIR"]) / "sandbox" / "outbox.jsonl"
    t = time.perf_counter()
    proc = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    seen = None
    while seen is None:
        try:
            if b'"op": "publish"' in outbox.read_bytes():
                seen = time.perf_counter() - t
                break
        except FileNotFoundError:
            pass
        if proc.poll() is not None and seen is None:
            if outbox.exists() and b'"op": "publish"' in outbox.read_bytes():
                seen = time.perf_counter() - t
                break
            raise SystemExit(f"run ended without a post: {proc.stderr.read().decode()}")
        time.sleep(0.001)
    proc.wait()
    return seen, time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--playbook", default="earthquake")
    ap.add_argument("--mission", default="rome")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    firsts, wholes, bare = [], [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHER_")}
            env["LAUNCHER_DATA_DIR"] = tmp
            env["LAUNCHER_ROOT"] = str(ROOT)
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            bare.append(time.perf_counter() - t)
            argv = [
                sys.executable, "-m", "launcher", "run", args.playbook,
                "--mission", args.mission,
                "--set", "region=Emilia-Romagna", "--set", "magnitude=6.1", "--yes",
            ]  # fmt: skip
            first, whole = first_post(env, argv)
            firsts.append(first)
            wholes.append(whole)
    out = {
        "repeat": args.repeat,
        "first_post_median_s": round(statistics.median(firsts), 3),
        "first_post_min_s": round(min(firsts), 3),
        "first_post_max_s": round(max(firsts), 3),
        "whole_run_median_s": round(statistics.median(wholes), 3),
        "python_start_median_s": round(statistics.median(bare), 3),
    }
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k:>22}: {v}")


if __name__ == "__main__":
    main()
