"""Collection: inboxes, post snapshots and followers, from the platforms into the ledger.

One :meth:`Collector.step` is one pass over what is due: each listened account's inbox (every
``inbox_every``), each sent post's snapshot at its ages (and refreshes between them), each
account's followers (every ``followers_every``). Calls go through the adapters' listening
methods, hence through ``HttpAdapter.request`` like every platform call, and the adapters'
cached sessions (Bluesky's ``createSession`` is never called per pass).

Posting has priority, in two ways:

- time: ``should_yield`` is asked before every platform call (the daemon passes "a post or an
  account is due"), and the pass stops at once when it says yes; what is left waits for the
  next pass, nothing is lost (cursors and snapshots are committed as they are taken);
- budget: a platform whose rate-limit window is down to the configured ``reserve`` (from the
  headers of its last answer) is not read again until the window resets, so posting keeps
  that share; a 429 to a listening call pauses listening on that platform for its hint.

A platform that cannot do something (``Unsupported``, or its declaration says so) is skipped
and said so in the result; a platform fault is logged and retried at the next interval.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from ..adapters.base import METRICS, AccountRef, Adapter, PostMetrics
from ..errors import AdapterError, LauncherError, RateLimited, Unsupported, redact
from ..ledger import Ledger
from .config import ListenConfig
from .language import detect
from .snapshots import DuePost, SnapshotStore
from .store import ListeningStore, Target

log = logging.getLogger("launcher.listening")

#: how long listening on a platform pauses when its window is down to the reserve and the
#: platform gave no reset time
RESERVE_PAUSE = 60.0
#: in the daemon, the ledger is looked at for listening work at most this often
SCAN_EVERY = 5.0
#: measurements committed together: each commit is synced to the disk (a crash loses at
#: most this many, which the next pass takes again)
FLUSH_EVERY = 1000


class Targets(Protocol):
    def adapter_for(self, platform: str, mission: str | None = None) -> Adapter: ...

    def account_ref(self, platform: str, mission: str, locale: str, handle: str) -> AccountRef: ...


class Yield(Exception):
    """Raised inside a pass when posting needs the worker (or it was asked to stop)."""


@dataclass
class CollectResult:
    items: int = 0  # new inbox items
    snapshots: int = 0
    removed: int = 0  # posts found gone from their platform
    followers: int = 0  # account snapshots
    calls: int = 0  # listening calls made
    yielded: bool = False  # stopped early: posting had work
    skipped: list[str] = field(default_factory=list)  # what a platform cannot give, and why
    errors: list[str] = field(default_factory=list)
    paused: list[str] = field(default_factory=list)  # platforms left alone (rate limits)

    def as_dict(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in self.__dataclass_fields__}


class Collector:
    """Collects for one ledger. Not thread-safe: the daemon runs it on its one worker thread,
    between dispatch passes."""

    def __init__(
        self,
        ledger: Ledger,
        targets: Targets,
        *,
        config: ListenConfig | None = None,
        actor: str = "listening",
        clock: Callable[[], float] = time.time,
        detector: Callable[..., tuple[str | None, float | None]] = detect,
    ) -> None:
        self.ledger = ledger
        self.targets = targets
        self.config = config or ListenConfig()
        self.actor = actor
        self.clock = clock
        self.detector = detector
        self.store = ListeningStore(ledger)
        self.snapshots = SnapshotStore(ledger)
        #: (platform, mission) -> epoch until which listening there waits
        self._paused: dict[tuple[str, str], float] = {}
        self._next_scan = -1e18

    # -- a pass ----------------------------------------------------------------------------
    def due_soon(self) -> bool:
        """Whether a daemon pass should look now (cheap: no ledger query)."""
        return time.monotonic() >= self._next_scan

    def step(
        self,
        should_yield: Callable[[], bool] = lambda: False,
        *,
        force: bool = False,
        launch_id: str | None = None,
        yield_to_posting: bool = False,
    ) -> CollectResult:
        """Collect what is due (``force``: everything now, intervals ignored: ``listen
        --once``); stop as soon as ``should_yield()`` says so, and, with
        ``yield_to_posting`` (the daemon), as soon as a post or an account comes due that
        was not due when the pass began (work the dispatcher could not take, such as a post
        whose account is down, does not hold listening up)."""
        result = CollectResult()
        self._next_scan = time.monotonic() + SCAN_EVERY
        started = self.clock()
        if yield_to_posting:
            self._yield = lambda: should_yield() or self._posting_due(started)
        else:
            self._yield = should_yield
        try:
            targets = self.store.targets(launch_id=launch_id)
            locales = self.store.launch_locales(lid for t in targets for lid in t.launches)
            for target in targets:
                self._inbox(target, result, force=force, locales=locales)
            self._posts(result, force=force, launch_id=launch_id)
            for target in targets:
                self._followers(target, result, force=force)
        except Yield:
            result.yielded = True
        return result

    def _posting_due(self, since: float) -> bool:
        """A post (scheduled or retrying) or an account came due after ``since``."""
        from sqlalchemy import and_, exists, or_, select

        from ..ledger.schema import accounts, launches, posts

        now = self.clock()
        came_due = or_(
            and_(posts.c.state == "scheduled", posts.c.due_at > since, posts.c.due_at <= now),
            and_(posts.c.state == "retrying", posts.c.retry_at > since, posts.c.retry_at <= now),
        )
        post_q = select(
            exists().where(
                came_due, launches.c.id == posts.c.launch_id, launches.c.state == "active"
            )
        )
        new_account = or_(
            and_(accounts.c.state == "pending", accounts.c.updated_at > since),
            and_(
                accounts.c.state == "retrying",
                accounts.c.retry_at > since,
                accounts.c.retry_at <= now,
            ),
        )
        account_q = select(
            exists().where(
                new_account, launches.c.id == accounts.c.launch_id, launches.c.state == "active"
            )
        )
        with self.ledger.engine.connect() as conn:
            return bool(conn.execute(post_q).scalar() or conn.execute(account_q).scalar())

    def _check(self) -> None:
        if self._yield():
            raise Yield

    def _account(self, target: Target) -> AccountRef:
        ref = self.targets.account_ref(
            target.platform, target.mission, target.locale, target.handle
        )
        if target.account_id and not ref.account_id:
            ref = replace(ref, account_id=target.account_id)
        if target.credentials:
            ref = replace(ref, credentials={**target.credentials, **ref.credentials})
        return ref

    def _paused_now(self, platform: str, mission: str, result: CollectResult) -> bool:
        until = self._paused.get((platform, mission), 0.0)
        if until > self.clock():
            note = f"{platform}@{mission}"
            if note not in result.paused:
                result.paused.append(note)
            return True
        return False

    def _call(
        self,
        adapter: Adapter,
        where: tuple[str, str],
        fn: Callable[[], Any],
        result: CollectResult,
    ) -> Any:
        """One listening call on ``where`` (platform, mission): yield first if posting needs
        the worker; afterwards, pause that platform if its window is down to the reserve."""
        self._check()
        result.calls += 1
        try:
            return fn()
        except RateLimited as exc:
            wait = exc.retry_after if exc.retry_after is not None else RESERVE_PAUSE
            self._paused[where] = self.clock() + wait
            raise
        finally:
            room = adapter.listen_headroom()
            if room is not None and room <= self.config.reserve:
                self._paused[where] = self.clock() + RESERVE_PAUSE
                log.info(
                    "listening paused: %.0f%% of the rate-limit window left for posting",
                    room * 100,
                    extra={"platform": where[0]},
                )

    def _skip(self, result: CollectResult, adapter: Adapter, what: str, why: str | None) -> None:
        note = f"{adapter.name}: no {what} ({why or 'not supported'})"
        if note not in result.skipped:
            result.skipped.append(note)

    def _error(self, result: CollectResult, where: str, exc: Exception) -> None:
        text = redact(f"{where}: {exc}")
        result.errors.append(text)
        log.warning("listening: %s", text)

    # -- inbox -----------------------------------------------------------------------------
    def _inbox(
        self,
        target: Target,
        result: CollectResult,
        *,
        force: bool,
        locales: Mapping[str, Sequence[str]],
    ) -> None:
        try:
            adapter = self.targets.adapter_for(target.platform, target.mission)
        except LauncherError as exc:
            self._error(result, f"{target.platform} {target.handle}", exc)
            return
        caps = adapter.capabilities.listening
        if not caps.inbox:
            self._skip(result, adapter, "inbox", caps.why("inbox"))
            return
        if self._paused_now(target.platform, target.mission, result):
            return
        cursor, next_at = self.store.cursor(target)
        now = self.clock()
        if not force and next_at is not None and next_at > now:
            return
        account = self._account(target)
        recent = self._recent_posts(target) if target.platform == "facebook" else ()
        try:
            page = self._call(
                adapter,
                (target.platform, target.mission),
                lambda: adapter.fetch_inbox(account, cursor, recent),
                result,
            )
        except Unsupported as exc:
            self._skip(result, adapter, "inbox", exc.message)
            return
        except (AdapterError, LauncherError) as exc:
            self._error(result, f"inbox of {target.platform} {target.handle}", exc)
            self.store.inbox_failed(
                target, now=now, next_at=now + self.config.inbox_every, error=redact(str(exc))
            )
            return
        new = self.store.add_items(
            target,
            page.items,
            cursor=page.cursor,
            now=self.clock(),
            next_at=self.clock() + self.config.inbox_every,
            detect=self.detector,
            locales=locales,
            actor=self.actor,
        )
        result.items += len(new)

    def _recent_posts(self, target: Target) -> list[str]:
        from sqlalchemy import select

        from ..ledger.schema import posts

        since = self.clock() - self.config.horizon - 86400.0
        q = select(posts.c.platform_post_id).where(
            posts.c.launch_id.in_(target.launches),
            posts.c.platform == target.platform,
            posts.c.locale == target.locale,
            posts.c.state == "sent",
            posts.c.sent_at >= since,
        )
        with self.ledger.engine.connect() as conn:
            return [str(x) for x in conn.execute(q).scalars() if x]

    # -- post snapshots --------------------------------------------------------------------
    def _posts(self, result: CollectResult, *, force: bool, launch_id: str | None) -> None:
        due = self.snapshots.due(self.config, now=self.clock(), force=force, launch_id=launch_id)
        groups: dict[tuple[str, str, str, str], list[DuePost]] = {}
        for d in due:
            groups.setdefault((d.launch_id, d.mission, d.platform, d.locale), []).append(d)
        refs: dict[str, Any] = {}
        for (lid, mission, platform, locale), batch in groups.items():
            if self._paused_now(platform, mission, result):
                continue
            try:
                adapter = self.targets.adapter_for(platform, mission)
            except LauncherError as exc:
                self._error(result, f"{platform} posts of {lid}", exc)
                continue
            caps = adapter.capabilities.listening
            if not caps.post_metrics:  # nothing to read: record why, once per age
                why = {m: caps.why(m) or "not measured" for m in METRICS}
                none = PostMetrics(unavailable=why)
                at = self.clock()
                self.snapshots.record_posts([(d, none, at) for d in batch], actor=self.actor)
                result.snapshots += len(batch)
                self._skip(result, adapter, "post counts", caps.why("likes"))
                continue
            if lid not in refs:
                refs[lid] = self.ledger.account_refs(lid)
            handle, account_id, creds = refs[lid].get((platform, locale), (None, None, {}))
            if handle is None:
                continue
            target = Target(platform, mission, handle, locale, account_id, creds, (lid,))
            account = self._account(target)
            size = max(1, caps.batch)
            buffer: list[tuple[DuePost, PostMetrics, float]] = []
            try:
                for start in range(0, len(batch), size):
                    chunk = batch[start : start + size]
                    try:
                        got = self._call(
                            adapter,
                            (platform, mission),
                            lambda c=chunk, a=adapter, r=account: a.fetch_post_metrics(
                                r, [d.platform_post_id for d in c]
                            ),
                            result,
                        )
                    except Unsupported as exc:
                        self._skip(result, adapter, "post counts", exc.message)
                        break
                    except (AdapterError, LauncherError) as exc:
                        self._error(result, f"counts of {platform} posts of {lid}", exc)
                        break
                    at = self.clock()
                    buffer.extend(
                        (d, got[d.platform_post_id], at) for d in chunk if d.platform_post_id in got
                    )
                    if len(buffer) >= FLUSH_EVERY:
                        self._flush(buffer, result)
            finally:  # also when posting needs the worker: what was measured is kept
                self._flush(buffer, result)

    def _flush(
        self, buffer: list[tuple[DuePost, PostMetrics, float]], result: CollectResult
    ) -> None:
        if buffer:
            result.removed += self.snapshots.record_posts(buffer, actor=self.actor)
            result.snapshots += len(buffer)
            buffer.clear()

    # -- followers -------------------------------------------------------------------------
    def _followers(self, target: Target, result: CollectResult, *, force: bool) -> None:
        try:
            adapter = self.targets.adapter_for(target.platform, target.mission)
        except LauncherError:
            return  # reported by the inbox already
        caps = adapter.capabilities.listening
        if not caps.followers:
            self._skip(result, adapter, "followers", caps.why("followers"))
            return
        if self._paused_now(target.platform, target.mission, result):
            return
        last = self.snapshots.last_account_snapshot(target.platform, target.handle)
        if not force and last is not None and self.clock() - last < self.config.followers_every:
            return
        account = self._account(target)
        try:
            metrics = self._call(
                adapter,
                (target.platform, target.mission),
                lambda: adapter.fetch_account_metrics(account),
                result,
            )
        except Unsupported as exc:
            self._skip(result, adapter, "followers", exc.message)
            return
        except (AdapterError, LauncherError) as exc:
            self._error(result, f"followers of {target.platform} {target.handle}", exc)
            return
        self.snapshots.record_account(
            target.launches,
            platform=target.platform,
            locale=target.locale,
            handle=target.handle,
            metrics=metrics,
            now=self.clock(),
        )
        result.followers += 1
