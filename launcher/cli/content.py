"""Content commands: init, list, show, validate, plan. Thin: parse, call the library, print."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from ..errors import InputError
from .completion import locales as complete_locales
from .completion import missions as complete_missions
from .completion import playbooks as complete_playbooks


def parse_sets(values: tuple[str, ...]) -> dict[str, str]:
    """``--set name=value`` pairs; the value is taken literally (never evaluated)."""
    out: dict[str, str] = {}
    for item in values:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise InputError(
                f"'{item}' is not name=value",
                field="--set",
                hint='e.g. --set region="Emilia-Romagna"',
            )
        if name.strip() in out:
            raise InputError(f"'{name.strip()}' is given twice", field="--set")
        _check_text(name.strip(), value)
        out[name.strip()] = value
    return out


def _check_text(name: str, value: str) -> None:
    """A fact must be text: bytes that are not UTF-8 (a terminal or a script in another
    encoding) arrive as lone surrogates and could never be published."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        bad = value[exc.start]
        byte = f" (byte 0x{ord(bad) - 0xDC00:02x})" if 0xDC80 <= ord(bad) <= 0xDCFF else ""
        raise InputError(
            f"the value of {name!r} is not valid UTF-8 text{byte}",
            field=f"--set {name}",
            hint="set the terminal (or the script calling launcher) to UTF-8, e.g."
            " LANG=C.UTF-8, and type the value again",
        ) from None


def parse_at(
    value: str | None,
    zone: str | tuple[str, ...] | None,
    *,
    field: str = "--at",
    today: datetime | None = None,
) -> datetime | None:
    """A moment typed on the command line, read by the one parser (:mod:`launcher.content.moments`):
    without an offset it is the mission's local time (``zone``; None: an offset is required;
    several zones, the missions of a group: an offset is required, and the refusal names
    them), and a bare HH:MM is that time today in the mission's zone (``today``, default:
    now)."""
    if value is None:
        return None
    from datetime import UTC

    from ..content.moments import parse_moment

    today = today or datetime.now(UTC)
    if not isinstance(zone, tuple):
        return parse_moment(value, zone, field, today=today)
    try:
        return parse_moment(value, None, field, today=today)
    except InputError as first:
        try:
            parse_moment(value, "UTC", field, today=today)
        except InputError:
            raise first from None  # malformed, not only offset-less: said as such
        raise InputError(
            f"'{value}' has no UTC offset, and the missions are in different time zones"
            f" ({', '.join(zone)}): whose local time it is cannot be told",
            field=field,
            hint="write it with its offset, e.g. 2026-05-22T08:30:00Z (UTC) or"
            " 2026-05-22T10:30+02:00",
        ) from None


def mission_content(obj: dict, mission: str) -> tuple[Any, str]:
    """The content (loaded once, for ``build_plan(content=...)``) and the mission's zone,
    which ``--at`` and ``--now`` are read in."""
    from ..plan.build import load_content

    content = load_content(obj.get("root"))
    return content, content.registry.get(mission).timezone


def group_content(
    obj: dict, mission_ids: tuple[str, ...], selector: str | None
) -> tuple[Any, list[str], str | tuple[str, ...]]:
    """The content, the missions ``--mission`` (repeated) and ``--missions`` choose (in the
    order of missions.yaml) and their one time zone, which ``--at`` and ``--now`` are read
    in (the zones, when they span several: an offset is then required, see
    :func:`parse_at`)."""
    from ..content.selection import select_missions
    from ..plan.build import load_content

    content = load_content(obj.get("root"))
    chosen = select_missions(content.registry.missions, selector or "", mission_ids)
    if not chosen:
        raise InputError(
            "no mission chosen", field="--mission", hint="give --mission ID or --missions all"
        )
    zones = sorted({content.registry.get(m).timezone for m in chosen})
    return content, chosen, zones[0] if len(zones) == 1 else tuple(zones)


