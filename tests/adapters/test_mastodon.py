"""Mastodon: error table, Idempotency-Key, media, profile fields, account creation."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import requests
import responses
from responses import matchers

from launcher import errors
from launcher.adapters.base import AccountRef, ProfileUpdate, Published
from launcher.adapters.mastodon import MastodonAdapter, language_code
from launcher.credentials import resolve
from launcher.launch.retry import RetryPolicy, call_with_retry

from .case_mastodon import AUTH, BASE, TOKEN, status_body
from .conftest import NOW, post

ACCOUNT = AccountRef(
    platform="mastodon", handle="rome_it", locale="it", account_id="1093", standby=True
)
RESET_IN_30S = {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": "2026-07-01T12:30:30.000000Z"}


@pytest.fixture
def adapter(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> MastodonAdapter:
    monkeypatch.setenv("T_MASTODON_TOKEN", TOKEN)
    monkeypatch.setenv("T_MASTODON_APP", "mastodon-app-token-S3CR3T")
    a = MastodonAdapter(
        {
            "base_url": BASE,
            "token": "env:T_MASTODON_TOKEN",
            "app_token": "env:T_MASTODON_APP",
            "data_dir": str(tmp_path),
            "email": "crisis+{handle}@example.org",
        }
    )
    a.clock = lambda: NOW
    a.sleep = lambda s: None
    return a


TABLE = [
    # (status, headers, body) -> (error, retry_after, maybe_sent)
    (429, RESET_IN_30S, {"error": "Too many requests"}, errors.RateLimited, 30.0, False),
    (429, {"Retry-After": "7"}, {"error": "Too many requests"}, errors.RateLimited, 7.0, False),
    (503, {}, {"error": "Remote data could not be fetched"}, errors.TransientError, None, True),
    (502, {}, "<html>Bad gateway</html>", errors.TransientError, None, True),
    (401, {}, {"error": "The access token is invalid"}, errors.AuthFailed, None, False),
    (
        403,
        {},
        {"error": "Your login is missing a confirmed e-mail address"},
        errors.AuthFailed,
        None,
        False,
    ),
    (
        422,
        {},
        {"error": "Validation failed: Text can't be blank"},
        errors.ContentRejected,
        None,
        False,
    ),
    (501, {}, {"error": "Not implemented"}, errors.PermanentError, None, False),
]


@pytest.mark.parametrize(("status", "headers", "body", "error", "retry_after", "maybe"), TABLE)
def test_error_table(adapter, status, headers, body, error, retry_after, maybe) -> None:
    """Each answer maps to one typed error carrying the platform's message and hint."""
    with responses.RequestsMock() as rsps:
        kw = {"json": body} if isinstance(body, dict) else {"body": body}
        rsps.post(f"{BASE}/api/v1/statuses", status=status, headers=headers, **kw)
        with pytest.raises(error) as info:
            adapter.publish(ACCOUNT, post())
    exc = info.value
    assert type(exc) is error
    assert exc.status == status and exc.platform == "mastodon" and exc.operation == "publish"
    if isinstance(body, dict):
        assert body["error"] in exc.message
    if isinstance(exc, errors.TransientError):
        assert exc.retry_after == retry_after
        assert exc.maybe_sent is maybe


def test_validation_details_are_kept() -> None:
    a = MastodonAdapter({"base_url": BASE})
    with responses.RequestsMock() as rsps:
        rsps.post(
            f"{BASE}/api/v1/accounts",
            status=422,
            json={
                "error": "Validation failed: Username has already been taken",
                "details": {"username": [{"error": "ERR_TAKEN", "description": "taken"}]},
            },
        )
        resp = requests.post(f"{BASE}/api/v1/accounts")
    assert "username: ERR_TAKEN" in a.error_message(resp)


def test_retry_gives_up_when_the_reset_is_beyond_the_budget(adapter) -> None:
    """A reset an hour away with a 2-minute budget: give up at once, no sleeping."""
    waits: list[float] = []
    with responses.RequestsMock() as rsps:
        rsps.post(
            f"{BASE}/api/v1/statuses",
            status=429,
            headers={"X-RateLimit-Reset": "2026-07-01T13:30:00.000000Z"},
            json={"error": "Too many requests"},
        )
        with pytest.raises(errors.RateLimited) as info:
            call_with_retry(lambda: adapter.publish(ACCOUNT, post()), sleep=waits.append)
    assert info.value.retry_after == 3600.0
    assert waits == []


