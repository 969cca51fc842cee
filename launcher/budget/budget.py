"""The budget: sliding windows per (scope key, limit), shared by every adapter of a process.

Three things can hold a request back, each per window:

- **our own count**: the units taken in the last ``window`` seconds (a sliding window log, so
  no interval of that length, wherever the platform starts its own, ever holds more than the
  limit);
- **what the platform said is left** (its rate-limit headers): ``remaining`` until ``reset``,
  less what this process sent after the request that was answered; a platform whose limit is
  lower than the documented one (an instance configured stricter) is followed that way;
- a 429 itself is left to the caller that retries (the dispatcher holds the account back, or
  the app or the whole host by the error's ``scope``, until the platform's hint): the budget
  is there so that the headers of the answers before it make the 429 never come.

A request that can go within ``max_wait`` seconds waits that long (pacing: Telegram's 30
messages a second is a wait of a few milliseconds); one that would wait longer is refused with
:class:`launcher.errors.OverBudget` and costs no round trip. ``max_in_flight`` bounds the
requests open at once to one host. The clock is injectable (monotonic seconds), so a test can
play an hour of traffic in no time.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from ..errors import OverBudget
from .limits import Limit

INFINITE = float("inf")


@dataclass(frozen=True)
class Observation:
    """What a platform's answer said about one of its limits: ``remaining`` units until
    ``reset_in`` seconds from now, counted per ``scope``; ``limit`` (if given) names which."""

    scope: str | tuple[str, ...]  # the scope, or those it may be (the first is the fallback)
    remaining: int
    reset_in: float
    limit: int | None = None
    #: only a declared limit of that size follows it (a per-endpoint limit must not hold the
    #: whole account back)
    exact: bool = False

    @property
    def scopes(self) -> tuple[str, ...]:
        return (self.scope,) if isinstance(self.scope, str) else self.scope


class _Window:
    """One sliding window of one scope key, plus what the platform said is left."""

    __slots__ = (
        "entries",
        "limit",
        "observed_seq",
        "seq",
        "server_left",
        "server_until",
        "spec",
        "used",
        "window",
    )

    def __init__(self, spec: Limit | None, limit: float, window: float) -> None:
        self.spec = spec
        self.limit = limit
        self.window = window
        self.entries: deque[tuple[float, int]] = deque()
        self.used = 0
        self.seq = 0  # units taken so far, ever: orders answers against later requests
        self.server_left: float = INFINITE
        self.server_until = -INFINITE
        self.observed_seq = -1

    def _prune(self, now: float) -> None:
        edge = now - self.window
        entries = self.entries
        while entries and entries[0][0] <= edge:
            self.used -= entries.popleft()[1]

    def wait(self, cost: int, now: float) -> float:
        """Seconds until ``cost`` units may be taken (0: now)."""
        wait = 0.0
        if self.server_until > now and self.server_left < cost:
            wait = max(wait, self.server_until - now)
        if self.limit != INFINITE:
            self._prune(now)
            excess = self.used + min(cost, self.limit) - self.limit
            if excess > 0:  # wait until enough of the oldest entries leave the window
                for at, units in self.entries:
                    excess -= units
                    if excess <= 0:
                        wait = max(wait, at + self.window - now)
                        break
        return wait

    def take(self, cost: int, now: float) -> int:
        if self.limit != INFINITE:
            self.entries.append((now, cost))
            self.used += cost
        if self.server_until > now:
            self.server_left -= cost
        self.seq += cost
        return self.seq


@dataclass
class Ticket:
    """A request's place in the budget: which windows it was counted in, and its host slot."""

    windows: list[tuple[_Window, int, str]]  # (window, seq after this request, scope)
    scopes: Mapping[str, str]
    _release: Callable[[], None] | None = None
    done: bool = False

    def release(self) -> None:
        if not self.done:
            self.done = True
            if self._release is not None:
                self._release()


