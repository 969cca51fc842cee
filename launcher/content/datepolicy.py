"""The date and time policy: how every date, time and moment in a post is written, per locale.

A post is read on a phone, in a hurry, often far from the place it is about, and is quoted
and screenshotted for days. CLDR's short formats fit a calendar app, not a public notice:
"5/22/26, 1:30 PM" is read as 5 February in most of the world, a two-digit year is ambiguous,
a 12-hour clock needs an "a.m." that collides with the sentence's punctuation, and an update
that does not say which time zone it speaks in is wrong for every reader in another one. So
templates choose *what* to show (a date, a time, a moment) and this policy decides *how*:

- **Dates are long**, with the month in words and the full year (Thai years in the Buddhist
  era, as Thai public texts give them): ``short``, ``medium`` and ``long`` all give the long
  date, ``full`` adds the weekday; a pattern of one's own is refused. English is written in
  British/international order ("22 May 2026"), as its spelling is.
- **Times use the 24-hour clock** of the locale (CLDR's ``Hm``), except where the press of the
  language writes it otherwise: French "22 h", "6 h 30" (Lexique des règles typographiques en
  usage à l'Imprimerie nationale), Thai "06.30 น." (the form of Thai official texts).
- **A moment** (``|datetime``, used by updates) is the date, the time and the zone, as
  ``UTC+3`` in parentheses ("22 May 2026, 06:30 (UTC+3)"): one style for every locale, because
  an offset is understood everywhere, needs no translation, and stays right across a change to
  summer time; CLDR's localized zone names are missing or unfamiliar in several locales.
  In right-to-left locales the offset is isolated left-to-right so its sign stays in front.

The policy is the table :data:`POLICIES`; docs/translators.md ("Dates and times") explains it
to translators. Formatting is cached by :class:`launcher.content.i18n.Formatter`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from babel import Locale, dates

LRI, PDI = "\u2066", "\u2069"

#: the CLDR styles a template may ask for; all but ``full`` give the long date
DATE_STYLES = ("short", "medium", "long", "full")


class DateStyleError(ValueError):
    """A template asked for a date or time written another way than the policy's."""


@dataclass(frozen=True)
class Policy:
    """How one language writes dates and times in posts."""

    #: the CLDR locale whose long and full date patterns are used (None: the post's own)
    date_locale: str | None = None
    #: how a time is written: ``cldr`` (the locale's 24-hour ``Hm``), ``fr`` or ``th``
    clock: str = "cldr"
    #: how a date and a time are joined; ``{1}`` is the date, ``{0}`` the time
    glue: str | None = None  # None: CLDR's medium date-time pattern of the locale
    #: how the zone follows the time; ``{}`` is "UTC+3"
    zone: str = " ({})"


#: one policy per language; a language not listed gets the default (CLDR long dates, the
#: locale's 24-hour clock, CLDR's glue, " (UTC+3)")
POLICIES: dict[str, Policy] = {
    "en": Policy(date_locale="en_GB"),
    "fr": Policy(clock="fr", glue="{1} à {0}"),
    "es": Policy(),
    "it": Policy(glue="{1}, ore {0}"),
    "tr": Policy(),
    "uk": Policy(glue="{1} о {0}"),
    "ja": Policy(zone="（{}）"),
    "th": Policy(clock="th", glue="{1} เวลา {0}"),
    "ar": Policy(),
}
_DEFAULT = Policy()


def policy(locale: str) -> Policy:
    return POLICIES.get(locale.split("_")[0], _DEFAULT)


def _date_locale(locale: str) -> str:
    p = policy(locale)
    # a regional English (en_US, en_IN) keeps its own order; plain "en" is British
    return p.date_locale if p.date_locale and "_" not in locale else locale


def check_style(style: str, what: str) -> str:
    if style not in DATE_STYLES:
        raise DateStyleError(
            f"{what} style {style!r} is not allowed: posts use the date policy (long dates,"
            f" 24-hour times, the zone named); use one of {', '.join(DATE_STYLES)}"
            " (docs/translators.md, 'Dates and times')"
        )
    return style


def local(value: date | datetime, zone: Any) -> date | datetime:
    return value.astimezone(zone) if isinstance(value, datetime) else value


def long_date(value: date | datetime, style: str, locale: str, zone: Any) -> str:
    """The long date (``full``: with the weekday) of ``value`` in the mission's zone."""
    style = "full" if check_style(style, "date") == "full" else "long"
    day = local(value, zone)
    loc = _date_locale(locale)
    if locale.split("_")[0] == "th":
        return _thai_date(day, style, loc)
    return dates.format_date(day, style, locale=loc)


def clock(value: datetime, locale: str, zone: Any) -> str:
    """The time of ``value`` on the locale's 24-hour clock, in the mission's zone."""
    moment = value.astimezone(zone) if value.tzinfo else value
    kind = policy(locale).clock
    if kind == "fr":  # 22 h, 6 h 30 (a no-break space keeps the number with its h)
        return f"{moment.hour}\u00a0h" + (f"\u00a0{moment.minute:02d}" if moment.minute else "")
    if kind == "th":  # 06.30 น.
        return f"{moment.hour:02d}.{moment.minute:02d} น."
    return dates.format_skeleton("Hm", moment, locale=locale)


def offset(value: datetime, zone: Any) -> str:
    """``UTC+3``, ``UTC-6``, ``UTC+5:30``, ``UTC`` for the zone's offset at ``value``."""
    delta = value.astimezone(zone).utcoffset() or timedelta(0)
    minutes = int(delta.total_seconds() // 60)
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "-"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


def zone_label(value: datetime, locale: str, zone: Any, *, rtl: bool) -> str:
    """The zone as the locale's policy writes it after a time: " (UTC+3)", "（UTC+9）"."""
    text = offset(value, zone)
    if rtl:
        text = f"{LRI}{text}{PDI}"
    return policy(locale).zone.format(text)


def moment(value: datetime, style: str, locale: str, zone: Any, *, rtl: bool) -> str:
    """Date, time and zone: "22 May 2026, 06:30 (UTC+3)"."""
    day = long_date(value, style, locale, zone)
    glue = policy(locale).glue or str(
        Locale.parse(locale).datetime_formats.get("medium", "{1} {0}")
    )
    joined = glue.replace("{1}", day).replace("{0}", clock(value, locale, zone))
    return joined + zone_label(value, locale, zone, rtl=rtl)


def _thai_date(value: date | datetime, style: str, locale: str) -> str:
    """Thai public texts give years in the Buddhist Era (2026 is พ.ศ. 2569); Babel knows only
    the Gregorian calendar, so the year and era fields of CLDR's Thai pattern are replaced."""
    loc = Locale.parse(locale)
    pattern = loc.date_formats[style].pattern
    year = value.year + 543
    tokens = []
    for kind, tok in dates.tokenize_pattern(pattern):
        if kind == "field" and tok[0] == "G":
            tokens.append(("chars", "พ.ศ."))
        elif kind == "field" and tok[0] in "yY":
            tokens.append(("chars", str(year)))
        else:
            tokens.append((kind, tok))
    return dates.format_date(value, dates.untokenize_pattern(tokens), locale=locale)
