"""Launch commands: run, daemon, halt, resume, retract (status and log: ``status.py``).

Thin: parse, call :mod:`launcher.launching`, :mod:`launcher.dispatch`, :mod:`launcher.daemon`
and the ledger, print. Every command that changes something records who acted: ``--as``,
else ``LAUNCHER_ACTOR``, else the OS user.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import datetime
from typing import Any

import click

from ..errors import InputError
from .content import mission_content, parse_at, parse_sets, plan_options

#: a run of the same playbook, mission and facts within this many hours needs --again
REPEAT_HOURS = 72

AS_OPTION = click.option(
    "--as",
    "actor_name",
    metavar="NAME",
    help="Who is acting, for the audit trail. Default: $LAUNCHER_ACTOR, else the OS user.",
)
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON.")
NOW_OPTION = click.option(
    "--now",
    "now",
    metavar="ISO8601",
    help="A drill: act as if it were this moment (sends what would be due then). Refused if"
    " a real platform could be reached, unless --really.",
)
REALLY_OPTION = click.option(
    "--really",
    is_flag=True,
    help="With --now: drill against real platforms anyway (recorded in the audit trail).",
)


def drill_clock(now: datetime | None) -> Any:
    """``--now``: a fixed clock for drills and tests; None: the real one."""
    if now is None:
        return None
    fixed = now.timestamp()
    return lambda: fixed


def _drill_check(targets: list[str], now: datetime | None, really: bool, *, command: str) -> None:
    """Before anything is sent: a drill (``--now``) that could reach a real platform is
    refused (exit 2) unless ``--really``; ``--really`` alone is a usage error."""
    from ..drills import refuse_real_drill

    if now is None:
        if really:
            raise click.UsageError("--really goes with --now")
        return
    if not really:
        refuse_real_drill(targets, now=now, command=command)


def launch_clock(
    settings: Any,
    ledger: Any,
    launch: Any,
    now: str | None,
    really: bool,
    *,
    command: str,
    actor: str,
    sends: bool = True,
) -> Any:
    """The clock of a command acting on one recorded launch (retry, approve, resume): the
    real one, or a drill's ``--now`` read in the launch's own zone and, when the command
    sends, refused where a real platform could be reached unless ``--really``."""
    from ..drills import real_targets

    drill = parse_at(now, launch.timezone, field="--now")
    if drill is None:
        if really:
            raise click.UsageError("--really goes with --now")
        return time.time
    if sends:
        pairs = sorted({(a.platform, launch.mission) for a in ledger.accounts(launch.id)})
        targets = real_targets(settings, pairs)
        _drill_check(targets, drill, really, command=command)
        _drill_really(ledger, targets, drill, command=command, actor=actor)
    return drill_clock(drill)


def _drill_really(
    ledger: Any, targets: list[str], now: datetime | None, *, command: str, actor: str
) -> None:
    """``--now --really`` with real platforms: said loudly, written to the audit trail."""
    from ..drills import record_really

    if now is None or not targets:
        return
    click.secho(
        f"DRILL ON REAL PLATFORMS (--really): {', '.join(targets)} get what is due at"
        f" {now:%Y-%m-%dT%H:%M:%SZ}, now; recorded in the audit trail",
        fg="red",
        bold=True,
        err=True,
    )
    record_really(ledger, actor=actor, now=now, command=command, targets=targets)


def _settings(obj: dict) -> Any:
    """The settings of this invocation, loaded once."""
    from ..i18n import ui_gettext
    from ..paths import content_root
    from ..settings import load_settings

    if obj.get("settings") is None:
        settings = load_settings(obj.get("config"), root=obj.get("root"))
        settings.gettext = ui_gettext(content_root(obj.get("root")))  # checklists in their language
        obj["settings"] = settings
    return obj["settings"]


def _open(obj: dict) -> tuple[Any, Any]:
    """(settings, ledger) for this invocation. The ledger's name is kept in ``obj`` so an
    error about a damaged row can name the file."""
    from ..ledger import Ledger
    from ..ledger.engine import describe

    settings = _settings(obj)
    url = settings.database_url
    obj["ledger"] = describe(url)
    return settings, Ledger(url)


def check_settings(obj: dict, plan: Any) -> None:
    """Before anything is recorded: the settings must be able to serve this launch.

    The offline checks of `launcher validate` (unknown adapter, a base_url without scheme, an
    unset env: variable, a bad option value...) for the platforms the plan posts to and the
    mission's overrides of them; a problem there refuses the launch (exit 2). Problems under
    platforms or missions the launch does not use are shown and do not stop it: a typo in the
    Telegram settings must not keep an earthquake response off Mastodon.
    """
    from ..errors import SettingsError

    settings = _settings(obj)
    platforms = {p.platform for p in plan.posts} | {a.platform for a in plan.accounts}
    blocking, others = settings.problems_for(sorted(platforms), plan.mission.id)
    if blocking:
        raise SettingsError(
            blocking,
            intro=f"the settings cannot serve this launch ({', '.join(sorted(platforms))} for"
            f" {plan.mission.id}); nothing was recorded",
            hint="fix the settings file (`launcher validate` checks it), then run again",
        )
    if others:
        click.secho(
            f"{len(others)} settings problem(s) outside this launch (not blocking):",
            fg="yellow",
            err=True,
        )
        for problem in others:
            click.echo(f"  {problem}", err=True)


def _echo_json(doc: Any, *, big: bool = False) -> None:
    """Indented JSON; one line for very large documents (a 100,000-post launch)."""
    click.echo(json.dumps(doc, ensure_ascii=False, indent=None if big else 2))


def _when(value: float | None) -> str:
    from ..ledger import iso

    text = iso(value)
    return text[:19].replace("T", " ") + "Z" if text else "-"


# -- run ---------------------------------------------------------------------------------
@click.command("run")
@plan_options
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--dry-run", is_flag=True, help="Render and check only, like `launcher plan`.")
@click.option(
    "--emergency",
    is_flag=True,
    help="Send even if content is not approved and no second person can be reached "
    "(needs --reason; recorded loudly).",
)
@click.option("--reason", metavar="TEXT", help="Why the emergency override is needed.")
@click.option(
    "--again",
    is_flag=True,
    help="Run it although the same playbook, mission and facts were launched in the last "
    f"{REPEAT_HOURS} hours.",
)
@NOW_OPTION
@REALLY_OPTION
@AS_OPTION
@JSON_OPTION
@click.pass_obj
def run_cmd(
    obj: dict,
    playbook: str,
    mission: str,
    sets: tuple[str, ...],
    at: str | None,
    locales: tuple[str, ...],
    yes: bool,
    dry_run: bool,
    emergency: bool,
    reason: str | None,
    again: bool,
    now: str | None,
    really: bool,
    actor_name: str | None,
    as_json: bool,
) -> None:
    """Launch: record the plan, set up the accounts, send what is due now, schedule the rest.

    Shows the plan and asks first (unless --yes). Content that is not approved waits for a
    second person and nothing of it reaches a platform meanwhile. Posts due later, and posts
    a platform fault delayed, are sent by `launcher daemon`. Prints the launch id. Exit 1 if
    any post failed. --at and --now without an offset are the mission's local time.
    """
    from ..actor import resolve_actor
    from ..planner import build_plan
    from ..planview import plan_to_json, render_plan_text

    given = parse_sets(sets)
    content, zone = mission_content(obj, mission)
    drill = parse_at(now, zone, field="--now")
    plan = build_plan(
        playbook,
        mission,
        given,
        # a drill's event is confirmed at its --now; a bare --at HH:MM is on the drill's day
        now=parse_at(at, zone, today=drill) or drill,
        content=content,
        locales=locales or None,
        lenient_bounds=not dry_run,
    )
    if dry_run:
        click.echo(plan_to_json(plan) if as_json else render_plan_text(plan), nl=False)
        return
    from ..drills import real_targets
    from ..launching import repeat_key, start_launch

    check_settings(obj, plan)
    targets = real_targets(
        _settings(obj), sorted({(a.platform, plan.mission.id) for a in plan.accounts})
    )
    _drill_check(targets, drill, really, command="run")
    actor = resolve_actor(actor_name)
    emergency_reason = _emergency_reason(plan, emergency, reason)
    decision = _decide(obj, plan)
    settings, ledger = _open(obj)
    clock = drill_clock(drill) or time.time
    with ledger:
        _drill_really(ledger, targets, drill, command="run", actor=actor)
        repeat = repeat_key(plan, given)
        earlier = ledger.find_repeat(repeat, since=clock() - REPEAT_HOURS * 3600)
        if earlier is not None and not again:
            raise InputError(
                f"{plan.playbook.id} for {plan.mission.id} with these facts was launched "
                f"already: {earlier.id} ({earlier.state}, by {earlier.created_by} at "
                f"{_when(earlier.created_at)})",
                field="run",
                hint=f"see it with `launcher status {earlier.id}`; if this really is a new "
                "event, give its facts with --set, or add --again to launch it once more",
            )
        warnings = [str(w) for w in plan.warnings] + [
            str(p) for p in _repeats_across_launches(obj, ledger, plan)
        ]
        if not yes:
            click.echo(render_plan_text(plan, footer=False), nl=False, err=as_json)
            for w in warnings[len(plan.warnings) :]:
                click.secho(f"warning: {w}", fg="yellow", err=as_json)
            click.secho(_what_happens(decision, emergency_reason), err=as_json, bold=True)
            click.confirm(
                f"Launch {len(plan.posts)} posts on {len(plan.accounts)} accounts as {actor}?",
                abort=True,
                err=as_json,
            )
        result = start_launch(
            plan,
            ledger=ledger,
            targets=settings,
            actor=actor,
            hold=decision.reasons,
            emergency_reason=emergency_reason if decision.reasons else None,
            repeat=repeat,
            clock=clock,
        )
    if as_json:
        _echo_json(
            {
                **result.as_dict(),
                "warnings": warnings,
                "approval": {
                    "approved": decision.approved,
                    "reasons": decision.reasons,
                    "approved_by": decision.approvals,
                    "emergency_override": bool(emergency_reason and decision.reasons),
                },
            }
        )
    else:
        _print_decision(result, decision, emergency_reason)
        _print_run(result)
        if warnings and yes:  # without --yes they were shown with the plan
            click.secho(f"{len(warnings)} guardrail warning(s):", fg="yellow", err=True)
            for w in warnings:
                click.echo(f"  {w}", err=True)
    if any(p.state == "failed" for p in result.posts):
        sys.exit(1)


def _what_happens(decision: Any, emergency_reason: str | None) -> str:
    """Before asking: whether the launch goes out at once or waits, in one line."""
    if decision.approved:
        return "approved content: what is due goes out at once"
    if emergency_reason:
        return "NOT approved: EMERGENCY OVERRIDE, sent at once and recorded"
    return (
        "NOT approved: nothing reaches any platform (no account, profile or post) until a "
        "second person approves it ("
        + "; ".join(decision.reasons[:3])
        + ("; ..." if len(decision.reasons) > 3 else "")
        + ")"
    )


def _repeats_across_launches(obj: dict, ledger: Any, plan: Any) -> list[Any]:
    """Warnings for texts an earlier launch already sends to the same accounts nearby."""
    from ..guardrails import load_policy
    from ..guardrails.crossposts import repeated_across_launches
    from ..paths import content_root

    if not plan.posts:
        return []
    policy, _ = load_policy(content_root(obj.get("root")))
    window = policy.repeat_window.total_seconds()
    first = min(p.at for p in plan.posts).timestamp()
    last = max(p.at for p in plan.posts).timestamp()
    earlier = ledger.mission_posts(plan.mission.id, since=first - window, until=last + window)
    return repeated_across_launches(plan, earlier, policy.repeat_window)


def _emergency_reason(plan: Any, emergency: bool, reason: str | None) -> str | None:
    if reason and not emergency:
        raise InputError("--reason goes with --emergency", field="--reason")
    if not emergency:
        return None
    if not plan.playbook.allow_emergency:
        raise InputError(
            f"playbook {plan.playbook.id} forbids emergency overrides",
            field="--emergency",
            hint="get the content approved, or a second person: launcher approve launch",
        )
    if not reason or not reason.strip():
        raise InputError(
            "an emergency override needs a reason",
            field="--reason",
            hint='e.g. --reason "no second officer reachable, earthquake at 03:10"',
        )
    return reason.strip()


def _decide(obj: dict, plan: Any) -> Any:
    from ..approvals import decide
    from ..paths import content_root

    decision = decide(content_root(obj.get("root")), plan.playbook.id, plan.locales)
    if plan.out_of_bounds:  # approved content covers facts within their declared bounds only
        decision.reasons.extend(plan.out_of_bounds)
        decision.approved = False
    return decision


def _print_decision(result: Any, decision: Any, emergency_reason: str | None) -> None:
    if decision.approved:
        click.echo(f"content approved ({'; '.join(decision.approvals)}): sending at once")
    elif emergency_reason:
        click.secho(
            f"EMERGENCY OVERRIDE by the person running it: {emergency_reason}",
            fg="red",
            bold=True,
            err=True,
        )
    else:
        click.secho(
            "AWAITING APPROVAL: nothing has reached any platform: no account set up, no "
            "profile changed, no post sent, no other launch frozen, until a second person "
            "approves it",
            fg="yellow",
            bold=True,
        )
        for why in decision.reasons:
            click.echo(f"  - {why}")
        click.echo(
            f"  approve: launcher approve launch {result.launch_id} --as NAME"
            f"   (or reject: launcher reject {result.launch_id} --reason ...)"
        )


def _count(items: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item.state] = counts.get(item.state, 0) + 1
    return counts


def _print_run(result: Any) -> None:
    counts = _count(result.posts)
    click.echo(f"launch {result.launch_id}  state: {result.state}")
    if result.state == "awaiting-approval":
        click.echo(f"accounts: {len(result.accounts)} waiting; posts: {len(result.posts)} waiting")
        click.echo(result.launch_id)
        return
    ready = sum(1 for a in result.accounts if a.state in ("active", "manual"))
    click.echo(f"accounts: {ready} of {len(result.accounts)} ready")
    _print_checklists(result.accounts)
    click.echo(
        f"posts: {counts.get('sent', 0)} sent now, {counts.get('scheduled', 0)} scheduled"
        + (f", {counts['retrying']} RETRYING" if counts.get("retrying") else "")
        + (f", {counts['failed']} FAILED" if counts.get("failed") else "")
        + (f", {counts['expired']} EXPIRED" if counts.get("expired") else "")
    )
    _print_failures(result.posts)
    _print_waiting(result.posts, result.accounts)
    if counts.get("scheduled") or counts.get("retrying"):
        click.echo("later posts are sent by `launcher daemon` (keep it running)")
    click.echo(result.launch_id)


def _print_checklists(accounts: Any) -> None:
    for a in accounts:
        if a.state == "failed":
            click.secho(
                f"  ACCOUNT FAILED {a.platform}/{a.locale} {a.handle}: {a.error}",
                fg="red",
                bold=True,
            )
        if a.checklist:
            click.echo(f"  manual steps for {a.platform}/{a.locale} {a.handle}:")
            for step in a.checklist:
                click.echo(f"    [ ] {step}")


def _print_failures(posts: Any) -> None:
    for state, what in (("failed", "FAILED"), ("expired", "EXPIRED (never sent)")):
        bad = [p for p in posts if p.state == state]
        if not bad:
            continue
        click.secho(f"{len(bad)} post(s) {what}:", fg="red", bold=True)
        for p in bad:
            click.secho(f"  #{p.id} {p.platform}/{p.locale} {p.message}: {p.error}", fg="red")
    if any(p.state in ("failed", "expired") for p in posts):
        click.echo("  after fixing the cause: launcher retry LAUNCH [--post KEY] [--platform P]")


def _print_waiting(posts: Any, accounts: Any = ()) -> None:
    """Posts and accounts a platform fault delayed: when the next attempt is, and why."""
    for a in accounts:
        if a.state == "retrying":
            click.secho(
                f"  account {a.platform}/{a.locale} RETRYING at {_when(a.retry_at)}: {a.error}",
                fg="yellow",
            )
    waiting = [p for p in posts if p.state == "retrying"]
    if not waiting:
        return
    click.secho(f"{len(waiting)} post(s) RETRYING (a platform fault; nothing lost):", fg="yellow")
    for p in waiting[:20]:
        click.secho(
            f"  #{p.id} {p.platform}/{p.locale} {p.message}: next attempt {_when(p.retry_at)}"
            f" (try {p.attempts}); last error: {p.error}",
            fg="yellow",
        )
    if len(waiting) > 20:
        click.echo(f"  ... and {len(waiting) - 20} more (launcher status --json)")


# -- daemon ------------------------------------------------------------------------------
@click.command("daemon")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit (cron, tests).")
@click.option(
    "--poll",
    type=float,
    default=0.5,
    show_default=True,
    help="Seconds between looks at the ledger (halts are seen within this).",
)
@click.option(
    "--lease",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds a claimed post stays ours without renewal.",
)
@click.option("--batch", type=int, default=50, show_default=True, help="Posts claimed at a time.")
@click.option(
    "--workers",
    type=int,
    default=1,
    show_default=True,
    help="Posts sent concurrently; more helps only when the platform is slow to answer.",
)
@click.option(
    "--retry-cap",
    type=float,
    default=300.0,
    show_default=True,
    metavar="SECONDS",
    help="The longest wait of our own between attempts at a failing platform "
    "(its own Retry-After hint is honoured however long).",
)
@NOW_OPTION
@REALLY_OPTION
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one JSON object per line on stderr.",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
@AS_OPTION
@click.pass_obj
def daemon_cmd(
    obj: dict,
    once: bool,
    poll: float,
    lease: float,
    batch: int,
    workers: int,
    retry_cap: float,
    now: str | None,
    really: bool,
    log_format: str,
    log_level: str,
    actor_name: str | None,
) -> None:
    """The scheduled posting daemon (foreground; logs to stderr).

    Several daemons may share one ledger: claims with leases keep every post single.
    SIGTERM/SIGINT finish or release the post in flight and exit 0. --now needs a UTC
    offset (the daemon serves every mission: no local zone applies).
    """
    from ..actor import daemon_actor
    from ..daemon import Daemon
    from ..dispatch import Dispatcher
    from ..logging_setup import setup_logging
    from ..retry import Backoff

    if now and not once:
        raise click.UsageError("--now only goes with --once")
    if poll <= 0 or lease <= 0 or batch <= 0 or workers <= 0 or retry_cap <= 0:
        raise click.UsageError(
            "--poll, --lease, --batch, --workers and --retry-cap must be positive"
        )
    from ..drills import daemon_targets, real_targets

    drill = parse_at(now, None, field="--now")
    setup_logging(log_format, log_level)
    clock = drill_clock(drill)
    settings, ledger = _open(obj)
    targets = real_targets(settings, daemon_targets(settings)) if drill else []
    _drill_check(targets, drill, really, command="the daemon")
    with ledger:
        _drill_really(ledger, targets, drill, command="daemon", actor=daemon_actor(actor_name))
        kw = {"clock": clock} if clock else {}
        dispatcher = Dispatcher(
            ledger,
            settings,
            actor=daemon_actor(actor_name),
            lease=lease,
            batch=batch,
            workers=workers,
            backoff=Backoff(cap=retry_cap),
            **kw,
        )
        daemon = Daemon(dispatcher, poll=poll)
        if once:
            daemon.run_once()
            dispatcher.close()
            return
        code = daemon.run()
    sys.exit(code)


# -- halt, resume, retract ---------------------------------------------------------------
@click.command("halt")
@click.argument("launch", required=False)
@click.option("--all", "all_", is_flag=True, help="Halt every active launch.")
@AS_OPTION
@JSON_OPTION
@click.pass_obj
def halt_cmd(
    obj: dict, launch: str | None, all_: bool, actor_name: str | None, as_json: bool
) -> None:
    """Stop every pending post of a launch now (running daemons included)."""
    from ..actor import resolve_actor

    if bool(launch) == all_:
        raise click.UsageError("give a LAUNCH or --all")
    _, ledger = _open(obj)
    with ledger:
        lid = ledger.resolve(launch).id if launch else None
        done = ledger.halt(lid, actor=resolve_actor(actor_name), now=time.time())
        # claimed before the halt: a daemon checks the launch right before each send
        in_flight = ledger.in_flight(done) if done else {}
    if as_json:
        _echo_json({"halted": done, "in_flight": in_flight})
        return
    if not done:
        click.echo("nothing to halt" + (f": {lid} is not active" if lid else ""))
    for name, n in done.items():
        line = f"halted {name}: {n} scheduled post(s) stopped"
        busy = in_flight.get(name, 0)
        if busy:
            line += (
                f", {busy} in flight (claimed by a sender: each is checked against the halt"
                " right before it goes out and ends halted, unless it was already on its way;"
                f" `launcher status {name}` shows how each ended)"
            )
        click.echo(line)


@click.command("resume")
@click.argument("launch")
@NOW_OPTION
@AS_OPTION
@click.pass_obj
def resume_cmd(obj: dict, launch: str, now: str | None, actor_name: str | None) -> None:
    """Resume a halted launch: its halted posts are scheduled again (overdue ones go now,
    those whose useful life ended meanwhile are recorded as expired, never sent stale)."""
    from ..actor import resolve_actor

    settings, ledger = _open(obj)
    actor = resolve_actor(actor_name)
    with ledger:
        rec = ledger.resolve(launch)
        clock = launch_clock(
            settings, ledger, rec, now, False, command="resume", actor=actor, sends=False
        )
        lid = rec.id
        n, expired = ledger.resume_launch(lid, actor=actor, now=clock())
    click.echo(f"resumed {lid}: {n} post(s) scheduled again")
    if expired:
        click.secho(
            f"  {expired} post(s) EXPIRED while halted (not sent: their time had passed); "
            f"to send them anyway: launcher retry {lid}",
            fg="yellow",
        )


@click.command("retry")
@click.argument("launch")
@click.option("--post", "post_key", metavar="KEY", help="Only this post (its key, see status).")
@click.option("--platform", help="Only this platform's posts and accounts.")
@NOW_OPTION
@REALLY_OPTION
@AS_OPTION
@JSON_OPTION
@click.pass_obj
def retry_cmd(
    obj: dict,
    launch: str,
    post_key: str | None,
    platform: str | None,
    now: str | None,
    really: bool,
    actor_name: str | None,
    as_json: bool,
) -> None:
    """Try failed or expired posts (and failed accounts) of a launch again, after the cause
    was fixed (a credential, a setting, the content). Nothing is posted twice: a post whose
    last attempt may have reached the platform is looked for there first. Exit 1 if any post
    of the launch is still failed."""
    from ..actor import resolve_actor
    from ..launching import outcome, send_due

    settings, ledger = _open(obj)
    actor = resolve_actor(actor_name)
    with ledger:
        rec = ledger.resolve(launch)
        clock = launch_clock(settings, ledger, rec, now, really, command="retry", actor=actor)
        lid = rec.id
        posts, accounts = ledger.requeue(
            lid, actor=actor, now=clock(), post_key=post_key, platform=platform
        )
        result = send_due(ledger, settings, lid, actor=actor, clock=clock)
        final = outcome(ledger, lid, result)
    if as_json:
        _echo_json({**final.as_dict(), "requeued": {"posts": posts, "accounts": accounts}})
    else:
        click.echo(f"{lid}: {posts} post(s) and {accounts} account(s) tried again")
        _print_run(final)
    if any(p.state == "failed" for p in final.posts):
        sys.exit(1)


@click.command("retract")
@click.argument("launch")
@click.option("--message", help="Only this message id.")
@click.option("--platform", help="Only this platform.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@AS_OPTION
@JSON_OPTION
@click.pass_obj
def retract_cmd(
    obj: dict,
    launch: str,
    message: str | None,
    platform: str | None,
    yes: bool,
    actor_name: str | None,
    as_json: bool,
) -> None:
    """Delete what was posted (and stop what is still pending) for a launch.

    Without filters the whole launch is retracted. Exit 1 if a deletion failed.
    """
    from ..actor import resolve_actor
    from ..launching import retract_launch

    settings, ledger = _open(obj)
    with ledger:
        lid = ledger.resolve(launch).id
        actor = resolve_actor(actor_name)
        if not yes:
            n = len(ledger.retractable(lid, message=message, platform=platform))
            click.confirm(
                f"Delete {n} published post(s) of {lid} as {actor}?", abort=True, err=as_json
            )
        out = retract_launch(ledger, settings, lid, actor=actor, message=message, platform=platform)
    if as_json:
        _echo_json(out.as_dict())
    else:
        click.echo(
            f"retracted {len(out.retracted)} post(s) of {lid}; {out.halted} pending post(s) halted"
        )
        for pid, why in out.unsupported:
            click.echo(f"  #{pid}: cannot be deleted through the API ({why}); delete by hand")
        for pid, why in out.failed:
            click.secho(f"  #{pid}: FAILED to delete: {why}", fg="red", bold=True)
        for pid, why in out.pins:
            click.secho(f"  #{pid}: {why}", fg="yellow", bold=True)
        if out.in_flight:
            click.secho(
                f"  {out.in_flight} post(s) were being sent meanwhile: "
                f"run `launcher retract {lid}` again in a minute",
                fg="yellow",
                bold=True,
            )
    if out.failed:
        sys.exit(1)


COMMANDS = (run_cmd, daemon_cmd, halt_cmd, resume_cmd, retry_cmd, retract_cmd)


def register(group: click.Group) -> None:
    for command in COMMANDS:
        group.add_command(command)
