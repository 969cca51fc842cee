"""Listening commands: listen, inbox, answer, dismiss, report (and ``approve answer``,
``reject-answer`` for answers that wait for a second person).

Thin: parse, call :mod:`launcher.listening`, print. Everything that reaches a platform (an
answer) goes through the dispatcher like every post.
"""

from __future__ import annotations

import sys
import time
from typing import Any

import click

from ..errors import InputError
from .common import AS_OPTION, JSON_OPTION, echo_json, open_ledger, settings_of, when
from .content import parse_at
from .drill import NOW_OPTION, drill_clock
from .output import shown


def _clock(now: str | None) -> Any:
    return drill_clock(parse_at(now, None, field="--now")) or time.time


def _collector(obj: dict, ledger: Any, clock: Any, actor: str) -> Any:
    from ..listening.collect import Collector

    settings = settings_of(obj)
    return Collector(ledger, settings, config=settings.listening, actor=actor, clock=clock)


def print_collect(result: Any) -> None:
    click.echo(
        f"collected: {result.items} new inbox item(s), {result.snapshots} post snapshot(s),"
        f" {result.followers} follower count(s); {result.calls} platform call(s)"
    )
    if result.removed:
        click.secho(
            f"{result.removed} post(s) REMOVED from their platform: see `launcher status`",
            fg="red",
            bold=True,
        )
    for note in result.skipped:
        click.echo(f"  not available: {note}")
    for note in result.paused:
        click.secho(f"  paused (rate limit kept for posting): {note}", fg="yellow")
    for err in result.errors:
        click.secho(f"  error: {err}", fg="yellow")
    if result.yielded:
        click.echo("  stopped early: posting needed the time; the rest is collected next pass")


@click.command("listen")
@click.argument("launch", required=False)
@click.option("--once", is_flag=True, help="Collect everything due now, then exit.")
@click.option("--every", type=float, default=5.0, show_default=True, help="Seconds between passes.")
@NOW_OPTION
@AS_OPTION
@JSON_OPTION
@click.pass_obj
def listen_cmd(
    obj: dict,
    launch: str | None,
    once: bool,
    every: float,
    now: str | None,
    actor_name: str | None,
    as_json: bool,
) -> None:
    """Collect replies, mentions and counts from the platforms into the ledger.

    `launcher daemon` does it on its schedule between posts; `listen --once` does it now
    (every inbox, a snapshot of every post still measured, every account's followers). Without
    --once it runs in the foreground on the schedule of the settings' `listening:` section.
    """
    from ..actor import daemon_actor

    if every <= 0:
        raise click.UsageError("--every must be positive")
    if now and not once:
        raise click.UsageError("--now only goes with --once")
    clock = _clock(now)
    _, ledger = open_ledger(obj)
    with ledger:
        lid = ledger.resolve(launch).id if launch else None
        collector = _collector(obj, ledger, clock, daemon_actor(actor_name))
        if once:
            result = collector.step(force=True, launch_id=lid)
            if as_json:
                echo_json(result.as_dict())
            else:
                print_collect(result)
            if result.errors:
                sys.exit(1)
            return
        import threading

        from ..logging_setup import setup_logging

        setup_logging("text", "info")
        stop = threading.Event()
        try:
            while not stop.is_set():
                collector.step(stop.is_set, launch_id=lid)
                stop.wait(every)
        except KeyboardInterrupt:
            pass


