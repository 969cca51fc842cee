"""The command line: thin. It parses, calls the library, prints.

Errors become exit codes here and only here (see ``errors.py``). Heavy modules are imported
inside commands so ``launcher --help`` stays fast. Command groups live in sibling modules and
register themselves through ``COMMAND_MODULES``.
"""

from __future__ import annotations

import importlib

import click

from .. import __version__

#: modules that define ``register(group)``; each adds its commands to the top-level group
COMMAND_MODULES = (
    "launcher.cli.content",
    "launcher.cli.adapters",
    "launcher.cli.launch",
    "launcher.cli.approvals",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="launcher")
@click.option(
    "--root",
    type=click.Path(file_okay=False),
    envvar="LAUNCHER_ROOT",
    help="Content root (playbooks/, templates/, locales/, missions.yaml). Env: LAUNCHER_ROOT.",
)
@click.option(
    "--config",
    type=click.Path(dir_okay=False),
    envvar="LAUNCHER_CONFIG",
    help="Settings file (platform adapters and credentials). Env: LAUNCHER_CONFIG.",
)
@click.pass_context
def cli(ctx: click.Context, root: str | None, config: str | None) -> None:
    """Crisis-response account launcher: playbook -> plan -> launch.

    \b
    Exit codes: 0 ok; 1 an operation failed (platform outage, ...);
    2 bad input or content (the message says where and how to fix it).
    """
    ctx.ensure_object(dict)
    ctx.obj["root"] = root
    ctx.obj["config"] = config


for _name in COMMAND_MODULES:
    try:
        _module = importlib.import_module(_name)
    except ModuleNotFoundError as exc:  # a command group not written yet
        if exc.name != _name:
            raise
        continue
    _module.register(cli)


def main() -> None:
    from .errors_handler import run

    run(cli)
