"""The ``run`` use-case: plan → ledger → set up accounts → send what is due now → the rest waits.

Library code: no printing, no prompting. The CLI shows the plan, asks, then calls
:func:`start_launch`. A launch is recorded in its final state in one transaction: ``active``
(a crisis launch freezing its mission's routine launches in the same breath) or, when its
content is not covered by a valid approval, ``awaiting-approval``: then nothing reaches a
platform, no account, no profile, no post, until a second person approves it. An active
launch's accounts and due posts are then worked by this process through the same claims the
daemon uses, so a ``run`` killed at any point strands nothing: the daemon takes over.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..errors import LauncherError
from ..ledger import AccountRecord, Ledger, PostRecord, overall_state, ts
from ..models import Plan
from ..plan.fingerprint import recorded_plan
from .dispatch import (
    RESEND_SAFE,
    Dispatcher,
    DispatchResult,
    Targets,
    new_worker_id,
)
from .retry import Backoff, RetryPolicy

#: how long ``run`` itself rides out a platform blip before leaving the post to the daemon
RUN_WAIT = 30.0
#: platform calls ``run`` makes at once (accounts in parallel, each account's posts in
#: order); the rate budget of each platform decides how fast each one is talked to
RUN_WORKERS = 256


@dataclass
class LaunchOutcome:
    launch_id: str
    state: str
    posts: list[PostRecord]
    accounts: list[AccountRecord]
    sent_now: DispatchResult = field(default_factory=DispatchResult)

    def as_dict(self) -> dict[str, Any]:
        return {
            "launch": self.launch_id,
            "state": self.state,
            "accounts": [a.as_status() for a in self.accounts],
            "posts": [p.as_status() for p in self.posts],
        }


def new_launch_id(mission: str, playbook: str, at: datetime) -> str:
    """``rome-earthquake-20261123-0115-3fa9``: readable, sortable, unique enough to type."""
    stamp = at.astimezone(UTC).strftime("%Y%m%d-%H%M")
    return f"{mission}-{playbook}-{stamp}-{secrets.token_hex(2)}"


def repeat_key(plan: Plan, given: Mapping[str, Any]) -> str:
    """Playbook + mission + the facts the operator gave (typed): the same launch run twice
    has the same key, whatever defaulted to "now"."""
    facts = {k: plan.event.facts.get(k) for k in sorted(given)}
    text = json.dumps(
        [plan.playbook.id, plan.mission.id, facts], sort_keys=True, default=str, ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def plan_rows(plan: Plan) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The ledger rows of a plan: accounts (with the profile to set) and posts (with
    ``prev_key`` for threads and ``expires_at``)."""
    accounts = [
        {
            "platform": a.platform,
            "locale": a.locale,
            "handle": a.handle,
            "display_name": a.display_name,
            "bio": a.bio,
            "links": [list(link) for link in a.links],
        }
        for a in plan.accounts
    ]
    previous: dict[tuple[str, int, str, str], str] = {}
    posts = []
    # the plan's own order (time, then the playbook's message order, the intro first): the
    # ledger's ids follow it, and posts due together are sent in that order
    for p in sorted(plan.posts, key=lambda p: p.at):
        group = (p.message, p.occurrence, p.platform, p.locale)
        prev = previous.get(group) if p.part > 1 else None
        previous[group] = p.key
        posts.append(
            {
                "key": p.key,
                "message": p.message,
                "platform": p.platform,
                "locale": p.locale,
                "text": p.text,
                "due_at": ts(p.at),
                "expires_at": ts(p.expires_at) if p.expires_at else None,
                "part": p.part,
                "parts": p.parts,
                "pin": p.pin,
                "prev_key": prev,
            }
        )
    return accounts, posts


def record_launch(ledger: Ledger, plan: Plan, **fields: Any) -> str:
    """Record a plan as a launch: ``active``, or ``awaiting-approval`` with ``hold``'s
    reasons (``fields``: :func:`launch_fields`'). A crisis launch that is active at once
    freezes its mission's routine ones."""
    launch = launch_fields(plan, **fields)
    ledger.create_launch(**launch)
    return str(launch["launch_id"])


