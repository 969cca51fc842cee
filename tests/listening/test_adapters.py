"""The listening halves of the adapters, against the documented API shapes (``responses``):
pagination, rate limits and their headroom, "unavailable" metrics, a removed post, answers
threaded where the platform wants them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import responses
from responses import matchers

from launcher import errors
from launcher.adapters.base import AccountRef, OutgoingPost
from launcher.adapters.bluesky import BlueskyAdapter
from launcher.adapters.facebook import FacebookAdapter
from launcher.adapters.mastodon import MastodonAdapter
from launcher.adapters.telegram import TelegramAdapter
from launcher.adapters.x import XAdapter
from tests.adapters.conftest import NOW

MASTO = "https://social.example.org"
MTOKEN = "mastodon-user-token-S3CR3T"
MAUTH = {"Authorization": f"Bearer {MTOKEN}"}
M_ACCOUNT = AccountRef("mastodon", "rome_it", "it", account_id="1093", standby=True)


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


def _status(sid: str, *, reply_to: str | None = None, acct: str = "anna@other.example", **kw):
    return {
        "id": sid,
        "created_at": f"2026-07-01T12:{int(sid) % 60:02d}:00.000Z",
        "in_reply_to_id": reply_to,
        "in_reply_to_account_id": "1093" if reply_to else None,
        "visibility": kw.pop("visibility", "public"),
        "language": kw.pop("language", "it"),
        "url": f"https://other.example/@anna/{sid}",
        "content": kw.pop(
            "content",
            '<p><span class="h-card">@rome_it</span> dov&#39;è il consolato?<br>grazie</p>',
        ),
        "account": {"id": "77", "acct": acct, "username": acct.split("@")[0]},
        **kw,
    }


@pytest.fixture
def masto(monkeypatch: pytest.MonkeyPatch) -> MastodonAdapter:
    monkeypatch.setenv("T_M_TOKEN", MTOKEN)
    a = MastodonAdapter({"base_url": MASTO, "token": "env:T_M_TOKEN"})
    a.clock = lambda: NOW
    return a


# -- Mastodon ------------------------------------------------------------------------------
def test_mastodon_inbox_pages_through_link_headers_since_the_cursor(rsps, masto) -> None:
    """Mentions newer than the cursor, page after page through ``Link: rel="next"``; a
    mention answering our status is a reply; strangers' filtered mentions come too."""
    page2 = f"{MASTO}/api/v1/notifications?max_id=500&since_id=400"
    rsps.get(
        f"{MASTO}/api/v1/notifications",
        json=[
            {"id": "502", "type": "mention", "status": _status("11", reply_to="9001")},
            {
                "id": "501",
                "type": "quote",
                "status": _status("10", quote={"quoted_status": {"id": "9001"}}),
            },
        ],
        headers={
            "Link": f'<{page2}>; rel="next", <{MASTO}/api/v1/notifications?min_id=502>; rel="prev"',
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "240",
        },
        match=[
            matchers.header_matcher(MAUTH),
            matchers.query_param_matcher(
                {"types[]": ["mention", "quote"], "limit": "80", "since_id": "400"}
            ),
        ],
    )
    rsps.get(page2, json=[{"id": "480", "type": "mention", "status": _status("5")}])
    rsps.get(
        f"{MASTO}/api/v1/notifications/requests",
        json=[
            {
                "id": "r1",
                "account": {"acct": "new@x.example"},
                "last_status": _status("12", acct="new@x.example", visibility="direct"),
            }
        ],
    )
    page = masto.fetch_inbox(M_ACCOUNT, "400")
    assert page.cursor == "502"
    kinds = {i.platform_id: (i.kind, i.in_reply_to) for i in page.items}
    assert kinds == {
        "11": ("reply", "9001"),
        "10": ("quote", "9001"),
        "5": ("mention", None),
        "12": ("mention", None),
    }
    first = next(i for i in page.items if i.platform_id == "11")
    assert first.text == "@rome_it dov'è il consolato?\ngrazie"
    assert first.language == "it" and first.author == "anna@other.example"
    assert first.refs == {"mention": "@anna@other.example", "visibility": "public"}
    stranger = next(i for i in page.items if i.platform_id == "12")
    assert stranger.refs["filtered"] == "notification request"
    assert masto.listen_headroom() == pytest.approx(0.8)


