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


def settings_of(obj: dict) -> Any:
    """The settings of this invocation, loaded once."""
    from ..content.i18n import ui_gettext
    from ..paths import content_root
    from ..settings import load_settings

    if obj.get("settings") is None:
        settings = load_settings(obj.get("config"), root=obj.get("root"))
        settings.gettext = ui_gettext(content_root(obj.get("root")))  # checklists in their language
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
