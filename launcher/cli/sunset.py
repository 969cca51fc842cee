"""The sunset command: wind a launch down (farewells, then on the date: unpin, profiles back,
retire or make dormant, tokens revoked, the launch and its content freeze ended).

Thin: parse, call :mod:`launcher.sunset`, print. ``status`` shows a sunset's steps through
:func:`sunset_view` and :func:`print_sunset`.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

import click

from .common import AS_OPTION, JSON_OPTION, confirm, echo_json, open_ledger, settings_of, when
from .content import parse_at
from .drill import NOW_OPTION, REALLY_OPTION, drill_check, drill_clock, drill_really


@click.command("sunset")
@click.argument("launch")
@click.option(
    "--on",
    "on",
    required=True,
    metavar="DATE",
    help="The sunset date: YYYY-MM-DD (10:00 the mission's time) or a date-time; the"
    " farewells go out before it.",
)
@click.option(
    "--successor",
    "successors",
    multiple=True,
    metavar="[PLATFORM=]HANDLE",
    help="Where to follow next, named in the farewells (repeatable; PLATFORM=HANDLE for one"
    " platform, a bare HANDLE for every platform).",
)
@click.option("--dry-run", is_flag=True, help="Show the wind-down plan only; record nothing.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--archive-to",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Where the archive written first goes (default: under the data directory).",
)
@click.option(
    "--no-archive",
    is_flag=True,
    help="Wind down without archiving the launch first (recorded in the audit trail).",
)
@NOW_OPTION
@REALLY_OPTION
@AS_OPTION
@JSON_OPTION
@click.pass_obj
def sunset_cmd(
    obj: dict,
    launch: str,
    on: str,
    successors: tuple[str, ...],
    dry_run: bool,
    yes: bool,
    archive_to: str | None,
    no_archive: bool,
    now: str | None,
    really: bool,
    actor_name: str | None,
    as_json: bool,
) -> None:
    """Plan and record the wind-down of a launch when the crisis is over.

    Farewell and hand-over posts go out before the date (as the playbook's sunset: section
    says, naming --successor); on the date the daemon archives the launch again, takes its
    pinned posts off, restores the standby (or dormant) profiles, retires or makes dormant the
    accounts launcher created and revokes what it stored for them, ends the launch and lifts
    its content freeze. The launch is archived first. Halt and resume the sunset like any
    launch: `launcher halt SUNSET`.
    """
    from ..content.playbook import load_playbook
    from ..launch.drills import real_targets
    from ..paths import content_root
    from ..plan.build import load_content
    from ..sunset import build_sunset, check_can_sunset, parse_successors, start_sunset
    from ..sunset.plan import sunset_moment

    if archive_to and no_archive:
        raise click.UsageError("--archive-to and --no-archive exclude each other")
    from .people import acting, second_person

    actor = acting(obj, actor_name, "sunset").name
    settings, ledger = open_ledger(obj)
    with ledger:
        rec = ledger.resolve(launch)
        check_can_sunset(ledger, rec)
        zone = rec.timezone or "UTC"
        drill = parse_at(now, zone, field="--now")
        clock = drill_clock(drill) or time.time
        from datetime import UTC, datetime

        moment = datetime.fromtimestamp(clock(), UTC)
        date = sunset_moment(parse_at(on, zone, field="--on", today=moment), zone, on)
        content = load_content(obj.get("root"))
        playbook = load_playbook(content.root, rec.playbook)
        plan = build_sunset(
            ledger, rec, content, playbook, on=date, now=moment,
            successors=parse_successors(successors),
        )  # fmt: skip
        if dry_run:
            _show(plan, as_json, footer="Nothing was recorded. To record it: without --dry-run.")
            return
        pairs = sorted({(a.platform, rec.mission) for a in plan.accounts})
        targets = real_targets(settings_of(obj), pairs)
        drill_check(targets, drill, really, command="sunset")
        drill_really(ledger, targets, drill, command="sunset", actor=actor)
        decision = _decide(obj, plan)
        if not yes:
            _show(plan, as_json, footer=None)
            confirm(
                f"Record this sunset of {rec.id} ({len(plan.posts)} farewell post(s),"
                f" {len(plan.steps)} step(s) on {date:%Y-%m-%d %H:%M}Z) as {actor}?",
                err=as_json,
            )
        out = start_sunset(
            ledger, plan, targets=settings, actor=actor, clock=clock, hold=decision.reasons,
            no_archive=no_archive, archive_to=Path(archive_to) if archive_to else None,
            archive_base=settings.data_dir, root=content_root(obj.get("root")),
        )  # fmt: skip
        view = sunset_view(ledger, out.sunset_id)
        posts = [p.as_status() for p in ledger.posts(out.sunset_id)]
    if as_json:
        echo_json(
            {
                "sunset": out.sunset_id,
                "winds_down": rec.id,
                "state": out.state,
                "archive": out.archive,
                "no_archive": no_archive,
                "approval": {"approved": decision.approved, "reasons": decision.reasons},
                "posts": posts,
                **(view or {}),
            }
        )
    else:
        if out.archive:
            click.echo(f"archived first: {out.archive}")
        if no_archive:
            click.secho("NOT archived (--no-archive, recorded)", fg="yellow")
        if out.state == "awaiting-approval":
            click.secho(
                "AWAITING APPROVAL: nothing of this sunset reaches a platform until a second"
                f" person approves it: launcher approve launch {out.sunset_id}"
                f"{second_person(obj)}",
                fg="yellow",
                bold=True,
            )
            for why in decision.reasons:
                click.echo(f"  - {why}")
        sent = sum(1 for p in posts if p["state"] == "sent")
        click.echo(
            f"sunset {out.sunset_id} of {rec.id}: {len(posts)} farewell post(s), {sent} sent"
            f" now; {len(plan.steps)} step(s) on {when(plan.on.timestamp())}"
        )
        print_sunset(view)
        click.echo("the rest is carried out by `launcher daemon` (keep it running)")
        click.echo(out.sunset_id)
    if any(p["state"] == "failed" for p in posts):
        sys.exit(1)


def _decide(obj: dict, plan: Any) -> Any:
    from ..approvals import decide
    from ..paths import content_root

    return decide(content_root(obj.get("root")), plan.launch.playbook, plan.plan.locales)


def _show(plan: Any, as_json: bool, *, footer: str | None) -> None:
    from ..plan.view import plan_to_dict, render_plan_text

    steps = [s.as_row() | {"due_at": when(s.as_row()["due_at"])} for s in plan.steps]
    if as_json:
        if footer is None:
            return  # --json without --yes: the confirmation goes to stderr, the plan is below
        echo_json(
            {
                "sunset_of": plan.launch.id,
                "on": plan.on.isoformat().replace("+00:00", "Z"),
                "successors": dict(plan.successors),
                "notes": list(plan.notes),
                "plan": plan_to_dict(plan.plan),
                "steps": steps,
            }
        )
        return
    text = render_plan_text(plan.plan, footer=False).replace("PLAN  ", "SUNSET  ", 1)
    click.echo(text, nl=False)
    click.echo(f"\nON THE DATE ({when(plan.on.timestamp())}), {len(plan.steps)} step(s):")
    for s in plan.steps:
        where = f"{s.platform}/{s.locale}" if s.platform else "launch"
        click.echo(f"  {s.seq:>3}. {s.action:<12} {where}")
    for note in plan.notes:
        click.secho(f"note: {note}", fg="yellow")
    if footer:
        click.echo(f"\n{footer}")


def sunset_view(ledger: Any, launch_id: str) -> dict[str, Any] | None:
    """The sunset a launch is (or has): its date, successors and every step's state."""
    record = ledger.sunset(launch_id) or ledger.sunset_of(launch_id)
    if record is None:
        return None
    from ..ledger import iso

    return {
        "sunset_id": record.id,
        "winds_down": record.launch_id,
        "on": iso(record.on_at),
        "successors": dict(record.successors),
        "sunset_state": record.state,
        "steps": [s.as_status() for s in ledger.steps(record.id)],
    }


def print_sunset(view: dict[str, Any] | None) -> None:
    if not view:
        return
    click.echo(
        f"\nsunset {view['sunset_id']} of {view['winds_down']} on {view['on']}:"
        f" {view['sunset_state']}"
    )
    for s in view["steps"]:
        where = f"{s['platform']}/{s['locale']}" if s["platform"] else "launch"
        bad = s["state"] in ("failed",)
        line = f"  {s['seq']:>3}. {s['action']:<12} {where:<16} {s['state']}"
        if s.get("done"):
            line += f": {s['done']}"
        if s.get("error"):
            line += f": {s['error']}"
        if s["state"] == "retrying":
            line += f" (next attempt {s['retry_at']})"
        click.secho(line, fg="red" if bad else None, bold=bad)
        for item in s.get("checklist") or ():
            click.echo(f"         [ ] {item}")


COMMANDS = (sunset_cmd,)


def register(group: click.Group) -> None:
    for command in COMMANDS:
        group.add_command(command)
