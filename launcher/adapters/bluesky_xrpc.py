"""Talking XRPC to a PDS: sessions, refresh, typed errors and record reads, for the Bluesky
adapter (:mod:`launcher.adapters.bluesky`).

``createSession`` is rate-limited (30 per 5 minutes), so a session is created once per account
and kept, in memory and between processes (:mod:`.bluesky_sessions`: owner-only files under the
data directory); an access token about to expire is refreshed before the call, and on ``400
ExpiredToken`` or ``401`` the session is refreshed with the refresh JWT and the call repeated
once; only if refreshing fails is a new session created. Tokens never appear in logs, errors,
reprs or the ledger (they are registered with the redactor as they arrive). The PDS's
``RateLimit-*`` headers feed the rate budget. Record keys derived from a post's identity
(:func:`tid_for_key`) live here too, with the URI helpers.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC
from functools import cached_property
from typing import Any

import requests

from ..budget import Observation
from ..credentials import remember
from ..errors import AdapterError, AuthFailed, ContentRejected, PermanentError
from .base import AccountRef
from .bluesky_sessions import SessionStore, jwt_expiry
from .http import HttpAdapter, epoch_reset, json_body, retry_after_header

log = logging.getLogger("launcher.adapters.bluesky")

POST = "app.bsky.feed.post"
PROFILE = "app.bsky.actor.profile"

_S32 = "234567abcdefghijklmnopqrstuvwxyz"
#: record keys derived from post keys carry a pseudo-time in [2023-01-01, +2^45 µs ≈ 407 days)
_TID_BASE_US = 1_672_531_200 * 1_000_000
_AUTH_ERRORS = frozenset({"ExpiredToken", "InvalidToken", "AuthenticationRequired"})
#: refresh an access token this many seconds before it expires, rather than after a refusal
REFRESH_AHEAD = 60.0


def tid_for_key(key: str) -> str:
    """A valid TID record key (13 sortable base32 characters) derived from ``key`` alone.

    A TID is 1 zero bit, 53 bits of microseconds since the Unix epoch and 10 bits of clock
    id. Both parts come from a SHA-256 of ``key``; the time falls in a fixed past window so
    the key is never "in the future". The same post key always gives the same record key, so
    a repeated write of one post lands on the same record.
    """
    h = int.from_bytes(hashlib.sha256(key.encode("utf-8")).digest()[:8], "big")
    micros = _TID_BASE_US + (h >> 19) % (1 << 45)
    clock_id = h & 0x3FF
    n = (micros << 10) | clock_id
    return "".join(_S32[(n >> (5 * i)) & 31] for i in range(12, -1, -1))


def parse_at_uri(uri: str) -> tuple[str, str, str]:
    """``at://did/collection/rkey`` → (did, collection, rkey)."""
    if not uri.startswith("at://") or uri.count("/") != 4:
        raise PermanentError(f"not a record URI: {uri!r}", platform="bluesky")
    did, collection, rkey = uri[5:].split("/")
    return did, collection, rkey


def lang_tag(locale: str) -> str:
    """Babel/POSIX locale (``pt_BR``, ``zh_Hant``) → BCP-47 (``pt-BR``, ``zh-Hant``)."""
    return locale.split(".")[0].split("@")[0].replace("_", "-")


@dataclass
class _Session:
    did: str
    handle: str
    access: str
    refresh: str


class _TokenExpired(AuthFailed):
    """Internal: the access (or refresh) token was refused; a refresh may help."""


