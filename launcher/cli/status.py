"""Read-only launch commands: status and log. Thin: read the ledger, print."""

from __future__ import annotations

import json
import sys
from typing import Any

import click

from .common import JSON_OPTION, echo_json, open_ledger, when
from .completion import launches
from .output import format_table, print_checklists, print_failures, print_waiting
from .sunset import print_sunset, sunset_view


# -- status ------------------------------------------------------------------------------
@click.command("status")
@click.argument("launch", required=False, shell_complete=launches)
@click.option("--group", metavar="GROUP", help="The launches of a launch group.")
@click.option(
    "--watch",
    is_flag=True,
    help="Follow the posts due now as they go out, until none is left to send: a live display"
    " on a terminal, plain lines otherwise.",
)
@JSON_OPTION
@click.pass_obj
def status_cmd(
    obj: dict, launch: str | None, group: str | None, watch: bool, as_json: bool
) -> None:
    """Launches, or one launch: its accounts and every post's state; --group: the launches
    of one group; --watch: follow them as they go out."""
    from ..ledger import iso, overall_state

    _, ledger = open_ledger(obj)
    with ledger:
        if watch:
            return _watch(ledger, launch, group, as_json)
        if group is not None:
            if launch is not None:
                raise click.UsageError("give a LAUNCH or --group GROUP, not both")
            rec_group = ledger.group(group)
            order = {lid: i for i, lid in enumerate(rec_group.launches)}
            summaries = sorted(
                ledger.summaries(rec_group.launches), key=lambda s: order[s.launch.id]
            )
            if as_json:
                echo_json(
                    {"group": rec_group.id, "launches": [_summary_dict(s) for s in summaries]}
                )
                return
            click.echo(
                f"launch group {rec_group.id}  ({rec_group.playbook}, {rec_group.selector},"
                f" by {rec_group.created_by} at {when(rec_group.created_at)})"
            )
            _print_summaries(summaries)
            return
        if launch is None:
            summaries = ledger.summaries()
            if as_json:
                echo_json({"launches": [_summary_dict(s) for s in summaries]})
                return
            if not summaries:
                click.echo("No launches yet.")
                return
            _print_summaries(summaries)
            return
        rec = ledger.resolve(launch)
        posts = ledger.posts(rec.id)
        accounts = ledger.accounts(rec.id)
        sunset = sunset_view(ledger, rec.id)
        from .listening import status_lines

        listening, listening_lines = status_lines(ledger, rec.id)  # removed posts, inbox
    counts: dict[str, int] = {}
    for p in posts:
        counts[p.state] = counts.get(p.state, 0) + 1
    state = overall_state(rec.state, counts)
    if as_json:
        echo_json(
            {
                "launch": rec.id,
                "playbook": rec.playbook,
                "mission": rec.mission,
                "state": state,
                "created_by": rec.created_by,
                "created_at": iso(rec.created_at),
                "timezone": rec.timezone,
                "kind": rec.kind,
                "notes": list(rec.note),
                "emergency_override": rec.override_reason,
                "facts": dict(rec.facts),
                "counts": counts,
                "accounts": [a.as_status() for a in accounts],
                "posts": [p.as_status() for p in posts],
                "sunset": sunset,
                **listening,
            },
            big=len(posts) > 5000,
        )
        return
    click.echo(f"launch {rec.id}  ({rec.playbook} at {rec.mission})")
    bad = state in ("failed", "expired")
    click.secho(f"state: {state}", fg="red" if bad else None, bold=True)
    if rec.override_reason:
        click.secho(
            f"!! EMERGENCY OVERRIDE (sent without approval): {rec.override_reason}",
            fg="red",
            bold=True,
        )
    for why in rec.note:
        click.echo(f"  note: {why}")
    click.echo(
        f"by {rec.created_by} at {when(rec.created_at)}; "
        + ", ".join(f"{n} {s}" for s, n in sorted(counts.items()))
    )
    local, zone_name = _local_formatter(rec.timezone)
    click.echo(f"times in {zone_name}")
    click.echo(f"\naccounts ({len(accounts)}):")
    for line in format_table(
        ("PLATFORM", "LOCALE", "STATE", "HANDLE"),
        [(a.platform, a.locale, a.state, a.handle) for a in accounts],
    )[1:]:
        click.echo(f"  {line}")
    print_checklists(accounts)
    click.echo(
        f"\n{'ID':>6} {'STATE':<10}{'DUE':<26}{'SENT':<26}"
        f"{'PLATFORM':<10}{'LOCALE':<7}{'TRY':>3}  MESSAGE / PLATFORM ID"
    )
    lines = []
    for p in posts:
        what = f"{p.message}" + (f" {p.part}/{p.parts}" if p.parts > 1 else "")
        tail = p.platform_post_id or ""
        lines.append(
            (
                f"{p.id:>6} {p.state:<10}{local(p.due_at):<26}{local(p.sent_at):<26}"
                f"{p.platform:<10}{p.locale:<7}{p.attempts:>3}  {what} {tail}",
                p.state in ("failed", "expired"),
            )
        )
    if sys.stdout.isatty() or len(lines) < 5000:
        for text, bad in lines:
            click.secho(text, fg="red" if bad else None, bold=bad)
    else:
        click.echo("\n".join(text for text, _ in lines))
    print_failures(posts)
    print_waiting(posts, accounts)
    print_sunset(sunset)
    for text, loud in listening_lines:
        click.secho(text, fg="red" if loud else None, bold=loud)


