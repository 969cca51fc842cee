"""Shell completion (click's): playbooks, missions, locales and launch ids complete from the
content root and the ledger the command would use, and ``launcher completion SHELL`` prints
the script to install.

Completion runs on every Tab: it must be quick and must never print an error, so each
source returns nothing when the content or the ledger cannot be read.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from click.shell_completion import CompletionItem, get_completion_class

SHELLS = ("bash", "zsh", "fish")


def _root(ctx: click.Context) -> Path | None:
    from ..paths import content_root_or_none

    top = ctx.find_root()
    return content_root_or_none(top.params.get("root") or os.environ.get("LAUNCHER_ROOT"))


def _quietly(source: Callable[[click.Context], list[tuple[str, str]]]):
    def complete(ctx: click.Context, _param: Any, incomplete: str) -> list[CompletionItem]:
        try:
            found = source(ctx)
        except Exception:  # a broken file must not break the shell
            return []
        return [CompletionItem(v, help=h or None) for v, h in found if v.startswith(incomplete)]

    return complete


@_quietly
def playbooks(ctx: click.Context) -> list[tuple[str, str]]:
    from ..content.playbook import playbook_ids

    root = _root(ctx)
    return [(p, "") for p in playbook_ids(root)] if root else []


@_quietly
def missions(ctx: click.Context) -> list[tuple[str, str]]:
    from ..content.missions import load_registry

    root = _root(ctx)
    registry = load_registry(root)[0] if root else None
    if registry is None:
        return []
    return [(m.id, m.city) for m in registry.missions.values()]


@_quietly
def locales(ctx: click.Context) -> list[tuple[str, str]]:
    """The chosen missions' locales when there are some (``--mission``, once or repeated),
    else every catalog of the root."""
    from ..content.missions import load_registry
    from ..content.translations.common import locales_of

    root = _root(ctx)
    if root is None:
        return []
    chosen = ctx.params.get("mission") or ()
    chosen = (chosen,) if isinstance(chosen, str) else tuple(chosen)
    registry = load_registry(root)[0] if chosen else None
    if registry is not None and chosen and all(m in registry.missions for m in chosen):
        found = [loc for m in chosen for loc in registry.missions[m].locales]
        return [(loc, "") for loc in dict.fromkeys(found)]
    return [(loc, "") for loc in locales_of(root)]


@_quietly
def launches(ctx: click.Context) -> list[tuple[str, str]]:
    from ..ledger import Ledger
    from ..settings import load_settings

    top = ctx.find_root().params
    settings = load_settings(top.get("config"), root=top.get("root"))
    with Ledger(settings.database_url) as ledger:
        return [
            (s.launch.id, f"{s.overall}, {s.launch.playbook} at {s.launch.mission}")
            for s in ledger.summaries()
        ]


@click.command("completion")
@click.argument("shell", type=click.Choice(SHELLS))
def completion_cmd(shell: str) -> None:
    """Print the shell completion script for SHELL (bash, zsh, fish).

    \b
    bash:  eval "$(launcher completion bash)"    (in ~/.bashrc)
    zsh:   eval "$(launcher completion zsh)"     (in ~/.zshrc)
    fish:  launcher completion fish > ~/.config/fish/completions/launcher.fish
    """
    from . import cli

    cls = get_completion_class(shell)
    assert cls is not None  # click ships all three
    click.echo(cls(cli, {}, "launcher", "_LAUNCHER_COMPLETE").source())


def register(group: click.Group) -> None:
    group.add_command(completion_cmd)
