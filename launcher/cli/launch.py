"""The launch command: run (operating a launch afterwards: ``control.py``; status and log:
``status.py``).

Thin: parse, call :mod:`launcher.launch.lifecycle` and the ledger, print. It records who
acted: ``--as``, else ``LAUNCHER_ACTOR``, else the OS user.
"""

from __future__ import annotations

import importlib
import sys
import time
from collections.abc import Sequence
from typing import Any

import click

from ..errors import InputError
from .common import (
    AS_OPTION,
    JSON_OPTION,
    confirm,
    echo_json,
    open_ledger,
    settings_of,
    when,
)
from .content import (
    echo_plans,
    group_content,
    mission_content,
    mission_heading,
    parse_at,
    parse_sets,
    plan_options,
)
from .drill import NOW_OPTION, REALLY_OPTION, drill_check, drill_clock, drill_really
from .output import print_run

#: a run of the same playbook, mission and facts within this many hours needs --again
REPEAT_HOURS = 72


def check_settings(obj: dict, plan: Any) -> None:
    """Before anything is recorded: the settings must be able to serve this launch.

    The offline checks of `launcher validate` (unknown adapter, a base_url without scheme, an
    unset env: variable, a bad option value...) for the platforms the plan posts to and the
    mission's overrides of them; a problem there refuses the launch (exit 2). Problems under
    platforms or missions the launch does not use are shown and do not stop it: a typo in the
    Telegram settings must not keep an earthquake response off Mastodon.
    """
    from ..errors import SettingsError

    settings = settings_of(obj)
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


@click.command("run")
@plan_options(many=True)
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
    mission: tuple[str, ...],
    selector: str | None,
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

    Several missions (--mission A --mission B, or --missions all|REGION|COUNTRY,...): one
    plan to review with a section per mission, one confirmation, one launch per mission
    (each haltable alone) in one launch group (`launcher halt --group GROUP`).
    """
    if selector is not None or len(mission) != 1:
        run_group(
            obj, playbook, mission, selector, sets=sets, at=at, locales=locales, yes=yes,
            dry_run=dry_run, emergency=emergency, reason=reason, again=again, now=now,
            really=really, actor_name=actor_name, as_json=as_json,
        )  # fmt: skip
        return
    return _run_one(
        obj, playbook, mission[0], sets, at, locales, yes, dry_run, emergency, reason, again,
        now, really, actor_name, as_json,
    )  # fmt: skip


def _run_one(
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
    from ..plan.build import build_plan
    from ..plan.view import plan_to_json, render_plan_text
    from .people import acting

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
    from ..launch.drills import real_targets
    from ..launch.lifecycle import repeat_key, start_launch

    check_settings(obj, plan)
    targets = real_targets(
        settings_of(obj), sorted({(a.platform, plan.mission.id) for a in plan.accounts})
    )
    drill_check(targets, drill, really, command="run")
    who = acting(obj, actor_name, "run")
    actor = who.name
    emergency_reason = _emergency_reason(plan, emergency, reason)
    decision = _decide(obj, plan)
    if emergency_reason and decision.reasons:  # the override is used: it needs its role
        from ..people.roles import authorize

        authorize(who, "emergency")
    settings, ledger = open_ledger(obj)
    clock = drill_clock(drill) or time.time
    with ledger:
        drill_really(ledger, targets, drill, command="run", actor=actor)
        repeat = repeat_key(plan, given)
        earlier = ledger.find_repeat(repeat, since=clock() - REPEAT_HOURS * 3600)
        if earlier is not None and not again:
            raise InputError(
                f"{plan.playbook.id} for {plan.mission.id} with these facts was launched "
                f"already: {earlier.id} ({earlier.state}, by {earlier.created_by} at "
                f"{when(earlier.created_at)})",
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
            confirm(
                f"Launch {len(plan.posts)} posts on {len(plan.accounts)} accounts as {actor}?",
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
        echo_json(
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
        _print_decision(result, decision, emergency_reason, people=who.people is not None)
        if result.state == "awaiting-approval" and who.people is not None and not who.verified:
            click.secho(
                f"  run by {actor} without a key (LAUNCHER_KEY): no second person can approve"
                " it (four eyes compares verified people); reject it and run it again with"
                " your key",
                fg="yellow",
            )
        print_run(result)
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
    from ..guardrails.crossposts import repeated_across_launches
    from ..paths import content_root
    from ..plan.guard import policy_of

    if not plan.posts:
        return []
    # the policy the plan was guarded with, read once per command (a group asks per mission)
    policy = policy_of(content_root(obj.get("root")))
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


def _decide(obj: dict, plan: Any, memo: dict | None = None) -> Any:
    """The approval decision for ``plan``; ``memo``: decisions already taken in this command
    (the missions of a group that publish the same locales share one check of the content's
    signatures, read at the same moment)."""
    from dataclasses import replace

    found = _decide_locales(obj, plan.playbook.id, plan.locales, memo)
    decision = replace(found, reasons=list(found.reasons), approvals=list(found.approvals))
    if plan.out_of_bounds:  # approved content covers facts within their declared bounds only
        decision.reasons.extend(plan.out_of_bounds)
        decision.approved = False
    return decision


def _decide_locales(obj: dict, playbook: str, locales: Sequence[str], memo: dict | None) -> Any:
    """The approval of ``playbook``'s content in ``locales``, once per command (``memo``)."""
    from ..approvals import decide
    from ..paths import content_root

    key = (playbook, tuple(locales))
    found = memo.get(key) if memo is not None else None
    if found is None:
        found = decide(content_root(obj.get("root")), playbook, list(locales))
        if memo is not None:
            memo[key] = found
    return found