def test_mastodon_counts_in_batches_a_missing_status_is_checked_and_removed(rsps, masto) -> None:
    ids = [str(i) for i in range(1, 23)]  # 22: two calls of at most 20
    rsps.get(
        f"{MASTO}/api/v1/statuses",
        json=[
            {
                "id": i,
                "replies_count": 1,
                "reblogs_count": 2,
                "favourites_count": 3,
                "quotes_count": 4,
            }
            for i in ids[:20]
            if i != "7"
        ],
        match=[matchers.query_param_matcher({"id[]": ids[:20]})],
    )
    rsps.get(f"{MASTO}/api/v1/statuses/7", status=404, json={"error": "Record not found"})
    rsps.get(
        f"{MASTO}/api/v1/statuses",
        json=[
            {"id": i, "replies_count": 0, "reblogs_count": 0, "favourites_count": 5}
            for i in ids[20:]
        ],
        match=[matchers.query_param_matcher({"id[]": ids[20:]})],
    )
    got = masto.fetch_post_metrics(M_ACCOUNT, ids)
    assert got["1"].likes == 3 and got["1"].quotes == 4 and got["1"].reach is None
    assert got["1"].unavailable == {"reach": "Mastodon does not count views or reach"}
    assert got["7"].removed and "deleted" in got["7"].unavailable["removed"]
    # an instance before 4.5 has no quotes_count: unavailable with the reason, never 0
    assert got["21"].quotes is None and "before 4.5" in got["21"].unavailable["quotes"]


def test_mastodon_rate_limit_on_a_listening_call_is_typed_with_its_reset(rsps, masto) -> None:
    rsps.get(
        f"{MASTO}/api/v1/notifications",
        status=429,
        json={"error": "Too many requests"},
        headers={
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Reset": "2026-07-01T12:35:00.000000Z",
        },
    )
    with pytest.raises(errors.RateLimited) as info:
        masto.fetch_inbox(M_ACCOUNT, None)
    assert info.value.retry_after == 300.0


def test_mastodon_answer_keeps_the_item_private_and_its_language(rsps, masto) -> None:
    """An answer to a direct mention stays direct; ``language`` is the text's."""
    rsps.post(
        f"{MASTO}/api/v1/statuses",
        json={
            "id": "9100",
            "url": "https://social.example.org/@rome_it/9100",
            "created_at": "2026-07-01T12:31:00.000Z",
        },
        match=[
            matchers.json_params_matcher(
                {
                    "status": "@anna@other.example Grazie.",
                    "visibility": "direct",
                    "language": "en",
                    "in_reply_to_id": "12",
                }
            )
        ],
    )
    post = OutgoingPost(
        key="reply-1-hotline#1/mastodon/it",
        text="@anna@other.example Grazie.",
        locale="it",
        reply_to="12",
        reply_refs={"visibility": "direct", "lang": "en", "mention": "@anna@other.example"},
    )
    assert masto.publish(M_ACCOUNT, post).platform_post_id == "9100"


def test_mastodon_reconciliation_recognises_an_answer_by_its_short_mention(rsps, masto) -> None:
    """The status's HTML shows ``@anna``, the ledger holds ``@anna@other.example``."""
    rsps.get(
        f"{MASTO}/api/v1/accounts/1093/statuses",
        json=[
            {
                "id": "9100",
                "in_reply_to_id": "12",
                "created_at": "2026-07-01T12:31:00.000Z",
                "content": '<p><span class="h-card"><a href="https://other.example/@anna">'
                "@<span>anna</span></a></span> Grazie.</p>",
            }
        ],
    )
    post = OutgoingPost(
        key="reply-1-hotline#1/mastodon/it",
        text="@anna@other.example Grazie.",
        locale="it",
        reply_to="12",
    )
    assert masto.find_published(M_ACCOUNT, post).platform_post_id == "9100"


