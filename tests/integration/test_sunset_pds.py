"""A sunset end to end on a real PDS (``@atproto/pds`` on 127.0.0.1), through the real CLI:
the shipped earthquake response for Rome creates its Bluesky accounts there (each with an app
password of its own), then weeks later the sunset hands over to a successor account: the
farewells are on the PDS, each replying to the one before and mentioning the successor's DID;
on the date the profile record holds the standby profile, the crisis pin is gone (the farewell
is pinned), and the app password launcher stored is revoked on the server, its file deleted and
its reference forgotten, while the account itself stays usable with its own password."""

from __future__ import annotations

import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from launcher.ledger import Ledger
from tests.conftest import REPO, invoke

pytestmark = pytest.mark.integration

T0 = "2026-05-22T06:00:00Z"
MENTION = "app.bsky.richtext.facet#mention"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The shipped content, with a Rome slug no other test used (fresh accounts on the PDS)."""
    out = tmp_path / "content"
    for item in ("playbooks", "templates", "locales", "missions.yaml", "guardrails.yaml",
                 "places.yaml", "approvals.yaml", "approval-keys.yaml", "babel.cfg"):  # fmt: skip
        src = REPO / item
        if src.is_dir():
            shutil.copytree(src, out / item, ignore=shutil.ignore_patterns("*.mo"))
        else:
            shutil.copy(src, out / item)
    missions = out / "missions.yaml"
    text = missions.read_text(encoding="utf-8")
    slug = "r" + uuid.uuid4().hex[:6]
    assert "    slug: rome\n" in text
    missions.write_text(text.replace("    slug: rome\n", f"    slug: {slug}\n"), "utf-8")
    return out


def _settings(tmp_path: Path, pds: Any, password_ref: str) -> Path:
    cfg = tmp_path / "launcher.yaml"
    cfg.write_text(
        "platforms:\n  bluesky:\n    adapter: bluesky\n    options:\n"
        f"      base_url: {pds.url}\n      handle_domain: '{pds.handle_domain}'\n"
        f"      password: {password_ref}\n      email_domain: example.org\n      web_url: ''\n",
        encoding="utf-8",
    )
    return cfg


def _xrpc(pds: Any, method: str, nsid: str, **kw: Any) -> requests.Response:
    return requests.request(method, f"{pds.url}/xrpc/{nsid}", timeout=15, **kw)


def _record(pds: Any, uri: str) -> dict[str, Any]:
    did, collection, rkey = uri[5:].split("/")
    resp = _xrpc(pds, "GET", "com.atproto.repo.getRecord",
                 params={"repo": did, "collection": collection, "rkey": rkey})  # fmt: skip
    assert resp.status_code == 200, resp.text
    return resp.json()


def _cli(root: Path, cfg: Path, *args: str) -> Any:
    result = invoke("--config", str(cfg), *args, root=root)
    assert result.exit_code == 0, result.output
    return result


def test_sunset_on_a_real_pds(pds, pds_password_ref, root, tmp_path) -> None:
    cfg = _settings(tmp_path, pds, pds_password_ref)
    # the successor: an account the organisation opened elsewhere on the same PDS
    succ = f"s{uuid.uuid4().hex[:8]}{pds.handle_domain}"
    made = _xrpc(
        pds,
        "POST",
        "com.atproto.server.createAccount",
        json={"handle": succ, "email": f"{succ}@example.org", "password": "pw-succ"},
    )
    assert made.status_code == 200, made.text
    succ_did = made.json()["did"]  # fmt: skip

    run = _cli(
        root,
        cfg,
        "run",
        "earthquake",
        "--mission",
        "rome",
        "--set",
        "region=Lazio",
        "--set",
        "magnitude=6.1",
        "--at",
        T0,
        "--now",
        T0,
        "--really",
        "--yes",
        "--json",
    )
    launch = json.loads(run.stdout)["launch"]  # fmt: skip
    accounts = {a["locale"]: a for a in json.loads(run.stdout)["accounts"]
                if a["platform"] == "bluesky"}  # fmt: skip
    assert {a["state"] for a in accounts.values()} == {"active"}
    did = accounts["it"]["account_id"]
    ledger_url = f"sqlite:///{Path(os.environ['LAUNCHER_DATA_DIR']) / 'ledger.sqlite3'}"
    with Ledger(ledger_url) as led:
        stored = led.account_refs(launch)[("bluesky", "it")][2]
        crisis_pin = next(p.platform_post_id for p in led.posts(launch)
                          if p.platform == "bluesky" and p.locale == "it" and p.pin
                          and p.state == "sent")  # fmt: skip
    app_file = Path(stored["app_password"].removeprefix("file:"))
    app_password = app_file.read_text(encoding="utf-8").strip()
    handle = _record(pds, f"at://{did}/app.bsky.actor.profile/self")  # exists: it was set up
    assert handle["value"]["pinnedPost"]["uri"] == crisis_pin

    planned = _cli(root, cfg, "sunset", launch, "--on", "2026-07-01",
                   "--successor", f"bluesky={succ}", "--now", "2026-05-26T08:00:00Z",
                   "--really", "--yes", "--json")  # fmt: skip
    sid = json.loads(planned.stdout)["sunset"]
    for when in ("2026-06-01T08:00:01Z", "2026-06-17T08:00:01Z", "2026-06-29T08:00:01Z",
                 "2026-07-01T08:00:01Z"):  # fmt: skip
        _cli(root, cfg, "daemon", "--once", "--now", when, "--really")
    doc = json.loads(_cli(root, cfg, "status", sid, "--json").stdout)
    assert {s["state"] for s in doc["sunset"]["steps"]} == {"done"}, doc["sunset"]["steps"]
    posts = {p["key"]: p for p in doc["posts"]}

    # the farewells, on the server: a thread, each naming the successor as a mention
    uris = [posts[f"{m}#1/bluesky/it"]["platform_post_id"]
            for m in ("handover-month", "handover-fortnight", "farewell")]  # fmt: skip
    records = [_record(pds, u)["value"] for u in uris]
    assert "reply" not in records[0]
    assert records[1]["reply"]["parent"]["uri"] == uris[0]
    assert records[2]["reply"]["parent"]["uri"] == uris[1]
    assert records[2]["reply"]["root"]["uri"] == uris[0]
    for value in records:
        assert f"@{succ}" in value["text"]
        mentions = [f["did"] for facet in value.get("facets", []) for f in facet["features"]
                    if f["$type"] == MENTION]  # fmt: skip
        assert mentions == [succ_did]

    # the profile restored on the server, the crisis pin gone: the farewell is pinned
    profile = _record(pds, f"at://{did}/app.bsky.actor.profile/self")["value"]
    assert profile["description"] == (
        "Questo account al momento non è aggiornato. Per le informazioni ufficiali"
        f" dell'ambasciata, seguite @{succ}."
    )
    assert profile["displayName"] == "Ambasciata di Exampleland a Roma"
    assert profile["pinnedPost"]["uri"] == uris[2] != crisis_pin

    # the app password launcher stored: revoked on the server, file gone, reference forgotten
    assert not app_file.exists()
    with Ledger(ledger_url) as led:
        assert led.account_refs(launch)[("bluesky", "it")][2] == {}
        assert led.resolve(launch).state == "ended"
    refused = _xrpc(pds, "POST", "com.atproto.server.createSession",
                    json={"identifier": did, "password": app_password})  # fmt: skip
    assert refused.status_code == 401, refused.text
    own = _xrpc(
        pds,
        "POST",
        "com.atproto.server.createSession",
        json={"identifier": did, "password": os.environ["LAUNCHER_TEST_BSKY_PASSWORD"]},
    )
    assert own.status_code == 200  # the account is the organisation's still  # fmt: skip
