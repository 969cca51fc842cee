"""Contract case: Facebook Pages, Graph API (POST /{page-id}/feed, GET /{page-id}/posts...)."""

from __future__ import annotations

import json
from pathlib import Path

import requests
from responses import matchers

from launcher.adapters.base import AccountRef, OutgoingPost
from launcher.adapters.facebook import FacebookAdapter

from .conftest import Case, Ctx

BASE = "https://graph.facebook.com/v25.0"
TOKEN = "fb-page-token-S3CR3T"
PAGE = "104857600000001"
POST_ID = f"{PAGE}_987654321"
#: the Page token travels as a bearer header, never in the URL (no access_token parameter)
BEARER = matchers.header_matcher({"Authorization": f"Bearer {TOKEN}"})
TOKEN_Q = [BEARER, matchers.query_param_matcher({})]


def build(tmp: Path) -> FacebookAdapter:
    return FacebookAdapter({"page_token": "env:T_FB_TOKEN", "api_version": "v25.0"})


def publish(ctx: Ctx, post: OutgoingPost) -> str:
    url = f"{BASE}/{post.reply_to}/comments" if post.reply_to else f"{BASE}/{PAGE}/feed"
    ctx.rsps.post(
        url,
        json={"id": POST_ID},
        match=[
            *TOKEN_Q,
            matchers.header_matcher({"Content-Type": "application/x-www-form-urlencoded"}),
            matchers.urlencoded_params_matcher({"message": post.text}),
        ],
    )
    return POST_ID


def rate_limited(ctx: Ctx, post: OutgoingPost) -> float:
    usage = json.dumps(
        {
            PAGE: [
                {
                    "type": "pages",
                    "call_count": 100,
                    "total_cputime": 12,
                    "total_time": 20,
                    "estimated_time_to_regain_access": 2,
                }
            ]
        }
    )
    ctx.rsps.post(
        f"{BASE}/{PAGE}/feed",
        status=400,
        json={
            "error": {
                "message": "(#32) Page request limit reached",
                "type": "OAuthException",
                "code": 32,
                "fbtrace_id": "A1",
            }
        },
        headers={"X-Business-Use-Case-Usage": usage},
    )
    publish(ctx, post)
    return 120.0


def lost_answer(ctx: Ctx, post: OutgoingPost) -> str:
    ctx.rsps.post(f"{BASE}/{PAGE}/feed", body=requests.ReadTimeout("read timed out"))
    ctx.rsps.get(
        f"{BASE}/{PAGE}/posts",
        json={
            "data": [
                {"id": POST_ID, "message": post.text, "created_time": "2026-07-01T12:30:00+0000"},
                {"id": f"{PAGE}_1", "message": "older", "created_time": "2026-06-30T08:00:00+0000"},
            ]
        },
        match=[
            BEARER,
            matchers.query_param_matcher({"fields": "id,message,created_time", "limit": "100"}),
        ],
    )
    return POST_ID


def auth_failure(ctx: Ctx, post: OutgoingPost) -> None:
    ctx.rsps.post(
        f"{BASE}/{PAGE}/feed",
        status=400,
        json={
            "error": {
                "message": "Error validating access token: Session has expired",
                "type": "OAuthException",
                "code": 190,
                "error_subcode": 463,
                "fbtrace_id": "A2",
            }
        },
    )


def retract(ctx: Ctx, pid: str) -> None:
    ctx.rsps.delete(f"{BASE}/{pid}", json={"success": True}, match=TOKEN_Q)


def pin(ctx: Ctx, pid: str) -> None:
    ctx.rsps.post(
        f"{BASE}/{pid}",
        json={"success": True},
        match=[*TOKEN_Q, matchers.urlencoded_params_matcher({"is_pinned": "true"})],
    )


def activate(ctx: Ctx) -> None:
    ctx.rsps.post(
        f"{BASE}/{PAGE}",
        json={"success": True},
        match=[
            *TOKEN_Q,
            matchers.urlencoded_params_matcher(
                {"about": "Official crisis information.", "website": "https://example.org"}
            ),
        ],
    )


CASE = Case(
    name="facebook",
    build=build,
    env={"T_FB_TOKEN": TOKEN},
    account=AccountRef(
        platform="facebook", handle="EmbassyRome", locale="it", account_id=PAGE, standby=True
    ),
    publish=publish,
    rate_limited=rate_limited,
    lost_answer=lost_answer,
    auth_failure=auth_failure,
    retract=retract,
    pin=pin,
    activate=activate,
    create_call=("POST", f"/{PAGE}/feed"),
)