def mission_heading(plan: Any) -> str:
    """The heading of one mission's section in a review of several."""
    m = plan.mission
    rule = "=" * 78
    return f"{rule}\nMISSION {m.id}  ({m.city}, {m.country}, {m.timezone})\n{rule}\n"


def echo_plans(chosen: list[str], plans: list[Any], *, as_json: bool, full: bool = False) -> None:
    """The plans of several missions: each under its heading, or one JSON document
    ``{missions, plans}`` (``plan --json`` of each mission, in the order of ``missions``)."""
    from ..plan.view import plan_to_dict, render_plan_text
    from .common import echo_json

    if as_json:
        echo_json({"missions": chosen, "plans": [plan_to_dict(p) for p in plans]})
        return
    for plan in plans:
        click.echo(mission_heading(plan) + render_plan_text(plan, full=full), nl=False)


AT_HELP = (
    "The moment the event is confirmed (default: now): 2026-05-22T10:30 is mission local"
    " time, 22:00 is today in the mission's time zone, 2026-05-22T08:30:00Z or +09:00 an"
    " exact instant. A local time skipped or repeated by a DST change is refused."
)


def plan_options(f: Any = None, *, many: bool = False) -> Any:
    """The options shared by plan and run (``many``: run takes several missions)."""
    if f is None:
        return lambda g: plan_options(g, many=many)
    f = click.option(
        "--locale",
        "locales",
        multiple=True,
        shell_complete=complete_locales,
        help="Only these locales (repeatable). Default: the mission's + en, fr.",
    )(f)
    f = click.option(
        "--at",
        "at",
        metavar="ISO8601",
        help=AT_HELP,
    )(f)
    f = click.option(
        "--set",
        "sets",
        multiple=True,
        metavar="NAME=VALUE",
        help="An event fact (repeatable); see `launcher show PLAYBOOK`.",
    )(f)
    if many:
        f = click.option(
            "--missions",
            "selector",
            metavar="all|REGION|COUNTRY,...",
            help="Several missions at once: all, region tags (missions.yaml), country codes or"
            " mission ids, comma-separated. run: one launch per mission, one launch group.",
        )(f)
        f = click.option(
            "--mission",
            "-m",
            "mission",
            multiple=True,
            shell_complete=complete_missions,
            help="Mission id, e.g. rome (repeatable).",
        )(f)
    else:
        f = click.option(
            "--mission",
            "-m",
            required=True,
            shell_complete=complete_missions,
            help="Mission id, e.g. rome.",
        )(f)
    return click.argument("playbook", shell_complete=complete_playbooks)(f)


@click.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def list_cmd(obj: dict, as_json: bool) -> None:
    """List playbooks: id, event kind, title, parameters."""
    from ..content.playbook import load_playbook, playbook_ids
    from ..paths import content_root

    root = content_root(obj.get("root"))
    rows = []
    for pid in playbook_ids(root):
        pb = load_playbook(root, pid)
        params = [p.name + ("" if p.required else "?") for p in pb.parameters]
        rows.append(
            {
                "id": pb.id,
                "kind": pb.kind,
                "title": pb.title,
                "version": pb.version,
                "parameters": params,
            }
        )
    if not rows:
        from ..errors import ConfigError
        from ..paths import MAKE_OR_SELECT

        raise ConfigError(f"no playbooks in {root / 'playbooks'}", hint=MAKE_OR_SELECT)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    table(
        ("PLAYBOOK", "KIND", "TITLE", "PARAMETERS (? = optional)"),
        [(r["id"], r["kind"], r["title"], " ".join(r["parameters"])) for r in rows],
    )


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """Columns as wide as their widest cell (never run together), two spaces apart."""
    from .output import format_table

    for line in format_table(header, rows):
        click.echo(line)