# -- Bluesky -------------------------------------------------------------------------------
BSKY = "https://pds.example.org/xrpc"
DID = "did:plc:embassyrome0it00000000000"
B_ACCOUNT = AccountRef("bluesky", "rome-it.example.org", "it", account_id=DID, standby=True)


@pytest.fixture
def bsky(monkeypatch: pytest.MonkeyPatch, rsps) -> BlueskyAdapter:
    monkeypatch.setenv("T_B_PW", "bsky-app-password-S3CR3T")
    a = BlueskyAdapter({"base_url": "https://pds.example.org", "password": "env:T_B_PW"})
    a.clock = lambda: NOW
    rsps.post(
        f"{BSKY}/com.atproto.server.createSession",
        json={
            "accessJwt": "acc-S3CR3T",
            "refreshJwt": "ref-S3CR3T",
            "handle": B_ACCOUNT.handle,
            "did": DID,
        },
    )
    return a


def _note(n: int, reason: str, *, at: str, parent: str | None = None) -> dict:
    uri = f"at://did:plc:someone/app.bsky.feed.post/3k{n}"
    record: dict = {
        "$type": "app.bsky.feed.post",
        "text": f"domanda {n}",
        "langs": ["it"],
        "createdAt": at,
    }
    if parent:
        record["reply"] = {
            "root": {"uri": parent, "cid": "root-cid"},
            "parent": {"uri": parent, "cid": "root-cid"},
        }
    return {
        "uri": uri,
        "cid": f"cid{n}",
        "reason": reason,
        "record": record,
        "isRead": False,
        "indexedAt": at,
        "author": {"did": "did:plc:someone", "handle": "luca.bsky.social"},
    }


def test_bluesky_inbox_pages_back_to_the_cursor_with_one_session(rsps, bsky) -> None:
    ours = f"at://{DID}/app.bsky.feed.post/3kour"
    rsps.get(
        f"{BSKY}/app.bsky.notification.listNotifications",
        json={
            "notifications": [
                _note(3, "reply", at="2026-07-01T12:20:00.000Z", parent=ours),
                {
                    "reason": "like",
                    "uri": "at://x/app.bsky.feed.like/1",
                    "cid": "c",
                    "indexedAt": "2026-07-01T12:19:00.000Z",
                    "record": {},
                    "author": {},
                    "isRead": False,
                },
                _note(2, "mention", at="2026-07-01T12:18:00.000Z"),
            ],
            "cursor": "page-2",
        },
        headers={"RateLimit-Limit": "3000", "RateLimit-Remaining": "600"},
        match=[
            matchers.query_param_matcher({"limit": "100", "reasons": ["mention", "reply", "quote"]})
        ],
    )
    rsps.get(
        f"{BSKY}/app.bsky.notification.listNotifications",
        json={
            "notifications": [
                _note(1, "quote", at="2026-07-01T12:10:00.000Z"),
                _note(0, "mention", at="2026-07-01T11:00:00.000Z"),
            ],  # older than the cursor
            "cursor": "page-3",
        },
        match=[
            matchers.query_param_matcher(
                {"limit": "100", "reasons": ["mention", "reply", "quote"], "cursor": "page-2"}
            )
        ],
    )
    page = bsky.fetch_inbox(B_ACCOUNT, "2026-07-01T12:00:00.000Z")
    assert [i.platform_id.rsplit("/", 1)[-1] for i in page.items] == ["3k1", "3k2", "3k3"]
    assert page.cursor == "2026-07-01T12:20:00.000Z"
    reply = page.items[-1]
    assert reply.kind == "reply" and reply.in_reply_to == ours and reply.language == "it"
    assert reply.refs == {
        "parent_uri": reply.platform_id,
        "parent_cid": "cid3",
        "root_uri": ours,
        "root_cid": "root-cid",
    }
    assert bsky.listen_headroom() == pytest.approx(0.2)


