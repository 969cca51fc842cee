"""launcher.processes.run_forked: results in order, and the objects alive at the fork frozen
out of the garbage collector for the jobs' time (then given back)."""

from __future__ import annotations

import gc
import os

from launcher.processes import run_forked


def test_jobs_see_the_parents_objects_frozen_and_the_parent_gets_them_back() -> None:
    kept = [{"plan": i} for i in range(1000)]  # alive at the fork, like a group's plans
    parent = os.getpid()
    assert gc.get_freeze_count() == 0

    def job() -> tuple[bool, int]:
        return os.getpid() == parent, gc.get_freeze_count()

    results = run_forked([job, job], stop_children_on_error=True)
    here, child = results
    assert here is not None and child is not None
    assert here[0] is True and child[0] is False  # one job here, one in a child
    assert here[1] >= len(kept) and child[1] >= len(kept)  # frozen in both while they ran
    assert gc.get_freeze_count() == 0  # and collectable again here once they are done


def test_the_objects_are_given_back_when_the_parents_job_fails() -> None:
    def failing() -> None:
        raise RuntimeError("the parent's own share failed")

    try:
        run_forked([failing, lambda: None], stop_children_on_error=True)
    except RuntimeError:
        pass
    else:
        raise AssertionError("the error did not go on")
    assert gc.get_freeze_count() == 0


def test_the_command_line_sets_the_collectors_thresholds(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The real entry point (python -m launcher) runs with launcher's thresholds."""
    import subprocess
    import sys

    from launcher.cli import COLLECTOR_THRESHOLDS

    probe = (
        "import gc, sys, launcher.cli as c; c.cli.main = lambda **k: print(gc.get_threshold());"
        " c.main()"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(COLLECTOR_THRESHOLDS)
    assert gc.get_threshold() != COLLECTOR_THRESHOLDS  # not Python's defaults
