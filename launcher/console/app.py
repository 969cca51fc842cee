"""The console's Starlette application: sign-in, launches, decisions, the audit log.

Starlette (the ASGI toolkit under FastAPI, small and well kept) is enough for a handful of
server-rendered pages; uvicorn serves it (:mod:`.server`). There is no JavaScript of the
console's own: forms post, the server redirects (so a phone's back button never resends a
decision). Every page but sign-in needs a session; every form carries the session's CSRF
token; every decision goes through :mod:`launcher.people.actions`, as in the CLI, signed by
the person's console key, with their roles re-read from people.yaml at each request (a key
revoked or a role removed takes effect at once).

Headers: a Content-Security-Policy that allows the console's own stylesheet and the preview
frame and nothing else (no script at all), ``frame-ancestors 'none'``, no referrer, no
caching. The preview page is served sandboxed (``sandbox allow-scripts``, an opaque origin:
its script cannot read the console's cookies or pages), with its own strict policy.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import LauncherError
from .sessions import COOKIE, RateLimiter, Session, Sessions
from .users import dummy_check, load_users

PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; frame-src 'self';"
    " form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


@dataclass
class Console:
    """What the application needs: the content root, settings, the ledger, a clock."""

    root: Path
    settings: Any
    ledger: Any
    users_path: Path
    clock: Callable[[], float] = time.time
    idle: float = 30 * 60.0
    lifetime: float = 12 * 3600.0
    secure_cookies: bool = True
    sessions: Sessions = field(init=False)
    limiter: RateLimiter = field(init=False)
    _totp_steps: dict[str, int] = field(default_factory=dict, init=False)

    def __post_init__(self) -> None:
        self.sessions = Sessions(self.clock, idle=self.idle, lifetime=self.lifetime)
        self.limiter = RateLimiter(self.clock)
        self._steps_lock = threading.Lock()

    # -- people --------------------------------------------------------------------------
    def people(self) -> Any:
        from ..people.registry import load_people

        people = load_people(self.root)
        if people is None:
            raise LauncherError(
                f"the content root {self.root} declares no people (people.yaml)",
                hint="the console signs people in: declare them (docs/operations.md)",
            )
        return people

    def actor(self, session: Session) -> Any:
        """The session's person as verified now (people.yaml re-read): Refused if their
        console key was revoked or removed meanwhile."""
        from ..people.identity import verified_actor

        return verified_actor(
            self.people(), session.key, at=datetime.fromtimestamp(self.clock(), UTC)
        )

    # -- sign-in -------------------------------------------------------------------------
    def sign_in(
        self, session: Session | None, person_id: str, password: str, code: str, ip: str
    ) -> tuple[Session | None, str | None, float]:
        """(the new session, or None with the message to show, and seconds to wait)."""
        keys = [f"person:{person_id.strip().lower()}", f"ip:{ip}"]
        wait = self.limiter.wait(keys)
        if wait > 0:
            return None, f"Too many failed sign-ins: wait {math.ceil(wait)} s and try again.", wait
        people = self.people()
        person = people.person(person_id.strip())
        user = load_users(self.users_path).get(person.id) if person else None
        if person is None or user is None:
            dummy_check(password)
            ok = False
        else:
            ok = user.check_password(password)
        step = None
        if ok and person is not None and user is not None and person.needs_totp:
            step = user.totp_step(code or "", self.clock())
            with self._steps_lock:
                ok = step is not None and step > self._totp_steps.get(person.id, -1)
        if not ok or person is None or user is None:
            self.limiter.failed(keys)
            return None, "Wrong id, password or one-time code.", 0.0
        key = user.unlock(password)
        found = people.by_key(user.key_id)
        if found is None or found[0].id != person.id:
            return (
                None,
                (
                    f"Your console key {user.key_id} is not among your keys in people.yaml: add"
                    " it there (`launcher console enroll` printed it)."
                ),
                0.0,
            )
        if found[1].revoked(datetime.fromtimestamp(self.clock(), UTC)):
            return None, f"Your console key {user.key_id} is revoked: enrol again.", 0.0
        if step is not None:
            with self._steps_lock:  # a code works once
                self._totp_steps[person.id] = step
        self.limiter.succeeded(keys)
        return self.sessions.sign_in(session, person.id, key, user.key_id), None, 0.0


def create_app(console: Console) -> Any:
    """The ASGI application."""
    from starlette.applications import Starlette
    from starlette.middleware import Middleware
    from starlette.routing import Route

    from . import pages

    routes = [
        Route("/", pages.home),
        Route("/console.css", pages.stylesheet),
        Route("/signin", pages.signin_form, methods=["GET"]),
        Route("/signin", pages.signin, methods=["POST"]),
        Route("/signout", pages.signout, methods=["POST"]),
        Route("/launches", pages.launches_page),
        Route("/launches/{launch}", pages.launch_page),
        Route("/launches/{launch}/preview", pages.preview_page),
        Route("/launches/{launch}/{decision:str}", pages.decide, methods=["POST"]),
        Route("/log", pages.log_page),
    ]
    app = Starlette(routes=routes, middleware=[Middleware(_Headers)])
    app.state.console = console
    return app


class _Headers:
    """Security headers on every response (the preview's own CSP is set by its route)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = message.setdefault("headers", [])
                have = {k.lower() for k, _ in headers}
                extra = {
                    b"content-security-policy": PAGE_CSP.encode(),
                    b"x-frame-options": b"DENY",
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"no-referrer",
                    b"cache-control": b"no-store",
                    b"cross-origin-opener-policy": b"same-origin",
                }
                if scope.get("scheme") == "https":
                    extra[b"strict-transport-security"] = b"max-age=31536000"
                headers.extend((k, v) for k, v in extra.items() if k not in have)
            await send(message)

        await self.app(scope, receive, with_headers)


__all__ = ["COOKIE", "Console", "create_app"]
