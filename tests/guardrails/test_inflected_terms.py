"""forbidden-term in inflected forms: stems (Snowball) or dictionary forms (pymorphy3, for
Ukrainian) of the post's language, and the shipped guardrails.yaml through the real CLI."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from launcher.guardrails.inflection import how
from tests.conftest import REPO, invoke

from .plans import lint, policy_for, post

TERMS = {
    "uk": ("чутки", "жодної небезпеки", "мародери"),
    "tr": ("söylenti", "teröristler"),
    "ar": ("شائعات", "إشاعة"),
    "it": ("sciacalli", "voci infondate"),
    "fr": ("rumeur", "pilleurs"),
    "es": ("rumores", "saqueadores"),
    "en": ("rumour", "no danger", "looters"),
}


def forbidden(text: str, locale: str) -> list[str]:
    policy = policy_for("forbidden-term", forbidden_terms=TERMS)
    return [f.fragment for f in lint([post(text, locale=locale)], policy)]


@pytest.mark.parametrize(
    ("locale", "text", "fragment"),
    [
        ("uk", "Це не чутки.", "чутки"),
        ("uk", "Не вірте чуткам.", "чуткам"),  # the case that passed before
        ("uk", "Не поширюйте чуток і перевіряйте джерела.", "чуток"),
        ("uk", "Остерігайтеся мародерів.", "мародерів"),
        ("uk", "Немає жодної небезпеки", "жодної небезпеки"),
        ("tr", "Söylentilere inanmayın.", "Söylentilere"),
        ("tr", "Teröristlerin açıklamaları", "Teröristlerin"),
        ("ar", "لا تصدقوا الإشاعات", "الإشاعات"),
        ("it", "Attenzione allo sciacallo.", "sciacallo"),
        ("it", "Non diffondete voce infondata", "voce infondata"),
        ("fr", "Ne relayez pas cette rumeur non vérifiée.", "rumeur"),
        ("fr", "Méfiez-vous du pilleur.", "pilleur"),
        ("es", "No difunda el rumor.", "rumor"),
        ("es", "Cuidado con el saqueador", "saqueador"),
        ("en", "Rumours are circulating.", "Rumours"),
        ("en", "Looter spotted", "Looter"),
    ],
)
def test_inflected_forms_are_caught(locale: str, text: str, fragment: str) -> None:
    assert forbidden(text, locale) == [fragment]


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("uk", "Слухайте місцеву владу й офіційні повідомлення."),
        ("uk", "Небезпека минула? Ні: жодних поїздок."),  # not the term's words in a row
        ("tr", "Lütfen söyleyin: neredesiniz?"),  # söyle- (say) is not söylenti (rumour)
        ("it", "Le voci dei testimoni"),
        ("en", "No, danger has not passed."),  # punctuation between the term's words
        ("fr", "Une rumba sur la place"),
    ],
)
def test_related_but_different_words_pass(locale: str, text: str) -> None:
    assert forbidden(text, locale) == []


def test_a_finding_names_the_term_and_the_form_found() -> None:
    policy = policy_for("forbidden-term", forbidden_terms=TERMS)
    (f,) = lint([post("Не вірте чуткам.", locale="uk")], policy)
    assert "forbidden term 'чутки' (as 'чуткам') for locale uk" in f.message


def test_each_locale_says_how_it_is_matched() -> None:
    assert how("uk") == "dictionary forms (pymorphy3, Ukrainian dictionary)"
    assert how("tr") == "Snowball stems (turkish)" and how("pt_BR") == "Snowball stems (portuguese)"
    assert how("th") == "exact words" and how("ja") == "exact words"


def test_the_shipped_list_stops_an_inflected_rumour_in_a_real_plan(tmp_path: Path) -> None:
    """The shipped guardrails.yaml lists "чутки"; a Ukrainian translation that says "Не вірте
    чуткам" is refused by plan, naming the .po file to reword."""
    root = tmp_path / "content"
    skip = (".git", "tests", "launcher", "docs", "bench", "scripts", "*.mo", "build", "*.egg-info")
    shutil.copytree(REPO, root, ignore=shutil.ignore_patterns(*skip))
    po = root / "locales" / "uk" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    marker = '"Тут ми публікуємо офіційну'
    assert marker in text
    po.write_text(text.replace(marker, '"Не вірте чуткам. Тут ми публікуємо офіційну', 1),
                  encoding="utf-8")  # fmt: skip
    result = invoke("plan", "earthquake", "-m", "kyiv", "--set", "region=Київщина", "--set",
                    "magnitude=5", "--at", "2026-03-28T20:00:00Z", root=root)  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "forbidden term 'чутки' (as 'чуткам') for locale uk" in result.stderr
    assert "locales/uk/LC_MESSAGES/messages.po" in result.stderr
