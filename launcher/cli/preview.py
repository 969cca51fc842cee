"""The preview command: a launch as one HTML page to review. Thin: parse, call the library,
write, print."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import click

from ..errors import InputError
from .content import mission_content, parse_at, parse_sets, plan_options


@click.command("preview")
@plan_options
@click.option(
    "--output",
    "-o",
    metavar="PATH",
    help="Where to write the page (default: preview-PLAYBOOK-MISSION.html here; a directory"
    " takes that name inside it; - for standard output).",
)
@click.option("--open", "open_page", is_flag=True, help="Open the page in a web browser.")
@click.pass_obj
def preview_cmd(
    obj: dict,
    playbook: str,
    mission: str,
    sets: tuple[str, ...],
    at: str | None,
    locales: tuple[str, ...],
    output: str | None,
    open_page: bool,
) -> None:
    """Write every profile and post of a launch as one HTML page to review.

    Cards look like each platform's, grouped by send time in the mission's local time, with
    a switch between locales and platforms. The page needs no network. Sends nothing.
    """
    from ..plan.build import build_plan
    from ..preview.page import render_preview, summary_line

    if open_page and output == "-":
        raise click.UsageError("--open needs a file: give -o PATH or leave -o out")
    content, zone = mission_content(obj, mission)
    plan = build_plan(
        playbook,
        mission,
        parse_sets(sets),
        now=parse_at(at, zone),
        content=content,
        locales=locales or None,
    )
    page = render_preview(plan)
    if output == "-":
        click.echo(page, nl=False)
        click.echo(f"preview: {summary_line(plan)}", err=True)
        return
    path = page_target(output, f"preview-{plan.playbook.id}-{plan.mission.id}.html")
    write_atomic(path, page)
    click.echo(f"wrote {path}")
    click.echo(summary_line(plan))
    if open_page:
        _open(path)


def page_target(output: str | None, default_name: str) -> Path:
    """Where ``-o`` puts a page (a preview, a report): a file, a directory (the default name
    inside it), or the default name here; InputError naming --output when its directory
    does not exist."""
    if not output:
        return Path(default_name)
    path = Path(output).expanduser()
    if path.is_dir():
        return path / default_name
    if not path.parent.is_dir():
        raise InputError(
            f"directory {path.parent} does not exist",
            field="--output",
            hint="create it first or write the page elsewhere, e.g. -o preview.html",
        )
    return path


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` so that a reader sees the old file or the new one, never half
    of one: a temporary file beside it, then a rename. The mode follows the umask."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _open(path: Path) -> None:
    import webbrowser

    uri = path.resolve().as_uri()
    try:
        opened = webbrowser.open(uri)
    except Exception:  # a broken browser setting is not the preview's failure
        opened = False
    if not opened:
        click.echo(f"note: no web browser found here; open {uri} in one (it needs no network)")


def register(group: click.Group) -> None:
    group.add_command(preview_cmd)