class XrpcClient(HttpAdapter):
    """The XRPC half of the Bluesky adapter: sessions per account, calls, record reads."""

    def __init__(self, settings: Any = None) -> None:
        super().__init__(settings)
        self._sessions: dict[str, _Session] = {}
        self._dids: dict[str, str | None] = {}  # handle -> DID (None: unresolvable)
        self._login_lock = threading.Lock()
        self._locks: dict[str, threading.Lock] = {}
        self.wall: Any = time.time  # epoch seconds, for token expiry

    @cached_property
    def sessions(self) -> SessionStore:
        """Where sessions outlive the process (the data directory)."""
        from ..paths import data_dir

        return SessionStore(data_dir(self.settings.get("data_dir")), self.base_url)

    def account_key(self, account: AccountRef) -> str:
        return self.full_handle(account)

    def rate_observations(self, resp: requests.Response) -> list[Observation]:
        """``RateLimit-*`` (reset in epoch seconds; ``RateLimit-Policy: 30;w=300``): the
        PDS answers for the limit that applied to the route, counted per account (logins,
        write points) or per IP (everything else)."""
        h = resp.headers
        remaining, reset = h.get("RateLimit-Remaining"), h.get("RateLimit-Reset")
        if remaining is None or reset is None:
            return []
        reset_in = epoch_reset(reset, self.clock())
        if reset_in is None:
            return []
        limit = h.get("RateLimit-Limit")
        return [
            Observation(
                ("account", "host"),
                int(remaining),
                reset_in,
                int(limit.split(";")[0]) if limit else None,
            )
        ]

    def _lock_for(self, key: str) -> threading.Lock:
        with self._login_lock:
            lock = self._locks.get(key)
            if lock is None:
                lock = self._locks[key] = threading.Lock()
            return lock

    def full_handle(self, account: AccountRef) -> str:
        """The account's handle on this PDS.

        A PDS only creates handles under the domains it serves, so the ``handle_domain``
        option, when set, wins over the organisation's ``handle_domain`` (missions.yaml) for
        the accounts launcher creates: the planned handle keeps its name (the first label,
        built from prefix, slug and locale) and takes the PDS's domain. Without the option the
        planned handle is used as it is. A standby account's handle (settings ``accounts``) is
        the organisation's own choice and is never rewritten; a bare name gets the option's
        domain, else ``.bsky.social``.
        """
        handle = account.handle.lstrip("@").lower()
        option = str(self.settings.get("handle_domain") or "").strip().lower().strip(".")
        domain = f".{option}" if option else ""
        if "." not in handle:
            return handle + (domain or ".bsky.social")
        if domain and not account.standby and not handle.endswith(domain):
            return handle.split(".", 1)[0] + domain
        return handle

    def error_message(self, resp: requests.Response) -> str:
        body = json_body(resp)
        if isinstance(body, dict):
            name, text = body.get("error"), body.get("message")
            if isinstance(text, str) and text:
                return text if name in (None, "InvalidRequest") else f"{name}: {text}"
            if isinstance(name, str):
                return name
        return f"HTTP {resp.status_code} {resp.reason or ''}".strip()

    def error_for(self, resp: requests.Response, *, operation: str, create: bool) -> AdapterError:
        body = json_body(resp)
        name = body.get("error") if isinstance(body, dict) else None
        message = self.error_message(resp)
        kw: dict[str, Any] = {"platform": self.name, "operation": operation}
        if resp.status_code == 401 or (resp.status_code == 400 and name in _AUTH_ERRORS):
            return _TokenExpired(message, status=resp.status_code, **kw)
        if resp.status_code == 400 and name in ("AccountTakedown", "AuthFactorTokenRequired"):
            return AuthFailed(message, status=400, **kw)
        now = self.clock()
        retry_after = retry_after_header(resp.headers.get("Retry-After"), now)
        if retry_after is None and resp.status_code == 429:
            # RateLimit-* headers come with every answer; their reset time only matters on 429
            retry_after = epoch_reset(resp.headers.get("RateLimit-Reset"), now)
        err = self.generic_error(
            resp, operation=operation, create=create, message=message, retry_after=retry_after
        )
        err.xrpc_error = name  # type: ignore[attr-defined]
        return err

    def _call(
        self,
        method: str,
        nsid: str,
        *,
        operation: str,
        token: str | None = None,
        create: bool = False,
        account: AccountRef | None = None,
        **kw: Any,
    ) -> dict[str, Any]:
        headers = dict(kw.pop("headers", None) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        resp = self.request(
            method,
            f"/xrpc/{nsid}",
            operation=operation,
            create=create,
            headers=headers,
            account=account,
            **kw,
        )
        body = json_body(resp)
        return body if isinstance(body, dict) else {}

    def _xrpc(
        self, account: AccountRef, method: str, nsid: str, *, operation: str, **kw: Any
    ) -> dict[str, Any]:
        """An authenticated call; refreshes the session once if the token was refused (or
        before the call, when the access token is about to expire)."""
        session = self._session(account)
        expiry = jwt_expiry(session.access)
        if expiry is not None and expiry - self.wall() < REFRESH_AHEAD:
            session = self._refresh(account, session)
        try:
            return self._call(
                method, nsid, operation=operation, token=session.access, account=account, **kw
            )
        except _TokenExpired:
            session = self._refresh(account, session)
        try:
            return self._call(
                method, nsid, operation=operation, token=session.access, account=account, **kw
            )
        except _TokenExpired as exc:
            self._forget(account, stored=True)
            raise AuthFailed(
                f"the PDS refused a fresh session: {exc.message}",
                platform=self.name,
                operation=operation,
                status=exc.status,
            ) from None

    def _key(self, account: AccountRef) -> str:
        return account.account_id or self.full_handle(account)

    def _forget(self, account: AccountRef, *, stored: bool = False) -> None:
        stale = self._sessions.get(self._key(account)) or self._sessions.get(
            self.full_handle(account)
        )
        for k in [k for k, s in self._sessions.items() if s is stale]:
            del self._sessions[k]
        if stored:  # refused even fresh: the file must not be tried again either
            self.sessions.forget(self.full_handle(account))

    def _store(self, body: dict[str, Any], *, keep: bool = True) -> _Session:
        try:
            session = _Session(body["did"], body["handle"], body["accessJwt"], body["refreshJwt"])
        except (KeyError, TypeError):
            raise PermanentError(
                "the PDS answered without a session", platform=self.name, operation="session"
            ) from None
        remember(session.access)
        remember(session.refresh)
        self._sessions[session.did] = self._sessions[session.handle] = session
        if keep:
            self.sessions.save(session.handle, body)
        return session

    def _session(self, account: AccountRef) -> _Session:
        cached = self._sessions.get(self._key(account)) or self._sessions.get(
            self.full_handle(account)
        )
        if cached:
            return cached
        with self._lock_for(self.full_handle(account)):
            cached = self._sessions.get(self.full_handle(account))
            if cached:
                return cached
            stored = self.sessions.load(self.full_handle(account))
            if stored is not None and (
                not account.account_id or stored["did"] == account.account_id
            ):
                log.info("bluesky: reusing the stored session of %s", stored["handle"])
                return self._store(stored, keep=False)
            return self._login(account)

    def _login(self, account: AccountRef) -> _Session:
        # an account launcher created posts with the app password it made for it
        own = account.credentials.get("app_password")
        password = self.credential(account, "app_password" if own else "password")
        log.info("bluesky: creating a session for %s", self.full_handle(account))
        try:
            body = self._call(
                "POST",
                "com.atproto.server.createSession",
                operation="login",
                json={"identifier": self.full_handle(account), "password": password.reveal()},
                account=account,
            )
        except _TokenExpired as exc:
            raise AuthFailed(
                f"login refused for {self.full_handle(account)}: {exc.message}",
                platform=self.name,
                operation="login",
                status=exc.status,
                hint="check the password reference of this account",
            ) from None
        return self._store(body)

    def _refresh(self, account: AccountRef, session: _Session) -> _Session:
        with self._lock_for(self.full_handle(account)), self.sessions.locked(session.handle):
            current = self._sessions.get(session.did)
            if current is not None and current.refresh != session.refresh:
                return current  # another thread of this process refreshed it meanwhile
            stored = self.sessions.load(session.handle)
            if stored is not None and stored["refreshJwt"] != session.refresh:
                return self._store(stored, keep=False)  # another process refreshed it
            log.info("bluesky: refreshing the session of %s", session.handle)
            self._forget(account)
            try:
                body = self._call(
                    "POST",
                    "com.atproto.server.refreshSession",
                    operation="refresh",
                    token=session.refresh,
                    account=account,
                )
            except _TokenExpired:
                return self._login(account)  # refresh token expired or revoked: log in again
            return self._store(body)

    def _now(self) -> str:
        now = self.clock().astimezone(UTC)
        return now.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def _get_record(
        self, account: AccountRef, did: str, collection: str, rkey: str, *, operation: str
    ) -> dict[str, Any] | None:
        try:
            return self._xrpc(
                account,
                "GET",
                "com.atproto.repo.getRecord",
                operation=operation,
                params={"repo": did, "collection": collection, "rkey": rkey},
            )
        except ContentRejected as exc:
            if getattr(exc, "xrpc_error", None) == "RecordNotFound" or exc.status == 404:
                return None
            raise

    def _get(self, account: AccountRef, uri: str) -> dict[str, Any]:
        did, collection, rkey = parse_at_uri(uri)
        got = self._get_record(account, did, collection, rkey, operation="get")
        if got is None:
            raise ContentRejected(f"record not found: {uri}", platform=self.name, operation="get")
        return got

    def _resolve_handle(self, account: AccountRef, handle: str) -> str | None:
        if handle not in self._dids:
            try:
                body = self._call(
                    "GET",
                    "com.atproto.identity.resolveHandle",
                    operation="resolve_handle",
                    params={"handle": handle},
                )
                self._dids[handle] = body.get("did") or None
            except (ContentRejected, _TokenExpired):
                self._dids[handle] = None  # unresolvable: the mention stays plain text
        return self._dids[handle]