def launch_fields(
    plan: Plan,
    *,
    actor: str,
    now: float,
    launch_id: str | None = None,
    hold: Sequence[str] = (),
    repeat: str | None = None,
    recorded: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """What the ledger records of a plan as a launch (:meth:`Ledger.create_launch`'s fields),
    for :func:`record_launch` and for a launch group recorded in one transaction.
    ``recorded``: :func:`recorded_plan` of ``plan``, if it was worked out already."""
    launch_id = launch_id or new_launch_id(
        plan.mission.id, plan.playbook.id, plan.event.confirmed_at
    )
    accounts, posts = plan_rows(plan)
    digest, doc = recorded or recorded_plan(plan)
    return dict(
        launch_id=launch_id,
        playbook=plan.playbook.id,
        mission=plan.mission.id,
        facts=plan.event.facts,
        actor=actor,
        now=now,
        confirmed_at=ts(plan.event.confirmed_at),
        plan_hash=digest,
        plan_doc=doc,
        account_rows=accounts,
        post_rows=posts,
        state="awaiting-approval" if hold else "active",
        timezone=plan.mission.timezone,
        kind="crisis" if plan.playbook.crisis else "routine",
        note=hold,
        repeat_key=repeat,
    )


def record_posts(
    ledger: Ledger,
    launch_id: str,
    posts: Sequence[Mapping[str, Any]],
    *,
    mission: str = "test",
    playbook: str = "test",
    actor: str = "test",
    now: float | None = None,
    accounts: Sequence[Mapping[str, Any]] = (),
    state: str = "active",
) -> str:
    """Record a launch from explicit post rows (``key``, ``due_at`` required; ``platform``,
    ``locale``, ``text``, ``message``, ``part``/``parts``/``prev_key``, ``pin`` optional),
    in ``state`` (``awaiting-approval``: held for a second person).
    For tests, benchmarks and drills that do not go through a playbook."""
    now = time.time() if now is None else now
    rows = []
    for p in posts:
        row = {
            "message": "msg",
            "platform": "sandbox",
            "locale": "en",
            "part": 1,
            "parts": 1,
            "pin": False,
            "prev_key": None,
            **p,
        }
        row.setdefault("text", f"post {row['key']}")
        rows.append(row)
    ledger.create_launch(
        launch_id=launch_id,
        playbook=playbook,
        mission=mission,
        facts={},
        actor=actor,
        now=now,
        confirmed_at=now,
        plan_hash="-",
        plan_doc=None,
        account_rows=list(accounts),
        post_rows=rows,
        state=state,
    )
    return launch_id


def start_launch(
    plan: Plan,
    *,
    ledger: Ledger,
    targets: Targets,
    actor: str,
    clock: Callable[[], float] = time.time,
    policy: RetryPolicy | None = None,
    backoff: Backoff | None = None,
    sleep: Callable[[float], None] = time.sleep,
    send_now: bool = True,
    launch_id: str | None = None,
    hold: Sequence[str] = (),
    emergency_reason: str | None = None,
    repeat: str | None = None,
) -> LaunchOutcome:
    """Record the launch, set up its accounts, and send what is due now.

    ``hold``: reasons the launch must wait for a second person (content not covered by a
    valid approval). It is then recorded as ``awaiting-approval`` and nothing reaches a
    platform until someone else approves it. ``emergency_reason``: go anyway, as a loudly
    recorded emergency override (the hold reasons go to the audit trail). ``repeat``: the
    launch's :func:`repeat_key`.
    """
    held = () if emergency_reason else tuple(hold)
    launch_id = record_launch(
        ledger, plan, actor=actor, now=clock(), launch_id=launch_id, hold=held, repeat=repeat
    )
    if emergency_reason:
        ledger.mark_emergency(
            launch_id, actor=actor, now=clock(), reason=emergency_reason, reasons_skipped=hold
        )
    if held:
        return outcome(ledger, launch_id)
    result = DispatchResult()
    if send_now:
        result = send_due(
            ledger,
            targets,
            launch_id,
            actor=actor,
            clock=clock,
            policy=policy,
            backoff=backoff,
            sleep=sleep,
        )
    return outcome(ledger, launch_id, result)


def send_due(
    ledger: Ledger,
    targets: Targets,
    launch_id: str | Sequence[str],
    *,
    actor: str,
    clock: Callable[[], float] = time.time,
    policy: RetryPolicy | None = None,
    backoff: Backoff | None = None,
    sleep: Callable[[float], None] = time.sleep,
    wait_up_to: float = RUN_WAIT,
    workers: int = RUN_WORKERS,
    processes: int | None = 1,
) -> DispatchResult:
    """Set up a launch's accounts and send its posts that are due now, from this process
    (run, approve launch, retry); ride out faults shorter than ``wait_up_to`` seconds.
    ``launch_id`` may be several launches (a group: one run for several missions), worked
    together: every account of every mission in parallel. ``processes``: how many processes
    may share a large launch, a share of the platforms each (:mod:`.shards`; None: one per
    CPU; 1: this process alone)."""

    def send(led: Ledger, platforms: frozenset[str] | None, shares: int = 1) -> DispatchResult:
        dispatcher = Dispatcher(
            led,
            targets,
            actor=actor,
            worker=new_worker_id("run"),  # in the process that sends: its pid tells it alive
            policy=policy,
            backoff=backoff,
            clock=clock,
            sleep=None if sleep is time.sleep else sleep,
            workers=max(1, workers // shares),  # the same concurrency over all the processes
            batch=max(50, workers // shares),
            platforms=platforms,
        )
        try:
            return dispatcher.run_due(launch_id=launch_id, wait_up_to=wait_up_to)
        finally:
            dispatcher.close()

    if processes == 1:
        return send(ledger, None)
    from .shards import PlatformCost, send_in_shares

    ids = [launch_id] if isinstance(launch_id, str) else list(launch_id)
    mission = ledger.resolve(ids[0]).mission if ids else ""

    def costs(platform: str) -> PlatformCost:
        try:
            caps = targets.adapter_for(platform, mission).capabilities
        except LauncherError:  # not configured: its posts will say so; weigh it as any
            return PlatformCost()
        return PlatformCost(caps.setup_requests, caps.idempotency in RESEND_SAFE)

    return send_in_shares(ledger, ids, send, now=clock(), processes=processes, costs=costs)


def outcome(ledger: Ledger, launch_id: str, result: DispatchResult | None = None) -> LaunchOutcome:
    launch = ledger.resolve(launch_id)
    posts = ledger.posts(launch.id)
    counts: dict[str, int] = {}
    for p in posts:
        counts[p.state] = counts.get(p.state, 0) + 1
    return LaunchOutcome(
        launch.id,
        overall_state(launch.state, counts),
        posts,
        ledger.accounts(launch.id),
        result or DispatchResult(),
    )