def test_429_twice_then_200(adapter) -> None:
    waits: list[float] = []
    p = post()
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        for _ in range(2):
            rsps.post(
                f"{BASE}/api/v1/statuses", status=429, headers=RESET_IN_30S, json={"error": "x"}
            )
        rsps.post(f"{BASE}/api/v1/statuses", json={"id": "9", "url": f"{BASE}/@rome_it/9"})
        result = call_with_retry(
            lambda: adapter.publish(ACCOUNT, p),
            policy=RetryPolicy(max_total=100),
            sleep=waits.append,
        )
        keys = {c.request.headers["Idempotency-Key"] for c in rsps.calls}
    assert result.platform_post_id == "9"
    assert waits == [30.0, 30.0]
    assert len(keys) == 1  # every attempt carries the same key


def test_idempotency_key_is_stable_and_per_post() -> None:
    a, b = post(key="L1/m/0/1"), post(key="L1/m/0/2")
    assert MastodonAdapter.idempotency_key(a) == MastodonAdapter.idempotency_key(
        post(key="L1/m/0/1")
    )
    assert MastodonAdapter.idempotency_key(a) != MastodonAdapter.idempotency_key(b)


@pytest.mark.parametrize(("locale", "code"), [("it", "it"), ("pt-BR", "pt"), ("zh_Hant", "zh")])
def test_language_is_iso_639_1(locale: str, code: str) -> None:
    assert language_code(locale) == code


def test_publish_with_image_uploads_media_first(adapter, tmp_path: Path) -> None:
    img = tmp_path / "map.png"
    img.write_bytes(b"\x89PNG fake")
    p = post(image=img, image_alt="Map of the shelters")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.post(f"{BASE}/api/v2/media", status=202, json={"id": "77", "url": None})
        rsps.get(f"{BASE}/api/v1/media/77", status=206, json={"id": "77", "url": None})
        rsps.get(f"{BASE}/api/v1/media/77", json={"id": "77", "url": "https://files/77.png"})
        rsps.post(
            f"{BASE}/api/v1/statuses",
            json={"id": "5"},
            match=[matchers.json_params_matcher({**status_body(p), "media_ids": ["77"]})],
        )
        assert adapter.publish(ACCOUNT, p).platform_post_id == "5"
        upload = rsps.calls[0].request
        assert upload.headers["Content-Type"].startswith("multipart/form-data")
        assert b'name="description"' in upload.body and b"Map of the shelters" in upload.body


def test_profile_with_avatar_is_multipart(adapter, tmp_path: Path) -> None:
    avatar = tmp_path / "logo.png"
    avatar.write_bytes(b"\x89PNG logo")
    profile = ProfileUpdate("Embassy Rome", "Bio", (("Web", "https://example.org"),), avatar)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.patch(
            f"{BASE}/api/v1/accounts/update_credentials",
            json={"id": "1093"},
            match=[matchers.header_matcher(AUTH)],
        )
        adapter.update_profile(ACCOUNT, profile)
        body = rsps.calls[0].request.body
    for part in (b'name="avatar"', b'name="fields_attributes[0][name]"', b"https://example.org"):
        assert part in body


def test_pin_already_pinned_is_fine(adapter) -> None:
    with responses.RequestsMock() as rsps:
        rsps.post(f"{BASE}/api/v1/statuses/5/pin", status=422, json={"error": "Duplicate record"})
        adapter.pin(ACCOUNT, Published("5"))
        rsps.post(
            f"{BASE}/api/v1/statuses/6/pin",
            status=422,
            json={"error": "You have already pinned the maximum number of posts"},
        )
        with pytest.raises(errors.ContentRejected, match="maximum"):
            adapter.pin(ACCOUNT, Published("6"))


def test_retract_of_a_missing_post_is_done(adapter) -> None:
    with responses.RequestsMock() as rsps:
        rsps.delete(f"{BASE}/api/v1/statuses/5", status=404, json={"error": "Record not found"})
        adapter.retract(ACCOUNT, "5")


