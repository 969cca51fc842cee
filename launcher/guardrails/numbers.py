"""Where a number in a post may come from: the event facts, mission data, the send and
confirmation times, thread numbering and the policy's allow-list.

Every source is rendered the way templates would render it (Babel, in the post's locale and the
mission's time zone) and cut into numbers exactly as the post is, so "1,234" (en), "1 234" (fr)
and "١٬٢٣٤" (ar) all reduce to the digits 1234 on both sides.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import date, datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from ..models import Mission, Plan
from .text import number_keys

_STYLES = ("short", "medium", "long", "full")


@lru_cache(maxsize=4096)
def _datetime_keys(value: datetime, locale: str, tz: str) -> frozenset[str]:
    from babel.dates import format_date, format_datetime, format_time

    out: set[str] = set()
    zone = ZoneInfo(tz)
    local = value.astimezone(zone) if value.tzinfo else value
    texts: list[str] = []
    for style in _STYLES:
        for fn in (
            lambda s: format_datetime(value, s, tzinfo=zone, locale=locale),
            lambda s: format_date(local, s, locale=locale),
            lambda s: format_time(value, s, tzinfo=zone, locale=locale),
        ):
            try:
                texts.append(fn(style))
            except Exception:
                continue
    texts += _policy_texts(value, locale, zone)
    if locale.split("_")[0] == "th":  # Thai dates are often written in the Buddhist era
        texts += [str(local.year + 543), str((local.year + 543) % 100)]
    for moment in (local, value):
        hour12 = moment.hour % 12 or 12
        for n in (moment.year, moment.year % 100, moment.month, moment.day, moment.hour, hour12):
            texts.append(str(n))
            texts.append(f"{n:02d}")
        texts.append(f"{moment.minute:02d}")
        texts.append(str(moment.minute))
    for text in texts:
        out |= number_keys(text, parts=True)
    return frozenset(out)


def _policy_texts(value: datetime, locale: str, zone: ZoneInfo) -> list[str]:
    """The renderings of the date policy, zone offset included ("UTC+5:30")."""
    from ..content import datepolicy

    try:
        return [
            datepolicy.moment(value, "full", locale, zone, rtl=False),
            datepolicy.moment(value, "long", locale, zone, rtl=False),
        ]
    except Exception:  # an unknown locale: the plan reports it, not the number check
        return []


@lru_cache(maxsize=4096)
def _number_keys(value: float | int, locale: str) -> frozenset[str]:
    from babel.numbers import format_decimal, format_percent

    texts = [str(value), f"{value:g}"]
    if isinstance(value, float) and value.is_integer():
        texts.append(str(int(value)))
    for pattern in (None, "#,##0", "#,##0.0", "#,##0.00", "#,##0.000", "0", "0.0"):
        try:
            texts.append(
                format_decimal(value, format=pattern, locale=locale)
                if pattern
                else format_decimal(value, locale=locale)
            )
        except Exception:
            continue
    with contextlib.suppress(Exception):
        texts.append(format_percent(value, locale=locale))
    out: set[str] = set()
    for text in texts:
        out |= number_keys(text)
    return frozenset(out)


def value_keys(value: Any, locale: str, tz: str) -> set[str]:
    """Digit strings that rendering ``value`` (a fact) could put into a post."""
    if value is None or isinstance(value, bool):
        return set()
    if isinstance(value, datetime):
        return set(_datetime_keys(value, locale, tz))
    if isinstance(value, date):
        return set(_datetime_keys(datetime(value.year, value.month, value.day), locale, tz))
    if isinstance(value, int | float):
        return set(_number_keys(value, locale))
    if isinstance(value, dict):
        out: set[str] = set()
        for v in value.values():
            out |= value_keys(v, locale, tz)
        return out
    if isinstance(value, list | tuple):
        out = set()
        for v in value:
            out |= value_keys(v, locale, tz)
        return out
    return number_keys(str(value), parts=True)


def mission_keys(mission: Mission, extra: Iterable[str] = ()) -> set[str]:
    """Digit strings of the mission's data: names, contacts, plus ``extra`` (org data)."""
    out: set[str] = set()
    c = mission.contacts
    texts = [
        mission.id,
        mission.city,
        mission.slug,
        *mission.names.values(),
        *mission.city_names.values(),
        c.emergency_phone,
        c.phone,
        c.email,
        c.website,
        c.registration_url,
        *extra,
    ]
    for text in texts:
        out |= number_keys(text)
    return out


def plan_keys(plan: Plan, locale: str, extra: Iterable[str] = ()) -> set[str]:
    """Numbers allowed in every post of ``plan`` in ``locale`` (not counting its send time)."""
    tz = plan.mission.timezone
    out = mission_keys(plan.mission, extra)
    out |= value_keys(plan.event.facts, locale, tz)
    out |= value_keys(plan.event.confirmed_at, locale, tz)
    return out


def time_keys(at: datetime, locale: str, tz: str) -> frozenset[str]:
    return _datetime_keys(at, locale, tz)