def _print_summaries(summaries: Any) -> None:
    """One line per launch. RETRYING has its own column: during an outage a launch's posts
    wait for their next attempt, and a list that showed only sent and failed read as if
    nothing were wrong."""
    rows = [
        (
            s.launch.id,
            s.overall,
            s.counts.get("sent", 0),
            sum(s.counts.values()),
            s.counts.get("retrying", 0),
            s.counts.get("failed", 0),
            s.launch.created_by + ("  EMERGENCY OVERRIDE" if s.launch.override_reason else ""),
        )
        for s in summaries
    ]
    header = ("LAUNCH", "STATE", "SENT", "TOTAL", "RETRYING", "FAILED", "BY")
    lines = format_table(header, rows, right=(2, 3, 4, 5))
    click.echo(lines[0])
    for row, line in zip(rows, lines[1:], strict=True):
        failed, retrying = bool(row[5]), bool(row[4])
        colour = "red" if failed else "yellow" if retrying else None
        click.secho(line, fg=colour, bold=failed)


def _watch(ledger: Any, launch: str | None, group: str | None, as_json: bool) -> None:
    """``status --watch``: follow the posts due now of one launch, a group, or every active
    launch, until nothing due is left to send."""
    import time

    from .progress import measure, summary, watch

    if launch and group:
        raise click.UsageError("give a LAUNCH or --group GROUP, not both")
    if group:
        ids = list(ledger.group(group).launches)
    elif launch:
        ids = [ledger.resolve(launch).id]
    else:
        ids = ledger.launch_ids(state="active")
    if not ids:
        click.echo("nothing is going out: no active launch")
        return
    stream = click.get_text_stream("stdout")
    tty = stream.isatty() and not as_json
    last = watch(lambda: measure(ledger.progress(ids, now=time.time())), out=stream, tty=tty)
    if as_json:
        echo_json({"launches": [p.__dict__ | {"done": p.done} for p in last]})
    else:
        click.echo(summary(last))


def _local_formatter(zone: str | None) -> tuple[Any, str]:
    """Due times in the mission's own zone (with its abbreviation, DST included)."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    if not zone:
        return when, "UTC"
    try:
        tz = ZoneInfo(zone)
    except (KeyError, ValueError):
        return when, "UTC"

    def local(value: float | None) -> str:
        if value is None:
            return "-"
        return datetime.fromtimestamp(value, tz).strftime("%Y-%m-%d %H:%M:%S %Z")

    return local, zone


def _summary_dict(s: Any) -> dict[str, Any]:
    from ..ledger import iso

    return {
        "launch": s.launch.id,
        "playbook": s.launch.playbook,
        "mission": s.launch.mission,
        "state": s.overall,
        "created_by": s.launch.created_by,
        "created_at": iso(s.launch.created_at),
        "counts": dict(s.counts),
        "notes": list(s.launch.note),
        "emergency_override": s.launch.override_reason,
    }


# -- log ---------------------------------------------------------------------------------
@click.command("log")
@click.argument("launch", required=False, shell_complete=launches)
@click.option("--limit", type=click.IntRange(min=1), help="Only the last N entries (N ≥ 1).")
@click.option(
    "--verify",
    is_flag=True,
    help="Check the audit chain: name the first event edited, removed, reordered or inserted"
    " behind launcher's back (exit 1).",
)
@click.option(
    "--anchor",
    "anchors",
    multiple=True,
    metavar="SEQ:HASH",
    help="With --verify: a head printed earlier, which must still be in the chain.",
)
@JSON_OPTION
@click.pass_obj
def log_cmd(
    obj: dict,
    launch: str | None,
    limit: int | None,
    verify: bool,
    anchors: tuple[str, ...],
    as_json: bool,
) -> None:
    """The audit trail: who did what, when. --verify checks that nobody changed it."""
    if verify or anchors:
        from .audit import verify_log

        return verify_log(obj, anchors, as_json)
    _, ledger = open_ledger(obj)
    with ledger:
        lid = ledger.resolve(launch).id if launch else None
        events = ledger.events(lid, limit=limit)
    if as_json:
        echo_json([e.as_dict() for e in events])
        return
    for e in events:
        detail = " ".join(
            f"{k}={json.dumps(v, ensure_ascii=False) if not isinstance(v, str) else v}"
            for k, v in sorted(e.detail.items())
            if v not in (None, [], {}, "")
        )
        where = (e.launch_id or "-") + (f" #{e.post_id}" if e.post_id else "")
        click.echo(f"{when(e.at)}  {e.actor:<24} {e.action:<24} {where}  {detail}")


def register(group: click.Group) -> None:
    group.add_command(status_cmd)
    group.add_command(log_cmd)
