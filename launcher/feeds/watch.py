"""One watcher pass, and the loop ``launcher watch`` runs.

A pass: every document the playbooks' triggers need (:func:`sources`), each polled when it is
due (its interval, or its backoff after failures); a changed document is read into events;
each event is recorded once (:func:`~.store.record_event`) and acted on: a new event, or a
revision that now meets a trigger, becomes a launch proposal for each mission it concerns
(once per event, playbook and mission); a revision of an event a launch was made from revises
that launch (:mod:`.revisions`); a cancellation proposes its halt and withdraws the open
proposals. The document's ETag is stored only once its events are acted on, so a crash in
between reads it again (acting is idempotent: the ledger knows what it already did).

An item of a document that cannot be read (a USGS feature with a time of ``"yesterday"``, a
CAP message that is missing or lacks its sender) is skipped and named, by the document's URL
and the feature's id or by the message's own URL: the other items are acted on, the document
counts as read (its backoff does not grow), and its next poll reads it in full again.

``launcher watch`` runs beside ``launcher daemon``, as its own process: a source that hangs
until its timeout never delays a post, and the daemon stays the only thing that sends.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..content.playbook import load_playbook, playbook_ids
from ..content.triggers import Trigger
from ..errors import FeedError, LauncherError
from ..models import Playbook
from . import evidence, registry, store
from .base import Fetch, ReadContext, Watcher
from .context import FeedContext
from .match import conditions_met, mapped_facts, missions_concerned
from .poll import Poller, backoff
from .proposals import auto_accept, propose_launch

log = logging.getLogger("launcher.feeds")


@dataclass
class Source:
    """One document to poll, and the triggers that read it."""

    watcher: Watcher
    fetch: Fetch
    triggers: list[tuple[Playbook, Trigger]] = field(default_factory=list)


@dataclass
class PassReport:
    polled: int = 0
    unchanged: int = 0
    skipped: int = 0  # not due yet
    failed: list[str] = field(default_factory=list)
    #: items of documents read that could not be read themselves (a feature, a CAP message)
    unreadable: list[str] = field(default_factory=list)
    events: int = 0
    proposals: list[str] = field(default_factory=list)
    auto: list[str] = field(default_factory=list)
    revised: list[str] = field(default_factory=list)
    halts: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        out = [
            f"polled {self.polled} document(s): {self.unchanged} unchanged, "
            f"{len(self.failed)} failed, {self.skipped} not due; {self.events} event(s) changed"
        ]
        out += [f"  proposal {p}" for p in self.proposals]
        out += [f"  AUTO-LAUNCHED {a}" for a in self.auto]
        out += [f"  evidence {e}" for e in self.evidence]
        out += [f"  revised {r}" for r in self.revised]
        out += [f"  {h}" for h in self.halts]
        out += [f"  failed {f} (nothing cancelled; tried again later)" for f in self.failed]
        out += [
            f"  skipped {u} (the rest was read; tried again at the next poll)"
            for u in self.unreadable
        ]
        return out


def sources(ctx: FeedContext) -> list[Source]:
    """Every document the playbooks' triggers read, each once."""
    by_key: dict[str, Source] = {}
    missions = list(ctx.content.registry.missions.values())
    for pid in playbook_ids(ctx.root):
        playbook = load_playbook(ctx.root, pid)
        for trigger in playbook.triggers:
            cls = registry.resolve(trigger.source)
            wanted = [
                m
                for m in missions
                if (not trigger.missions or m.id in trigger.missions)
                and (not trigger.countries or m.country in trigger.countries)
            ]
            watcher = cls()
            for fetch in watcher.fetches(trigger.options, wanted):
                src = by_key.setdefault(fetch.key, Source(watcher, fetch))
                src.triggers.append((playbook, trigger))
    return list(by_key.values())


def watch_pass(
    ctx: FeedContext, *, poller: Poller | None = None, force: bool = False
) -> PassReport:
    """Poll what is due (everything with ``force``) and act on what changed."""
    report = PassReport()
    own = poller is None
    poller = poller or Poller()
    try:
        for src in sources(ctx):
            _poll_one(ctx, src, poller, report, force)
    finally:
        if own:
            poller.close()
    return report