@click.command("show")
@click.argument("playbook", shell_complete=complete_playbooks)
@click.pass_obj
def show_cmd(obj: dict, playbook: str) -> None:
    """Explain one playbook: parameters, accounts, messages, schedule."""
    from ..content.playbook import load_playbook
    from ..paths import content_root

    pb = load_playbook(content_root(obj.get("root")), playbook)
    click.echo(f"{pb.id} (v{pb.version}) — {pb.title}\nevent kind: {pb.kind}\n")
    if pb.description:
        click.echo(pb.description + "\n")
    click.echo("PARAMETERS  (--set NAME=VALUE)")
    for p in pb.parameters:
        bounds = []
        if p.min is not None or p.max is not None:
            from ..content.relative import show_seconds

            def show(b, p=p):
                if b is None:
                    return ""
                return show_seconds(b) if p.type == "datetime" else b

            bounds.append(
                f"{show(p.min)}..{show(p.max)}"
                + (" from the confirmation" if p.type == "datetime" else "")
            )
        if p.max_length:
            bounds.append(f"max {p.max_length} chars")
        if p.choices:
            bounds.append("one of " + "|".join(p.choices))
        req = (
            "required"
            if p.required
            else f"optional, default {p.default}"
            if p.default is not None
            else "optional"
        )
        extra = f" [{'; '.join(bounds)}]" if bounds else ""
        click.echo(f"  {p.name:<20} {p.type:<9} {req}{extra}")
        if p.help:
            click.echo(f"  {'':<20} {p.help}")
    click.echo("\nACCOUNTS")
    click.echo(f"  one per platform and locale on: {', '.join(pb.platforms)}")
    click.echo(f"  profile template: templates/{pb.profile_template}")
    if pb.banned_platform_param:
        rule = "still posts there" if pb.post_on_banned_platform else "never posts there"
        click.echo(f"  the platform named by '{pb.banned_platform_param}' is blocked: {rule}")
    click.echo("\nMESSAGES")
    from ..plan.intro import pinned_on

    pins = pinned_on(pb)
    click.echo(
        f"  {'intro':<20} at +0m, each account's first post"
        + (f" [pinned on {', '.join(pins)}]" if pins else "")
        + f"\n  {'':<20} templates/{pb.profile_template} (block pinned_intro)"
    )
    for m in pb.messages:
        click.echo(
            f"  {m.id:<20} {describe_schedule(m.schedule)}"
            + (" [pinned]" if m.pin else "")
            + (" [thread]" if m.thread else "")
            + (f" [{m.tone}]" if m.tone != "neutral" else "")
        )
        click.echo(
            f"  {'':<20} templates/{m.template}"
            + (f"; only on {', '.join(m.platforms)}" if m.platforms else "")
            + (f"; when {m.when}" if m.when else "")
        )
    if pb.replies:  # the listening post's approved answers (launcher answer ITEM --with ID)
        click.echo("\nREPLIES (launcher answer ITEM --with ID)")
        for r in pb.replies:
            click.echo(f"  {r.id:<20} {r.description}")
            click.echo(
                f"  {'':<20} templates/{r.template}"
                + (f"; only on {', '.join(r.platforms)}" if r.platforms else "")
            )


def describe_schedule(s) -> str:
    def d(td) -> str:
        secs = int(td.total_seconds())
        for unit, n in (("d", 86400), ("h", 3600), ("m", 60)):
            if secs and secs % n == 0:
                return f"{secs // n}{unit}"
        return f"{secs}s" if secs else "0m"

    def moment(fact, td) -> str:
        if fact is None:
            return f"+{d(td)}"
        sign = "-" if td < td.__class__(0) else "+"
        return f"event.{fact}" + (f" {sign} {d(abs(td))}" if td else "")

    if s.daily_at is not None:
        text = f"daily at {s.daily_at:%H:%M} local for {s.days} day(s)"
    else:
        text = f"at {moment(s.at_fact, s.offset)}"
        if s.every is not None:
            text += f", every {d(s.every)} until {moment(s.until_fact, s.until)}"
        for every, until in s.phases:
            text += f", then every {d(every)} until +{d(until)}"
    if s.quiet:
        text += f", quiet {s.quiet[0]:%H:%M}-{s.quiet[1]:%H:%M} local"
    return text


