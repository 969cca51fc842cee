"""bidi-control: direction controls launcher did not write itself are reported, and shown."""

from __future__ import annotations

from pathlib import Path

import pytest

from launcher.content.bidi import reveal, stray
from launcher.guardrails import DEFAULT_SEVERITIES

from ..conftest import invoke
from .plans import lint, policy_for, post

RLO, LRI, RLI, FSI, PDI, PDF = "\u202e", "\u2066", "\u2067", "\u2068", "\u2069", "\u202c"
POLICY = policy_for("bidi-control")


def found(text: str, locale: str = "en", facts: dict | None = None) -> list[str]:
    return [f.fragment for f in lint([post(text, locale=locale)], POLICY, facts=facts)]


def test_it_warns_by_default() -> None:
    assert DEFAULT_SEVERITIES["bidi-control"] == "warning"


@pytest.mark.parametrize(
    ("text", "locale", "fragment"),
    [
        # an override that flips "exe.txt" into "txt.exe" on screen
        (f"Download report{RLO}txt.exe", "en", "⟨U+202E⟩"),
        (f"Call {LRI}+44 20 7946 0101{PDI} now", "en", "⟨U+2066⟩⟨U+2069⟩"),  # not ours in en
        (f"a {FSI}b c", "ar", "⟨U+2068⟩"),  # an isolate left open is not launcher's
        (f"a {FSI}b{RLO}{PDI} c", "fr", "⟨U+202E⟩⟨U+2068⟩⟨U+2069⟩"),  # a control inside
        (f"a {RLI}b{PDI}", "ar", "⟨U+2067⟩⟨U+2069⟩"),
        (f"a {LRI}b{RLO}c{PDI}", "ar", "⟨U+202E⟩⟨U+2066⟩⟨U+2069⟩"),  # a control inside
        (f"x\u202ay\u202bz{PDF}", "en", "⟨U+202A⟩⟨U+202B⟩⟨U+202C⟩"),
    ],
)
def test_stray_controls_are_reported(text: str, locale: str, fragment: str) -> None:
    assert found(text, locale) == [fragment]


def test_launchers_own_isolates_are_not_reported() -> None:
    """|ltr puts LRI…PDI around a phone number or link in right-to-left locales."""
    text = f"خط الطوارئ: {LRI}+44 20 7946 0101{PDI} {LRI}https://help.example.org{PDI}"
    assert found(text, "ar") == []
    assert stray(text, rtl=True) == []
    assert reveal(text, rtl=True) == text


@pytest.mark.parametrize("locale", ["en", "fr", "ja", "th", "uk", "ar"])
def test_fact_isolates_are_launchers_own_in_every_locale(locale: str) -> None:
    """Every typed fact is written in FSI…PDI, in every locale (content.bidi.isolate_facts)."""
    text = f"a {FSI}תל אביב{PDI} b"
    assert found(text, locale) == []
    assert reveal(text, rtl=locale == "ar") == text


def test_a_fact_holding_controls_is_named_even_when_they_look_like_ours() -> None:
    region = f"{LRI}Lazio{PDI}"
    findings = lint([post(f"بقوة 6,1 في {region}.", locale="ar")], POLICY, facts={"region": region})
    assert len(findings) == 1
    assert "--set region" in findings[0].hint


def test_a_translation_is_pointed_at_the_catalog() -> None:
    (finding,) = lint([post(f"Stay safe{RLO} now", locale="fr")], POLICY)
    assert "locales/fr/LC_MESSAGES/messages.po" in finding.hint
    assert "RIGHT-TO-LEFT OVERRIDE" in finding.message and "⟨U+202E⟩" in finding.message
    assert RLO not in finding.message  # the message itself shows the marker, not the control


def test_reveal_shows_markers_in_place() -> None:
    assert reveal(f"ab{RLO}cd", rtl=False) == "ab⟨U+202E⟩cd"
    assert reveal(f"{LRI}12{PDI}", rtl=False) == "⟨U+2066⟩12⟨U+2069⟩"


ARGS = ("quake", "-m", "beirut", "--set", "magnitude=6.1", "--at", "2026-07-01T08:00:00Z")


def test_plan_and_preview_show_a_facts_controls_visibly(mini_root: Path, tmp_path: Path) -> None:
    region = f"Laz{RLO}oi"
    result = invoke("plan", *ARGS, "--set", f"region={region}", root=mini_root)
    assert result.exit_code == 0, result.output
    assert RLO not in result.output
    assert "region=Laz⟨U+202E⟩oi" in result.output
    assert "| Our thoughts are with everyone affected by the magnitude 6.1 earthquake in" in (
        result.output
    )
    assert "in Laz⟨U+202E⟩oi." in result.output
    assert "[rule bidi-control]" in result.output
    # launcher's own isolates in the Arabic posts are left alone
    assert LRI in result.output and "⟨U+2066⟩" not in result.output

    as_json = invoke("plan", *ARGS, "--set", f"region={region}", "--json", root=mini_root)
    assert RLO in as_json.output  # the JSON is the text as it would be sent

    page = tmp_path / "p.html"
    result = invoke("preview", *ARGS, "--set", f"region={region}", "-o", str(page), root=mini_root)
    assert result.exit_code == 0, result.output
    html = page.read_text(encoding="utf-8")
    assert RLO not in html
    assert '<span class="bidi">⟨U+202E⟩</span>' in html
    assert '<td class="fact">Laz⟨U+202E⟩oi</td>' in html
