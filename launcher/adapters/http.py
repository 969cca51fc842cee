"""Shared HTTP plumbing for adapters that talk to a platform with ``requests``.

One place turns transport failures and HTTP statuses into the typed errors of
:mod:`launcher.errors`:

- connect timeout / connection refused / DNS failure: nothing was sent →
  ``TransientError(maybe_sent=False)``;
- read timeout or a connection dropped after the request went out: the platform may have
  acted → ``TransientError(maybe_sent=True)`` (creates must then be reconciled);
- 429 → ``RateLimited`` with the platform's hint; 5xx (but 501) → ``TransientError``
  (``maybe_sent`` for creates, a gateway may fail after the backend accepted);
- 401/403 → ``AuthFailed``; other 4xx → ``ContentRejected`` with the platform's message.

Platform adapters subclass :class:`HttpAdapter` and override :meth:`HttpAdapter.error_for`
for their own error bodies and rate-limit headers. Retrying is not done here.

Every request first takes its place in the rate budget (:mod:`launcher.budget`): the limits
the adapter declares (``limits``, per account, app or host), what the platform's rate-limit
headers said is left (:meth:`HttpAdapter.rate_observations`), and at most ``max_in_flight``
requests open to one host. A request with no room soon raises ``OverBudget`` unsent.
Connections are kept alive per host and sending thread, shared by the adapters of one process
that talk to the same host (:class:`HostSession`).
"""

from __future__ import annotations

import email.utils
import html
import json
import logging
import re
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import requests

from ..budget import Budget, Observation
from ..credentials import Secret, resolve
from ..errors import (
    AdapterError,
    AuthFailed,
    ConfigError,
    ContentRejected,
    PermanentError,
    RateLimited,
    TransientError,
)
from .base import AccountRef, Adapter

log = logging.getLogger("launcher.adapters")

#: (connect, read) seconds
DEFAULT_TIMEOUT = (5.0, 30.0)
USER_AGENT = "launcher/0.1 (+https://example.org/launcher)"


def utcnow() -> datetime:
    return datetime.now(UTC)


def _sent_before_failure(exc: requests.ConnectionError) -> bool:
    """True when a ConnectionError may have happened after the request was sent."""
    if isinstance(exc, requests.ConnectTimeout):
        return False
    from urllib3.exceptions import NameResolutionError, NewConnectionError

    seen: set[int] = set()
    cur: BaseException | None = exc
    while cur is not None and id(cur) not in seen:
        seen.add(id(cur))
        if isinstance(cur, NewConnectionError | NameResolutionError):
            return False
        reason = getattr(cur, "reason", None)
        nxt = cur.args[0] if cur.args and isinstance(cur.args[0], BaseException) else None
        cur = reason if isinstance(reason, BaseException) else nxt or cur.__cause__
    text = str(exc).lower()
    return not any(s in text for s in ("refused", "name or service", "failed to establish"))


