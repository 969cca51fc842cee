"""A YAML file read again in the same process (fifty missions' plans read approvals.yaml
fifty times) is parsed once while its text is unchanged: each caller gets its own copy, and
an edit is seen at once."""

from __future__ import annotations

from launcher.content.yamlsrc import load_yaml


def test_unchanged_text_gives_equal_independent_copies(tmp_path):
    f = tmp_path / "policy.yaml"
    f.write_text("rules:\n  shouting: warn\nlist: [1, 2]\n", encoding="utf-8")
    first, problems = load_yaml(f)
    assert problems == [] and first is not None
    first.data["list"].append(3)  # a caller changing its copy
    second, _ = load_yaml(f)
    assert second is not None
    assert second.data == {"rules": {"shouting": "warn"}, "list": [1, 2]}
    assert second.where(("rules", "shouting"))["line"] == 2


def test_an_edited_file_is_parsed_again(tmp_path):
    f = tmp_path / "approvals.yaml"
    f.write_text("approvals: []\n", encoding="utf-8")
    assert load_yaml(f)[0].data == {"approvals": []}
    f.write_text("approvals:\n  - playbook: earthquake\n", encoding="utf-8")
    assert load_yaml(f)[0].data == {"approvals": [{"playbook": "earthquake"}]}


def test_problems_are_reported_every_time(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("a: 1\na: 2\n", encoding="utf-8")
    for _ in range(2):
        _doc, problems = load_yaml(f, "bad.yaml")
        assert problems and problems[0].file == "bad.yaml"
