"""How the outcome of a launch is printed: counts, checklists, failures, waits."""

from __future__ import annotations

from typing import Any

import click

from .common import when


def shown(text: object) -> str:
    """Text from outside (a reply, a mention, an author's name) as it may be printed on a
    terminal: control characters, which could move the cursor, clear the screen, set the
    window title or fake a line, and direction controls, which reorder what is read, become
    visible markers such as ``⟨U+001B⟩``; line breaks and tabs stay."""
    from ..content.bidi import marker

    value = str(text)
    if value.isprintable() or not any(_unsafe(c) for c in value):
        return value
    return "".join(marker(c) if _unsafe(c) else c for c in value)


def _unsafe(char: str) -> bool:
    from ..content.bidi import CONTROLS, is_terminal_control

    return is_terminal_control(char) or char in CONTROLS


def format_table(header: tuple[str, ...], rows: list[tuple[Any, ...]], *, right=()) -> list[str]:
    """Lines of a table whose columns are as wide as their widest cell, two spaces apart, so
    long ids never run into the next column. ``right``: indexes of right-aligned columns."""
    cells = [tuple(str(c) for c in header), *[tuple(str(c) for c in r) for r in rows]]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    out = []
    for r in cells:
        parts = [
            r[i].rjust(widths[i]) if i in right else r[i].ljust(widths[i]) for i in range(len(r))
        ]
        out.append("  ".join(parts).rstrip())
    return out


def count(items: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item.state] = counts.get(item.state, 0) + 1
    return counts


def print_run(result: Any) -> None:
    counts = count(result.posts)
    click.echo(f"launch {result.launch_id}  state: {result.state}")
    if result.state == "awaiting-approval":
        click.echo(f"accounts: {len(result.accounts)} waiting; posts: {len(result.posts)} waiting")
        click.echo(result.launch_id)
        return
    ready = sum(1 for a in result.accounts if a.state in ("active", "manual"))
    click.echo(f"accounts: {ready} of {len(result.accounts)} ready")
    print_checklists(result.accounts)
    click.echo(
        f"posts: {counts.get('sent', 0)} sent now, {counts.get('scheduled', 0)} scheduled"
        + (f", {counts['retrying']} RETRYING" if counts.get("retrying") else "")
        + (f", {counts['failed']} FAILED" if counts.get("failed") else "")
        + (f", {counts['expired']} EXPIRED" if counts.get("expired") else "")
    )
    print_failures(result.posts)
    print_waiting(result.posts, result.accounts)
    if result.state == "halted":  # e.g. a retry of a halted launch: queued, not going out
        click.secho(
            f"the launch is HALTED: nothing goes out until `launcher resume {result.launch_id}`",
            fg="yellow",
        )
    elif counts.get("scheduled") or counts.get("retrying"):
        click.echo("later posts are sent by `launcher daemon` (keep it running)")
    click.echo(result.launch_id)


def print_checklists(accounts: Any) -> None:
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


def print_failures(posts: Any) -> None:
    for state, what in (("failed", "FAILED"), ("expired", "EXPIRED (never sent)")):
        bad = [p for p in posts if p.state == state]
        if not bad:
            continue
        click.secho(f"{len(bad)} post(s) {what}:", fg="red", bold=True)
        for p in bad:
            click.secho(f"  #{p.id} {p.platform}/{p.locale} {p.message}: {p.error}", fg="red")
    if any(p.state in ("failed", "expired") for p in posts):
        click.echo("  after fixing the cause: launcher retry LAUNCH [--post KEY] [--platform P]")


def print_waiting(posts: Any, accounts: Any = ()) -> None:
    """Posts and accounts a platform fault delayed: when the next attempt is, and why."""
    for a in accounts:
        if a.state == "retrying":
            click.secho(
                f"  account {a.platform}/{a.locale} RETRYING at {when(a.retry_at)}: {a.error}",
                fg="yellow",
            )
    waiting = [p for p in posts if p.state == "retrying"]
    if not waiting:
        return
    click.secho(f"{len(waiting)} post(s) RETRYING (a platform fault; nothing lost):", fg="yellow")
    for p in waiting[:20]:
        if p.attempts == 0 and not p.error:  # never tried: it waits for its account's turn
            why = "waits for the earlier post of its account (posts never overtake one another)"
        else:
            why = f"try {p.attempts}; last error: {p.error}"
        click.secho(
            f"  #{p.id} {p.platform}/{p.locale} {p.message}: next attempt {when(p.retry_at)}"
            f" ({why})",
            fg="yellow",
        )
    if len(waiting) > 20:
        click.echo(f"  ... and {len(waiting) - 20} more (launcher status --json)")


# -- daemon ------------------------------------------------------------------------------
