"""The source-linked lifecycle: a launch follows the event it was made from.

A launch made from a proposal remembers its source event, the revision and the facts mapped
from it (``launch_sources``). When the source publishes a revision (a magnitude revised, a
PAGER level raised, a CAP ``Update``):

- the launch is planned again with the revised facts, at its own confirmation time, so every
  post keeps its key and its time;
- posts never tried (scheduled or halted, no attempt) take the new text, in one transaction
  that also records the new facts and the audit event, and only if the content is approved
  and the revised facts are within bounds (the rule a launch goes out by); a post a sender
  has claimed meanwhile keeps its text: nothing goes out in two versions. The ledger keeps
  both: the audit trail has the facts before and after;
- a sent post whose text would now differ stated a changed fact: a *correction* is proposed,
  rendered from the trigger's ``correction`` template for the accounts concerned; accepting
  adds those posts to the launch, due at once.

A CAP ``Cancel`` or a USGS ``status: deleted`` proposes halting the launch (and, on
``accept --retract``, retracting it). Nothing is halted or retracted automatically, and an
event that merely leaves its feed is no cancellation at all.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

from ..errors import InputError, LedgerError
from ..models import MessageSpec, Mission, Playbook, Schedule
from . import store
from .context import Decision, FeedContext, approval_of
from .match import mapped_facts

CORRECTION_LIFE = timedelta(hours=24)


def revise(
    ctx: FeedContext, link: dict[str, Any], watcher: Any, ev: Any, event_id: int
) -> list[str]:
    """Apply a source revision to one launch made from it; return what happened, in words."""
    from ..plan.build import build_plan

    ledger = ctx.ledger
    launch = ledger.resolve(link["launch_id"])
    playbook = _playbook(ctx, launch.playbook)
    trigger = next((t for t in playbook.triggers if t.id == link["trigger"]), None)
    if trigger is None:
        return [
            f"{launch.id}: trigger {link['trigger']} is no longer in {playbook.id}: not revised"
        ]
    old, new = dict(link["facts"]), mapped_facts(trigger, watcher, ev, playbook)
    changed = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
    if not changed:
        store.revise_launch(
            ledger,
            launch.id,
            texts={},
            facts=old,
            typed_facts=launch.facts,
            revision=ev.revision,
            actor=ctx.actor,
            now=ctx.clock(),
            detail={"changed": []},
        )
        return [f"{launch.id}: revision {ev.revision} changes none of its facts"]
    if launch.state in ("rejected", "retracted"):
        return [f"{launch.id} is {launch.state}: revision {ev.revision} not applied"]
    mission = ctx.content.registry.get(launch.mission)
    locales = store.plan_doc(ledger, launch.id).get("locales") or None
    plan = build_plan(
        playbook.id,
        mission.id,
        new,
        now=datetime.fromtimestamp(launch.confirmed_at, UTC),
        content=ctx.content,
        locales=locales,
        lenient_bounds=True,
    )
    decision = approval_of(ctx, plan)
    fresh = {p.key: p.text for p in plan.posts}
    current = ledger.posts(launch.id)
    parts = {(p.message, p.occurrence, p.platform, p.locale): p.parts for p in plan.posts}
    later, kept, stated = {}, [], []
    for post in current:
        if post.key not in fresh or fresh[post.key] == post.text:
            continue
        group = _group(post.key)
        if parts.get(group) != post.parts:
            kept.append(post.key)  # split differently now: left as it was, and said so
        elif post.state in ("scheduled", "halted") and post.attempts == 0:
            later[post.key] = fresh[post.key]
        elif post.state == "sent":
            stated.append(post)
        else:
            kept.append(post.key)  # tried already (retrying, sending): its text stays
    said = [f"{k}: {old.get(k, '-')} -> {new.get(k, '-')}" for k in changed]
    out = []
    if decision.approved:
        rewritten = store.revise_launch(
            ledger,
            launch.id,
            texts=later,
            facts=new,
            typed_facts=plan.event.facts,
            revision=ev.revision,
            actor=ctx.actor,
            now=ctx.clock(),
            detail={"changed": said, "before": old, "after": new, "kept": kept},
        )
        out.append(f"{launch.id}: {len(rewritten)} later post(s) rewritten ({'; '.join(said)})")
    else:
        out.append(
            f"{launch.id}: later posts keep the earlier facts ({'; '.join(decision.reasons)})"
        )
        store.add_proposal(
            ledger,
            now=ctx.clock(),
            actor=ctx.actor,
            kind="correction",
            playbook=playbook.id,
            mission=mission.id,
            trigger=trigger.id,
            event_id=event_id,
            revision=ev.revision,
            facts=new,
            reasons=[f"the source revised: {'; '.join(said)}"],
            link=ev.link,
            plan=None,
            plan_hash=None,
            launch_id=launch.id,
            problems=[
                "the revised facts cannot be published at once: "
                + "; ".join(decision.reasons)
                + ": halt this launch and run a new one (it waits for a second person)"
            ],
        )
    if stated:
        out.append(
            _propose_correction(
                ctx, launch, playbook, trigger, mission, old, new, said, stated, ev, event_id
            )
        )
    return out


def _group(key: str) -> tuple[str, int, str, str]:
    """``update#3/x/it#p2`` → (update, 3, x, it): a message occurrence on one account."""
    head, platform, rest = key.split("/", 2)
    message, _, occurrence = head.partition("#")
    return message, int(occurrence or 0), platform, rest.split("#", 1)[0]


