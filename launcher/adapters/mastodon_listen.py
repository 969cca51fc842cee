"""Mastodon's listening half: mentions (and strangers' filtered ones), status counts, followers.

- Inbox: ``GET /api/v1/notifications?types[]=mention&types[]=quote`` (at most 80 a page),
  newest first, ``since_id`` the newest notification already collected, older pages through
  the ``Link: <...>; rel="next"`` header. A mention that answers a status is a ``reply``.
  Since 4.3 a notification policy can divert strangers' mentions to
  ``GET /api/v1/notifications/requests``: each pending request's latest status is collected
  too (the earlier ones of the same stranger show once the request is accepted).
- Counts: ``GET /api/v1/statuses?id[]=...`` (4.3+, at most 20 ids), else one status at a time;
  ``replies_count``, ``reblogs_count``, ``favourites_count``, ``quotes_count`` (4.5+; older
  instances: "unavailable"). A status missing from the answer is looked up alone: 404 means
  it was deleted (``removed``). Mastodon counts no views: reach is unavailable.
- Followers: ``GET /api/v1/accounts/:id`` ``followers_count``.
- Answers: ``in_reply_to_id`` plus the author's ``@acct`` at the start of the text (Mastodon
  only notifies those mentioned), never more public than the item (a ``direct`` mention is
  answered ``direct``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import ContentRejected
from .base import AccountMetrics, AccountRef, Inbound, InboxPage, Listening, PostMetrics
from .http import json_body
from .listen_common import MAX_INBOX_PAGES, RateWatch, count, html_to_text, parse_time

#: GET /api/v1/statuses?id[]= takes at most this many ids
STATUSES_MAX = 20
NO_REACH = "Mastodon does not count views or reach"
NO_QUOTES = "this instance does not count quotes (Mastodon before 4.5)"
#: visibilities from the most public to the least
VISIBILITY = ("public", "unlisted", "private", "direct")

LISTENING = Listening(
    inbox=("mention", "reply", "quote"),
    post_metrics=("replies", "reposts", "likes", "quotes"),
    followers=True,
    batch=STATUSES_MAX,
    answers=True,
    unavailable=(("reach", NO_REACH),),
)


def narrower(ours: str, theirs: str | None) -> str:
    """The less public of two visibilities: an answer never widens a conversation."""
    if theirs not in VISIBILITY:
        return ours
    return max(ours, theirs, key=VISIBILITY.index)


class MastodonListening(RateWatch):
    """Mixin of :class:`~launcher.adapters.mastodon.MastodonAdapter`."""

    RATE_HEADERS = ("X-RateLimit-Remaining", "X-RateLimit-Limit")

    def fetch_inbox(
        self, account: AccountRef, cursor: str | None, posts: Sequence[str] = ()
    ) -> InboxPage:
        me = account.account_id or self._me(account)  # type: ignore[attr-defined]
        auth = self._auth(account)  # type: ignore[attr-defined]
        params: dict[str, Any] = {"types[]": ["mention", "quote"], "limit": 80}
        if cursor:
            params["since_id"] = cursor
        url: str = "/api/v1/notifications"
        found: list[Inbound] = []
        newest = cursor
        for page in range(MAX_INBOX_PAGES):
            resp = self.request(  # type: ignore[attr-defined]
                "GET", url, operation="inbox", params=params if page == 0 else None, headers=auth
            )
            notes = json_body(resp) or []
            if not isinstance(notes, list) or not notes:
                break
            if page == 0 and isinstance(notes[0], dict) and notes[0].get("id"):
                newest = str(notes[0]["id"])
            for note in notes:
                if not isinstance(note, dict) or not isinstance(note.get("status"), dict):
                    continue
                kind = "quote" if note.get("type") == "quote" else "mention"
                found.append(self._inbound(note["status"], kind, me))
            nxt = resp.links.get("next", {}).get("url")
            if not nxt:
                break
            url = nxt
        found.extend(self._requests(account, auth, me, {i.platform_id for i in found}))
        found.sort(key=lambda i: (i.created_at is None, i.created_at))
        return InboxPage(tuple(found), newest)

    def _requests(
        self, account: AccountRef, auth: dict[str, str], me: str, seen: set[str]
    ) -> list[Inbound]:
        """Strangers' mentions a 4.3+ notification policy filtered: each request's latest."""
        try:
            resp = self.request(  # type: ignore[attr-defined]
                "GET",
                "/api/v1/notifications/requests",
                operation="inbox",
                params={"limit": 80},
                headers=auth,
                ok=(404,),
            )
        except ContentRejected:
            return []  # an instance without the policy API
        if resp.status_code == 404:
            return []
        out = []
        for req in json_body(resp) or []:
            status = req.get("last_status") if isinstance(req, dict) else None
            if isinstance(status, dict) and str(status.get("id")) not in seen:
                out.append(self._inbound(status, "mention", me, filtered=True))
        return out

    def _inbound(
        self, status: dict[str, Any], kind: str, me: str, *, filtered: bool = False
    ) -> Inbound:
        author = status.get("account") if isinstance(status.get("account"), dict) else {}
        acct = str(author.get("acct") or author.get("username") or "?")
        replied = status.get("in_reply_to_id")
        if kind == "mention" and replied and str(status.get("in_reply_to_account_id")) == me:
            kind = "reply"
        quoted = status.get("quote") if isinstance(status.get("quote"), dict) else {}
        target = replied
        if kind == "quote":
            inner = quoted.get("quoted_status") or {}
            target = inner.get("id") if isinstance(inner, dict) else quoted.get("quoted_status_id")
        refs = {"mention": f"@{acct}", "visibility": str(status.get("visibility") or "public")}
        if filtered:
            refs["filtered"] = "notification request"
        return Inbound(
            platform_id=str(status.get("id")),
            kind=kind,
            author=acct,
            author_id=str(author.get("id")) if author.get("id") else None,
            text=html_to_text(str(status.get("content") or "")),
            created_at=parse_time(status.get("created_at")),
            url=status.get("url") if isinstance(status.get("url"), str) else None,
            in_reply_to=str(target) if target else None,
            language=status.get("language") if isinstance(status.get("language"), str) else None,
            refs=refs,
        )

    def fetch_post_metrics(
        self, account: AccountRef, post_ids: Sequence[str]
    ) -> dict[str, PostMetrics]:
        auth = self._auth(account)  # type: ignore[attr-defined]
        out: dict[str, PostMetrics] = {}
        for start in range(0, len(post_ids), STATUSES_MAX):
            chunk = list(post_ids[start : start + STATUSES_MAX])
            resp = self.request(  # type: ignore[attr-defined]
                "GET",
                "/api/v1/statuses",
                operation="metrics",
                params={"id[]": chunk},
                headers=auth,
                ok=(404,),
            )
            page = json_body(resp) if resp.status_code == 200 else None
            for status in page if isinstance(page, list) else []:
                if isinstance(status, dict) and str(status.get("id")) in chunk:
                    out[str(status["id"])] = _counts(status)
            for pid in chunk:  # absent (deleted?), or an instance without the batch call
                if pid not in out:
                    out[pid] = self._one(pid, auth)
        return out

    def _one(self, post_id: str, auth: dict[str, str]) -> PostMetrics:
        resp = self.request(  # type: ignore[attr-defined]
            "GET", f"/api/v1/statuses/{post_id}", operation="metrics", headers=auth, ok=(404,)
        )
        if resp.status_code == 404:
            return PostMetrics(removed=True, unavailable={"removed": "the status was deleted"})
        return _counts(json_body(resp) or {})

    def fetch_account_metrics(self, account: AccountRef) -> AccountMetrics:
        me = account.account_id or self._me(account)  # type: ignore[attr-defined]
        resp = self.request(  # type: ignore[attr-defined]
            "GET",
            f"/api/v1/accounts/{me}",
            operation="followers",
            headers=self._auth(account),  # type: ignore[attr-defined]
        )
        followers = count((json_body(resp) or {}).get("followers_count"))
        if followers is None:
            return AccountMetrics(unavailable="the instance gave no follower count")
        return AccountMetrics(followers=followers)


def _counts(status: dict[str, Any]) -> PostMetrics:
    quotes = count(status.get("quotes_count"))
    unavailable = {"reach": NO_REACH}
    if quotes is None:
        unavailable["quotes"] = NO_QUOTES
    return PostMetrics(
        replies=count(status.get("replies_count")),
        reposts=count(status.get("reblogs_count")),
        likes=count(status.get("favourites_count")),
        quotes=quotes,
        unavailable=unavailable,
    )
