"""Retrying lives here and only here.

Adapters raise :class:`~launcher.errors.TransientError` (with the platform's hint in
``retry_after`` when it gave one) or a permanent error; this module decides whether and when
to try again, built on tenacity:

- wait = the platform's hint when present (``Retry-After``, Mastodon's ISO 8601
  ``X-RateLimit-Reset``, Bluesky ``RateLimit-Reset``, X ``x-rate-limit-reset``, Telegram
  ``parameters.retry_after``, Facebook throttling), else exponential backoff with full jitter
  (``base * 2**n``, capped at ``cap``);
- bounded in attempts (``max_attempts``) and in total waiting (``max_total``): a hint that
  would take the total past ``max_total`` ends the retrying at once and raises the error;
- never double-post: :func:`deliver` reconciles (``adapter.find_published``) before sending
  again after a failure that may have reached the platform, for adapters without idempotency
  keys.

``sleep`` is injectable so tests never sleep.

Two ways to try again, for two kinds of caller:

- :func:`call_with_retry` waits in place, bounded: for the small calls around a post (pin,
  delete, a reconciliation lookup) and for callers that have nowhere to put the work.
- :class:`Backoff` says *when* to try again, for the dispatcher, which never waits in place: a
  post that meets a platform fault becomes ``retrying`` with its next attempt time, and the
  worker moves on to other posts and platforms. Its wait is the platform's hint however long
  (a ``Retry-After: 900`` is a wait, not a failure), else capped exponential backoff with full
  jitter, for as long as the post's useful life lasts.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, TypeVar

from ..errors import DuplicateContent, TransientError

if TYPE_CHECKING:
    from ..adapters.base import AccountRef, Adapter, OutgoingPost, Published


class Stopping(Exception):
    """Raised inside a wait when the worker was asked to stop (the dispatcher's sleeps)."""


T = TypeVar("T")
log = logging.getLogger("launcher.launch.retry")


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 5
    max_total: float = 120.0  # seconds, bound on total waiting
    base: float = 0.5  # first backoff
    cap: float = 30.0  # max single backoff wait; platform hints are honoured up to max_total


@dataclass(frozen=True)
class Backoff:
    """When a post (or an account) that met a platform fault is tried again."""

    base: float = 2.0  # seconds before the second attempt (jittered)
    cap: float = 300.0  # the longest wait of our own; a platform's hint may be longer

    #: never sooner than this: a "Retry-After: 0" must not make a tight loop of the platform
    floor: float = 1.0

    def delay(
        self, attempt: int, error: TransientError, rng: Callable[[], float] = random.random
    ) -> float:
        """Seconds until attempt ``attempt + 1``: the platform's hint when it gave one, else
        full jitter in [base/2, min(cap, base * 2**(attempt-1))]; at least ``floor``."""
        hint = error.retry_after
        if hint is not None:
            return max(self.floor, float(hint))
        return max(self.floor, _backoff(RetryPolicy(base=self.base, cap=self.cap), attempt, rng))


def _backoff(policy: RetryPolicy, attempt: int, rng: Callable[[], float]) -> float:
    """Full jitter: uniform in [base/2, min(cap, base * 2**(attempt-1))]."""
    ceiling = min(policy.cap, policy.base * (2 ** max(0, attempt - 1)))
    floor = min(ceiling, policy.base / 2)
    return floor + (ceiling - floor) * rng()


def call_with_retry(
    fn: Callable[[], T],
    *,
    policy: RetryPolicy = RetryPolicy(),
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[int, TransientError, float], None] | None = None,
    rng: Callable[[], float] = random.random,
) -> T:
    """Call ``fn`` until it returns, retrying TransientError under ``policy``.

    Permanent errors propagate at once; the last TransientError propagates when the attempts
    or the time budget run out. ``on_retry(attempt, error, wait)`` is called before each wait.
    """
    from tenacity import RetryCallState, Retrying, retry_if_exception_type

    waited = 0.0
    plans: dict[int, float | None] = {}  # attempt -> planned wait (None: give up)

    def plan(state: RetryCallState) -> float | None:
        n = state.attempt_number
        if n not in plans:
            exc = state.outcome.exception() if state.outcome else None
            hint = getattr(exc, "retry_after", None)
            wait = float(hint) if hint is not None else _backoff(policy, n, rng)
            give_up = n >= policy.max_attempts or waited + wait > policy.max_total
            plans[n] = None if give_up else max(0.0, wait)
        return plans[n]

    def stop(state: RetryCallState) -> bool:
        return plan(state) is None

    def wait(state: RetryCallState) -> float:
        return plan(state) or 0.0

    def before_sleep(state: RetryCallState) -> None:
        nonlocal waited
        w = plans.get(state.attempt_number) or 0.0
        waited += w
        exc = state.outcome.exception() if state.outcome else None
        assert isinstance(exc, TransientError)
        log.info(
            "attempt %d failed (%s); retrying in %.1fs",
            state.attempt_number,
            exc.message,
            w,
        )
        if on_retry is not None:
            on_retry(state.attempt_number, exc, w)

    retrying = Retrying(
        retry=retry_if_exception_type(TransientError),
        stop=stop,
        wait=wait,
        sleep=sleep,
        before_sleep=before_sleep,
        reraise=True,
    )
    return retrying(fn)


def deliver(
    adapter: Adapter,
    account: AccountRef,
    post: OutgoingPost,
    *,
    policy: RetryPolicy = RetryPolicy(),
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[int, TransientError, float], None] | None = None,
    reconcile_first: bool = False,
) -> Published:
    """Publish ``post`` under ``policy`` without ever double-posting.

    After a failure that may have reached the platform (``maybe_sent``), adapters whose
    idempotency is ``"reconcile"`` are asked ``find_published`` before the next attempt;
    adapters with idempotency keys or client-chosen record keys simply send again (the
    platform deduplicates). ``reconcile_first`` checks before the first attempt too (a post
    found in ``sending`` after a crash). A ``DuplicateContent`` answer after an uncertain
    attempt is resolved by one more ``find_published``.
    """
    reconciles = adapter.capabilities.idempotency == "reconcile"
    state = {"check": reconcile_first, "uncertain": reconcile_first}

    def attempt() -> Published:
        if state["check"]:
            found = adapter.find_published(account, post)
            if found is not None:
                log.info(
                    "%s: post %s already published as %s",
                    adapter.name,
                    post.key,
                    found.platform_post_id,
                )
                return found
        try:
            return adapter.publish(account, post)
        except TransientError as exc:
            if exc.maybe_sent:
                state["uncertain"] = True
                state["check"] = state["check"] or reconciles
            raise
        except DuplicateContent:
            if state["uncertain"]:
                found = adapter.find_published(account, post)
                if found is not None:
                    return found
            raise

    return call_with_retry(attempt, policy=policy, sleep=sleep, on_retry=on_retry)
