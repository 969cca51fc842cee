"""Bluesky's listening half: notifications, post counts and followers, through the PDS.

Calls go to the account's PDS with its cached session (``createSession`` is limited to 30 per
5 minutes: sessions are reused, refreshed on expiry, never created per call); the PDS proxies
``app.bsky.*`` to its AppView, as the official clients do.

- Inbox: ``app.bsky.notification.listNotifications`` (≤ 100 a page, ``reasons`` mention, reply,
  quote), newest first, paged with ``cursor`` back to the newest one already collected (the
  stored cursor is its ``indexedAt``). An item carries the strong refs an answer needs:
  ``parent`` is the item itself, ``root`` its own thread root (the item when it starts one).
- Post counts: ``app.bsky.feed.getPosts``, at most 25 URIs a call (``likeCount``,
  ``repostCount``, ``replyCount``, ``quoteCount``). A post the AppView does not return is
  looked up in the account's repository: gone there means deleted (``removed``); still there
  means the AppView does not show it (not indexed yet, or hidden by moderation): its counts are
  then "unavailable" with that reason, never 0. Bluesky counts no views: reach is unavailable.
- Followers: ``app.bsky.actor.getProfile`` ``followersCount``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .base import AccountMetrics, AccountRef, Inbound, InboxPage, Listening, PostMetrics
from .bluesky_xrpc import POST, parse_at_uri
from .listen_common import MAX_INBOX_PAGES, RateWatch, count, parse_time

KINDS = ("mention", "reply", "quote")
#: app.bsky.feed.getPosts takes at most 25 URIs (lexicon ``maxLength``)
GET_POSTS_MAX = 25

LISTENING = Listening(
    inbox=KINDS,
    post_metrics=("replies", "reposts", "likes", "quotes"),
    followers=True,
    batch=GET_POSTS_MAX,
    answers=True,
    unavailable=(("reach", "Bluesky does not count views or reach"),),
)


class BlueskyListening(RateWatch):
    """Mixin of :class:`~launcher.adapters.bluesky.BlueskyAdapter` (an ``XrpcClient``)."""

    RATE_HEADERS = ("RateLimit-Remaining", "RateLimit-Limit")

    def fetch_inbox(
        self, account: AccountRef, cursor: str | None, posts: Sequence[str] = ()
    ) -> InboxPage:
        found: list[Inbound] = []
        newest = cursor
        page: str | None = None
        for _ in range(MAX_INBOX_PAGES):
            params: dict[str, Any] = {"limit": 100, "reasons": list(KINDS)}
            if page:
                params["cursor"] = page
            body = self._xrpc(  # type: ignore[attr-defined]
                account,
                "GET",
                "app.bsky.notification.listNotifications",
                operation="inbox",
                params=params,
            )
            notes = [n for n in body.get("notifications") or [] if isinstance(n, dict)]
            older = False
            for note in notes:
                at = str(note.get("indexedAt") or "")
                if cursor and at and at < cursor:
                    older = True  # reached what an earlier pass collected
                    break
                if newest is None or at > newest:
                    newest = at
                item = self._inbound(note)
                if item is not None:
                    found.append(item)
            page = body.get("cursor")
            if older or not notes or not page:
                break
        found.reverse()  # oldest first
        return InboxPage(tuple(found), newest)

    def _inbound(self, note: dict[str, Any]) -> Inbound | None:
        reason = note.get("reason")
        uri, cid = note.get("uri"), note.get("cid")
        if reason not in KINDS or not isinstance(uri, str) or not isinstance(cid, str):
            return None
        record = note.get("record") if isinstance(note.get("record"), dict) else {}
        author = note.get("author") if isinstance(note.get("author"), dict) else {}
        reply = record.get("reply") if isinstance(record.get("reply"), dict) else {}
        root = reply.get("root") if isinstance(reply.get("root"), dict) else {}
        parent = reply.get("parent") if isinstance(reply.get("parent"), dict) else {}
        embed = record.get("embed") if isinstance(record.get("embed"), dict) else {}
        quoted = embed.get("record") if isinstance(embed.get("record"), dict) else {}
        if isinstance(quoted.get("record"), dict):  # recordWithMedia wraps the strong ref
            quoted = quoted["record"]
        langs = record.get("langs") if isinstance(record.get("langs"), list) else []
        handle = str(author.get("handle") or author.get("did") or "?")
        web = str(self.settings.get("web_url", "https://bsky.app") or "").rstrip("/")  # type: ignore[attr-defined]
        in_reply_to = parent.get("uri") if reason == "reply" else None
        if reason == "quote":
            in_reply_to = quoted.get("uri")
        elif reason == "mention" and parent.get("uri"):
            in_reply_to = parent.get("uri")
        return Inbound(
            platform_id=uri,
            kind=str(reason),
            author=handle,
            author_id=str(author.get("did")) if author.get("did") else None,
            text=str(record.get("text") or ""),
            created_at=parse_time(record.get("createdAt")) or parse_time(note.get("indexedAt")),
            url=f"{web}/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}" if web else None,
            in_reply_to=str(in_reply_to) if in_reply_to else None,
            language=str(langs[0]) if langs and isinstance(langs[0], str) else None,
            refs={
                "parent_uri": uri,
                "parent_cid": cid,
                "root_uri": str(root.get("uri") or uri),
                "root_cid": str(root.get("cid") or cid),
            },
        )

    def fetch_post_metrics(
        self, account: AccountRef, post_ids: Sequence[str]
    ) -> dict[str, PostMetrics]:
        uris = [self._post_uri(account, p) for p in post_ids]  # type: ignore[attr-defined]
        by_uri = dict(zip(uris, post_ids, strict=True))
        out: dict[str, PostMetrics] = {}
        for start in range(0, len(uris), GET_POSTS_MAX):
            chunk = uris[start : start + GET_POSTS_MAX]
            body = self._xrpc(  # type: ignore[attr-defined]
                account,
                "GET",
                "app.bsky.feed.getPosts",
                operation="metrics",
                params={"uris": chunk},
            )
            for view in body.get("posts") or []:
                if isinstance(view, dict) and view.get("uri") in by_uri:
                    out[by_uri[view["uri"]]] = PostMetrics(
                        replies=count(view.get("replyCount")),
                        reposts=count(view.get("repostCount")),
                        likes=count(view.get("likeCount")),
                        quotes=count(view.get("quoteCount")),
                        unavailable={"reach": "Bluesky does not count views or reach"},
                    )
            for uri in chunk:
                if by_uri[uri] not in out:
                    out[by_uri[uri]] = self._not_shown(account, uri)
        return out

    def _not_shown(self, account: AccountRef, uri: str) -> PostMetrics:
        """The AppView did not return the post: deleted, or not shown (yet)?"""
        did, collection, rkey = parse_at_uri(uri)
        got = self._get_record(account, did, collection or POST, rkey, operation="metrics")  # type: ignore[attr-defined]
        if got is None:
            return PostMetrics(
                removed=True, unavailable={"removed": "deleted from the account's repository"}
            )
        why = "the AppView does not show this post (not indexed yet, or hidden by moderation)"
        return PostMetrics(unavailable={"visibility": why})

    def fetch_account_metrics(self, account: AccountRef) -> AccountMetrics:
        session = self._session(account)  # type: ignore[attr-defined]
        body = self._xrpc(  # type: ignore[attr-defined]
            account,
            "GET",
            "app.bsky.actor.getProfile",
            operation="followers",
            params={"actor": session.did},
        )
        followers = count(body.get("followersCount"))
        if followers is None:
            return AccountMetrics(unavailable="the AppView gave no follower count")
        return AccountMetrics(followers=followers)
