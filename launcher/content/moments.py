"""Moments typed by people: ``--at``, ``--now`` and datetime facts, read by ONE parser.

A duty officer types the time on the clock in front of them, so a moment without a UTC
offset is the mission's local time, and a bare ``22:00`` is that time today (the day of the
reference moment: the confirmation for facts, now for ``--at``) in the mission's time zone.

Local times that do not exist (the hour skipped when the clocks go forward) or exist twice
(the hour repeated when they go back) are refused, never guessed: the message says which
instants are meant and how to write the one you mean with its offset. Shifting a curfew or a
send time by an hour in silence is exactly the mistake this module exists to prevent.

Where no mission gives a zone (``daemon --now``, ``lint --at`` over every mission) a moment
must carry its offset.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import InputError

__all__ = ["parse_moment"]

_CLOCK = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


#: the moments launcher plans for: far from datetime's own limits (years 1 and 9999), so a
#: schedule's offsets can never step outside what can be computed
EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
LATEST = datetime(9000, 1, 1, tzinfo=UTC)


def parse_moment(
    text: str, zone: str | None, field: str, *, today: datetime | None = None
) -> datetime:
    """``text`` as an aware UTC datetime, or an InputError naming ``field``.

    ``zone``: the IANA zone an offset-less moment is read in (None: an offset is required).
    ``today``: the reference instant whose local day a bare ``HH:MM`` falls on. Moments
    outside the years 1970 to 8999 are refused.
    """
    try:
        utc = _parse(text, zone, field, today)
    except OverflowError:  # 0001-01-01T00:30+01:00 is in year 0 in UTC
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise InputError(
            f"'{text.strip()}' is outside the dates launcher plans for (years 1970 to 8999)",
            field=field,
            hint="check the year, e.g. 2026-05-22T08:30:00Z",
        )
    return utc


def _parse(text: str, zone: str | None, field: str, today: datetime | None) -> datetime:
    raw = text.strip()
    clock = _CLOCK.match(raw)
    if clock:
        tz = _zone_or_refuse(zone, raw, field)
        if today is None:
            raise InputError(
                f"'{raw}' has no date and there is no day to put it on",
                field=field,
                hint="give a full date and time, e.g. 2026-05-22T22:00",
            )
        day = today.astimezone(tz).date()
        naive = datetime(day.year, day.month, day.day, int(clock.group(1)), int(clock.group(2)))
        return _local(naive, tz, raw, field)
    try:
        value = datetime.fromisoformat(raw.replace("z", "Z"))
    except ValueError:
        raise InputError(
            f"'{raw}' is not an ISO 8601 date and time",
            field=field,
            hint=(
                "e.g. 2026-05-22T08:30:00Z (UTC), 2026-05-22T10:30 (mission local time),"
                " or 22:00 (today, mission local time)"
                if zone is not None
                else "e.g. 2026-05-22T08:30:00Z (UTC) or 2026-05-22T10:30+02:00: here no"
                " mission says whose local time it is, so give the offset"
            ),
        ) from None
    if value.tzinfo is not None:
        return value.astimezone(UTC)
    return _local(value, _zone_or_refuse(zone, raw, field), raw, field)


def _zone_or_refuse(zone: str | None, raw: str, field: str) -> ZoneInfo:
    if zone is None:
        raise InputError(
            f"'{raw}' has no UTC offset, and no mission says whose local time it is",
            field=field,
            hint=f"write it with an offset, e.g. {_example(raw)}Z (UTC) or {_example(raw)}+09:00",
        )
    try:
        return ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InputError(
            f"the mission's time zone '{zone}' is unknown", field=field, hint="see missions.yaml"
        ) from None


def _example(raw: str) -> str:
    return raw if "T" in raw else "2026-05-22T" + (raw if _CLOCK.match(raw) else "10:30")


def _local(naive: datetime, tz: ZoneInfo, raw: str, field: str) -> datetime:
    """The one instant a local wall-clock time names in ``tz``; refuses gaps and folds."""
    first = naive.replace(tzinfo=tz, fold=0)
    second = naive.replace(tzinfo=tz, fold=1)
    off1, off2 = first.utcoffset(), second.utcoffset()
    if off1 == off2:
        return first.astimezone(UTC)
    assert off1 is not None and off2 is not None
    shown = _wall(naive)
    exists = first.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive
    if exists:  # a fold: the clocks go back and this wall time happens twice
        a, b = first.astimezone(UTC), second.astimezone(UTC)
        raise InputError(
            f"{shown} happens twice in {tz.key} (the clocks go back that night): it is either "
            f"{_utc(a)} (UTC{_offset(off1)}) or {_utc(b)} (UTC{_offset(off2)})",
            field=field,
            hint=f"write the one you mean with its offset: {_wall(naive)}{_offset(off1)} "
            f"(the first) or {_wall(naive)}{_offset(off2)} (the second)",
        )
    # a gap: the clocks go forward over this wall time; read with either offset it is:
    summer = naive.replace(tzinfo=timezone(off2)).astimezone(tz)
    winter = naive.replace(tzinfo=timezone(off1)).astimezone(tz)
    raise InputError(
        f"{shown} does not exist in {tz.key}: the clocks go forward from UTC{_offset(off1)}"
        f" to UTC{_offset(off2)} that night and skip it",
        field=field,
        hint=f"read with either offset it is {_aware(summer)} or {_aware(winter)}: write the"
        " moment you mean with its offset",
    )


def _wall(naive: datetime) -> str:
    return naive.isoformat(timespec="seconds" if naive.second else "minutes")


def _aware(value: datetime) -> str:
    return value.isoformat(timespec="seconds" if value.second else "minutes")


def _utc(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M" + (":%S" if value.second else "")) + "Z"


def _offset(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    hours, mins = divmod(abs(minutes), 60)
    return f"{sign}{hours:02d}:{mins:02d}"
