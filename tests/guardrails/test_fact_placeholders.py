"""A fact with template syntax is the duty officer's data, not a broken translation: it is
published as typed, and any finding about it names its ``--set`` option."""

from __future__ import annotations

import json
from pathlib import Path

from launcher.guardrails import Policy
from launcher.guardrails.policy import DEFAULT_SEVERITIES
from tests.conftest import invoke

from .plans import lint, post

FACTS = ("quake", "-m", "rome", "--set", "magnitude=6", "--at", "2026-03-28T20:00:00Z")


def test_the_fact_is_not_blamed_on_the_translation():
    """leftover-placeholder skips what lies inside a fact; the fact rule names --set."""
    text = "Terremoto nella zona di {{ 7*7 }}. Numero di emergenza: +44 20 7946 0160"
    found = lint([post(text, locale="it")], Policy(), facts={"region": "{{ 7*7 }}"})
    rules = {f.rule for f in found}
    assert "leftover-placeholder" not in rules
    (finding,) = [f for f in found if f.rule == "placeholder-in-fact"]
    assert finding.severity == DEFAULT_SEVERITIES["placeholder-in-fact"] == "warning"
    assert finding.message_id == "--set region" and finding.fragment == "{{"
    assert "--set region=" in finding.hint and "messages.po" not in finding.hint


def test_a_template_left_over_next_to_a_fact_is_still_found():
    """Only the fact's own span is the fact's: the translation's %(name)s is still reported."""
    text = "Terremoto nella zona di {{ 7*7 }}, %(city)s"
    found = lint([post(text, locale="it")], Policy(), facts={"region": "{{ 7*7 }}"})
    left = [f for f in found if f.rule == "leftover-placeholder"]
    assert [f.fragment for f in left] == ["%(city)s"]
    assert "locales/it/LC_MESSAGES/messages.po" in left[0].hint


def test_organisations_can_refuse_such_facts_naming_the_option(mini_root: Path):
    (mini_root / "guardrails.yaml").write_text(
        "severity:\n  placeholder-in-fact: error\n", encoding="utf-8"
    )
    result = invoke("plan", *FACTS, "--set", "region=Lazio {% raw %}", root=mini_root)
    assert result.exit_code == 2
    err = result.stderr
    assert "quake: --set region (mission rome) [rule placeholder-in-fact]" in err
    assert "'{%', '%}'" in err and "--set region=" in err
    assert "translation" not in err and "messages.po" not in err
    ok = invoke("plan", *FACTS, "--set", "region=Lazio", "--json", root=mini_root)
    assert ok.exit_code == 0 and json.loads(ok.stdout)["warnings"] == []


def test_run_publishes_the_fact_as_typed(mini_root: Path, tmp_path: Path):
    """Through the ledger to the sandbox: the text on the platform holds the braces."""
    import os

    result = invoke("run", *FACTS, "--set", "region={{ 7*7 }}", "--now", FACTS[-1], "--yes",
                    root=mini_root)  # fmt: skip
    assert result.exit_code == 0, result.output
    outbox = Path(os.environ["LAUNCHER_DATA_DIR"]) / "sandbox" / "outbox.jsonl"
    texts = [json.loads(x).get("text", "") for x in outbox.read_text().splitlines()]
    sent = [t for t in texts if "{{ 7*7 }}" in t]
    assert sent and not any("49" in t for t in texts)
