"""repeated-text and untranslated-english: rules that compare posts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from launcher.models import PlannedAccount

from .plans import HOUR, NOW, lint, plan, policy_for, post

# -- repeated-text ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("en", "Stay away from damaged buildings."),
        ("ar", "ابتعدوا عن المباني المتضررة."),
        ("th", "อยู่ห่างจากอาคารที่เสียหาย"),
        ("ja", "損傷した建物に近づかないでください。"),
        ("uk", "Тримайтеся подалі від пошкоджених будівель."),
    ],
)
def test_same_text_to_the_same_account_within_the_window(locale, text):
    posts = [
        post(text, locale=locale, message="update", occurrence=1, at=NOW),
        post(text, locale=locale, message="update", occurrence=2, at=NOW + 4 * HOUR),
    ]
    found = lint(posts, policy_for("repeated-text"))
    assert [f.rule for f in found] == ["repeated-text"]
    f = found[0]
    assert f.post_key == f"update#2/mastodon/{locale}" and "update#1/mastodon" in f.message
    assert "4h later" in f.message and "repeat_window" in f.hint


def test_repeats_outside_the_window_or_to_other_accounts_pass():
    text = "Stay away from damaged buildings."
    posts = [
        post(text, message="update", occurrence=1, at=NOW),
        post(text, message="update", occurrence=2, at=NOW + 25 * HOUR),
        post(text, message="update", platform="x", at=NOW + HOUR),  # another account
        post(text, message="update", locale="fr", at=NOW + HOUR),  # another account
        post("Stay away from damaged buildings. (2)", message="update", at=NOW + 2 * HOUR),
    ]
    assert lint(posts, policy_for("repeated-text")) == []
    shorter = policy_for("repeated-text", repeat_window=timedelta(hours=30))
    assert [f.rule for f in lint(posts, shorter)] == ["repeated-text"]


# -- untranslated-english -----------------------------------------------------------------------

EN = "Please do not travel to the affected area unless you are part of an organised relief effort."


def test_a_post_identical_to_the_english_one():
    posts = [post(EN), post(EN, locale="ja"), post(EN, locale="ar")]
    found = lint(posts, policy_for("untranslated-english"))
    assert [(f.rule, f.locale) for f in found] == [
        ("untranslated-english", "ja"),
        ("untranslated-english", "ar"),
    ]
    assert "is the English text" in found[0].message
    assert "locales/ja/LC_MESSAGES/messages.po" in found[0].hint


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("th", "โปรดอย่าเดินทาง: do not travel to the affected area unless you are part of it"),
        ("uk", "Будь ласка, unless you are part of an organised relief effort."),
        ("fr", "Merci de ne pas vous rendre dans la zone: part of an organised relief effort"),
    ],
)
def test_a_long_run_of_english_words(locale, text):
    found = lint([post(EN), post(text, locale=locale)], policy_for("untranslated-english"))
    assert [f.rule for f in found] == ["untranslated-english"]
    assert "words in a row are the English text" in found[0].message


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("fr", "Ne vous rendez pas dans la zone sinistrée sauf dans le cadre d'une opération."),
        ("ja", "組織的な救援活動に参加する場合を除き、被災地への移動はお控えください。"),
        ("ar", "يُرجى عدم التوجه إلى المنطقة المنكوبة إلا في إطار جهود إغاثة منظّمة."),
        ("th", "โปรดอย่าเดินทางไปยังพื้นที่ประสบภัย"),
        ("uk", "Не їдьте до постраждалого району."),
    ],
)
def test_translations_pass(locale, text):
    assert lint([post(EN), post(text, locale=locale)], policy_for("untranslated-english")) == []


def test_names_from_facts_and_mission_data_are_not_english():
    facts = {"region": "Kahramanmaraş and Hatay provinces of the south east"}
    en = "An earthquake struck Kahramanmaraş and Hatay provinces of the south east today."
    tr = "Bugün Kahramanmaraş and Hatay provinces of the south east bölgesinde deprem oldu."
    found = lint([post(en), post(tr, locale="tr")], policy_for("untranslated-english"), facts=facts)
    assert found == []
    # the same display name in en and fr ("Exampleland · Tokyo") is a name, not a sentence
    accs = [
        PlannedAccount("mastodon", loc, f"exl_tokyo_{loc}", "Exampleland · Tokyo", "Bio " + loc)
        for loc in ("en", "fr")
    ]
    assert lint(plan([post("x")], accounts=accs), policy_for("untranslated-english")) == []


def test_source_english_for_a_plan_without_en():
    from launcher.guardrails import lint_plan

    p = plan([post(EN, locale="ja", message="relief")])
    policy = policy_for("untranslated-english")
    assert lint_plan(p, policy, link_hosts=()) == []  # nothing to compare with
    found = lint_plan(p, policy, link_hosts=(), source_english={("relief", 1, "mastodon", 1): EN})
    assert [f.rule for f in found] == ["untranslated-english"]


def test_thread_parts_are_compared_with_the_whole_english_text():
    en = [
        post(EN[:50] + " (1/2)", part=1, parts=2),
        post(EN[50:] + " (2/2)", part=2, parts=2),
    ]
    # the French thread splits elsewhere: its only part still repeats the English words
    fr = post("Veuillez: " + EN[30:], locale="fr")
    found = lint([*en, fr], policy_for("untranslated-english"))
    assert [f.locale for f in found] == ["fr"]


def test_a_one_letter_fact_does_not_cut_words():
    # platform-ban's fact platform=x must not turn "Exampleland" into two words
    accs = [
        PlannedAccount("mastodon", loc, f"exl_tokyo_{loc}", "Exampleland · Tokyo", "Bio " + loc)
        for loc in ("en", "fr")
    ]
    p = plan([post("x")], accounts=accs, facts={"platform": "x"})
    assert lint(p, policy_for("untranslated-english")) == []
