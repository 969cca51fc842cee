"""The playbook's ``sunset:`` section: read with every problem located, declared by every
shipped playbook and rendered by ``validate`` in all nine locales."""

from __future__ import annotations

from pathlib import Path

import pytest

from launcher.content.playbook import load_playbook, parse_playbook_file
from tests.conftest import REPO, invoke

GOOD = """
sunset:
  messages:
    - {id: bye, template: messages/quake/update.j2, before: 48h, pin: true}
    - {id: soon, template: messages/quake/update.j2, before: 14d}
  profile: profiles/crisis.j2
  created_accounts: retire
  retire: {mastodon: move, bluesky: checklist}
"""


def _parse(mini_root: Path, section: str):
    path = mini_root / "playbooks" / "quake.yaml"
    path.write_text(path.read_text(encoding="utf-8") + section, encoding="utf-8")
    return parse_playbook_file(path, mini_root)


def test_a_sunset_section_is_read_earliest_farewell_first(mini_root) -> None:
    playbook, problems = _parse(mini_root, GOOD)
    assert problems == [] and playbook is not None
    spec = playbook.sunset
    assert [m.id for m in spec.messages] == ["soon", "bye"]
    assert spec.messages[1].pin and spec.created_accounts == "retire"
    assert spec.retire_action("mastodon") == "move" and spec.retire_action("x") == "checklist"
    assert "profiles/crisis.j2" in playbook.templates  # approvals and catalogs cover it


@pytest.mark.parametrize(
    ("section", "wanted"),
    [
        ("sunset:\n  messages: []\n  profile: p.j2\n", "non-empty list of farewell messages"),
        (
            "sunset:\n  messages:\n    - {id: a, template: t.j2, before: soon}\n  profile: p.j2\n",
            "'soon' is not a duration",
        ),
        (
            "sunset:\n  messages:\n    - {id: update, template: t.j2, before: 1d}\n"
            "  profile: p.j2\n",
            "message id 'update' is used twice",
        ),
        (
            "sunset:\n  messages:\n    - {id: a, template: t.j2, before: 1d}\n  profile: p.j2\n"
            "  retire: {bluesky: move}\n",
            "'move' is not what retiring can mean on bluesky",
        ),
        (
            "sunset:\n  messages:\n    - {id: a, template: t.j2, before: 1d}\n  profile: p.j2\n"
            "  created_accounts: delete\n",
            "unknown choice 'delete'",
        ),
        (
            "sunset:\n  messages:\n    - {id: a, template: t.j2, befor: 1d}\n  profile: p.j2\n",
            "unknown key 'befor', did you mean 'before'?",
        ),
    ],
)
def test_problems_name_file_line_and_field(mini_root, section, wanted) -> None:
    playbook, problems = _parse(mini_root, section)
    assert playbook is None
    text = "\n".join(str(p) for p in problems)
    assert wanted in text, text
    assert all(p.file == "playbooks/quake.yaml" and p.line for p in problems)
    assert all("sunset" in (p.field or "") for p in problems)


def test_the_shipped_playbooks_declare_a_sunset_in_nine_locales() -> None:
    for pid in ("earthquake", "coup", "platform-ban"):
        spec = load_playbook(REPO, pid).sunset
        assert spec is not None and spec.messages and spec.profile_template
        assert any(m.pin for m in spec.messages)
    status = invoke("i18n", "status", "--json", root=REPO)
    import json

    doc = json.loads(status.stdout)
    locales = {loc["locale"] for loc in doc["locales"]}
    assert locales == {"ar", "en", "es", "fr", "it", "ja", "th", "tr", "uk"}


def test_validate_renders_the_sunsets_and_finds_an_over_long_one(tmp_path) -> None:
    import shutil

    root = tmp_path / "content"
    for item in ("playbooks", "templates", "locales", "missions.yaml", "guardrails.yaml",
                 "places.yaml", "approvals.yaml", "approval-keys.yaml", "babel.cfg"):  # fmt: skip
        src = REPO / item
        (shutil.copytree if src.is_dir() else shutil.copy)(src, root / item)
    assert invoke("validate", root=root).exit_code == 0
    farewell = root / "templates" / "messages" / "sunset" / "farewell.j2"
    farewell.write_text(farewell.read_text(encoding="utf-8") + "{{ 'x' * 300 }}\n", "utf-8")
    result = invoke("validate", root=root)
    assert result.exit_code == 2
    assert "sunset" in result.output or "farewell" in result.output
    assert "too long for x" in result.output
