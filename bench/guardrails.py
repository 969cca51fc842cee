"""Benchmark of forbidden-term matching in inflected forms (stems and dictionary forms).

`launcher lint` over every playbook x mission (42 plans, every post of every locale) is timed
twice in the same run: with the terms matched as written only (the baseline, stemming turned
off) and with inflected forms, as shipped. The ratio is what stemming costs; the first
stemming run (loading the stemmers and pymorphy3's Ukrainian dictionary) is shown apart.
Run from the repository root:

    python bench/guardrails.py            # or: python bench/guardrails.py --repeat 9

Target on the 2-core reference machine: stemming adds less than 25 % to a warm lint.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT))
    from launcher.checks.lint import lint_content
    from launcher.guardrails import inflection

    real = inflection.inflected

    def timed(stemming: bool) -> tuple[float, int]:
        inflection.inflected = real if stemming else (lambda *a, **k: iter(()))
        times, plans = [], 0
        for _ in range(args.repeat):
            inflection.keys.cache_clear()
            inflection._inflected.cache_clear()
            t0 = time.perf_counter()
            plans = lint_content(ROOT).plans
            times.append(time.perf_counter() - t0)
        return statistics.median(times), plans

    lint_content(ROOT)  # warm-up: templates compiled, catalogs loaded (both runs share it)
    inflection._reducer.cache_clear()
    t0 = time.perf_counter()
    inflection.inflected = real
    lint_content(ROOT)
    first = time.perf_counter() - t0
    base, plans = timed(stemming=False)
    stem, _ = timed(stemming=True)
    print(f"baseline: lint of {plans} plans, terms as written only: {base * 1000:.0f} ms "
          f"(median of {args.repeat})")  # fmt: skip
    ok = "yes" if stem < base * 1.25 else "NO"
    print(f"with inflected forms (stems cleared each run): {stem * 1000:.0f} ms, "
          f"x{stem / base:.2f} the baseline; target < x1.25: {ok}")  # fmt: skip
    print(f"first run, loading the stemmers and the Ukrainian dictionary: {first * 1000:.0f} ms")


if __name__ == "__main__":
    main()
