"""One parser for the moments people type (``--at``, ``--now``, datetime facts): offsets are
exact, no offset is the mission's local time, HH:MM is today there, and DST gaps and folds
are refused with the instants they could mean. Zones on both hemispheres, with and without
DST; every reference moment is fixed."""

from __future__ import annotations

from datetime import datetime

import pytest

from launcher.content.moments import parse_moment
from launcher.content.params import parse_datetime
from launcher.errors import InputError

ROME, NEW_YORK, TOKYO, SYDNEY = "Europe/Rome", "America/New_York", "Asia/Tokyo", "Australia/Sydney"
MEXICO = "America/Mexico_City"


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


# (typed, zone, today (reference instant, UTC) or None, the instant meant, UTC)
ACCEPTED = [
    # an offset is exact, whatever the mission's zone
    ("2026-05-22T08:30:00Z", ROME, None, "2026-05-22T08:30:00Z"),
    ("2026-05-22t08:30z", TOKYO, None, "2026-05-22T08:30:00Z"),
    ("2026-05-22T10:30+09:00", ROME, None, "2026-05-22T01:30:00Z"),
    ("2026-05-22T10:30-04:00", SYDNEY, None, "2026-05-22T14:30:00Z"),
    ("2026-05-22T10:30+09:00", None, None, "2026-05-22T01:30:00Z"),
    # no offset: the mission's local time, summer and winter
    ("2026-05-22T10:30", ROME, None, "2026-05-22T08:30:00Z"),
    ("2026-01-15T10:30", ROME, None, "2026-01-15T09:30:00Z"),
    ("2026-05-22T10:30", NEW_YORK, None, "2026-05-22T14:30:00Z"),
    ("2026-01-15T10:30", NEW_YORK, None, "2026-01-15T15:30:00Z"),
    ("2026-05-22T10:30", TOKYO, None, "2026-05-22T01:30:00Z"),
    ("2026-05-22T10:30", SYDNEY, None, "2026-05-22T00:30:00Z"),  # winter there: +10
    ("2026-01-15T10:30", SYDNEY, None, "2026-01-14T23:30:00Z"),  # summer there: +11
    ("2026-05-22T10:30", MEXICO, None, "2026-05-22T16:30:00Z"),  # no DST since 2022
    ("2026-05-22", ROME, None, "2026-05-21T22:00:00Z"),  # a date alone: local midnight
    # next to the changes: the first and last minutes that exist once
    ("2026-03-29T01:59", ROME, None, "2026-03-29T00:59:00Z"),
    ("2026-03-29T03:00", ROME, None, "2026-03-29T01:00:00Z"),
    ("2026-10-25T01:59", ROME, None, "2026-10-24T23:59:00Z"),
    ("2026-10-25T03:00", ROME, None, "2026-10-25T02:00:00Z"),
    ("2026-03-29T02:30", TOKYO, None, "2026-03-28T17:30:00Z"),  # Rome's gap is Tokyo's hour
    # HH:MM: that time today, today being the reference instant's day in the mission's zone
    ("22:00", ROME, _utc("2026-05-22T08:00:00Z"), "2026-05-22T20:00:00Z"),
    ("22:00", TOKYO, _utc("2026-05-22T20:00:00Z"), "2026-05-23T13:00:00Z"),  # 05:00 on the 23rd
    ("06:30", NEW_YORK, _utc("2026-05-22T02:00:00Z"), "2026-05-21T10:30:00Z"),  # 22:00 on the 21st
    ("7:05", SYDNEY, _utc("2026-05-22T15:00:00Z"), "2026-05-22T21:05:00Z"),  # 01:00 on the 23rd
    ("00:00", MEXICO, _utc("2026-05-22T05:59:00Z"), "2026-05-21T06:00:00Z"),
    ("12:00", ROME, _utc("2026-03-29T12:00:00Z"), "2026-03-29T10:00:00Z"),  # DST day, after
]


@pytest.mark.parametrize(("typed", "zone", "today", "meant"), ACCEPTED)
def test_accepted_moments(typed: str, zone: str | None, today: datetime | None, meant: str):
    """Each accepted form names exactly one instant."""
    assert parse_moment(typed, zone, "--at", today=today) == _utc(meant)