def _playbook(ctx: FeedContext, playbook_id: str) -> Playbook:
    from ..content.playbook import load_playbook

    return load_playbook(ctx.root, playbook_id)


def correction_plan(
    content: Any,
    playbook: Playbook,
    trigger: Any,
    mission: Mission,
    facts: dict[str, Any],
    previous: dict[str, Any],
    revised: list[str],
    now: datetime,
    number: int,
    locales: Any = None,
) -> Any:
    """The correction posts, rendered like any message: every platform rule and guardrail
    applies. The template sees the revised facts as ``event`` (with ``event.previous``, the
    facts the launch stated before, and ``event.revised``, the names that changed)."""
    from ..plan.build import guard, plan_from

    spec = MessageSpec(
        id=f"correction-{number}",
        template=str(trigger.correction),
        schedule=Schedule(),
        thread=True,
        tone="neutral",
    )
    single = replace(playbook, messages=(spec,), triggers=())
    event_facts = {**facts, "previous": previous, "revised": revised}
    return guard(content, plan_from(content, single, mission, event_facts, now, locales=locales))


def example_correction(
    content: Any, playbook: Playbook, trigger: Any, mission: Mission, now: datetime
) -> Any:
    """``validate``: the correction rendered for a mission with example facts."""
    from ..content.params import example_value

    facts = {p.name: example_value(p, now) for p in playbook.parameters}
    revised = [f.param for f in trigger.facts]
    return correction_plan(content, playbook, trigger, mission, facts, facts, revised, now, 1)


def _propose_correction(
    ctx: FeedContext,
    launch: Any,
    playbook: Playbook,
    trigger: Any,
    mission: Mission,
    old: dict[str, str],
    new: dict[str, str],
    said: list[str],
    stated: list[Any],
    ev: Any,
    event_id: int,
) -> str:
    from ..content.params import resolve_facts

    accounts = sorted({(p.platform, p.locale) for p in stated})
    keys = [p.key for p in stated]
    number = 1 + sum(
        1
        for p in store.list_proposals(ctx.ledger, states=None)
        if p.kind == "correction" and p.launch_id == launch.id
    )
    reasons = [
        f"the source revised: {'; '.join(said)}",
        f"sent posts that stated it: {', '.join(keys[:8])}",
    ]
    rows: list[dict[str, Any]] = []
    problems: list[str] = []
    if not trigger.correction:
        problems.append(
            f"trigger {trigger.id} declares no correction template: post a correction by hand"
        )
    else:
        try:
            tz, now = mission.timezone, ctx.now()
            typed = resolve_facts(
                playbook.parameters, new, now=now, tz=tz, playbook_id=playbook.id, out_of_bounds=[]
            )
            before = resolve_facts(
                playbook.parameters, old, now=now, tz=tz, playbook_id=playbook.id, out_of_bounds=[]
            )
            plan = correction_plan(
                ctx.content,
                playbook,
                trigger,
                mission,
                typed,
                {k: before.get(k) for k in typed},
                [k for k in sorted(set(old) | set(new)) if old.get(k) != new.get(k)],
                now,
                number,
                locales=sorted({loc for _p, loc in accounts}),
            )
            from ..launch.lifecycle import plan_rows

            _accounts, rows = plan_rows(plan)
            rows = [
                r
                for r in rows
                if (r["platform"], r["locale"]) in accounts
                and r["message"] == f"correction-{number}"
            ]
        except Exception as exc:  # a template or rule problem: shown on the proposal
            problems.append(f"the correction cannot be rendered: {exc}")
    store.add_proposal(
        ctx.ledger,
        now=ctx.clock(),
        actor=ctx.actor,
        kind="correction",
        playbook=playbook.id,
        mission=mission.id,
        trigger=trigger.id,
        event_id=event_id,
        revision=ev.revision,
        facts=new,
        reasons=reasons,
        link=ev.link,
        plan={"posts": rows, "corrects": keys},
        plan_hash=None,
        launch_id=launch.id,
        problems=problems or None,
    )
    return f"{launch.id}: correction proposed for {len(accounts)} account(s)"


