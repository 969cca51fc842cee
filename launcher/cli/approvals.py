"""Approval commands: approve content before a crisis, see what is approved, release launches."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from pathlib import Path

import click

from ..errors import InputError
from .completion import launches, playbooks
from .drill import NOW_OPTION, REALLY_OPTION


def parse_duration(text: str | None) -> timedelta | None:
    if text is None:
        return None
    m = re.fullmatch(r"\s*(\d+)\s*(h|d|w)\s*", text)
    if not m:
        raise InputError(
            f"'{text}' is not a duration", field="--expires-in", hint="e.g. 30d, 12w, 48h"
        )
    n, unit = int(m.group(1)), m.group(2)
    return timedelta(hours=n) if unit == "h" else timedelta(days=n * (7 if unit == "w" else 1))


def _content_approver(root: Path, who: str | None, key_ref: str | None) -> tuple[str, str | None]:
    """(who approves, the key reference to sign with). In a content root with people.yaml it
    is a verified content approver: their key (--key, $LAUNCHER_APPROVAL_KEY or
    $LAUNCHER_KEY) says who they are; --as may only repeat it."""
    import os

    from ..actor import resolve_actor
    from ..approvals import KEY_ENV
    from ..errors import Refused
    from ..people.identity import verified_actor
    from ..people.keys import KEY_ENV as PERSON_KEY
    from ..people.keys import load_signing_key
    from ..people.registry import load_people
    from ..people.roles import authorize

    people = load_people(root)
    if people is None:
        return resolve_actor(who), key_ref
    ref = key_ref or os.environ.get(KEY_ENV) or os.environ.get(PERSON_KEY)
    if not ref:
        raise Refused(
            "approving content takes a content approver's own key (people.yaml declares people)",
            hint=f"set {PERSON_KEY}=file:/path/to/your.key (listed for you in people.yaml), or"
            " pass --key",
        )
    actor = verified_actor(people, load_signing_key(ref, what="the approval signing key"))
    authorize(actor, "approve-content")
    assert actor.person is not None
    if who and who.strip() not in (actor.person.id, actor.person.name):
        raise InputError(
            f"{who!r}: the key is {actor.person.label()}'s; --as cannot name someone else",
            field="--as",
        )
    return actor.person.label(), ref


@click.group("approve")
def approve_group() -> None:
    """Approve content before a crisis, or release a launch held for a second person."""


@approve_group.command("content")
@click.argument("playbook", shell_complete=playbooks)
@click.option(
    "--locale",
    "locales",
    multiple=True,
    help="Approve only these locales (repeatable). Default: every shipped catalog.",
)
@click.option("--as", "who", metavar="NAME", help="Who approves (recorded and signed).")
@click.option(
    "--key",
    "key_ref",
    metavar="REF",
    help="Signing key reference (env:NAME or file:/path). Default: $LAUNCHER_APPROVAL_KEY.",
)
@click.option("--expires-in", metavar="DURATION", help="e.g. 90d: the approval lapses after it.")
@click.pass_obj
def approve_content_cmd(
    obj: dict,
    playbook: str,
    locales: tuple[str, ...],
    who: str | None,
    key_ref: str | None,
    expires_in: str | None,
) -> None:
    """Record a signed approval of everything PLAYBOOK can publish now."""
    from ..approvals import APPROVALS_FILE, approve_content
    from ..paths import content_root

    root = content_root(obj.get("root"))
    if not locales:
        locales = tuple(sorted(p.name for p in (root / "locales").glob("*") if p.is_dir()))
    approver, key_ref = _content_approver(root, who, key_ref)
    entry = approve_content(
        root,
        playbook,
        locales=locales,
        approver=approver,
        key_ref=key_ref,
        expires_in=parse_duration(expires_in),
    )
    click.echo(
        f"approved {entry.playbook} v{entry.version} for {', '.join(sorted(entry.locales))}"
        f" by {entry.approved_by} at {entry.approved_at}"
        + (f", until {entry.expires_at}" if entry.expires_at else "")
    )
    click.echo(f"recorded in {APPROVALS_FILE}: commit it so reviewers see it")


@approve_group.command("keygen")
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    required=True,
    help="Where to write the private key (created with mode 0600).",
)
@click.option("--owner", required=True, help="Who holds this key, e.g. 'Press office'.")
def keygen_cmd(out: str, owner: str) -> None:
    """Create an Ed25519 signing key for approvals; prints the public entry to publish."""
    import yaml

    from ..approvals import KEY_ENV, KEYS_FILE, generate_key

    entry = generate_key(Path(out), owner)
    click.echo(f"private key written to {out} (mode 0600): keep it off the content repository")
    click.echo(f"use it with: export {KEY_ENV}=file:{Path(out).resolve()}")
    click.echo(f"add this to {KEYS_FILE} in the content repository:\n")
    click.echo(yaml.safe_dump({"keys": [entry]}, sort_keys=False).rstrip())


@click.command("approvals")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def approvals_cmd(obj: dict, as_json: bool) -> None:
    """What is approved, by whom, until when, and what changed since (per locale)."""
    from ..approvals import load_approvals, load_keys, statuses
    from ..paths import content_root

    root = content_root(obj.get("root"))
    keys = load_keys(root)
    rows = statuses(root, load_approvals(root), keys)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "playbook": s.approval.playbook,
                        "version": s.approval.version,
                        "locales": sorted(s.approval.locales),
                        "valid_locales": s.valid_locales,
                        "approved_by": s.approval.approved_by,
                        "approved_at": s.approval.approved_at,
                        "expires_at": s.approval.expires_at,
                        "state": s.state,
                        "changes": s.changes,
                    }
                    for s in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    if not rows:
        click.echo("No approvals yet. Record one with: launcher approve content PLAYBOOK --as NAME")
        return
    for s in rows:
        a = s.approval
        color = {"valid": "green", "stale": "yellow"}.get(s.state, "red")
        until = f" until {a.expires_at}" if a.expires_at else ""
        click.secho(f"{s.state.upper():<12}", fg=color, nl=False)
        click.echo(
            f"{a.playbook} v{a.version}  [{', '.join(sorted(a.locales))}]  "
            f"by {a.approved_by} at {a.approved_at}{until}"
        )
        for change in s.changes:
            click.echo(f"             - {change}")


@approve_group.command("launch")
@click.argument("launch", shell_complete=launches)
@click.option("--as", "who", metavar="NAME", help="Who approves (must not be who ran it).")
@NOW_OPTION
@REALLY_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def approve_launch_cmd(
    obj: dict, launch: str, who: str | None, now: str | None, really: bool, as_json: bool
) -> None:
    """Release a launch awaiting approval (four eyes): its accounts are set up and its due
    posts go out at once."""
    from ..people.actions import approve_launch
    from .common import open_ledger
    from .drill import launch_clock
    from .people import acting

    person = acting(obj, who, "approve-launch")
    actor = person.name
    settings, ledger = open_ledger(obj)
    with ledger:
        rec = ledger.resolve(launch)
        clock = launch_clock(
            settings, ledger, rec, now, really, command="approve launch", actor=actor
        )
        final = approve_launch(ledger, settings, person, rec, clock=clock)
    if as_json:
        click.echo(json.dumps(final.as_dict(), ensure_ascii=False, indent=2))
    else:
        sent = sum(1 for p in final.posts if p.state == "sent")
        click.echo(
            f"launch {rec.id} approved by {actor} (ran by {rec.created_by}): "
            f"{sent} sent now, state {final.state}"
        )
    if any(p.state == "failed" for p in final.posts):  # as `run`: an operation failed
        raise click.exceptions.Exit(1)


@click.command("reject")
@click.argument("launch", shell_complete=launches)
@click.option("--reason", required=True, help="Why it must not go out (recorded).")
@click.option("--as", "who", metavar="NAME", help="Who rejects.")
@click.pass_obj
def reject_cmd(obj: dict, launch: str, reason: str, who: str | None) -> None:
    """Reject a launch awaiting approval: nothing of it is ever sent."""
    import time

    from ..people.actions import reject_launch
    from .common import open_ledger
    from .people import acting

    person = acting(obj, who, "reject")
    actor = person.name
    _, ledger = open_ledger(obj)
    with ledger:
        rec = ledger.resolve(launch)
        n = reject_launch(ledger, person, rec, reason=reason, now=time.time())
    click.echo(f"launch {rec.id} rejected by {actor}: {n} posts will never be sent")


@click.command("pending")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.pass_obj
def pending_cmd(obj: dict, as_json: bool) -> None:
    """Launches awaiting approval by a second person, with the reasons."""
    from ..ledger import iso
    from .common import open_ledger
    from .listening import pending_answers, print_pending_answers

    _, ledger = open_ledger(obj)
    with ledger:
        rows = ledger.awaiting()
        halted = ledger.halted_unapproved()  # halted while waiting: still a second person's
        answers = pending_answers(ledger)  # the listening post's answers wait here too
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "launch": r.id,
                        "playbook": r.playbook,
                        "mission": r.mission,
                        "ran_by": r.created_by,
                        "created_at": iso(r.created_at),
                        "reasons": list(r.note),
                        **({"halted": True} if r in halted else {}),
                    }
                    for r in [*rows, *halted]
                ]
                + [{"answer": a.id, **a.as_dict()} for a in answers],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    from .people import second_person

    print_pending_answers(answers, second_person(obj))
    for r in halted:
        click.secho(f"{r.id}", bold=True, nl=False)
        click.echo(
            f"  {r.playbook} at {r.mission}, run by {r.created_by}: HALTED before any approval"
            f" (launcher resume {r.id} puts it back here; or launcher reject {r.id} --reason ...)"
        )
    if not rows:
        click.echo("No launch is awaiting approval.")
        return
    from ..paths import content_root
    from ..people.registry import load_people

    people = load_people(content_root(obj.get("root"))) is not None
    for r in rows:
        click.secho(f"{r.id}", bold=True, nl=False)
        click.echo(f"  {r.playbook} at {r.mission}, run by {r.created_by} at {iso(r.created_at)}")
        for why in r.note:
            click.echo(f"    - {why}")
        if people:  # four eyes between verified people: the approver's own key
            click.echo(f"    approve (with your LAUNCHER_KEY): launcher approve launch {r.id}")
        else:
            click.echo(f"    approve: launcher approve launch {r.id} --as NAME")


def register(group: click.Group) -> None:
    group.add_command(approve_group)
    group.add_command(approvals_cmd)
    group.add_command(pending_cmd)
    group.add_command(reject_cmd)
