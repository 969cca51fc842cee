"""Event feeds: watch, proposals, accept, dismiss. Thin: parse, call :mod:`launcher.feeds`,
print. ``launcher watch`` runs beside ``launcher daemon`` (its own process: a slow source never
delays a post); it proposes, and only ``auto: true`` triggers launch by themselves."""

from __future__ import annotations

import sys
import threading
import time
from typing import Any

import click

from .common import AS_OPTION, JSON_OPTION, confirm, echo_json, open_ledger, when
from .content import parse_at
from .drill import NOW_OPTION, REALLY_OPTION, drill_check, drill_clock, drill_really


def _context(obj: dict, actor: str, clock: Any) -> Any:
    from ..feeds.context import FeedContext
    from ..plan.build import load_content

    settings, ledger = open_ledger(obj)
    content = load_content(obj.get("root"))
    return FeedContext(content.root, content, settings, ledger, actor, clock)


def _drill(obj: dict, now: str | None, really: bool, command: str, actor: str) -> Any:
    """A drill's clock (``--now`` with a UTC offset: watching serves every mission)."""
    from ..launch.drills import daemon_targets, real_targets
    from .common import settings_of

    drill = parse_at(now, None, field="--now")
    targets = real_targets(settings_of(obj), daemon_targets(settings_of(obj))) if drill else []
    drill_check(targets, drill, really, command=command)
    return drill, targets, drill_clock(drill) or time.time


@click.command("watch")
@click.option("--once", is_flag=True, help="One pass over what is due, then exit (cron, tests).")
@click.option("--force", is_flag=True, help="Poll every source now, whatever its interval.")
@click.option("--tick", type=float, default=1.0, show_default=True, help="Seconds between passes.")
@NOW_OPTION
@REALLY_OPTION
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text")
@click.option("--log-level", default="info", show_default=True)
@AS_OPTION
@JSON_OPTION
@click.pass_obj
def watch_cmd(
    obj: dict,
    once: bool,
    force: bool,
    tick: float,
    now: str | None,
    really: bool,
    log_format: str,
    log_level: str,
    actor_name: str | None,
    as_json: bool,
) -> None:
    """Poll the sources the playbooks' triggers name and record proposals (foreground).

    Each source is polled at its own interval with conditional requests; a source that fails
    is tried again later with backoff, and cancels nothing. A matching event becomes a
    proposal (launcher proposals); triggers with auto: true launch approved, in-bounds
    proposals by themselves. An item of a document that cannot be read (a USGS feature, a
    CAP message) is skipped and named, the rest is read. Exit 1 (with --once) if a source,
    or an item of one, could not be read.
    """
    from ..actor import daemon_actor
    from ..feeds.settings import mirrors
    from ..feeds.watch import run_forever, watch_pass
    from ..logging_setup import setup_logging
    from .people import notify_after

    if (now or as_json) and not once:
        raise click.UsageError("--now and --json only go with --once")
    if tick <= 0:
        raise click.UsageError("--tick must be positive")
    setup_logging(log_format, log_level)
    actor = daemon_actor(actor_name).replace("daemon:", "watch:", 1)
    drill, targets, clock = _drill(obj, now, really, "watch", actor)
    ctx = _context(obj, actor, clock)
    from ..feeds.poll import Poller

    poller = Poller(mirrors=mirrors(ctx.settings))
    with ctx.ledger:
        drill_really(ctx.ledger, targets, drill, command="watch", actor=actor)
        if once:
            report = watch_pass(ctx, poller=poller, force=force)
            poller.close()
            if as_json:
                echo_json(report.__dict__)
            else:
                for line in report.lines():
                    click.echo(line)
            if _news(report):  # the duty officers hear of what it proposed, now
                notify_after(obj)
            if report.failed or report.unreadable:
                sys.exit(1)
            return
        poller.close()
        stop = threading.Event()
        import signal

        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        click.echo(f"watching as {actor}; Ctrl-C stops", err=True)
        run_forever(
            lambda: ctx,  # one ledger connection pool for the whole watch
            stop=stop,
            tick=tick,
            on_report=lambda r: _reported(obj, r),
            mirrors=mirrors(ctx.settings),
        )


def _news(report: Any) -> bool:
    """Whether a pass made something the duty officers are told of (launcher.notify)."""
    return bool(report.proposals or report.auto or report.halts or report.revised)


def _reported(obj: dict, report: Any) -> None:
    from .people import notify_after

    for line in report.lines():
        click.echo(line)
    if _news(report):
        notify_after(obj)


