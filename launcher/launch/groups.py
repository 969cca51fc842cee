"""Many missions in one command: one launch per mission, recorded together as a launch group,
sent together.

Each plan (one playbook, one mission each) is recorded as its own launch, exactly as a single
``run`` records one: its own approval decision (its locales may differ), its own repeat key,
its own crisis freeze, its own halt. The group only remembers which launches went together,
so ``halt --group`` can stop them all at once and ``status --group`` follow them. The active
launches are then worked by one dispatcher: every account of every mission in parallel, each
account's chain in order, each platform within its rate budget.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..ledger import Ledger
from ..models import Plan
from .dispatch import DispatchResult, Targets
from .lifecycle import LaunchOutcome, launch_fields, outcome, send_due


@dataclass(frozen=True)
class GroupItem:
    """One mission's plan, with what the launch decision said about it."""

    plan: Plan
    hold: Sequence[str] = ()  # why it must wait for a second person (empty: goes out)
    repeat: str | None = None
    emergency_reason: str | None = None
    recorded: tuple[str, str] | None = None  # recorded_plan(plan), if worked out already


@dataclass
class GroupOutcome:
    group_id: str
    launches: list[LaunchOutcome]
    sent_now: DispatchResult = field(default_factory=DispatchResult)

    def as_dict(self) -> dict[str, Any]:
        return {"group": self.group_id, "launches": [o.as_dict() for o in self.launches]}


def new_group_id(playbook: str, at: datetime) -> str:
    """``group-earthquake-20261123-0115-3fa9``."""
    return f"group-{playbook}-{at.astimezone(UTC).strftime('%Y%m%d-%H%M')}-{secrets.token_hex(2)}"


def start_group(
    items: Sequence[GroupItem],
    *,
    ledger: Ledger,
    targets: Targets,
    actor: str,
    selector: str,
    clock: Callable[[], float] = time.time,
    send_now: bool = True,
    **send: Any,
) -> GroupOutcome:
    """Record one launch per item and the group, then send what is due now across all of
    them at once. Every launch is recorded before any platform is called."""
    if not items:
        raise ValueError("a launch group needs at least one plan")
    first = items[0].plan
    group_id = new_group_id(first.playbook.id, first.event.confirmed_at)
    launches: list[dict[str, Any]] = []
    active: list[str] = []
    for item in items:
        held = () if item.emergency_reason else tuple(item.hold)
        launch = launch_fields(
            item.plan, actor=actor, now=clock(), hold=held, repeat=item.repeat,
            recorded=item.recorded,
        )  # fmt: skip
        if item.emergency_reason and item.hold:
            launch["emergency"] = {"reason": item.emergency_reason, "reasons_skipped": item.hold}
        launches.append(launch)
        if not held:
            active.append(launch["launch_id"])
    launch_ids = [str(launch["launch_id"]) for launch in launches]
    ledger.create_launch_group(
        group_id,
        launches,
        playbook=first.playbook.id,
        selector=selector,
        actor=actor,
        now=clock(),
    )
    result = DispatchResult()
    if send_now and active:
        send.setdefault("processes", None)  # a large group: shared between processes
        result = send_due(ledger, targets, active, actor=actor, clock=clock, **send)
    return GroupOutcome(group_id, [outcome(ledger, lid) for lid in launch_ids], result)


def group_progress(ledger: Ledger, launch_ids: Sequence[str]) -> Mapping[str, Mapping[str, int]]:
    """Launch -> post state -> count (for ``status --group`` and the progress display)."""
    return {s.launch.id: dict(s.counts) for s in ledger.summaries(launch_ids)}