def test_find_published_compares_the_rendered_html(adapter) -> None:
    p = post(text="Shelters open.\nMap: https://example.org/map & more")
    html = (
        '<p>Shelters open.<br />Map: <a href="https://example.org/map"><span class="invisible">'
        'https://</span><span class="">example.org/map</span></a> &amp; more</p>'
    )
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.get(
            f"{BASE}/api/v1/accounts/1093/statuses",
            json=[{"id": "3", "content": "<p>other</p>"}, {"id": "4", "content": html}],
            match=[matchers.query_param_matcher({"limit": "40", "exclude_reblogs": "true"})],
        )
        found = adapter.find_published(ACCOUNT, p)
    assert found is not None and found.platform_post_id == "4"


def test_create_account_with_open_registrations(adapter, tmp_path: Path) -> None:
    """POST /api/v1/accounts with the app token; the new token lands in an owner-only file
    referenced as file:, the e-mail confirmation stays on the checklist."""
    fresh = AccountRef(platform="mastodon", handle="milan_it", locale="it")
    profile = ProfileUpdate("Embassy Milan", "Bio")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.get(
            f"{BASE}/api/v2/instance",
            json={"registrations": {"enabled": True, "approval_required": True}},
        )
        rsps.post(
            f"{BASE}/api/v1/accounts",
            json={"access_token": "new-user-token-S3CR3T", "token_type": "Bearer"},
            match=[
                matchers.header_matcher({"Authorization": "Bearer mastodon-app-token-S3CR3T"}),
            ],
        )
        rsps.patch(
            f"{BASE}/api/v1/accounts/update_credentials",
            status=403,
            json={"error": "Your login is missing a confirmed e-mail address"},
            match=[matchers.header_matcher({"Authorization": "Bearer new-user-token-S3CR3T"})],
        )
        result = adapter.provision(fresh, profile)
        form = dict(
            x.split("=", 1)
            for x in rsps.calls[1].request.body.split("&")  # type: ignore[union-attr]
        )
    assert form["username"] == "milan_it" and form["agreement"] == "true"
    assert form["locale"] == "it" and form["email"] == "crisis%2Bmilan_it%40example.org"
    assert "reason" in form
    assert result.created is True
    ref = result.account.credentials["token"]
    assert ref.startswith("file:")
    path = Path(ref[5:])
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert resolve(ref).reveal() == "new-user-token-S3CR3T"
    text = "\n".join(result.checklist)
    assert "crisis+milan_it@example.org" in text and "approve" in text
    assert "new-user-token" not in text and "S3CR3T" not in repr(result)


def test_closed_registrations_give_a_checklist(adapter) -> None:
    fresh = AccountRef(platform="mastodon", handle="milan_it", locale="it")
    with responses.RequestsMock() as rsps:
        rsps.get(f"{BASE}/api/v2/instance", json={"registrations": {"enabled": False}})
        with pytest.raises(errors.Unsupported) as info:
            adapter.provision(fresh, ProfileUpdate("n", "b"))
    assert any("milan_it" in s for s in info.value.checklist)


def test_checklists_are_translated_with_the_adapters_gettext(adapter) -> None:
    adapter.gettext = lambda s: s.replace("Confirm", "Confermare")  # type: ignore[method-assign]
    steps = adapter.steps(("Confirm {handle}",), handle="x")
    assert steps == ("Confermare x",)


def test_a_redirect_is_reported_not_followed(adapter) -> None:
    """An instance that answers a post with a redirect (a moved instance, a login page):
    requests would have re-sent the POST as a GET wherever it points. It is a permanent error
    naming where, with the setting to check, and nothing follows it."""
    with responses.RequestsMock() as rsps:
        rsps.post(
            f"{BASE}/api/v1/statuses",
            status=302,
            headers={"Location": "https://elsewhere.example.org/auth/sign_in"},
        )
        with pytest.raises(errors.PermanentError) as err:
            adapter.publish(ACCOUNT, post())
        assert len(rsps.calls) == 1
    assert "redirect" in err.value.message
    assert "elsewhere.example.org" in err.value.message
    assert "platforms.mastodon.options.base_url" in (err.value.hint or "")
