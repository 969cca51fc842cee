"""Fanning a launch out: accounts and posts sent concurrently, each account's chain in order.

The dispatcher's loop when it has more than one worker (``workers``). One coordinating thread
claims work from the ledger (accounts to set up, due posts), and a pool of worker threads does
the platform calls:

- every claimed account is set up by a worker of its own, so fifteen accounts take the time
  of the slowest, not of all fifteen one after the other;
- the claimed posts of one account form a **lane**: one worker sends them one after the
  other, in the order they were claimed (due time, then the plan's order: the introduction
  first), so an account's chain stays in order (provision → first post → pin; thread part
  n+1 only once part n is sent, which the ledger's claim already requires), and a claimed
  post whose account has an earlier post waiting for its next attempt waits with it
  (:meth:`FanOut._keep_order`, also after a restart); lanes of different accounts and
  platforms run side by side;
- as soon as anything finishes, the coordinator commits what was sent in groups (where a
  resend is harmless by itself), hands the pins of those posts to their lanes, and claims
  again: an account set up a moment ago has its first post claimed at once, while the other
  accounts are still being set up.

How fast each platform is talked to is the rate budget's business (:mod:`launcher.budget`,
on the adapters' request path); a fault on one platform or account cools that platform or
account only (the dispatcher's ``_cooling``). Every claim keeps its lease, every post its one
attempt per claim, exactly as with one worker: only the order of independent work changes.
"""

from __future__ import annotations

import contextvars
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from concurrent.futures import ThreadPoolExecutor

    from ..ledger import Claim
    from .dispatch import DispatchResult

log = logging.getLogger("launcher.launch.dispatch")

#: how long the coordinator waits for a worker before looking at the ledger again anyway
#: (new work: a launch just recorded, an account set up by another process)
IDLE_LOOK = 0.2
#: the shortest time between two claim rounds while work is in flight: completions that come
#: meanwhile are committed and answered together (one claim, one group commit) instead of one
#: round of ledger queries each
ROUND_GAP = 0.02


def _submit(pool: ThreadPoolExecutor, fn: Callable[..., Any], *args: Any) -> None:
    """Run ``fn`` on a worker in the caller's context: the person whose key signs the audit
    events of this command (:mod:`launcher.audit.signer`) is theirs in every worker too."""
    pool.submit(contextvars.copy_context().run, fn, *args)


@dataclass
class _Lane:
    """The claimed work of one account, done in order by one worker at a time."""

    items: deque[tuple[str, Any]] = field(default_factory=deque)
    running: bool = False


