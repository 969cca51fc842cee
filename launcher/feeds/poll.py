"""Polling done right: conditional requests, backoff, bounded answers.

- Each document's ``ETag`` and ``Last-Modified`` are kept in the ledger (``feed_state``) and
  sent back (``If-None-Match``, ``If-Modified-Since``): an unchanged feed answers 304 and costs
  the source nothing to serve and launcher nothing to parse, across restarts too.
- A failure (connection, timeout, 5xx, 429, a 4xx, an unreadable document) is recorded with
  the error and the document is polled again after a capped exponential backoff (its own poll
  interval doubled per failure, at most an hour; a 429's ``Retry-After`` is honoured). A failed
  fetch is only that: no event changes, nothing is cancelled.
- Answers are read up to :data:`MAX_BYTES`; a bigger one is a failure, not a memory problem.
"""

from __future__ import annotations

import email.utils
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import requests

from ..errors import FeedError
from .base import Fetch

log = logging.getLogger("launcher.feeds")

MAX_BYTES = 16 * 1024 * 1024
MAX_BACKOFF = 3600.0
CONNECT_TIMEOUT = 5.0
USER_AGENT = "launcher-feeds/0.1 (+https://example.org/launcher)"


@dataclass(frozen=True)
class Answer:
    """What one poll got: ``body`` (None when unchanged) and the validators to keep."""

    changed: bool
    body: bytes | None = None
    etag: str | None = None
    last_modified: str | None = None


def backoff(poll: float, failures: int, retry_after: float | None = None) -> float:
    """Seconds until the next try after ``failures`` failures in a row."""
    wait = min(MAX_BACKOFF, max(1.0, poll) * (2 ** max(0, failures - 1)))
    return max(wait, retry_after or 0.0)


class Poller:
    """One HTTP session for a watch pass (connections are reused across documents)."""

    def __init__(
        self, session: requests.Session | None = None, mirrors: Mapping[str, str] | None = None
    ) -> None:
        self.session = session or requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        #: URL prefix -> where to fetch it instead (settings ``feeds.mirrors``)
        self.mirrors = dict(mirrors or {})

    def close(self) -> None:
        self.session.close()

    def poll(
        self,
        fetch: Fetch,
        *,
        params: Mapping[str, str] | None = None,
        etag: str | None = None,
        last_modified: str | None = None,
        timeout: float = 20.0,
    ) -> Answer:
        """GET ``fetch`` conditionally. Raises :class:`FeedError` (``retry_after`` set for a
        429 or 503 that gave one) for anything but a 200 or a 304."""
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        resp = self._get(fetch.url, params=params or fetch.params, headers=headers, timeout=timeout)
        try:
            if resp.status_code == 304:
                return Answer(False, None, etag, last_modified)
            body = self._body(resp, fetch.url)
            return Answer(
                True,
                body,
                resp.headers.get("ETag"),
                resp.headers.get("Last-Modified"),
            )
        finally:
            resp.close()

    def get(self, url: str, *, timeout: float = 20.0) -> bytes:
        """A linked document (a CAP message an entry points to), unconditionally."""
        resp = self._get(url, params=None, headers={}, timeout=timeout)
        try:
            return self._body(resp, url)
        finally:
            resp.close()

    def _get(
        self, url: str, *, params: Any, headers: dict[str, str], timeout: float
    ) -> requests.Response:
        from .settings import rewrite

        try:
            return self.session.get(
                rewrite(url, self.mirrors),
                params=params,
                headers=headers,
                timeout=(CONNECT_TIMEOUT, timeout),
                stream=True,
                allow_redirects=True,
            )
        except requests.Timeout:
            raise FeedError(f"no answer within {timeout:g} s", source=url) from None
        except requests.RequestException as exc:
            raise FeedError(f"cannot reach it: {type(exc).__name__}", source=url) from None

    def _body(self, resp: requests.Response, url: str) -> bytes:
        if resp.status_code != 200:
            error = FeedError(f"HTTP {resp.status_code} {resp.reason or ''}".strip(), source=url)
            error.retry_after = _retry_after(resp.headers.get("Retry-After"))  # type: ignore[attr-defined]
            raise error
        chunks, size = [], 0
        try:
            for chunk in resp.iter_content(65536):
                size += len(chunk)
                if size > MAX_BYTES:
                    raise FeedError(f"answer larger than {MAX_BYTES} bytes: refused", source=url)
                chunks.append(chunk)
        except requests.RequestException as exc:
            raise FeedError(f"answer cut off: {type(exc).__name__}", source=url) from None
        return b"".join(chunks)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    import time

    return max(0.0, when.timestamp() - time.time())
