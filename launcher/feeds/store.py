"""The feeds' part of the ledger (schema v5): polling state, source events, proposals, and
the source each launch came from. The ledger is the truth here too: every event is recorded
once however many ids it had, every revision is kept, every decision is a committed row with
its audit event (written through the ledger's engine, so its redaction boundary holds)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update

from ..errors import LedgerError
from ..ledger import Ledger
from ..ledger.schema import (
    feed_state,
    launch_sources,
    posts,
    proposals,
    source_aliases,
    source_events,
    source_revisions,
)
from .base import SourceEvent


def dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, default=_plain)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set | tuple):
        return list(value)
    return str(value)


# -- polling state -----------------------------------------------------------------------------
def state_of(ledger: Ledger, key: str) -> dict[str, Any]:
    with ledger.engine.connect() as conn:
        row = conn.execute(select(feed_state).where(feed_state.c.source == key)).mappings().first()
    return dict(row) if row else {"source": key, "failures": 0}


def save_state(ledger: Ledger, key: str, **values: Any) -> None:
    with ledger.writer.begin() as conn:
        found = conn.execute(select(feed_state.c.source).where(feed_state.c.source == key)).first()
        if found:
            conn.execute(update(feed_state).where(feed_state.c.source == key).values(**values))
        else:
            conn.execute(feed_state.insert().values(source=key, **{"failures": 0, **values}))


def states(ledger: Ledger) -> list[dict[str, Any]]:
    with ledger.engine.connect() as conn:
        return [
            dict(r)
            for r in conn.execute(select(feed_state).order_by(feed_state.c.source)).mappings()
        ]


# -- source events -----------------------------------------------------------------------------
@dataclass(frozen=True)
class EventRow:
    id: int
    watcher: str
    key: str
    revision: str
    revision_at: float
    status: str
    title: str
    link: str | None
    data: dict[str, Any]
    first_seen: float
    updated_at: float
    handled: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> EventRow:
        m = dict(row)
        m["data"] = json.loads(m["data"] or "{}")
        return cls(**m)


def known(ledger: Ledger, alias: str) -> bool:
    with ledger.engine.connect() as conn:
        return (
            conn.execute(
                select(source_aliases.c.alias).where(source_aliases.c.alias == alias)
            ).first()
            is not None
        )


def known_aliases(ledger: Ledger, aliases: list[str]) -> set[str]:
    """Which of ``aliases`` the ledger knows, in a few queries (a feed of 1,000 entries)."""
    out: set[str] = set()
    with ledger.engine.connect() as conn:
        for i in range(0, len(aliases), 500):
            chunk = aliases[i : i + 500]
            q = select(source_aliases.c.alias).where(source_aliases.c.alias.in_(chunk))
            out.update(r[0] for r in conn.execute(q))
    return out


def record_event(
    ledger: Ledger, watcher: str, ev: SourceEvent, *, now: float, actor: str
) -> tuple[int, str | None]:
    """Record what a source says of an event: ``(event id, change)``; change is ``new``,
    ``update``, ``cancel``, or None when the ledger already had this revision (or a later one)
    and acted on it. Dedupe is on every alias: an event seen under a new id is the same event.
    A revision recorded but not yet acted on (:func:`mark_handled`) is returned again."""
    data = dumps({**ev.fields, "_countries": list(ev.countries), "_measured": ev.measured})
    with ledger.writer.begin() as conn:
        found = conn.execute(
            select(source_aliases.c.event_id).where(source_aliases.c.alias.in_(ev.aliases))
        ).all()
        ids = sorted({r[0] for r in found})
        if not ids:
            event_id = conn.execute(
                source_events.insert().values(
                    watcher=watcher,
                    key=ev.aliases[0],
                    revision=ev.revision,
                    revision_at=ev.revision_at,
                    status="cancelled" if ev.cancelled else "active",
                    title=ev.title,
                    link=ev.link,
                    data=data,
                    first_seen=now,
                    updated_at=now,
                )
            ).inserted_primary_key[0]
            change: str | None = "cancel" if ev.cancelled else "new"
        else:
            event_id = ids[0]
            row = conn.execute(select(source_events).where(source_events.c.id == event_id)).first()
            assert row is not None
            newer = ev.revision != row.revision and ev.revision_at >= row.revision_at
            change = None
            if not newer and row.handled != row.revision and ev.revision == row.revision:
                last = conn.execute(
                    select(source_revisions.c.change)
                    .where(source_revisions.c.event_id == event_id)
                    .order_by(source_revisions.c.id.desc())
                    .limit(1)
                ).scalar()
                return int(event_id), last or "new"
            if newer:
                change = "cancel" if ev.cancelled and row.status != "cancelled" else "update"
                conn.execute(
                    update(source_events)
                    .where(source_events.c.id == event_id)
                    .values(
                        revision=ev.revision,
                        revision_at=ev.revision_at,
                        status="cancelled" if ev.cancelled else row.status,
                        title=ev.title,
                        link=ev.link or row.link,
                        data=data,
                        updated_at=now,
                    )
                )
        have = {
            r[0]
            for r in conn.execute(
                select(source_aliases.c.alias).where(source_aliases.c.alias.in_(ev.aliases))
            )
        }
        new_aliases = [a for a in dict.fromkeys(ev.aliases) if a not in have]
        if new_aliases:
            conn.execute(
                source_aliases.insert(), [{"alias": a, "event_id": event_id} for a in new_aliases]
            )
        if change is not None:
            conn.execute(
                source_revisions.insert().values(
                    event_id=event_id,
                    revision=ev.revision,
                    revision_at=ev.revision_at,
                    change=change,
                    data=data,
                    seen_at=now,
                )
            )
            ledger._event(
                conn,
                at=now,
                actor=actor,
                action=f"source.{change}",
                event=event_id,
                source=watcher,
                ids=list(ev.aliases[:5]),
                revision=ev.revision,
                title=ev.title,
            )
    return int(event_id), change


def recent_events(ledger: Ledger, watcher: str, *, since: float) -> list[EventRow]:
    """A source's events still active and updated since ``since`` (evidence for a new
    proposal: an outage seen before the block was)."""
    q = (
        select(source_events)
        .where(
            and_(
                source_events.c.watcher == watcher,
                source_events.c.status == "active",
                source_events.c.updated_at >= since,
            )
        )
        .order_by(source_events.c.id)
    )
    with ledger.engine.connect() as conn:
        return [EventRow.from_row(r) for r in conn.execute(q).mappings()]


def mark_handled(ledger: Ledger, event_id: int, revision: str) -> None:
    with ledger.writer.begin() as conn:
        conn.execute(
            update(source_events).where(source_events.c.id == event_id).values(handled=revision)
        )


def event(ledger: Ledger, event_id: int) -> EventRow:
    with ledger.engine.connect() as conn:
        row = (
            conn.execute(select(source_events).where(source_events.c.id == event_id))
            .mappings()
            .first()
        )
    if row is None:
        raise LedgerError(f"no source event {event_id}")
    return EventRow.from_row(row)


def revisions(ledger: Ledger, event_id: int) -> list[dict[str, Any]]:
    with ledger.engine.connect() as conn:
        rows = conn.execute(
            select(source_revisions)
            .where(source_revisions.c.event_id == event_id)
            .order_by(source_revisions.c.id)
        ).mappings()
        return [dict(r) for r in rows]


def aliases_of(ledger: Ledger, event_id: int) -> list[str]:
    with ledger.engine.connect() as conn:
        q = select(source_aliases.c.alias).where(source_aliases.c.event_id == event_id)
        return sorted(r[0] for r in conn.execute(q))


# -- proposals -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProposalRecord:
    id: int
    kind: str
    state: str
    playbook: str
    mission: str
    trigger: str
    event_id: int
    revision: str
    facts: dict[str, Any]
    reasons: list[str]
    link: str | None
    plan: Any
    plan_hash: str | None
    problems: list[str]
    launch_id: str | None
    auto: bool
    created_at: float
    decided_at: float | None
    decided_by: str | None
    note: str | None

    @classmethod
    def from_row(cls, row: Any) -> ProposalRecord:
        m = dict(row)
        m["facts"] = json.loads(m["facts"] or "{}")
        m["reasons"] = json.loads(m["reasons"] or "[]")
        m["plan"] = json.loads(m["plan"]) if m["plan"] else None
        m["problems"] = json.loads(m["problems"]) if m["problems"] else []
        m["auto"] = bool(m["auto"])
        return cls(**m)

    @property
    def ref(self) -> str:
        return f"p{self.id}"


def add_proposal(ledger: Ledger, *, now: float, actor: str, **values: Any) -> ProposalRecord:
    row = dict(values)
    for key in ("facts", "reasons", "plan", "problems"):
        if key in row and row[key] is not None and not isinstance(row[key], str):
            row[key] = dumps(row[key])
    with ledger.writer.begin() as conn:
        pid = conn.execute(
            proposals.insert().values(**{"state": "open", **row}, created_at=now)
        ).inserted_primary_key[0]
        ledger._event(
            conn,
            at=now,
            actor=actor,
            action=f"proposal.{values['kind']}",
            launch_id=values.get("launch_id"),
            proposal=f"p{pid}",
            playbook=values["playbook"],
            mission=values["mission"],
            trigger=values["trigger"],
            event=values["event_id"],
            reasons=json.loads(row.get("reasons") or "[]"),
        )
    return proposal(ledger, int(pid))


def proposal(ledger: Ledger, ref: str | int) -> ProposalRecord:
    text = str(ref).strip().lower().removeprefix("p")
    if not text.isdigit():
        raise LedgerError(
            f"'{ref}' is not a proposal id", hint="proposal ids look like p12 (launcher proposals)"
        )
    with ledger.engine.connect() as conn:
        row = conn.execute(select(proposals).where(proposals.c.id == int(text))).mappings().first()
    if row is None:
        raise LedgerError(f"no proposal {ref}", hint="list them: launcher proposals --all")
    return ProposalRecord.from_row(row)


def list_proposals(
    ledger: Ledger, *, states: tuple[str, ...] | None = ("open",)
) -> list[ProposalRecord]:
    q = select(proposals).order_by(proposals.c.id)
    if states:
        q = q.where(proposals.c.state.in_(states))
    with ledger.engine.connect() as conn:
        return [ProposalRecord.from_row(r) for r in conn.execute(q).mappings()]


def proposals_for(
    ledger: Ledger, event_id: int, *, playbook: str | None = None, mission: str | None = None
) -> list[ProposalRecord]:
    q = select(proposals).where(proposals.c.event_id == event_id).order_by(proposals.c.id)
    if playbook is not None:
        q = q.where(proposals.c.playbook == playbook)
    if mission is not None:
        q = q.where(proposals.c.mission == mission)
    with ledger.engine.connect() as conn:
        return [ProposalRecord.from_row(r) for r in conn.execute(q).mappings()]


def proposals_of(ledger: Ledger, *, playbook: str, mission: str) -> list[ProposalRecord]:
    """Every proposal for a playbook and mission, from any event (corroboration)."""
    q = (
        select(proposals)
        .where(and_(proposals.c.playbook == playbook, proposals.c.mission == mission))
        .order_by(proposals.c.id)
    )
    with ledger.engine.connect() as conn:
        return [ProposalRecord.from_row(r) for r in conn.execute(q).mappings()]


def add_reasons(
    ledger: Ledger, pid: int, lines: list[str], *, actor: str, now: float, action: str
) -> bool:
    """Add lines to a proposal's reasons (evidence from another source), each once, in one
    transaction with the audit event. False when every line was there already."""
    with ledger.writer.begin() as conn:
        text = conn.execute(select(proposals.c.reasons).where(proposals.c.id == pid)).scalar()
        have = json.loads(text or "[]")
        new = [line for line in lines if line not in have]
        if not new:
            return False
        conn.execute(
            update(proposals).where(proposals.c.id == pid).values(reasons=dumps(have + new))
        )
        ledger._event(conn, at=now, actor=actor, action=action, proposal=f"p{pid}", added=new)
    return True


def decide(
    ledger: Ledger,
    pid: int,
    *,
    to: str,
    actor: str,
    now: float,
    note: str | None = None,
    launch_id: str | None = None,
    expect: tuple[str, ...] = ("open",),
    action: str | None = None,
) -> bool:
    """Move a proposal from one of ``expect`` to ``to`` atomically: False if someone else
    decided it first (two people accepting at once: one wins, nothing is done twice)."""
    values: dict[str, Any] = {"state": to, "decided_at": now, "decided_by": actor, "note": note}
    if launch_id is not None:
        values["launch_id"] = launch_id
    with ledger.writer.begin() as conn:
        done = conn.execute(
            update(proposals)
            .where(and_(proposals.c.id == pid, proposals.c.state.in_(expect)))
            .values(**values)
        ).rowcount
        if done:
            ledger._event(
                conn,
                at=now,
                actor=actor,
                action=action or f"proposal.{to}",
                launch_id=launch_id,
                proposal=f"p{pid}",
                note=note,
            )
    return bool(done)


# -- launches and their sources ------------------------------------------------------------------
def link_launch(
    ledger: Ledger,
    launch_id: str,
    *,
    event_id: int,
    playbook: str,
    trigger: str,
    revision: str,
    facts: dict[str, Any],
    proposal_id: int | None,
    now: float,
) -> None:
    with ledger.writer.begin() as conn:
        conn.execute(
            launch_sources.insert().values(
                launch_id=launch_id,
                event_id=event_id,
                playbook=playbook,
                trigger=trigger,
                revision=revision,
                facts=dumps(facts),
                proposal_id=proposal_id,
                updated_at=now,
            )
        )


def source_of(ledger: Ledger, launch_id: str) -> dict[str, Any] | None:
    with ledger.engine.connect() as conn:
        row = (
            conn.execute(select(launch_sources).where(launch_sources.c.launch_id == launch_id))
            .mappings()
            .first()
        )
    if row is None:
        return None
    return {**dict(row), "facts": json.loads(row["facts"] or "{}")}


def launches_of(ledger: Ledger, event_id: int) -> list[dict[str, Any]]:
    with ledger.engine.connect() as conn:
        rows = conn.execute(
            select(launch_sources).where(launch_sources.c.event_id == event_id)
        ).mappings()
        return [{**dict(r), "facts": json.loads(r["facts"] or "{}")} for r in rows]


def revise_launch(
    ledger: Ledger,
    launch_id: str,
    *,
    texts: dict[str, str],
    facts: dict[str, Any],
    typed_facts: dict[str, Any],
    revision: str,
    actor: str,
    now: float,
    detail: dict[str, Any],
) -> list[str]:
    """The launch's later posts take the revised facts: each post in ``texts`` whose text
    changed and that has never been tried (scheduled or halted, no attempt) gets its new text,
    in one transaction with the new facts and the audit event. A post claimed meanwhile keeps
    its text (the condition is in the UPDATE), so nothing is sent in two versions."""
    from ..ledger.schema import launches

    changed = []
    with ledger.writer.begin() as conn:
        for key, text in texts.items():
            n = conn.execute(
                update(posts)
                .where(
                    and_(
                        posts.c.launch_id == launch_id,
                        posts.c.key == key,
                        posts.c.state.in_(("scheduled", "halted")),
                        posts.c.attempts == 0,
                        posts.c.text != text,
                    )
                )
                .values(text=text, updated_at=now)
            ).rowcount
            if n:
                changed.append(key)
        conn.execute(
            update(launches)
            .where(launches.c.id == launch_id)
            .values(facts=dumps(typed_facts), updated_at=now)
        )
        conn.execute(
            update(launch_sources)
            .where(launch_sources.c.launch_id == launch_id)
            .values(revision=revision, facts=dumps(facts), updated_at=now)
        )
        ledger._event(
            conn,
            at=now,
            actor=actor,
            action="launch.facts-revised",
            launch_id=launch_id,
            revision=revision,
            posts_rewritten=len(changed),
            **detail,
        )
    return changed


def add_posts(
    ledger: Ledger, launch_id: str, rows: list[dict[str, Any]], *, actor: str, now: float, why: str
) -> int:
    """Add posts (a correction) to a launch, scheduled, in one transaction with the audit
    event. The (launch, key) uniqueness makes a second insert of the same post impossible."""
    with ledger.writer.begin() as conn:
        have = conn.execute(
            select(func.count())
            .select_from(posts)
            .where(and_(posts.c.launch_id == launch_id, posts.c.key.in_([r["key"] for r in rows])))
        ).scalar()
        if have:
            raise LedgerError(f"launch {launch_id} has these posts already: nothing added")
        conn.execute(
            posts.insert(),
            [
                {
                    **{k: v for k, v in r.items() if k != "prev_key"},
                    "launch_id": launch_id,
                    "state": "scheduled",
                    "attempts": 0,
                    "updated_at": now,
                }
                for r in rows
            ],
        )
        links = [(r["key"], r["prev_key"]) for r in rows if r.get("prev_key")]
        if links:  # thread parts: part n+1 waits for part n and replies to it
            ids = dict(
                conn.execute(
                    select(posts.c.key, posts.c.id).where(posts.c.launch_id == launch_id)
                ).all()
            )
            for key, prev in links:
                conn.execute(
                    update(posts).where(posts.c.id == ids[key]).values(reply_to_post_id=ids[prev])
                )
        ledger._event(
            conn,
            at=now,
            actor=actor,
            action="launch.posts-added",
            launch_id=launch_id,
            posts=len(rows),
            why=why,
        )
    return len(rows)


def set_note(ledger: Ledger, pid: int, note: str) -> None:
    with ledger.writer.begin() as conn:
        conn.execute(update(proposals).where(proposals.c.id == pid).values(note=note))


def plan_doc(ledger: Ledger, launch_id: str) -> dict[str, Any]:
    """The plan recorded with a launch (``launcher plan --json``'s document), or {}."""
    from ..ledger.schema import launches

    with ledger.engine.connect() as conn:
        text = conn.execute(select(launches.c.plan).where(launches.c.id == launch_id)).scalar()
    try:
        doc = json.loads(text) if text else {}
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}