class FanOut:
    """The concurrent half of :class:`launcher.launch.dispatch.Dispatcher`."""

    ledger: Any
    worker: str
    lease: float
    batch: int
    workers: int
    platforms: frozenset[str] | None
    stop: threading.Event
    clock: Callable[[], float]
    _lock: threading.Lock

    # provided by Dispatcher / AccountSetup
    def _pool(self) -> ThreadPoolExecutor | None:
        raise NotImplementedError

    def _takeover(self) -> list[str]:
        raise NotImplementedError

    def _process(self, claim: Claim) -> str | None:
        raise NotImplementedError

    def provision(self, claim: Any) -> str:
        raise NotImplementedError

    def _pin(self, claim: Claim, adapter: Any, account: Any, published: Any) -> None:
        raise NotImplementedError

    def _commit_buffer(self) -> list[tuple[Claim, Any]]:
        raise NotImplementedError

    def _wait_for_retries(self, launch_id: Any, deadline: float) -> bool:
        raise NotImplementedError

    def _keep_order(self, claims: list[Claim]) -> list[Claim]:
        """Claimed posts whose account has an earlier post waiting for its next attempt wait
        for that attempt too (untried): an account's posts never overtake one another."""
        if not claims:
            return claims
        held = self.ledger.earlier_retrying(c.post.id for c in claims)
        if not held:
            return claims
        for at in set(held.values()):
            ids = [pid for pid, t in held.items() if t == at]
            self.ledger.defer(ids, worker=self.worker, now=self.clock(), retry_at=at)
        return [c for c in claims if c.post.id not in held]

    # -- the coordinator -----------------------------------------------------------------
    def _fan_out(
        self,
        launch_id: str | Iterable[str] | None,
        result: DispatchResult,
        *,
        deadline: float,
        max_posts: int | None,
    ) -> None:
        pool = self._pool()
        assert pool is not None
        self._fan_cond = threading.Condition()
        self._lanes: dict[tuple[str, str, str], _Lane] = {}
        self._outstanding = 0
        self._finished = 0
        #: claimed work not yet done, at most: enough to keep every worker busy, not so much
        #: that claims sit waiting while their leases run
        capacity = max(self.batch, 2 * self.workers)
        last_round = -1e9
        try:
            while not self.stop.is_set():
                if max_posts is not None and result.total >= max_posts:
                    break
                gap = ROUND_GAP - (time.monotonic() - last_round)
                if gap > 0 and self._outstanding and self.stop.wait(gap):
                    break
                last_round = time.monotonic()
                seen = self._finished
                self._hand_out_pins(self._commit_buffer())
                claimed = self._claim_more(pool, launch_id, result, capacity)
                with self._fan_cond:
                    if self._outstanding:
                        if self._finished == seen:
                            self._fan_cond.wait(IDLE_LOOK)
                        continue
                if claimed:
                    continue
                if not self._wait_for_retries(launch_id, deadline):
                    break
        finally:
            with self._fan_cond:  # stopping: lanes give back what they have not sent
                while self._outstanding:
                    self._fan_cond.wait(IDLE_LOOK)
            self._hand_out_pins(self._commit_buffer())
            with self._fan_cond:
                while self._outstanding:
                    self._fan_cond.wait(IDLE_LOOK)

    def _claim_more(
        self,
        pool: ThreadPoolExecutor,
        launch_id: str | Iterable[str] | None,
        result: DispatchResult,
        capacity: int,
    ) -> bool:
        with self._fan_cond:
            room = capacity - self._outstanding
        if room <= 0:
            return False
        accounts = self.ledger.claim_accounts(
            worker=self.worker,
            now=self.clock(),
            lease=self.lease,
            limit=min(room, self.batch),
            launch_id=launch_id,
            takeover=self._takeover(),
            platforms=self.platforms,
        )
        for claim in accounts:
            self._begin(1)
            _submit(pool, self._provision_one, claim, result)
        room -= len(accounts)
        posts = []
        if room > 0:
            claimed = self.ledger.claim_due(
                worker=self.worker,
                now=self.clock(),
                lease=self.lease,
                limit=min(room, self.batch),
                launch_id=launch_id,
                takeover=self._takeover(),
                platforms=self.platforms,
            )
            posts = self._keep_order(claimed)
            for claim in posts:
                self._enqueue(pool, claim, ("post", (claim, result)))
        return bool(accounts or claimed)

    # -- bookkeeping -----------------------------------------------------------------------
    def _begin(self, n: int) -> None:
        with self._fan_cond:
            self._outstanding += n

    def _done(self) -> None:
        with self._fan_cond:
            self._outstanding -= 1
            self._finished += 1
            self._fan_cond.notify_all()

    @staticmethod
    def _lane_key(claim: Claim) -> tuple[str, str, str]:
        p = claim.post
        return (p.launch_id, p.platform, p.locale)

    def _enqueue(self, pool: ThreadPoolExecutor, claim: Claim, item: tuple[str, Any]) -> None:
        key = self._lane_key(claim)
        with self._fan_cond:
            self._outstanding += 1
            lane = self._lanes.get(key)
            if lane is None:
                lane = self._lanes[key] = _Lane()
            lane.items.append(item)
            if lane.running:
                return
            lane.running = True
        _submit(pool, self._drain, key, lane)

    def _hand_out_pins(self, committed: list[tuple[Claim, Any]]) -> None:
        """Posts just committed as sent that ask to be pinned: a job on their own lane."""
        pool = self._pool()
        for claim, pin in committed:
            if pin is not None and pool is not None:
                self._enqueue(pool, claim, ("pin", (claim, pin)))

    # -- the workers -----------------------------------------------------------------------
    def _drain(self, key: tuple[str, str, str], lane: _Lane) -> None:
        """One account's lane: its items in order, until none is left."""
        while True:
            with self._fan_cond:
                if not lane.items:
                    lane.running = False
                    if self._lanes.get(key) is lane:
                        del self._lanes[key]
                    return
                kind, args = lane.items.popleft()
            try:
                if kind == "post":
                    claim, result = args
                    outcome = self._process(claim)
                    if outcome in ("sent", "failed", "halted", "released", "retrying", "expired"):
                        with self._lock:
                            getattr(result, outcome).append(claim.post.id)
                else:
                    claim, pin = args
                    self._pin(claim, *pin)
            except Exception:  # the ledger unreachable for a moment: the lease covers the post
                log.exception("sending failed in a worker", extra={"worker": self.worker})
            finally:
                self._done()

    def _provision_one(self, claim: Any, result: DispatchResult) -> None:
        try:
            if self.stop.is_set():
                self.ledger.release_accounts(
                    [claim.account.id], worker=self.worker, now=self.clock()
                )
                return
            self.provision(claim)
            with self._lock:
                result.accounts.append(claim.account.id)
        except Exception:
            log.exception("setting up an account failed in a worker", extra={"worker": self.worker})
        finally:
            self._done()