def retry_after_header(value: str | None, now: datetime) -> float | None:
    """``Retry-After``: delta seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def epoch_reset(value: str | None, now: datetime) -> float | None:
    """A reset time in Unix epoch seconds (X ``x-rate-limit-reset``, Bluesky)."""
    if not value:
        return None
    try:
        return max(0.0, float(value) - now.timestamp())
    except ValueError:
        return None


def iso_reset(value: str | None, now: datetime) -> float | None:
    """A reset time as ISO 8601 (Mastodon ``X-RateLimit-Reset``)."""
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def text_rule(platform: str, limit: int, counting: str) -> tuple[int, str]:
    """``(limit, counting)`` from :mod:`launcher.plan.textrules` (the one source of the numbers),
    falling back to the given literals (from the platform fact sheet)."""
    try:
        from ..plan.textrules import rule

        r = rule(platform)
        return int(r.limit), str(getattr(r, "unit", counting) or counting)
    except Exception:
        return limit, counting


def N_(msgid: str) -> str:
    """Mark a checklist step for translation (extracted by Babel's default ``N_`` keyword);
    adapters translate it with their ``gettext`` at the moment they build a checklist."""
    return msgid


_URL = re.compile(r"https?://\S+")
_TAG = re.compile(r"<[^>]+>")


def normalize_text(text: str, *, html_content: bool = False) -> str:
    """Text as compared during reconciliation: links (shortened or wrapped by platforms)
    become one token, HTML markup and entities are undone, whitespace is collapsed."""
    if html_content:
        text = re.sub(r"(?i)<br\s*/?>|</p>\s*<p[^>]*>", " ", text)
        text = _TAG.sub("", text)
    text = html.unescape(text)
    text = _URL.sub("<link>", text)
    return " ".join(text.split())


def json_body(resp: requests.Response) -> Any:
    try:
        return resp.json()
    except ValueError:
        return None


_LOCAL = threading.local()


class HostSession:
    """Keep-alive per host and per thread: each sending thread reuses its own connection to
    the host (one connection pool per thread and host, shared by every adapter that talks
    to that host), so concurrent senders never contend for one pool's locks and a launch of
    50 missions opens no more connections than it has senders.

    Only transport state lives here (the pool, proxies, CA bundle): each request carries its
    own credentials, and no cookie is ever kept.

    A request goes straight to the transport (``requests``' ``HTTPAdapter.send``), without
    ``Session.request``'s layers: merging settings, cookie jars, hooks and redirects. They
    cost a third of a request's CPU time (0.37 of 1.64 ms in the fan-out benchmark), and a
    launch of 50 missions is CPU-bound. None of them is used: credentials are per request, a
    shared pool keeps no cookie, and a platform's API answering a write with a redirect is an
    error to report (requests would turn the POST into a GET), not a place to follow.
    """

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        self.base_url = base_url
        self.key = f"{parts.scheme}://{parts.netloc}"

    def request(
        self,
        method: str,
        url: str,
        *,
        params: Any = None,
        data: Any = None,
        json: Any = None,
        files: Any = None,
        headers: Mapping[str, str | None] | None = None,
        timeout: Any = None,
    ) -> requests.Response:
        transports = getattr(_LOCAL, "transports", None)
        if transports is None:
            transports = _LOCAL.transports = {}
        transport = transports.get(self.key)
        if transport is None:
            transport = transports[self.key] = _Transport(self.base_url)
        return transport.send(method, url, params, data, json, files, headers, timeout)


class _OriginAdapter(requests.adapters.HTTPAdapter):
    """requests' transport adapter without three per-request costs of features no request
    of launcher's uses. ``send`` itself stays requests' own (so a test double that replaces
    ``HTTPAdapter.send``, as ``responses`` does, still sees every request); only the steps
    it calls are narrowed:

    - the connection pool of a URL's origin is kept here once looked up, where the pool
      manager would build a key of every TLS and pool setting for each request again (a
      direct connection only: a proxied request takes requests' own path);
    - without a proxy, the path to send is the request's own (no proxy lookup per request);
    - the answer's cookies are not copied into a jar: no cookie is ever kept or sent.

    A request's CPU time from 64 threads against a local server: 1.01 ms against 1.24 ms with
    requests' own adapter (a launch of 50 missions is CPU-bound while it sends).
    """

    def __init__(self) -> None:
        super().__init__(pool_connections=4, pool_maxsize=4)
        self._origins: dict[tuple[str, Any], Any] = {}

    def get_connection_with_tls_context(
        self, request: requests.PreparedRequest, verify: Any, proxies: Any = None, cert: Any = None
    ) -> Any:
        if proxies or cert:
            return super().get_connection_with_tls_context(request, verify, proxies, cert)
        key = (_origin(str(request.url)), verify)
        pool = self._origins.get(key)
        if pool is None:
            pool = self._origins[key] = super().get_connection_with_tls_context(request, verify)
        return pool

    def close(self) -> None:
        """Close the pools kept here too (the pool manager forgets its pools unclosed)."""
        kept = list(self._origins.values())
        self._origins.clear()
        super().close()
        for pool in kept:
            pool.close()

    def request_url(self, request: requests.PreparedRequest, proxies: Any) -> str:
        if proxies:
            return super().request_url(request, proxies)
        url = request.path_url
        return f"/{url.lstrip('/')}" if url.startswith("//") else url

    def build_response(self, req: requests.PreparedRequest, resp: Any) -> requests.Response:
        response = requests.Response()
        response.status_code = getattr(resp, "status", None)  # type: ignore[assignment]
        response.headers = requests.structures.CaseInsensitiveDict(getattr(resp, "headers", {}))
        response.encoding = requests.utils.get_encoding_from_headers(response.headers)
        response.raw = resp
        response.reason = resp.reason
        response.url = req.url.decode("utf-8") if isinstance(req.url, bytes) else str(req.url)
        response.request = req
        response.connection = self  # type: ignore[attr-defined]
        return response


def _origin(url: str) -> str:
    """``scheme://host:port`` of an absolute URL, by cutting the text (no parse per request)."""
    scheme, sep, rest = url.partition("://")
    return scheme.lower() + sep + rest.split("/", 1)[0].split("?", 1)[0].split("#", 1)[0].lower()


class _Transport:
    """One thread's connection pool to one host, with the settings read from the environment
    once: proxies (HTTPS_PROXY, NO_PROXY) and the CA bundle (REQUESTS_CA_BUNDLE). ~/.netrc is
    never used to authenticate implicitly."""

    def __init__(self, base_url: str) -> None:
        import os

        self.adapter = _OriginAdapter()
        self.proxies = _environ_proxies(base_url)
        self.verify: bool | str = (
            os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
        )
        self.headers = requests.utils.default_headers()
        self.headers["User-Agent"] = USER_AGENT

    def send(
        self,
        method: str,
        url: str,
        params: Any,
        data: Any,
        json: Any,
        files: Any,
        headers: Mapping[str, str | None] | None,
        timeout: Any,
    ) -> requests.Response:
        merged = requests.structures.CaseInsensitiveDict(self.headers)
        for name, value in (headers or {}).items():
            if value is None:
                merged.pop(name, None)
            else:
                merged[name] = value
        prepared = requests.PreparedRequest()
        prepared.prepare_method(method)
        prepared.prepare_url(url, params)
        prepared.prepare_headers(merged)
        prepared.prepare_body(data, files, json)
        prepared.prepare_hooks({})
        response = self.adapter.send(
            prepared, stream=False, timeout=timeout, verify=self.verify, proxies=self.proxies
        )
        _ = response.content  # read the whole answer now, as requests does unless streaming
        return response


def session_for(base_url: str) -> HostSession:
    """The keep-alive sessions of ``base_url``'s host (see :class:`HostSession`)."""
    return HostSession(base_url)


class HttpAdapter(Adapter):
    """An adapter speaking HTTP through one ``requests.Session``.

    ``clock``, ``session`` and ``budget`` are attributes so tests can inject a fixed clock, a
    session and a budget. :class:`launcher.settings.Settings` gives all the adapters it builds
    one budget, so the limits of a host, an app or an account are counted once per process.
    """

    default_base_url: str = ""
    #: requests open at once to the platform's host, by this process (None: as many as the
    #: dispatcher's workers; a platform that documents a cap on concurrent requests sets it)
    max_in_flight: int | None = None
    #: translates checklist steps; the CLI sets it to the user's locale catalog
    gettext: Callable[[str], str] = staticmethod(lambda s: s)  # type: ignore[assignment]

    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        super().__init__(settings)
        from ..credentials import install_log_filter

        # urllib3 logs request lines at DEBUG; Telegram's token is in the path
        install_log_filter(logging.getLogger("urllib3.connectionpool"))
        self.session = session_for(self.base_url)
        self.budget = Budget()
        self.clock: Callable[[], datetime] = utcnow
        self.timeout: Any = DEFAULT_TIMEOUT
        timeout = self.settings.get("timeout")
        if timeout:
            try:
                self.timeout = (DEFAULT_TIMEOUT[0], float(timeout))
            except (TypeError, ValueError):
                raise ConfigError(
                    f"{self.name} timeout must be a number of seconds, not {timeout!r}",
                    hint=f"e.g. platforms.{self.name}.options.timeout: 30",
                ) from None

    # -- configuration -------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        return str(self.settings.get("base_url") or self.default_base_url).rstrip("/")

    def credential(self, account: AccountRef | None, name: str, *, required: bool = True) -> Secret:
        """Resolve credential ``name``: the account's own reference first, then the adapter's."""
        ref = (account.credentials.get(name) if account else None) or self.settings.get(name)
        if not ref:
            if not required:
                return Secret("")
            raise ConfigError(
                f"{self.name}: no credential {name!r} configured"
                + (f" for {account.handle}" if account else ""),
                hint=f"set platforms.<platform>.options.{name} (or the account's credentials) "
                "to 'env:NAME' or 'file:/path' in the settings file",
            )
        return resolve(ref, what=f"{self.name} {name}")

    def steps(self, msgids: list[str] | tuple[str, ...], **values: Any) -> tuple[str, ...]:
        """Translate then fill a checklist: ``N_``-marked templates with ``{name}`` fields."""
        return tuple(self.gettext(m).format(**values) for m in msgids)

    # -- the rate budget -------------------------------------------------------------------
    def budget_scopes(self, account: AccountRef | None) -> dict[str, str]:
        """The keys the budget counts this adapter's requests under: its host, its app and,
        for a request made for an account, that account (:meth:`account_key`)."""
        host = f"{self.name}@{urlsplit(self.base_url).netloc or self.base_url}"
        scopes = {"host": host, "app": f"{host}#{self.app_key(account)}"}
        if account is not None:
            scopes["account"] = f"{host}/{self.account_key(account)}"
        return scopes

    def account_key(self, account: AccountRef) -> str:
        """Who the platform counts an account's requests against (its id, else its handle)."""
        return account.account_id or account.handle

    def app_key(self, account: AccountRef | None) -> str:
        """The credential the organisation's accounts share on this platform, if any."""
        return ""

    def rate_observations(self, resp: requests.Response) -> list[Observation]:
        """What the answer's rate-limit headers say is left (platform-specific)."""
        return []

    # -- transport -----------------------------------------------------------------------
    def request(
        self,
        method: str,
        url: str,
        *,
        operation: str,
        create: bool = False,
        ok: tuple[int, ...] = (),
        account: AccountRef | None = None,
        **kw: Any,
    ) -> requests.Response:
        """Send one request for ``account`` (None: no account yet, e.g. a sign-up) within the
        budget; return the response if 2xx (or in ``ok``), else raise typed."""
        if not url.startswith(("http://", "https://")):
            url = self.base_url + url
        kw.setdefault("timeout", self.timeout)
        ticket = self.budget.reserve(
            platform=self.name,
            limits=self.limits,
            scopes=self.budget_scopes(account),
            method=method,
            path=urlsplit(url).path,
            operation=operation,
            max_in_flight=self.max_in_flight,
        )
        try:
            resp = self._send(method, url, operation=operation, create=create, **kw)
        finally:
            ticket.release()
        err = None
        if not (200 <= resp.status_code < 300 or resp.status_code in ok):
            err = self.error_for(resp, operation=operation, create=create)
            log.debug("%s %s -> %s: %s", self.name, operation, resp.status_code, err.message)
        if not isinstance(err, RateLimited):  # a throttling answer's hint: for whoever retries
            try:
                seen = self.rate_observations(resp)
            except (ValueError, TypeError, AttributeError):  # a malformed header: no reason to fail
                seen = []
            if seen:
                self.budget.observe(ticket, seen)
        if err is not None:
            raise err
        return resp

    def _send(
        self, method: str, url: str, *, operation: str, create: bool, **kw: Any
    ) -> requests.Response:
        try:
            return self.session.request(method, url, **kw)
        except requests.ConnectionError as exc:  # includes ConnectTimeout
            maybe = create and _sent_before_failure(exc)
            raise TransientError(
                "could not reach the platform"
                + (" (the request may have arrived)" if maybe else ""),
                platform=self.name,
                operation=operation,
                maybe_sent=maybe,
            ) from None
        except requests.Timeout:  # ReadTimeout: sent, answer lost
            raise TransientError(
                "timed out waiting for the answer",
                platform=self.name,
                operation=operation,
                maybe_sent=create,
            ) from None
        except requests.RequestException as exc:
            raise PermanentError(
                f"request failed: {type(exc).__name__}", platform=self.name, operation=operation
            ) from None

    def error_for(self, resp: requests.Response, *, operation: str, create: bool) -> AdapterError:
        """Map a non-2xx response to a typed error. Subclasses refine message and hint."""
        return self.generic_error(
            resp,
            operation=operation,
            create=create,
            message=self.error_message(resp),
            retry_after=retry_after_header(resp.headers.get("Retry-After"), self.clock()),
        )

    def error_message(self, resp: requests.Response) -> str:
        body = json_body(resp)
        if isinstance(body, dict):
            for key in ("error_description", "error", "message", "detail", "description"):
                if isinstance(body.get(key), str):
                    return body[key]
        return f"HTTP {resp.status_code} {resp.reason or ''}".strip()

    def generic_error(
        self,
        resp: requests.Response,
        *,
        operation: str,
        create: bool,
        message: str,
        retry_after: float | None,
    ) -> AdapterError:
        status = resp.status_code
        kw: dict[str, Any] = {"platform": self.name, "operation": operation, "status": status}
        if status == 429:
            return RateLimited(message, retry_after=retry_after, **kw)
        if status >= 500 and status != 501:
            return TransientError(message, retry_after=retry_after, maybe_sent=create, **kw)
        if 300 <= status < 400:
            where = resp.headers.get("Location") or "another address"
            return PermanentError(
                f"the platform answered with a redirect (HTTP {status}) to {where}",
                hint=f"an API does not redirect: check platforms.{self.name}.options.base_url",
                **kw,
            )
        if status in (401, 403):
            return AuthFailed(message, **kw)
        if 400 <= status < 500:
            return ContentRejected(message, **kw)
        return PermanentError(message, **kw)


def dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


_PROXIES: dict[tuple[str, ...], dict[str, str]] = {}
_PROXIES_LOCK = threading.Lock()
#: the environment variables that decide an http(s) request's proxy
_PROXY_VARS = tuple(
    v for n in ("http", "https", "all", "no") for v in (f"{n}_proxy", f"{n.upper()}_PROXY")
)


def _environ_proxies(base_url: str) -> dict[str, str]:
    """The environment's proxies for ``base_url``, looked up again only when a proxy
    variable changed: every sending thread has its own session, and 256 scans of an
    environment that holds a thousand accounts' credentials were a tenth of a 50-mission
    launch's CPU time."""
    import os

    parts = urlsplit(base_url)
    key = (f"{parts.scheme}://{parts.netloc}", *(os.environ.get(n, "\0") for n in _PROXY_VARS))
    found = _PROXIES.get(key)
    if found is None:
        with _PROXIES_LOCK:  # the senders start together: one of them scans, the others wait
            found = _PROXIES.get(key)
            if found is None:
                found = _PROXIES[key] = (
                    requests.utils.get_environ_proxies(base_url)
                    if base_url
                    else requests.utils.getproxies()
                )
    return dict(found)
