"""The ``run`` use-case: plan → ledger → set up accounts → send what is due now → the rest waits.

Library code: no printing, no prompting. The CLI shows the plan, asks, then calls
:func:`start_launch`. A launch is recorded in its final state in one transaction: ``active``
(a crisis launch freezing its mission's routine launches in the same breath) or, when its
content is not covered by a valid approval, ``awaiting-approval``: then nothing reaches a
platform, no account, no profile, no post, until a second person approves it. An active
launch's accounts and due posts are then worked by this process through the same claims the
daemon uses, so a ``run`` killed at any point strands nothing: the daemon takes over.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..adapters.base import OutgoingPost
from ..errors import ContentRejected, InputError, LauncherError, Unsupported, redact
from ..ledger import AccountRecord, Ledger, PostRecord, overall_state, ts
from ..models import Plan
from ..plan.fingerprint import recorded_plan
from .dispatch import (
    RESEND_SAFE,
    Dispatcher,
    DispatchResult,
    Targets,
    account_for,
    new_worker_id,
)
from .retry import Backoff, RetryPolicy, call_with_retry

#: how long ``run`` itself rides out a platform blip before leaving the post to the daemon
RUN_WAIT = 30.0
#: platform calls ``run`` makes at once (accounts in parallel, each account's posts in
#: order); the rate budget of each platform decides how fast each one is talked to
RUN_WORKERS = 256


@dataclass
class LaunchOutcome:
    launch_id: str
    state: str
    posts: list[PostRecord]
    accounts: list[AccountRecord]
    sent_now: DispatchResult = field(default_factory=DispatchResult)

    def as_dict(self) -> dict[str, Any]:
        return {
            "launch": self.launch_id,
            "state": self.state,
            "accounts": [a.as_status() for a in self.accounts],
            "posts": [p.as_status() for p in self.posts],
        }


def new_launch_id(mission: str, playbook: str, at: datetime) -> str:
    """``rome-earthquake-20261123-0115-3fa9``: readable, sortable, unique enough to type."""
    stamp = at.astimezone(UTC).strftime("%Y%m%d-%H%M")
    return f"{mission}-{playbook}-{stamp}-{secrets.token_hex(2)}"


def repeat_key(plan: Plan, given: Mapping[str, Any]) -> str:
    """Playbook + mission + the facts the operator gave (typed): the same launch run twice
    has the same key, whatever defaulted to "now"."""
    facts = {k: plan.event.facts.get(k) for k in sorted(given)}
    text = json.dumps(
        [plan.playbook.id, plan.mission.id, facts], sort_keys=True, default=str, ensure_ascii=False
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def plan_rows(plan: Plan) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The ledger rows of a plan: accounts (with the profile to set) and posts (with
    ``prev_key`` for threads and ``expires_at``)."""
    accounts = [
        {
            "platform": a.platform,
            "locale": a.locale,
            "handle": a.handle,
            "display_name": a.display_name,
            "bio": a.bio,
            "links": [list(link) for link in a.links],
        }
        for a in plan.accounts
    ]
    previous: dict[tuple[str, int, str, str], str] = {}
    posts = []
    # the plan's own order (time, then the playbook's message order, the intro first): the
    # ledger's ids follow it, and posts due together are sent in that order
    for p in sorted(plan.posts, key=lambda p: p.at):
        group = (p.message, p.occurrence, p.platform, p.locale)
        prev = previous.get(group) if p.part > 1 else None
        previous[group] = p.key
        posts.append(
            {
                "key": p.key,
                "message": p.message,
                "platform": p.platform,
                "locale": p.locale,
                "text": p.text,
                "due_at": ts(p.at),
                "expires_at": ts(p.expires_at) if p.expires_at else None,
                "part": p.part,
                "parts": p.parts,
                "pin": p.pin,
                "prev_key": prev,
            }
        )
    return accounts, posts


def record_launch(ledger: Ledger, plan: Plan, **fields: Any) -> str:
    """Record a plan as a launch: ``active``, or ``awaiting-approval`` with ``hold``'s
    reasons (``fields``: :func:`launch_fields`'). A crisis launch that is active at once
    freezes its mission's routine ones."""
    launch = launch_fields(plan, **fields)
    ledger.create_launch(**launch)
    return str(launch["launch_id"])