@click.command("inbox")
@click.argument("launch", required=False)
@click.option(
    "--locale", help="Only items in this locale: the account's, or the language detected."
)
@click.option("--platform", help="Only this platform.")
@click.option(
    "--state",
    type=click.Choice(["new", "answered", "dismissed"]),
    help="Only items in this state.",
)
@JSON_OPTION
@click.pass_obj
def inbox_cmd(
    obj: dict,
    launch: str | None,
    locale: str | None,
    platform: str | None,
    state: str | None,
    as_json: bool,
) -> None:
    """Replies and mentions addressed to the launches' accounts, newest first: the post they
    answer, their detected language, their state (new / answered / dismissed)."""
    from ..listening.store import ListeningStore

    _, ledger = open_ledger(obj)
    with ledger:
        lid = ledger.resolve(launch).id if launch else None
        store = ListeningStore(ledger)
        items = store.items(launch_id=lid, locale=locale, platform=platform, state=state)
        answers = store.answers_of([i.id for i in items])
        replies = _replies_of(obj, ledger, {i.launch_id for i in items})
    if as_json:
        echo_json(
            {
                "items": [{**i.as_dict(), "answers": answers.get(i.id, [])} for i in items],
                "replies": replies,
            }
        )
        return
    if not items:
        click.echo("The inbox is empty" + (f" for {lid}" if lid else "") + ".")
        click.echo("(`launcher listen --once` collects now; the daemon does it on its own)")
        return
    for i in items:
        colour = {"new": "cyan", "answered": "green", "dismissed": None}.get(i.state)
        lang = i.language or "?"
        score = f" {i.language_score:.2f}" if i.language_score is not None else ""
        head = (
            f"#{i.id:<5} {i.state.upper():<9} {when(i.created_at or i.collected_at)}  "
            f"{i.platform}/{i.locale} {i.kind} from {shown(i.author)}  language: {lang}{score}"
            + (f" (declared {i.platform_language})" if i.platform_language else "")
        )
        click.secho(head, fg=colour, bold=i.state == "new")
        for line in shown(i.text or "").splitlines() or [""]:
            click.echo(f"        {line}")
        if i.answers_text is not None:
            first = i.answers_text.splitlines()[0] if i.answers_text else ""
            click.echo(
                f"        ↳ answers our {i.answers_message} #{i.post_id}: {shown(first[:80])}"
            )
        if i.url:
            click.echo(f"        {shown(i.url)}")
        for a in answers.get(i.id, []):
            click.echo(
                f"        answered: answer {a['answer']} ({a['reply'] or 'text'}) by {a['by']}:"
                f" {a['state']}" + (f", post {a['post_state']}" if a["post_state"] else "")
            )
        if i.note:
            click.echo(f"        dismissed: {shown(i.note)}")
    for lid_, rs in replies.items():
        if rs:
            click.echo(
                f"\nreplies of {lid_}: "
                + ", ".join(r["id"] for r in rs)
                + "   (launcher answer ITEM --with ID)"
            )


def _replies_of(obj: dict, ledger: Any, launch_ids: set[str]) -> dict[str, list[dict[str, str]]]:
    """The reply templates each launch's playbook declares (as the content is now)."""
    from ..content.playbook import load_playbook
    from ..errors import LauncherError
    from ..paths import content_root

    root = content_root(obj.get("root"))
    out: dict[str, list[dict[str, str]]] = {}
    for lid in sorted(launch_ids):
        try:
            pb = load_playbook(root, ledger.resolve(lid).playbook)
        except LauncherError:
            out[lid] = []
            continue
        out[lid] = [{"id": r.id, "description": r.description} for r in pb.replies]
    return out


def _item_id(text: str) -> int:
    try:
        return int(text.lstrip("#"))
    except ValueError:
        raise InputError(
            f"'{text}' is not an inbox item number",
            field="ITEM",
            hint="`launcher inbox` lists them",
        ) from None


@click.command("answer")
@click.argument("item")
@click.option("--with", "reply_id", metavar="REPLY_ID", help="An approved reply template.")
@click.option("--text", metavar="TEXT", help="A text of your own (waits for a second person).")
@click.option("--locale", help="Answer in this locale (default: the item's language, if the "
              "launch publishes in it, else the account's).")  # fmt: skip
@click.option("--again", is_flag=True, help="Answer an item that was answered already.")
@NOW_OPTION
@AS_OPTION
@JSON_OPTION
@click.pass_obj
def answer_cmd(
    obj: dict,
    item: str,
    reply_id: str | None,
    text: str | None,
    locale: str | None,
    again: bool,
    now: str | None,
    actor_name: str | None,
    as_json: bool,
) -> None:
    """Answer an inbox item with a threaded reply on its platform.

    --with REPLY_ID sends one of the playbook's approved reply templates (`launcher inbox`
    lists them), rendered in the item's language with the mission's facts: at once if the
    content is approved. --text waits for a second person (`launcher approve answer`).
    Answering twice posts once. Exit 1 if the answer failed to go out.
    """
    from ..listening.answers import answer
    from ..paths import content_root
    from .people import acting, second_person

    actor = acting(obj, actor_name, "answer").name
    settings, ledger = open_ledger(obj)
    with ledger:
        out = answer(
            ledger,
            settings,
            content_root(obj.get("root")),
            _item_id(item),
            reply_id=reply_id,
            text=text,
            locale=locale,
            again=again,
            actor=actor,
            clock=_clock(now),
        )
    a = out.answer
    if as_json:
        echo_json(out.as_dict())
    else:
        if not out.created:
            click.echo(
                f"item {a.item_id} was answered already with this answer (answer {a.id}, by"
                f" {a.requested_by}): nothing sent again"
            )
        _print_answer(a, second_person(obj))
        for w in out.warnings:
            click.secho(f"warning: {w}", fg="yellow", err=True)
    if a.post_state == "failed":
        sys.exit(1)


