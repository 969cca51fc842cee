"""Contract case: X API v2 (POST /2/tweets, GET /2/users/{id}/tweets, DELETE /2/tweets/{id})."""

from __future__ import annotations

from pathlib import Path

import requests
from responses import matchers

from launcher.adapters.base import AccountRef, OutgoingPost
from launcher.adapters.x import XAdapter

from .conftest import NOW, Case, Ctx

BASE = "https://api.x.com"
TOKEN = "x-oauth2-user-token-S3CR3T"
AUTH = {"Authorization": f"Bearer {TOKEN}"}
USER_ID = "2244994945"


def build(tmp: Path) -> XAdapter:
    return XAdapter({"access_token": "env:T_X_TOKEN"})


def tweet_body(post: OutgoingPost) -> dict:
    body: dict = {"text": post.text}
    if post.reply_to:
        body["reply"] = {"in_reply_to_tweet_id": post.reply_to}
    return body


def publish(ctx: Ctx, post: OutgoingPost) -> str:
    ctx.rsps.post(
        f"{BASE}/2/tweets",
        status=201,
        json={
            "data": {"id": "1445880548472328192", "text": post.text, "edit_history_post_ids": []}
        },
        match=[
            matchers.header_matcher({**AUTH, "Content-Type": "application/json"}),
            matchers.json_params_matcher(tweet_body(post)),
        ],
    )
    return "1445880548472328192"


def rate_limited(ctx: Ctx, post: OutgoingPost) -> float:
    ctx.rsps.post(
        f"{BASE}/2/tweets",
        status=429,
        json={
            "title": "Too Many Requests",
            "detail": "Too Many Requests",
            "type": "about:blank",
            "status": 429,
        },
        headers={
            "x-rate-limit-limit": "100",
            "x-rate-limit-remaining": "0",
            "x-rate-limit-reset": str(int(NOW.timestamp()) + 17),
        },
    )
    publish(ctx, post)
    return 17.0


def lost_answer(ctx: Ctx, post: OutgoingPost) -> str:
    ctx.rsps.post(f"{BASE}/2/tweets", body=requests.ReadTimeout("read timed out"))
    # reconciliation: the account's recent posts, links t.co-wrapped and & escaped as X does
    shown = post.text.replace("https://example.org/q?a=1&b=2", "https://t.co/AbCdEf123").replace(
        "&", "&amp;"
    )
    ctx.rsps.get(
        f"{BASE}/2/users/{USER_ID}/tweets",
        json={
            "data": [
                {"id": "1", "text": "an older post", "created_at": "2026-07-01T10:00:00.000Z"},
                {
                    "id": "1445880548472328192",
                    "text": shown,
                    "created_at": "2026-07-01T12:29:59.000Z",
                },
            ],
            "meta": {"result_count": 2},
        },
        match=[
            matchers.header_matcher(AUTH),
            matchers.query_param_matcher(
                {"max_results": "100", "tweet.fields": "created_at,referenced_tweets"}
            ),
        ],
    )
    return "1445880548472328192"


def auth_failure(ctx: Ctx, post: OutgoingPost) -> None:
    ctx.rsps.post(
        f"{BASE}/2/tweets",
        status=401,
        json={
            "title": "Unauthorized",
            "type": "about:blank",
            "status": 401,
            "detail": "Unauthorized",
        },
    )


def retract(ctx: Ctx, pid: str) -> None:
    ctx.rsps.delete(
        f"{BASE}/2/tweets/{pid}",
        json={"data": {"deleted": True}},
        match=[matchers.header_matcher(AUTH)],
    )


CASE = Case(
    name="x",
    build=build,
    env={"T_X_TOKEN": TOKEN},
    account=AccountRef(
        platform="x", handle="EmbassyRome", locale="it", account_id=USER_ID, standby=True
    ),
    publish=publish,
    rate_limited=rate_limited,
    lost_answer=lost_answer,
    auth_failure=auth_failure,
    retract=retract,
    pin=None,
    activate=lambda ctx: None,  # nothing to call: the profile is a checklist
    create_call=("POST", "/2/tweets"),
)
