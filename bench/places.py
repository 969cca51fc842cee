"""Benchmark of places per locale (places.yaml): what matching and forms cost a plan.

Every figure is printed next to a baseline measured in the same run: the same plans rendered
from a copy of the content without places.yaml (every value used as typed), and the matching
of typed values against a bare dict lookup of the same keys. Run from the repository root:

    python bench/places.py            # or: python bench/places.py --repeat 9

Target: the gazetteer adds under 5 % to planning the earthquake playbook for all 7 missions.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from launcher.places import load_gazetteer  # noqa: E402
from launcher.places.gazetteer import normalize  # noqa: E402
from launcher.plan.build import build_plan, load_content  # noqa: E402

NOW = datetime(2026, 5, 22, 6, 0, tzinfo=UTC)
REGIONS = {
    "ankara": "Kahramanmaraş",
    "bangkok": "เชียงราย",
    "rome": "Emilia Romagna",
    "kyiv": "Закарпаття",
    "beirut": "الشوف",
    "tokyo": "Kanto",
    "mexico-city": "Oaxaca",
}
TYPED = [*REGIONS.values(), "Zakarpattia", "@chiang-rai", "Atlantis", "Hat Yai"] * 1000


def median(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def plans(content) -> None:
    for mission, region in REGIONS.items():
        build_plan(
            "earthquake",
            mission,
            {"region": region, "magnitude": "6.1", "deaths": "12"},
            now=NOW,
            content=content,
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "content"
        bare.mkdir()
        for name in ("missions.yaml", "guardrails.yaml", "babel.cfg"):
            shutil.copyfile(ROOT / name, bare / name)
        for name in ("playbooks", "templates", "locales"):
            shutil.copytree(ROOT / name, bare / name, ignore=shutil.ignore_patterns("*.mo"))
        with_places, without = load_content(ROOT), load_content(bare)
        plans(with_places), plans(without)  # warm-up: catalogs compiled, templates cached
        a = median(lambda: plans(with_places), args.repeat)
        b = median(lambda: plans(without), args.repeat)
    print(f"7 earthquake plans, with places.yaml:    {a * 1000:8.1f} ms")
    print(f"7 earthquake plans, without (baseline): {b * 1000:8.1f} ms   ratio {a / b:.3f}")
    gaz, _ = load_gazetteer(ROOT)
    gaz.match("warm-up")
    table = {normalize(v): v for v in TYPED}
    m = median(lambda: [gaz.match(v) for v in TYPED], args.repeat)
    d = median(lambda: [table.get(v) for v in TYPED], args.repeat)
    print(f"{len(TYPED)} typed values matched:          {m * 1000:8.1f} ms")
    print(f"{len(TYPED)} bare dict lookups (baseline): {d * 1000:8.1f} ms   ratio {m / d:.1f}")


if __name__ == "__main__":
    main()
