"""typed-number: every figure comes from the facts, mission data, the send time or the list."""

from __future__ import annotations

import pytest

from launcher.models import PlannedAccount

from .plans import HOUR, NOW, lint, plan, policy_for, post

RULE = "typed-number"
FACTS = {"deaths": 1234, "magnitude": 7.8, "region": "Zone 9", "occurred_at": NOW}


def typed(text: str, locale: str = "en", facts=FACTS, **kw) -> list[str]:
    policy = policy_for(RULE, **kw)
    return [f.fragment for f in lint([post(text, locale=locale)], policy, facts=facts)]


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("en", "1,234 people have died; magnitude 7.8 in Zone 9."),
        ("fr", "1\u202f234 personnes sont mortes ; magnitude 7,8."),
        ("ar", "لقي ١٬٢٣٤ شخصًا حتفهم، بقوة ٧٫٨"),
        ("th", "มีผู้เสียชีวิต ๑,๒๓๔ คน ขนาด ๗.๘"),
        ("ja", "死者は1,234人、マグニチュード7.8。"),
        ("uk", "Загинули 1 234 людини; магнітуда 7,8."),
        ("es", "Han muerto 1.234 personas; magnitud 7,8."),
    ],
)
def test_figures_from_the_facts_pass_in_every_script(locale, text):
    assert typed(text, locale) == []


@pytest.mark.parametrize(
    ("locale", "text", "bad"),
    [
        ("en", "According to the authorities, 1,200 people have died.", "1,200"),
        ("fr", "Selon les autorités, 1\u202f200 personnes sont mortes.", "1\u202f200"),
        ("ar", "لقي ١٢٠٠ شخصًا حتفهم", "١٢٠٠"),
        ("th", "มีผู้เสียชีวิต ๑๒ คน", "๑๒"),
        ("ja", "死者は１２人です。", "１２"),
        ("uk", "Загинули 12 людей.", "12"),
    ],
)
def test_a_typed_figure_is_found_in_every_script(locale, text, bad):
    found = lint([post(text, locale=locale)], policy_for(RULE), facts=FACTS)
    assert [f.fragment for f in found] == [bad]
    assert "event fact" in found[0].hint and "number_allowlist" in found[0].hint


def test_a_stale_toll_is_found_when_the_fact_changed():
    text = "1,234 people have died."
    assert typed(text, facts={"deaths": 1234}) == []
    assert typed(text, facts={"deaths": 1301}) == ["1,234"]


def test_mission_data_and_organisation_data():
    assert typed("Call +44 20 7946 0160 or +44 20 7946 0161.") == []
    assert typed("Call +44 20 7946 0999.") == ["44 20 7946 0999"]
    # the organisation's crisis line counts as data when the organisation is given
    from launcher.content.missions import Organisation
    from launcher.guardrails import lint_plan

    org = Organisation("org", "exl", "https://www.example.org", (), "+44 20 7946 0000")
    p = plan([post("Crisis centre: +44 20 7946 0000")])
    assert [f.fragment for f in lint_plan(p, policy_for(RULE), link_hosts=())] != []
    assert lint_plan(p, policy_for(RULE), link_hosts=(), organisation=org) == []


@pytest.mark.parametrize(
    ("locale", "text"),
    [
        ("en", "Update, 3/29/26, 8:30 AM: stay away from damaged buildings."),
        ("ja", "2026年3月29日 8:30 更新：損傷した建物に近づかないでください。"),
        ("ar", "تحديث ٢٩‏/٣‏/٢٠٢٦ ٨:٣٠ ص"),
        ("th", "อัปเดต 29/3/69 08:30 น."),
        ("uk", "Оновлення 29.03.26, 08:30."),
    ],
)
def test_dates_and_times_of_the_send_time_pass(locale, text):
    # the post goes out at NOW + 1h = 2026-03-28 23:30 UTC = 2026-03-29 08:30 in Tokyo
    p = [post(text, locale=locale, at=NOW + HOUR)]
    assert lint(p, policy_for(RULE), facts={}) == []


def test_a_typed_date_is_found():
    p = [post("Update of March 12, 2026: stay indoors.", at=NOW + HOUR)]
    found = lint(p, policy_for(RULE), facts={})
    assert [f.fragment for f in found] == ["12"]


def test_allowlist_update_numbers_and_thread_numbering():
    assert typed("Open 24 hours, 365 days a year") == ["24", "365"]
    assert typed("Open 24 hours, 365 days a year", number_allowlist=("24", "365")) == []
    thread = [
        post("Update 2 of 3: stay indoors (1/2)", occurrence=2, part=1, parts=2),
        post("Call us. (2/2)", occurrence=2, part=2, parts=2),
        post("Update 3 of 3", occurrence=3, at=NOW + 4 * HOUR),
    ]
    assert lint(thread, policy_for(RULE)) == []


def test_digits_inside_links_mentions_and_hashtags_are_left_to_their_rules():
    assert typed("See https://help.example.org/2024/form-17 or #Quake2026 @user42") == []


def test_profiles_are_checked_too():
    acc = PlannedAccount("x", "en", "exl_tokyo_en", "Embassy", "Call 112 now")
    found = lint(plan([post("Hi")], accounts=[acc]), policy_for(RULE))
    assert [(f.message_id, f.fragment) for f in found] == [("profile.bio", "112")]


def test_digits_of_any_script_read_as_unicode_tables_say() -> None:
    """ascii_digits keeps ASCII texts' digits in one call and remembers answers: for ASCII and
    for every other script, the same digits as looking each character up in Unicode's tables
    (Arabic-Indic, Thai, full-width, superscripts, circled numbers)."""
    import random
    import unicodedata

    from launcher.guardrails.text import ascii_digits

    def by_the_tables(s: str) -> str:
        digits = (unicodedata.digit(c, None) for c in s)
        return "".join(str(d) for d in digits if d is not None)

    rng = random.Random(20261202)
    pool = [chr(i) for i in range(0x3100)] + list("١٢٣๑๒๓１２３²³①⑨")
    texts = [chr(i) for i in range(128)] + ["2026", "14:30", "1\u202f234", "٢٠٢٦", "๒๔"]
    texts += [
        "".join(
            rng.choice(pool) if rng.random() < 0.4 else rng.choice("0123456789 :,.")
            for _ in range(rng.randint(0, 12))
        )
        for _ in range(5000)
    ]
    for text in texts + texts:  # the second time, as remembered
        assert ascii_digits(text) == by_the_tables(text), repr(text)
    assert ascii_digits("٢٠٢٦ ²") == "20262"
