"""`launcher lint` on the shipped content and on a broken copy of it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from ..conftest import REPO, invoke

CONTENT = ("missions.yaml", "guardrails.yaml", "places.yaml", "playbooks", "templates", "locales")
FACTS = ("--set", "region=Emilia-Romagna", "--set", "magnitude=6.1")


@pytest.fixture
def broken_root(tmp_path: Path) -> Path:
    root = tmp_path / "content"
    root.mkdir()
    for name in CONTENT:
        src = REPO / name
        if src.is_dir():
            shutil.copytree(src, root / name)
        else:
            shutil.copy(src, root / name)
    tpl = root / "templates" / "messages" / "earthquake" / "condolences.j2"
    tpl.write_text(tpl.read_text(encoding="utf-8") + "\n🙏\n", encoding="utf-8")
    relief = root / "templates" / "messages" / "earthquake" / "relief.j2"
    relief.write_text(
        relief.read_text(encoding="utf-8") + "\nhttps://bit.ly/donate-now\n", encoding="utf-8"
    )
    return root


def test_shipped_content_passes():
    result = invoke("lint", root=REPO)
    assert result.exit_code == 0, result.output
    assert "0 error(s)" in result.output


def test_shipped_plan_passes_as_json():
    result = invoke("lint", "earthquake", "--mission", "tokyo", *FACTS, "--json", root=REPO)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["ok"] is True and doc["errors"] == 0 and doc["plans"] == 1


def test_broken_content_fails_naming_post_rule_and_fix(broken_root):
    result = invoke("lint", "earthquake", "--mission", "rome", *FACTS, root=broken_root)
    assert result.exit_code == 2, result.output
    out = result.output
    assert "earthquake: condolences (locale it;" in out
    assert "[rule emoji-in-condolences]" in out and "🙏" in out
    assert "earthquake: relief" in out and "[rule link-host]" in out and "bit.ly" in out
    assert "fix: remove the emoji from" in out
    assert "fix: link only to the organisation's hosts" in out
    assert "templates/messages/earthquake/condolences.j2" in out


def test_broken_content_as_json(broken_root):
    args = ("lint", "earthquake", "--mission", "rome", *FACTS, "--json")
    result = invoke(*args, root=broken_root)
    assert result.exit_code == 2
    doc = json.loads(result.stdout)
    rules = {(f["rule"], f["locale"]) for f in doc["findings"]}
    assert {("emoji-in-condolences", "it"), ("link-host", "en")} <= rules
    first = doc["findings"][0]
    assert {"post_key", "message_id", "platform", "hint", "severity"} <= set(first)


def test_bad_policy_file_is_a_located_error(broken_root):
    (broken_root / "guardrails.yaml").write_text("severity:\n  shoutng: warning\n")
    result = invoke("lint", "coup", "--mission", "rome", root=broken_root)
    assert result.exit_code == 2
    assert "guardrails.yaml:2:3: severity.shoutng" in result.output
    assert "did you mean 'shouting'?" in result.output


def test_set_without_mission_is_an_input_error():
    result = invoke("lint", "earthquake", "--set", "region=X", root=REPO)
    assert result.exit_code == 2
    assert "--mission" in result.output