def _print_answer(a: Any, how: str = " --as NAME") -> None:
    if a.state == "awaiting-approval":
        click.secho(
            f"answer {a.id} AWAITS APPROVAL: nothing was sent. A second person runs: "
            f"launcher approve answer {a.id}{how}",
            fg="yellow",
            bold=True,
        )
        for why in a.reasons:
            click.echo(f"  - {why}")
    elif a.state == "rejected":
        click.echo(f"answer {a.id} was rejected: {'; '.join(a.reasons)}")
    else:
        state = a.post_state or "queued"
        line = (
            f"answer {a.id} to item {a.item_id} ({a.platform}, {a.locale}):"
            f" post #{a.post_id} {state}"
        )
        click.secho(line, fg="red" if state == "failed" else None, bold=state == "failed")
        if a.url:
            click.echo(f"  {a.url}")
        if a.error and state != "sent":
            click.echo(f"  {a.error}")
        if state in ("scheduled", "retrying"):
            click.echo("  the daemon sends it (`launcher status` shows it)")
    click.echo("  " + a.text.replace("\n", "\n  "))


def dismiss_items(
    obj: dict, items: tuple[str, ...], reason: str | None, actor_name: str | None
) -> None:
    """Mark inbox items as dismissed: seen, not to be answered (spam, answered elsewhere).
    ``launcher dismiss`` (launcher.cli.feeds) takes proposals and inbox items alike."""
    from ..listening.store import ListeningStore
    from .people import acting

    actor = acting(obj, actor_name, "dismiss-item").name
    _, ledger = open_ledger(obj)
    with ledger:
        store = ListeningStore(ledger)
        for raw in items:
            done = store.dismiss(_item_id(raw), actor=actor, now=time.time(), reason=reason)
            click.echo(f"item {done.id} dismissed")


@click.command("report")
@click.argument("launch")
@click.option("--output", "-o", metavar="PATH", help="Where to write the page (a file, a "
              "directory, or - for stdout). Default: report-LAUNCH.html here.")  # fmt: skip
@click.option("--csv", "as_csv", is_flag=True, help="Print the table as CSV instead.")
@click.option("--open", "open_it", is_flag=True, help="Open the page in the web browser.")
@NOW_OPTION
@JSON_OPTION
@click.pass_obj
def report_cmd(
    obj: dict,
    launch: str,
    output: str | None,
    as_csv: bool,
    open_it: bool,
    now: str | None,
    as_json: bool,
) -> None:
    """What a launch achieved: per language × platform × message (posts, replies, reposts,
    likes, quotes, reach where the platform gives it), followers gained, the curves over
    time, and what could not be measured and why. An HTML page (default), --json or --csv.
    Only the ledger is read: `launcher listen --once` first for the latest counts."""
    from ..listening.report import as_csv as to_csv
    from ..listening.report import build_report

    if as_csv and as_json:
        raise click.UsageError("--csv and --json go one at a time")
    _, ledger = open_ledger(obj)
    with ledger:
        zone = ledger.resolve(launch).timezone  # a local --now is the mission's time
        clock = drill_clock(parse_at(now, zone, field="--now")) or time.time
        doc = build_report(ledger, launch, now=clock())
    if as_json:
        echo_json(doc)
        return
    if as_csv:
        click.echo(to_csv(doc), nl=False)
        return
    from ..listening.page import render_report

    html = render_report(doc)
    if output == "-":
        click.echo(html, nl=False)
        return
    from .preview import page_target, write_atomic

    path = page_target(output, f"report-{doc['launch']}.html")  # -o DIR, -o FILE, or here
    write_atomic(path, html)
    t = doc["totals"]
    engaged = "not measured" if t["engagement"] is None else t["engagement"]
    click.echo(
        f"wrote {path}: {t['posts']} posts, engagement {engaged},"
        f" {doc['inbox']['items']} inbox item(s), {len(doc['removed'])} removed"
    )
    if open_it:
        import webbrowser

        if not webbrowser.open(path.resolve().as_uri()):
            click.echo(f"no web browser here: open {path.resolve().as_uri()}")