@click.command("proposals")
@click.argument("proposal", required=False)
@click.option("--all", "show_all", is_flag=True, help="Every proposal, decided ones too.")
@JSON_OPTION
@click.pass_obj
def proposals_cmd(obj: dict, proposal: str | None, show_all: bool, as_json: bool) -> None:
    """Proposals the watchers made: open ones (or --all), or one in full."""
    from ..feeds import store

    _, ledger = open_ledger(obj)
    with ledger:
        if proposal:
            p = store.proposal(ledger, proposal)
            ev = store.event(ledger, p.event_id)
            if as_json:
                echo_json({**_as_dict(p), "event": ev.__dict__})
                return
            _show(p, ev)
            return
        found = store.list_proposals(ledger, states=None if show_all else ("open",))
    if as_json:
        echo_json({"proposals": [_as_dict(p) for p in found]})
        return
    if not found:
        click.echo("No open proposals." if not show_all else "No proposals yet.")
        return
    click.echo(
        f"{'ID':<6}{'KIND':<11}{'STATE':<11}{'PLAYBOOK':<14}{'MISSION':<13}{'MADE':<19}  WHAT"
    )
    for p in found:
        what = (p.reasons or ["-"])[0]
        line = (
            f"{p.ref:<6}{p.kind:<11}{p.state:<11}{p.playbook:<14}{p.mission:<13}"
            f"{when(p.created_at):<19}  {what[:70]}"
        )
        click.secho(line, bold=p.state == "open", fg="yellow" if p.problems else None)


def _as_dict(p: Any) -> dict[str, Any]:
    from ..ledger import iso

    d = dict(p.__dict__)
    d["id"] = p.ref
    d["created_at"] = iso(p.created_at)
    d["decided_at"] = iso(p.decided_at)
    return d


def _show(p: Any, ev: Any) -> None:
    click.secho(f"proposal {p.ref}: {p.kind} {p.playbook} for {p.mission}  [{p.state}]", bold=True)
    click.echo(f"source: {ev.watcher} event {ev.key} (revision {p.revision}): {ev.title}")
    if p.link:
        click.echo(f"link: {p.link}")
    click.echo("why:")
    for r in p.reasons:
        click.echo(f"  - {r}")
    if p.facts:
        click.echo("facts: " + ", ".join(f"{k}={v}" for k, v in sorted(p.facts.items())))
    if p.launch_id:
        click.echo(f"launch: {p.launch_id}")
    for problem in p.problems:
        click.secho(f"cannot be accepted as it is: {problem}", fg="yellow")
    if p.note:
        click.echo(f"note: {p.note}")
    if p.decided_by:
        click.echo(f"decided by {p.decided_by} at {when(p.decided_at)}")
    posts = (p.plan or {}).get("posts") or []
    if posts:
        click.echo(f"{len(posts)} post(s); the first in each locale:")
        seen: set[str] = set()
        for post in posts:
            if post["locale"] not in seen:
                seen.add(post["locale"])
                click.echo(f"  [{post['locale']}/{post['platform']}] {post['text'][:200]}")