def _print_decision(
    result: Any, decision: Any, emergency_reason: str | None, *, people: bool = False
) -> None:
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
        who = "a launch approver, with their LAUNCHER_KEY: " if people else ""
        click.echo(
            f"  approve ({who}not the person who ran it): launcher approve launch"
            f" {result.launch_id}{'' if people else ' --as NAME'}"
            f"   (or reject: launcher reject {result.launch_id} --reason ...)"
        )


# -- many missions ------------------------------------------------------------------------
#: what recording and sending a group loads, imported while other processes plan
_LAUNCH_MODULES = (
    "launcher.launch.drills",
    "launcher.launch.groups",
    "launcher.launch.lifecycle",
    "launcher.plan.view",
    "launcher.cli.people",
)


def run_group(
    obj: dict,
    playbook: str,
    mission_ids: tuple[str, ...],
    selector: str | None,
    *,
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
    """``run`` for several missions: every plan built and checked before anything is
    recorded, one review with a section per mission, one confirmation, one launch each."""
    # only what planning needs is loaded before the plans: what records and sends them (the
    # ledger, the dispatcher, the adapters: 0.3-0.4 s of imports) loads in the warm-up, while
    # other processes plan
    from ..plan.many import build_plans_deriving

    content, chosen, zone = group_content(obj, mission_ids, selector)  # several: their zones
    drill = parse_at(now, zone, field="--now")
    from datetime import UTC, datetime

    # one event, one moment of confirmation for every mission of the group
    event_at = parse_at(at, zone, today=drill) or drill or datetime.now(UTC)
    given = parse_sets(sets)
    decided: dict = {}  # the missions that publish the same locales share one check
    opened: list = []  # the ledger, opened while the plans are being built

    def warm_up() -> None:
        """What comes after the plans and needs none of them, done while other processes
        plan: the settings' checks (they import the adapters), the approval checks of the
        missions' locales, the ledger opened. Only caches: each step is taken again below,
        in its place, and meets its errors there."""
        for module in _LAUNCH_MODULES:
            importlib.import_module(module)
        settings_of(obj).problems()
        drafts = content.registry.draft_locales
        for mission in () if locales else chosen:  # the locales each plan will publish
            published = [x for x in content.registry.get(mission).locales if x not in drafts]
            _decide_locales(obj, playbook, published, decided)
        ledger = open_ledger(obj)[1]
        ctx = click.get_current_context(silent=True)
        if ctx is not None:  # closed also when a later check refuses the launch
            ctx.call_on_close(ledger.close)
        opened.append(ledger)

    # a launch's recorded plan text is worked out beside each plan, by the process that built
    # it, rather than for all fifty after them, here alone
    from ..plan.fingerprint import recorded_plan

    pairs = build_plans_deriving(playbook, chosen, given, now=event_at, content=content,
                                 locales=locales or None, lenient_bounds=not dry_run,
                                 warm_up=None if dry_run else warm_up,
                                 derive=None if dry_run else recorded_plan)  # fmt: skip
    plans = [plan for plan, _ in pairs]
    from ..launch.drills import real_targets
    from ..launch.groups import GroupItem, start_group
    from ..launch.lifecycle import repeat_key
    from ..plan.view import render_plan_text
    from .people import acting

    if dry_run:  # what `launcher plan` prints for these missions
        echo_plans(chosen, plans, as_json=as_json)
        return
    for plan in plans:
        check_settings(obj, plan)
    settings = settings_of(obj)
    targets = real_targets(
        settings, sorted({(a.platform, p.mission.id) for p in plans for a in p.accounts})
    )
    drill_check(targets, drill, really, command="run")
    who = acting(obj, actor_name, "run")  # one person runs the whole group, signing each launch
    actor = who.name
    decisions = [
        (_emergency_reason(plan, emergency, reason), _decide(obj, plan, decided)) for plan in plans
    ]
    if any(why and decision.reasons for why, decision in decisions):  # the override is used
        from ..people.roles import authorize

        authorize(who, "emergency")
    items, warnings = [], []
    ledger = opened[0] if opened else open_ledger(obj)[1]
    clock = drill_clock(drill) or time.time
    with ledger:
        drill_really(ledger, targets, drill, command="run", actor=actor)
        repeats: list[str] = []
        for (plan, recorded), (emergency_reason, decision) in zip(pairs, decisions, strict=True):
            repeat = repeat_key(plan, given)
            earlier = ledger.find_repeat(repeat, since=clock() - REPEAT_HOURS * 3600)
            if earlier is not None:
                repeats.append(f"{plan.mission.id}: {earlier.id} ({earlier.state})")
            items.append(
                GroupItem(
                    plan,
                    hold=decision.reasons,
                    repeat=repeat,
                    emergency_reason=emergency_reason if decision.reasons else None,
                    recorded=recorded,
                )
            )
            warnings += [f"{plan.mission.id}: {w}" for w in plan.warnings]
            warnings += [
                f"{plan.mission.id}: {w}" for w in _repeats_across_launches(obj, ledger, plan)
            ]
        if repeats and not again:
            raise InputError(
                f"{playbook} with these facts was launched already for {len(repeats)} of the"
                f" missions: {'; '.join(repeats)}",
                field="run",
                hint="see them with `launcher status LAUNCH`; if this really is a new event,"
                " give its facts with --set, or add --again to launch them once more",
            )
        held = sum(1 for it in items if it.hold and not it.emergency_reason)
        if not yes:
            for plan in plans:
                click.echo(mission_heading(plan) + render_plan_text(plan, footer=False), nl=False,
                           err=as_json)  # fmt: skip
            for w in warnings:
                click.secho(f"warning: {w}", fg="yellow", err=as_json)
            if held:
                click.secho(
                    f"NOT approved for {held} mission(s): nothing of those reaches any platform"
                    " until a second person approves each launch",
                    bold=True, err=as_json,
                )  # fmt: skip
            posts = sum(len(p.posts) for p in plans)
            accounts = sum(len(p.accounts) for p in plans)
            click.confirm(
                f"Launch {posts} posts on {accounts} accounts for {len(plans)} missions"
                f" ({', '.join(chosen)}) as {actor}?",
                abort=True,
                err=as_json,
            )
        out = start_group(
            items,
            ledger=ledger,
            targets=settings,
            actor=actor,
            selector=selector or ",".join(mission_ids),
            clock=clock,
        )
    if as_json:
        echo_json({**out.as_dict(), "warnings": warnings})
    else:
        _print_group(out, people=who.people is not None)
        if warnings and yes:
            click.secho(f"{len(warnings)} guardrail warning(s):", fg="yellow", err=True)
            for w in warnings:
                click.echo(f"  {w}", err=True)
    if any(p.state == "failed" for o in out.launches for p in o.posts):
        sys.exit(1)


def _print_group(out: Any, *, people: bool = False) -> None:
    from .output import count, print_checklists, print_failures

    click.echo(f"launch group {out.group_id}: {len(out.launches)} launches")
    for o in out.launches:
        c = count(o.posts)
        ready = sum(1 for a in o.accounts if a.state in ("active", "manual"))
        line = (
            f"  {o.launch_id:<46}{o.state:<19} accounts {ready}/{len(o.accounts)}, "
            f"{c.get('sent', 0)} sent, {c.get('scheduled', 0)} scheduled"
            + (f", {c['retrying']} RETRYING" if c.get("retrying") else "")
            + (f", {c['failed']} FAILED" if c.get("failed") else "")
        )
        click.secho(line, fg="red" if c.get("failed") else None)
    for o in out.launches:
        if any(a.checklist or a.state == "failed" for a in o.accounts):
            click.echo(f"{o.launch_id}:")
            print_checklists(o.accounts)
        print_failures(o.posts)
    if any(o.state == "awaiting-approval" for o in out.launches):
        how = "a launch approver, with their LAUNCHER_KEY" if people else "--as NAME"
        click.echo(f"  approve each waiting launch: launcher approve launch LAUNCH ({how})")
    click.echo("halt one: launcher halt LAUNCH; halt them all: launcher halt --group GROUP")
    click.echo(out.group_id)


COMMANDS = (run_cmd,)


def register(group: click.Group) -> None:
    for command in COMMANDS:
        group.add_command(command)
