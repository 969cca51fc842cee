"""Send times: from a message's schedule and the confirmation moment to UTC instants.

Wall-clock rules ("daily at 09:00", "not between 00:00 and 06:00") are applied in the
mission's time zone with ``zoneinfo``, so they stay right across DST changes; the result is
always UTC, which is what the ledger stores and the daemon compares against.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from ..content.series import series
from ..models import Schedule


def send_times(
    schedule: Schedule,
    confirmed_at: datetime,
    tz: str,
    facts: Mapping[str, Any] | None = None,
) -> list[datetime]:
    """The UTC send times of one message, sorted, without duplicates.

    ``at`` and ``until`` count from the confirmation, or from a datetime fact
    (``at_fact``/``until_fact``, given in ``facts``). A series stops at ``until``: a time
    offset is the last send it allows, a fact is a deadline (nothing at or after it). Times
    before the confirmation are moved to it (due at once)."""
    zone = ZoneInfo(tz)
    start = confirmed_at.astimezone(UTC)
    if schedule.daily_at is not None:
        times = _daily(schedule.daily_at, schedule.days, start, zone)
    else:
        first = _moment(schedule.at_fact, schedule.offset, start, facts)
        repeats = schedule.every is not None and schedule.until is not None
        stop = _moment(schedule.until_fact, schedule.until, start, facts) if repeats else None
        # more than MAX_OCCURRENCES: TooManyOccurrences (content.series), never a cut series
        times = series(
            first,
            start,
            schedule.every,
            stop,
            schedule.phases,
            before_stop=schedule.until_fact is not None,
        )
    if schedule.quiet is not None:
        times = _respect_quiet(times, schedule.quiet, zone)
    times = [max(t, start) for t in times]
    deadline = stop_moment(schedule, start, facts)
    if deadline is not None:  # a reminder of a deadline never goes out at or after it
        times = [t for t in times if t < deadline]
    return sorted(set(times))


def stop_moment(
    schedule: Schedule, confirmed_at: datetime, facts: Mapping[str, Any] | None
) -> datetime | None:
    """The instant a message's posts stop being worth sending because of a fact: its
    ``until`` over a fact, or the fact its ``at`` comes before ("2 h before the deadline" is
    pointless after the deadline). None when no fact bounds it."""
    start = confirmed_at.astimezone(UTC)
    if schedule.until_fact and schedule.until is not None:
        return _moment(schedule.until_fact, schedule.until, start, facts)
    if schedule.at_fact and schedule.offset < timedelta(0):
        return _moment(schedule.at_fact, timedelta(0), start, facts)
    return None


def _moment(
    fact: str | None, offset: timedelta, start: datetime, facts: Mapping[str, Any] | None
) -> datetime:
    if fact is None:
        return start + offset
    value = (facts or {}).get(fact)
    if not isinstance(value, datetime):
        raise MissingFact(fact)
    return value.astimezone(UTC) + offset


class MissingFact(LookupError):
    """A schedule names a datetime fact the event did not give."""

    def __init__(self, fact: str) -> None:
        super().__init__(fact)
        self.fact = fact


def _respect_quiet(
    times: list[datetime], quiet: tuple[time, time], zone: ZoneInfo
) -> list[datetime]:
    """Move sends out of the quiet window; a moved send that would land less than half an
    interval before the next one merges into it (no two "updates" half an hour apart)."""
    out: list[datetime] = []
    for i, original in enumerate(times):
        moved = _outside_quiet(original, quiet, zone)
        if moved != original and i + 1 < len(times):
            following = _outside_quiet(times[i + 1], quiet, zone)
            if following - moved < (times[i + 1] - original) / 2:
                continue
        out.append(moved)
    return out


def _daily(at: time, days: int, start: datetime, zone: ZoneInfo) -> list[datetime]:
    local_day = start.astimezone(zone).date()
    out: list[datetime] = []
    day = local_day
    while len(out) < days:
        candidate = _local(day, at, zone)
        if candidate >= start:
            out.append(candidate)
        day += timedelta(days=1)
    return out


def _local(day: object, at: time, zone: ZoneInfo) -> datetime:
    """A local wall-clock time as UTC.

    PEP 495 semantics with fold=0: a time skipped by a spring-forward jump lands just past the
    gap (02:30 becomes 03:30), a repeated autumn time means its first occurrence.
    """
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)  # type: ignore[arg-type]


def _outside_quiet(t: datetime, quiet: tuple[time, time], zone: ZoneInfo) -> datetime:
    """Move ``t`` to the end of the quiet window if it falls inside it (local time)."""
    start, end = quiet
    local = t.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if start <= end:
        inside = start <= clock < end
        end_day = local.date()
    else:  # window wraps midnight, e.g. 22:00-06:00
        inside = clock >= start or clock < end
        end_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return t
    return _local(end_day, end, zone)