def launch_fields(
    plan: Plan,
    *,
    actor: str,
    now: float,
    launch_id: str | None = None,
    hold: Sequence[str] = (),
    repeat: str | None = None,
    recorded: tuple[str, str] | None = None,
) -> dict[str, Any]:
    """What the ledger records of a plan as a launch (:meth:`Ledger.create_launch`'s fields),
    for :func:`record_launch` and for a launch group recorded in one transaction.
    ``recorded``: :func:`recorded_plan` of ``plan``, if it was worked out already."""
    launch_id = launch_id or new_launch_id(
        plan.mission.id, plan.playbook.id, plan.event.confirmed_at
    )
    accounts, posts = plan_rows(plan)
    digest, doc = recorded or recorded_plan(plan)
    return dict(
        launch_id=launch_id,
        playbook=plan.playbook.id,
        mission=plan.mission.id,
        facts=plan.event.facts,
        actor=actor,
        now=now,
        confirmed_at=ts(plan.event.confirmed_at),
        plan_hash=digest,
        plan_doc=doc,
        account_rows=accounts,
        post_rows=posts,
        state="awaiting-approval" if hold else "active",
        timezone=plan.mission.timezone,
        kind="crisis" if plan.playbook.crisis else "routine",
        note=hold,
        repeat_key=repeat,
    )


def record_posts(
    ledger: Ledger,
    launch_id: str,
    posts: Sequence[Mapping[str, Any]],
    *,
    mission: str = "test",
    playbook: str = "test",
    actor: str = "test",
    now: float | None = None,
    accounts: Sequence[Mapping[str, Any]] = (),
    state: str = "active",
) -> str:
    """Record a launch from explicit post rows (``key``, ``due_at`` required; ``platform``,
    ``locale``, ``text``, ``message``, ``part``/``parts``/``prev_key``, ``pin`` optional),
    in ``state`` (``awaiting-approval``: held for a second person).
    For tests, benchmarks and drills that do not go through a playbook."""
    now = time.time() if now is None else now
    rows = []
    for p in posts:
        row = {
            "message": "msg",
            "platform": "sandbox",
            "locale": "en",
            "part": 1,
            "parts": 1,
            "pin": False,
            "prev_key": None,
            **p,
        }
        row.setdefault("text", f"post {row['key']}")
        rows.append(row)
    ledger.create_launch(
        launch_id=launch_id,
        playbook=playbook,
        mission=mission,
        facts={},
        actor=actor,
        now=now,
        confirmed_at=now,
        plan_hash="-",
        plan_doc=None,
        account_rows=list(accounts),
        post_rows=rows,
        state=state,
    )
    return launch_id


def start_launch(
    plan: Plan,
    *,
    ledger: Ledger,
    targets: Targets,
    actor: str,
    clock: Callable[[], float] = time.time,
    policy: RetryPolicy | None = None,
    backoff: Backoff | None = None,
    sleep: Callable[[float], None] = time.sleep,
    send_now: bool = True,
    launch_id: str | None = None,
    hold: Sequence[str] = (),
    emergency_reason: str | None = None,
    repeat: str | None = None,
) -> LaunchOutcome:
    """Record the launch, set up its accounts, and send what is due now.

    ``hold``: reasons the launch must wait for a second person (content not covered by a
    valid approval). It is then recorded as ``awaiting-approval`` and nothing reaches a
    platform until someone else approves it. ``emergency_reason``: go anyway, as a loudly
    recorded emergency override (the hold reasons go to the audit trail). ``repeat``: the
    launch's :func:`repeat_key`.
    """
    held = () if emergency_reason else tuple(hold)
    launch_id = record_launch(
        ledger, plan, actor=actor, now=clock(), launch_id=launch_id, hold=held, repeat=repeat
    )
    if emergency_reason:
        ledger.mark_emergency(
            launch_id, actor=actor, now=clock(), reason=emergency_reason, reasons_skipped=hold
        )
    if held:
        return outcome(ledger, launch_id)
    result = DispatchResult()
    if send_now:
        result = send_due(
            ledger,
            targets,
            launch_id,
            actor=actor,
            clock=clock,
            policy=policy,
            backoff=backoff,
            sleep=sleep,
        )
    return outcome(ledger, launch_id, result)


