"""A repeating message's occurrences: the first, then every ``every`` until ``until``, then each
phase in turn; at most :data:`MAX_OCCURRENCES` of them.

A series that would be longer is refused with its count (:class:`TooManyOccurrences`), never
cut short: ``every: 1h, until: 30d`` would otherwise stop after 500 updates, three weeks
early, without a word. The count is exact and costs nothing (no series is built to count
it), so the playbook's check (offsets alone, at load time) and planning (``until`` over a
fact) say the same number. Works on datetimes and on offsets from the confirmation alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

#: a message repeats at most this often (per account and locale): a bound against runaway
#: schedules such as every: 1m, until: 30d
MAX_OCCURRENCES = 500


class TooManyOccurrences(ValueError):
    """A series would make ``count`` occurrences, more than :data:`MAX_OCCURRENCES`."""

    def __init__(self, count: int) -> None:
        super().__init__(f"{count} occurrences, more than {MAX_OCCURRENCES}")
        self.count = count


def _steps(span: timedelta, every: timedelta, *, before: bool) -> int:
    """How many steps of ``every`` fit in ``span``: up to its end, or strictly ``before``."""
    if span <= timedelta(0):
        return 0
    steps = span // every
    return steps - 1 if before and span % every == timedelta(0) else steps


def series(
    first: Any,
    start: Any,
    every: timedelta | None,
    stop: Any | None,
    phases: Sequence[tuple[timedelta, timedelta]] = (),
    *,
    before_stop: bool = False,
) -> list[Any]:
    """``first``, then every ``every`` up to ``stop`` (the last one at ``stop`` at the latest,
    or before it when ``before_stop``: a deadline), then for each phase (every, until counted
    from ``start``) every ``every`` up to its until. Raise TooManyOccurrences past the bound."""
    runs: list[tuple[timedelta, int]] = []
    t = first
    if every is not None and stop is not None:
        n = _steps(stop - first, every, before=before_stop)
        runs.append((every, n))
        t = t + every * n
    for step, until in phases:
        n = _steps(start + until - t, step, before=False)
        runs.append((step, n))
        t = t + step * n
    count = 1 + sum(n for _, n in runs)
    if count > MAX_OCCURRENCES:
        raise TooManyOccurrences(count)
    out = [first]
    t = first
    for step, n in runs:
        for _ in range(n):
            t = t + step
            out.append(t)
    return out


def span(td: timedelta) -> str:
    """A duration as a playbook writes it: 90m, 4h, 3d."""
    secs = int(td.total_seconds())
    for unit, n in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs and secs % n == 0:
            return f"{secs // n}{unit}"
    return f"{secs}s" if secs else "0m"


def too_many(count: int, what: str, shorter: str) -> tuple[str, str]:
    """The message and the fix for a series of ``count`` occurrences: ``what`` is its
    schedule in words, ``shorter`` how to end it sooner."""
    return (
        f"{what} makes {count} occurrences, more than the limit of {MAX_OCCURRENCES}",
        f"make 'every' longer or {shorter}, for at most {MAX_OCCURRENCES} occurrences",
    )
