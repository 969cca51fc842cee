"""Launch commands: run, daemon, halt, resume, retract (status and log: ``status.py``).

Thin: parse, call :mod:`launcher.launching`, :mod:`launcher.dispatch`, :mod:`launcher.daemon`
and the ledger, print. Every command that changes something records who acted: ``--as``,
else ``LAUNCHER_ACTOR``, else the OS user.
"""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from ..errors import InputError
from .content import parse_at, parse_sets, plan_options

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
    help="A drill: act as if it were this moment (sends what would be due then).",
)


def drill_clock(now: str | None) -> Any:
    """``--now``: a fixed clock for drills and tests; None: the real one."""
    if not now:
        return None
    fixed = parse_at(now).timestamp()  # type: ignore[union-attr]
    return lambda: fixed


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
@NOW_OPTION
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
    now: str | None,
    actor_name: str | None,
    as_json: bool,
) -> None:
    """Launch: record the plan, set up the accounts, send what is due now, schedule the rest.

    Shows the plan and asks first (unless --yes). Posts due later are sent by
    `launcher daemon`. Prints the launch id. Exit 1 if any post failed.
    """
    from ..actor import resolve_actor
    from ..planner import build_plan
    from ..planview import plan_to_json, render_plan_text

    plan = build_plan(
        playbook,
        mission,
        parse_sets(sets),
        now=parse_at(at) or parse_at(now),  # a drill's event is confirmed at its --now
        root=obj.get("root"),
        locales=locales or None,
        lenient_bounds=not dry_run,
    )
    if dry_run:
        click.echo(plan_to_json(plan) if as_json else render_plan_text(plan), nl=False)
        return
    actor = resolve_actor(actor_name)
    emergency_reason = _emergency_reason(plan, emergency, reason)
    check_settings(obj, plan)
    decision = _decide(obj, plan)
    if not yes:
        click.echo(render_plan_text(plan, footer=False), nl=False, err=as_json)
        if decision.approved:
            what = "approved content: what is due goes out at once"
        elif emergency_reason:
            what = "NOT approved: EMERGENCY OVERRIDE, sent at once and recorded"
        else:
            what = (
                "NOT approved: it will wait for a second person ("
                + "; ".join(decision.reasons[:3])
                + ("; ..." if len(decision.reasons) > 3 else "")
                + ")"
            )
        click.secho(what, err=as_json, bold=not decision.approved)
        click.confirm(
            f"Launch {len(plan.posts)} posts on {len(plan.accounts)} accounts as {actor}?",
            abort=True,
            err=as_json,
        )
    from ..launching import start_launch

    settings, ledger = _open(obj)
    clock = drill_clock(now)
    with ledger:
        result = start_launch(
            plan,
            ledger=ledger,
            targets=settings,
            actor=actor,
            hold=decision.reasons,
            emergency_reason=emergency_reason if decision.reasons else None,
            **({"clock": clock} if clock else {}),
        )
    warnings = [str(w) for w in getattr(plan, "warnings", ())]
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
            "AWAITING APPROVAL: nothing is sent until a second person approves it",
            fg="yellow",
            bold=True,
        )
        for why in decision.reasons:
            click.echo(f"  - {why}")
        click.echo(
            f"  approve: launcher approve launch {result.launch_id} --as NAME"
            f"   (or reject: launcher reject {result.launch_id} --reason ...)"
        )


def _print_run(result: Any) -> None:
    counts: dict[str, int] = {}
    for p in result.posts:
        counts[p.state] = counts.get(p.state, 0) + 1
    click.echo(f"launch {result.launch_id}  state: {result.state}")
    ready = sum(1 for a in result.accounts if a.state == "active")
    click.echo(f"accounts: {ready} of {len(result.accounts)} ready")
    _print_checklists(result.accounts)
    click.echo(
        f"posts: {counts.get('sent', 0)} sent now, {counts.get('scheduled', 0)} scheduled"
        + (f", {counts['failed']} FAILED" if counts.get("failed") else "")
    )
    _print_failures(result.posts)
    if counts.get("scheduled"):
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
    failed = [p for p in posts if p.state == "failed"]
    if not failed:
        return
    click.secho(f"{len(failed)} post(s) FAILED:", fg="red", bold=True)
    for p in failed:
        click.secho(f"  #{p.id} {p.platform}/{p.locale} {p.message}: {p.error}", fg="red")


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
@NOW_OPTION
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
    now: str | None,
    log_format: str,
    log_level: str,
    actor_name: str | None,
) -> None:
    """The scheduled posting daemon (foreground; logs to stderr).

    Several daemons may share one ledger: claims with leases keep every post single.
    SIGTERM/SIGINT finish or release the post in flight and exit 0.
    """
    from ..actor import daemon_actor
    from ..daemon import Daemon
    from ..dispatch import Dispatcher
    from ..logging_setup import setup_logging

    if now and not once:
        raise click.UsageError("--now only goes with --once")
    if poll <= 0 or lease <= 0 or batch <= 0 or workers <= 0:
        raise click.UsageError("--poll, --lease, --batch and --workers must be positive")
    setup_logging(log_format, log_level)
    clock = drill_clock(now)
    settings, ledger = _open(obj)
    with ledger:
        kw = {"clock": clock} if clock else {}
        dispatcher = Dispatcher(
            ledger,
            settings,
            actor=daemon_actor(actor_name),
            lease=lease,
            batch=batch,
            workers=workers,
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
    import time

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
@AS_OPTION
@click.pass_obj
def resume_cmd(obj: dict, launch: str, actor_name: str | None) -> None:
    """Resume a halted launch: its halted posts are scheduled again (overdue ones go now)."""
    import time

    from ..actor import resolve_actor

    _, ledger = _open(obj)
    with ledger:
        lid = ledger.resolve(launch).id
        n = ledger.resume(lid, actor=resolve_actor(actor_name), now=time.time())
    click.echo(f"resumed {lid}: {n} post(s) scheduled again")


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
        if out.in_flight:
            click.secho(
                f"  {out.in_flight} post(s) were being sent meanwhile: "
                f"run `launcher retract {lid}` again in a minute",
                fg="yellow",
                bold=True,
            )
    if out.failed:
        sys.exit(1)


COMMANDS = (run_cmd, daemon_cmd, halt_cmd, resume_cmd, retract_cmd)


def register(group: click.Group) -> None:
    for command in COMMANDS:
        group.add_command(command)