def _poll_one(
    ctx: FeedContext, src: Source, poller: Poller, report: PassReport, force: bool
) -> None:
    fetch, ledger, now = src.fetch, ctx.ledger, ctx.clock()
    state = store.state_of(ledger, fetch.key)
    if not force and state.get("next_at") and state["next_at"] > now:
        report.skipped += 1
        return
    report.polled += 1
    query = getattr(src.watcher, "query", None)
    params = query(fetch, ctx.now()) if callable(query) else None
    try:
        answer = poller.poll(
            fetch,
            params=params,
            etag=state.get("etag"),
            last_modified=state.get("last_modified"),
            timeout=src.watcher.timeout,
        )
        if not answer.changed:
            report.unchanged += 1
            store.save_state(
                ledger,
                fetch.key,
                checked_at=now,
                ok_at=now,
                failures=0,
                next_at=now + fetch.poll,
                error=None,
            )
            return
        assert answer.body is not None
        rctx = ReadContext(
            get=lambda url: poller.get(url, timeout=src.watcher.timeout),
            known=lambda alias: store.known(ledger, alias),
            now=ctx.now(),
        )
        events = src.watcher.parse(answer.body, fetch, rctx)
    except FeedError as exc:
        failures = int(state.get("failures") or 0) + 1
        wait = backoff(fetch.poll, failures, getattr(exc, "retry_after", None))
        store.save_state(
            ledger, fetch.key, checked_at=now, failures=failures, next_at=now + wait, error=str(exc)
        )
        report.failed.append(f"{fetch.key}: {exc.message} (next try in {wait:.0f} s)")
        log.warning("feed %s failed (%d in a row): %s", fetch.key, failures, exc.message)
        return
    for bad in rctx.skipped:  # the document was read: only these items are left out
        said = str(bad) if bad.source == fetch.url else f"{bad} (an entry of {fetch.url})"
        report.unreadable.append(said)
        log.warning("feed %s: skipped %s", fetch.key, said)
    known = store.known_aliases(ledger, [a for ev in events for a in ev.aliases])
    missions = list(ctx.content.registry.missions.values())
    for ev in events:
        try:
            if known.isdisjoint(ev.aliases) and not _may_match(src, ev, missions):
                continue  # neither known nor of interest: a feed's 1,000 other quakes
            _act(ctx, src, ev, report)
        except LauncherError as exc:  # one event's trouble never stops the others
            report.failed.append(f"{fetch.key}: event {ev.aliases[0]}: {exc}")
            log.warning("event %s of %s: %s", ev.aliases[0], fetch.key, exc)
    # with an item left out, the next poll asks without validators and reads the whole
    # document again: a 304 would otherwise hide a CAP message that was missing (a feed
    # published before its message) until the feed changed. Its interval stays the same.
    whole = not rctx.skipped
    store.save_state(
        ledger,
        fetch.key,
        etag=answer.etag if whole else None,
        last_modified=answer.last_modified if whole else None,
        checked_at=now,
        ok_at=now,
        failures=0,
        next_at=now + fetch.poll,
        error=None,
    )


def _may_match(src: Source, ev: Any, missions: list[Any]) -> bool:
    watcher = type(src.watcher)
    return any(
        conditions_met(trigger, watcher, ev)[0] and missions_concerned(trigger, ev, missions)
        for _playbook, trigger in src.triggers
    )


