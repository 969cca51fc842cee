"""Send due work: ledger → adapter → ledger, one attempt per claim, never waiting in place.

Per worker, for each account to set up and each post::

    claim (committed)  →  still ours and the launch still active?  →  one platform call
    →  sent | retrying (next attempt time, the error) | failed | expired  (committed)
    →  pin, when the post asks for it

Accounts come first: a post is claimable only once its account is ready. A platform fault
never blocks the worker: the post becomes ``retrying`` at a time from :class:`Backoff` (the
platform's hint, however long, or capped exponential backoff with jitter) and the worker moves
on; the other posts of that platform (or that account, for a rate limit) claimed meanwhile are
deferred to the same moment untried, so one platform's outage never delays another's posts. A
post whose next attempt would come after its ``expires_at`` is ``expired``, never sent stale.

A post whose last attempt may have reached the platform (``Claim.reconcile``: a lost answer,
or a claim taken over after a crash) is looked for on the platform before it is sent again, so
nothing is posted twice; an idempotency key within its window or a client-chosen record key
make the resend itself safe. Thread part n+1 is claimable only once part n is sent. The clock
is injectable (``clock() -> epoch seconds``), so tests never wait for real time.

With ``workers`` > 1 the work fans out (:mod:`.fanout`): accounts are set up side by side and
each account's posts form a lane sent in order by one worker, lanes of different accounts and
platforms at the same time; with one worker everything is done in turn, in claim order.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import Any, Protocol

from ..adapters.base import AccountRef, Adapter, OutgoingPost, Published
from ..errors import (
    AdapterError,
    DuplicateContent,
    LauncherError,
    RateLimited,
    TransientError,
    redact,
)
from ..ledger import Claim, Ledger, PostRecord, iso
from .fanout import FanOut
from .pinning import pin_post
from .provision import AccountSetup
from .retry import Backoff, RetryPolicy, Stopping, call_with_retry
from .workers import dead_local_claimants, new_worker_id

log = logging.getLogger("launcher.launch.dispatch")

#: platforms where sending a post again is harmless (the platform deduplicates): their sent
#: posts are committed in groups, once per batch. Elsewhere each is committed at once, so a
#: crash leaves as few posts as possible to reconcile (Telegram cannot reconcile at all).
RESEND_SAFE = ("idempotency-key", "client-record-key")

#: how far before our first attempt a post found on the platform may be dated (clock skew)
CLOCK_SKEW = 120.0


class Targets(Protocol):
    """Where posts go: :class:`launcher.settings.Settings` is one."""

    def adapter_for(self, platform: str, mission: str | None = None) -> Adapter: ...

    def account_ref(self, platform: str, mission: str, locale: str, handle: str) -> AccountRef: ...


def account_for(
    targets: Targets,
    known: Mapping[tuple[str, str], tuple[Any, ...]],
    mission: str,
    post: PostRecord,
) -> AccountRef:
    """The account a post goes to: the settings' reference (credentials, standby account),
    with what the ledger recorded when it was provisioned: the platform account id and the
    credential references of an account launcher created (the settings' own win)."""
    handle, account_id, *rest = known.get(
        (post.platform, post.locale), (f"{post.platform}-{post.locale}", None)
    )
    ref = targets.account_ref(post.platform, mission, post.locale, handle)
    if account_id and not ref.account_id:
        ref = replace(ref, account_id=account_id)
    created = rest[0] if rest else {}
    if created:
        ref = replace(ref, credentials={**created, **ref.credentials})
    return ref


@dataclass
class DispatchResult:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    halted: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    expired: list[int] = field(default_factory=list)
    accounts: list[int] = field(default_factory=list)  # accounts whose setup was attempted

    def __iadd__(self, other: DispatchResult) -> DispatchResult:
        for name in self.__dataclass_fields__:
            getattr(self, name).extend(getattr(other, name))
        return self

    @property
    def total(self) -> int:
        return sum(
            len(getattr(self, n))
            for n in ("sent", "failed", "halted", "released", "retrying", "expired")
        )


def outgoing_of(
    ledger: Ledger,
    post: PostRecord,
    *,
    first: float,
    looking: bool = True,
    reply_to: str | None = None,
    reply_refs: Mapping[str, str] | None = None,
) -> OutgoingPost:
    """What the platform is sent, or asked whether it already has, for ``post`` whose first
    attempt was at ``first``: looking, the platform ids the ledger holds for other posts
    since then (a look-up never adopts another post's)."""
    since = first - CLOCK_SKEW
    known = (
        ledger.platform_ids_since(post.platform, since, exclude_post=post.id)
        if looking
        else frozenset()
    )
    return OutgoingPost(
        key=post.key,
        text=post.text,
        locale=post.locale,
        reply_to=reply_to,
        launch=post.launch_id,
        not_before=datetime.fromtimestamp(since, UTC),
        known_ids=known,
        reply_refs=reply_refs or {},
    )


class Dispatcher(AccountSetup, FanOut):
    """Delivers due work from one ledger. Thread-safe to stop; one thread runs it (and, with
    ``workers`` > 1, a pool of workers it owns: :meth:`close` ends them)."""

    def __init__(
        self,
        ledger: Ledger,
        targets: Targets,
        *,
        actor: str,
        worker: str | None = None,
        policy: RetryPolicy | None = None,
        backoff: Backoff | None = None,
        clock: Callable[[], float] = time.time,
        lease: float = 60.0,
        batch: int = 50,
        stop: threading.Event | None = None,
        sleep: Callable[[float], None] | None = None,
        workers: int = 1,
        group_commit: bool | None = None,
        halt_check: float = 0.1,
        rng: Callable[[], float] | None = None,
        platforms: Iterable[str] | None = None,
    ) -> None:
        self.ledger = ledger
        #: only these platforms' accounts and posts (a share: :mod:`.shards`); None: all
        self.platforms = None if platforms is None else frozenset(platforms)
        self.targets = targets
        self.actor = actor
        self.worker = worker or new_worker_id()
        self.policy = policy or RetryPolicy()  # small calls around a post: pin, look-up
        self.backoff = backoff or Backoff()
        self.clock = clock
        self.lease = lease
        self.batch = batch
        self.stop = stop or threading.Event()
        self.sleep = sleep  # None: real waits, cut short by stop
        self.workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self.group_commit = group_commit
        self.halt_check = halt_check
        import random

        self.rng = rng or random.random
        self._lock = threading.Lock()
        self._states: dict[str, tuple[str, float]] = {}
        self._refs: dict[tuple[str, str, str], AccountRef] = {}
        self._takeover_at = -1e9
        self._dead: list[str] = []
        self._buffer: list[tuple[dict[str, Any], Claim, Any]] = []
        self._accounts: dict[str, dict[tuple[str, str], tuple[Any, ...]]] = {}
        #: (platform, mission[, locale]) -> epoch until which its posts are deferred
        self._cooling: dict[tuple[str, ...], float] = {}

    # -- the loop --------------------------------------------------------------------------
    def run_due(
        self,
        *,
        launch_id: str | Iterable[str] | None = None,
        max_posts: int | None = None,
        wait_up_to: float = 0.0,
    ) -> DispatchResult:
        """Set up the accounts and deliver the posts due now (by ``clock``), until nothing
        is due or stopped.

        ``wait_up_to``: also wait (at most this many seconds from now) for retrying posts and
        accounts whose next attempt comes that soon, so a short blip during ``run`` is ridden
        out in the same process; longer faults are left to the daemon. ``launch_id`` may name
        several launches (a launch group). With ``workers`` > 1 the work fans out
        (:mod:`.fanout`): accounts in parallel, each account's posts in order in a lane.
        """
        result = DispatchResult()
        self._states = {}
        deadline = self.clock() + wait_up_to
        if launch_id is not None and not isinstance(launch_id, str):
            launch_id = list(launch_id)
        if self.workers > 1:
            self._fan_out(launch_id, result, deadline=deadline, max_posts=max_posts)
            return result
        while not self.stop.is_set():
            if max_posts is not None and result.total >= max_posts:
                break
            progressed = self._provision_batch(launch_id, result)
            claims = self.ledger.claim_due(
                worker=self.worker,
                now=self.clock(),
                lease=self.lease,
                limit=self.batch,
                launch_id=launch_id,
                takeover=self._takeover(),
                platforms=self.platforms,
            )
            claims = self._keep_order(claims)
            if claims:
                self._send_batch(claims, result)
                continue
            if progressed:
                continue
            if not self._wait_for_retries(launch_id, deadline):
                break
        return result

    def _send_batch(self, claims: list[Claim], result: DispatchResult) -> None:
        try:
            outcomes = [self._process(c) for c in claims]
        finally:
            self._flush()
        for claim, outcome in zip(claims, outcomes, strict=True):
            if outcome in ("sent", "failed", "halted", "released", "retrying", "expired"):
                getattr(result, outcome).append(claim.post.id)
        if result.released:
            log.info(
                "stopping: released %d claimed posts",
                len(result.released),
                extra={"worker": self.worker},
            )

    def _wait_for_retries(self, launch_id: str | list[str] | None, deadline: float) -> bool:
        """Sleep until the next retry if it comes before ``deadline``; False: stop here."""
        now = self.clock()
        if deadline <= now:
            return False
        ours = self.platforms
        found = (
            self.ledger.next_retry(launch_id=launch_id, platforms=ours),
            self.ledger.next_account_due(platforms=ours),
        )
        upcoming = [t for t in found if t is not None]
        if not upcoming or min(upcoming) > deadline:
            return False
        try:
            self._sleep(max(0.0, min(upcoming) - now))
        except Stopping:
            return False
        return self.clock() > now  # a fixed clock (a drill) never reaches the retry

    def _takeover(self) -> list[str]:
        """Claims held by dead processes on this host, looked for at most once a second
        (a restart after ``kill -9`` takes their work over at once, after a platform check)."""
        now = time.monotonic()
        if now - self._takeover_at < 1.0:
            return self._dead
        self._takeover_at = now
        self._dead = dead_local_claimants(self.ledger.claimants())
        return self._dead

    def _pool(self) -> ThreadPoolExecutor | None:
        if self.workers <= 1:
            return None
        if self._executor is None:
            self._executor = ThreadPoolExecutor(self.workers, thread_name_prefix="send")
        return self._executor

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None

    def _process(self, claim: Claim) -> str | None:
        """Send one claimed post, or give it back untouched when stopping."""
        if self.stop.is_set():
            self.ledger.release(
                [claim.post.id],
                worker=self.worker,
                now=self.clock(),
                maybe_sent=claim.reconcile,
            )
            return "released"
        return self.send(claim)

    # -- one post --------------------------------------------------------------------------
    def _account(self, claim: Claim) -> AccountRef:
        p = claim.post
        with self._lock:
            ref = self._refs.get((p.launch_id, p.platform, p.locale))
            if ref is None:
                known = self._accounts.get(p.launch_id)
                if known is None:
                    known = self._accounts[p.launch_id] = self.ledger.account_refs(p.launch_id)
                ref = account_for(self.targets, known, claim.mission, p)
                self._refs[(p.launch_id, p.platform, p.locale)] = ref
        return ref

    def _ctx(self, claim: Claim, **more: Any) -> dict[str, Any]:
        p = claim.post
        return {
            "launch": p.launch_id,
            "post": p.id,
            "key": p.key,
            "platform": p.platform,
            "attempt": p.attempts + 1,  # as counted by this claim
            "worker": self.worker,
            **more,
        }

    def _sleep(self, seconds: float) -> None:
        if self.sleep is not None:
            self.sleep(seconds)
            if self.stop.is_set():
                raise Stopping
        elif self.stop.wait(seconds):
            raise Stopping

    def _outgoing(self, claim: Claim, *, looking: bool) -> OutgoingPost:
        p = claim.post
        first = p.first_attempt_at if p.first_attempt_at is not None else self.clock()
        return outgoing_of(
            self.ledger, p, first=first, looking=looking, reply_to=claim.reply_to,
            reply_refs=claim.reply_refs,
        )  # fmt: skip

    def _cool_keys(self, claim: Claim) -> tuple[tuple[str, ...], tuple[str, ...]]:
        p = claim.post
        return (p.platform, claim.mission), (p.platform, claim.mission, p.locale)

    def _cooling_until(self, claim: Claim) -> float | None:
        now = self.clock()
        with self._lock:
            until = max((self._cooling.get(k, 0.0) for k in self._cool_keys(claim)), default=0)
        return until if until > now else None

    def send(self, claim: Claim) -> str | None:
        """Deliver one claimed post; return ``sent``, ``retrying``, ``failed``, ``expired``,
        ``halted``, ``released``, ``deferred`` or None when another worker took it over."""
        p = claim.post
        launch_state = self._check(claim)
        if launch_state is None:
            log.warning("claim lost before sending", extra=self._ctx(claim))
            return None
        try:
            adapter = self.targets.adapter_for(p.platform, claim.mission)
            account = self._account(claim)
        except LauncherError as exc:
            return self._fail(claim, f"cannot reach {p.platform}: {exc.message}")
        caps = adapter.capabilities

        if launch_state != "active":
            # halted after the claim: never send; but a post that may already be out is
            # looked for first, so the ledger says what the platform shows
            if claim.reconcile:
                found = self._find(adapter, account, self._outgoing(claim, looking=True), claim)
                if found is not None:
                    return self._sent(claim, found, reconciled=True)
            self.ledger.mark_halted(p.id, actor=self.actor, now=self.clock())
            log.info("launch %s: post not sent", launch_state, extra=self._ctx(claim))
            return "halted"

        until = self._cooling_until(claim)
        if until is not None:  # its platform (or account) is in trouble: not now
            self.ledger.defer([p.id], worker=self.worker, now=self.clock(), retry_at=until)
            return "deferred"

        age = self.clock() - (p.first_attempt_at or self.clock())
        keyed = caps.idempotency == "idempotency-key" and (
            caps.idempotency_window is None or age < caps.idempotency_window - CLOCK_SKEW
        )
        look_first = claim.reconcile and not keyed
        outgoing = self._outgoing(claim, looking=claim.reconcile)
        try:
            if look_first:
                found = adapter.find_published(account, outgoing)
                if found is not None:
                    return self._sent(claim, found, reconciled=True)
            published = adapter.publish(account, outgoing)
        except DuplicateContent as exc:
            if claim.reconcile:  # our earlier attempt may be the duplicate
                found = self._find(adapter, account, outgoing, claim)
                if found is not None:
                    return self._sent(claim, found, reconciled=True)
            return self._fail(claim, str(exc))
        except TransientError as exc:
            return self._retry(claim, exc, caps.reconcile_after)
        except AdapterError as exc:
            return self._fail(claim, str(exc))
        except LauncherError as exc:  # e.g. a credential not configured: the user's to fix
            log.warning("post failed: %s", exc.message, extra=self._ctx(claim))
            return self._fail(claim, str(exc))
        except Exception as exc:  # a bug in an adapter: record it, do not loop on it
            log.exception("adapter error", extra=self._ctx(claim))
            return self._fail(
                claim, f"internal error in the {p.platform} adapter: {type(exc).__name__}: {exc}"
            )
        pin = (adapter, account, published) if p.pin else None
        group = self.group_commit
        if group is None:  # only where a resend after a crash is safe by itself
            group = caps.idempotency in RESEND_SAFE
        return self._sent(claim, published, reconciled=look_first, pin=pin, group=group)

    def _retry(self, claim: Claim, exc: TransientError, reconcile_after: float) -> str:
        """A platform fault: try again later, or let the post expire if later is too late."""
        p = claim.post
        now = self.clock()
        wait = self.backoff.delay(p.attempts + 1, exc, self.rng)
        if exc.maybe_sent:
            wait = max(wait, reconcile_after)
        retry_at = now + wait
        error = redact(str(exc))
        platform_key, account_key = self._cool_keys(claim)
        with self._lock:  # the platform's other posts wait with it (a rate limit: the account's,
            # unless the platform said the limit was its app's or its host's)
            per_account = isinstance(exc, RateLimited) and exc.scope == "account"
            key = account_key if per_account else platform_key
            self._cooling[key] = max(self._cooling.get(key, 0.0), retry_at)
        if p.expires_at is not None and retry_at > p.expires_at:
            reason = (
                f"not sent before it expired at {iso(p.expires_at)}; the platform was still "
                f"failing: {error}"
            )
            self.ledger.mark_expired(
                p.id, worker=self.worker, actor=self.actor, now=now, reason=reason
            )
            log.error("expired: %s", reason, extra=self._ctx(claim, state="expired"))
            return "expired"
        self.ledger.mark_retrying(
            p.id,
            worker=self.worker,
            actor=self.actor,
            now=now,
            retry_at=retry_at,
            error=error,
            maybe_sent=exc.maybe_sent,
        )
        log.warning(
            "platform fault, next attempt at %s: %s",
            iso(retry_at),
            error,
            extra=self._ctx(claim, state="retrying", wait=round(wait, 3)),
        )
        return "retrying"

    def _find(
        self, adapter: Adapter, account: AccountRef, post: OutgoingPost, claim: Claim
    ) -> Published | None:
        try:
            return call_with_retry(
                lambda: adapter.find_published(account, post), policy=self.policy, sleep=self._sleep
            )
        except (AdapterError, Stopping) as exc:
            log.warning("could not check the platform: %s", exc, extra=self._ctx(claim))
            return None

    def _check(self, claim: Claim) -> str | None:
        """Right before the platform call: the launch's state, at most ``halt_check`` seconds
        old (a halt reaches every worker within that), and a lease renewal, which also
        proves the claim is still ours, once half the lease is gone. None: claim lost."""
        if claim.lease_until - self.clock() < self.lease / 2 and not self.ledger.renew(
            claim.post.id, worker=self.worker, now=self.clock(), lease=self.lease
        ):
            return None
        lid = claim.post.launch_id
        with self._lock:
            state, at = self._states.get(lid, ("", -1e9))
            if time.monotonic() - at > self.halt_check:
                wanted = {lid, *self._states}
                fresh = self.ledger.launch_states(wanted)
                at = time.monotonic()
                self._states = {k: (v, at) for k, v in fresh.items()}
                state = fresh.get(lid, "")
        return state or None

    def _flush(self) -> None:
        """Group commit of the posts sent since the last flush, then their pins."""
        for claim, pin in self._commit_buffer():
            if pin is not None:  # pinned once the ledger says sent
                self._pin(claim, *pin)

    def _commit_buffer(self) -> list[tuple[Claim, Any]]:
        """Commit the posts sent since the last commit in one transaction; return each with
        the pin it asks for (or None), to be pinned now that the ledger says sent."""
        with self._lock:
            items, self._buffer = self._buffer, []
        if not items:
            return []
        self.ledger.mark_sent_many([it for it, _, _ in items], actor=self.actor)
        for it, claim, _pin in items:
            log.info(
                "already on the platform" if it["reconciled"] else "sent",
                extra=self._ctx(claim, state="sent"),
            )
        return [(claim, pin) for _it, claim, pin in items]

    def _sent(
        self,
        claim: Claim,
        published: Published,
        *,
        reconciled: bool,
        pin: tuple[Adapter, AccountRef, Published] | None = None,
        group: bool = False,
    ) -> str:
        if group:
            item = {
                "post_id": claim.post.id,
                "launch_id": claim.post.launch_id,
                "now": self.clock(),
                "platform_post_id": published.platform_post_id,
                "url": published.url,
                "extra": published.extra,
                "reconciled": reconciled,
            }
            with self._lock:
                self._buffer.append((item, claim, pin))
            return "sent"
        self.ledger.mark_sent(
            claim.post.id,
            actor=self.actor,
            now=self.clock(),
            platform_post_id=published.platform_post_id,
            url=published.url,
            extra=published.extra,
            reconciled=reconciled,
            launch_id=claim.post.launch_id,
        )
        log.info(
            "already on the platform" if reconciled else "sent",
            extra=self._ctx(claim, state="sent"),
        )
        if pin is not None:
            self._pin(claim, *pin)
        return "sent"

    def _fail(self, claim: Claim, reason: str) -> str:
        reason = redact(reason)
        ids = self.ledger.mark_failed(
            claim.post.id, actor=self.actor, now=self.clock(), reason=reason
        )
        log.error("failed: %s", reason, extra=self._ctx(claim, state="failed"))
        if len(ids) > 1:
            log.error("%d later thread parts failed with it", len(ids) - 1, extra=self._ctx(claim))
        return "failed"

    def _pin(
        self, claim: Claim, adapter: Adapter, account: AccountRef, published: Published
    ) -> None:
        pin_post(
            self.ledger, adapter, account, published, claim.post, actor=self.actor,
            clock=self.clock, policy=self.policy, sleep=self._sleep, log_extra=self._ctx(claim),
        )  # fmt: skip
