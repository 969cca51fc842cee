"""Benchmark of the playbook engine (issue: Playbook engine, "Speed").

Every figure is printed next to the cost of starting a bare Python interpreter measured in the
same run, so the ratio is comparable across machines. Run from the repository root:

    python bench/engine.py            # or: python bench/engine.py --repeat 9

Targets on the 2-core reference machine: `launcher --help` < 0.25 s, a full `launcher plan`
CLI run < 0.8 s, all 3 playbooks x 7 missions planned in-process < 1 s after warm-up, a
`launcher preview` of a three-locale mission (about 290 post cards) < 1.5 s, and
`launcher i18n status` over every catalog and playbook < 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAN_ARGS = [
    "plan",
    "earthquake",
    "--mission",
    "rome",
    "--set",
    "region=Emilia-Romagna",
    "--set",
    "magnitude=6.1",
]
PREVIEW_ARGS = [
    "preview",
    "earthquake",
    "--mission",
    "beirut",
    "--set",
    "region=Bekaa",
    "--set",
    "magnitude=5.8",
]
FACTS = {
    "earthquake": {"region": "Emilia-Romagna", "magnitude": "6.1", "deaths": "12"},
    "coup": {},
    "platform-ban": {"platform": "x"},
}


def wall(cmd: list[str], repeat: int) -> float:
    """Median wall time of a command, in seconds."""
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def in_process(repeat: int) -> tuple[float, int]:
    sys.path.insert(0, str(ROOT))
    from launcher.plan.build import build_plan, load_content

    now = datetime(2026, 5, 22, 8, 30, tzinfo=UTC)
    content = load_content(ROOT)
    missions = sorted(content.registry.missions)

    def all_plans() -> int:
        n = 0
        for pid, facts in FACTS.items():
            for mid in missions:
                n += len(build_plan(pid, mid, facts, now=now, content=content).posts)
        return n

    all_plans()  # warm-up: compiled templates and catalogs cached
    times = []
    posts = 0
    for _ in range(repeat):
        t0 = time.perf_counter()
        posts = all_plans()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), posts


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    py = sys.executable
    bare = wall([py, "-c", "pass"], args.repeat)
    launcher = [py, "-m", "launcher"]
    with tempfile.TemporaryDirectory() as tmp:
        preview = [*PREVIEW_ARGS, "-o", str(Path(tmp) / "preview.html")]
        rows = [
            ("launcher --help", wall([*launcher, "--help"], args.repeat), 0.25),
            ("launcher plan (CLI, full run)", wall([*launcher, *PLAN_ARGS], args.repeat), 0.8),
            (
                "launcher preview (CLI, beirut: 3 locales)",
                wall([*launcher, *preview], args.repeat),
                1.5,
            ),
            (
                "launcher i18n status (CLI, 9 locales x 3 playbooks)",
                wall([*launcher, "i18n", "status"], args.repeat),
                1.0,
            ),
        ]
    t, posts = in_process(args.repeat)
    rows.append((f"plan 3 playbooks x 7 missions in-process ({posts} posts)", t, 1.0))
    print(f"baseline: bare python start-up {bare * 1000:.0f} ms (median of {args.repeat})")
    print(f"{'measure':<58}{'median':>9}{'x bare':>9}{'target':>9}  ok")
    for name, secs, target in rows:
        ok = "yes" if secs < target else "NO"
        print(f"{name:<58}{secs * 1000:>7.0f}ms{secs / bare:>9.1f}{target * 1000:>7.0f}ms  {ok}")


if __name__ == "__main__":
    main()