@dataclass
class Budget:
    """Every window of a process (see the module docstring)."""

    clock: Callable[[], float] = time.monotonic
    max_wait: float = 2.0
    sleep: Callable[[float], None] = time.sleep
    stats: Counter[str] = field(default_factory=Counter)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._windows: dict[tuple[str, tuple[object, ...]], _Window] = {}
        self._slots: dict[str, threading.BoundedSemaphore] = {}

    # -- taking a place ----------------------------------------------------------------------
    def _windows_for(
        self, limits: Iterable[Limit], scopes: Mapping[str, str], method: str, path: str,
        operation: str,
    ) -> list[tuple[_Window, int, str]]:  # fmt: skip
        found: list[tuple[_Window, int, str]] = []
        for spec in limits:
            key = scopes.get(spec.per)
            if key is None or not spec.applies(method, path, operation):
                continue
            wkey = (key, spec.window_id)
            w = self._windows.get(wkey)
            if w is None:
                w = self._windows[wkey] = _Window(spec, spec.limit, spec.window)
            found.append((w, spec.cost, spec.per))
        for scope, key in scopes.items():  # the platform's view and holds, per scope key
            wkey = (key, ("server",))
            w = self._windows.get(wkey)
            if w is None:
                w = self._windows[wkey] = _Window(None, INFINITE, INFINITE)
            found.append((w, 1, scope))
        return found

    def reserve(
        self,
        *,
        platform: str,
        limits: Iterable[Limit],
        scopes: Mapping[str, str],
        method: str,
        path: str,
        operation: str,
        max_in_flight: int | None = None,
    ) -> Ticket:
        """Take a place for one request, waiting up to ``max_wait``; :class:`OverBudget`
        when the next place is further away (nothing was sent)."""
        limits = tuple(limits)
        waited = 0.0
        while True:
            with self._lock:
                windows = self._windows_for(limits, scopes, method, path, operation)
                now = self.clock()
                wait, worst = 0.0, None
                for w, cost, scope in windows:
                    need = w.wait(cost, now)
                    if need > wait:
                        wait, worst = need, (w, scope)
                if wait <= 0:
                    taken = [(w, w.take(cost, now), scope) for w, cost, scope in windows]
                    self.stats["taken"] += 1
                    break
            if waited + wait > self.max_wait:
                self.stats["deferred"] += 1
                raise self._over(platform, operation, wait, *worst)  # type: ignore[misc]
            self.stats["paced"] += 1
            self.sleep(wait)
            waited += wait
        release = self._slot(scopes.get("host"), max_in_flight)
        return Ticket(taken, scopes, release)

    def _slot(self, host: str | None, size: int | None) -> Callable[[], None] | None:
        if host is None or not size:
            return None
        with self._lock:
            sem = self._slots.get(host)
            if sem is None:
                sem = self._slots[host] = threading.BoundedSemaphore(size)
        sem.acquire()
        return sem.release

    @staticmethod
    def _over(platform: str, operation: str, wait: float, w: _Window, scope: str) -> OverBudget:
        if w.spec is not None and w.used + 1 > w.limit:
            why = f"its limit of {w.spec.describe()} is used up"
        else:
            why = f"its rate-limit headers say nothing is left for this {scope}"
        return OverBudget(
            f"held back by launcher's rate budget: {why}; next slot in {wait:.0f} s",
            platform=platform,
            operation=operation,
            retry_after=wait,
            scope=scope,
        )

    # -- what the platform said ----------------------------------------------------------
    def observe(self, ticket: Ticket, observations: Iterable[Observation]) -> None:
        """Follow the platform's rate-limit headers from the answer to ``ticket``."""
        with self._lock:
            now = self.clock()
            for obs in observations:
                scopes = obs.scopes
                matching = [
                    (w, seq)
                    for w, seq, scope in ticket.windows
                    if scope in scopes and w.spec is not None and w.limit == obs.limit
                ]
                own = [
                    (w, seq)
                    for s in scopes[:1]
                    for w, seq, scope in ticket.windows
                    if scope == s and w.spec is None
                ]
                target = (matching or ([] if obs.exact else own) or [None])[0]
                if target is None or obs.reset_in <= 0:
                    continue
                w, seq = target
                if seq < w.observed_seq:
                    continue  # an older answer than one already followed
                w.observed_seq = seq
                w.server_left = max(0, obs.remaining - (w.seq - seq))
                w.server_until = now + obs.reset_in
                self.stats["observed"] += 1

    # -- looking -------------------------------------------------------------------------
    def usage(self, scope_key: str) -> dict[str, tuple[int, float]]:
        """``{limit text: (used, limit)}`` in the windows of one scope key right now."""
        out: dict[str, tuple[int, float]] = {}
        with self._lock:
            now = self.clock()
            for (key, _wid), w in self._windows.items():
                if key == scope_key and w.spec is not None:
                    w._prune(now)
                    out[w.spec.describe()] = (w.used, w.limit)
        return out


_SHARED: Budget | None = None
_SHARED_LOCK = threading.Lock()


def shared_budget() -> Budget:
    """The budget every adapter of this process uses unless given another."""
    global _SHARED
    with _SHARED_LOCK:
        if _SHARED is None:
            _SHARED = Budget()
        return _SHARED
