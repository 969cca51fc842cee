"""A crisis as it is lived, against the real Bluesky PDS, through the real CLI in real processes:
several launches on the same accounts, retracting one of them, a PDS gone for two minutes in
the middle of a launch while the daemon runs, and a `run` killed while it sets up accounts.
What the ledger says is checked against what the PDS holds, record by record.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from .faulty_proxy import FaultyProxy

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]
MINI = REPO / "tests" / "data" / "mini"
POST = "app.bsky.feed.post"
T0 = datetime(2026, 5, 22, 6, 0, tzinfo=UTC)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _content(tmp: Path, source: Path, domain: str) -> Path:
    """A copy of a content root whose handles live under the PDS's own domain."""
    root = tmp / "content"
    shutil.copytree(source, root, ignore=shutil.ignore_patterns("*.mo", ".git", "tests"))
    missions = root / "missions.yaml"
    text = missions.read_text(encoding="utf-8")
    prefix = "t" + uuid.uuid4().hex[:3]  # accounts of their own: the PDS lives all session
    text = re.sub(r"(?m)^  handle_prefix: .*$", f"  handle_prefix: {prefix}", text, count=1)
    missions.write_text(
        text.replace("organisation:\n", f"organisation:\n  handle_domain: {domain}\n", 1),
        encoding="utf-8",
    )
    return root


def _settings(tmp: Path, url: str, password_ref: str) -> Path:
    cfg = tmp / "launcher.yaml"
    cfg.write_text(
        "platforms:\n"
        "  bluesky:\n"
        "    adapter: bluesky\n"
        "    options:\n"
        f"      base_url: {url}\n"
        f"      password: {password_ref}\n"
        "      email_domain: example.org\n"
        "      web_url: ''\n"
        "      timeout: 5\n",
        encoding="utf-8",
    )
    return cfg


