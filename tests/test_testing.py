"""The shipped test doubles work the way a playbook author would use them."""

from __future__ import annotations

from pathlib import Path

from launcher.errors import TransientError
from launcher.testing import FakeClock, RecordingTargets, launch_for, plan_for
from tests.conftest import REPO


def test_a_playbook_author_can_plan_launch_and_inspect(tmp_path: Path) -> None:
    plan = plan_for("earthquake", "rome", root=REPO, region="Umbria", magnitude="6.1",
                    locales=["it"])  # fmt: skip
    assert plan.posts[0].message == "intro"  # each account's introduction comes first
    targets = RecordingTargets()
    outcome = launch_for(plan, targets, ledger_path=tmp_path / "ledger.sqlite3")
    due_now = [p for p in plan.posts if p.at <= plan.event.confirmed_at]
    assert len(targets.adapter.published()) == len(due_now) > 0
    assert all("Umbria" in t for t in targets.adapter.texts("condolences"))
    assert outcome.state == "active"
    assert {r.op for r in targets.adapter.records} >= {"provision", "publish", "pin"}


def test_a_lost_answer_is_reconciled_not_posted_twice(tmp_path: Path) -> None:
    plan = plan_for("earthquake", "rome", root=REPO, region="Umbria", magnitude="6.1",
                    locales=["it"])  # fmt: skip
    targets = RecordingTargets()
    targets.adapter.fail_next = [TransientError("timeout", maybe_sent=True)]
    clock = FakeClock(plan.event.confirmed_at.timestamp())
    launch_for(plan, targets, ledger_path=tmp_path / "l.sqlite3", clock=clock)
    keys = [r.post.key for r in targets.adapter.published()]
    assert len(keys) == len(set(keys))


def test_fake_clock_moves_only_when_told() -> None:
    clock = FakeClock(100.0)
    assert clock() == 100.0
    clock.sleep(5)
    assert clock() == 105.0
