"""Proposals: what a watcher found, made into a complete launch for a person to decide on.

A launch proposal holds the whole plan rendered with the facts mapped from the source (so the
duty officer reviews what would go out, in every locale), why it matched (each condition, the
missions and distances, what was measured) and the source link. ``accept`` is ``launcher run``
with the proposal's facts, through the same rules: the plan is rendered again at the moment of
acceptance (the confirmation time), the settings are checked, content covered by a valid
approval with in-bounds facts goes out at once, anything else is recorded
``awaiting-approval`` for a second person; the same facts launched in the last 72 hours are
refused unless ``again``. ``auto: true`` on the trigger accepts by itself only what would go
out at once, and records it loudly; anything else stays a proposal, saying why.

Correction and halt proposals concern a launch made from a source that was revised or
cancelled (:mod:`.revisions`): accepting adds the correction posts (approved content only) or
halts the launch (optionally retracting it). Nothing is retracted automatically.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import ContentError, InputError, LauncherError, LedgerError, SettingsError
from ..models import Mission, Playbook
from . import store
from .context import Decision, FeedContext, approval_of
from .store import ProposalRecord

log = logging.getLogger("launcher.feeds")

REPEAT_HOURS = 72


def propose_launch(
    ctx: FeedContext,
    *,
    playbook: Playbook,
    mission: Mission,
    trigger: Any,
    event_id: int,
    event: Any,
    facts: dict[str, str],
    reasons: list[str],
) -> ProposalRecord:
    """Render the plan for the mapped facts and record the proposal (with the planning
    problems, if any, so a person sees the event even when the content cannot take it)."""
    from ..plan.build import build_plan
    from ..plan.fingerprint import plan_fingerprint

    said = list(reasons)
    if event.measured:
        said.append(event.measured)
    doc = digest = None
    problems: list[str] = []
    try:
        plan = build_plan(
            playbook.id, mission.id, facts, now=ctx.now(), content=ctx.content, lenient_bounds=True
        )
        digest, doc = plan_fingerprint(plan)
        decision = approval_of(ctx, plan)
        if decision.approved:
            said.append(
                f"on accept: goes out at once (approved by {'; '.join(decision.approvals)})"
            )
        else:
            said.append("on accept: waits for a second person: " + "; ".join(decision.reasons))
    except (ContentError, InputError) as exc:
        problems = [str(p) for p in getattr(exc, "problems", [exc])]
    return store.add_proposal(
        ctx.ledger,
        now=ctx.clock(),
        actor=ctx.actor,
        kind="launch",
        playbook=playbook.id,
        mission=mission.id,
        trigger=trigger.id,
        event_id=event_id,
        revision=event.revision,
        facts=facts,
        reasons=said,
        link=event.link,
        plan=doc,
        plan_hash=digest,
        problems=problems or None,
        auto=bool(trigger.auto),
    )


def auto_accept(ctx: FeedContext, proposal: ProposalRecord) -> Decision | None:
    """``auto: true``: launch by itself only what would go out at once (approved content,
    in-bounds facts, settings that serve it). Otherwise leave the proposal open and say why."""
    from ..plan.build import build_plan

    why: list[str] = list(proposal.problems)
    if not why:
        try:
            plan = build_plan(
                proposal.playbook,
                proposal.mission,
                proposal.facts,
                now=ctx.now(),
                content=ctx.content,
                lenient_bounds=True,
            )
            decision = approval_of(ctx, plan)
            why = list(decision.reasons)
        except (ContentError, InputError) as exc:
            why = [str(exc)]
    if not why:
        try:
            result = accept(ctx, proposal.ref, auto=True)
        except LauncherError as exc:
            why = [str(exc)]
        else:
            log.warning(
                "AUTO-LAUNCHED %s from proposal %s (%s for %s): approved content, facts in bounds",
                result.launch_id,
                proposal.ref,
                proposal.playbook,
                proposal.mission,
            )
            return result
    note = "auto: not launched: " + "; ".join(why)
    ctx.ledger.record_event(
        at=ctx.clock(),
        actor=ctx.actor,
        action="proposal.auto-refused",
        proposal=proposal.ref,
        reasons=why,
    )
    store.set_note(ctx.ledger, proposal.id, note)
    return None


def accept(
    ctx: FeedContext,
    ref: str,
    *,
    emergency_reason: str | None = None,
    again: bool = False,
    retract: bool = False,
    auto: bool = False,
) -> Decision:
    proposal = store.proposal(ctx.ledger, ref)
    if proposal.kind == "evidence":
        target = f"p{(proposal.plan or {}).get('evidence_for')}"
        raise LedgerError(
            f"proposal {proposal.ref} is {proposal.note}: it is decided with {target}",
            hint=f"launcher proposals {target}; accept or dismiss {target}",
        )
    if proposal.state != "open":
        raise LedgerError(
            f"proposal {proposal.ref} is {proposal.state}"
            + (f" by {proposal.decided_by}" if proposal.decided_by else "")
            + (f": {proposal.note}" if proposal.note else ""),
            hint="launcher proposals --all shows every proposal and what became of it",
        )
    if retract and proposal.kind != "halt":
        raise InputError("--retract goes with a halt proposal", field="--retract")
    if proposal.kind == "launch":
        return _accept_launch(ctx, proposal, emergency_reason, again, auto)
    from .revisions import accept_correction, accept_halt

    if proposal.kind == "correction":
        return accept_correction(ctx, proposal, emergency_reason)
    return accept_halt(ctx, proposal, retract)


def _accept_launch(
    ctx: FeedContext,
    p: ProposalRecord,
    emergency_reason: str | None,
    again: bool,
    auto: bool,
) -> Decision:
    from ..launch.lifecycle import new_launch_id, repeat_key, send_due, start_launch
    from ..plan.build import build_plan

    plan = build_plan(
        p.playbook, p.mission, p.facts, now=ctx.now(), content=ctx.content, lenient_bounds=True
    )
    platforms = sorted({x.platform for x in plan.posts} | {a.platform for a in plan.accounts})
    blocking, _others = ctx.settings.problems_for(platforms, plan.mission.id)
    if blocking:
        raise SettingsError(
            blocking,
            intro=f"the settings cannot serve this launch ({', '.join(platforms)} for"
            f" {plan.mission.id}); nothing was recorded",
            hint="fix the settings file (`launcher validate` checks it), then accept again",
        )
    decision = approval_of(ctx, plan)
    if emergency_reason and not plan.playbook.allow_emergency:
        raise InputError(
            f"playbook {plan.playbook.id} forbids emergency overrides", field="--emergency"
        )
    repeat = repeat_key(plan, p.facts)
    earlier = ctx.ledger.find_repeat(repeat, since=ctx.clock() - REPEAT_HOURS * 3600)
    if earlier is not None and not again:
        raise InputError(
            f"{plan.playbook.id} for {plan.mission.id} with these facts was launched already:"
            f" {earlier.id} ({earlier.state}, by {earlier.created_by})",
            field="accept",
            hint=f"see `launcher status {earlier.id}`; dismiss this proposal, or add --again",
        )
    launch_id = new_launch_id(plan.mission.id, plan.playbook.id, plan.event.confirmed_at)
    action = "proposal.auto-accepted" if auto else "proposal.accepted"
    if not store.decide(
        ctx.ledger,
        p.id,
        to="accepted",
        actor=ctx.actor,
        now=ctx.clock(),
        launch_id=launch_id,
        action=action,
        note="auto: true" if auto else None,
    ):
        raise LedgerError(f"proposal {p.ref} was decided meanwhile by someone else")
    try:
        outcome = start_launch(
            plan,
            ledger=ctx.ledger,
            targets=ctx.settings,
            actor=ctx.actor,
            clock=ctx.clock,
            send_now=False,
            launch_id=launch_id,
            hold=decision.reasons,
            emergency_reason=emergency_reason if decision.reasons else None,
            repeat=repeat,
        )
    except BaseException:
        store.decide(
            ctx.ledger,
            p.id,
            to="open",
            actor=ctx.actor,
            now=ctx.clock(),
            expect=("accepted",),
            action="proposal.reopened",
            note="the launch could not be recorded",
        )
        raise
    store.link_launch(
        ctx.ledger,
        launch_id,
        event_id=p.event_id,
        playbook=p.playbook,
        trigger=p.trigger,
        revision=p.revision,
        facts=p.facts,
        proposal_id=p.id,
        now=ctx.clock(),
    )
    if auto:
        ctx.ledger.record_event(
            at=ctx.clock(),
            actor=ctx.actor,
            action="launch.auto",
            launch_id=launch_id,
            proposal=p.ref,
            trigger=p.trigger,
            reasons=p.reasons,
        )
    if outcome.state != "awaiting-approval":
        send_due(ctx.ledger, ctx.settings, launch_id, actor=ctx.actor, clock=ctx.clock)
    from ..launch.lifecycle import outcome as launch_outcome

    result = launch_outcome(ctx.ledger, launch_id)
    return Decision(
        store.proposal(ctx.ledger, p.id),
        "awaiting-approval" if result.state == "awaiting-approval" else "launched",
        launch_id,
        {"reasons": decision.reasons, "approved_by": decision.approvals},
        result,
    )


def dismiss(ctx: FeedContext, ref: str, *, reason: str) -> Decision:
    if not reason or not reason.strip():
        raise InputError("a dismissal needs a reason", field="--reason", hint='--reason "..."')
    p = store.proposal(ctx.ledger, ref)
    if not store.decide(
        ctx.ledger, p.id, to="dismissed", actor=ctx.actor, now=ctx.clock(), note=reason.strip()
    ):
        raise LedgerError(f"proposal {p.ref} is {p.state}: only an open proposal can be dismissed")
    return Decision(store.proposal(ctx.ledger, p.id), "dismissed", p.launch_id)


def one_off_life(now: float) -> float:
    return (datetime.fromtimestamp(now, UTC) + timedelta(hours=24)).timestamp()