def test_bluesky_counts_25_a_call_and_tells_deleted_from_not_shown(rsps, bsky) -> None:
    uris = [f"at://{DID}/app.bsky.feed.post/3k{i:03d}" for i in range(27)]
    views = [
        {"uri": u, "cid": "c", "likeCount": i, "repostCount": 1, "replyCount": 2, "quoteCount": 0}
        for i, u in enumerate(uris)
        if i not in (3, 26)
    ]
    rsps.get(
        f"{BSKY}/app.bsky.feed.getPosts",
        json={"posts": views[:24]},
        match=[matchers.query_param_matcher({"uris": uris[:25]})],
    )
    rsps.get(
        f"{BSKY}/com.atproto.repo.getRecord",
        status=400,
        json={"error": "RecordNotFound", "message": "Could not locate record"},
        match=[
            matchers.query_param_matcher(
                {"repo": DID, "collection": "app.bsky.feed.post", "rkey": "3k003"}
            )
        ],
    )
    rsps.get(
        f"{BSKY}/app.bsky.feed.getPosts",
        json={"posts": views[24:]},
        match=[matchers.query_param_matcher({"uris": uris[25:]})],
    )
    rsps.get(
        f"{BSKY}/com.atproto.repo.getRecord",
        json={"uri": uris[26], "cid": "c", "value": {"text": "still there"}},
    )
    got = bsky.fetch_post_metrics(B_ACCOUNT, uris)
    assert got[uris[5]].likes == 5 and got[uris[5]].replies == 2 and got[uris[5]].reach is None
    assert got[uris[3]].removed
    assert not got[uris[26]].removed and "does not show" in got[uris[26]].unavailable["visibility"]
    assert got[uris[26]].likes is None  # not 0: not measured


def test_bluesky_answer_threads_under_the_item_with_its_strong_refs(rsps, bsky) -> None:
    item = "at://did:plc:someone/app.bsky.feed.post/3k3"
    root = f"at://{DID}/app.bsky.feed.post/3kour"

    def check(request):
        record = json.loads(request.body)["record"]
        assert record["reply"] == {
            "root": {"uri": root, "cid": "root-cid"},
            "parent": {"uri": item, "cid": "cid3"},
        }
        assert record["langs"] == ["en"]
        return 200, {}, json.dumps({"uri": f"at://{DID}/app.bsky.feed.post/3kans", "cid": "a"})

    rsps.add_callback(responses.POST, f"{BSKY}/com.atproto.repo.putRecord", callback=check)
    post = OutgoingPost(
        key="reply-4-hotline#1/bluesky/it",
        text="Thank you for your message.",
        locale="it",
        launch="L",
        reply_to=item,
        reply_refs={
            "parent_uri": item,
            "parent_cid": "cid3",
            "root_uri": root,
            "root_cid": "root-cid",
            "lang": "en",
        },
    )
    assert bsky.publish(B_ACCOUNT, post).platform_post_id.endswith("/3kans")


def test_bluesky_followers_from_the_profile(rsps, bsky) -> None:
    rsps.get(
        f"{BSKY}/app.bsky.actor.getProfile",
        json={"did": DID, "handle": B_ACCOUNT.handle, "followersCount": 42},
        match=[matchers.query_param_matcher({"actor": DID})],
    )
    assert bsky.fetch_account_metrics(B_ACCOUNT).followers == 42


# -- X -------------------------------------------------------------------------------------
XAPI = "https://api.x.com"
X_ACCOUNT = AccountRef("x", "ExampleRomeIT", "it", account_id="2244994945", standby=True)


