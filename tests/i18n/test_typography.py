"""The typography rules applied after rendering: no doubled stops, Thai spaces around Latin."""

from __future__ import annotations

import pytest

from launcher.content.typography import finish

FSI, LRI, PDI = "\u2068", "\u2066", "\u2069"


@pytest.mark.parametrize(
    ("locale", "text", "expected"),
    [
        # a formatted value ending in a period, then the sentence's period
        (
            "es",
            "Actualización, 22 de mayo, 6:00 a.m.. Sismo",
            "Actualización, 22 de mayo, 6:00 a.m. Sismo",
        ),
        (
            "en",
            "Update, 22 May 2026, 1:30 p.m.. Stay away",
            "Update, 22 May 2026, 1:30 p.m. Stay away",
        ),
        ("uk", "з 22 травня 2026 р.. Будь ласка", "з 22 травня 2026 р. Будь ласка"),
        ("ar", "تحديث، 22 أيار 2026، 2:30 م.. زلزال", "تحديث، 22 أيار 2026، 2:30 م. زلزال"),
        ("fr", f"à {FSI}Acme Co.{PDI}.", f"à {FSI}Acme Co.{PDI}"),
        ("ar", f"في {FSI}Acme Co.{PDI}.", f"في {FSI}Acme Co.{PDI}"),
        ("en", "Follow Yahoo!. Then", "Follow Yahoo! Then"),
        ("ja", f"{FSI}東京。{PDI}。詳細", f"{FSI}東京。{PDI}詳細"),
        # left alone: an ellipsis, a single stop, a stop inside a URL
        ("en", "Wait... then go.", "Wait... then go."),
        ("en", "Wait.... no", "Wait.... no"),
        ("fr", "Voir https://example.org/a..b.", "Voir https://example.org/a..b."),
        ("en", "Is it over? No.", "Is it over? No."),
        ("it", "ore 6:00.", "ore 6:00."),
    ],
)
def test_no_doubled_stop_after_a_value(locale: str, text: str, expected: str) -> None:
    assert finish(text, locale) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ในพื้นที่Chiang Rai ได้รับความเสียหาย", "ในพื้นที่ Chiang Rai ได้รับความเสียหาย"),
        ("ในพื้นที่Chiang Raiได้รับ", "ในพื้นที่ Chiang Rai ได้รับ"),
        # the space goes outside the isolate, which keeps holding the value alone
        (f"ในพื้นที่{FSI}Chiang Rai{PDI}ได้รับ", f"ในพื้นที่ {FSI}Chiang Rai{PDI} ได้รับ"),
        # already spaced, or Thai script: unchanged
        ("ในพื้นที่ Chiang Rai ได้รับ", "ในพื้นที่ Chiang Rai ได้รับ"),
        ("ในพื้นที่เชียงราย", "ในพื้นที่เชียงราย"),
        # a link glued to a Thai word gets its spaces; the URL itself is untouched
        ("ดูได้ที่https://example.org/thที่นี่", "ดูได้ที่ https://example.org/th ที่นี่"),
        # digits and Thai abbreviations are not Latin words
        ("พ.ศ. 2569 เวลา 22.00 น.", "พ.ศ. 2569 เวลา 22.00 น."),
    ],
)
def test_thai_spaces_around_latin(text: str, expected: str) -> None:
    assert finish(text, "th") == expected


@pytest.mark.parametrize("locale", ["ja", "en", "uk", "ar"])
def test_no_spaces_added_outside_thai(locale: str) -> None:
    # Japanese writes Latin words without spaces (JTF style guide); other scripts space anyway
    assert finish("震源はChiang Raiです", locale) == "震源はChiang Raiです"


def test_rendered_posts_go_through_the_rules(tmp_path) -> None:
    """The rules run inside render_template, with the text's locale."""
    from launcher.content.render import environment, render_template

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.j2").write_text("ในพื้นที่{{ region }}: {{ when }}.\n", "utf-8")
    env = environment(tmp_path)
    out = render_template(env, "t.j2", {"region": "Chiang Rai", "when": "6 a.m.", "locale": "th"})
    assert out == "ในพื้นที่ Chiang Rai: 6 a.m."
    out = render_template(env, "t.j2", {"region": "Chiang Rai", "when": "6 a.m.", "locale": "en"})
    assert out == "ในพื้นที่Chiang Rai: 6 a.m."
