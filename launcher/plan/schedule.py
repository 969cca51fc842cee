"""Send times: from a message's schedule and the confirmation moment to UTC instants.

Wall-clock rules ("daily at 09:00", "not between 00:00 and 06:00") are applied in the
mission's time zone with ``zoneinfo``, so they stay right across DST changes; the result is
always UTC, which is what the ledger stores and the daemon compares against.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from ..models import Schedule

#: hard stop against runaway repeats (e.g. every: 1m, until: 30d)
MAX_OCCURRENCES = 500


def send_times(schedule: Schedule, confirmed_at: datetime, tz: str) -> list[datetime]:
    """The UTC send times of one message, sorted, without duplicates."""
    zone = ZoneInfo(tz)
    start = confirmed_at.astimezone(UTC)
    if schedule.daily_at is not None:
        times = _daily(schedule.daily_at, schedule.days, start, zone)
    else:
        offsets = [schedule.offset]
        t = schedule.offset
        if schedule.every is not None and schedule.until is not None:
            while t + schedule.every <= schedule.until and len(offsets) < MAX_OCCURRENCES:
                t += schedule.every
                offsets.append(t)
        for every, until in schedule.phases:
            while t + every <= until and len(offsets) < MAX_OCCURRENCES:
                t += every
                offsets.append(t)
        times = [start + o for o in offsets]
    if schedule.quiet is not None:
        times = _respect_quiet(times, schedule.quiet, zone)
    return sorted(set(times))


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
