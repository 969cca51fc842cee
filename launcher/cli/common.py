"""What the command modules share: who acts, JSON output, times, the settings and the ledger
of one invocation (loaded once)."""

from __future__ import annotations

import json
from typing import Any

import click

AS_OPTION = click.option(
    "--as",
    "actor_name",
    metavar="NAME",
    help="Who is acting, for the audit trail. Default: $LAUNCHER_ACTOR, else the OS user.",
)
JSON_OPTION = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


#: the exit code of a question answered "no" (or not answered: end of input, Ctrl-C):
#: nothing was done, which is neither success (0) nor a failed operation (1)
DECLINED_EXIT = 3


def confirm(question: str, *, err: bool = False) -> None:
    """Ask; anything but yes ends the command with :data:`DECLINED_EXIT`, having done
    nothing."""
    try:
        yes = click.confirm(question, default=False, err=err)
    except click.exceptions.Abort:  # end of input or Ctrl-C at the question
        click.echo("", err=True)
        yes = False
    if not yes:
        click.echo("declined: nothing was done", err=True)
        raise click.exceptions.Exit(DECLINED_EXIT)


def settings_of(obj: dict) -> Any:
    """The settings of this invocation, loaded once."""
    from ..settings import load_settings
    from ..uitext import ui_gettext

    if obj.get("settings") is None:
        settings = load_settings(obj.get("config"), root=obj.get("root"))
        settings.gettext = ui_gettext()  # checklists in the operator's language
        obj["settings"] = settings
    return obj["settings"]


def open_ledger(obj: dict) -> tuple[Any, Any]:
    """(settings, ledger) for this invocation. The ledger's name is kept in ``obj`` so an
    error about a damaged row can name the file."""
    from ..ledger import Ledger
    from ..ledger.engine import describe

    settings = settings_of(obj)
    url = settings.database_url
    obj["ledger"] = describe(url)
    return settings, Ledger(url)


def echo_json(doc: Any, *, big: bool = False) -> None:
    """Indented JSON; one line for very large documents (a 100,000-post launch)."""
    click.echo(json.dumps(doc, ensure_ascii=False, indent=None if big else 2))


def when(value: float | None) -> str:
    from ..ledger import iso

    text = iso(value)
    return text[:19].replace("T", " ") + "Z" if text else "-"


# -- run ---------------------------------------------------------------------------------
