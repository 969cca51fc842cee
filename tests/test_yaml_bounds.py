"""Hostile YAML: an alias bomb ("billion laughs") is refused after a bounded amount of work,
with a clear error naming the file, wherever launcher reads YAML."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from launcher.content import yamlsrc
from launcher.content.yamlsrc import MAX_ALIAS_EXPANSION, AliasBomb, parse_yaml, walk_nodes

from .conftest import invoke


def bomb(key: str = "lol") -> str:
    """Nine levels of nine aliases: 9**9 (387 million) values once expanded."""
    lines = [f'{key}0: &{key}0 ["{key}", "{key}", "{key}", "{key}", "{key}", "{key}"]']
    for i in range(1, 10):
        refs = ", ".join([f"*{key}{i - 1}"] * 9)
        lines.append(f"{key}{i}: &{key}{i} [{refs}]")
    return "\n".join(lines) + "\n"


class CountingPositions(dict):
    """Counts the values the walk visits (every visit records a position)."""

    visits = 0

    def setdefault(self, key, default=None):  # type: ignore[no-untyped-def]
        self.visits += 1
        return super().setdefault(key, default)


def test_the_walk_stops_at_the_bound() -> None:
    node = yaml.compose(bomb(), Loader=yaml.SafeLoader)
    positions = CountingPositions()
    with pytest.raises(AliasBomb) as info:
        walk_nodes(node, positions, [], "bomb.yaml")
    distinct = 1 + 10 * 2 + 6 + 9 * 9  # root, keys and values, the leaves, the alias uses
    assert positions.visits <= MAX_ALIAS_EXPANSION + distinct
    assert info.value.line >= 1


def test_a_bound_is_a_bound(monkeypatch: pytest.MonkeyPatch) -> None:
    """Expanding up to the bound is fine (aliases are legitimate YAML); one more is not."""
    doc = "base: &b {x: 1}\nuses: [" + ", ".join(["*b"] * 20) + "]\n"  # 20 uses of 2 values
    monkeypatch.setattr(yamlsrc, "MAX_ALIAS_EXPANSION", 40)
    parsed, problems = parse_yaml(doc, "ok.yaml")
    assert problems == [] and parsed is not None and len(parsed.data["uses"]) == 20
    monkeypatch.setattr(yamlsrc, "MAX_ALIAS_EXPANSION", 39)
    parsed, problems = parse_yaml(doc, "ok.yaml")
    assert parsed is None and "past 39 values" in problems[0].message


def test_a_bomb_in_a_playbook(mini_root: Path) -> None:
    pb = mini_root / "playbooks/quake.yaml"
    pb.write_text(pb.read_text() + bomb("x"))
    result = invoke("plan", "quake", "-m", "rome", "--set", "region=R", "--set", "magnitude=5",
                    "--at", "2026-07-01T08:00:00Z", root=mini_root)  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "playbooks/quake.yaml:" in result.output
    assert f"aliases expand this document past {MAX_ALIAS_EXPANSION} values" in result.output


def test_a_bomb_in_the_missions_registry(mini_root: Path) -> None:
    reg = mini_root / "missions.yaml"
    reg.write_text(reg.read_text() + bomb("x"))
    result = invoke("validate", root=mini_root)
    assert result.exit_code == 2, result.output
    assert "missions.yaml:" in result.output and "alias bomb" in result.output


def test_a_bomb_in_the_settings(mini_root: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "launcher.yaml"
    cfg.write_text("platforms: {}\n" + bomb("x"))
    for args in (("validate",), ("status",)):
        result = invoke("--config", str(cfg), *args, root=mini_root)
        assert result.exit_code == 2, result.output
        assert f"{cfg}:" in result.output and "alias bomb" in result.output


ROOT = Path(__file__).resolve().parent.parent

TRICKY = [
    "a: 1\na: 2\n",  # a duplicate key: a problem, the document still read
    "on: yes\nwhen: 2026-12-01\nn: 012\nf: 1.5e3\n",  # YAML 1.1's implicit types
    "a:\n\t- b\n",  # a tab where indentation is expected
    "a: [1, 2\n",  # an unclosed flow sequence
    "a: 'x\u0007y'\n",  # a control character
    "x: &a [1, 2]\ny: *a\nz: {k: *a}\n",  # aliases
    "é: ünïcode\n'quoted: key': \"with \\u2068 escape\"\n",
    "",
]


@pytest.mark.skipif(not yamlsrc._FAST, reason="PyYAML built without libyaml")
@pytest.mark.parametrize("loader", [None, yaml.SafeLoader], ids=["strict", "settings"])
def test_libyaml_reads_every_text_as_the_python_parser_does(loader) -> None:
    """The C parser is only a faster way to the same answer: the shipped content and the
    tricky texts give the same data, positions and problems (errors included) as PyYAML's
    Python parser."""
    texts = [p.read_text(encoding="utf-8") for p in sorted(ROOT.glob("*.yaml"))]
    texts += [p.read_text(encoding="utf-8") for p in sorted((ROOT / "playbooks").glob("*.yaml"))]
    assert len(texts) > 5
    slow = loader or yamlsrc._StrictLoader
    for text in texts:  # the shipped content is read by libyaml itself, not by the fallback
        assert yamlsrc._parse(text, "f.yaml", yamlsrc._FAST[slow])[0] is not None
    for text in texts + TRICKY:
        fast_doc, fast_problems = parse_yaml(text, "f.yaml", loader)
        slow_doc, slow_problems = yamlsrc._parse(text, "f.yaml", slow)
        assert fast_problems == slow_problems, text
        assert (fast_doc is None) == (slow_doc is None), text
        if slow_doc is not None:
            assert fast_doc.data == slow_doc.data, text
            assert fast_doc.positions == slow_doc.positions, text
