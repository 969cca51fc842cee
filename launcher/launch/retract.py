"""Retraction: take down what a launch posted, after stopping what is still pending.

It sits beside :mod:`.lifecycle` (the launch's life up to sending) at the end of the flow:
ledger -> adapters, in reverse. Nothing is deleted that no archive holds (archived first),
a post whose answer was lost is looked for on the platform before the ledger says it is gone,
and a pin it took down is mended where the platform keeps one pin per account.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ContentRejected, InputError, LauncherError, Unsupported, redact
from ..ledger import Ledger, PostRecord
from .dispatch import Targets, account_for, outgoing_of
from .retry import RetryPolicy, call_with_retry


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
    maybe = ledger.maybe_sent(launch.id, message=message, platform=platform)
    if not maybe:
        return 0
    found_here = 0
    accounts = ledger.account_refs(launch.id)
    for post in maybe:
        outgoing = outgoing_of(ledger, post, first=post.first_attempt_at or post.due_at)
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
