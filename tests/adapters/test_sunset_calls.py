"""What a sunset asks of each platform, request by request (``responses``): taking a pinned
post that stays published off the profile, and revoking what launcher stored for an account it
created (Mastodon's token, Bluesky's app password). The real PDS is in
``tests/integration/test_sunset_pds.py``."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
import responses
from responses import matchers

from launcher import errors
from launcher.adapters.base import AccountRef, ProfileUpdate
from launcher.adapters.bluesky import APP_PASSWORD, BlueskyAdapter
from launcher.adapters.facebook import FacebookAdapter
from launcher.adapters.mastodon import MastodonAdapter
from launcher.adapters.telegram import TelegramAdapter

from . import case_facebook, case_mastodon, case_telegram
from .conftest import NOW


@pytest.fixture
def rsps():
    with responses.RequestsMock(assert_all_requests_are_fired=True) as mock:
        yield mock


# -- Mastodon ---------------------------------------------------------------------------------
def _mastodon(monkeypatch, tmp_path, **more: str) -> MastodonAdapter:
    monkeypatch.setenv("T_M_TOKEN", case_mastodon.TOKEN)
    monkeypatch.setenv("T_M_CLIENT", "client-id-1")
    monkeypatch.setenv("T_M_SECRET", "client-secret-S3CR3T")
    a = MastodonAdapter({"base_url": case_mastodon.BASE, "data_dir": str(tmp_path), **more})
    a.clock = lambda: NOW
    return a


CREATED = AccountRef("mastodon", "rome_it", "it", account_id="1093",
                     credentials={"token": "env:T_M_TOKEN"})  # fmt: skip


def test_mastodon_unpins_a_status_that_stays_published(rsps, monkeypatch, tmp_path) -> None:
    a = _mastodon(monkeypatch, tmp_path)
    rsps.post(
        f"{case_mastodon.BASE}/api/v1/statuses/110/unpin",
        json={"id": "110", "pinned": False},
        match=[matchers.header_matcher(case_mastodon.AUTH)],
    )
    rsps.post(f"{case_mastodon.BASE}/api/v1/statuses/111/unpin", status=404, json={})
    assert a.unpin_post(CREATED, "110") is True
    assert a.unpin_post(CREATED, "111") is False  # deleted meanwhile: off the profile already


def test_mastodon_revokes_the_token_with_the_apps_credentials(rsps, monkeypatch, tmp_path):
    a = _mastodon(monkeypatch, tmp_path, client_id="env:T_M_CLIENT",
                  client_secret="env:T_M_SECRET")  # fmt: skip
    rsps.post(
        f"{case_mastodon.BASE}/oauth/revoke",
        json={},
        match=[
            matchers.urlencoded_params_matcher(
                {"client_id": "client-id-1", "client_secret": "client-secret-S3CR3T",
                 "token": case_mastodon.TOKEN}
            )
        ],
    )  # fmt: skip
    assert a.revoke(CREATED).names == ("token",)
    assert a.capabilities.revoke == "token"


def test_mastodon_without_the_apps_credentials_gives_a_checklist(monkeypatch, tmp_path):
    a = _mastodon(monkeypatch, tmp_path)
    with pytest.raises(errors.Unsupported) as info:
        a.revoke(CREATED)
    assert "client_id" in info.value.message
    assert "@rome_it@social.example.org" in info.value.checklist[0]
    assert "Authorized apps" in info.value.checklist[0]


def test_mastodon_refuses_a_revocation_loudly(rsps, monkeypatch, tmp_path) -> None:
    a = _mastodon(monkeypatch, tmp_path, client_id="env:T_M_CLIENT",
                  client_secret="env:T_M_SECRET")  # fmt: skip
    rsps.post(f"{case_mastodon.BASE}/oauth/revoke", status=403,
              json={"error": "unauthorized_client"})  # fmt: skip
    with pytest.raises(errors.AuthFailed) as info:
        a.revoke(CREATED)
    assert "client-secret-S3CR3T" not in str(info.value)


# -- Telegram and Facebook --------------------------------------------------------------------
def test_telegram_unpins_the_channel_message(rsps, monkeypatch) -> None:
    monkeypatch.setenv("T_TG_TOKEN", case_telegram.TOKEN)
    a = TelegramAdapter({"bot_token": "env:T_TG_TOKEN"})
    rsps.post(
        f"{case_telegram.BASE}/unpinChatMessage",
        json={"ok": True, "result": True},
        match=[matchers.json_params_matcher({"chat_id": "@embassy_rome_it", "message_id": 77})],
    )
    account = AccountRef("telegram", "embassy_rome_it", "it", standby=True)
    assert a.unpin_post(account, "77") is True


def test_facebook_unpins_the_page_post(rsps, monkeypatch) -> None:
    monkeypatch.setenv("T_FB_TOKEN", case_facebook.TOKEN)
    a = FacebookAdapter({"page_token": "env:T_FB_TOKEN"})
    rsps.post(
        f"{case_facebook.BASE}/{case_facebook.PAGE}_9",
        json={"success": True},
        match=[matchers.urlencoded_params_matcher({"is_pinned": "false"})],
    )
    account = AccountRef("facebook", "EmbassyRome", "it", account_id=case_facebook.PAGE,
                         standby=True)  # fmt: skip
    assert a.unpin_post(account, f"{case_facebook.PAGE}_9") is True


# -- Bluesky ----------------------------------------------------------------------------------
BASE = "https://pds.example.org"
X = f"{BASE}/xrpc"
DID = "did:plc:rome4it7embassy0000000000"
HANDLE = "rome-it.example.org"
PASSWORD = "main-pass-S3CR3T-bsky"
APP_PASS = "abcd-efgh-ijkl-mnop"


@pytest.fixture
def bsky(monkeypatch, tmp_path) -> BlueskyAdapter:
    monkeypatch.setenv("T_BSKY_PASSWORD", PASSWORD)
    a = BlueskyAdapter({"base_url": BASE, "handle_domain": ".example.org",
                        "password": "env:T_BSKY_PASSWORD", "email_domain": "example.org",
                        "data_dir": str(tmp_path)})  # fmt: skip
    a.clock = lambda: NOW
    return a


def _bearer(token: str):
    return matchers.header_matcher({"Authorization": f"Bearer {token}"})


def test_bluesky_gives_an_account_it_creates_an_app_password(rsps, bsky, tmp_path) -> None:
    rsps.post(
        f"{X}/com.atproto.server.createAccount",
        json={"accessJwt": "a1", "refreshJwt": "r1", "handle": HANDLE, "did": DID},
    )
    rsps.get(
        f"{X}/com.atproto.repo.getRecord",
        status=400,
        json={"error": "RecordNotFound", "message": "Could not locate record"},
    )
    rsps.post(f"{X}/com.atproto.repo.putRecord", json={"uri": "u", "cid": "p1"})
    rsps.post(
        f"{X}/com.atproto.server.createAppPassword",
        json={"name": APP_PASSWORD, "password": APP_PASS, "createdAt": "2026-07-01T12:30:00Z"},
        match=[_bearer("a1"), matchers.json_params_matcher({"name": "launcher"})],
    )  # fmt: skip
    done = bsky.provision(AccountRef("bluesky", "rome-it", "it"), ProfileUpdate("R", "b"))
    ref = done.account.credentials["app_password"]
    path = Path(ref.removeprefix("file:"))
    assert path.parent == tmp_path / "credentials"
    assert path.read_text(encoding="utf-8").strip() == APP_PASS
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    # its posts log in with the app password, never the account's password
    bsky._sessions.clear()
    rsps.post(
        f"{X}/com.atproto.server.createSession",
        json={"accessJwt": "a2", "refreshJwt": "r2", "handle": HANDLE, "did": DID},
        match=[matchers.json_params_matcher({"identifier": HANDLE, "password": APP_PASS})],
    )
    assert bsky._session(done.account).access == "a2"


def test_bluesky_revokes_the_app_password_with_the_accounts_own(rsps, bsky, tmp_path) -> None:
    app_file = tmp_path / "app"
    app_file.write_text(APP_PASS + "\n", encoding="utf-8")
    app_file.chmod(0o600)
    account = AccountRef("bluesky", HANDLE, "it", account_id=DID,
                         credentials={"app_password": f"file:{app_file}"})  # fmt: skip
    rsps.post(
        f"{X}/com.atproto.server.createSession",
        json={"accessJwt": "a9", "refreshJwt": "r9", "handle": HANDLE, "did": DID},
        match=[matchers.json_params_matcher({"identifier": HANDLE, "password": PASSWORD})],
    )
    rsps.post(
        f"{X}/com.atproto.server.revokeAppPassword",
        json={},
        match=[_bearer("a9"), matchers.json_params_matcher({"name": "launcher"})],
    )
    rsps.post(f"{X}/com.atproto.server.deleteSession", json={}, match=[_bearer("r9")])
    revoked = bsky.revoke(account)
    assert revoked.names == ("app_password",) and not revoked.checklist
    assert not bsky._sessions  # nothing of the account's kept


def test_bluesky_without_an_app_password_ends_its_session_and_says_the_rest(rsps, bsky):
    account = AccountRef("bluesky", HANDLE, "it", account_id=DID)
    rsps.post(
        f"{X}/com.atproto.server.createSession",
        json={"accessJwt": "a3", "refreshJwt": "r3", "handle": HANDLE, "did": DID},
    )
    bsky._session(account)
    rsps.post(f"{X}/com.atproto.server.deleteSession", json={}, match=[_bearer("r3")])
    revoked = bsky.revoke(account)
    assert revoked.names == () and "App passwords" in revoked.checklist[0]
