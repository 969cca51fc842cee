"""Drills: ``--now`` plays a command at another moment; ``--really`` lets it reach real
platforms (loudly, in the audit trail). Shared by run, daemon, retry, resume, approve launch."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import click

from .content import parse_at

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


def drill_check(targets: list[str], now: datetime | None, really: bool, *, command: str) -> None:
    """Before anything is sent: a drill (``--now``) that could reach a real platform is
    refused (exit 2) unless ``--really``; ``--really`` alone is a usage error."""
    from ..launch.drills import refuse_real_drill

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
    from ..launch.drills import real_targets

    drill = parse_at(now, launch.timezone, field="--now")
    if drill is None:
        if really:
            raise click.UsageError("--really goes with --now")
        return time.time
    if sends:
        pairs = sorted({(a.platform, launch.mission) for a in ledger.accounts(launch.id)})
        targets = real_targets(settings, pairs)
        drill_check(targets, drill, really, command=command)
        drill_really(ledger, targets, drill, command=command, actor=actor)
    return drill_clock(drill)


def drill_really(
    ledger: Any, targets: list[str], now: datetime | None, *, command: str, actor: str
) -> None:
    """``--now --really`` with real platforms: said loudly, written to the audit trail."""
    from ..launch.drills import record_really

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
