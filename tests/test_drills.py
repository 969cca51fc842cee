"""``--now`` is a drill: ``run`` and ``daemon --once`` refuse it while a real platform could be
reached, unless ``--really``, which goes to the audit trail. "Real" here is a wire adapter
that is not the sandbox: it writes what it would publish to a file the tests read."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import ClassVar

from launcher.adapters.base import (
    AccountRef,
    Adapter,
    Capabilities,
    Option,
    OutgoingPost,
    ProfileUpdate,
    Provisioned,
    Published,
)
from launcher.launch.drills import daemon_targets, real_targets
from launcher.settings import Settings
from tests.conftest import invoke

WIRE = "tests.test_drills:WireAdapter"
QUAKE = ("quake", "-m", "rome", "--set", "region=Lazio", "--set", "magnitude=6.1")
T0 = "2026-05-22T06:00:00Z"
LATER = "2026-05-22T10:00:00Z"  # the 3h update is due


class WireAdapter(Adapter):
    """Stands for a real platform (it is not the sandbox): appends each post to ``wire``."""

    name: ClassVar[str] = "wire"
    platform: ClassVar[str] = "x"
    title: ClassVar[str] = "Wire"
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=280,
        counting="characters",
        profile_fields=frozenset({"display_name", "bio"}),
        create_accounts=True,
        pin=False,
        delete=False,
        idempotency="reconcile",
    )
    options: ClassVar[tuple[Option, ...]] = (Option("wire", "file of what was published"),)

    def provision(self, account: AccountRef, profile: ProfileUpdate) -> Provisioned:
        return Provisioned(account=account, created=True)

    def publish(self, account: AccountRef, post: OutgoingPost) -> Published:
        with Path(self.settings["wire"]).open("a", encoding="utf-8") as fh:
            fh.write(json.dumps({"key": post.key, "to": account.handle}) + "\n")
        return Published(platform_post_id=f"wire-{post.key}")


def _config(tmp_path: Path, body: str) -> tuple[Path, Path]:
    wire = tmp_path / "wire.jsonl"
    cfg = tmp_path / "launcher.yaml"
    cfg.write_text(body.format(adapter=WIRE, wire=wire), encoding="utf-8")
    return cfg, wire


def _wired(path: Path) -> list[dict]:
    return [json.loads(x) for x in path.read_text().splitlines()] if path.exists() else []


def _events(root: Path, cfg: Path | None = None) -> list[dict]:
    args = ["--config", str(cfg)] if cfg else []
    result = invoke(*args, "log", "--json", root=root)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


X_ON_WIRE = "platforms:\n  x:\n    adapter: '{adapter}'\n    options: {{wire: '{wire}'}}\n"


def test_run_now_is_refused_when_a_plan_platform_is_real(mini_root: Path, tmp_path: Path):
    cfg, wire = _config(tmp_path, X_ON_WIRE)
    result = invoke("--config", str(cfg), "run", *QUAKE, "--now", T0, "--yes", root=mini_root)
    assert result.exit_code == 2, result.output
    assert "--now 2026-05-22T06:00:00Z is a drill" in result.stderr
    assert f"x ({WIRE})" in result.stderr and "--really" in result.stderr
    assert _wired(wire) == []
    status = invoke("--config", str(cfg), "status", "--json", root=mini_root)
    assert "quake" not in status.stdout  # nothing recorded either


def test_run_now_really_sends_and_is_in_the_audit_trail(mini_root: Path, tmp_path: Path):
    cfg, wire = _config(tmp_path, X_ON_WIRE)
    result = invoke(
        "--config", str(cfg), "run", *QUAKE, "--now", T0, "--really", "--yes", root=mini_root
    )
    assert result.exit_code == 0, result.output
    assert "DRILL ON REAL PLATFORMS (--really): x" in result.stderr
    assert _wired(wire) and all(w["key"].split("/")[1] == "x" for w in _wired(wire))
    really = [e for e in _events(mini_root, cfg) if e["action"] == "drill.really"]
    assert len(really) == 1
    detail = really[0]["detail"]
    assert detail["drill_now"] == T0 and detail["command"] == "run"
    assert detail["real_platforms"] == [f"x ({WIRE})"]


def test_run_now_on_the_sandbox_needs_no_really(mini_root: Path):
    result = invoke("run", *QUAKE, "--now", T0, "--yes", "--json", root=mini_root)
    assert result.exit_code == 0, result.output
    assert not [e for e in _events(mini_root) if e["action"] == "drill.really"]


def test_really_without_now_is_a_usage_error(mini_root: Path):
    result = invoke("run", *QUAKE, "--at", T0, "--really", "--yes", root=mini_root)
    assert result.exit_code == 2 and "--really goes with --now" in result.output
    result = invoke("daemon", "--once", "--really", root=mini_root)
    assert result.exit_code == 2 and "--really goes with --now" in result.output


def test_daemon_now_is_refused_for_a_mission_override_to_a_real_platform(
    mini_root: Path, tmp_path: Path
):
    """A launch on the sandbox, then a drill daemon whose settings send Rome's X for real:
    refused, and nothing at all is delivered (not even the sandbox's due posts)."""
    assert invoke("run", *QUAKE, "--now", T0, "--yes", root=mini_root).exit_code == 0
    outbox = Path(os.environ["LAUNCHER_DATA_DIR"]) / "sandbox" / "outbox.jsonl"
    before = outbox.read_text()
    cfg, wire = _config(
        tmp_path,
        "missions:\n  rome:\n    platforms:\n      x:\n"
        "        adapter: '{adapter}'\n        options: {{wire: '{wire}'}}\n",
    )
    result = invoke("--config", str(cfg), "daemon", "--once", "--now", LATER, root=mini_root)
    assert result.exit_code == 2, result.output
    assert "the daemon could send to real platforms" in result.stderr
    assert f"x@rome ({WIRE})" in result.stderr
    assert outbox.read_text() == before and _wired(wire) == []

    really = invoke(
        "--config", str(cfg), "daemon", "--once", "--now", LATER, "--really", root=mini_root
    )
    assert really.exit_code == 0, really.output
    assert {w["key"].split("#")[0] for w in _wired(wire)} == {"update"}
    assert outbox.read_text() != before  # the sandbox platforms got their update too
    (event,) = [e for e in _events(mini_root, cfg) if e["action"] == "drill.really"]
    assert event["detail"]["command"] == "daemon" and event["detail"]["drill_now"] == LATER
    assert event["detail"]["real_platforms"] == [f"x@rome ({WIRE})"]


def test_daemon_targets_cover_every_platform_and_mission_override():
    """A real base adapter counts even where one mission goes back to the sandbox; a
    settings file that names only the sandbox has no real target."""
    settings = Settings(
        {
            "platforms": {"mastodon": {"adapter": "mastodon"}},
            "missions": {"rome": {"platforms": {"mastodon": {"adapter": "sandbox"}}}},
        }
    )
    assert real_targets(settings, daemon_targets(settings)) == ["mastodon (mastodon)"]
    assert real_targets(settings, [("mastodon", "rome")]) == []
    sandbox_only = Settings({"platforms": {"x": {"adapter": "sandbox"}}})
    assert real_targets(sandbox_only, daemon_targets(sandbox_only)) == []
    assert real_targets(Settings(), daemon_targets(Settings())) == []
