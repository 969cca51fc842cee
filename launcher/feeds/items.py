"""Typed reading of one item of a JSON answer (an OONI hour or finding, an IODA alert).

An item is the source's word, and a hostile or broken one (a count of ``"many"`` or ``1e30``
where a whole number belongs, a time of ``"yesterday"``, ``NaN``, a list where a text
belongs) must cost only itself: each value is either what its field says it is, or not
given (None), or a :class:`~launcher.errors.FeedItemError` naming the document's URL, the
item and the field, which the watcher records through
:meth:`~launcher.feeds.base.ReadContext.skip` before reading the next item.
"""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from typing import Any

from ..errors import FeedItemError

#: the largest whole number JSON's numbers hold exactly
MAX_COUNT = 2**53 - 1


class ItemReader:
    """The values of one item; ``item`` names it in messages (``finding 134560992``)."""

    def __init__(self, url: str, item: str) -> None:
        self.url, self.item = url, item

    def bad(self, field: str | None, value: Any, why: str) -> FeedItemError:
        try:
            shown = json.dumps(value)
        except (RecursionError, ValueError, TypeError):  # nested as deep as the parser allowed
            shown = type(value).__name__
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        return FeedItemError(f"{shown}: {why}", source=self.url, item=self.item, field=field)

    def object(self, value: Any, field: str) -> dict[str, Any]:
        """An object, ``{}`` when not given."""
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.bad(field, value, "not an object")
        return value

    def text(self, value: Any, field: str) -> str | None:
        if value is None or isinstance(value, str):
            return value
        raise self.bad(field, value, "not a text")

    def number(self, value: Any, field: str) -> float | None:
        """A finite number (JSON's NaN and Infinity, and a 400-digit integer, are not)."""
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.bad(field, value, "not a number")
        try:
            number = float(value)
        except OverflowError:  # an integer of 400 digits
            number = math.inf
        if not math.isfinite(number):
            raise self.bad(field, value, "not a finite number")
        return number

    def count(self, value: Any, field: str) -> int | None:
        """A whole number, 0 or more, that JSON holds exactly (up to 2**53 - 1): ``1e30``
        measurements in an hour is no count, and would be quoted in a proposal."""
        number = self.number(value, field)
        if number is None:
            return None
        if not number.is_integer() or not 0 <= number <= MAX_COUNT:
            raise self.bad(field, value, f"not a count (a whole number, 0 to {MAX_COUNT})")
        return int(number)

    def flag(self, value: Any, field: str) -> bool | None:
        if value is None or isinstance(value, bool):
            return value
        raise self.bad(field, value, "not true or false")

    def texts(self, value: Any, field: str) -> list[str]:
        """A list of texts, ``[]`` when not given."""
        if value is None:
            return []
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise self.bad(field, value, "not a list of texts")
        return value

    def iso_time(self, value: Any, field: str) -> datetime | None:
        """An ISO 8601 time (``2025-07-01T00:00:00.000000Z``; UTC when it names no zone) in
        UTC; None for null or an empty text."""
        if value is None or (isinstance(value, str) and not value.strip()):
            return None
        why = "not a time (ISO 8601)"
        if not isinstance(value, str):
            raise self.bad(field, value, why)
        try:
            moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
            return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
        except ValueError:
            raise self.bad(field, value, why) from None
        except OverflowError:  # 9999-12-31T23:59-14:00: no such moment in UTC
            raise self.bad(field, value, "not a time UTC can hold") from None

    def unix_time(self, value: Any, field: str) -> datetime | None:
        """Seconds since 1970 (IODA's ``time``), within the years a datetime holds."""
        seconds = self.number(value, field)
        if seconds is None:
            return None
        try:
            return datetime.fromtimestamp(seconds, UTC)
        except (OverflowError, OSError, ValueError):  # 1e30, -1e15
            raise self.bad(field, value, "not a time (seconds since 1970)") from None
