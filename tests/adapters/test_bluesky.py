"""Bluesky adapter: request shapes, sessions, error mapping and facets, with ``responses``.

The real-server counterpart is ``tests/integration/test_bluesky_pds.py``.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

import pytest
import regex
import requests
import responses
from responses import matchers

from launcher.adapters.base import AccountRef, OutgoingPost, ProfileUpdate, Published
from launcher.adapters.bluesky import BlueskyAdapter, lang_tag, parse_at_uri, tid_for_key
from launcher.adapters.facets import detect_facets, facet_text
from launcher.errors import (
    AuthFailed,
    ConfigError,
    ContentRejected,
    PermanentError,
    RateLimited,
    TransientError,
)

BASE = "https://pds.example.org"
X = f"{BASE}/xrpc"
NOW = datetime(2026, 7, 1, 12, 30, 0, tzinfo=UTC)
CREATED = "2026-07-01T12:30:00.000Z"
DID = "did:plc:rome4it7embassy0000000000"
HANDLE = "rome-it.example.org"
PASSWORD = "app-pass-S3CR3T-bsky"
ACCESS = "access-jwt-S3CR3T-1"
REFRESH = "refresh-jwt-S3CR3T-1"
ACCESS2 = "access-jwt-S3CR3T-2"
REFRESH2 = "refresh-jwt-S3CR3T-2"
TID_RE = regex.compile(r"^[234567abcdefghij][234567abcdefghijklmnopqrstuvwxyz]{12}$")

LINK = "app.bsky.richtext.facet#link"
MENTION = "app.bsky.richtext.facet#mention"
TAG = "app.bsky.richtext.facet#tag"


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


@pytest.fixture
def adapter(monkeypatch: pytest.MonkeyPatch) -> BlueskyAdapter:
    monkeypatch.setenv("T_BSKY_PASSWORD", PASSWORD)
    monkeypatch.setenv("T_BSKY_INVITE", "invite-S3CR3T")
    a = BlueskyAdapter(
        {
            "base_url": BASE,
            "handle_domain": ".example.org",
            "password": "env:T_BSKY_PASSWORD",
            "email_domain": "mail.example.org",
        }
    )
    a.clock = lambda: NOW
    return a


ACCOUNT = AccountRef(platform="bluesky", handle="rome-it", locale="it", account_id=DID)


def bearer(token: str) -> Any:
    return matchers.header_matcher({"Authorization": f"Bearer {token}"})


def login(rsps: responses.RequestsMock, access: str = ACCESS, refresh: str = REFRESH) -> None:
    rsps.post(
        f"{X}/com.atproto.server.createSession",
        json={"accessJwt": access, "refreshJwt": refresh, "handle": HANDLE, "did": DID},
        match=[matchers.json_params_matcher({"identifier": HANDLE, "password": PASSWORD})],
    )


def uri(rkey: str) -> str:
    return f"at://{DID}/app.bsky.feed.post/{rkey}"


def put_post(
    rsps: responses.RequestsMock,
    post: OutgoingPost,
    *,
    token: str = ACCESS,
    record: dict[str, Any] | None = None,
    **answer: Any,
) -> None:
    rkey = tid_for_key(post.key)
    record = record or {
        "$type": "app.bsky.feed.post",
        "text": post.text,
        "createdAt": CREATED,
        "langs": [lang_tag(post.locale)],
    }
    if not answer:
        answer = {"json": {"uri": uri(rkey), "cid": "bafy-post-cid"}}
    rsps.post(
        f"{X}/com.atproto.repo.putRecord",
        match=[
            bearer(token),
            matchers.json_params_matcher(
                {
                    "repo": DID,
                    "collection": "app.bsky.feed.post",
                    "rkey": rkey,
                    "record": record,
                    "swapRecord": None,
                }
            ),
        ],
        **answer,
    )


def plain(key: str = "launch-1/alert/0/1", text: str = "Shelters open.", **kw: Any):
    return OutgoingPost(key=key, text=text, locale=kw.pop("locale", "it"), **kw)


# -- record keys -------------------------------------------------------------------------------


def test_tid_is_valid_deterministic_and_in_the_past():
    """Same key → same TID; a valid TID whose time lies in 2023-2024, never in the future."""
    a, b = tid_for_key("launch-1/alert/0/1"), tid_for_key("launch-1/alert/0/2")
    assert a == tid_for_key("launch-1/alert/0/1") and a != b
    for tid in (a, b, tid_for_key(""), tid_for_key("ภาษาไทย/日本語")):
        assert TID_RE.match(tid), tid
        n = 0
        for ch in tid:
            n = n * 32 + "234567abcdefghijklmnopqrstuvwxyz".index(ch)
        when = datetime.fromtimestamp((n >> 10) / 1_000_000, UTC)
        assert datetime(2023, 1, 1, tzinfo=UTC) <= when < datetime(2024, 3, 1, tzinfo=UTC)


def test_parse_at_uri_and_lang_tag():
    assert parse_at_uri(uri("3kabc")) == (DID, "app.bsky.feed.post", "3kabc")
    with pytest.raises(PermanentError):
        parse_at_uri("https://bsky.app/profile/x/post/y")
    assert [lang_tag(x) for x in ("it", "pt_BR", "zh_Hant", "sr_RS@latin")] == [
        "it",
        "pt-BR",
        "zh-Hant",
        "sr-RS",
    ]


# -- publish -----------------------------------------------------------------------------------


def test_publish_request_shape_with_facets_and_langs(rsps, adapter):
    """createSession, resolveHandle for the mention, then putRecord with rkey and facets."""
    text = "Terremoto #Roma: chiedi a @help.example.org o https://example.org/it."
    post = plain(text=text)
    login(rsps)
    rsps.get(
        f"{X}/com.atproto.identity.resolveHandle",
        json={"did": "did:plc:help"},
        match=[matchers.query_param_matcher({"handle": "help.example.org"})],
    )
    record = {
        "$type": "app.bsky.feed.post",
        "text": text,
        "createdAt": CREATED,
        "langs": ["it"],
        "facets": [
            {
                "index": {"byteStart": 10, "byteEnd": 15},
                "features": [{"$type": TAG, "tag": "Roma"}],
            },
            {
                "index": {"byteStart": 26, "byteEnd": 43},
                "features": [{"$type": MENTION, "did": "did:plc:help"}],
            },
            {
                "index": {"byteStart": 46, "byteEnd": 68},
                "features": [{"$type": LINK, "uri": "https://example.org/it"}],
            },
        ],
    }
    put_post(rsps, post, record=record)
    published = adapter.publish(ACCOUNT, post)
    rkey = tid_for_key(post.key)
    assert published == Published(
        platform_post_id=uri(rkey),
        url=f"https://bsky.app/profile/{HANDLE}/post/{rkey}",
        published_at=NOW,
        extra={
            "uri": uri(rkey),
            "cid": "bafy-post-cid",
            "root_uri": uri(rkey),
            "root_cid": "bafy-post-cid",
        },
    )
    sent = json.loads(rsps.calls[-1].request.body)
    assert sent["record"]["facets"] == record["facets"]


def test_one_session_for_many_posts(rsps, adapter):
    login(rsps)
    posts = [plain(key=f"k/{i}", text=f"part {i}") for i in range(3)]
    for p in posts:
        put_post(rsps, p)
    for p in posts:
        adapter.publish(ACCOUNT, p)
    logins = [c for c in rsps.calls if c.request.url.endswith("createSession")]
    assert len(logins) == 1


def test_expired_token_is_refreshed_and_the_call_repeated(rsps, adapter):
    """400 ExpiredToken → refreshSession with the *refresh* JWT → the same write again."""
    post = plain()
    login(rsps)
    put_post(
        rsps,
        post,
        status=400,
        json={"error": "ExpiredToken", "message": "Token has expired"},
    )
    rsps.post(
        f"{X}/com.atproto.server.refreshSession",
        json={"accessJwt": ACCESS2, "refreshJwt": REFRESH2, "handle": HANDLE, "did": DID},
        match=[bearer(REFRESH)],
    )
    put_post(rsps, post, token=ACCESS2)
    assert adapter.publish(ACCOUNT, post).platform_post_id == uri(tid_for_key(post.key))
    put_post(rsps, plain(key="next"), token=ACCESS2)  # the new session is kept
    adapter.publish(ACCOUNT, plain(key="next"))


def test_revoked_refresh_token_logs_in_again(rsps, adapter):
    post = plain()
    login(rsps)
    put_post(rsps, post, status=401, json={"error": "AuthenticationRequired", "message": "x"})
    rsps.post(
        f"{X}/com.atproto.server.refreshSession",
        status=400,
        json={"error": "ExpiredToken", "message": "Token has been revoked"},
        match=[bearer(REFRESH)],
    )
    login(rsps, access=ACCESS2, refresh=REFRESH2)
    put_post(rsps, post, token=ACCESS2)
    adapter.publish(ACCOUNT, post)


def test_auth_failed_when_a_fresh_token_is_refused_too(rsps, adapter):
    post = plain()
    login(rsps)
    put_post(rsps, post, status=401, json={"error": "AuthenticationRequired", "message": "no"})
    rsps.post(
        f"{X}/com.atproto.server.refreshSession",
        json={"accessJwt": ACCESS2, "refreshJwt": REFRESH2, "handle": HANDLE, "did": DID},
    )
    put_post(rsps, post, token=ACCESS2, status=401, json={"error": "AuthenticationRequired"})
    with pytest.raises(AuthFailed) as info:
        adapter.publish(ACCOUNT, post)
    assert not info.value.retryable


def test_wrong_password_is_auth_failed_and_never_echoed(rsps, adapter, caplog):
    caplog.set_level(logging.DEBUG)
    rsps.post(
        f"{X}/com.atproto.server.createSession",
        status=401,
        json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
    )
    with pytest.raises(AuthFailed) as info:
        adapter.publish(ACCOUNT, plain())
    text = f"{info.value} {info.value!r} {adapter!r} {caplog.text}"
    assert "Invalid identifier or password" in str(info.value)
    assert PASSWORD not in text


def test_tokens_never_in_logs_or_errors(rsps, adapter, caplog):
    caplog.set_level(logging.DEBUG)
    post = plain()
    login(rsps)
    put_post(rsps, post, status=400, json={"error": "InvalidRequest", "message": "bad record"})
    with pytest.raises(ContentRejected) as info:
        adapter.publish(ACCOUNT, post)
    text = f"{info.value} {info.value!r} {adapter!r} {caplog.text}"
    for secret in (PASSWORD, ACCESS, REFRESH):
        assert secret not in text


# (status, headers, body, exception, retry_after, message)
ERRORS = [
    (429, {"RateLimit-Limit": "3000", "RateLimit-Remaining": "0",
           "RateLimit-Reset": str(int(NOW.timestamp()) + 42), "RateLimit-Policy": "3000;w=300"},
     {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"}, RateLimited, 42.0,
     "RateLimitExceeded: Rate Limit Exceeded"),
    (429, {"Retry-After": "7", "RateLimit-Reset": str(int(NOW.timestamp()) + 99)},
     {"error": "RateLimitExceeded"}, RateLimited, 7.0, "RateLimitExceeded"),
    (400, {}, {"error": "InvalidRequest",
               "message": "Invalid app.bsky.feed.post record: grapheme too big (maximum 300, "
                          "got 301) at $.record.text"}, ContentRejected, None,
     "Invalid app.bsky.feed.post record: grapheme too big (maximum 300, got 301) at $.record.text"),
    (413, {}, {"error": "PayloadTooLarge", "message": "request entity too large"},
     ContentRejected, None, "PayloadTooLarge: request entity too large"),
    (403, {}, {"error": "Forbidden", "message": "account takendown"}, AuthFailed, None,
     "Forbidden: account takendown"),
    (500, {"RateLimit-Reset": str(int(NOW.timestamp()) + 250)},
     {"error": "InternalServerError", "message": "Internal Server Error"},
     TransientError, None, "InternalServerError: Internal Server Error"),
    (502, {"Content-Type": "text/html"}, "<html>Bad Gateway</html>", TransientError, None,
     "HTTP 502 Bad Gateway"),
    (503, {"Retry-After": "30"}, {"error": "NotEnoughResources"}, TransientError, 30.0,
     "NotEnoughResources"),
    (501, {}, {"error": "MethodNotImplemented", "message": "Method Not Implemented"},
     PermanentError, None, "MethodNotImplemented: Method Not Implemented"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "headers", "body", "exc", "retry_after", "message"),
    ERRORS,
    ids=[f"{e[0]}-{e[3].__name__}" for e in ERRORS],
)
def test_error_table(rsps, adapter, status, headers, body, exc, retry_after, message):
    post = plain()
    login(rsps)
    answer = {"json": body} if isinstance(body, dict) else {"body": body}
    put_post(rsps, post, status=status, headers=headers, **answer)
    with pytest.raises(exc) as info:
        adapter.publish(ACCOUNT, post)
    err = info.value
    assert type(err) is exc
    assert err.message == message
    assert err.status == status and err.platform == "bluesky" and err.operation == "publish"
    assert getattr(err, "retry_after", None) == retry_after
    if isinstance(err, TransientError) and not isinstance(err, RateLimited):
        assert err.maybe_sent  # a 5xx after a write may have been applied: same rkey on retry


def test_lost_answer_then_retry_returns_the_stored_post(rsps, adapter):
    """ReadTimeout → maybe_sent; the retry's putRecord says InvalidSwap; the post is read back."""
    post = plain()
    rkey = tid_for_key(post.key)
    login(rsps)
    put_post(rsps, post, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(TransientError) as info:
        adapter.publish(ACCOUNT, post)
    assert info.value.maybe_sent

    adapter.clock = lambda: datetime(2026, 7, 1, 12, 31, tzinfo=UTC)  # the retry, a minute later
    record = {
        "$type": "app.bsky.feed.post",
        "text": post.text,
        "createdAt": "2026-07-01T12:31:00.000Z",
        "langs": ["it"],
    }
    put_post(
        rsps,
        post,
        record=record,
        status=400,
        json={"error": "InvalidSwap", "message": "Record was at bafy-post-cid"},
    )
    rsps.get(
        f"{X}/com.atproto.repo.getRecord",
        json={"uri": uri(rkey), "cid": "bafy-post-cid", "value": {**record, "createdAt": CREATED}},
        match=[
            bearer(ACCESS),
            matchers.query_param_matcher(
                {"repo": DID, "collection": "app.bsky.feed.post", "rkey": rkey}
            ),
        ],
    )
    published = adapter.publish(ACCOUNT, post)
    assert published.platform_post_id == uri(rkey)
    assert published.published_at == NOW  # the original post's time
    puts = [c for c in rsps.calls if c.request.url.endswith("putRecord")]
    assert len(puts) == 2 and {json.loads(c.request.body)["rkey"] for c in puts} == {rkey}


def test_connection_refused_is_transient_and_not_sent(rsps, adapter):
    post = plain()
    login(rsps)
    put_post(rsps, post, body=requests.ConnectionError("Failed to establish a new connection"))
    with pytest.raises(TransientError) as info:
        adapter.publish(ACCOUNT, post)
    assert not info.value.maybe_sent


def test_find_published(rsps, adapter):
    post = plain()
    rkey = tid_for_key(post.key)
    login(rsps)
    rsps.get(
        f"{X}/com.atproto.repo.getRecord",
        status=400,
        json={"error": "RecordNotFound", "message": f"Could not locate record: {uri(rkey)}"},
    )
    assert adapter.find_published(ACCOUNT, post) is None
    rsps.get(
        f"{X}/com.atproto.repo.getRecord",
        json={"uri": uri(rkey), "cid": "c1", "value": {"text": post.text, "createdAt": CREATED}},
    )
    assert adapter.find_published(ACCOUNT, post).extra["cid"] == "c1"


def test_reply_uses_root_and_parent_strong_refs(rsps, adapter):
    """The parent is read back (not cached): its own root becomes the reply's root."""
    parent = uri("3kparent22222")
    root = {"uri": uri("3kroot2222222"), "cid": "root-cid"}
    post = plain(key="k/3", text="3/3", reply_to=parent)
    login(rsps)
    rsps.get(
        f"{X}/com.atproto.repo.getRecord",
        json={
            "uri": parent,
            "cid": "parent-cid",
            "value": {"text": "2/3", "reply": {"root": root, "parent": root}},
        },
        match=[
            matchers.query_param_matcher(
                {"repo": DID, "collection": "app.bsky.feed.post", "rkey": "3kparent22222"}
            )
        ],
    )
    record = {
        "$type": "app.bsky.feed.post",
        "text": "3/3",
        "createdAt": CREATED,
        "langs": ["it"],
        "reply": {"root": root, "parent": {"uri": parent, "cid": "parent-cid"}},
    }
    put_post(rsps, post, record=record)
    published = adapter.publish(ACCOUNT, post)
    assert published.extra["root_uri"] == root["uri"]


def test_unresolvable_mention_gets_no_facet(rsps, adapter):
    post = plain(text="Ask @nobody.example.org")
    login(rsps)
    rsps.get(
        f"{X}/com.atproto.identity.resolveHandle",
        status=400,
        json={"error": "HandleNotFound", "message": "Unable to resolve handle"},
    )
    put_post(rsps, post)  # the record has no "facets" key
    adapter.publish(ACCOUNT, post)


# -- account, profile, pin, delete ---------------------------------------------------------------


def test_provision_creates_account_then_profile(rsps, adapter):
    rsps.post(
        f"{X}/com.atproto.server.createAccount",
        json={"accessJwt": ACCESS, "refreshJwt": REFRESH, "handle": HANDLE, "did": DID},
        match=[
            matchers.json_params_matcher(
                {
                    "handle": HANDLE,
                    "email": "rome-it@mail.example.org",
                    "password": PASSWORD,
                }
            )
        ],
    )
    profile_get = matchers.query_param_matcher(
        {"repo": DID, "collection": "app.bsky.actor.profile", "rkey": "self"}
    )
    rsps.get(
        f"{X}/com.atproto.repo.getRecord",
        status=400,
        json={"error": "RecordNotFound", "message": "Could not locate record"},
        match=[bearer(ACCESS), profile_get],
    )
    rsps.post(
        f"{X}/com.atproto.repo.putRecord",
        json={"uri": f"at://{DID}/app.bsky.actor.profile/self", "cid": "p1"},
        match=[
            bearer(ACCESS),
            matchers.json_params_matcher(
                {
                    "repo": DID,
                    "collection": "app.bsky.actor.profile",
                    "rkey": "self",
                    "record": {
                        "$type": "app.bsky.actor.profile",
                        "createdAt": CREATED,
                        "displayName": "Ambasciata a Roma",
                        "description": "Informazioni ufficiali di crisi.",
                        "website": "https://example.org/it",
                    },
                    "swapRecord": None,
                }
            ),
        ],
    )
    rsps.post(  # its own app password, to post with (tests/adapters/test_sunset_calls.py)
        f"{X}/com.atproto.server.createAppPassword",
        json={"name": "launcher", "password": "aaaa-bbbb-cccc-dddd"},
        match=[bearer(ACCESS)],
    )
    done = adapter.provision(
        AccountRef(platform="bluesky", handle="rome-it", locale="it"),
        ProfileUpdate(
            "Ambasciata a Roma",
            "Informazioni ufficiali di crisi.",
            links=(("Sito", "https://example.org/it"),),
        ),
    )
    assert done.created
    assert done.account.account_id == DID and done.account.handle == HANDLE
    assert done.account.credentials["app_password"].startswith("file:")


def test_provision_sends_invite_code_from_its_reference(rsps, adapter):
    adapter.settings["invite_code"] = "env:T_BSKY_INVITE"
    rsps.post(
        f"{X}/com.atproto.server.createAccount",
        status=400,
        json={"error": "InvalidInviteCode", "message": "Provided invite code not available"},
        match=[matchers.json_params_matcher({"inviteCode": "invite-S3CR3T"}, strict_match=False)],
    )
    with pytest.raises(ContentRejected) as info:
        adapter.provision(ACCOUNT, ProfileUpdate("x", "y"))
    assert "invite-S3CR3T" not in str(info.value)


def test_provision_taken_handle_that_we_can_log_into_is_reused(rsps, adapter):
    rsps.post(
        f"{X}/com.atproto.server.createAccount",
        status=400,
        json={"error": "InvalidRequest", "message": f"Handle already taken: {HANDLE}"},
    )
    login(rsps)
    rsps.get(f"{X}/com.atproto.repo.getRecord", json={"uri": "u", "cid": "p0", "value": {}})
    rsps.post(f"{X}/com.atproto.repo.putRecord", json={"uri": "u", "cid": "p1"})
    done = adapter.provision(AccountRef("bluesky", "rome-it", "it"), ProfileUpdate("R", "b"))
    assert not done.created and done.account.account_id == DID


def _taken_and_refused(rsps: responses.RequestsMock) -> None:
    rsps.post(
        f"{X}/com.atproto.server.createAccount",
        status=400,
        json={"error": "InvalidRequest", "message": f"Handle already taken: {HANDLE}"},
    )
    rsps.post(
        f"{X}/com.atproto.server.createSession",
        status=401,
        json={"error": "AuthenticationRequired", "message": "Invalid identifier or password"},
    )


def test_provision_taken_by_someone_else_is_content_rejected(rsps, adapter):
    """The handle is taken and no account with it is hosted on this PDS: someone else's."""
    _taken_and_refused(rsps)
    rsps.get(
        f"{X}/com.atproto.repo.describeRepo",
        status=400,
        json={"error": "RepoNotFound", "message": f"Could not find repo: {HANDLE}"},
        match=[matchers.query_param_matcher({"repo": HANDLE})],
    )
    with pytest.raises(ContentRejected) as info:
        adapter.provision(AccountRef("bluesky", "rome-it", "it"), ProfileUpdate("R", "b"))
    assert f"the handle {HANDLE} is taken by someone else" in info.value.message
    assert "handle_prefix" in (info.value.hint or "")


def test_provision_wrong_password_for_our_own_account_says_login_refused(rsps, adapter):
    """Created by an earlier launch, now with another password: not "Handle already taken"
    (which sends the operator looking for a squatter) but the login refused, and what to fix."""
    _taken_and_refused(rsps)
    rsps.get(
        f"{X}/com.atproto.repo.describeRepo",
        json={"handle": HANDLE, "did": DID, "collections": [], "handleIsCorrect": True},
        match=[matchers.query_param_matcher({"repo": HANDLE})],
    )
    with pytest.raises(AuthFailed) as info:
        adapter.provision(AccountRef("bluesky", "rome-it", "it"), ProfileUpdate("R", "b"))
    err = info.value
    assert err.message.startswith(f"the account {HANDLE} already exists on this PDS ({DID})")
    assert "login was refused" in err.message and "Invalid identifier or password" in err.message
    assert "password reference" in (err.hint or "") and "taken" not in err.message
    assert PASSWORD not in str(err)


def test_provision_taken_and_refused_when_the_pds_cannot_tell_names_both_causes(rsps, adapter):
    _taken_and_refused(rsps)
    rsps.get(f"{X}/com.atproto.repo.describeRepo", status=501, json={"error": "NotImplemented"})
    with pytest.raises(AuthFailed) as info:
        adapter.provision(AccountRef("bluesky", "rome-it", "it"), ProfileUpdate("R", "b"))
    assert "logging in to it was refused" in info.value.message
    assert "password reference" in (info.value.hint or "")
    assert "belongs to someone else" in (info.value.hint or "")


@pytest.mark.parametrize(
    ("option", "handle", "standby", "full"),
    [
        # the PDS's domain wins for accounts launcher creates: the name is kept
        (".pds.test", "tl-rome-it.example.org", False, "tl-rome-it.pds.test"),
        ("pds.test", "tl-rome-it.example.org", False, "tl-rome-it.pds.test"),
        ("Social.Example.ORG.", "tl-rome-it.example.org", False, "tl-rome-it.social.example.org"),
        (".pds.test", "tl-rome-it.pds.test", False, "tl-rome-it.pds.test"),
        # without the option: the organisation's handle_domain, as planned
        (None, "tl-rome-it.example.org", False, "tl-rome-it.example.org"),
        ("", "@TL-Rome-It.example.org", False, "tl-rome-it.example.org"),
        # a standby account's handle is the organisation's choice: never rewritten
        (".pds.test", "embassy.rome.example.org", True, "embassy.rome.example.org"),
        # a bare name gets the option's domain, else the default PDS's
        (".pds.test", "rome-it", False, "rome-it.pds.test"),
        (None, "rome-it", False, "rome-it.bsky.social"),
    ],
)
def test_handle_domain_option_decides_the_handles_it_creates(option, handle, standby, full):
    settings = {"password": "env:T_BSKY_PASSWORD"}
    if option is not None:
        settings["handle_domain"] = option
    adapter = BlueskyAdapter(settings)
    assert adapter.full_handle(AccountRef("bluesky", handle, "it", standby=standby)) == full


def test_provision_creates_the_planned_name_on_the_pds_domain(rsps, adapter):
    """The planner's handle carries missions.yaml's domain; createAccount gets the PDS's."""
    adapter.settings["handle_domain"] = "pds.example.net"
    rsps.post(
        f"{X}/com.atproto.server.createAccount",
        json={
            "accessJwt": ACCESS,
            "refreshJwt": REFRESH,
            "handle": "tl-rome-it.pds.example.net",
            "did": DID,
        },
        match=[
            matchers.json_params_matcher(
                {
                    "handle": "tl-rome-it.pds.example.net",
                    "email": "tl-rome-it@mail.example.org",
                    "password": PASSWORD,
                }
            )
        ],
    )
    rsps.get(f"{X}/com.atproto.repo.getRecord", json={"uri": "u", "cid": "p0", "value": {}})
    rsps.post(f"{X}/com.atproto.repo.putRecord", json={"uri": "u", "cid": "p1"})
    rsps.post(  # a PDS that refuses app passwords: the account keeps its password
        f"{X}/com.atproto.server.createAppPassword",
        status=400,
        json={"error": "InvalidRequest", "message": "app passwords are disabled"},
    )
    done = adapter.provision(
        AccountRef("bluesky", "tl-rome-it.example.org", "it"), ProfileUpdate("R", "b")
    )
    assert "app_password" not in done.account.credentials
    assert done.created and done.account.handle == "tl-rome-it.pds.example.net"


def test_provision_needs_an_email_domain(adapter):
    del adapter.settings["email_domain"]
    with pytest.raises(ConfigError):
        adapter.provision(AccountRef("bluesky", "rome-it", "it"), ProfileUpdate("R", "b"))


def test_standby_account_is_activated_not_created(rsps, adapter):
    login(rsps)
    rsps.get(f"{X}/com.atproto.repo.getRecord", json={"uri": "u", "cid": "p0", "value": {}})
    rsps.post(f"{X}/com.atproto.repo.putRecord", json={"uri": "u", "cid": "p1"})
    standby = AccountRef("bluesky", HANDLE, "it", standby=True)
    done = adapter.provision(standby, ProfileUpdate("R", "b"))
    assert not done.created and done.account.account_id == DID


def test_update_profile_merges_and_swaps_on_the_read_cid(rsps, adapter):
    """Fields the launcher does not manage (avatar, pinnedPost, ...) are kept."""
    existing = {
        "$type": "app.bsky.actor.profile",
        "displayName": "old",
        "description": "old bio",
        "avatar": {"$type": "blob", "ref": {"$link": "bafkavatar"}, "mimeType": "image/png"},
        "pinnedPost": {"uri": uri("3kpin22222222"), "cid": "pin-cid"},
        "createdAt": "2025-01-01T00:00:00.000Z",
    }
    login(rsps)
    rsps.get(
        f"{X}/com.atproto.repo.getRecord",
        json={"uri": "u", "cid": "profile-cid-1", "value": existing},
    )
    rsps.post(
        f"{X}/com.atproto.repo.putRecord",
        json={"uri": "u", "cid": "profile-cid-2"},
        match=[
            matchers.json_params_matcher(
                {
                    "repo": DID,
                    "collection": "app.bsky.actor.profile",
                    "rkey": "self",
                    "record": {**existing, "displayName": "new", "description": "new bio"},
                    "swapRecord": "profile-cid-1",
                }
            )
        ],
    )
    adapter.update_profile(ACCOUNT, ProfileUpdate("new", "new bio"))


def test_update_profile_rereads_once_after_invalid_swap(rsps, adapter):
    login(rsps)
    rsps.get(f"{X}/com.atproto.repo.getRecord", json={"uri": "u", "cid": "c1", "value": {}})
    rsps.post(
        f"{X}/com.atproto.repo.putRecord",
        status=400,
        json={"error": "InvalidSwap", "message": "Record was at c2"},
    )
    rsps.get(f"{X}/com.atproto.repo.getRecord", json={"uri": "u", "cid": "c2", "value": {}})
    rsps.post(
        f"{X}/com.atproto.repo.putRecord",
        json={"uri": "u", "cid": "c3"},
        match=[matchers.json_params_matcher({"swapRecord": "c2"}, strict_match=False)],
    )
    adapter.update_profile(ACCOUNT, ProfileUpdate("n", "b"))


def test_pin_writes_pinned_post_strong_ref(rsps, adapter):
    published = Published(uri("3kpost2222222"), extra={"uri": uri("3kpost2222222"), "cid": "pc"})
    login(rsps)
    rsps.get(
        f"{X}/com.atproto.repo.getRecord",
        json={"uri": "u", "cid": "c1", "value": {"displayName": "R"}},
    )
    rsps.post(
        f"{X}/com.atproto.repo.putRecord",
        json={"uri": "u", "cid": "c2"},
        match=[
            matchers.json_params_matcher(
                {
                    "repo": DID,
                    "collection": "app.bsky.actor.profile",
                    "rkey": "self",
                    "record": {
                        "$type": "app.bsky.actor.profile",
                        "displayName": "R",
                        "createdAt": CREATED,
                        "pinnedPost": {"uri": uri("3kpost2222222"), "cid": "pc"},
                    },
                    "swapRecord": "c1",
                }
            )
        ],
    )
    adapter.pin(ACCOUNT, published)


def test_retract_deletes_the_record(rsps, adapter):
    login(rsps)
    rsps.post(
        f"{X}/com.atproto.repo.deleteRecord",
        json={"commit": {"cid": "c", "rev": "r"}},
        match=[
            bearer(ACCESS),
            matchers.json_params_matcher(
                {"repo": DID, "collection": "app.bsky.feed.post", "rkey": "3kpost2222222"}
            ),
        ],
    )
    adapter.retract(ACCOUNT, uri("3kpost2222222"))


def test_declarations():
    caps = BlueskyAdapter.capabilities
    assert (BlueskyAdapter.name, BlueskyAdapter.platform) == ("bluesky", "bluesky")
    assert caps.text_limit == 300 and caps.idempotency == "client-record-key"
    assert caps.create_accounts and caps.pin and caps.delete and caps.language_tag
    creds = {o.name for o in BlueskyAdapter.options if o.credential}
    assert creds == {"password", "invite_code"}


# -- facets ----------------------------------------------------------------------------------


def resolve(handle: str) -> str | None:
    return None if handle.startswith("nobody") else f"did:plc:{handle.split('.')[0]}"


def spans(text: str) -> list[tuple[int, int, str, dict[str, str]]]:
    out = []
    for f in detect_facets(text, resolve):
        (feature,) = f["features"]
        out.append((f["index"]["byteStart"], f["index"]["byteEnd"], facet_text(text, f), feature))
    return out


def test_docs_worked_example():
    """platforms.md 2.5: the mention is bytes 23-35 and the link 74-108."""
    text = "✨ example mentioning @atproto.com to share the URL 👨‍❤️‍👨 https://en.wikipedia.org/wiki/CBOR."
    assert spans(text) == [
        (23, 35, "@atproto.com", {"$type": MENTION, "did": "did:plc:atproto"}),
        (74, 108, "https://en.wikipedia.org/wiki/CBOR",
         {"$type": LINK, "uri": "https://en.wikipedia.org/wiki/CBOR"}),
    ]  # fmt: skip


# Offsets by hand: Thai characters (vowel and tone marks included) are 3 bytes each, Arabic
# letters 2, CJK 3, the emoji here 4 (and ZWJ/variation selectors 3).
SCRIPT_CASES = {
    "thai": (
        "น้ำท่วม #น้ำท่วม ติดต่อ @bkk-th.example.org https://example.org/th ครับ",
        [(22, 44, "#น้ำท่วม", {"$type": TAG, "tag": "น้ำท่วม"}),
         (64, 83, "@bkk-th.example.org", {"$type": MENTION, "did": "did:plc:bkk-th"}),
         (84, 106, "https://example.org/th", {"$type": LINK, "uri": "https://example.org/th"})],
    ),
    "arabic": (
        "تحذير #فيضان_عاجل راجع https://example.org/ar.",
        [(11, 31, "#فيضان_عاجل", {"$type": TAG, "tag": "فيضان_عاجل"}),
         (41, 63, "https://example.org/ar", {"$type": LINK, "uri": "https://example.org/ar"})],
    ),
    "japanese": (
        "詳細はhttps://example.org/jaをご覧ください #地震 連絡は@tokyo-ja.example.org。",
        [(9, 31, "https://example.org/ja", {"$type": LINK, "uri": "https://example.org/ja"}),
         (53, 60, "#地震", {"$type": TAG, "tag": "地震"}),
         (70, 91, "@tokyo-ja.example.org", {"$type": MENTION, "did": "did:plc:tokyo-ja"})],
    ),
    "emoji": (
        "🚨🌊 #flood2026 👨‍👩‍👧 @bob.example.org ➡️ https://example.org/a_(b)!",
        [(9, 19, "#flood2026", {"$type": TAG, "tag": "flood2026"}),
         (39, 55, "@bob.example.org", {"$type": MENTION, "did": "did:plc:bob"}),
         (63, 88, "https://example.org/a_(b)",
          {"$type": LINK, "uri": "https://example.org/a_(b)"})],
    ),
}  # fmt: skip


@pytest.mark.parametrize("script", sorted(SCRIPT_CASES))
def test_facets_in_other_scripts(script):
    text, expected = SCRIPT_CASES[script]
    assert spans(text) == expected
    for start, _end, covered, _ in expected:  # the hand-counted offsets agree with Python
        assert start == len(text[: text.index(covered)].encode("utf-8"))


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mail info@example.org now", []),  # an e-mail address is not a mention
        ("C# and #123 and #_1", []),  # not tags: no '#' after a letter, digits only
        ("see https://example.org/page#sec.", ["https://example.org/page#sec"]),
        ("(https://example.org/x)", ["https://example.org/x"]),
        ("https://example.org/a?b=1&c=2, ok", ["https://example.org/a?b=1&c=2"]),
        (
            "https://mastodon.example/@bob.example.org",
            ["https://mastodon.example/@bob.example.org"],
        ),
        ("ask @nobody.example.org", []),  # unresolvable: no facet
        ("#タグ！ and ＃全角", ["#タグ", "＃全角"]),
        ("http://localhost:8080/x", []),  # no dotted host
    ],
)
def test_facet_edge_cases(text, expected):
    assert [covered for _, _, covered, _ in spans(text)] == expected


def test_no_resolver_means_no_mentions():
    assert detect_facets("hi @bob.example.org") == []
