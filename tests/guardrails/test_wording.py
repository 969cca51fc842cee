"""forbidden-term, shouting, exclamations, emoji-in-condolences."""

from __future__ import annotations

import pytest

from .plans import lint, policy_for, post

TERMS = {
    "en": ("no danger", "rumour", "ass"),
    "th": ("ข่าวลือ", "ไม่มีอันตราย"),
    "ja": ("デマ", "絶対安全", "噂"),
    "uk": ("чутки",),
    "ar": ("شائعات", "آمن تماما"),
    "tr": ("söylenti",),
    "de": ("straße",),
    "*": ("fake news",),
}


def forbidden(text: str, locale: str) -> list[str]:
    policy = policy_for("forbidden-term", forbidden_terms=TERMS)
    return [f.fragment for f in lint([post(text, locale=locale)], policy)]


# -- forbidden-term -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "text", "fragment"),
    [
        ("en", "There is NO DANGER for citizens.", "NO DANGER"),
        ("en", "There is no\u00a0danger at all.", "no danger"),
        ("en", "Ignore the rumour.", "rumour"),
        ("en", "What an ass.", "ass"),
        # Thai is written without spaces: the term is found inside a run of text
        ("th", "นี่เป็นข่าวลือที่ไม่มีมูลความจริง", "ข่าวลือ"),
        ("th", "ขณะนี้ไม่มีอันตรายต่อพลเมือง", "ไม่มีอันตราย"),
        # Japanese too, in katakana and in kanji
        ("ja", "それはデマです。", "デマ"),
        ("ja", "現地は絶対安全です", "絶対安全"),
        ("ja", "根拠のない噂に注意", "噂"),
        # full-width Latin is matched as Latin
        ("ja", "ＦＡＫＥ ＮＥＷＳに注意", "FAKE NEWS"),
        ("uk", "Не поширюйте ЧУТКИ.", "ЧУТКИ"),
        # Arabic harakat (here a shadda and fathatan) do not hide a term
        ("ar", "لا تصدقوا الشائعات", "الشائعات"),
        ("ar", "وشائعات كثيرة", "وشائعات"),
        ("ar", "المنطقة آمنٌ تماماً", "آمن تماما"),
        ("tr", "Bu bir SÖYLENTİ değil", "SÖYLENTİ"),
        ("de", "Die STRASSE ist gesperrt", "STRASSE"),
    ],
)
def test_forbidden_term_found_in_every_script(locale, text, fragment):
    assert forbidden(text, locale) == [fragment]


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        # word boundaries: "ass" is not in "assistance", "class" or "passport"
        ("en", "We offer consular assistance; first class; bring your passport."),
        ("en", "There is danger: stay indoors."),
        # katakana words stick together: デマ is not in デマンド
        ("ja", "デマンド交通は運休中です"),
        ("uk", "Слухайте місцеву владу."),
        ("th", "ปลอดภัยไว้ก่อน"),
        ("ar", "لا تصدقوا ما يقال"),
        # another locale's terms do not apply
        ("fr", "Une rumour en anglais n'est pas un terme français."),
    ],
)
def test_forbidden_term_passes(locale, text):
    assert forbidden(text, locale) == []


def test_forbidden_term_hint_names_the_file_and_list():
    policy = policy_for("forbidden-term", forbidden_terms=TERMS)
    (f,) = lint([post("ข่าวลือ", locale="th")], policy)
    assert "forbidden_terms in guardrails.yaml" in f.hint
    assert "locales/th/LC_MESSAGES/messages.po" in f.hint


# -- shouting -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("en", "STAY INDOORS and AVOID the CENTRE"),
        ("uk", "ЗАЛИШАЙТЕСЯ ВДОМА, НЕ ВИХОДЬТЕ"),
        ("fr", "RESTEZ chez vous"),
        ("es", "ATENCIÓN: QUÉDENSE en casa"),
    ],
)
def test_shouting(locale, text):
    found = lint([post(text, locale=locale)], policy_for("shouting"))
    assert [f.rule for f in found] == ["shouting"]
    assert "capitals" in found[0].message


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("en", "The UN and NATO ask everyone to stay indoors tonight."),
        ("en", "UNICEF and UNHCR are on the ground with partners and volunteers."),
        ("ja", "通話またはSMSをご利用ください。UNICEFと協力しています。"),
        ("ar", "اتصلوا بنا عبر SMS"),
        ("th", "ส่ง SMS หากโทรไม่ได้"),
        ("uk", "ООН та НАТО закликають залишатися вдома."),
    ],
)
def test_acronyms_and_uncased_scripts_are_not_shouting(locale, text):
    policy = policy_for("shouting", shouting_allow=("UNICEF", "UNHCR"))
    assert lint([post(text, locale=locale)], policy) == []


