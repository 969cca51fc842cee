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
    "launcher.cli.control",
    "launcher.cli.status",
    "launcher.cli.approvals",
    "launcher.cli.lint",
    "launcher.cli.i18n",
    "launcher.cli.preview",
    "launcher.cli.feeds",
    "launcher.cli.cap",
    "launcher.cli.archive",
    "launcher.cli.sunset",
    "launcher.cli.completion",
    "launcher.cli.listening",
    "launcher.cli.people",
    "launcher.cli.console",
)


class LauncherGroup(click.Group):
    """Turns launcher errors into a message and an exit code, in one place."""

    def invoke(self, ctx: click.Context):
        from ..errors import LauncherError, LedgerDamaged
        from ..ledger.failures import naming

        try:
            return super().invoke(ctx)
        except LedgerDamaged as exc:
            ledger = (ctx.obj or {}).get("ledger") if isinstance(ctx.obj, dict) else None
            raise CliError(naming(exc, ledger) if ledger else exc) from None
        except LauncherError as exc:
            raise CliError(exc) from None
        except BrokenPipeError:  # `launcher ... | head`: the reader has all it wanted
            _silence_stdout()
            raise click.exceptions.Exit(0) from None
        except OSError as exc:  # the machine, not the content: disk full, permissions
            raise CliError(_os_error(exc)) from None
        except (click.exceptions.Exit, click.ClickException, click.exceptions.Abort):
            raise
        except Exception as exc:  # a bug: say so plainly; LAUNCHER_DEBUG=1 shows the traceback
            import os

            if os.environ.get("LAUNCHER_DEBUG"):  # the traceback, redacted like any output
                import sys
                import traceback

                from ..errors import redact

                sys.stderr.write(redact(traceback.format_exc()))
                raise click.exceptions.Exit(1) from None
            raise CliError(
                RuntimeError(
                    f"internal error: {type(exc).__name__}: {exc}\n    what was done is in the"
                    " ledger (launcher status); LAUNCHER_DEBUG=1 shows the traceback: please"
                    " report it"
                )
            ) from None


def _os_error(exc: OSError) -> Exception:
    """The machine refused (disk full, permissions): what, where, and what to do."""
    import errno

    from ..errors import LauncherError

    where = f" ({exc.filename})" if getattr(exc, "filename", None) else ""
    what = f"{exc.strerror or exc}{where}"
    if exc.errno in (errno.ENOSPC, errno.EFBIG, errno.EDQUOT):
        from ..ledger.failures import AFTER_FAILURE

        hint = f"free space on that disk (or raise the file-size limit), then {AFTER_FAILURE}"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        hint = "make that path readable and writable for this user, or run as its owner"
    else:
        hint = None
    return LauncherError(what, hint=hint)


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    import os
    import sys

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


class CliError(click.ClickException):
    def __init__(self, error: Exception) -> None:
        from ..errors import ContentError, redact

        text = redact(str(error))
        if isinstance(error, ContentError) and len(error.problems) > 1:
            text = f"{error.message}:\n{text}"
        # bytes that were not UTF-8 (an argument from a terminal in another encoding) reach
        # us as lone surrogates: show them as escapes instead of failing to print the error
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
        super().__init__(text)
        self.exit_code = getattr(error, "exit_code", 1)

    def show(self, file=None) -> None:
        click.secho(f"error: {self.message}", fg="red", err=True)


@click.group(
    cls=LauncherGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
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
    2 bad input or content (the message says where and how to fix it);
    3 a confirmation was declined: nothing was done.
    """
    from ..logging_setup import setup_cli_logging

    setup_cli_logging()  # warnings reach stderr through the redacting filter
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


#: the collector's thresholds for a launcher process: a young collection every 10,000
#: allocations instead of 700. A launch builds and reads thousands of short-lived objects per
#: second (requests, answers, rows) and almost none of them form cycles; with Python's
#: defaults, a 50-mission run spent 0.57 s (the parent) and 0.34 s (its sending child) in
#: collections, 0.25-0.29 s and 0.10 s with these (bench/fanout.py, two runs each)
COLLECTOR_THRESHOLDS = (10_000, 20, 20)


def tune_collector() -> None:
    """Set :data:`COLLECTOR_THRESHOLDS` (called once, when the command line starts)."""
    import gc

    gc.set_threshold(*COLLECTOR_THRESHOLDS)


def main() -> None:
    tune_collector()
    cli(prog_name="launcher")
