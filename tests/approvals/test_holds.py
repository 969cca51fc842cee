"""Holds hold: a launch waiting for a second person makes no platform call at all (no
account created or activated, no profile changed, no post, no freeze), on the sandbox and on a
real adapter; the approval, an hour later, sets the accounts up and sends."""

from __future__ import annotations

import json
import os
from datetime import datetime, timedelta
from pathlib import Path

import responses

from tests.conftest import invoke

AT = "2026-05-22T06:00:00Z"
RUN = ("run", "quake", "--mission", "rome", "--set", "region=Lazio", "--set", "magnitude=6.1")
MASTO = "https://social.example.org"


def outbox() -> list[dict]:
    path = Path(os.environ["LAUNCHER_DATA_DIR"]) / "sandbox" / "outbox.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _run(root: Path, *extra: str, at: str = AT) -> dict:
    result = invoke(*RUN, "--at", at, "--now", at, "--yes", "--json", *extra, root=root)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_held_launch_makes_no_platform_call_at_all(signed_root: Path, tmp_path: Path) -> None:
    """Content not approved: no account created or activated, no profile, no post, no
    freeze, on the sandbox and on a real adapter (any HTTP call would fail this test); then
    the approval an hour later provisions and sends."""
    cfg = tmp_path / "launcher.yaml"
    cfg.write_text(
        "platforms:\n  mastodon:\n    adapter: mastodon\n    options:\n"
        f"      base_url: {MASTO}\n      token: env:T_TOKEN\n",
        encoding="utf-8",
    )
    os.environ["T_TOKEN"] = "tok-held-launch-0001"
    try:
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            result = invoke("--config", str(cfg), *RUN, "--at", AT, "--now", AT, "--really",
                            "--yes", "--json", "--as", "officer", root=signed_root)  # fmt: skip
            assert result.exit_code == 0, result.output
            assert len(rsps.calls) == 0  # registered nothing: a call would have raised
        doc = json.loads(result.stdout)
        assert doc["state"] == "awaiting-approval"
        assert outbox() == []  # not even a provisioning record
        assert {a["state"] for a in doc["accounts"]} == {"pending"}
        log = json.loads(invoke("log", doc["launch"], "--json", root=signed_root).stdout)
        assert not [e for e in log if e["action"].startswith(("account.", "post."))]
        later = datetime.fromisoformat(AT.replace("Z", "+00:00")) + timedelta(hours=1)
        with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
            rsps.patch(f"{MASTO}/api/v1/accounts/update_credentials", json={"id": "7"})
            rsps.get(f"{MASTO}/api/v1/accounts/verify_credentials", json={"id": "7"})
            rsps.post(f"{MASTO}/api/v1/statuses", json={"id": "9", "url": "u"})
            rsps.post(f"{MASTO}/api/v1/statuses/9/pin", json={})
            when = later.strftime("%Y-%m-%dT%H:%M:%SZ")
            approved = invoke("--config", str(cfg), "approve", "launch", doc["launch"],
                              "--as", "deputy", "--now", when, "--really",
                              root=signed_root)  # fmt: skip
            assert approved.exit_code == 0, approved.output
            calls = [(c.request.method, c.request.url.split("?")[0]) for c in rsps.calls]
        assert ("PATCH", f"{MASTO}/api/v1/accounts/update_credentials") in calls
        assert ("POST", f"{MASTO}/api/v1/statuses") in calls
        assert [r["op"] for r in outbox()].count("provision") > 0
    finally:
        os.environ.pop("T_TOKEN", None)


def test_a_rejected_launch_never_changed_a_profile(signed_root: Path) -> None:
    doc = _run(signed_root, "--as", "officer")
    assert doc["state"] == "awaiting-approval"
    rejected = invoke("reject", doc["launch"], "--reason", "wrong", "--as", "deputy",
                      root=signed_root)  # fmt: skip
    assert rejected.exit_code == 0, rejected.output
    invoke("daemon", "--once", "--now", AT, root=signed_root)
    assert outbox() == []