@click.command("answer")
@click.argument("answer_id", type=int)
@click.option("--as", "who", metavar="NAME", help="Who approves (not who wrote it).")
@NOW_OPTION
@JSON_OPTION
@click.pass_obj
def approve_answer_cmd(
    obj: dict, answer_id: int, who: str | None, now: str | None, as_json: bool
) -> None:
    """Release an answer awaiting approval (four eyes): it is sent at once (with the
    launch's other posts due by then: --now in a drill, as for `answer`)."""
    from ..listening.answer_store import AnswerStore
    from ..listening.answers import approve_answer
    from ..people.roles import check_four_eyes_answer
    from .people import acting

    person = acting(obj, who, "approve-answer")
    settings, ledger = open_ledger(obj)
    with ledger:
        check_four_eyes_answer(person, ledger, AnswerStore(ledger).get(answer_id))
        a = approve_answer(ledger, settings, answer_id, actor=person.name, clock=_clock(now))
    if as_json:
        echo_json(a.as_dict())
        return
    click.echo(f"answer {a.id} approved by {a.decided_by} (written by {a.requested_by})")
    _print_answer(a)
    if a.post_state == "failed":
        sys.exit(1)


@click.command("reject-answer")
@click.argument("answer_id", type=int)
@click.option("--reason", required=True, help="Why it must not go out (recorded).")
@click.option("--as", "who", metavar="NAME", help="Who rejects.")
@click.pass_obj
def reject_answer_cmd(obj: dict, answer_id: int, reason: str, who: str | None) -> None:
    """Reject an answer awaiting approval: it is never sent."""
    from ..listening.answers import reject_answer
    from .people import acting

    actor = acting(obj, who, "reject-answer").name
    _, ledger = open_ledger(obj)
    with ledger:
        a = reject_answer(ledger, answer_id, actor=actor, reason=reason)
    click.echo(f"answer {a.id} rejected by {a.decided_by}: it will never be sent")


def pending_answers(ledger: Any) -> list[Any]:
    """For `launcher pending`: answers waiting for a second person."""
    from ..listening.answer_store import AnswerStore

    return AnswerStore(ledger).awaiting()


def print_pending_answers(answers: list[Any], how: str = " --as NAME") -> None:
    for a in answers:
        click.secho(f"answer {a.id}", bold=True, nl=False)
        click.echo(
            f"  to inbox item {a.item_id} ({a.platform}, {a.locale}) of {a.launch_id},"
            f" written by {a.requested_by} at {when(a.requested_at)}"
        )
        for line in shown(a.text).splitlines():
            click.echo(f"    | {line}")
        for why in a.reasons:
            click.echo(f"    - {why}")
        click.echo(
            f"    approve: launcher approve answer {a.id}{how}   (or reject: launcher"
            f" reject-answer {a.id} --reason ...)"
        )


def status_lines(ledger: Any, launch_id: str) -> tuple[dict[str, Any], list[tuple[str, bool]]]:
    """For `launcher status LAUNCH`: posts gone from their platform (loud) and the inbox."""
    from ..listening.snapshots import SnapshotStore
    from ..listening.store import ListeningStore

    removed = SnapshotStore(ledger).removed_posts(launch_id)
    items = ListeningStore(ledger).items(launch_id=launch_id)
    new = sum(1 for i in items if i.state == "new")
    doc = {
        "removed": [
            {"post": pid, "noticed_at": when(at), "why": why}
            for pid, (at, why) in sorted(removed.items())
        ],
        "inbox": {"items": len(items), "new": new},
    }
    lines: list[tuple[str, bool]] = []
    if removed:
        lines.append(
            (f"{len(removed)} post(s) REMOVED FROM THE PLATFORM (deleted or taken down):", True)
        )
        for pid, (at, why) in sorted(removed.items()):
            lines.append((f"  #{pid}: {why} (noticed {when(at)})", True))
    if items:
        lines.append((f"inbox: {len(items)} item(s), {new} new: launcher inbox {launch_id}", False))
    return doc, lines


def register(group: click.Group) -> None:
    for command in (listen_cmd, inbox_cmd, answer_cmd, report_cmd, reject_answer_cmd):
        group.add_command(command)
    approve = group.commands.get("approve")
    if isinstance(approve, click.Group):
        approve.add_command(approve_answer_cmd)