class Cli:
    """The real CLI in a subprocess, with one data dir, content root and settings file."""

    def __init__(self, tmp: Path, root: Path, cfg: Path) -> None:
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHER_")}
        self.env.update(
            LAUNCHER_DATA_DIR=str(tmp / "data"),
            LAUNCHER_ROOT=str(root),
            LAUNCHER_CONFIG=str(cfg),
        )
        for name in ("LAUNCHER_TEST_BSKY_PASSWORD",):
            if name in os.environ:
                self.env[name] = os.environ[name]

    def __call__(self, *args: str, ok: tuple[int, ...] = (0,)) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [sys.executable, "-m", "launcher", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=180,
        )
        assert proc.returncode in ok, proc.stdout + proc.stderr
        return proc

    def json(self, *args: str, ok: tuple[int, ...] = (0,)) -> Any:
        return json.loads(self(*args, "--json", ok=ok).stdout)

    def spawn(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen(
            [sys.executable, "-m", "launcher", *args],
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )


def _records(pds: Any, did: str) -> dict[str, dict[str, Any]]:
    """uri -> record value of every post in the account's repo."""
    out: dict[str, dict[str, Any]] = {}
    cursor = None
    while True:
        params = {"repo": did, "collection": POST, "limit": 100}
        if cursor:
            params["cursor"] = cursor
        resp = requests.get(
            f"{pds.url}/xrpc/com.atproto.repo.listRecords", params=params, timeout=10
        )
        resp.raise_for_status()
        body = resp.json()
        out.update({r["uri"]: r["value"] for r in body["records"]})
        cursor = body.get("cursor")
        if not cursor or not body["records"]:
            return out


def _pinned(pds: Any, did: str) -> str | None:
    resp = requests.get(
        f"{pds.url}/xrpc/com.atproto.repo.getRecord",
        params={"repo": did, "collection": "app.bsky.actor.profile", "rkey": "self"},
        timeout=10,
    )
    resp.raise_for_status()
    return (resp.json()["value"].get("pinnedPost") or {}).get("uri")


def _bluesky(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in doc["posts"] if p["platform"] == "bluesky"]


def _condolences(doc: dict[str, Any]) -> list[dict[str, Any]]:
    return [p for p in _bluesky(doc) if p["message"] == "condolences"]


def _dids(doc: dict[str, Any]) -> dict[str, str]:
    return {a["locale"]: a["account_id"] for a in doc["accounts"] if a["platform"] == "bluesky"}


def _assert_ledger_matches_server(pds: Any, doc: dict[str, Any]) -> None:
    """Every Bluesky post the ledger calls sent is on the PDS with the ledger's text; every
    retracted one is gone."""
    dids = _dids(doc)
    server: dict[str, dict[str, Any]] = {}
    for did in set(dids.values()):
        server.update(_records(pds, did))
    for p in _bluesky(doc):
        if p["state"] == "sent":
            assert p["platform_post_id"] in server, p
            assert server[p["platform_post_id"]]["text"] == p["text"], p
        elif p["state"] == "retracted":
            assert p["platform_post_id"] not in server, p


@pytest.fixture
def lived(pds, pds_password_ref, tmp_path) -> Iterator[tuple[Cli, Path]]:
    domain = pds.handle_domain.lstrip(".")
    root = _content(tmp_path, MINI, domain)
    yield Cli(tmp_path, root, _settings(tmp_path, pds.url, pds_password_ref)), root


def test_three_earthquakes_on_the_same_accounts_then_two_retracted(pds, lived):
    """Three different earthquakes in one mission: every post of each launch is its own record
    on the PDS with its own text (none adopted from another launch). Retracting the first
    leaves the others untouched on the server and in the ledger; retracting the last puts the
    profile's pinned post back to the one pinned before it, never a deleted record."""
    cli, _ = lived
    facts = (("Lazio", "6.1"), ("Umbria", "5.1"), ("Marche", "4.8"))
    launches = []
    for i, (region, magnitude) in enumerate(facts):
        at = _iso(T0 + timedelta(hours=i))
        args = ("--set", f"region={region}", "--set", f"magnitude={magnitude}")
        doc = cli.json(
            "run", "quake", "--mission", "rome", *args, "--at", at, "--now", at, "--really", "--yes"
        )
        sent = [p for p in _condolences(doc) if p["state"] == "sent"]
        assert len(sent) == 3 and all(region in p["text"] for p in sent)
        launches.append(doc["launch"])
    docs = [cli.json("status", lid) for lid in launches]
    dids = _dids(docs[0])
    assert _dids(docs[1]) == _dids(docs[2]) == dids  # the same accounts each time
    uris = [p["platform_post_id"] for d in docs for p in _bluesky(d) if p["state"] == "sent"]
    assert len(uris) == len(set(uris)) == 18  # condolences and the account's intro, 3 x 3
    for d in docs:
        _assert_ledger_matches_server(pds, d)
    last_condolences = {
        p["locale"]: p["platform_post_id"] for p in _condolences(docs[2]) if p["state"] == "sent"
    }
    assert len(last_condolences) == 3
    assert {_pinned(pds, did) for did in dids.values()} == set(last_condolences.values())

    cli("retract", launches[0], "--yes", "--as", "duty officer")
    docs = [cli.json("status", lid) for lid in launches]
    first = {p["key"]: p["state"] for p in _bluesky(docs[0])}
    assert {s for k, s in first.items() if k.startswith(("condolences", "intro"))} == {"retracted"}
    assert {s for k, s in first.items() if k.startswith("update")} == {"halted"}
    for d in docs[1:]:
        assert {p["state"] for p in _bluesky(d) if p["message"] == "condolences"} == {"sent"}
        _assert_ledger_matches_server(pds, d)
    _assert_ledger_matches_server(pds, docs[0])
    assert {_pinned(pds, did) for did in dids.values()} == set(last_condolences.values())

    cli("retract", launches[2], "--yes", "--as", "duty officer")
    docs = [cli.json("status", lid) for lid in launches]
    _assert_ledger_matches_server(pds, docs[1])
    _assert_ledger_matches_server(pds, docs[2])
    second = {p["locale"]: p["platform_post_id"] for p in _condolences(docs[1])}
    for locale, did in dids.items():
        assert _pinned(pds, did) == second[locale]  # restored, not left pointing at a deletion
    unpinned = {e["post"] for e in cli.json("log", launches[2]) if e["action"] == "post.unpinned"}
    assert {p["id"] for p in _bluesky(docs[2]) if p["message"] == "condolences"} <= unpinned


def test_coup_then_platform_ban_share_a_message_id_and_never_collide(
    pds, pds_password_ref, tmp_path
):
    """The shipped coup and platform-ban playbooks both send `registration` in the same
    mission: each launch's registration post is its own record with its own text."""
    root = _content(tmp_path, REPO, pds.handle_domain.lstrip("."))
    cli = Cli(tmp_path, root, _settings(tmp_path, pds.url, pds_password_ref))
    coup = cli.json("run", "coup", "--mission", "ankara", "--locale", "en", "--at", _iso(T0),
                    "--now", _iso(T0 + timedelta(minutes=30)), "--really", "--yes")  # fmt: skip
    later = T0 + timedelta(hours=1)
    ban = cli.json("run", "platform-ban", "--mission", "ankara", "--locale", "en",
                   "--set", "platform=x", "--at", _iso(later),
                   "--now", _iso(later + timedelta(minutes=30)), "--really", "--yes")  # fmt: skip
    assert coup["state"] != "awaiting-approval" and ban["state"] != "awaiting-approval"
    regs = [
        p
        for d in (coup, ban)
        for p in _bluesky(d)
        if p["message"] == "registration" and p["state"] == "sent"
    ]
    states = [
        (p["key"], p["state"])
        for d in (coup, ban)
        for p in _bluesky(d)
        if p["message"] == "registration"
    ]
    assert len(regs) == 2 and regs[0]["key"] == regs[1]["key"], states  # same key in each launch
    assert regs[0]["platform_post_id"] != regs[1]["platform_post_id"]
    for d in (coup, ban):
        _assert_ledger_matches_server(pds, cli.json("status", d["launch"]))


OUTAGE_PLAYBOOK = """\
id: bulletins
kind: bulletins
title: Bulletins every 20 seconds
version: 1
parameters:
  region: {type: text, required: true}
  magnitude: {type: number, required: true, min: 0, max: 10}
  deaths: {type: integer, min: 0, max: 1000000}
platforms: [bluesky]
profile: profiles/crisis.j2
messages:
  - id: condolences
    template: messages/quake/condolences.j2
    at: 0m
  - id: update
    template: messages/quake/update.j2
    at: 20s
    every: 20s
    until: 140s
    expires: 10m
"""


@pytest.fixture
def behind_proxy(pds, pds_password_ref, tmp_path) -> Iterator[tuple[Cli, FaultyProxy]]:
    proxy = FaultyProxy(int(pds.url.rsplit(":", 1)[1]))
    root = _content(tmp_path, MINI, pds.handle_domain.lstrip("."))
    (root / "playbooks" / "bulletins.yaml").write_text(OUTAGE_PLAYBOOK, encoding="utf-8")
    guard = root / "guardrails.yaml"
    policy = guard.read_text(encoding="utf-8") if guard.exists() else ""
    guard.write_text(policy + "\nrepeat_window: 1s\n", encoding="utf-8")
    cli = Cli(tmp_path, root, _settings(tmp_path, proxy.url, pds_password_ref))
    _approve(cli, root, tmp_path, "bulletins")
    try:
        yield cli, proxy
    finally:
        proxy.close()


def _approve(cli: Cli, root: Path, tmp: Path, playbook: str) -> None:
    """Approve a test playbook's content with a key made for this test."""
    import yaml

    key = tmp / "keys" / "approval.key"
    out = cli("approve", "keygen", "--out", str(key), "--owner", "Press office").stdout
    entry = yaml.safe_load(out.split("repository:\n", 1)[1])
    (root / "approval-keys.yaml").write_text(yaml.safe_dump(entry), encoding="utf-8")
    (root / "approvals.yaml").unlink(missing_ok=True)
    cli.env["LAUNCHER_APPROVAL_KEY"] = f"file:{key}"
    cli("approve", "content", playbook, "--as", "Press office")


def _wait_for(predicate, timeout: float, every: float = 1.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        got = predicate()
        if got:
            return got
        time.sleep(every)
    return predicate()


def test_a_two_minute_outage_in_the_middle_of_a_launch_loses_and_doubles_nothing(pds, behind_proxy):
    """The daemon runs; after the first bulletins the PDS is unreachable for two minutes,
    while more fall due. Meanwhile `status` says `retrying` with the next attempt and the
    error; when the PDS is back every post is delivered exactly once, none past its life."""
    cli, proxy = behind_proxy
    run = cli.json("run", "bulletins", "--mission", "rome", "--locale", "it",
                   "--set", "region=Lazio", "--set", "magnitude=6.1", "--yes")  # fmt: skip
    launch = run["launch"]
    assert [p["state"] for p in run["posts"]].count("sent") == 2  # the intro, condolences
    daemon = cli.spawn("daemon", "--poll", "0.5", "--retry-cap", "5", "--log-level", "debug")
    try:
        assert _wait_for(
            lambda: sum(p["state"] == "sent" for p in cli.json("status", launch)["posts"]) >= 3,
            timeout=60,
        )
        proxy.down()
        down_at = time.monotonic()
        retrying = _wait_for(
            lambda: [p for p in cli.json("status", launch)["posts"] if p["state"] == "retrying"],
            timeout=60,
        )
        assert retrying and all(p["retry_at"] and p["error"] for p in retrying)
        assert "could not reach the platform" in retrying[0]["error"]
        # the text view, looked at while a post waits (a moment later the daemon may be
        # trying it again: `sending` until the connection fails)
        text = _wait_for(
            lambda: next((t for t in [cli("status", launch).stdout] if "RETRYING" in t), ""),
            timeout=60,
        )
        assert "RETRYING" in text and "nothing lost" in text
        time.sleep(max(0.0, 120 - (time.monotonic() - down_at)))
        during = cli.json("status", launch)
        assert any(p["state"] == "retrying" for p in during["posts"])
        proxy.up()
        done = _wait_for(
            lambda: (d := cli.json("status", launch))["state"] == "complete" and d,
            timeout=150,
        )
        assert done, cli("status", launch).stdout
    finally:
        daemon.send_signal(signal.SIGTERM)
        _, err = daemon.communicate(timeout=60)
    assert daemon.returncode == 0, err[-3000:]
    assert {p["state"] for p in done["posts"]} == {"sent"}
    for p in done["posts"]:
        assert p["sent_at"] <= p["expires_at"], p
    did = _dids(done)["it"]
    server = _records(pds, did)
    mine = [p["platform_post_id"] for p in done["posts"]]
    assert len(set(mine)) == len(mine) == 9
    texts = [server[uri]["text"] for uri in mine]
    assert texts == [p["text"] for p in done["posts"]]
    on_server = [u for u, v in server.items() if v["text"] in {p["text"] for p in done["posts"]}]
    assert sorted(on_server) == sorted(mine)  # nothing doubled on the PDS
    attempts = [p["attempts"] for p in done["posts"]]
    assert max(attempts) > 2  # the outage was ridden out by retries, not by luck


def test_run_killed_while_setting_up_accounts_is_finished_by_the_daemon(pds, behind_proxy):
    """The PDS stops answering while `run` sets up the accounts; `run` is killed (-9). The
    daemon takes the half-done launch over when the PDS answers again: every account is set
    up, every due post sent once."""
    cli, proxy = behind_proxy
    proxy.hang()
    at = _iso(datetime.now(UTC))
    run = cli.spawn("run", "bulletins", "--mission", "rome", "--set", "region=Lazio",
                    "--set", "magnitude=6.1", "--at", at, "--yes")  # fmt: skip
    try:
        launch = _wait_for(lambda: (cli.json("status").get("launches") or [None])[0], timeout=60)
        assert launch, "run recorded nothing"
        time.sleep(1.0)  # it is now waiting on the PDS inside provisioning
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
    finally:
        if run.poll() is None:
            run.kill()
    lid = launch["launch"]
    stuck = cli.json("status", lid)
    assert {a["state"] for a in stuck["accounts"]} <= {"pending", "provisioning"}
    assert not any(p["state"] == "sent" for p in stuck["posts"])
    proxy.up()
    cli("daemon", "--once")
    done = cli.json("status", lid)
    assert {a["state"] for a in done["accounts"]} == {"active"}
    due = [p for p in done["posts"] if p["message"] == "condolences"]
    assert due and all(p["state"] == "sent" for p in due)
    _assert_ledger_matches_server(pds, done)