def _act(ctx: FeedContext, src: Source, ev: Any, report: PassReport) -> None:
    from .revisions import propose_halt, revise

    ledger = ctx.ledger
    watcher = type(src.watcher)
    event_id, change = store.record_event(
        ledger, watcher.name, ev, now=ctx.clock(), actor=ctx.actor
    )
    if change is None:
        return
    report.events += 1
    links = store.launches_of(ledger, event_id)
    if change == "cancel":
        for link in links:
            said = propose_halt(ctx, link, ev, event_id)
            if said:
                report.halts.append(said)
        for p in store.proposals_for(ledger, event_id):
            if p.state == "open" and p.kind == "launch":
                store.decide(
                    ledger,
                    p.id,
                    to="withdrawn",
                    actor=ctx.actor,
                    now=ctx.clock(),
                    note=ev.note or "the source withdrew the event",
                )
        store.mark_handled(ledger, event_id, ev.revision)
        return
    if change == "update":
        for link in links:
            report.revised.extend(revise(ctx, link, watcher, ev, event_id))
    if ev.ended:  # over, not withdrawn: the duty officer is told, nothing is halted
        report.halts.extend(evidence.source_ended(ctx, ev, event_id, links))
    linked = {(link["playbook"], ledger.resolve(link["launch_id"]).mission) for link in links}
    missions = list(ctx.content.registry.missions.values())
    for playbook, trigger in src.triggers:
        ok, said = conditions_met(trigger, watcher, ev)
        if not ok:
            continue
        if trigger.evidence:  # proposes nothing: shown with the playbook's proposals
            concerned = missions_concerned(trigger, ev, missions)
            report.evidence.extend(
                evidence.support(ctx, playbook, trigger, watcher.name, ev, event_id, concerned)
            )
            continue
        for mission, why in missions_concerned(trigger, ev, missions):
            if (playbook.id, mission.id) in linked:
                continue  # a launch follows this event already: revised above
            mine = store.proposals_for(ledger, event_id, playbook=playbook.id, mission=mission.id)
            earlier = [p for p in mine if p.kind == "launch"]
            if any(p.state in ("accepted", "dismissed", "withdrawn") for p in earlier):
                continue  # decided once: never proposed again for the same event
            if any(p.kind == "evidence" for p in mine):
                continue  # it supports another source's proposal already
            facts = mapped_facts(trigger, watcher, ev, playbook)
            for p in earlier:
                if p.state == "open":
                    if p.facts == facts:
                        break
                    store.decide(
                        ledger,
                        p.id,
                        to="superseded",
                        actor=ctx.actor,
                        now=ctx.clock(),
                        note=f"the source revised the event ({ev.revision})",
                    )
            else:
                reasons = [f"{ev.title} ({watcher.name}, revision {ev.revision})", why, *said]
                target = evidence.related(ctx, playbook, mission, facts, event_id)
                if target is not None:  # another source reported it: one decision
                    row = evidence.attach(
                        ctx,
                        target,
                        watcher=watcher.name,
                        trigger=trigger,
                        event_id=event_id,
                        event=ev,
                        facts=facts,
                        reasons=reasons,
                    )
                    report.evidence.append(
                        f"{row.ref}: {ev.title}: evidence for {target.ref}"
                        + (f" (launch {target.launch_id})" if target.launch_id else "")
                    )
                    continue
                proposal = propose_launch(
                    ctx,
                    playbook=playbook,
                    mission=mission,
                    trigger=trigger,
                    event_id=event_id,
                    event=ev,
                    facts=facts,
                    reasons=reasons,
                )
                report.proposals.append(
                    f"{proposal.ref}: {playbook.id} for {mission.id} ({ev.title})"
                )
                report.evidence.extend(evidence.backfill(ctx, playbook, mission))
                linked.add((playbook.id, mission.id))
                if trigger.auto:
                    result = auto_accept(ctx, proposal)
                    if result is not None:
                        report.auto.append(f"{result.launch_id} from {proposal.ref}")
    store.mark_handled(ledger, event_id, ev.revision)


def run_forever(
    make_ctx: Callable[[], FeedContext],
    *,
    stop: threading.Event,
    tick: float = 1.0,
    on_report: Callable[[PassReport], None] | None = None,
    mirrors: dict[str, str] | None = None,
) -> None:
    """``launcher watch``: a pass every ``tick`` seconds (each document keeps its own
    interval and backoff, so a tick only polls what is due), until ``stop`` is set."""
    poller = Poller(mirrors=mirrors)
    try:
        while not stop.is_set():
            try:
                report = watch_pass(make_ctx(), poller=poller)
                if on_report and (report.polled or report.failed):
                    on_report(report)
            except LauncherError as exc:  # content or ledger trouble: say it, keep watching
                log.error("watch pass failed: %s", exc)
            stop.wait(tick)
    finally:
        poller.close()


def due_in(ctx: FeedContext) -> float | None:
    """Seconds until the next document is due (for ``launcher watch --once`` output)."""
    nxt = [s.get("next_at") for s in store.states(ctx.ledger) if s.get("next_at")]
    return (min(nxt) - ctx.clock()) if nxt else None


def utc(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
