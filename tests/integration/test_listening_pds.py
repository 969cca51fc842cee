"""The listening post on a real PDS (``@atproto/pds`` on 127.0.0.1), through the real CLI.

A launch creates the Bluesky account; a second account created on the same PDS likes,
reposts, replies to and mentions it, and follows it. ``launcher listen --once`` collects
(the PDS proxies ``app.bsky.*`` to the stand-in AppView of tests/integration/appview.py,
which answers from the records those accounts really wrote); the inbox shows the reply with
its language; ``launcher answer`` posts a threaded reply whose ``reply.root`` and
``reply.parent`` are right; answering twice posts once; the report shows the counts.

The shipped content is copied with a fresh mission slug, so the handles are new on the PDS,
which lives for the whole session; its approvals still hold (missions.yaml is not content
that is approved), so the answer goes out at once.
"""

from __future__ import annotations

import json
import shutil
import uuid
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import REPO, invoke

pytestmark = pytest.mark.integration

T0 = "2026-05-22T06:00:00Z"
T1 = "2026-05-22T06:02:00Z"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    dest = tmp_path / "content"
    for name in ("playbooks", "templates", "locales"):
        shutil.copytree(REPO / name, dest / name, ignore=shutil.ignore_patterns("*.mo"))
    for name in ("missions.yaml", "guardrails.yaml", "places.yaml", "approvals.yaml",
                 "approval-keys.yaml", "babel.cfg"):  # fmt: skip
        shutil.copy2(REPO / name, dest / name)
    text = (dest / "missions.yaml").read_text(encoding="utf-8")
    assert "    slug: rome\n" in text
    slug = "q" + uuid.uuid4().hex[:7]
    (dest / "missions.yaml").write_text(text.replace("    slug: rome\n", f"    slug: {slug}\n"))
    return dest


def _settings(tmp_path: Path, pds: Any, password_ref: str) -> Path:
    cfg = tmp_path / "launcher.yaml"
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


class Fan:
    """The second account: a person on the same PDS, writing records as any client would."""

    def __init__(self, pds: Any) -> None:
        self.pds = pds
        name = "fan" + uuid.uuid4().hex[:8]
        password = "pw-" + uuid.uuid4().hex
        body = requests.post(
            f"{pds.url}/xrpc/com.atproto.server.createAccount",
            json={"handle": f"{name}{pds.handle_domain}", "email": f"{name}@example.org",
                  "password": password},
            timeout=30,
        )  # fmt: skip
        body.raise_for_status()
        session = body.json()
        self.did, self.handle = session["did"], session["handle"]
        self.auth = {"Authorization": f"Bearer {session['accessJwt']}"}

    def create(self, collection: str, record: dict) -> dict:
        resp = requests.post(
            f"{self.pds.url}/xrpc/com.atproto.repo.createRecord",
            json={"repo": self.did, "collection": collection,
                  "record": {"$type": collection, "createdAt": _now(), **record}},
            headers=self.auth,
            timeout=30,
        )  # fmt: skip
        resp.raise_for_status()
        return resp.json()


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _record(pds: Any, uri: str) -> dict:
    did, collection, rkey = uri[5:].split("/")
    resp = requests.get(
        f"{pds.url}/xrpc/com.atproto.repo.getRecord",
        params={"repo": did, "collection": collection, "rkey": rkey},
        timeout=10,
    )
    resp.raise_for_status()
    return resp.json()


def _our_posts(pds: Any, did: str) -> list[dict]:
    resp = requests.get(
        f"{pds.url}/xrpc/com.atproto.repo.listRecords",
        params={"repo": did, "collection": "app.bsky.feed.post", "limit": 100},
        timeout=10,
    )
    return resp.json()["records"]