@pytest.fixture
def xapi(monkeypatch: pytest.MonkeyPatch) -> XAdapter:
    monkeypatch.setenv("T_X", "x-token-S3CR3T")
    a = XAdapter({"access_token": "env:T_X"})
    a.clock = lambda: NOW
    return a


def test_x_mentions_since_id_with_pagination_and_kinds(rsps, xapi) -> None:
    base = {
        "max_results": "100",
        "expansions": "author_id",
        "user.fields": "username",
        "tweet.fields": "created_at,lang,author_id,conversation_id,referenced_tweets",
    }
    rsps.get(
        f"{XAPI}/2/users/2244994945/mentions",
        json={
            "data": [
                {
                    "id": "30",
                    "text": "@ExampleRomeIT aiuto",
                    "author_id": "9",
                    "lang": "it",
                    "created_at": "2026-07-01T12:20:00.000Z",
                    "referenced_tweets": [{"type": "replied_to", "id": "1445880548472328192"}],
                }
            ],
            "includes": {"users": [{"id": "9", "username": "marta"}]},
            "meta": {"newest_id": "30", "oldest_id": "30", "result_count": 1, "next_token": "t2"},
        },
        headers={"x-rate-limit-limit": "450", "x-rate-limit-remaining": "45"},
        match=[matchers.query_param_matcher({**base, "since_id": "20"})],
    )
    rsps.get(
        f"{XAPI}/2/users/2244994945/mentions",
        json={
            "data": [
                {
                    "id": "25",
                    "text": "@ExampleRomeIT look",
                    "author_id": "9",
                    "lang": "und",
                    "referenced_tweets": [{"type": "quoted", "id": "77"}],
                }
            ],
            "meta": {"result_count": 1},
        },
        match=[matchers.query_param_matcher({**base, "since_id": "20", "pagination_token": "t2"})],
    )
    page = xapi.fetch_inbox(X_ACCOUNT, "20")
    assert page.cursor == "30"
    kinds = {(i.platform_id, i.kind, i.in_reply_to, i.language) for i in page.items}
    assert kinds == {("30", "reply", "1445880548472328192", "it"), ("25", "quote", "77", None)}
    assert next(i for i in page.items if i.platform_id == "30").author == "marta"
    assert xapi.listen_headroom() == pytest.approx(0.1)


def test_x_public_metrics_with_impressions_and_a_deleted_post(rsps, xapi) -> None:
    rsps.get(
        f"{XAPI}/2/tweets",
        json={
            "data": [
                {
                    "id": "1",
                    "text": "t",
                    "public_metrics": {
                        "retweet_count": 2,
                        "reply_count": 3,
                        "like_count": 4,
                        "quote_count": 1,
                        "bookmark_count": 0,
                        "impression_count": 950,
                    },
                }
            ],
            "errors": [
                {
                    "value": "2",
                    "detail": "Could not find tweet with ids: [2].",
                    "title": "Not Found Error",
                    "resource_type": "tweet",
                    "parameter": "ids",
                    "resource_id": "2",
                    "type": "https://api.twitter.com/2/problems/resource-not-found",
                }
            ],
        },
        match=[matchers.query_param_matcher({"ids": "1,2", "tweet.fields": "public_metrics"})],
    )
    got = xapi.fetch_post_metrics(X_ACCOUNT, ["1", "2"])
    assert (got["1"].replies, got["1"].reposts, got["1"].likes, got["1"].quotes) == (3, 2, 4, 1)
    assert got["1"].reach == 950 and not got["1"].unavailable
    assert got["2"].removed and "Could not find" in got["2"].unavailable["removed"]


def test_x_followers(rsps, xapi) -> None:
    rsps.get(
        f"{XAPI}/2/users/2244994945",
        json={"data": {"id": "2244994945", "public_metrics": {"followers_count": 1200}}},
        match=[matchers.query_param_matcher({"user.fields": "public_metrics"})],
    )
    assert xapi.fetch_account_metrics(X_ACCOUNT).followers == 1200


