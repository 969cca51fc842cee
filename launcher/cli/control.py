"""Commands that operate launches after they start: daemon, halt, resume, retry, retract.

Thin: parse, call :mod:`launcher.launch` and the ledger, print. Every command that changes
something records who acted: ``--as``, else ``LAUNCHER_ACTOR``, else the OS user.
"""

from __future__ import annotations

import sys
import time

import click

from .common import AS_OPTION, JSON_OPTION, confirm, echo_json, open_ledger
from .completion import launches
from .content import parse_at
from .drill import NOW_OPTION, REALLY_OPTION, drill_check, drill_clock, drill_really, launch_clock
from .output import print_run

#: how long ``daemon --once`` waits for a post whose next attempt comes that soon
ONCE_WAIT = 10.0


@click.command("daemon")
@click.option("--once", is_flag=True, help="Deliver what is due now, then exit (cron, tests).")
@click.option(
    "--poll",
    type=float,
    default=0.5,
    show_default=True,
    help="Seconds between looks at the ledger (halts are seen within this).",
)
@click.option(
    "--lease",
    type=float,
    default=60.0,
    show_default=True,
    help="Seconds a claimed post stays ours without renewal.",
)
@click.option("--batch", type=int, default=50, show_default=True, help="Posts claimed at a time.")
@click.option(
    "--workers",
    type=int,
    default=32,
    show_default=True,
    help="Platform calls made at once: accounts side by side, each account's posts in order.",
)
@click.option(
    "--retry-cap",
    type=float,
    default=300.0,
    show_default=True,
    metavar="SECONDS",
    help="The longest wait of our own between attempts at a failing platform "
    "(its own Retry-After hint is honoured however long).",
)
@click.option(
    "--listen/--no-listen",
    default=True,
    show_default=True,
    help="Collect replies, mentions and counts between posts (the listening post).",
)
@NOW_OPTION
@REALLY_OPTION
@click.option(
    "--log-format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one JSON object per line on stderr.",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
)
@AS_OPTION
@click.pass_obj
def daemon_cmd(
    obj: dict,
    once: bool,
    poll: float,
    lease: float,
    batch: int,
    workers: int,
    retry_cap: float,
    listen: bool,
    now: str | None,
    really: bool,
    log_format: str,
    log_level: str,
    actor_name: str | None,
) -> None:
    """The scheduled posting daemon (foreground; logs to stderr).

    Several daemons may share one ledger: claims with leases keep every post single.
    SIGTERM/SIGINT finish or release the post in flight and exit 0. --once waits up to 10 s
    for a post whose next attempt comes that soon (a blip in the same pass). --now needs a UTC
    offset (the daemon serves every mission: no local zone applies).
    """
    from ..actor import daemon_actor
    from ..launch.daemon import Daemon
    from ..launch.dispatch import Dispatcher
    from ..launch.retry import Backoff
    from ..logging_setup import setup_logging
    from ..notify.runner import Notifier
    from ..paths import content_root

    if now and not once:
        raise click.UsageError("--now only goes with --once")
    if poll <= 0 or lease <= 0 or batch <= 0 or workers <= 0 or retry_cap <= 0:
        raise click.UsageError(
            "--poll, --lease, --batch, --workers and --retry-cap must be positive"
        )
    from ..launch.drills import daemon_targets, real_targets

    drill = parse_at(now, None, field="--now")
    setup_logging(log_format, log_level)
    clock = drill_clock(drill)
    settings, ledger = open_ledger(obj)
    targets = real_targets(settings, daemon_targets(settings)) if drill else []
    drill_check(targets, drill, really, command="the daemon")
    with ledger:
        drill_really(ledger, targets, drill, command="daemon", actor=daemon_actor(actor_name))
        kw = {"clock": clock} if clock else {}
        dispatcher = Dispatcher(
            ledger,
            settings,
            actor=daemon_actor(actor_name),
            lease=lease,
            batch=batch,
            workers=workers,
            backoff=Backoff(cap=retry_cap),
            **kw,
        )
        from ..sunset import SunsetWorker

        sunsets = SunsetWorker(
            ledger, settings, actor=daemon_actor(actor_name), clock=clock or time.time,
            backoff=Backoff(cap=retry_cap), archive_base=settings.data_dir,
            root=content_root(obj.get("root")),
        )  # fmt: skip
        collector = None
        if listen:  # between posts, never before one (launcher.listening.collect)
            from ..listening.collect import Collector

            collector = Collector(
                ledger,
                settings,
                config=settings.listening,
                actor=daemon_actor(actor_name),
                clock=dispatcher.clock,
            )
        from ..launch.pins import PinsLeftBehind

        pins = PinsLeftBehind(dispatcher, every=0.0 if once else 60.0)  # after a dead sender
        daemon = Daemon(dispatcher, poll=poll, chores=[sunsets, pins], background=collector)
        # notifications in their own thread: a slow mail server never delays a post
        notifier = Notifier(ledger, content_root(obj.get("root")), settings, dispatcher.stop)
        if once:  # a drill's clock stands still: nothing comes due by waiting
            daemon.run_once(wait_up_to=0.0 if drill else ONCE_WAIT)
            notifier.once()
            dispatcher.close()
            return
        notifier.start()
        code = daemon.run()
        notifier.join(timeout=30)
    sys.exit(code)