def test_listen_inbox_answer_report_on_a_real_pds(pds, pds_password_ref, root, tmp_path) -> None:
    if pds.appview is None:
        pytest.skip("an external PDS: its own AppView indexes at its own pace")
    cfg = _settings(tmp_path, pds, pds_password_ref)
    run = invoke(
        "--config", str(cfg), "run", "earthquake", "-m", "rome", "--locale", "it",
        "--set", "region=Emilia-Romagna", "--set", "magnitude=6.1",
        "--at", T0, "--now", T0, "--really", "--yes", "--json", root=root,
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    doc = json.loads(run.stdout)
    assert doc["approval"]["approved"], doc["approval"]
    account = next(a for a in doc["accounts"] if a["platform"] == "bluesky")
    ours = next(
        p for p in doc["posts"] if p["platform"] == "bluesky" and p["message"] == "condolences"
    )
    ours_ref = {
        "uri": ours["platform_post_id"],
        "cid": _record(pds, ours["platform_post_id"])["cid"],
    }

    fan = Fan(pds)
    fan.create("app.bsky.feed.like", {"subject": ours_ref})
    fan.create("app.bsky.feed.repost", {"subject": ours_ref})
    fan.create("app.bsky.graph.follow", {"subject": account["account_id"]})
    question = "Mio fratello è a Modena e non riesco a contattarlo, cosa posso fare?"
    reply = fan.create(
        "app.bsky.feed.post",
        {"text": question, "langs": ["it"], "reply": {"root": ours_ref, "parent": ours_ref}},
    )
    mention_text = f"@{_handle_on_pds(pds, account)} where can I register my stay?"
    end = len(mention_text.split(" ")[0].encode("utf-8"))
    fan.create(
        "app.bsky.feed.post",
        {"text": mention_text, "facets": [{"index": {"byteStart": 0, "byteEnd": end},
         "features": [{"$type": "app.bsky.richtext.facet#mention",
                       "did": account["account_id"]}]}]},
    )  # fmt: skip

    pds.appview.calls.clear()
    got = invoke("--config", str(cfg), "listen", "--once", "--now", T1, "--json", root=root)
    assert got.exit_code == 0, got.output
    collected = json.loads(got.stdout)
    assert collected["items"] == 2 and collected["errors"] == []
    assert pds.appview.calls["app.bsky.notification.listNotifications"] >= 1
    assert pds.appview.calls["app.bsky.feed.getPosts"] == 1  # the account's posts: one call

    inbox = json.loads(
        invoke("--config", str(cfg), "inbox", doc["launch"], "--json", root=root).stdout
    )["items"]
    item = next(i for i in inbox if i["kind"] == "reply")
    assert item["platform_id"] == reply["uri"] and item["text"] == question
    assert item["language"] == "it" and item["platform_language"] == "it"
    assert item["answers_message"] == "condolences" and item["author"] == fan.handle
    mention = next(i for i in inbox if i["kind"] == "mention")
    # English, but this launch publishes in Italian only: an answer would be in Italian
    assert mention["language"] == "en" and mention["locale"] == "it"

    ans = invoke(
        "--config", str(cfg), "answer", str(item["id"]), "--with", "hotline",
        "--now", T1, "--json", root=root,
    )  # fmt: skip
    assert ans.exit_code == 0, ans.output
    answered = json.loads(ans.stdout)
    assert answered["post_state"] == "sent", answered
    status = json.loads(invoke("--config", str(cfg), "status", doc["launch"], "--json",
                               root=root).stdout)  # fmt: skip
    post = next(p for p in status["posts"] if p["id"] == answered["post"])
    record = _record(pds, post["platform_post_id"])["value"]
    assert record["reply"]["parent"] == {"uri": reply["uri"], "cid": reply["cid"]}
    assert record["reply"]["root"] == ours_ref  # the thread the person started under our post
    assert record["langs"] == ["it"] and "Grazie per il suo messaggio." in record["text"]

    again = invoke("--config", str(cfg), "answer", str(item["id"]), "--with", "hotline",
                   "--now", T1, root=root)  # fmt: skip
    assert again.exit_code == 0 and "nothing sent again" in again.stdout
    answers_on_pds = [
        r for r in _our_posts(pds, account["account_id"])
        if (r["value"].get("reply") or {}).get("parent", {}).get("uri") == reply["uri"]
    ]  # fmt: skip
    assert len(answers_on_pds) == 1

    report = json.loads(
        invoke("--config", str(cfg), "report", doc["launch"], "--json", root=root).stdout
    )
    row = next(
        r for r in report["rows"]
        if (r["platform"], r["message"], r["locale"]) == ("bluesky", "condolences", "it")
    )  # fmt: skip
    assert (row["likes"], row["reposts"], row["replies"], row["quotes"]) == (1, 1, 1, 0)
    assert row["reach"] is None and row["inbox"] == 1
    followers = next(f for f in report["followers"] if f["platform"] == "bluesky")
    assert followers["followers"] == 1 and followers["gained"] == 1
    assert {"platform": "bluesky", "metric": "reach",
            "why": "Bluesky does not count views or reach"} in report["unavailable"]  # fmt: skip
    assert report["inbox"]["items"] == 2 and report["inbox"]["answers_sent"] == 1


def _handle_on_pds(pds: Any, account: dict) -> str:
    resp = requests.get(
        f"{pds.url}/xrpc/com.atproto.repo.describeRepo",
        params={"repo": account["account_id"]},
        timeout=10,
    )
    return resp.json()["handle"]
