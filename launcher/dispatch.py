"""Send due posts: ledger → adapter (under the retry policy) → ledger.

One post at a time, per worker::

    claim (committed)  →  still ours and the launch still active? (committed)  →  deliver
    →  sent | failed (committed)  →  pin, when the post asks for it

A post claimed again after a crash (``Claim.reconcile``) is looked for on the platform before
it is sent again, so a restart never doubles it; idempotency keys and record keys make the
resend itself safe where the platform has them. Thread part n+1 is claimable only once part n
is sent, and replies to it. The clock is injectable (``clock() -> epoch seconds``), so tests
never wait for real time.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from .adapters.base import AccountRef, Adapter, OutgoingPost, Published
from .errors import AdapterError, LauncherError, TransientError, Unsupported, redact
from .ledger import Claim, Ledger, PostRecord
from .retry import RetryPolicy, call_with_retry, deliver

log = logging.getLogger("launcher.dispatch")

#: platforms where sending a post again is harmless (the platform deduplicates): their sent
#: posts are committed in groups, once per batch. Elsewhere each is committed at once, so a
#: crash leaves as few posts as possible to reconcile (Telegram cannot reconcile at all).
RESEND_SAFE = ("idempotency-key", "client-record-key")


class Targets(Protocol):
    """Where posts go: :class:`launcher.settings.Settings` is one."""

    def adapter_for(self, platform: str, mission: str | None = None) -> Adapter: ...

    def account_ref(self, platform: str, mission: str, locale: str, handle: str) -> AccountRef: ...


class Stopping(Exception):
    """Raised inside a retry wait when the worker was asked to stop."""


def new_worker_id(role: str = "daemon") -> str:
    """``host/pid/role-token``: unique per process, and tells whether its holder is alive."""
    return f"{socket.gethostname()}/{os.getpid()}/{role}-{uuid.uuid4().hex[:8]}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (killed, not yet reaped) holds nothing
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def dead_local_claimants(claimants: list[str]) -> list[str]:
    """Claim holders that are processes on this host which no longer exist."""
    host, me = socket.gethostname(), os.getpid()
    out = []
    for c in claimants:
        parts = c.split("/")
        if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
            continue
        pid = int(parts[1])
        if pid != me and not _pid_alive(pid):
            out.append(c)
    return out


class _Watched:
    """An adapter seen through: notes whether ``find_published`` found the post (for the
    audit trail: reconciled, not sent again)."""

    def __init__(self, adapter: Adapter) -> None:
        self._adapter = adapter
        self.found = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._adapter, name)

    def find_published(self, account: AccountRef, post: OutgoingPost) -> Published | None:
        out = self._adapter.find_published(account, post)
        self.found = self.found or out is not None
        return out


def account_for(
    targets: Targets,
    known: Mapping[tuple[str, str], tuple[str, str | None]],
    mission: str,
    post: PostRecord,
) -> AccountRef:
    """The account a post goes to: the settings' reference (credentials, standby account),
    with the platform account id the ledger recorded when it was provisioned."""
    handle, account_id = known.get(
        (post.platform, post.locale), (f"{post.platform}-{post.locale}", None)
    )
    ref = targets.account_ref(post.platform, mission, post.locale, handle)
    if account_id and not ref.account_id:
        ref = replace(ref, account_id=account_id)
    return ref


@dataclass
class DispatchResult:
    sent: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    halted: list[int] = field(default_factory=list)
    released: list[int] = field(default_factory=list)

    def __iadd__(self, other: DispatchResult) -> DispatchResult:
        for name in ("sent", "failed", "halted", "released"):
            getattr(self, name).extend(getattr(other, name))
        return self

    @property
    def total(self) -> int:
        return len(self.sent) + len(self.failed) + len(self.halted) + len(self.released)


class Dispatcher:
    """Delivers due posts from one ledger. Thread-safe to stop; one thread runs it."""

    def __init__(
        self,
        ledger: Ledger,
        targets: Targets,
        *,
        actor: str,
        worker: str | None = None,
        policy: RetryPolicy | None = None,
        clock: Callable[[], float] = time.time,
        lease: float = 60.0,
        batch: int = 50,
        stop: threading.Event | None = None,
        sleep: Callable[[float], None] | None = None,
        workers: int = 1,
        group_commit: bool | None = None,
        halt_check: float = 0.1,
    ) -> None:
        self.ledger = ledger
        self.targets = targets
        self.actor = actor
        self.worker = worker or new_worker_id()
        self.policy = policy or RetryPolicy()
        self.clock = clock
        self.lease = lease
        self.batch = batch
        self.stop = stop or threading.Event()
        self.sleep = sleep  # None: real waits, cut short by stop
        self.workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self.group_commit = group_commit
        self.halt_check = halt_check
        self._lock = threading.Lock()
        self._states: dict[str, tuple[str, float]] = {}
        self._refs: dict[tuple[str, str, str], AccountRef] = {}
        self._takeover_at = -1e9
        self._dead: list[str] = []
        self._buffer: list[tuple[dict[str, Any], Claim, Any]] = []
        self._accounts: dict[str, dict[tuple[str, str], tuple[str, str | None]]] = {}

    # -- the loop --------------------------------------------------------------------------
    def run_due(
        self, *, launch_id: str | None = None, max_posts: int | None = None
    ) -> DispatchResult:
        """Deliver everything due now (by ``clock``), until nothing is due or stopped.

        With ``workers`` > 1, the posts of a claimed batch are sent concurrently (each one
        still claim → check → deliver → record), so one post's platform round trip overlaps
        another's ledger writes. Thread parts stay in order: part n+1 is not claimable
        before part n is sent.
        """
        result = DispatchResult()
        pool = self._pool()
        self._states = {}
        while not self.stop.is_set():
            if max_posts is not None and result.total >= max_posts:
                break
            takeover = self._takeover()
            claims = self.ledger.claim_due(
                worker=self.worker,
                now=self.clock(),
                lease=self.lease,
                limit=self.batch,
                launch_id=launch_id,
                takeover=takeover,
            )
            if not claims:
                break
            try:
                if pool is None:
                    outcomes = [self._process(c) for c in claims]
                else:
                    outcomes = list(pool.map(self._process, claims))
            finally:
                self._flush()
            for claim, outcome in zip(claims, outcomes, strict=True):
                if outcome:
                    getattr(result, outcome).append(claim.post.id)
            if result.released:
                log.info(
                    "stopping: released %d claimed posts",
                    len(result.released),
                    extra={"worker": self.worker},
                )
        return result

    def _takeover(self) -> list[str]:
        """Claims held by dead processes on this host, looked for at most once a second
        (a restart after ``kill -9`` takes their posts over at once, after a platform check)."""
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
        ref = self._refs.get((p.launch_id, p.platform, p.locale))
        if ref is None:
            known = self._accounts.get(p.launch_id)
            if known is None:
                known = self._accounts[p.launch_id] = self.ledger.account_ids(p.launch_id)
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

    def send(self, claim: Claim) -> str | None:
        """Deliver one claimed post; return ``sent``, ``failed``, ``halted``, ``released``
        or None when another worker took it over."""
        p = claim.post
        launch_state = self._check(claim)
        if launch_state is None:
            log.warning("claim lost before sending", extra=self._ctx(claim))
            return None
        attempt = p.attempts + 1
        try:
            adapter = self.targets.adapter_for(p.platform, claim.mission)
            account = self._account(claim)
        except LauncherError as exc:
            return self._fail(claim, f"cannot reach {p.platform}: {exc.message}")
        outgoing = OutgoingPost(key=p.key, text=p.text, locale=p.locale, reply_to=claim.reply_to)

        if launch_state != "active":
            # halted after the claim: never send; but a post that may already be out is
            # looked for first, so the ledger says what the platform shows
            if claim.reconcile:
                found = self._find(adapter, account, outgoing, claim)
                if found is not None:
                    return self._sent(claim, found, reconciled=True)
            self.ledger.mark_halted(p.id, actor=self.actor, now=self.clock())
            log.info("launch %s: post not sent", launch_state, extra=self._ctx(claim))
            return "halted"

        def on_retry(n: int, exc: TransientError, wait: float) -> None:
            log.warning(
                "transient failure, retrying in %.2fs: %s",
                wait,
                exc.message,
                extra=self._ctx(claim, attempt=attempt + n - 1, wait=round(wait, 3)),
            )
            self.ledger.renew(
                p.id, worker=self.worker, now=self.clock(), lease=self.lease + wait, attempt=True
            )

        watched = _Watched(adapter)
        try:
            published = deliver(
                watched,  # type: ignore[arg-type]
                account,
                outgoing,
                policy=self.policy,
                sleep=self._sleep,
                on_retry=on_retry,
                reconcile_first=claim.reconcile,
            )
        except Stopping:
            self.ledger.release([p.id], worker=self.worker, now=self.clock(), maybe_sent=True)
            log.info("stopping: post released for reconciliation", extra=self._ctx(claim))
            return "released"
        except TransientError as exc:
            if exc.maybe_sent:
                found = self._find(adapter, account, outgoing, claim)
                if found is not None:
                    return self._sent(claim, found, reconciled=True)
            return self._fail(claim, f"gave up after retries: {exc}")
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
            group = adapter.capabilities.idempotency in RESEND_SAFE
        return self._sent(claim, published, reconciled=watched.found, pin=pin, group=group)

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
        """Group commit of the posts sent since the last flush."""
        with self._lock:
            items, self._buffer = self._buffer, []
        if not items:
            return
        self.ledger.mark_sent_many([it for it, _, _ in items], actor=self.actor)
        for it, claim, pin in items:
            log.info(
                "already on the platform" if it["reconciled"] else "sent",
                extra=self._ctx(claim, state="sent"),
            )
            if pin is not None:  # pinned once the ledger says sent
                self._pin(claim, *pin)

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
        p = claim.post
        try:
            call_with_retry(
                lambda: adapter.pin(account, published), policy=self.policy, sleep=self._sleep
            )
        except Unsupported as exc:
            self.ledger.record_event(
                at=self.clock(),
                actor=self.actor,
                action="post.pin-unsupported",
                launch_id=p.launch_id,
                post_id=p.id,
                reason=exc.message,
            )
            return
        except (AdapterError, Stopping) as exc:
            self.ledger.record_event(
                at=self.clock(),
                actor=self.actor,
                action="post.pin-failed",
                launch_id=p.launch_id,
                post_id=p.id,
                reason=str(exc),
            )
            log.warning("pin failed: %s", exc, extra=self._ctx(claim))
            return
        self.ledger.record_event(
            at=self.clock(),
            actor=self.actor,
            action="post.pinned",
            launch_id=p.launch_id,
            post_id=p.id,
        )
