"""Facebook Pages: error codes (not HTTP statuses) decide; photos; comments; 506."""

from __future__ import annotations

import hashlib
import hmac
import json
from pathlib import Path

import pytest
import responses
from responses import matchers

from launcher import errors
from launcher.adapters.base import AccountRef, ProfileUpdate
from launcher.adapters.facebook import FacebookAdapter

from .case_facebook import BASE, PAGE, TOKEN
from .conftest import NOW, post

ACCOUNT = AccountRef(
    platform="facebook", handle="EmbassyRome", locale="it", account_id=PAGE, standby=True
)


def fb_error(code: int, message: str = "msg", **extra) -> dict:
    return {
        "error": {
            "message": message,
            "type": "OAuthException",
            "code": code,
            "fbtrace_id": "X",
            **extra,
        }
    }


@pytest.fixture
def adapter(monkeypatch: pytest.MonkeyPatch) -> FacebookAdapter:
    monkeypatch.setenv("T_FB_TOKEN", TOKEN)
    a = FacebookAdapter({"page_token": "env:T_FB_TOKEN"})
    a.clock = lambda: NOW
    return a


BUC = json.dumps(
    {PAGE: [{"type": "pages", "call_count": 100, "estimated_time_to_regain_access": 5}]}
)
TABLE = [
    (400, {}, fb_error(506, "Duplicate status message"), errors.DuplicateContent, None),
    (400, {"X-Business-Use-Case-Usage": BUC}, fb_error(80001), errors.RateLimited, 300.0),
    (403, {}, fb_error(4, "Application request limit reached"), errors.RateLimited, 60.0),
    (400, {}, fb_error(613), errors.RateLimited, 60.0),
    (500, {}, fb_error(2, "Service temporarily unavailable"), errors.TransientError, None),
    (500, {}, fb_error(1, "An unknown error occurred"), errors.TransientError, None),
    (400, {}, fb_error(190, "Session has expired", error_subcode=463), errors.AuthFailed, None),
    (403, {}, fb_error(200, "Requires pages_manage_posts permission"), errors.AuthFailed, None),
    (403, {}, fb_error(10, "Permission denied"), errors.AuthFailed, None),
    (
        400,
        {},
        fb_error(368, "Temporarily blocked for policies violations"),
        errors.ContentRejected,
        None,
    ),
    (
        400,
        {},
        fb_error(100, "Invalid parameter", error_user_msg="The message is empty"),
        errors.ContentRejected,
        None,
    ),
    (502, {}, "<html>bad gateway</html>", errors.TransientError, None),
]


@pytest.mark.parametrize(("status", "headers", "body", "error", "retry_after"), TABLE)
def test_error_table(adapter, status, headers, body, error, retry_after) -> None:
    with responses.RequestsMock() as rsps:
        kw = {"json": body} if isinstance(body, dict) else {"body": body}
        rsps.post(f"{BASE}/{PAGE}/feed", status=status, headers=headers, **kw)
        with pytest.raises(error) as info:
            adapter.publish(ACCOUNT, post())
    exc = info.value
    assert type(exc) is error
    if isinstance(body, dict):
        err = body["error"]
        assert exc.message == err.get("error_user_msg", err["message"])
    if isinstance(exc, errors.RateLimited):
        assert exc.retry_after == retry_after


def test_photo_post_is_multipart_with_source(adapter, tmp_path: Path) -> None:
    img = tmp_path / "map.png"
    img.write_bytes(b"\x89PNG")
    p = post(image=img)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.post(
            f"{BASE}/{PAGE}/photos",
            json={"id": "555", "post_id": f"{PAGE}_556"},
            match=[
                matchers.header_matcher({"Authorization": f"Bearer {TOKEN}"}),
                matchers.query_param_matcher({}),
            ],
        )
        result = adapter.publish(ACCOUNT, p)
        body = rsps.calls[0].request.body
    assert result.platform_post_id == f"{PAGE}_556"
    assert b'name="source"' in body and b'name="message"' in body


def test_reply_is_a_comment(adapter) -> None:
    p = post(reply_to=f"{PAGE}_1", text="Update 2")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.post(
            f"{BASE}/{PAGE}_1/comments",
            json={"id": f"{PAGE}_1_99"},
            match=[matchers.urlencoded_params_matcher({"message": "Update 2"})],
        )
        assert adapter.publish(ACCOUNT, p).platform_post_id == f"{PAGE}_1_99"


def test_appsecret_proof_when_an_app_secret_is_set(monkeypatch: pytest.MonkeyPatch) -> None:
    """The proof (an HMAC, not a credential) stays a parameter; the token is a header."""
    monkeypatch.setenv("T_FB_TOKEN", TOKEN)
    monkeypatch.setenv("T_FB_SECRET", "app-secret-S3CR3T")
    a = FacebookAdapter({"page_token": "env:T_FB_TOKEN", "app_secret": "env:T_FB_SECRET"})
    proof = hmac.new(b"app-secret-S3CR3T", TOKEN.encode(), hashlib.sha256).hexdigest()
    with responses.RequestsMock() as rsps:
        rsps.delete(
            f"{BASE}/{PAGE}_1",
            json={"success": True},
            match=[
                matchers.header_matcher({"Authorization": f"Bearer {TOKEN}"}),
                matchers.query_param_matcher({"appsecret_proof": proof}),
            ],
        )
        a.retract(ACCOUNT, f"{PAGE}_1")


def test_a_page_id_is_required(adapter) -> None:
    with pytest.raises(errors.ConfigError, match="Page id"):
        adapter.publish(AccountRef(platform="facebook", handle="x", locale="it"), post())


def test_standby_page_checklist_names_what_is_left(adapter) -> None:
    with responses.RequestsMock() as rsps:
        rsps.post(f"{BASE}/{PAGE}", json={"success": True})
        result = adapter.provision(
            ACCOUNT, ProfileUpdate("Embassy Rome", "Bio", avatar=Path("a.png"))
        )
    assert result.created is False
    assert any("Embassy Rome" in s for s in result.checklist)
    assert any("a.png" in s for s in result.checklist)
