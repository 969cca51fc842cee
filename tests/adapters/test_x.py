"""X: error table (problem+json and legacy bodies), duplicates, 24-hour limits, media."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses
from responses import matchers

from launcher import errors
from launcher.adapters.base import AccountRef, ProfileUpdate
from launcher.adapters.x import XAdapter
from launcher.launch.retry import deliver

from .case_x import AUTH, BASE, TOKEN, USER_ID
from .conftest import NOW, post

ACCOUNT = AccountRef(
    platform="x", handle="EmbassyRome", locale="it", account_id=USER_ID, standby=True
)
EPOCH = int(NOW.timestamp())
DUPLICATE = {
    "detail": "You are not allowed to create a Tweet with duplicate content.",
    "type": "about:blank",
    "title": "Forbidden",
    "status": 403,
}


@pytest.fixture
def adapter(monkeypatch: pytest.MonkeyPatch) -> XAdapter:
    monkeypatch.setenv("T_X_TOKEN", TOKEN)
    a = XAdapter({"access_token": "env:T_X_TOKEN"})
    a.clock = lambda: NOW
    return a


TABLE = [
    (403, {}, DUPLICATE, errors.DuplicateContent, None),
    (
        429,
        {"x-rate-limit-remaining": "0", "x-rate-limit-reset": str(EPOCH + 60)},
        {"title": "Too Many Requests", "detail": "Too Many Requests", "status": 429},
        errors.RateLimited,
        60.0,
    ),
    (
        429,
        {
            "x-rate-limit-reset": str(EPOCH + 60),
            "x-user-limit-24hour-remaining": "0",
            "x-user-limit-24hour-reset": str(EPOCH + 7200),
        },
        {"title": "Too Many Requests", "status": 429},
        errors.RateLimited,
        7200.0,
    ),
    (
        429,
        {},
        {"errors": [{"code": 88, "message": "Rate limit exceeded"}]},
        errors.RateLimited,
        None,
    ),
    (
        401,
        {},
        {"title": "Unauthorized", "detail": "Unauthorized", "status": 401},
        errors.AuthFailed,
        None,
    ),
    (
        403,
        {},
        {"title": "Client Forbidden", "detail": "This app is not enrolled", "status": 403},
        errors.AuthFailed,
        None,
    ),
    (
        400,
        {},
        {"errors": [{"message": "Invalid Request: text is too long"}], "title": "Invalid Request"},
        errors.ContentRejected,
        None,
    ),
    (503, {}, {"title": "Service Unavailable"}, errors.TransientError, None),
]


@pytest.mark.parametrize(("status", "headers", "body", "error", "retry_after"), TABLE)
def test_error_table(adapter, status, headers, body, error, retry_after) -> None:
    with responses.RequestsMock() as rsps:
        rsps.post(f"{BASE}/2/tweets", status=status, headers=headers, json=body)
        with pytest.raises(error) as info:
            adapter.publish(ACCOUNT, post())
    exc = info.value
    assert type(exc) is error
    if isinstance(exc, errors.TransientError):
        assert exc.retry_after == retry_after


def test_duplicate_after_a_lost_answer_is_resolved_by_reconciliation(adapter) -> None:
    """Timeout, reconciliation not yet seeing the post, resend answered 403 duplicate:
    one more look finds it; no third send."""
    import requests

    p = post()
    waits: list[float] = []
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.post(f"{BASE}/2/tweets", body=requests.ReadTimeout("timeout"))
        rsps.get(f"{BASE}/2/users/{USER_ID}/tweets", json={"meta": {"result_count": 0}})
        rsps.post(f"{BASE}/2/tweets", status=403, json=DUPLICATE)
        rsps.get(
            f"{BASE}/2/users/{USER_ID}/tweets",
            json={"data": [{"id": "77", "text": p.text.replace("&", "&amp;")}]},
        )
        result = deliver(adapter, ACCOUNT, p, sleep=waits.append)
        posts = [c for c in rsps.calls if c.request.method == "POST"]
    assert result.platform_post_id == "77"
    assert len(posts) == 2


def test_duplicate_without_doubt_is_an_error(adapter) -> None:
    with responses.RequestsMock() as rsps:
        rsps.post(f"{BASE}/2/tweets", status=403, json=DUPLICATE)
        with pytest.raises(errors.DuplicateContent):
            deliver(adapter, ACCOUNT, post(), sleep=lambda s: None)


def test_reply_is_matched_on_the_parent_when_reconciling(adapter) -> None:
    p = post(reply_to="100", text="Part 2")
    with responses.RequestsMock() as rsps:
        rsps.get(
            f"{BASE}/2/users/{USER_ID}/tweets",
            json={
                "data": [
                    {
                        "id": "5",
                        "text": "Part 2",
                        "referenced_tweets": [{"type": "replied_to", "id": "99"}],
                    },
                    {
                        "id": "6",
                        "text": "Part 2",
                        "referenced_tweets": [{"type": "replied_to", "id": "100"}],
                    },
                ]
            },
        )
        assert adapter.find_published(ACCOUNT, p).platform_post_id == "6"


def test_image_upload_and_alt_text(adapter, tmp_path: Path) -> None:
    img = tmp_path / "map.png"
    img.write_bytes(b"\x89PNG")
    p = post(image=img, image_alt="Map")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.post(
            f"{BASE}/2/media/upload",
            json={"data": {"id": "1880028106020515840", "media_key": "3_1"}},
        )
        rsps.post(
            f"{BASE}/2/media/metadata",
            json={"data": {}},
            match=[
                matchers.json_params_matcher(
                    {"id": "1880028106020515840", "metadata": {"alt_text": {"text": "Map"}}}
                )
            ],
        )
        rsps.post(
            f"{BASE}/2/tweets",
            status=201,
            json={"data": {"id": "9", "text": p.text}},
            match=[
                matchers.header_matcher(AUTH),
                matchers.json_params_matcher(
                    {"text": p.text, "media": {"media_ids": ["1880028106020515840"]}}
                ),
            ],
        )
        assert adapter.publish(ACCOUNT, p).platform_post_id == "9"
        upload = rsps.calls[0].request
        assert b'name="media_category"' in upload.body and b"tweet_image" in upload.body


def test_standby_provisioning_returns_the_profile_as_a_checklist(adapter) -> None:
    profile = ProfileUpdate("Embassy Rome", "Official info", (("Web", "https://example.org"),))
    result = adapter.provision(ACCOUNT, profile)
    assert result.created is False
    text = "\n".join(result.checklist)
    assert "Embassy Rome" in text and "Official info" in text and "https://example.org" in text
    with pytest.raises(errors.Unsupported):
        adapter.update_profile(ACCOUNT, profile)


def test_standby_without_user_id_looks_it_up(adapter) -> None:
    acc = AccountRef(platform="x", handle="EmbassyRome", locale="it", standby=True)
    with responses.RequestsMock() as rsps:
        rsps.get(f"{BASE}/2/users/me", json={"data": {"id": USER_ID, "username": "EmbassyRome"}})
        result = adapter.provision(acc, ProfileUpdate("n", "b"))
    assert result.account.account_id == USER_ID
