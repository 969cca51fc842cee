"""Contract case: Mastodon, as https://docs.joinmastodon.org/methods/statuses/ documents."""

from __future__ import annotations

from pathlib import Path

import requests
from responses import matchers

from launcher.adapters.base import AccountRef, OutgoingPost
from launcher.adapters.mastodon import MastodonAdapter

from .conftest import Case, Ctx

BASE = "https://social.example.org"
TOKEN = "mastodon-user-token-S3CR3T"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


def build(tmp: Path) -> MastodonAdapter:
    return MastodonAdapter(
        {"base_url": BASE, "token": "env:T_MASTODON_TOKEN", "data_dir": str(tmp)}
    )


def status_body(post: OutgoingPost) -> dict:
    body = {"status": post.text, "visibility": "public", "language": post.locale}
    if post.reply_to:
        body["in_reply_to_id"] = post.reply_to
    return body


def _status(sid: str, post: OutgoingPost) -> dict:
    return {
        "id": sid,
        "url": f"{BASE}/@rome_it/{sid}",
        "created_at": "2026-07-01T12:30:00.000Z",
        "content": f"<p>{post.text}</p>",
        "in_reply_to_id": post.reply_to,
    }


def publish(ctx: Ctx, post: OutgoingPost) -> str:
    key = MastodonAdapter.idempotency_key(post)
    ctx.rsps.post(
        f"{BASE}/api/v1/statuses",
        json=_status("110001", post),
        match=[
            matchers.header_matcher(
                {**AUTH, "Idempotency-Key": key, "Content-Type": "application/json"}
            ),
            matchers.json_params_matcher(status_body(post)),
        ],
    )
    return "110001"


def rate_limited(ctx: Ctx, post: OutgoingPost) -> float:
    ctx.rsps.post(
        f"{BASE}/api/v1/statuses",
        status=429,
        json={"error": "Too many requests"},
        headers={
            "X-RateLimit-Limit": "300",
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset": "2026-07-01T12:30:42.000000Z",
        },
    )
    publish(ctx, post)
    return 42.0


def lost_answer(ctx: Ctx, post: OutgoingPost) -> str:
    key = MastodonAdapter.idempotency_key(post)
    same_key = matchers.header_matcher({"Idempotency-Key": key})
    ctx.rsps.post(
        f"{BASE}/api/v1/statuses", body=requests.ReadTimeout("read timed out"), match=[same_key]
    )
    # the repeat carries the same key: Mastodon answers with the original status
    ctx.rsps.post(f"{BASE}/api/v1/statuses", json=_status("110001", post), match=[same_key])
    return "110001"


def auth_failure(ctx: Ctx, post: OutgoingPost) -> None:
    ctx.rsps.post(
        f"{BASE}/api/v1/statuses", status=401, json={"error": "The access token is invalid"}
    )


def retract(ctx: Ctx, pid: str) -> None:
    ctx.rsps.delete(
        f"{BASE}/api/v1/statuses/{pid}", json={"id": pid}, match=[matchers.header_matcher(AUTH)]
    )


def pin(ctx: Ctx, pid: str) -> None:
    ctx.rsps.post(
        f"{BASE}/api/v1/statuses/{pid}/pin",
        json={"id": pid, "pinned": True},
        match=[matchers.header_matcher(AUTH)],
    )


def activate(ctx: Ctx) -> None:
    ctx.rsps.patch(
        f"{BASE}/api/v1/accounts/update_credentials",
        json={"id": "1093"},
        match=[
            matchers.header_matcher(AUTH),
            matchers.urlencoded_params_matcher(
                {
                    "display_name": "Embassy Rome",
                    "note": "Official crisis information.",
                    "fields_attributes[0][name]": "Website",
                    "fields_attributes[0][value]": "https://example.org",
                }
            ),
        ],
    )


CASE = Case(
    name="mastodon",
    build=build,
    env={"T_MASTODON_TOKEN": TOKEN},
    account=AccountRef(
        platform="mastodon", handle="rome_it", locale="it", account_id="1093", standby=True
    ),
    publish=publish,
    rate_limited=rate_limited,
    lost_answer=lost_answer,
    auth_failure=auth_failure,
    retract=retract,
    pin=pin,
    activate=activate,
    create_call=("POST", "/api/v1/statuses"),
    extra={"creates_on_lost_answer": 2},
)