# (typed, zone, today, words the message must contain, the offsets the hint must propose)
REFUSED_DST = [
    # gaps: the clocks go forward over these wall times
    ("2026-03-29T02:30", ROME, None, "does not exist", ("01:30+01:00", "03:30+02:00")),
    ("2026-03-29T02:00", ROME, None, "does not exist", ("01:00+01:00", "03:00+02:00")),
    ("2026-03-08T02:30", NEW_YORK, None, "does not exist", ("01:30-05:00", "03:30-04:00")),
    ("2026-10-04T02:30", SYDNEY, None, "does not exist", ("01:30+10:00", "03:30+11:00")),
    ("02:30", ROME, _utc("2026-03-29T00:10:00Z"), "does not exist", ("01:30+01:00",)),
    # folds: the clocks go back and these wall times happen twice
    ("2026-10-25T02:30", ROME, None, "happens twice", ("02:30+02:00", "02:30+01:00")),
    ("2026-10-25T02:00", ROME, None, "happens twice", ("02:00+02:00", "02:00+01:00")),
    ("2026-11-01T01:30", NEW_YORK, None, "happens twice", ("01:30-04:00", "01:30-05:00")),
    ("2026-04-05T02:30", SYDNEY, None, "happens twice", ("02:30+11:00", "02:30+10:00")),
    ("01:15", NEW_YORK, _utc("2026-11-01T12:00:00Z"), "happens twice", ("01:15-04:00",)),
]


@pytest.mark.parametrize(("typed", "zone", "today", "words", "offered"), REFUSED_DST)
def test_dst_gaps_and_folds_are_refused(
    typed: str, zone: str, today: datetime | None, words: str, offered: tuple[str, ...]
):
    """Never guessed: the message says why, the hint offers the moment with each offset."""
    with pytest.raises(InputError) as caught:
        parse_moment(typed, zone, "--at", today=today)
    err = caught.value
    assert err.field == "--at"
    assert words in err.message and zone in err.message
    assert all(o in (err.hint or "") for o in offered), err.hint
    assert "offset" in (err.hint or "")


def test_a_fold_names_both_instants_and_each_offered_form_is_one_of_them():
    """Rome, 25 Oct 2026, 02:30: once in summer time (00:30Z), once in winter time (01:30Z)."""
    with pytest.raises(InputError) as caught:
        parse_moment("2026-10-25T02:30", ROME, "--set curfew_from")
    assert "2026-10-25T00:30Z" in caught.value.message
    assert "2026-10-25T01:30Z" in caught.value.message
    first = parse_moment("2026-10-25T02:30+02:00", ROME, "--at")
    second = parse_moment("2026-10-25T02:30+01:00", ROME, "--at")
    assert (first, second) == (_utc("2026-10-25T00:30:00Z"), _utc("2026-10-25T01:30:00Z"))


@pytest.mark.parametrize(
    ("typed", "zone", "today", "words"),
    [
        ("2026-05-22T10:30", None, None, "no UTC offset"),
        ("22:00", None, _utc("2026-05-22T08:00:00Z"), "no UTC offset"),
        ("22:00", ROME, None, "no date"),
        ("tomorrow", ROME, None, "not an ISO 8601"),
        ("25:00", ROME, _utc("2026-05-22T08:00:00Z"), "not an ISO 8601"),
        ("2026-02-30T10:00", ROME, None, "not an ISO 8601"),
        ("2026-05-22T10:30", "Mars/Olympus_Mons", None, "time zone"),
    ],
)
def test_other_refusals_name_the_option(
    typed: str, zone: str | None, today: datetime | None, words: str
):
    with pytest.raises(InputError) as caught:
        parse_moment(typed, zone, "--now", today=today)
    assert caught.value.field == "--now" and words in caught.value.message
    assert caught.value.hint


def test_datetime_facts_use_the_same_parser():
    """``params.parse_datetime`` (datetime facts) and ``--at`` agree on every form."""
    today = _utc("2026-05-22T08:00:00Z")
    for typed in ("2026-05-22T22:00", "22:00", "2026-05-22T22:00+02:00"):
        fact = parse_datetime(typed, ROME, "--set curfew_from", today)
        assert fact == parse_moment(typed, ROME, "--at", today=today) == _utc("2026-05-22T20:00Z")
    with pytest.raises(InputError) as caught:
        parse_datetime("2026-03-29T02:30", ROME, "--set curfew_from")
    assert caught.value.field == "--set curfew_from"