# -- halt, resume, retract ---------------------------------------------------------------
@click.command("halt")
@click.argument("launch", required=False, shell_complete=launches)
@click.option("--all", "all_", is_flag=True, help="Halt every active launch.")
@click.option(
    "--group",
    metavar="GROUP",
    help="Halt every launch of a launch group (one run for several missions).",
)
@AS_OPTION
@JSON_OPTION
@click.pass_obj
def halt_cmd(
    obj: dict,
    launch: str | None,
    all_: bool,
    group: str | None,
    actor_name: str | None,
    as_json: bool,
) -> None:
    """Stop every pending post of a launch now (running daemons included); --group: of all
    the launches of a group at once, in one transaction."""
    from ..people.actions import halt_launch
    from .people import acting

    if sum((bool(launch), all_, bool(group))) != 1:
        raise click.UsageError("give a LAUNCH, --group GROUP or --all")
    who = acting(obj, actor_name, "halt")
    _, ledger = open_ledger(obj)
    with ledger:
        lid: str | tuple[str, ...] | None = ledger.resolve(launch).id if launch else None
        if group:
            lid = ledger.group(group).launches
        # in flight: claimed before the halt; a daemon checks the launch right before each send
        done, in_flight = halt_launch(ledger, who, lid, now=time.time())
    if as_json:
        echo_json({"halted": done, "in_flight": in_flight})
        return
    if not done:
        what = f"group {group}" if group else lid
        click.echo("nothing to halt" + (f": {what} is not active" if what else ""))
    for name, n in done.items():
        line = f"halted {name}: {n} post(s) waiting to go out stopped"
        busy = in_flight.get(name, 0)
        if busy:
            line += (
                f", {busy} in flight (claimed by a sender: each is checked against the halt"
                " right before it goes out and ends halted, unless it was already on its way;"
                f" `launcher status {name}` shows how each ended)"
            )
        click.echo(line)


@click.command("resume")
@click.argument("launch", shell_complete=launches)
@NOW_OPTION
@AS_OPTION
@click.pass_obj
def resume_cmd(obj: dict, launch: str, now: str | None, actor_name: str | None) -> None:
    """Resume a halted launch: its halted posts are scheduled again (the daemon sends the
    overdue ones at once; those whose useful life ended meanwhile are recorded as expired,
    never sent stale)."""
    from .people import acting

    actor = acting(obj, actor_name, "resume").name
    settings, ledger = open_ledger(obj)
    with ledger:
        rec = ledger.resolve(launch)
        clock = launch_clock(
            settings, ledger, rec, now, False, command="resume", actor=actor, sends=False
        )
        lid = rec.id
        n, expired = ledger.resume_launch(lid, actor=actor, now=clock())
        waiting = ledger.resolve(lid).state == "awaiting-approval"
    click.echo(f"resumed {lid}: {n} post(s) scheduled again")
    if n and not waiting:  # resume records; the sending, overdue posts first, is the daemon's
        click.echo("they are sent by `launcher daemon` (keep it running), overdue ones first")
    if waiting:
        click.secho(
            f"  still AWAITING APPROVAL: it was halted before a second person approved it;"
            f" nothing is sent until one does (launcher approve launch {lid})",
            fg="yellow",
        )
    if expired:
        click.secho(
            f"  {expired} post(s) EXPIRED while halted (not sent: their time had passed); "
            f"to send them anyway: launcher retry {lid}",
            fg="yellow",
        )


