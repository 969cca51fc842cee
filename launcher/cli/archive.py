"""The archive command: write a launch's archive, or verify one.

Thin: parse, call :mod:`launcher.archive`, print.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from .common import AS_OPTION, JSON_OPTION, echo_json, open_ledger


@click.command("archive")
@click.argument("launch", required=False)
@click.option(
    "-o",
    "--out",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Directory to write (new or empty). Default: under the data directory.",
)
@click.option(
    "--verify",
    "verify_dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Verify the archive in DIR instead: every file against its SHA-256 manifest.",
)
@AS_OPTION
@JSON_OPTION
@click.pass_obj
def archive_cmd(
    obj: dict,
    launch: str | None,
    out: str | None,
    verify_dir: str | None,
    actor_name: str | None,
    as_json: bool,
) -> None:
    """Archive a launch: every post as sent, the profiles as set, the audit trail, the
    approvals, replies and metrics where listening has them; JSON plus one readable page
    (index.html), as a BagIt bag with SHA-256 manifests.

    \b
    launcher archive LAUNCH -o DIR     write it
    launcher archive --verify DIR      check it: exit 1 if any file changed
    """
    if verify_dir:
        if launch or out:
            raise click.UsageError("--verify DIR takes no LAUNCH and no -o")
        _verify(obj, Path(verify_dir), as_json)
        return
    if not launch:
        raise click.UsageError("give a LAUNCH to archive, or --verify DIR")
    from ..archive import default_dir, new_archive_id, write_archive
    from ..paths import content_root
    from .people import acting

    actor = acting(obj, actor_name).name  # no role: a record of what was; signed with a key
    settings, ledger = open_ledger(obj)
    now = time.time()
    with ledger:
        lid = ledger.resolve(launch).id
        archive_id = new_archive_id(lid, now)
        target = Path(out) if out else default_dir(settings.data_dir, archive_id)
        done = write_archive(
            ledger, lid, out=target, actor=actor, now=now, root=content_root(obj.get("root")),
            archive_id=archive_id,
        )  # fmt: skip
    if as_json:
        echo_json(
            {
                "archive": done.id,
                "launch": done.launch_id,
                "path": str(done.path),
                "manifest_sha256": done.manifest_sha256,
                "posts_sent": len(done.posts),
                "files": list(done.files),
            }
        )
        return
    click.echo(f"archived {done.launch_id} to {done.path}")
    click.echo(f"  {len(done.files)} files, {len(done.posts)} sent post(s); page: index.html")
    click.echo(f"  tag manifest SHA-256 {done.manifest_sha256} (recorded in the ledger)")
    click.echo(f"  verify: launcher archive --verify {done.path}")


def _verify(obj: dict, path: Path, as_json: bool) -> None:
    from ..archive import verify_archive
    from ..errors import LauncherError

    ledger = None
    try:
        _, ledger = open_ledger(obj)
    except LauncherError:  # an archive is verifiable far from its ledger: the files say it
        ledger = None
    try:
        report = verify_archive(path, ledger)
    finally:
        if ledger is not None:
            ledger.close()
    if as_json:
        echo_json(report.as_dict())
    elif report.ok:
        click.echo(
            f"archive {report.archive_id or path}: OK, {report.files} file(s) match their"
            f" SHA-256 (ledger: {report.ledger})"
        )
    else:
        click.secho(
            f"archive {report.archive_id or path}: CHANGED since it was written"
            f" ({len(report.problems)} problem(s)):",
            fg="red",
            bold=True,
            err=True,
        )
        for line in report.problems:
            click.secho(f"  {line}", fg="red", err=True)
    if not report.ok:
        sys.exit(1)


COMMANDS = (archive_cmd,)


def register(group: click.Group) -> None:
    for command in COMMANDS:
        group.add_command(command)
