"""The date and time policy, per locale, with fixed moments and zones (never the clock)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
import regex

from launcher.content.datepolicy import DateStyleError, offset
from launcher.content.i18n import Formatter

LRI, PDI = "\u2066", "\u2069"
NBSP = "\u00a0"
# 03:30 UTC on 22 May 2026: 06:30 in Istanbul, Beirut and Kyiv (summer), 12:30 in Tokyo
AT = datetime(2026, 5, 22, 3, 30, tzinfo=UTC)


@pytest.mark.parametrize(
    ("locale", "tz", "moment", "day", "clock"),
    [
        ("en", "Europe/Istanbul", "22 May 2026, 06:30 (UTC+3)", "22 May 2026", "06:30"),
        (
            "fr",
            "Asia/Beirut",
            f"22 mai 2026 à 6{NBSP}h{NBSP}30 (UTC+3)",
            "22 mai 2026",
            f"6{NBSP}h{NBSP}30",
        ),
        (
            "es_MX",
            "America/Mexico_City",
            "21 de mayo de 2026, 21:30 (UTC-6)",
            "21 de mayo de 2026",
            "21:30",
        ),
        ("es", "Europe/Madrid", "22 de mayo de 2026, 5:30 (UTC+2)", "22 de mayo de 2026", "5:30"),
        ("it_IT", "Europe/Rome", "22 maggio 2026, ore 05:30 (UTC+2)", "22 maggio 2026", "05:30"),
        ("tr_TR", "Europe/Istanbul", "22 Mayıs 2026 06:30 (UTC+3)", "22 Mayıs 2026", "06:30"),
        (
            "uk_UA",
            "Europe/Kyiv",
            "22 травня 2026\u202fр. о 06:30 (UTC+3)",
            "22 травня 2026\u202fр.",
            "06:30",
        ),
        ("ja_JP", "Asia/Tokyo", "2026年5月22日 12:30（UTC+9）", "2026年5月22日", "12:30"),
        (
            "th_TH",
            "Asia/Bangkok",
            "22 พฤษภาคม พ.ศ. 2569 เวลา 10.30 น. (UTC+7)",
            "22 พฤษภาคม พ.ศ. 2569",
            "10.30 น.",
        ),
        ("ar_LB", "Asia/Beirut", f"22 أيار 2026، 06:30 ({LRI}UTC+3{PDI})", "22 أيار 2026", "06:30"),
    ],
)
def test_each_locale_writes_long_dates_24_hour_times_and_the_zone(
    locale: str, tz: str, moment: str, day: str, clock: str
) -> None:
    f = Formatter(locale, tz)
    # every style gives the policy's form: no numeric date, no two-digit year, no 12-hour clock
    for style in ("short", "medium", "long"):
        assert f.datetime(AT, style) == moment
        assert f.date(AT, style) == day
    assert f.time(AT) == clock
    assert (
        f.time(AT, "short", zone=True)
        == clock + moment[len(moment) - len(moment.split(clock)[-1]) :]
    )
    assert not regex.search(r"\d{1,2}/\d{1,2}/\d{2}", moment)
    assert not regex.search(r"\b(AM|PM|a\.m\.|p\.m\.)|[صم]\b", moment)


def test_the_zone_follows_summer_time() -> None:
    f = Formatter("en", "Europe/Rome")
    assert f.datetime(datetime(2026, 1, 15, 12, 0, tzinfo=UTC)).endswith("13:00 (UTC+1)")
    assert f.datetime(datetime(2026, 7, 15, 12, 0, tzinfo=UTC)).endswith("14:00 (UTC+2)")


@pytest.mark.parametrize(
    ("tz", "expected"),
    [
        ("UTC", "UTC"),
        ("Asia/Kolkata", "UTC+5:30"),
        ("America/St_Johns", "UTC-2:30"),
        ("Asia/Kathmandu", "UTC+5:45"),
    ],
)
def test_offsets(tz: str, expected: str) -> None:
    from zoneinfo import ZoneInfo

    assert offset(AT, ZoneInfo(tz)) == expected


def test_the_date_is_the_missions_day_not_utcs() -> None:
    # 23:30 UTC on 21 May is already 22 May in Tokyo
    late = datetime(2026, 5, 21, 23, 30, tzinfo=UTC)
    assert Formatter("en", "Asia/Tokyo").date(late, "long") == "22 May 2026"
    assert Formatter("en", "America/Mexico_City").date(late, "long") == "21 May 2026"


def test_full_adds_the_weekday_and_plain_dates_work() -> None:
    assert Formatter("en", "UTC").date(AT, "full") == "Friday, 22 May 2026"
    assert Formatter("th", "UTC").date(date(2026, 5, 22), "full") == "วันศุกร์ที่ 22 พฤษภาคม พ.ศ. 2569"
    assert Formatter("fr", "UTC").date(date(2026, 5, 22), "long") == "22 mai 2026"


def test_french_whole_hours_have_no_minutes() -> None:
    f = Formatter("fr", "Europe/Paris")
    assert f.time(datetime(2026, 5, 22, 20, 0, tzinfo=UTC)) == f"22{NBSP}h"
    assert f.time(datetime(2026, 5, 22, 4, 5, tzinfo=UTC)) == f"6{NBSP}h{NBSP}05"


def test_regional_english_keeps_its_order_but_not_the_12_hour_clock() -> None:
    f = Formatter("en_US", "America/New_York")
    assert f.datetime(AT) == "May 21, 2026, 23:30 (UTC-4)"


@pytest.mark.parametrize("pattern", ["dd/MM/yy", "M/d/yy", "h:mm a"])
def test_a_pattern_of_ones_own_is_refused(pattern: str) -> None:
    f = Formatter("en", "UTC")
    with pytest.raises(DateStyleError, match="date policy"):
        f.date(AT, pattern)
    with pytest.raises(DateStyleError, match="date policy"):
        f.time(AT, pattern)


def test_a_template_asking_for_a_pattern_gets_a_located_error(tmp_path) -> None:
    from launcher.content.render import RenderError, environment, locale_vars, render_template

    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "t.j2").write_text("Update {{ at|date('M/d/yy') }}\n", "utf-8")

    class _Catalog:
        locale = "en"
        translations = __import__("gettext").NullTranslations()

    variables = {"at": AT, "locale": "en", **locale_vars(_Catalog(), Formatter("en", "UTC"))}
    with pytest.raises(RenderError) as err:
        render_template(environment(tmp_path), "t.j2", variables)
    assert err.value.problem.file == "templates/t.j2"
    assert err.value.problem.line == 1
    assert "date policy" in err.value.problem.message
