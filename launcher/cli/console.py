"""``launcher serve`` (the web console) and ``launcher console enroll`` (its sign-in)."""

from __future__ import annotations

from pathlib import Path

import click

from ..errors import InputError


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8765, show_default=True, type=click.IntRange(1, 65535))
@click.option(
    "--forwarded-allow-ips",
    metavar="IPS",
    help="The reverse proxy's address(es), trusted for X-Forwarded-For/-Proto (default 127.0.0.1).",
)
@click.pass_obj
def serve_cmd(obj: dict, host: str, port: int, forwarded_allow_ips: str | None) -> None:
    """The web console: sign in, review pending launches with their preview, approve or
    reject, halt, read the audit log. One process; put a TLS reverse proxy in front."""
    from ..console.server import build, is_loopback, serve
    from ..console.users import load_users
    from ..paths import content_root
    from .common import open_ledger

    root = content_root(obj.get("root"))
    settings, ledger = open_ledger(obj)
    console, app = build(root, settings, ledger)
    if not load_users(console.users_path):
        click.secho(
            f"nobody can sign in yet: enrol people with `launcher console enroll PERSON`"
            f" ({console.users_path})",
            fg="yellow",
            err=True,
        )
    if not is_loopback(host):
        click.secho(
            f"listening on {host}, not only this machine: serve it through a reverse proxy"
            " with TLS (cookies are Secure: browsers send them over https only)",
            fg="yellow",
            err=True,
        )
    click.echo(f"launcher console on http://{host}:{port}/ (Ctrl-C stops it)", err=True)
    with ledger:
        serve(app, host=host, port=port, forwarded_allow_ips=forwarded_allow_ips)


@click.group("console")
def console_group() -> None:
    """Who can sign in to the web console (`launcher serve`)."""


@console_group.command("enroll")
@click.argument("person")
@click.option(
    "--password-from",
    metavar="REF",
    help="Read the password from env:NAME or file:/path instead of asking for it.",
)
@click.option(
    "--totp-out",
    type=click.Path(dir_okay=False),
    help="Where to write the authenticator app's otpauth:// address (mode 0600). Default:"
    " console-totp-PERSON.txt in the data directory.",
)
@click.pass_obj
def enroll_cmd(obj: dict, person: str, password_from: str | None, totp_out: str | None) -> None:
    """Give PERSON (declared in people.yaml) a console password, a one-time-code secret for
    the approver and emergency roles, and a console key; prints the public key to add to
    their keys in people.yaml. Enrolling again replaces all three."""
    import os

    import yaml

    from ..console.config import config_of
    from ..console.users import enroll
    from ..credentials import resolve
    from ..paths import content_root
    from ..people.registry import PEOPLE_FILE, load_people
    from .common import settings_of

    root = content_root(obj.get("root"))
    people = load_people(root)
    found = people.person(person) if people else None
    if found is None:
        raise InputError(
            f"{person!r} is not declared in {root / PEOPLE_FILE}",
            field="PERSON",
            hint="add them (id, name, roles) to people.yaml first",
        )
    if password_from:
        password = resolve(password_from, what="--password-from").reveal()
    else:
        password = click.prompt(
            f"console password for {found.label()}", hide_input=True, confirmation_prompt=True
        )
    settings = settings_of(obj)
    path = config_of(settings).users
    key_id, public, uri = enroll(path, found, password)
    click.echo(f"{found.label()} enrolled in {path}")
    if uri:
        target = Path(totp_out) if totp_out else settings.data_dir / f"console-totp-{found.id}.txt"
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(uri + "\n")
        click.echo(
            f"their roles need a one-time code: the authenticator app's address is in {target}"
            " (mode 0600); open it on their phone's app (or `qrencode -t ansiutf8 < FILE`),"
            " then delete the file"
        )
    click.echo(
        f"add this under the keys: of {found.id} in {PEOPLE_FILE} (the console signs with it):\n"
    )
    click.echo(
        yaml.safe_dump(
            [{"public_key": public, "id": key_id, "note": "console"}], sort_keys=False
        ).rstrip()
    )


def register(group: click.Group) -> None:
    group.add_command(serve_cmd)
    group.add_command(console_group)
