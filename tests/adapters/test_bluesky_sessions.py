"""Bluesky sessions outlive the process: a second adapter (the daemon after `run`) reuses the
stored session instead of logging in (createSession is limited to 30 per 5 minutes), refreshes
it before it expires, keeps it owner-only and out of the ledger; a pin right after the profile
is one write, not a read and a write."""

from __future__ import annotations

import base64
import json
import os

import pytest
import responses

from launcher.adapters.base import AccountRef, ProfileUpdate, Published
from launcher.adapters.bluesky import BlueskyAdapter
from launcher.errors import redact
from launcher.testing import FakeClock

BASE = "https://pds.example.org"
X = f"{BASE}/xrpc"
DID = "did:plc:rome4it7embassy0000000000"
HANDLE = "rome-it.example.org"


NOW = FakeClock().now  # 2026-01-01T00:00Z


def _jwt(tag: str, exp: float) -> str:
    body = base64.urlsafe_b64encode(json.dumps({"exp": int(exp), "t": tag}).encode()).decode()
    return f"eyJhbGciOiJIUzI1NiJ9.{body.rstrip('=')}.sig-{tag}"


@pytest.fixture
def account() -> AccountRef:
    return AccountRef(platform="bluesky", handle=HANDLE, locale="it", standby=True)


def _adapter(monkeypatch, tmp_path) -> BlueskyAdapter:
    monkeypatch.setenv("T_BSKY_PASSWORD", "app-pass-S3CR3T")
    adapter = BlueskyAdapter(
        {"base_url": BASE, "password": "env:T_BSKY_PASSWORD", "data_dir": str(tmp_path)}
    )
    adapter.wall = lambda: NOW  # token expiry is judged on a fixed clock, never the real one
    return adapter


def _session(access: str, refresh: str) -> dict:
    return {"did": DID, "handle": HANDLE, "accessJwt": access, "refreshJwt": refresh}


def test_a_second_process_reuses_the_session_and_refreshes_it_before_it_expires(
    monkeypatch, tmp_path, account
) -> None:
    first_access = _jwt("a1", NOW + 90)  # good for 90 s
    refresh = _jwt("r1", NOW + 86400)
    new_access, new_refresh = _jwt("a2", NOW + 7200), _jwt("r2", NOW + 86400)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.post(f"{X}/com.atproto.server.createSession", json=_session(first_access, refresh))
        rsps.get(f"{X}/com.atproto.repo.getRecord", status=400, json={"error": "RecordNotFound"})
        rsps.post(f"{X}/com.atproto.repo.putRecord", json={"uri": "at://x/p/self", "cid": "c1"})
        _adapter(monkeypatch, tmp_path).update_profile(account, ProfileUpdate("Rome", "bio"))
    stored = list((tmp_path / "credentials").glob("bluesky-*.session.token"))
    assert len(stored) == 1 and stored[0].stat().st_mode & 0o077 == 0
    assert (tmp_path / "credentials").stat().st_mode & 0o077 == 0
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        # no createSession: the stored session is refreshed, then used
        rsps.post(f"{X}/com.atproto.server.refreshSession", json=_session(new_access, new_refresh))
        rsps.get(
            f"{X}/com.atproto.repo.getRecord",
            json={"uri": f"at://{DID}/app.bsky.feed.post/3k", "cid": "cp", "value": {"text": "x"}},
        )
        rsps.get(
            f"{X}/com.atproto.repo.getRecord",
            json={"uri": f"at://{DID}/app.bsky.actor.profile/self", "cid": "c1", "value": {}},
        )
        rsps.post(f"{X}/com.atproto.repo.putRecord", json={"uri": "at://x/p/self", "cid": "c2"})
        later = _adapter(monkeypatch, tmp_path)
        later.wall = lambda: NOW + 60  # a minute later: about to expire, refreshed first
        later.pin(account, Published(f"at://{DID}/app.bsky.feed.post/3k"))
        refreshed_with = rsps.calls[0].request.headers["Authorization"]
        used = rsps.calls[-1].request.headers["Authorization"]
    assert refreshed_with == f"Bearer {refresh}" and used == f"Bearer {new_access}"
    assert json.loads(stored[0].read_text())["refreshJwt"] == new_refresh
    assert redact(new_refresh) == "[redacted]"  # read back from the file: still a secret


def test_a_pin_right_after_the_profile_is_one_write(monkeypatch, tmp_path, account) -> None:
    access = _jwt("a", NOW + 7200)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.post(f"{X}/com.atproto.server.createSession", json=_session(access, _jwt("r", 0)))
        rsps.get(f"{X}/com.atproto.repo.getRecord", status=400, json={"error": "RecordNotFound"})
        rsps.post(f"{X}/com.atproto.repo.putRecord", json={"uri": "at://x/p/self", "cid": "c1"})
        rsps.post(f"{X}/com.atproto.repo.putRecord", json={"uri": "at://x/p/self", "cid": "c2"})
        adapter = _adapter(monkeypatch, tmp_path)
        adapter.update_profile(account, ProfileUpdate("Rome", "bio"))
        uri = f"at://{DID}/app.bsky.feed.post/3k"
        adapter.pin(account, Published(uri, extra={"uri": uri, "cid": "cp"}))
        writes = [json.loads(c.request.body) for c in rsps.calls if "putRecord" in c.request.url]
    assert writes[1]["swapRecord"] == "c1"  # the cid of the profile just written: no re-read
    assert writes[1]["record"]["pinnedPost"] == {"uri": uri, "cid": "cp"}
    assert writes[1]["record"]["displayName"] == "Rome"


def test_a_stored_session_the_pds_refuses_is_dropped_and_a_login_follows(
    monkeypatch, tmp_path, account
) -> None:
    folder = tmp_path / "credentials"
    folder.mkdir(mode=0o700)
    stale = _session(_jwt("old", NOW + 7200), _jwt("oldr", NOW + 86400))
    path = folder / "bluesky-pds.example.org-rome-it.example.org.session.token"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    with open(fd, "w") as fh:
        json.dump(stale, fh)
    fresh = _session(_jwt("new", NOW + 7200), _jwt("newr", NOW + 86400))
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.get(f"{X}/com.atproto.repo.getRecord", status=401, json={"error": "InvalidToken"})
        rsps.post(f"{X}/com.atproto.server.refreshSession", status=400,
                  json={"error": "ExpiredToken", "message": "Token has been revoked"})  # fmt: skip
        rsps.post(f"{X}/com.atproto.server.createSession", json=fresh)
        rsps.get(f"{X}/com.atproto.repo.getRecord", status=400, json={"error": "RecordNotFound"})
        rsps.post(f"{X}/com.atproto.repo.putRecord", json={"uri": "at://x/p/self", "cid": "c1"})
        _adapter(monkeypatch, tmp_path).update_profile(account, ProfileUpdate("Rome", "bio"))
    assert json.loads(path.read_text())["accessJwt"] == fresh["accessJwt"]
