"""Contract case: Bluesky (AT Protocol XRPC on a PDS), requests as the lexicons document.

Each fresh adapter logs in once (``createSession``); the first request a case registers is
that login. Post ids of the suite ("41", "110001") are bare record keys, which the adapter
reads as posts of the account's own repository.
"""

from __future__ import annotations

from pathlib import Path

import requests
from responses import matchers

from launcher.adapters.base import AccountRef, OutgoingPost
from launcher.adapters.bluesky import BlueskyAdapter, tid_for_key

from .conftest import NOW, Case, Ctx

BASE = "https://pds.example.org"
X = f"{BASE}/xrpc"
DID = "did:plc:embassyrome0it00000000000"
HANDLE = "rome-it.example.org"
PASSWORD = "bsky-app-password-S3CR3T"
ACCESS = "bsky-access-jwt-S3CR3T"
REFRESH = "bsky-refresh-jwt-S3CR3T"
CREATED = NOW.isoformat(timespec="milliseconds").replace("+00:00", "Z")
AUTH = {"Authorization": f"Bearer {ACCESS}"}
LINK = "app.bsky.richtext.facet#link"


def build(tmp: Path) -> BlueskyAdapter:
    return BlueskyAdapter(
        {"base_url": BASE, "handle_domain": ".example.org", "password": "env:T_BSKY_PASSWORD"}
    )


def _uri(rkey: str) -> str:
    return f"at://{DID}/app.bsky.feed.post/{rkey}"


def _login(ctx: Ctx) -> None:
    if ctx.adapter.__dict__.get("_case_logged_in"):
        return
    ctx.adapter.__dict__["_case_logged_in"] = True
    ctx.rsps.post(
        f"{X}/com.atproto.server.createSession",
        json={"accessJwt": ACCESS, "refreshJwt": REFRESH, "handle": HANDLE, "did": DID},
        match=[matchers.json_params_matcher({"identifier": HANDLE, "password": PASSWORD})],
    )


def _record(ctx: Ctx, post: OutgoingPost) -> dict:
    record: dict = {
        "$type": "app.bsky.feed.post",
        "text": post.text,
        "createdAt": CREATED,
        "langs": [post.locale],
    }
    if "https://example.org/q?a=1&b=2" in post.text:
        start = post.text.encode("utf-8").index(b"https://")
        record["facets"] = [
            {
                "index": {"byteStart": start, "byteEnd": start + 29},
                "features": [{"$type": LINK, "uri": "https://example.org/q?a=1&b=2"}],
            }
        ]
    if post.reply_to:
        parent = _uri(post.reply_to)
        ctx.rsps.get(
            f"{X}/com.atproto.repo.getRecord",
            json={"uri": parent, "cid": "parent-cid", "value": {"text": "part 1"}},
            match=[
                matchers.header_matcher(AUTH),
                matchers.query_param_matcher(
                    {"repo": DID, "collection": "app.bsky.feed.post", "rkey": post.reply_to}
                ),
            ],
        )
        ref = {"uri": parent, "cid": "parent-cid"}
        record["reply"] = {"root": ref, "parent": ref}
    return record


def _put(ctx: Ctx, post: OutgoingPost, record: dict, **answer) -> None:
    ctx.rsps.post(
        f"{X}/com.atproto.repo.putRecord",
        match=[
            matchers.header_matcher(AUTH),
            matchers.json_params_matcher(
                {
                    "repo": DID,
                    "collection": "app.bsky.feed.post",
                    "rkey": tid_for_key(post.key),
                    "record": record,
                    "swapRecord": None,
                }
            ),
        ],
        **answer,
    )


def publish(ctx: Ctx, post: OutgoingPost) -> str:
    _login(ctx)
    uri = _uri(tid_for_key(post.key))
    _put(ctx, post, _record(ctx, post), json={"uri": uri, "cid": "post-cid"})
    return uri


