"""Bluesky through the real CLI on a real PDS (``@atproto/pds`` on 127.0.0.1): the PDS's own
handle domain, the error a wrong password gives for an account launcher created earlier, and
the account's intro post and which post the profile pins. The mini content is copied with a
fresh mission slug, so the handles are new on the PDS, which lives for the whole session."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import invoke

pytestmark = pytest.mark.integration

T0 = "2026-05-22T06:00:00Z"
QUAKE = ("quake", "-m", "rome", "--set", "region=Lazio")


@pytest.fixture
def slug(mini_root: Path) -> str:
    """A mission slug no other test used: the accounts are created fresh on the PDS."""
    value = "r" + uuid.uuid4().hex[:7]
    path = mini_root / "missions.yaml"
    text = path.read_text(encoding="utf-8")
    assert "    slug: rome\n" in text
    path.write_text(text.replace("    slug: rome\n", f"    slug: {value}\n", 1), encoding="utf-8")
    return value


def _settings(tmp_path: Path, pds: Any, password_ref: str, name: str = "launcher.yaml") -> Path:
    cfg = tmp_path / name
    cfg.write_text(
        "platforms:\n"
        "  bluesky:\n"
        "    adapter: bluesky\n"
        "    options:\n"
        f"      base_url: {pds.url}\n"
        f"      handle_domain: '{pds.handle_domain}'\n"
        f"      password: {password_ref}\n"
        "      email_domain: example.org\n"
        "      web_url: ''\n",
        encoding="utf-8",
    )
    return cfg


def _run(root: Path, cfg: Path, *extra: str) -> Any:
    return invoke(
        "--config", str(cfg), "run", *QUAKE, *extra,
        "--at", T0, "--now", T0, "--really", "--yes", "--json", root=root,
    )  # fmt: skip


def _resolve(pds: Any, handle: str) -> str | None:
    resp = requests.get(
        f"{pds.url}/xrpc/com.atproto.identity.resolveHandle",
        params={"handle": handle},
        timeout=10,
    )
    return resp.json().get("did") if resp.status_code == 200 else None


def test_accounts_get_the_pds_handle_domain(pds, pds_password_ref, mini_root, slug, tmp_path):
    """missions.yaml plans tl-<slug>-it.example.org; the PDS serves only its own domain: the
    adapter's handle_domain wins, and the accounts exist there under the planned name."""
    cfg = _settings(tmp_path, pds, pds_password_ref)
    result = _run(mini_root, cfg, "--set", "magnitude=6.1")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    bluesky = [a for a in doc["accounts"] if a["platform"] == "bluesky"]
    assert {a["state"] for a in bluesky} == {"active"}, bluesky
    for a in bluesky:
        assert a["handle"] == f"tl-{slug}-{a['locale']}.example.org"  # as planned
        did = _resolve(pds, f"tl-{slug}-{a['locale']}{pds.handle_domain}")
        assert did and did == a["account_id"]
    sent = [p for p in doc["posts"] if p["platform"] == "bluesky" and p["state"] == "sent"]
    assert sent and all(p["platform_post_id"].startswith("at://did:plc:") for p in sent)


def test_a_wrong_password_for_our_own_account_is_not_handle_taken(
    pds, pds_password_ref, mini_root, slug, tmp_path, monkeypatch
):
    """A first launch creates the accounts; a later one with another password reference is
    told the account exists on this PDS and the login was refused, not "Handle already
    taken" (which sends the duty officer looking for a squatter)."""
    first = _run(mini_root, _settings(tmp_path, pds, pds_password_ref), "--set", "magnitude=6.1")
    assert first.exit_code == 0, first.output
    dids = {a["locale"]: a["account_id"] for a in json.loads(first.stdout)["accounts"]
            if a["platform"] == "bluesky"}  # fmt: skip

    monkeypatch.setenv("LAUNCHER_TEST_BSKY_OTHER", "not-the-password-" + uuid.uuid4().hex)
    cfg = _settings(tmp_path, pds, "env:LAUNCHER_TEST_BSKY_OTHER", "other.yaml")
    second = _run(mini_root, cfg, "--set", "magnitude=5.2")
    assert second.exit_code == 1, second.output
    accounts = [a for a in json.loads(second.stdout)["accounts"] if a["platform"] == "bluesky"]
    assert {a["state"] for a in accounts} == {"failed"}
    for a in accounts:
        handle = f"tl-{slug}-{a['locale']}{pds.handle_domain}"
        assert (
            f"the account {handle} already exists on this PDS ({dids[a['locale']]})" in (a["error"])
        )
        assert "login was refused" in a["error"] and "password reference" in a["error"]
        assert "Handle already taken" not in a["error"]
    assert "not-the-password-" not in second.output


def _record(pds: Any, uri: str) -> dict[str, Any]:
    did, collection, rkey = uri[len("at://") :].split("/")
    resp = requests.get(
        f"{pds.url}/xrpc/com.atproto.repo.getRecord",
        params={"repo": did, "collection": collection, "rkey": rkey},
        timeout=10,
    )
    assert resp.status_code == 200, resp.text
    return resp.json()


def _profile(pds: Any, did: str) -> dict[str, Any]:
    return _record(pds, f"at://{did}/app.bsky.actor.profile/self")["value"]


@pytest.mark.parametrize("playbook_pins", [True, False], ids=["message-pinned", "no-pin"])
def test_the_intro_is_published_and_pinned_only_where_the_pin_stays(
    pds, pds_password_ref, mini_root, slug, tmp_path, playbook_pins
):
    """Bluesky keeps one pinned post. With the condolences pinned by the playbook, the intro
    is the account's first post and the profile pins the condolences; without a pinned
    message the profile pins the intro."""
    extra: tuple[str, ...] = ()
    if not playbook_pins:  # an edited playbook is no longer approved: send it as an emergency
        book = mini_root / "playbooks" / "quake.yaml"
        book.write_text(book.read_text(encoding="utf-8").replace("    pin: true\n", ""), "utf-8")
        extra = ("--emergency", "--reason", "test: the playbook pins nothing")
    cfg = _settings(tmp_path, pds, pds_password_ref)
    result = _run(mini_root, cfg, "--set", "magnitude=6.1", *extra)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    dids = {a["locale"]: a["account_id"] for a in doc["accounts"] if a["platform"] == "bluesky"}
    posts = {p["key"]: p for p in doc["posts"] if p["platform"] == "bluesky"}
    for locale, did in dids.items():
        intro = posts[f"intro#1/bluesky/{locale}"]
        condolences = posts[f"condolences#1/bluesky/{locale}"]
        assert intro["state"] == condolences["state"] == "sent"
        text = _record(pds, intro["platform_post_id"])["value"]["text"]
        assert "+44 20 7946 0101" in text  # the mini profile's pinned_intro: the emergency line
        if locale == "en":
            assert text == "Emergency line: +44 20 7946 0101"
        pinned = _profile(pds, did).get("pinnedPost", {}).get("uri")
        want = condolences if playbook_pins else intro
        assert pinned == want["platform_post_id"], (locale, pinned)