@click.command("retry")
@click.argument("launch", shell_complete=launches)
@click.option("--post", "post_key", metavar="KEY", help="Only this post (its key, see status).")
@click.option("--platform", help="Only this platform's posts and accounts.")
@NOW_OPTION
@REALLY_OPTION
@AS_OPTION
@JSON_OPTION
@click.pass_obj
def retry_cmd(
    obj: dict,
    launch: str,
    post_key: str | None,
    platform: str | None,
    now: str | None,
    really: bool,
    actor_name: str | None,
    as_json: bool,
) -> None:
    """Try failed or expired posts (and failed accounts) of a launch again, after the cause
    was fixed (a credential, a setting, the content). Nothing is posted twice: a post whose
    last attempt may have reached the platform is looked for there first. Exit 1 if any post
    of the launch is still failed."""
    from ..launch.lifecycle import outcome, send_due
    from ..launch.retract import check_filters
    from .people import acting

    actor = acting(obj, actor_name, "retry").name
    settings, ledger = open_ledger(obj)
    with ledger:
        rec = ledger.resolve(launch)
        clock = launch_clock(settings, ledger, rec, now, really, command="retry", actor=actor)
        lid = rec.id
        check_filters(ledger, lid, platform=platform)
        posts, accounts = ledger.requeue(
            lid, actor=actor, now=clock(), post_key=post_key, platform=platform
        )
        steps = ledger.requeue_steps(lid, actor=actor, now=clock()) if rec.kind == "sunset" else 0
        result = send_due(ledger, settings, lid, actor=actor, clock=clock)
        if steps:
            from ..sunset.record import carry_on

            carry_on(ledger, settings, lid, actor=actor, clock=clock,
                     archive_base=settings.data_dir)  # fmt: skip
        final = outcome(ledger, lid, result)
    if as_json:
        echo_json({**final.as_dict(), "requeued": {"posts": posts, "accounts": accounts}})
    else:
        click.echo(
            f"{lid}: {posts} post(s) and {accounts} account(s) tried again"
            + (f", {steps} sunset step(s)" if steps else "")
        )
        print_run(final)
    if any(p.state == "failed" for p in final.posts):
        sys.exit(1)


@click.command("retract")
@click.argument("launch", shell_complete=launches)
@click.option("--message", help="Only this message id.")
@click.option("--platform", help="Only this platform.")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option(
    "--archive-to",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Where the archive of what is deleted goes (default: under the data directory).",
)
@click.option(
    "--no-archive",
    is_flag=True,
    help="Delete posts no archive holds without archiving them first (recorded).",
)
@AS_OPTION
@JSON_OPTION
@click.pass_obj
def retract_cmd(
    obj: dict,
    launch: str,
    message: str | None,
    platform: str | None,
    yes: bool,
    archive_to: str | None,
    no_archive: bool,
    actor_name: str | None,
    as_json: bool,
) -> None:
    """Delete what was posted (and stop what is still pending) for a launch.

    Without filters the whole launch is retracted. What is deleted is archived first (unless
    an archive holds it already, or --no-archive, which is recorded); if the archive cannot
    be written, nothing is deleted. Exit 1 if a deletion failed.
    """
    from pathlib import Path

    from ..launch.retract import check_filters, retract_launch
    from ..paths import content_root
    from .people import acting

    if archive_to and no_archive:
        raise click.UsageError("--archive-to and --no-archive exclude each other")
    actor = acting(obj, actor_name, "retract").name
    settings, ledger = open_ledger(obj)
    with ledger:
        lid = ledger.resolve(launch).id
        check_filters(ledger, lid, message=message, platform=platform)
        if not yes:
            n = len(ledger.retractable(lid, message=message, platform=platform))
            first = " (without an archive)" if no_archive else " (archived first)"
            confirm(
                f"Delete {n} published post(s) of {lid}{first if n else ''} as {actor}?",
                err=as_json,
            )
        out = retract_launch(
            ledger, settings, lid, actor=actor, message=message, platform=platform,
            archive_to=Path(archive_to) if archive_to else None, no_archive=no_archive,
            root=content_root(obj.get("root")),
        )  # fmt: skip
    if as_json:
        echo_json(out.as_dict())
    else:
        if out.archive:
            click.echo(f"archived first: {out.archive}")
        if out.no_archive:
            click.secho("deleted WITHOUT an archive (--no-archive, recorded)", fg="yellow")
        click.echo(
            f"retracted {len(out.retracted)} post(s) of {lid}; {out.halted} pending post(s) halted"
        )
        for pid, why in out.unsupported:
            click.echo(f"  #{pid}: cannot be deleted through the API ({why}); delete by hand")
        for pid, why in out.failed:
            click.secho(f"  #{pid}: FAILED to delete: {why}", fg="red", bold=True)
        for pid, why in out.pins:
            click.secho(f"  #{pid}: {why}", fg="yellow", bold=True)
        if out.in_flight:
            click.secho(
                f"  {out.in_flight} post(s) were being sent meanwhile: "
                f"run `launcher retract {lid}` again in a minute",
                fg="yellow",
                bold=True,
            )
    if out.failed:
        sys.exit(1)


COMMANDS = (daemon_cmd, halt_cmd, resume_cmd, retry_cmd, retract_cmd)


def register(group: click.Group) -> None:
    for command in COMMANDS:
        group.add_command(command)