@click.command("accept")
@click.argument("proposal")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--again", is_flag=True, help="Launch although the same facts were launched lately.")
@click.option("--emergency", is_flag=True, help="Send unapproved content anyway (needs --reason).")
@click.option("--reason", metavar="TEXT", help="Why the emergency override is needed.")
@click.option("--retract", is_flag=True, help="A halt proposal: also delete what was posted.")
@NOW_OPTION
@REALLY_OPTION
@AS_OPTION
@JSON_OPTION
@click.pass_obj
def accept_cmd(
    obj: dict,
    proposal: str,
    yes: bool,
    again: bool,
    emergency: bool,
    reason: str | None,
    retract: bool,
    now: str | None,
    really: bool,
    actor_name: str | None,
    as_json: bool,
) -> None:
    """Accept a proposal: a launch goes through the normal approval rules (approved,
    in-bounds content goes out at once, anything else waits for a second person); a
    correction adds its posts to the launch; a halt halts it (--retract: and retracts it)."""
    from ..errors import InputError
    from ..feeds import store
    from ..feeds.proposals import accept
    from ..people.roles import authorize
    from .output import print_run
    from .people import acting

    if reason and not emergency:
        raise InputError("--reason goes with --emergency", field="--reason")
    if emergency and not (reason and reason.strip()):
        raise InputError("an emergency override needs a reason", field="--reason")
    who = acting(obj, actor_name)
    actor = who.name
    drill, targets, clock = _drill(obj, now, really, "accept", actor)
    ctx = _context(obj, actor, clock)
    with ctx.ledger:
        p = store.proposal(ctx.ledger, proposal)
        for action in accept_needs(p.kind, retract=retract, emergency=emergency):
            authorize(who, action)
        if not yes:
            _show(p, store.event(ctx.ledger, p.event_id))
            confirm(f"Accept {p.ref} ({p.kind}) as {actor}?", err=as_json)
        drill_really(ctx.ledger, targets, drill, command="accept", actor=actor)
        done = accept(
            ctx,
            proposal,
            emergency_reason=reason.strip() if emergency and reason else None,
            again=again,
            retract=retract,
        )
    if as_json:
        out = {"proposal": done.proposal.ref, "action": done.action, "launch": done.launch_id}
        out.update(done.detail)
        if done.outcome is not None:
            out.update(done.outcome.as_dict())
        echo_json(out)
    else:
        click.secho(
            f"{done.proposal.ref} accepted: {done.action} {done.launch_id or ''}", bold=True
        )
        if done.action == "awaiting-approval":
            how = "with their LAUNCHER_KEY" if who.people is not None else "--as NAME"
            click.secho(
                "AWAITING APPROVAL: nothing has reached any platform until a second person"
                f" approves it: launcher approve launch {done.launch_id} ({how})",
                fg="yellow",
                bold=True,
            )
            for why in done.detail.get("reasons", []):
                click.echo(f"  - {why}")
        if done.outcome is not None:
            print_run(done.outcome)
        elif done.detail:
            for k, v in done.detail.items():
                click.echo(f"  {k}: {_plain(v)}")
    if done.outcome is not None and any(p.state == "failed" for p in done.outcome.posts):
        sys.exit(1)


def _plain(value: Any) -> str:
    """A detail of an accepted proposal as a person reads it: ``rome-...: 274`` for a
    mapping of launch to posts, a comma-separated list, never a Python repr."""
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_plain(v)}" for k, v in value.items()) or "none"
    if isinstance(value, list | tuple | set):
        return ", ".join(_plain(v) for v in value) or "none"
    return str(value)


def accept_needs(kind: str, *, retract: bool, emergency: bool) -> list[str]:
    """The actions (launcher.people.roles) accepting a proposal of ``kind`` takes: a launch
    or a correction is a run, a halt a halt (and a retraction with --retract)."""
    needs = ["halt", *(["retract"] if retract else [])] if kind == "halt" else ["run"]
    return needs + (["emergency"] if emergency and kind != "halt" else [])


@click.command("dismiss")
@click.argument("targets", nargs=-1, required=True, metavar="PROPOSAL | ITEM...")
@click.option("--reason", metavar="TEXT", help="Why (recorded; a proposal needs one).")
@AS_OPTION
@click.pass_obj
def dismiss_cmd(
    obj: dict, targets: tuple[str, ...], reason: str | None, actor_name: str | None
) -> None:
    """Dismiss a feed's proposal (p12, with --reason: it is not proposed again for the same
    event), or inbox items of the listening post (12 13 ...: seen, not to be answered)."""
    import re

    from ..errors import InputError
    from ..feeds.proposals import dismiss
    from .listening import dismiss_items
    from .people import acting

    refs = [t for t in targets if re.fullmatch(r"[pP]\d+", t.strip())]
    if not refs:
        dismiss_items(obj, targets, reason, actor_name)
        return
    if len(targets) > 1:
        raise InputError(
            f"dismiss one proposal at a time, and inbox items apart: {' '.join(targets)}",
            field="PROPOSAL",
            hint='e.g. launcher dismiss p3 --reason "..." (launcher proposals lists them)',
        )
    if not (reason and reason.strip()):
        raise InputError(
            "dismissing a proposal needs a reason (it is recorded, and the event is not"
            " proposed again)",
            field="--reason",
            hint=f'launcher dismiss {refs[0]} --reason "a duplicate of an earlier report"',
        )
    ctx = _context(obj, acting(obj, actor_name, "dismiss-proposal").name, time.time)
    with ctx.ledger:
        done = dismiss(ctx, refs[0], reason=reason)
    click.echo(f"{done.proposal.ref} dismissed by {done.proposal.decided_by}: {reason.strip()}")


COMMANDS = (watch_cmd, proposals_cmd, accept_cmd, dismiss_cmd)


def register(group: click.Group) -> None:
    for command in COMMANDS:
        group.add_command(command)
