"""Sessions, CSRF tokens and sign-in rate limiting, held in the server's memory.

A session is a random 256-bit token in a ``__Host-`` cookie (Secure, HttpOnly,
SameSite=Strict, Path=/), mapped here to the person and their unlocked signing key. The token
is replaced at sign-in (no fixation) and every form carries the session's own CSRF token.
Nothing is on disk: restarting the server signs everyone out, and keys unlocked for a
session exist only while it lasts (idle timeout, absolute lifetime, sign-out). One server
process therefore holds the sessions: run ``launcher serve`` as a single process.

Rate limiting counts failed sign-ins per person and per client address over a window: past
a few free attempts, each further one must wait twice as long as the one before (1 s, 2 s,
4 s ... up to 15 minutes), during which attempts are refused unread, a correct password
included. Guessing is slowed to a crawl; a person locked out by someone else's guesses waits
minutes, not hours.
"""

from __future__ import annotations

import hmac
import secrets
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

COOKIE = "__Host-launcher"
#: anonymous sessions (sign-in forms) kept at most; the oldest go first
MAX_ANONYMOUS = 10_000


@dataclass
class Session:
    token: str
    csrf: str
    created: float
    seen: float
    person: str | None = None
    key: Any = None  # the unlocked nacl SigningKey while signed in
    key_id: str | None = None
    flash: list[str] = field(default_factory=list)

    def csrf_ok(self, value: str | None) -> bool:
        return bool(value) and hmac.compare_digest(self.csrf, str(value))


class Sessions:
    def __init__(self, clock: Callable[[], float], *, idle: float, lifetime: float) -> None:
        self.clock, self.idle, self.lifetime = clock, idle, lifetime
        self._lock = threading.Lock()
        self._by_token: dict[str, Session] = {}

    def _new(self, **kw: Any) -> Session:
        now = self.clock()
        s = Session(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now, now, **kw)
        self._by_token[s.token] = s
        return s

    def anonymous(self) -> Session:
        with self._lock:
            anon = [t for t, s in self._by_token.items() if s.person is None]
            for token in anon[: max(0, len(anon) - MAX_ANONYMOUS + 1)]:
                del self._by_token[token]
            return self._new()

    def get(self, token: str | None) -> Session | None:
        if not token:
            return None
        with self._lock:
            s = self._by_token.get(token)
            if s is None:
                return None
            now = self.clock()
            idle = self.idle if s.person else 3600.0
            if now - s.seen > idle or now - s.created > self.lifetime:
                del self._by_token[token]
                return None
            s.seen = now
            return s

    def sign_in(self, old: Session | None, person: str, key: Any, key_id: str) -> Session:
        """A new session (new token and CSRF token) for ``person``; the old one ends."""
        with self._lock:
            if old is not None:
                self._by_token.pop(old.token, None)
            return self._new(person=person, key=key, key_id=key_id)

    def end(self, session: Session) -> None:
        with self._lock:
            self._by_token.pop(session.token, None)


class RateLimiter:
    def __init__(
        self,
        clock: Callable[[], float],
        *,
        free: int = 3,
        window: float = 900.0,
        max_wait: float = 900.0,
    ) -> None:
        self.clock, self.free, self.window, self.max_wait = clock, free, window, max_wait
        self._lock = threading.Lock()
        self._failures: dict[str, list[float]] = {}

    def _recent(self, key: str, now: float) -> list[float]:
        times = [t for t in self._failures.get(key, []) if now - t < self.window]
        if times:
            self._failures[key] = times
        else:
            self._failures.pop(key, None)
        return times

    def wait(self, keys: list[str]) -> float:
        """Seconds before another attempt under any of ``keys`` is allowed (0: now)."""
        now = self.clock()
        with self._lock:
            longest = 0.0
            for key in keys:
                times = self._recent(key, now)
                over = len(times) - self.free
                if over >= 0 and times:
                    delay = min(self.max_wait, 2.0**over)
                    longest = max(longest, times[-1] + delay - now)
            return max(0.0, longest)

    def failed(self, keys: list[str]) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                self._failures.setdefault(key, []).append(now)

    def succeeded(self, keys: list[str]) -> None:
        with self._lock:
            for key in keys:
                self._failures.pop(key, None)
