"""People commands (who is declared, keys, who am I) and :func:`acting`, which every command
that acts calls to learn who acts, check their role and have their key sign what they do."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from .common import JSON_OPTION, echo_json


def acting(obj: dict, as_name: str | None, *actions: str) -> Any:
    """The :class:`~launcher.people.identity.Actor` of this command, allowed to take every
    one of ``actions`` (see :mod:`launcher.people.roles`); their key signs the audit events
    recorded under their id until the command ends."""
    from ..audit.signer import signing_as
    from ..paths import content_root
    from ..people.identity import resolve
    from ..people.roles import authorize

    actor = resolve(content_root(obj.get("root")), as_name)
    for action in actions:
        authorize(actor, action)
    ctx = click.get_current_context()
    ctx.with_resource(signing_as(actor.signer))
    ctx.call_on_close(lambda: notify_after(obj))
    return actor


def second_person(obj: dict) -> str:
    """How the second person of a command line says who they are: their own key where
    people.yaml lists people (names do not count there), else ``--as NAME``."""
    from ..paths import content_root
    from ..people.registry import PEOPLE_FILE

    try:
        listed = (content_root(obj.get("root")) / PEOPLE_FILE).is_file()
    except Exception:  # no content root: the command says so itself
        listed = False
    return " (with their own LAUNCHER_KEY)" if listed else " --as NAME"


def notify_after(obj: dict) -> None:
    """Send the notifications the command's action caused (never failing the command)."""
    from ..errors import LauncherError, redact
    from ..notify.config import config_of
    from ..notify.runner import describe, flush
    from ..paths import content_root
    from ..people.registry import PEOPLE_FILE
    from .common import open_ledger, settings_of

    try:
        root = content_root(obj.get("root"))
        settings = settings_of(obj)
    except LauncherError:  # the command itself has said what is wrong with them
        return
    try:
        if not (root / PEOPLE_FILE).is_file() and not config_of(settings).configured:
            return  # nobody to notify: do not even open the ledger
        settings, ledger = open_ledger(obj)
        with ledger:
            result = flush(ledger, root, settings)
    except Exception as exc:  # notifications never fail a command that did its work
        click.secho(
            f"warning: notifications not sent now ({redact(str(exc))}); `launcher daemon`"
            " sends them",
            fg="yellow",
            err=True,
        )
        return
    for text, colour in describe(result):
        click.secho(text, fg=colour, err=True)


@click.group("people", invoke_without_command=True)
@JSON_OPTION
@click.pass_context
def people_group(ctx: click.Context, as_json: bool) -> None:
    """The people declared in people.yaml: roles, keys, contacts (no subcommand: list them)."""
    if ctx.invoked_subcommand is not None:
        return
    from ..paths import content_root
    from ..people.registry import PEOPLE_FILE, load_people

    people = load_people(content_root(ctx.obj.get("root")))
    if people is None:
        if as_json:
            echo_json({"people": []})
        else:
            click.echo(
                f"No {PEOPLE_FILE} in this content root: actions are recorded by name and four"
                " eyes compares names (see docs/operations.md, People and roles)"
            )
        return
    rows = [
        {
            "id": p.id,
            "name": p.name,
            "roles": sorted(p.roles),
            "keys": [
                {"id": k.key_id, "note": k.note, "revoked": _iso(k.revoked_at)} for k in p.keys
            ],
            "email": list(p.emails),
            "notify": list(p.notify),
        }
        for p in people.persons.values()
    ]
    if as_json:
        echo_json({"people": rows, "require_signatures": people.require_signatures})
        return
    for row in rows:
        click.secho(f"{row['id']:<16}", bold=True, nl=False)
        click.echo(f"{row['name']}  [{', '.join(row['roles']) or 'no role'}]")
        for k in row["keys"]:
            state = f"REVOKED {k['revoked']}" if k["revoked"] else "active"
            click.echo(f"    key {k['id']}  {state}" + (f"  ({k['note']})" if k["note"] else ""))
        for addr in row["email"] + row["notify"]:
            click.echo(f"    notify {addr}")


def _iso(value: Any) -> str | None:
    return value.isoformat().replace("+00:00", "Z") if value is not None else None


@people_group.command("keygen")
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    required=True,
    help="Where to write the private key (created with mode 0600).",
)
@click.option("--note", default="", help="What the key is for, e.g. 'laptop'.")
def keygen_cmd(out: str, note: str) -> None:
    """Create a person's Ed25519 key; prints the entry to add under their keys."""
    import yaml

    from ..people.keys import KEY_ENV, generate_key

    key_id, public = generate_key(Path(out))
    entry = {"public_key": public, "id": key_id, **({"note": note} if note else {})}
    click.echo(f"private key written to {out} (mode 0600): keep it yourself, off the repository")
    click.echo(f"act with it: export {KEY_ENV}=file:{Path(out).resolve()}")
    click.echo("add this under your entry's keys: in people.yaml:\n")
    click.echo(yaml.safe_dump([entry], sort_keys=False).rstrip())


@people_group.command("whoami")
@click.option("--as", "as_name", metavar="NAME", help="The name to act under without a key.")
@JSON_OPTION
@click.pass_obj
def whoami_cmd(obj: dict, as_name: str | None, as_json: bool) -> None:
    """Who launcher takes you for: the person LAUNCHER_KEY proves, with their roles."""
    from ..paths import content_root
    from ..people.identity import resolve
    from ..people.roles import ACTIONS

    actor = resolve(content_root(obj.get("root")), as_name)
    person = actor.person
    allowed = (
        sorted(a for a, (_w, roles) in ACTIONS.items() if person.has(*roles)) if person else []
    )
    if as_json:
        echo_json(
            {
                "name": actor.name,
                "verified": actor.verified,
                "key": actor.key.key_id if actor.key else None,
                "roles": sorted(person.roles) if person else [],
                "may": allowed,
            }
        )
        return
    click.echo(actor.describe())
    if person:
        click.echo(f"roles: {', '.join(sorted(person.roles)) or 'none'}")
        click.echo(f"may: {', '.join(allowed) or 'nothing'}")
    elif actor.people is not None:
        click.echo("not verified: set LAUNCHER_KEY=file:/path/to/your.key to act as yourself")


def register(group: click.Group) -> None:
    group.add_command(people_group)
