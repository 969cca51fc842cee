"""Moments a playbook names relative to the event: ``at:``/``until:`` and datetime bounds.

A schedule's ``at`` and ``until`` are either an offset from the confirmation (``3h``: three
hours after the event was confirmed) or an expression over a datetime fact, written
``event.deadline``, ``event.deadline - 2h`` or ``event.opened_at + 30m`` (``now``, the
confirmation, may stand where a fact does: ``now + 2h`` is ``2h``). Nothing else is allowed:
these are read by this small grammar, never evaluated as code, so a typo is a located error
naming the datetime parameters that exist.

Datetime parameters take bounds relative to the confirmation: ``min: -7d`` (no earlier than a
week before), ``max: +30d``; they are kept as seconds in :class:`~launcher.models.ParamSpec`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from .schema import did_you_mean

_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_DURATION = r"\d+\s*[smhd]"
_TERM = re.compile(r"\s*(?:(now)|event\.([A-Za-z_][A-Za-z0-9_]*)|([+-]?\s*" + _DURATION + r"))\s*")
_STEP = re.compile(r"\s*([+-])\s*(" + _DURATION + r")\s*")
SIGNED = re.compile(r"^\s*([+-]?)\s*(\d+)\s*([smhd])\s*$")


@dataclass(frozen=True)
class Moment:
    """``fact`` (a datetime parameter; None: the confirmation) plus ``offset``."""

    fact: str | None
    offset: timedelta
    text: str

    def describe(self) -> str:
        return self.text


class MomentError(ValueError):
    """Not a moment; ``hint`` says what is allowed."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


def duration(text: str) -> timedelta:
    match = SIGNED.match(text)
    if not match:
        raise MomentError(f"'{text}' is not a duration", "write e.g. 0m, 90s, 15m, 4h, 3d")
    value = timedelta(**{_UNITS[match.group(3)]: int(match.group(2))})
    return -value if match.group(1) == "-" else value


def parse_moment(raw: Any, datetime_params: list[str]) -> Moment:
    """``raw`` (a YAML value) as a Moment; ``datetime_params`` are the names it may use."""
    text = str(raw).strip() if isinstance(raw, str | int) and not isinstance(raw, bool) else ""
    hint = (
        "write an offset from the confirmation (0m, 90s, 4h, 3d) or an expression over a"
        " datetime fact: event.NAME, event.NAME - 2h, event.NAME + 30m"
        + (f" (datetime parameters: {', '.join(datetime_params)})" if datetime_params else "")
    )
    first = _TERM.match(text) if text else None
    if first is None:
        raise MomentError(f"'{raw}' is not a duration or a moment", hint)
    now, fact, offset_text = first.groups()
    offset = timedelta(0)
    if offset_text is not None:
        offset = duration(offset_text.replace(" ", ""))
        if offset < timedelta(0):
            raise MomentError(f"'{raw}': an offset from the confirmation cannot be negative", hint)
    if fact is not None and fact not in datetime_params:
        raise MomentError(
            f"'{raw}': event.{fact} is not a datetime parameter of this playbook"
            f"{did_you_mean(fact, datetime_params)}",
            hint,
        )
    pos = first.end()
    while pos < len(text):
        step = _STEP.match(text, pos)
        if step is None or offset_text is not None:
            raise MomentError(f"'{raw}' is not a duration or a moment", hint)
        delta = duration(step.group(2).replace(" ", ""))
        offset += delta if step.group(1) == "+" else -delta
        pos = step.end()
    if fact is None and now is None and offset_text is None:
        raise MomentError(f"'{raw}' is not a duration or a moment", hint)
    return Moment(fact, offset, " ".join(text.split()))


def bound_seconds(raw: Any) -> float:
    """A datetime parameter's ``min``/``max``: a signed duration from the confirmation."""
    if not isinstance(raw, str):
        raise MomentError(
            f"{raw!r} is not a duration from the confirmation",
            "write e.g. min: -7d (a week before the event) and max: +30d",
        )
    return duration(raw).total_seconds()


def show_seconds(seconds: float) -> str:
    """-604800.0 -> '-7d' (the way bounds are written)."""
    sign = "-" if seconds < 0 else "+"
    secs = int(abs(seconds))
    for unit, n in (("d", 86400), ("h", 3600), ("m", 60)):
        if secs and secs % n == 0:
            return f"{sign}{secs // n}{unit}"
    return f"{sign}{secs}s"