def rate_limited(ctx: Ctx, post: OutgoingPost) -> float:
    _login(ctx)
    reset = int(NOW.timestamp()) + 42
    _put(
        ctx,
        post,
        _record(ctx, post),
        status=429,
        json={"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
        headers={
            "RateLimit-Limit": "3000",
            "RateLimit-Remaining": "0",
            "RateLimit-Reset": str(reset),
            "RateLimit-Policy": "3000;w=300",
        },
    )
    publish(ctx, post)
    return 42.0


def lost_answer(ctx: Ctx, post: OutgoingPost) -> str:
    """The write under the post's record key arrives but its answer is lost; the repeat
    (same rkey, swapRecord null) is refused as InvalidSwap and the stored post read back."""
    _login(ctx)
    record = _record(ctx, post)
    rkey = tid_for_key(post.key)
    _put(ctx, post, record, body=requests.ReadTimeout("read timed out"))
    _put(
        ctx,
        post,
        record,
        status=400,
        json={"error": "InvalidSwap", "message": "Record was at post-cid"},
    )
    ctx.rsps.get(
        f"{X}/com.atproto.repo.getRecord",
        json={"uri": _uri(rkey), "cid": "post-cid", "value": record},
        match=[
            matchers.query_param_matcher(
                {"repo": DID, "collection": "app.bsky.feed.post", "rkey": rkey}
            )
        ],
    )
    return _uri(rkey)


def auth_failure(ctx: Ctx, post: OutgoingPost) -> None:
    """The access token is refused, refreshing works, the fresh token is refused too."""
    _login(ctx)
    refused = {"status": 401, "json": {"error": "AuthenticationRequired", "message": "Bad token"}}
    _put(ctx, post, _record(ctx, post), **refused)
    ctx.rsps.post(
        f"{X}/com.atproto.server.refreshSession",
        json={"accessJwt": ACCESS, "refreshJwt": REFRESH, "handle": HANDLE, "did": DID},
        match=[matchers.header_matcher({"Authorization": f"Bearer {REFRESH}"})],
    )
    _put(ctx, post, _record(ctx, post), **refused)


def retract(ctx: Ctx, pid: str) -> None:
    _login(ctx)
    ctx.rsps.post(
        f"{X}/com.atproto.repo.deleteRecord",
        json={"commit": {"cid": "commit-cid", "rev": "rev"}},
        match=[
            matchers.header_matcher(AUTH),
            matchers.json_params_matcher(
                {"repo": DID, "collection": "app.bsky.feed.post", "rkey": pid}
            ),
        ],
    )


def _profile(ctx: Ctx, record: dict, *, current: dict | None) -> None:
    ctx.rsps.get(
        f"{X}/com.atproto.repo.getRecord",
        **(
            {"json": {"uri": "profile-uri", "cid": "profile-cid", "value": current}}
            if current is not None
            else {"status": 400, "json": {"error": "RecordNotFound", "message": "not found"}}
        ),
        match=[
            matchers.query_param_matcher(
                {"repo": DID, "collection": "app.bsky.actor.profile", "rkey": "self"}
            )
        ],
    )
    ctx.rsps.post(
        f"{X}/com.atproto.repo.putRecord",
        json={"uri": "profile-uri", "cid": "profile-cid-2"},
        match=[
            matchers.header_matcher(AUTH),
            matchers.json_params_matcher(
                {
                    "repo": DID,
                    "collection": "app.bsky.actor.profile",
                    "rkey": "self",
                    "record": record,
                    "swapRecord": "profile-cid" if current is not None else None,
                }
            ),
        ],
    )


def pin(ctx: Ctx, pid: str) -> None:
    _login(ctx)
    ctx.rsps.get(  # the post's cid, for the strong reference
        f"{X}/com.atproto.repo.getRecord",
        json={"uri": _uri(pid), "cid": "post-cid", "value": {"text": "pinned"}},
        match=[
            matchers.query_param_matcher(
                {"repo": DID, "collection": "app.bsky.feed.post", "rkey": pid}
            )
        ],
    )
    current = {"$type": "app.bsky.actor.profile", "displayName": "Embassy Rome"}
    _profile(
        ctx,
        {**current, "createdAt": CREATED, "pinnedPost": {"uri": _uri(pid), "cid": "post-cid"}},
        current=current,
    )


def activate(ctx: Ctx) -> None:
    _login(ctx)
    _profile(
        ctx,
        {
            "$type": "app.bsky.actor.profile",
            "createdAt": CREATED,
            "displayName": "Embassy Rome",
            "description": "Official crisis information.",
            "website": "https://example.org",
        },
        current=None,
    )


CASE = Case(
    name="bluesky",
    build=build,
    env={"T_BSKY_PASSWORD": PASSWORD},
    account=AccountRef(
        platform="bluesky", handle=HANDLE, locale="it", account_id=DID, standby=True
    ),
    publish=publish,
    rate_limited=rate_limited,
    lost_answer=lost_answer,
    auth_failure=auth_failure,
    retract=retract,
    pin=pin,
    activate=activate,
    create_call=("POST", "/com.atproto.repo.putRecord"),
    extra={"creates_on_lost_answer": 2},
)
