"""One decision for one crisis told by several sources, and a source that says it is over.

Two sources may report the same thing: OONI's measurements of x.com from Turkey cross the
threshold, and OONI's analysts publish a finding about the same block. They are two events
(other sources, other ids), but the duty officer wants one decision, and a second launch of
the same playbook for the same mission would tell the same people the same thing twice (the
72-hour repeat rule of ``launcher run`` would not catch it: the two sources date the block
differently). So an event that meets a trigger for a playbook and mission that already has a
*related* launch proposal (from another event; open, or accepted in the last 72 hours; with
the same facts apart from times, and at least one such fact) is attached to it as
**evidence** instead of becoming a second proposal: the proposal's reasons gain what the
second source says and its link (``launcher proposals P`` shows both), and a proposal row of
kind ``evidence``, state ``attached``, names the proposal it supports, so the second source's
later revisions reach the launch too. Facts that differ (an earthquake's magnitude from USGS
and from a CAP alert) keep the two proposals apart, as before. A trigger with ``evidence:
true`` (IODA's outages, which name no platform) never proposes: its events are attached the
same way, as *context*, to the playbook's proposals for the missions they concern, and to
those made within a day after.

A source that says its event **ended** (an OONI finding's ``end_time``) cancels nothing: the
block happened and the posts that said so were true. But the posts still to come (the daily
reminders that the platform is blocked) may no longer be, so the duty officer of every launch
made from the event, or that it supported, is told: a halt proposal saying so (accept halts
what is still to go out; dismiss keeps it), a warning in the watcher's log and an audit event
on the launch. Nothing is halted by itself. A launch proposal of the ended event still open
is withdrawn (the block is over before anyone decided); one it only supported is told. The
end of a context event (an outage over) is a line on the proposals it was shown with, no more:
the block may go on.
"""

from __future__ import annotations

import logging
from typing import Any

from ..models import Mission, Playbook
from . import store
from .context import FeedContext
from .proposals import REPEAT_HOURS
from .store import ProposalRecord

log = logging.getLogger("launcher.feeds")

ACTIVE = ("active", "awaiting-approval", "halted")


def related(
    ctx: FeedContext, playbook: Playbook, mission: Mission, facts: dict[str, str], event_id: int
) -> ProposalRecord | None:
    """The launch proposal of another event this one would repeat, if any (oldest first)."""
    since = ctx.clock() - REPEAT_HOURS * 3600
    for p in store.proposals_of(ctx.ledger, playbook=playbook.id, mission=mission.id):
        if p.kind != "launch" or p.event_id == event_id or not same_facts(playbook, p.facts, facts):
            continue
        if _live(ctx, p, since):
            return p
    return None


def _live(ctx: FeedContext, p: ProposalRecord, since: float) -> bool:
    """A launch proposal still in play: open, or accepted since ``since`` with its launch
    still going."""
    if p.state == "open":
        return True
    recent = p.state == "accepted" and p.launch_id and (p.decided_at or 0) >= since
    return bool(recent and ctx.ledger.resolve(str(p.launch_id)).state in ACTIVE)