# -- exclamations -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("en", "Stay safe!!"),
        ("es", "¡¡Atención!! Quédense en casa."),
        ("ja", "落ち着いて行動してください！！"),
        ("fr", "Restez chez vous ! Ne sortez pas !"),
        ("th", "อยู่ในบ้าน! อย่าออกไป!"),
    ],
)
def test_exclamations(locale, text):
    found = lint([post(text, locale=locale)], policy_for("exclamations"))
    assert [f.rule for f in found] == ["exclamations"]


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("en", "Stay safe!"),
        ("es", "¡Atención! Quédense en casa."),
        ("ja", "落ち着いて行動してください！"),
        ("ar", "ابقوا في منازلكم!"),
    ],
)
def test_one_exclamation_passes(locale, text):
    assert lint([post(text, locale=locale)], policy_for("exclamations")) == []


def test_a_solemn_message_takes_no_exclamation():
    p = [post("Our thoughts are with the victims!", message="condolences")]
    found = lint(p, policy_for("exclamations"), tones={"condolences": "solemn"})
    assert "solemn" in found[0].message
    assert lint(p, policy_for("exclamations")) == []


# -- emoji-in-condolences -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("locale", "text", "emoji"),
    [
        ("ar", "قلوبنا مع الضحايا 🙏", "🙏"),
        ("ja", "犠牲者の方々に哀悼の意を表します 🇯🇵", "🇯🇵"),
        ("en", "Our thoughts are with the victims ❤️", "❤"),
        ("th", "ขอแสดงความเสียใจ 🕯", "🕯"),
        ("uk", "Співчуваємо родинам загиблих 💔", "💔"),
    ],
)
def test_emoji_in_condolences(locale, text, emoji):
    p = [post(text, locale=locale, message="condolences")]
    found = lint(p, policy_for("emoji-in-condolences"), tones={"condolences": "solemn"})
    assert [f.rule for f in found] == ["emoji-in-condolences"]
    assert emoji in found[0].message


def test_emoji_pass_outside_solemn_messages_and_text_symbols_pass():
    policy = policy_for("emoji-in-condolences")
    assert lint([post("Stay safe 🙏", message="update")], policy) == []
    solemn = [post("Exampleland® mourns with you. 1️ is not a keycap", message="condolences")]
    assert lint(solemn, policy, tones={"condolences": "solemn"}) == []


def test_policy_can_name_solemn_messages():
    policy = policy_for("emoji-in-condolences", solemn_messages=("condolences",))
    found = lint([post("With you 🙏", message="condolences")], policy)
    assert [f.rule for f in found] == ["emoji-in-condolences"]


def test_every_shipped_term_is_found_when_planted_and_shipped_policy_loads():
    from pathlib import Path

    from launcher.guardrails import load_policy

    policy, problems = load_policy(Path(__file__).resolve().parents[2])
    assert problems == []
    policy = policy_for("forbidden-term", forbidden_terms=policy.forbidden_terms)
    for locale, terms in policy.forbidden_terms.items():
        for term in terms:
            # no spaces around the term in Thai and Japanese: it sits inside a run of text
            text = (
                f"ก่อน{term}หลัง"
                if locale == "th"
                else f"前に{term}と"
                if locale == "ja"
                else (f"Before: {term.upper()}, after.")
            )
            found = lint([post(text, locale=locale)], policy)
            assert [f.rule for f in found] == ["forbidden-term"], (locale, term)


@pytest.mark.parametrize(
    ("locale", "text", "fragment"),
    [
        # a fact ends with the term: under UAX #29 the PDI joins the word before it, so the
        # isolates must not hide the word boundary
        ("en", "Ignore the \u2068rumour\u2069.", "rumour"),
        ("fr", "Région : \u2068fake news\u2069, suite.", "fake news"),
        ("uk", "Не поширюйте \u2068чутки\u2069.", "чутки"),
        ("ar", "لا تصدقوا \u2068الشائعات\u2069.", "الشائعات"),
        ("th", "นี่เป็น \u2068ข่าวลือ\u2069 ที่", "ข่าวลือ"),
    ],
)
def test_forbidden_term_inside_an_isolated_fact_is_found(locale, text, fragment):
    assert forbidden(text, locale) == [fragment]