def send_due(
    ledger: Ledger,
    targets: Targets,
    launch_id: str | Sequence[str],
    *,
    actor: str,
    clock: Callable[[], float] = time.time,
    policy: RetryPolicy | None = None,
    backoff: Backoff | None = None,
    sleep: Callable[[float], None] = time.sleep,
    wait_up_to: float = RUN_WAIT,
    workers: int = RUN_WORKERS,
    processes: int | None = 1,
) -> DispatchResult:
    """Set up a launch's accounts and send its posts that are due now, from this process
    (run, approve launch, retry); ride out faults shorter than ``wait_up_to`` seconds.
    ``launch_id`` may be several launches (a group: one run for several missions), worked
    together: every account of every mission in parallel. ``processes``: how many processes
    may share a large launch, a share of the platforms each (:mod:`.shards`; None: one per
    CPU; 1: this process alone)."""

    def send(led: Ledger, platforms: frozenset[str] | None, shares: int = 1) -> DispatchResult:
        dispatcher = Dispatcher(
            led,
            targets,
            actor=actor,
            worker=new_worker_id("run"),  # in the process that sends: its pid tells it alive
            policy=policy,
            backoff=backoff,
            clock=clock,
            sleep=None if sleep is time.sleep else sleep,
            workers=max(1, workers // shares),  # the same concurrency over all the processes
            batch=max(50, workers // shares),
            platforms=platforms,
        )
        try:
            return dispatcher.run_due(launch_id=launch_id, wait_up_to=wait_up_to)
        finally:
            dispatcher.close()

    if processes == 1:
        return send(ledger, None)
    from .shards import PlatformCost, send_in_shares

    ids = [launch_id] if isinstance(launch_id, str) else list(launch_id)
    mission = ledger.resolve(ids[0]).mission if ids else ""

    def costs(platform: str) -> PlatformCost:
        try:
            caps = targets.adapter_for(platform, mission).capabilities
        except LauncherError:  # not configured: its posts will say so; weigh it as any
            return PlatformCost()
        return PlatformCost(caps.setup_requests, caps.idempotency in RESEND_SAFE)

    return send_in_shares(ledger, ids, send, now=clock(), processes=processes, costs=costs)


def outcome(ledger: Ledger, launch_id: str, result: DispatchResult | None = None) -> LaunchOutcome:
    launch = ledger.resolve(launch_id)
    posts = ledger.posts(launch.id)
    counts: dict[str, int] = {}
    for p in posts:
        counts[p.state] = counts.get(p.state, 0) + 1
    return LaunchOutcome(
        launch.id,
        overall_state(launch.state, counts),
        posts,
        ledger.accounts(launch.id),
        result or DispatchResult(),
    )


@dataclass
class RetractOutcome:
    launch_id: str
    halted: int = 0
    retracted: list[int] = field(default_factory=list)
    unsupported: list[tuple[int, str]] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    in_flight: int = 0  # posts a daemon was sending meanwhile: retract again once they land
    pins: list[tuple[int, str]] = field(default_factory=list)  # pins left for a person to mend
    archive: str | None = None  # the archive written first of what is deleted
    no_archive: bool = False  # deleted without an archive: a person said so (recorded)

    def as_dict(self) -> dict[str, Any]:
        return {
            "launch": self.launch_id,
            "archive": self.archive,
            "no_archive": self.no_archive,
            "halted": self.halted,
            "retracted": self.retracted,
            "unsupported": [{"post": p, "reason": r} for p, r in self.unsupported],
            "failed": [{"post": p, "reason": r} for p, r in self.failed],
            "in_flight": self.in_flight,
            "pins": [{"post": p, "reason": r} for p, r in self.pins],
        }


def check_filters(
    ledger: Ledger, launch_id: str, *, message: str | None = None, platform: str | None = None
) -> None:
    """InputError when ``--platform`` or ``--message`` names nothing of the launch: a typo
    (``--platform X``, ``--message Condolences``) would otherwise retract or retry nothing
    and say it was done."""
    if message is None and platform is None:
        return
    platforms, messages = ledger.post_kinds(launch_id)
    for option, value, known in (
        ("--platform", platform, platforms),
        ("--message", message, messages),
    ):
        if value is not None and value not in known:
            raise InputError(
                f"launch {launch_id} has no posts with {option} {value!r}",
                hint=f"its {option[2:]}s: {', '.join(sorted(known)) or 'none'}",
                field=option,
            )


def retract_launch(
    ledger: Ledger,
    targets: Targets,
    launch_id: str,
    *,
    actor: str,
    message: str | None = None,
    platform: str | None = None,
    clock: Callable[[], float] = time.time,
    policy: RetryPolicy | None = None,
    sleep: Callable[[float], None] = time.sleep,
    archive_to: Path | None = None,
    no_archive: bool = False,
    root: Path | None = None,
) -> RetractOutcome:
    """Stop what a retraction covers that is still pending, then delete what was posted
    (the last thread part first). Unfiltered, the launch itself becomes ``retracted``.

    Nothing is deleted that no archive holds: if a post to delete is not in an archive of
    the launch yet, the launch is archived first (into ``archive_to``, default
    ``<data dir>/archives/<archive id>``); if that cannot be written, nothing is deleted
    (:class:`~launcher.errors.NotArchived`). ``no_archive``: a person decided to delete
    without one; recorded in the audit trail.

    Only this launch's own posts are touched (each post's platform id is its own, never
    another launch's). A deleted post that was pinned is unpinned where the platform keeps
    pointing at it, and the post pinned before it is pinned again where launcher knows it.
    """
    policy = policy or RetryPolicy()
    launch = ledger.resolve(launch_id)
    check_filters(ledger, launch.id, message=message, platform=platform)
    out = RetractOutcome(launch.id)
    out.halted = ledger.halt_matching(
        launch.id, actor=actor, now=clock(), message=message, platform=platform
    )
    found = _look_for_maybe_sent(
        ledger, targets, launch, out, actor, clock, policy, sleep, message, platform
    )
    out.halted -= found  # on the platform after all: deleted below, not merely halted
    doomed = ledger.retractable(launch.id, message=message, platform=platform)
    _archive_first(ledger, launch.id, doomed, out, actor, clock(), archive_to, no_archive, root)
    accounts = ledger.account_refs(launch.id)
    pinned = ledger.pinned_before(launch.id)
    for post in doomed:
        assert post.platform_post_id is not None
        try:
            adapter = targets.adapter_for(post.platform, launch.mission)
            account = account_for(targets, accounts, launch.mission, post)
            call_with_retry(
                lambda a=adapter, r=account, i=post.platform_post_id: a.retract(r, i),
                policy=policy,
                sleep=sleep,
            )
        except Unsupported as exc:
            out.unsupported.append((post.id, exc.message))
            ledger.record_event(
                at=clock(),
                actor=actor,
                action="post.retract-unsupported",
                launch_id=launch.id,
                post_id=post.id,
                reason=exc.message,
            )
            continue
        except LauncherError as exc:
            if not (isinstance(exc, ContentRejected) and exc.status == 404):
                _not_retracted(ledger, out, post, redact(str(exc)), actor, clock())
                continue
            ledger.mark_retracted(
                post.id, actor=actor, now=clock(), detail="already gone from the platform"
            )
        else:
            ledger.mark_retracted(post.id, actor=actor, now=clock())
        out.retracted.append(post.id)
        if post.id in pinned:
            _mend_pin(ledger, adapter, account, post, pinned[post.id], out, actor, clock)
    out.in_flight = sum(
        1
        for p in ledger.posts(launch.id)
        if p.state == "sending"
        and (message is None or p.message == message)
        and (platform is None or p.platform == platform)
    )
    return out


def _look_for_maybe_sent(
    ledger: Ledger,
    targets: Targets,
    launch: Any,
    out: RetractOutcome,
    actor: str,
    clock: Callable[[], float],
    policy: RetryPolicy,
    sleep: Callable[[float], None],
    message: str | None,
    platform: str | None,
) -> int:
    """A post whose answer was lost may be live although the ledger has no platform id for
    it: halting it does not take it down. Each such post is looked for on its platform
    first; found, it is recorded as sent (reconciled) and so deleted with the others; not
    found, it stays halted (nothing to delete); if the platform cannot be asked, the
    retraction says so rather than claim the post is gone. Returns how many were found."""
    from .dispatch import CLOCK_SKEW

    maybe = ledger.maybe_sent(launch.id, message=message, platform=platform)
    if not maybe:
        return 0
    found_here = 0
    accounts = ledger.account_refs(launch.id)
    for post in maybe:
        since = (post.first_attempt_at or post.due_at) - CLOCK_SKEW
        outgoing = OutgoingPost(
            key=post.key,
            text=post.text,
            locale=post.locale,
            launch=post.launch_id,
            not_before=datetime.fromtimestamp(since, UTC),
            known_ids=ledger.platform_ids_since(post.platform, since, exclude_post=post.id),
        )
        try:
            adapter = targets.adapter_for(post.platform, launch.mission)
            account = account_for(targets, accounts, launch.mission, post)
            found = call_with_retry(
                lambda a=adapter, r=account, o=outgoing: a.find_published(r, o),
                policy=policy,
                sleep=sleep,
            )
        except LauncherError as exc:
            why = (
                "its last attempt may have reached the platform (the answer was lost) and it"
                f" could not be looked for there: {redact(str(exc))}"
            )
            _not_retracted(ledger, out, post, why, actor, clock())
            continue
        if found is not None:
            found_here += 1
            ledger.mark_sent(
                post.id,
                actor=actor,
                now=clock(),
                platform_post_id=found.platform_post_id,
                url=found.url,
                extra=found.extra,
                reconciled=True,
                launch_id=launch.id,
            )
    return found_here


def _not_retracted(
    ledger: Ledger, out: RetractOutcome, post: PostRecord, why: str, actor: str, now: float
) -> None:
    """A post the retraction could not take down: listed as failed, with why, and in the
    audit trail (never counted as gone)."""
    out.failed.append((post.id, why))
    ledger.record_event(
        at=now,
        actor=actor,
        action="post.retract-failed",
        launch_id=post.launch_id,
        post_id=post.id,
        reason=why,
    )


def _archive_first(
    ledger: Ledger,
    launch_id: str,
    doomed: Sequence[PostRecord],
    out: RetractOutcome,
    actor: str,
    now: float,
    archive_to: Path | None,
    no_archive: bool,
    root: Path | None,
) -> None:
    """Before a deletion: every post about to be deleted is in an archive, or a person said
    ``--no-archive`` (recorded). Writes the archive when one is missing."""
    missing = ledger.unarchived(launch_id, [p.id for p in doomed])
    if not missing:
        return
    if no_archive:
        out.no_archive = True
        ledger.record_no_archive(
            launch_id, actor=actor, now=now, what="retract", posts=len(missing)
        )
        return
    from ..archive import default_dir, new_archive_id, write_archive
    from ..errors import ArchiveError, NotArchived
    from ..paths import data_dir

    archive_id = new_archive_id(launch_id, now)
    target = archive_to or default_dir(data_dir(), archive_id)
    try:
        done = write_archive(
            ledger, launch_id, out=target, actor=actor, now=now, reason="retract", root=root,
            archive_id=archive_id,
        )  # fmt: skip
    except ArchiveError as exc:
        raise NotArchived(
            f"nothing was deleted: {len(missing)} post(s) of {launch_id} are in no archive,"
            f" and {exc.message}"
            + (f" ({out.halted} pending post(s) were halted)" if out.halted else ""),
            hint="fix that and retract again, give another directory with --archive-to DIR, or"
            " delete without an archive with --no-archive (recorded in the audit trail)",
        ) from None
    out.archive = str(done.path)


def _mend_pin(
    ledger: Ledger,
    adapter: Any,
    account: Any,
    post: PostRecord,
    previous: str | None,
    out: RetractOutcome,
    actor: str,
    clock: Callable[[], float],
) -> None:
    """The retracted post was pinned: take it off the profile, put the earlier pin back."""
    assert post.platform_post_id is not None
    try:
        changed = adapter.unpin(account, post.platform_post_id, restore=previous)
    except LauncherError as exc:
        why = (
            f"the profile may still point at the deleted pinned post ({redact(exc.message)}): "
            f"pin another post on {post.platform} by hand"
        )
        out.pins.append((post.id, why))
        ledger.record_event(
            at=clock(), actor=actor, action="post.unpin-failed", launch_id=post.launch_id,
            post_id=post.id, reason=why,
        )  # fmt: skip
        return
    if changed:
        ledger.record_event(
            at=clock(),
            actor=actor,
            action="post.unpinned",
            launch_id=post.launch_id,
            post_id=post.id,
            restored=previous,
        )
