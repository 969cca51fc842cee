"""A platform that cannot be set up through its API prints a checklist in the operator's
language, and a missing credential fails the post with a fix, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import invoke


def test_checklist_is_localized_and_missing_credentials_fail_clearly(
    shipped_root: Path, tmp_path: Path, monkeypatch
) -> None:
    cfg = tmp_path / "launcher.yaml"
    cfg.write_text("platforms:\n  x:\n    adapter: x\n", encoding="utf-8")
    monkeypatch.setenv("LAUNCHER_UI_LOCALE", "fr")
    result = invoke("--config", str(cfg), "run", "earthquake", "-m", "rome", "--set",
                    "region=Umbria", "--set", "magnitude=5", "--at", "2026-03-28T20:00:00Z",
                    "--now", "2026-03-28T20:00:00Z", "--really", "--locale", "it", "--yes",
                    root=shipped_root)  # fmt: skip
    assert result.exit_code == 1  # posts on X failed: no credentials configured
    assert "Traceback" not in result.output
    assert "manual steps for x/it exl_rome_it" in result.stdout
    assert "Créez le compte X @exl_rome_it" in result.stdout
    assert "no credential 'access_token' configured" in result.stdout
    status = json.loads(invoke("status", "--json", root=shipped_root).stdout)
    assert status["launches"][0]["state"] == "failed"