# -- Facebook ------------------------------------------------------------------------------
GRAPH = "https://graph.facebook.com/v25.0"
PAGE = "104857600000001"
F_ACCOUNT = AccountRef("facebook", "ExampleRome", "it", account_id=PAGE, standby=True)


@pytest.fixture
def fb(monkeypatch: pytest.MonkeyPatch) -> FacebookAdapter:
    monkeypatch.setenv("T_FB", "fb-page-token-S3CR3T")
    a = FacebookAdapter({"page_token": "env:T_FB", "api_version": "v25.0"})
    a.clock = lambda: NOW
    return a


def test_facebook_comments_of_each_recent_post_since_the_cursor(rsps, fb) -> None:
    rsps.get(
        f"{GRAPH}/{PAGE}_1/comments",
        json={
            "data": [
                {
                    "id": "c2",
                    "message": "E per Modena?",
                    "created_time": "2026-07-01T12:10:00+0000",
                    "from": {"id": "55", "name": "Giulia"},
                    "parent": {"id": "c1"},
                },
                {"id": "c0", "message": "old", "created_time": "2026-07-01T10:00:00+0000"},
            ]
        },
        headers={
            "X-App-Usage": json.dumps({"call_count": 85, "total_time": 10, "total_cputime": 3})
        },
        match=[
            matchers.query_param_matcher(
                {
                    "fields": "id,message,from{id,name},created_time,parent{id},permalink_url",
                    "filter": "stream",
                    "order": "reverse_chronological",
                    "limit": "100",
                    "since": "1782903600",
                }
            )
        ],
    )
    rsps.get(f"{GRAPH}/{PAGE}_2/comments", json={"data": []})
    page = fb.fetch_inbox(F_ACCOUNT, "1782903600", [f"{PAGE}_1", f"{PAGE}_2"])
    assert [(i.platform_id, i.kind, i.in_reply_to, i.author) for i in page.items] == [
        ("c2", "comment", "c1", "Giulia")
    ]
    assert page.cursor == "1782907800"
    assert fb.listen_headroom() == pytest.approx(0.15)


def test_facebook_reach_is_unavailable_below_100_likes_and_a_deleted_post(rsps, fb) -> None:
    rsps.get(f"{GRAPH}/{PAGE}", json={"fan_count": 42, "id": PAGE})
    rsps.get(
        f"{GRAPH}/{PAGE}_1",
        json={
            "comments": {"data": [], "summary": {"total_count": 3}},
            "reactions": {"data": [], "summary": {"total_count": 9}},
        },
    )
    rsps.get(
        f"{GRAPH}/{PAGE}_2",
        status=400,
        json={
            "error": {
                "message": "Unsupported get request. Object with ID '1_2' does not exist",
                "type": "GraphMethodException",
                "code": 100,
                "error_subcode": 33,
            }
        },
    )
    got = fb.fetch_post_metrics(F_ACCOUNT, [f"{PAGE}_1", f"{PAGE}_2"])
    one = got[f"{PAGE}_1"]
    assert (one.replies, one.likes, one.reposts) == (3, 9, 0)  # no shares field: none
    assert one.reach is None and "100 likes" in one.unavailable["reach"]
    assert "this Page has 42" in one.unavailable["reach"]
    assert one.quotes is None and one.unavailable["quotes"] == "Facebook has no quotes"
    assert got[f"{PAGE}_2"].removed


def test_facebook_reach_from_insights_for_a_page_with_enough_likes(rsps, fb) -> None:
    rsps.get(f"{GRAPH}/{PAGE}", json={"fan_count": 5400})
    rsps.get(f"{GRAPH}/{PAGE}_1", json={"shares": {"count": 4}})
    rsps.get(
        f"{GRAPH}/{PAGE}_1/insights",
        json={
            "data": [
                {
                    "name": "post_total_media_view_unique",
                    "period": "lifetime",
                    "values": [{"value": 1830}],
                }
            ]
        },
        match=[matchers.query_param_matcher({"metric": "post_total_media_view_unique"})],
    )
    got = fb.fetch_post_metrics(F_ACCOUNT, [f"{PAGE}_1"])[f"{PAGE}_1"]
    assert got.reach == 1830 and got.reposts == 4 and "reach" not in got.unavailable


