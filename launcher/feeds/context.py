"""What watching and deciding share: the context of one pass or one command, the outcome of
a decision, and the rule a launch goes out at once by (the same as ``launcher run``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..ledger import Ledger
from .store import ProposalRecord


@dataclass
class FeedContext:
    """What watching and deciding need: content, settings (the platforms), the ledger, who
    acts and the clock (a drill's ``--now``, or the real time)."""

    root: Path
    content: Any  # launcher.plan.build.Content
    settings: Any  # launcher.settings.Settings (Targets)
    ledger: Ledger
    actor: str
    clock: Callable[[], float]

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)


@dataclass
class Decision:
    proposal: ProposalRecord
    action: str  # launched | awaiting-approval | corrected | halted | dismissed
    launch_id: str | None = None
    detail: dict[str, Any] = field(default_factory=dict)
    outcome: Any = None  # LaunchOutcome of a launch


def approval_of(ctx: FeedContext, plan: Any) -> Any:
    """The run rule: every locale covered by a valid approval, every fact in its bounds."""
    from ..approvals import decide

    decision = decide(ctx.root, plan.playbook.id, plan.locales, ctx.now())
    if plan.out_of_bounds:
        decision.reasons.extend(plan.out_of_bounds)
        decision.approved = False
    return decision
