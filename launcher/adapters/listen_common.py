"""What the adapters' listening halves share: rate-limit headroom and inbound text.

Listening calls go through :meth:`launcher.adapters.http.HttpAdapter.request` like every other
call, so a request budget added there covers them too. :class:`RateWatch` remembers the
rate-limit headers of the last answer the adapter got (posting or listening): the collector
reads :meth:`RateWatch.listen_headroom` after each listening call and pauses collection on a
platform whose window is nearly used up, so posting keeps the rest (posting has priority).
"""

from __future__ import annotations

import html
import json
import re
from datetime import UTC, datetime
from typing import Any

import requests

#: at most this many pages per inbox collection of one account (older ones wait a pass)
MAX_INBOX_PAGES = 10

_BREAK = re.compile(r"(?i)<br\s*/?>|</p>\s*<p[^>]*>")
_TAG = re.compile(r"<[^>]+>")


def html_to_text(content: str) -> str:
    """A status's HTML as the plain text its author typed (line breaks kept)."""
    text = _BREAK.sub("\n", content or "")
    text = _TAG.sub("", text)
    return html.unescape(text).strip()


def parse_time(value: Any) -> datetime | None:
    """An ISO 8601 time as platforms write it (``Z`` or an offset); None if absent or bad."""
    if not isinstance(value, str) or not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        try:  # Graph API: 2026-05-22T08:30:00+0000
            when = datetime.strptime(value, "%Y-%m-%dT%H:%M:%S%z")
        except ValueError:
            return None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def count(value: Any) -> int | None:
    """A count from a platform's JSON: an int, or None when it is not there."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


class RateWatch:
    """Mixin for :class:`~launcher.adapters.http.HttpAdapter` subclasses: remembers the
    remaining share of the rate-limit window from each answer's headers.

    ``RATE_HEADERS`` names (remaining, limit) for the platform; ``USAGE_HEADER`` a Graph-style
    JSON usage header in percent (Facebook ``X-App-Usage``).
    """

    RATE_HEADERS: tuple[str, str] | None = None
    USAGE_HEADER: str | None = None
    _headroom: float | None = None

    def request(self, method: str, url: str, **kw: Any) -> requests.Response:
        resp: requests.Response = super().request(method, url, **kw)  # type: ignore[misc]
        self._note_rate(resp.headers)
        return resp

    def _note_rate(self, headers: Any) -> None:
        if self.RATE_HEADERS is not None:
            remaining, limit = (headers.get(h) for h in self.RATE_HEADERS)
            try:
                if remaining is not None and limit is not None and float(limit) > 0:
                    self._headroom = max(0.0, min(1.0, float(remaining) / float(limit)))
                    return
            except ValueError:
                pass
        if self.USAGE_HEADER is not None:
            raw = headers.get(self.USAGE_HEADER)
            if raw:
                try:
                    usage = json.loads(raw)
                    used = max(
                        float(usage.get(k) or 0)
                        for k in ("call_count", "total_time", "total_cputime")
                    )
                except (ValueError, TypeError, AttributeError):
                    return
                self._headroom = max(0.0, 1.0 - used / 100.0)

    def listen_headroom(self) -> float | None:
        return self._headroom