def test_facebook_throttling_on_a_listening_call_is_rate_limited(rsps, fb) -> None:
    rsps.get(
        f"{GRAPH}/{PAGE}",
        status=400,
        json={"error": {"message": "(#32) Page request limit reached", "code": 32}},
        headers={
            "X-Business-Use-Case-Usage": json.dumps(
                {PAGE: [{"type": "pages", "estimated_time_to_regain_access": 5}]}
            )
        },
    )
    with pytest.raises(errors.RateLimited) as info:
        fb.fetch_account_metrics(F_ACCOUNT)
    assert info.value.retry_after == 300.0


# -- Telegram ------------------------------------------------------------------------------
def test_telegram_members_counted_everything_else_unavailable_not_zero(
    rsps, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("T_TG", "123456:AAH-telegram-bot-token-S3CR3T")
    tg = TelegramAdapter({"bot_token": "env:T_TG"})
    account = AccountRef("telegram", "exl_rome_it", "it", account_id="@exl_rome_it", standby=True)
    rsps.post(
        "https://api.telegram.org/bot123456:AAH-telegram-bot-token-S3CR3T/getChatMemberCount",
        json={"ok": True, "result": 318},
        match=[matchers.json_params_matcher({"chat_id": "@exl_rome_it"})],
    )
    assert tg.fetch_account_metrics(account).followers == 318
    caps = tg.capabilities.listening
    assert not caps.inbox and not caps.post_metrics and not caps.answers
    assert "Bot API gives no views" in (caps.why("reach") or "")
    assert "discussion group" in (caps.why("inbox") or "")
    with pytest.raises(errors.Unsupported):
        tg.fetch_inbox(account, None)
    with pytest.raises(errors.Unsupported):
        tg.fetch_post_metrics(account, ["5"])


def test_telegram_flood_control_on_the_member_count(rsps, monkeypatch) -> None:
    monkeypatch.setenv("T_TG", "123456:AAH-telegram-bot-token-S3CR3T")
    tg = TelegramAdapter({"bot_token": "env:T_TG"})
    rsps.post(
        "https://api.telegram.org/bot123456:AAH-telegram-bot-token-S3CR3T/getChatMemberCount",
        status=429,
        headers={"Retry-After": "5"},
        json={
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 5",
            "parameters": {"retry_after": 5},
        },
    )
    account = AccountRef("telegram", "exl_rome_it", "it", standby=True)
    with pytest.raises(errors.RateLimited) as info:
        tg.fetch_account_metrics(account)
    assert info.value.retry_after == 5.0


def test_every_adapter_declares_its_listening_or_says_why_not(tmp_path: Path) -> None:
    from launcher.adapters.registry import available

    for name, cls in available().items():
        li = cls.capabilities.listening
        for metric in ("replies", "reposts", "likes", "quotes", "reach"):
            if metric not in li.post_metrics:
                assert li.why(metric), f"{name} does not say why it has no {metric}"
        if not li.inbox:
            assert li.why("inbox"), name


def test_x_rate_limit_on_mentions_waits_for_its_reset(rsps, xapi) -> None:
    reset = int(NOW.timestamp()) + 840
    rsps.get(
        f"{XAPI}/2/users/2244994945/mentions",
        status=429,
        json={
            "title": "Too Many Requests",
            "detail": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
        },
        headers={
            "x-rate-limit-limit": "450",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(reset),
        },
    )
    with pytest.raises(errors.RateLimited) as info:
        xapi.fetch_inbox(X_ACCOUNT, None)
    assert info.value.retry_after == 840.0
