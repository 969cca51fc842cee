"""Send times in the mission's time zone, across DST changes."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from launcher.content.series import MAX_OCCURRENCES, TooManyOccurrences, series
from launcher.models import Schedule
from launcher.plan.schedule import send_times

H = timedelta(hours=1)


def test_offsets_and_repeats_are_relative_to_confirmation() -> None:
    now = datetime(2026, 6, 1, 12, tzinfo=UTC)
    times = send_times(Schedule(offset=timedelta(minutes=5), every=4 * H, until=12 * H), now, "UTC")
    assert times == [
        now + timedelta(minutes=5),
        now + timedelta(hours=4, minutes=5),
        now + timedelta(hours=8, minutes=5),
    ]


def test_phases_go_frequent_then_slow() -> None:
    now = datetime(2026, 6, 1, 0, tzinfo=UTC)
    s = Schedule(offset=H, phases=((2 * H, 24 * H), (8 * H, 72 * H)))
    offsets = [(t - now) / H for t in send_times(s, now, "UTC")]
    assert offsets[:3] == [1, 3, 5]
    assert 23 in offsets and 31 in offsets and 71 in offsets
    assert all(
        b - a == 8
        for a, b in zip(
            offsets[offsets.index(23) :], offsets[offsets.index(23) + 1 :], strict=False
        )
    )


def test_daily_at_local_time_across_spring_forward() -> None:
    # Europe/Rome moves from UTC+1 to UTC+2 on 29 March 2026 at 02:00 local.
    now = datetime(2026, 3, 27, 10, tzinfo=UTC)  # 11:00 local, after 09:00: first is tomorrow
    times = send_times(Schedule(daily_at=time(9, 0), days=3), now, "Europe/Rome")
    assert times == [
        datetime(2026, 3, 28, 8, tzinfo=UTC),  # 09:00 CET
        datetime(2026, 3, 29, 7, tzinfo=UTC),  # 09:00 CEST
        datetime(2026, 3, 30, 7, tzinfo=UTC),
    ]


def test_daily_at_across_fall_back() -> None:
    # Mexico City has no DST since 2022; Kyiv falls back on 25 October 2026.
    now = datetime(2026, 10, 24, 3, tzinfo=UTC)
    times = send_times(Schedule(daily_at=time(9, 0), days=2), now, "Europe/Kyiv")
    assert times == [datetime(2026, 10, 24, 6, tzinfo=UTC), datetime(2026, 10, 25, 7, tzinfo=UTC)]
    mx = send_times(Schedule(daily_at=time(9, 0), days=1), now, "America/Mexico_City")
    assert mx == [datetime(2026, 10, 24, 15, tzinfo=UTC)]


def test_a_time_skipped_by_dst_lands_after_the_gap() -> None:
    now = datetime(2026, 3, 28, 12, tzinfo=UTC)
    times = send_times(Schedule(daily_at=time(2, 30), days=1), now, "Europe/Rome")
    # 02:30 does not exist on 29 March in Rome; it becomes 03:30 CEST = 01:30 UTC
    assert times == [datetime(2026, 3, 29, 1, 30, tzinfo=UTC)]


def test_quiet_hours_move_sends_to_the_window_end_and_merge_duplicates() -> None:
    now = datetime(2026, 7, 1, 15, tzinfo=UTC)  # 00:00 on 2 July in Tokyo (UTC+9)
    s = Schedule(offset=H, every=H, until=8 * H, quiet=(time(0, 0), time(6, 0)))
    times = send_times(s, now, "Asia/Tokyo")
    # 01:00..05:00 local fall in quiet hours and merge into one send at 06:00 local (21:00 UTC);
    # 06:00, 07:00 and 08:00 stay where they are
    assert times == [
        datetime(2026, 7, 1, 21, tzinfo=UTC),
        datetime(2026, 7, 1, 22, tzinfo=UTC),
        datetime(2026, 7, 1, 23, tzinfo=UTC),
    ]


def test_quiet_window_wrapping_midnight() -> None:
    now = datetime(2026, 7, 1, 20, 30, tzinfo=UTC)  # 22:30 in Rome (UTC+2)
    s = Schedule(offset=timedelta(0), quiet=(time(22, 0), time(6, 0)))
    assert send_times(s, now, "Europe/Rome") == [datetime(2026, 7, 2, 4, tzinfo=UTC)]


def test_a_send_moved_out_of_quiet_hours_merges_with_a_close_next_one() -> None:
    now = datetime(2026, 5, 22, 8, 30, tzinfo=UTC)  # 15:30 in Bangkok (UTC+7)
    s = Schedule(offset=3 * H, every=4 * H, until=15 * H, quiet=(time(0, 0), time(6, 0)))
    local = [t.astimezone(ZoneInfo("Asia/Bangkok")).strftime("%H:%M")
             for t in send_times(s, now, "Asia/Bangkok")]  # fmt: skip
    # 18:30, 22:30, 02:30 (would move to 06:00, 30 min before 06:30: merged), 06:30
    assert local == ["18:30", "22:30", "06:30"]


def _loop(first, start, every, stop, phases, *, before_stop):
    """The series written out step by step, as send_times built it before counting."""
    out, t = [first], first
    while (
        every is not None
        and stop is not None
        and (t + every < stop if before_stop else t + every <= stop)
    ):
        t += every
        out.append(t)
    for step, until in phases:
        while t + step <= start + until:
            t += step
            out.append(t)
    return out


def test_a_series_is_counted_exactly_as_it_is_built() -> None:
    start = datetime(2026, 6, 1, tzinfo=UTC)
    m = timedelta(minutes=1)
    for first, every, stop, phases, before in [
        (start + 3 * H, 6 * H, start + 24 * H, (), False),  # the last one at until
        (start + 3 * H, 6 * H, start + 21 * H, (), True),  # a deadline: strictly before it
        (start + 3 * H, 7 * H, start + 24 * H, (), True),
        (start, 2 * H, start + 24 * H, ((8 * H, 72 * H), (13 * m, 80 * H)), False),
        (start + H, None, None, ((2 * H, 24 * H), (8 * H, 72 * H)), False),
        (start + 30 * H, 6 * H, start + 24 * H, (), False),  # until before at: one post
        (start + 5 * H, None, None, ((H, 2 * H),), False),  # a phase already over
    ]:
        built = series(first, start, every, stop, phases, before_stop=before)
        assert built == _loop(first, start, every, stop, phases, before_stop=before)


def test_a_series_past_the_limit_is_refused_with_its_count_never_cut() -> None:
    now = datetime(2026, 6, 1, tzinfo=UTC)
    limit = Schedule(offset=timedelta(0), every=H, until=(MAX_OCCURRENCES - 1) * H)
    assert len(send_times(limit, now, "UTC")) == MAX_OCCURRENCES == 500
    with pytest.raises(TooManyOccurrences) as exc:
        send_times(Schedule(offset=3 * H, every=H, until=30 * 24 * H), now, "UTC")
    assert exc.value.count == 718  # the 3rd to the 720th hour
    with pytest.raises(TooManyOccurrences) as exc:  # phases count too
        send_times(Schedule(offset=timedelta(0), phases=((H, 24 * H), (H, 600 * H))), now, "UTC")
    assert exc.value.count == 601
