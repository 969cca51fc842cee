"""A platform's documented rate limits, declared as data by its adapter.

A :class:`Limit` says: at most ``limit`` units in any ``window`` seconds, counted per account,
per app (the credential an organisation's accounts share, such as a Telegram bot) or per host
(this machine's address, as the platform sees it), for the requests it matches (HTTP method,
URL path, the adapter's operation name). Most limits count requests (one unit each); a
weighted one (Bluesky's write points: a create costs 3, a delete 1) is declared once per
weight with the same name, and the declarations share one window.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

#: what a limit is counted per, narrowest first
SCOPES = ("account", "app", "host")


def _span(seconds: float) -> str:
    for unit, size in (("day", 86400), ("h", 3600), ("min", 60)):
        if seconds >= size and seconds % size == 0:
            n = int(seconds // size)
            return f"{n} {unit}" if n != 1 or unit != "day" else "day"
    return f"{seconds:g} s"


@dataclass(frozen=True)
class Limit:
    """At most ``limit`` units in any ``window`` seconds, per ``per``, for matching requests."""

    name: str  # "statuses", "write points": requests with the same name share one window
    limit: int
    window: float  # seconds
    per: str = "account"  # account | app | host
    methods: frozenset[str] = frozenset()  # empty: any method
    path: str | None = None  # a regular expression searched in the URL path; None: any
    operations: frozenset[str] = frozenset()  # the adapter's operation names; empty: any
    cost: int = 1  # units one matching request takes
    source: str = ""  # where the figure comes from (the platform's documentation)
    unit: str = "requests"

    def __post_init__(self) -> None:
        if self.per not in SCOPES:
            raise ValueError(f"limit {self.name!r}: per must be one of {SCOPES}, not {self.per!r}")
        if self.limit < 1 or self.window <= 0 or self.cost < 1:
            raise ValueError(f"limit {self.name!r}: limit, window and cost must be positive")
        object.__setattr__(self, "methods", frozenset(m.upper() for m in self.methods))
        object.__setattr__(self, "operations", frozenset(self.operations))

    @cached_property
    def _pattern(self) -> re.Pattern[str] | None:
        return re.compile(self.path) if self.path else None

    def applies(self, method: str, path: str, operation: str) -> bool:
        if self.methods and method.upper() not in self.methods:
            return False
        if self.operations and operation not in self.operations:
            return False
        pattern = self._pattern
        return pattern is None or pattern.search(path) is not None

    @property
    def window_id(self) -> tuple[str, str, int, float]:
        """Declarations with the same id count into one window (weighted limits)."""
        return (self.per, self.name, self.limit, self.window)

    def describe(self) -> str:
        """``300 requests per 5 min per account (statuses)``."""
        what = f" ({self.name})" if self.name not in ("requests", self.unit) else ""
        cost = f", {self.cost} each" if self.cost > 1 else ""
        return f"{self.limit} {self.unit} per {_span(self.window)} per {self.per}{what}{cost}"

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "limit": self.limit,
            "window": self.window,
            "per": self.per,
            "unit": self.unit,
            "cost": self.cost,
            "methods": sorted(self.methods),
            "path": self.path,
            "operations": sorted(self.operations),
            "source": self.source,
            "text": self.describe(),
        }
