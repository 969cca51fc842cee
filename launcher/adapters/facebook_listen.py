"""Facebook's listening half: comments on the Page's posts, engagement, insights, followers.

- Inbox: comments hang under each post, so the collector passes the Page's recent posts and
  each is read with ``GET /{post-id}/comments`` (``filter=stream``, newest first, ``since``
  the newest comment already collected). A comment on a comment answers that comment.
- Counts: ``GET /{post-id}?fields=shares,comments.summary(true).limit(0),
  reactions.summary(true).limit(0)``: replies (comments), reposts (shares; Facebook leaves the
  field out when there are none), likes (all reactions). Facebook has no quotes.
- Reach: the insight ``post_total_media_view_unique`` (the replacement of the impressions
  metrics Meta removed in 2025). Insights exist only for Pages with 100 likes or more and are
  refreshed about once a day: below the threshold, or before the first refresh, reach is
  "unavailable" with that reason, never 0.
- A post Facebook answers with error 100 / subcode 33 ("does not exist") was deleted.
- Followers: ``GET /{page-id}?fields=followers_count,fan_count``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ..errors import ContentRejected
from .base import AccountMetrics, AccountRef, Inbound, InboxPage, Listening, PostMetrics
from .http import json_body
from .listen_common import RateWatch, count, parse_time

#: insights exist only for Pages with at least this many likes
INSIGHTS_MIN_LIKES = 100
REACH_METRIC = "post_total_media_view_unique"
POST_FIELDS = "shares,comments.summary(true).limit(0),reactions.summary(true).limit(0)"
NO_QUOTES = "Facebook has no quotes"

LISTENING = Listening(
    inbox=("comment",),
    post_metrics=("replies", "reposts", "likes", "reach"),
    followers=True,
    batch=1,
    answers=True,
    unavailable=(("quotes", NO_QUOTES),),
)


class FacebookListening(RateWatch):
    """Mixin of :class:`~launcher.adapters.facebook.FacebookAdapter`."""

    USAGE_HEADER = "X-App-Usage"

    def fetch_inbox(
        self, account: AccountRef, cursor: str | None, posts: Sequence[str] = ()
    ) -> InboxPage:
        since = int(float(cursor)) if cursor else None
        newest = since
        found: list[Inbound] = []
        for post_id in posts:
            params: dict[str, Any] = {
                "fields": "id,message,from{id,name},created_time,parent{id},permalink_url",
                "filter": "stream",
                "order": "reverse_chronological",
                "limit": 100,
            }
            if since is not None:
                params["since"] = since
            resp = self.call(  # type: ignore[attr-defined]
                "GET", f"/{post_id}/comments", account, operation="inbox", params=params
            )
            for c in (json_body(resp) or {}).get("data") or []:
                if not isinstance(c, dict) or not c.get("id"):
                    continue
                created = parse_time(c.get("created_time"))
                stamp = int(created.timestamp()) if created else None
                if since is not None and stamp is not None and stamp <= since:
                    continue
                if stamp is not None and (newest is None or stamp > newest):
                    newest = stamp
                author = c.get("from") if isinstance(c.get("from"), dict) else {}
                parent = c.get("parent") if isinstance(c.get("parent"), dict) else {}
                found.append(
                    Inbound(
                        platform_id=str(c["id"]),
                        kind="comment",
                        author=str(author.get("name") or author.get("id") or "?"),
                        author_id=str(author["id"]) if author.get("id") else None,
                        text=str(c.get("message") or ""),
                        created_at=created,
                        url=c.get("permalink_url")
                        if isinstance(c.get("permalink_url"), str)
                        else None,
                        in_reply_to=str(parent.get("id") or post_id),
                    )
                )
        found.sort(key=lambda i: (i.created_at is None, i.created_at))
        return InboxPage(tuple(found), str(newest) if newest is not None else cursor)

    def fetch_post_metrics(
        self, account: AccountRef, post_ids: Sequence[str]
    ) -> dict[str, PostMetrics]:
        likes = self._page_likes(account)
        out: dict[str, PostMetrics] = {}
        for post_id in post_ids:
            try:
                resp = self.call(  # type: ignore[attr-defined]
                    "GET",
                    f"/{post_id}",
                    account,
                    operation="metrics",
                    params={"fields": POST_FIELDS},
                )
            except ContentRejected as exc:
                if "does not exist" in exc.message or "(#100)" in exc.message:
                    out[post_id] = PostMetrics(removed=True, unavailable={"removed": exc.message})
                    continue
                raise
            body = json_body(resp) or {}
            reach, why = self._reach(account, post_id, likes)
            unavailable = {"quotes": NO_QUOTES}
            if why:
                unavailable["reach"] = why
            out[post_id] = PostMetrics(
                replies=count(
                    ((body.get("comments") or {}).get("summary") or {}).get("total_count")
                ),
                reposts=count((body.get("shares") or {}).get("count")) or 0,
                likes=count(
                    ((body.get("reactions") or {}).get("summary") or {}).get("total_count")
                ),
                reach=reach,
                unavailable=unavailable,
            )
        return out

    def _page_likes(self, account: AccountRef) -> int | None:
        resp = self.call(  # type: ignore[attr-defined]
            "GET",
            f"/{self._page(account)}",  # type: ignore[attr-defined]
            account,
            operation="metrics",
            params={"fields": "fan_count"},
        )
        return count((json_body(resp) or {}).get("fan_count"))

    def _reach(
        self, account: AccountRef, post_id: str, likes: int | None
    ) -> tuple[int | None, str | None]:
        if likes is None or likes < INSIGHTS_MIN_LIKES:
            have = "" if likes is None else f" (this Page has {likes})"
            return None, f"Facebook gives insights only to Pages with 100 likes or more{have}"
        resp = self.call(  # type: ignore[attr-defined]
            "GET",
            f"/{post_id}/insights",
            account,
            operation="metrics",
            params={"metric": REACH_METRIC},
        )
        for entry in (json_body(resp) or {}).get("data") or []:
            values = entry.get("values") if isinstance(entry, dict) else None
            if entry.get("name") == REACH_METRIC and values:
                value = count(values[-1].get("value"))
                if value is not None:
                    return value, None
        return None, "Facebook has no insights for this post yet (they are refreshed daily)"

    def fetch_account_metrics(self, account: AccountRef) -> AccountMetrics:
        resp = self.call(  # type: ignore[attr-defined]
            "GET",
            f"/{self._page(account)}",  # type: ignore[attr-defined]
            account,
            operation="followers",
            params={"fields": "followers_count,fan_count"},
        )
        body = json_body(resp) or {}
        followers = count(body.get("followers_count"))
        if followers is None:
            return AccountMetrics(unavailable="Facebook gave no follower count for the Page")
        return AccountMetrics(followers=followers)