@click.command("validate")
@click.option("--json", "as_json", is_flag=True, help="Print the problems as JSON.")
@click.pass_obj
def validate_cmd(obj: dict, as_json: bool) -> None:
    """Check all playbooks, templates, catalogs, missions and settings; report every problem."""
    from ..checks.validate import validate

    report = validate(obj.get("root"), config=obj.get("config"))
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "checked": report.checked,
                    "problems": [
                        {
                            "file": p.file,
                            "line": p.line,
                            "column": p.column,
                            "field": p.field,
                            "message": p.message,
                            "hint": p.hint,
                        }
                        for p in report.problems
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for p in report.warnings:
            click.secho(f"warning: {p}", fg="yellow", err=True)
        for p in report.problems:
            click.secho(str(p), fg="red", err=True)
        summary = ", ".join(f"{n} {what}" for what, n in report.checked.items())
        if report.ok:
            click.secho(f"ok: {summary}", fg="green")
        else:
            click.secho(
                f"{len(report.problems)} problem(s) found; checked {summary}", fg="red", err=True
            )
    if not report.ok:
        raise click.exceptions.Exit(2)


@click.command("plan")
@plan_options(many=True)
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="Print the plan as one JSON document (several missions: {missions, plans}).",
)
@click.option("--full", is_flag=True, help="List every repeated update, not just the first ones.")
@click.pass_obj
def plan_cmd(
    obj: dict,
    playbook: str,
    mission: tuple[str, ...],
    selector: str | None,
    sets: tuple[str, ...],
    at: str | None,
    locales: tuple[str, ...],
    as_json: bool,
    full: bool,
) -> None:
    """Render and check everything a launch would do. Sends nothing, writes nothing.

    Several missions (--mission A --mission B, or --missions all|REGION|COUNTRY,...): the
    plan of each under its own heading, as `launcher run` shows them, for one moment of
    confirmation; --json prints {missions, plans}.
    """
    from ..plan.build import build_plan
    from ..plan.view import plan_to_json, render_plan_text

    if selector is not None or len(mission) != 1:
        from datetime import UTC

        from ..plan.many import build_plans

        content, chosen, zone = group_content(obj, mission, selector)
        event_at = parse_at(at, zone) or datetime.now(UTC)  # one moment for every mission
        plans = build_plans(playbook, chosen, parse_sets(sets), content=content,
                            now=event_at, locales=locales or None)  # fmt: skip
        echo_plans(chosen, plans, as_json=as_json, full=full)
        return
    mission_id = mission[0]
    content, zone = mission_content(obj, mission_id)
    plan = build_plan(
        playbook,
        mission_id,
        parse_sets(sets),
        now=parse_at(at, zone),
        content=content,
        locales=locales or None,
    )
    click.echo(plan_to_json(plan) if as_json else render_plan_text(plan, full=full), nl=False)


@click.command("init")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option(
    "--playbook",
    default="earthquake",
    show_default=True,
    help="The sample playbook to start from.",
)
def init_cmd(directory: str, playbook: str) -> None:
    """Start a content repository in DIRECTORY from the shipped sample: missions, a playbook,
    its templates and catalogs, babel.cfg, guardrails.yaml, launcher.yaml (sandbox), a README
    for the content team and a CI check running `launcher validate`."""
    from pathlib import Path

    from ..content.newrepo import init_repository

    result = init_repository(Path(directory), playbook)
    click.echo(
        f"created {result.root}: playbook {result.playbook}, {result.strings} strings in"
        f" {len(result.locales)} catalogs ({', '.join(result.locales)})"
    )
    for rel in result.files:
        click.echo(f"  {rel}")
    click.echo(
        f"next: cd {directory} && launcher validate; then read README.md (approve the content"
        " with your own key before a crisis)"
    )


def register(group: click.Group) -> None:
    for command in (init_cmd, list_cmd, show_cmd, validate_cmd, plan_cmd):
        group.add_command(command)