def same_facts(playbook: Playbook, a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal on every fact that is not a time, and on at least one (a playbook whose facts
    are all times cannot tell two events apart: they are never taken for one)."""
    kinds = {p.name: p.type for p in playbook.parameters}
    names = [k for k in sorted(set(a) | set(b)) if kinds.get(k) != "datetime"]
    return bool(names) and all(
        str(a.get(k, "")).strip().lower() == str(b.get(k, "")).strip().lower() for k in names
    )


def open_targets(ctx: FeedContext, playbook: str, mission: str) -> list[ProposalRecord]:
    """The launch proposals an evidence trigger's event is shown with: open, or accepted in
    the repeat window with the launch still going."""
    since = ctx.clock() - REPEAT_HOURS * 3600
    return [
        p
        for p in store.proposals_of(ctx.ledger, playbook=playbook, mission=mission)
        if p.kind == "launch" and _live(ctx, p, since)
    ]


def support(
    ctx: FeedContext,
    playbook: Playbook,
    trigger: Any,
    watcher: str,
    ev: Any,
    event_id: int,
    concerned: list[tuple[Mission, str]],
) -> list[str]:
    """An evidence trigger's event (``evidence: true``), shown with the playbook's proposals
    for the missions it concerns, each once; it proposes nothing by itself."""
    out = []
    for mission, why in concerned:
        have = {
            (p.plan or {}).get("evidence_for")
            for p in store.proposals_for(
                ctx.ledger, event_id, playbook=playbook.id, mission=mission.id
            )
            if p.kind == "evidence"
        }
        for target in open_targets(ctx, playbook.id, mission.id):
            if target.id in have:
                continue
            row = attach(
                ctx,
                target,
                watcher=watcher,
                trigger=trigger,
                event_id=event_id,
                event=ev,
                facts={},
                reasons=[f"{ev.title} ({watcher}, revision {ev.revision})", why],
                context=True,
            )
            out.append(f"{row.ref}: {ev.title}: shown with {target.ref}")
    return out


def backfill(ctx: FeedContext, playbook: Playbook, mission: Mission) -> list[str]:
    """A new proposal gets what its playbook's evidence triggers already saw for the mission
    in the last 24 hours and is still going (an outage recorded before the block was)."""
    from . import registry
    from .base import SourceEvent
    from .match import conditions_met, missions_concerned

    out = []
    for trigger in (t for t in playbook.triggers if t.evidence):
        watcher = registry.resolve(trigger.source)
        for row in store.recent_events(ctx.ledger, watcher.name, since=ctx.clock() - 86400):
            data = dict(row.data)
            ev = SourceEvent(
                aliases=(row.key,),
                revision=row.revision,
                revision_at=row.revision_at,
                title=row.title,
                fields={k: v for k, v in data.items() if not k.startswith("_")},
                link=row.link,
                countries=tuple(data.get("_countries") or ()),
                measured=str(data.get("_measured") or ""),
            )
            if data.get("ongoing") is False or not conditions_met(trigger, watcher, ev)[0]:
                continue
            concerned = missions_concerned(trigger, ev, [mission])
            if concerned:
                out += support(ctx, playbook, trigger, watcher.name, ev, row.id, concerned)
    return out


def attach(
    ctx: FeedContext,
    target: ProposalRecord,
    *,
    watcher: str,
    trigger: Any,
    event_id: int,
    event: Any,
    facts: dict[str, str],
    reasons: list[str],
    context: bool = False,
) -> ProposalRecord:
    """Record the event as evidence for ``target`` and add what it says to its reasons
    (``context``: an evidence trigger's event, which supports without repeating it)."""
    said = f"{'context from' if context else 'also reported by'} {watcher}: {event.title}" + (
        f" ({event.link})" if event.link else ""
    )
    lines = [said] + ([event.measured] if event.measured else [])
    store.add_reasons(
        ctx.ledger,
        target.id,
        lines,
        actor=ctx.actor,
        now=ctx.clock(),
        action="proposal.corroborated",
    )
    row = store.add_proposal(
        ctx.ledger,
        now=ctx.clock(),
        actor=ctx.actor,
        kind="evidence",
        state="attached",
        playbook=target.playbook,
        mission=target.mission,
        trigger=trigger.id,
        event_id=event_id,
        revision=event.revision,
        facts=facts,
        reasons=[*reasons, *lines[1:]],
        link=event.link,
        plan={"evidence_for": target.id, "context": context},
        plan_hash=None,
        launch_id=target.launch_id,
        problems=None,
        note=f"{'context' if context else 'evidence'} for {target.ref}"
        + (f" (launch {target.launch_id})" if target.launch_id else ""),
    )
    if target.launch_id:
        ctx.ledger.record_event(
            at=ctx.clock(),
            actor=ctx.actor,
            action="launch.corroborated",
            launch_id=target.launch_id,
            proposal=row.ref,
            source=watcher,
            title=event.title,
            link=event.link,
        )
    return row


def source_ended(
    ctx: FeedContext, ev: Any, event_id: int, links: list[dict[str, Any]]
) -> list[str]:
    """Tell the duty officer that the source says the event is over; return what was done."""
    from .revisions import propose_halt

    ledger, out = ctx.ledger, []
    note = ev.note or "the source says the event is over"
    targets = {link["launch_id"]: link for link in links}
    for p in store.proposals_for(ledger, event_id):
        if p.kind == "launch" and p.state == "open":
            if store.decide(
                ledger,
                p.id,
                to="withdrawn",
                actor=ctx.actor,
                now=ctx.clock(),
                note=f"{note}: over before anyone decided",
            ):
                out.append(f"{p.ref} withdrawn: {note}")
        elif p.kind == "evidence":
            target = store.proposal(ledger, int((p.plan or {}).get("evidence_for") or 0))
            if (p.plan or {}).get("context"):  # an outage over is no block over: a line only
                if target.state in ("open", "accepted") and store.add_reasons(
                    ledger,
                    target.id,
                    [f"update: {note}"],
                    actor=ctx.actor,
                    now=ctx.clock(),
                    action="proposal.source-ended",
                ):
                    out.append(f"{target.ref} told: {note}")
            elif target.state == "open":
                if store.add_reasons(
                    ledger,
                    target.id,
                    [f"update: {note}"],
                    actor=ctx.actor,
                    now=ctx.clock(),
                    action="proposal.source-ended",
                ):
                    out.append(f"{target.ref} told: {note}")
            elif target.state == "accepted" and target.launch_id:
                targets.setdefault(
                    target.launch_id,
                    {"launch_id": target.launch_id, "trigger": p.trigger, "facts": target.facts},
                )
    reasons = [
        note,
        "the posts still to come may say the block goes on: accept halts them"
        " (accept --retract also deletes what was posted); dismiss keeps them",
    ]
    for launch_id, link in sorted(targets.items()):
        launch = ledger.resolve(launch_id)
        if any(
            e.action == "launch.source-ended" and e.detail.get("event") == event_id
            for e in ledger.events(launch_id)
        ):
            continue  # told once per launch and event
        ledger.record_event(
            at=ctx.clock(),
            actor=ctx.actor,
            action="launch.source-ended",
            launch_id=launch_id,
            event=event_id,
            note=note,
            link=ev.link,
        )
        said = propose_halt(ctx, link, ev, event_id, reasons=reasons)
        log.warning("launch %s: %s (%s)", launch_id, note, said or f"the launch is {launch.state}")
        out.append(
            f"{launch_id}: {note}: halt proposed (the duty officer decides)"
            if said
            else f"{launch_id}: {note} (the launch is {launch.state}: nothing to halt)"
        )
    return out
