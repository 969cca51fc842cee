"""``launcher cap``: a launch as a CAP 1.2 alert, or the organisation's CAP feed. Thin."""

from __future__ import annotations

from pathlib import Path

import click

from .common import open_ledger

STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")


@click.command("cap")
@click.argument("launch", required=False)
@click.option("--message", "number", type=int, help="Message N of the launch (default: latest).")
@click.option("--feed", is_flag=True, help="Write every launch's messages and an Atom feed.")
@click.option("--out", "-o", type=click.Path(), help="File (a launch) or directory (--feed).")
@click.option(
    "--base-url",
    default="https://www.example.org/cap/",
    show_default=True,
    help="With --feed: where the feed and its CAP files will be served from.",
)
@click.option(
    "--status",
    type=click.Choice(STATUSES),
    default="Actual",
    show_default=True,
    help="CAP status: Test or Exercise for drills.",
)
@click.pass_obj
def cap_cmd(
    obj: dict,
    launch: str | None,
    number: int | None,
    feed: bool,
    out: str | None,
    base_url: str,
    status: str,
) -> None:
    """Write a launch as a CAP 1.2 alert (Alert, Update per revision, Cancel on halt), or
    with --feed an Atom feed of the organisation's CAP messages, validated against the OASIS
    CAP 1.2 schema."""
    from ..cap.feed import write_feed
    from ..cap.writer import alert_xml
    from ..plan.build import load_content

    if feed == bool(launch):
        raise click.UsageError("give a LAUNCH, or --feed (not both)")
    if feed and not out:
        raise click.UsageError("--feed needs --out DIR (the feed and its CAP files)")
    content = load_content(obj.get("root"))
    _, ledger = open_ledger(obj)
    with ledger:
        if feed:
            path, n = write_feed(
                ledger, content, Path(out or "."), base_url=base_url, status=status
            )
            click.echo(f"wrote {path} ({n} CAP message(s) beside it)")
            return
        data = alert_xml(ledger, content, str(launch), number=number, status=status)
    if out:
        Path(out).write_bytes(data)
        click.echo(f"wrote {out}")
    else:
        click.echo(data.decode("utf-8"), nl=False)


COMMANDS = (cap_cmd,)


def register(group: click.Group) -> None:
    for command in COMMANDS:
        group.add_command(command)