def propose_halt(
    ctx: FeedContext,
    link: dict[str, Any],
    ev: Any,
    event_id: int,
    *,
    reasons: list[str] | None = None,
) -> str | None:
    """A halt proposal for the launch (once per launch and event): the source withdrew the
    event, or (``reasons`` given) says it is over. Never a halt by itself."""
    launch = ctx.ledger.resolve(link["launch_id"])
    if launch.state not in ("active", "awaiting-approval"):
        return None
    if any(
        p.kind == "halt" and p.launch_id == launch.id
        for p in store.proposals_for(ctx.ledger, event_id)
    ):
        return None
    store.add_proposal(
        ctx.ledger,
        now=ctx.clock(),
        actor=ctx.actor,
        kind="halt",
        playbook=launch.playbook,
        mission=launch.mission,
        trigger=link["trigger"],
        event_id=event_id,
        revision=ev.revision,
        facts=link["facts"],
        reasons=reasons
        or [
            ev.note or "the source withdrew the event",
            "accept halts the launch; accept --retract also deletes what was posted",
        ],
        link=ev.link,
        plan=None,
        plan_hash=None,
        launch_id=launch.id,
    )
    return f"{launch.id}: halt proposed ({ev.note or 'withdrawn by the source'})"


def accept_correction(ctx: FeedContext, p: Any, emergency_reason: str | None) -> Decision:
    from ..approvals import decide
    from ..launch.lifecycle import send_due

    if p.problems:
        raise InputError(
            f"proposal {p.ref} cannot be accepted: " + "; ".join(p.problems), field="accept"
        )
    launch = ctx.ledger.resolve(p.launch_id)
    if launch.state != "active":
        raise LedgerError(
            f"launch {launch.id} is {launch.state}: a correction goes out on an active launch",
            hint=f"launcher resume {launch.id} first, or dismiss the proposal",
        )
    rows = list((p.plan or {}).get("posts") or [])
    locales = sorted({r["locale"] for r in rows})
    decision = decide(ctx.root, p.playbook, locales, ctx.now())
    if not decision.approved and not emergency_reason:
        raise InputError(
            "the correction is not covered by a valid approval: " + "; ".join(decision.reasons),
            field="accept",
            hint=f"approve the content (launcher approve content {p.playbook}), or accept"
            ' --emergency --reason "..."',
        )
    now = ctx.clock()
    for r in rows:
        r.update(due_at=now, expires_at=now + CORRECTION_LIFE.total_seconds())
    # the posts first: the (launch, key) uniqueness lets only one acceptor add them
    store.add_posts(
        ctx.ledger, launch.id, rows, actor=ctx.actor, now=now, why=f"correction {p.ref}"
    )
    store.decide(ctx.ledger, p.id, to="accepted", actor=ctx.actor, now=now, launch_id=launch.id)
    if emergency_reason and not decision.approved:
        ctx.ledger.record_event(
            at=now,
            actor=ctx.actor,
            action="launch.emergency-override",
            launch_id=launch.id,
            reason=emergency_reason,
            skipped=decision.reasons,
            proposal=p.ref,
        )
    send_due(ctx.ledger, ctx.settings, launch.id, actor=ctx.actor, clock=ctx.clock)
    return Decision(store.proposal(ctx.ledger, p.id), "corrected", launch.id, {"posts": len(rows)})


def accept_halt(ctx: FeedContext, p: Any, retract: bool) -> Decision:
    from ..launch.retract import retract_launch

    now = ctx.clock()
    if not store.decide(
        ctx.ledger, p.id, to="accepted", actor=ctx.actor, now=now, launch_id=p.launch_id
    ):
        raise LedgerError(f"proposal {p.ref} was decided meanwhile by someone else")
    counts = ctx.ledger.halt(p.launch_id, actor=ctx.actor, now=now)
    detail: dict[str, Any] = {"halted": counts}
    if retract:
        out = retract_launch(
            ctx.ledger, ctx.settings, p.launch_id, actor=ctx.actor, clock=ctx.clock
        )
        detail["retracted"] = out.as_dict()
    return Decision(store.proposal(ctx.ledger, p.id), "halted", p.launch_id, detail)
