"""X's listening half: mentions, ``public_metrics`` and followers (API v2).

Every read is billed on X's pay-per-use tiers ($0.005 a post read): the collector reads each
post at its fixed snapshot ages and mentions at the configured interval, never in a loop.

- Inbox: ``GET /2/users/:id/mentions`` with ``since_id`` (the newest mention already
  collected), at most 100 a page, ``pagination_token`` for the rest; a mention that replies
  to or quotes a post says so in ``referenced_tweets``; ``lang`` is X's own detection.
- Counts: ``GET /2/tweets?ids=`` (at most 100) with ``public_metrics``: ``reply_count``,
  ``retweet_count``, ``like_count``, ``quote_count`` and ``impression_count`` (reach, as X
  counts impressions). A post X reports "not found" in ``errors`` was deleted (``removed``).
- Followers: ``GET /2/users/:id?user.fields=public_metrics`` ``followers_count``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import AccountMetrics, AccountRef, Inbound, InboxPage, Listening, PostMetrics
from .http import json_body
from .listen_common import MAX_INBOX_PAGES, RateWatch, count, parse_time

#: GET /2/tweets takes at most 100 ids
TWEETS_MAX = 100
TWEET_FIELDS = "created_at,lang,author_id,conversation_id,referenced_tweets"

LISTENING = Listening(
    inbox=("mention", "reply", "quote"),
    post_metrics=("replies", "reposts", "likes", "quotes", "reach"),
    followers=True,
    batch=TWEETS_MAX,
    answers=True,
)


class XListening(RateWatch):
    """Mixin of :class:`~launcher.adapters.x.XAdapter`."""

    RATE_HEADERS = ("x-rate-limit-remaining", "x-rate-limit-limit")

    def fetch_inbox(
        self, account: AccountRef, cursor: str | None, posts: Sequence[str] = ()
    ) -> InboxPage:
        user_id = account.account_id or self._me(account)  # type: ignore[attr-defined]
        params: dict[str, Any] = {
            "max_results": 100,
            "tweet.fields": TWEET_FIELDS,
            "expansions": "author_id",
            "user.fields": "username",
        }
        if cursor:
            params["since_id"] = cursor
        found: list[Inbound] = []
        newest = cursor
        for page in range(MAX_INBOX_PAGES):
            resp = self.request(  # type: ignore[attr-defined]
                "GET",
                f"/2/users/{user_id}/mentions",
                operation="inbox",
                params=params,
                headers=self._auth(account),  # type: ignore[attr-defined]
            )
            body = json_body(resp) or {}
            meta = body.get("meta") or {}
            if page == 0 and meta.get("newest_id"):
                newest = str(meta["newest_id"])
            users = {
                str(u.get("id")): str(u.get("username"))
                for u in (body.get("includes") or {}).get("users") or []
                if isinstance(u, dict)
            }
            for tweet in body.get("data") or []:
                if isinstance(tweet, dict):
                    found.append(self._inbound(tweet, users))
            token = meta.get("next_token")
            if not token:
                break
            params = {**params, "pagination_token": token}
        found.sort(key=lambda i: (i.created_at is None, i.created_at))
        return InboxPage(tuple(found), newest)

    @staticmethod
    def _inbound(tweet: dict[str, Any], users: dict[str, str]) -> Inbound:
        refs = [r for r in tweet.get("referenced_tweets") or [] if isinstance(r, dict)]
        kind, target = "mention", None
        for ref in refs:
            if ref.get("type") == "replied_to":
                kind, target = "reply", ref.get("id")
            elif ref.get("type") == "quoted" and kind == "mention":
                kind, target = "quote", ref.get("id")
        author_id = str(tweet.get("author_id") or "")
        name = users.get(author_id) or author_id or "?"
        tid = str(tweet.get("id"))
        lang = tweet.get("lang")
        return Inbound(
            platform_id=tid,
            kind=kind,
            author=name,
            author_id=author_id or None,
            text=str(tweet.get("text") or ""),
            created_at=parse_time(tweet.get("created_at")),
            url=f"https://x.com/{name}/status/{tid}",
            in_reply_to=str(target) if target else None,
            language=lang if isinstance(lang, str) and lang not in ("und", "zxx") else None,
        )

    def fetch_post_metrics(
        self, account: AccountRef, post_ids: Sequence[str]
    ) -> dict[str, PostMetrics]:
        out: dict[str, PostMetrics] = {}
        for start in range(0, len(post_ids), TWEETS_MAX):
            chunk = list(post_ids[start : start + TWEETS_MAX])
            resp = self.request(  # type: ignore[attr-defined]
                "GET",
                "/2/tweets",
                operation="metrics",
                params={"ids": ",".join(chunk), "tweet.fields": "public_metrics"},
                headers=self._auth(account),  # type: ignore[attr-defined]
            )
            body = json_body(resp) or {}
            for tweet in body.get("data") or []:
                m = tweet.get("public_metrics") if isinstance(tweet, dict) else None
                if isinstance(m, dict):
                    out[str(tweet.get("id"))] = PostMetrics(
                        replies=count(m.get("reply_count")),
                        reposts=count(m.get("retweet_count")),
                        likes=count(m.get("like_count")),
                        quotes=count(m.get("quote_count")),
                        reach=count(m.get("impression_count")),
                        unavailable={}
                        if "impression_count" in m
                        else {"reach": "X gave no impression count for this post"},
                    )
            for err in body.get("errors") or []:
                if not isinstance(err, dict):
                    continue
                pid = str(err.get("resource_id") or err.get("value") or "")
                gone = "not-found" in str(err.get("type")) or "Not Found" in str(err.get("title"))
                if pid in chunk and pid not in out:
                    out[pid] = (
                        PostMetrics(removed=True, unavailable={"removed": str(err.get("detail"))})
                        if gone
                        else PostMetrics(unavailable={"all": str(err.get("detail") or err)})
                    )
        return out

    def fetch_account_metrics(self, account: AccountRef) -> AccountMetrics:
        user_id = account.account_id or self._me(account)  # type: ignore[attr-defined]
        resp = self.request(  # type: ignore[attr-defined]
            "GET",
            f"/2/users/{user_id}",
            operation="followers",
            params={"user.fields": "public_metrics"},
            headers=self._auth(account),  # type: ignore[attr-defined]
        )
        data = (json_body(resp) or {}).get("data") or {}
        followers = count((data.get("public_metrics") or {}).get("followers_count"))
        if followers is None:
            return AccountMetrics(unavailable="X gave no follower count")
        return AccountMetrics(followers=followers)
