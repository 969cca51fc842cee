"""How the listening post runs: the ``listening:`` section of the settings file.

::

    listening:
      snapshots: [1h, 24h, 7d]   # ages of each sent post at which its counts are recorded
      inbox_every: 2m            # how often each account's replies and mentions are read
      refresh_every: 15m         # latest counts of posts younger than the last snapshot age
      followers_every: 1h        # each account's followers
      reserve: 0.3               # share of a rate-limit window left to posting

Every key is optional; a wrong value is reported with the settings file, line and key, like
any other setting (``launcher validate``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

KEYS = ("snapshots", "inbox_every", "refresh_every", "followers_every", "reserve")
_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_UNIT = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def seconds(text: str) -> float | None:
    """``90s``, ``15m``, ``1h``, ``7d`` → seconds; None if it is not such a duration."""
    m = _DURATION.match(text) if isinstance(text, str) else None
    return float(int(m.group(1)) * _UNIT[m.group(2)]) if m else None


@dataclass(frozen=True)
class ListenConfig:
    #: (label, seconds after the post was sent), in order
    snapshots: tuple[tuple[str, float], ...] = (("1h", 3600.0), ("24h", 86400.0), ("7d", 604800.0))
    inbox_every: float = 120.0
    refresh_every: float = 900.0
    followers_every: float = 3600.0
    reserve: float = 0.3

    @property
    def horizon(self) -> float:
        """How long after it was sent a post is still measured (its last snapshot age)."""
        return max((s for _, s in self.snapshots), default=0.0)


def parse_config(
    raw: Any, add: Callable[[str, tuple[Any, ...], str | None], None] | None = None
) -> ListenConfig:
    """The ``listening`` section (None: the defaults); every problem goes to ``add(message,
    path, hint)`` and the default is kept for that key."""

    def problem(message: str, path: tuple[Any, ...], hint: str | None = None) -> None:
        if add is not None:
            add(message, ("listening", *path), hint)

    if raw is None:
        return ListenConfig()
    if not isinstance(raw, Mapping):
        problem("listening must be a mapping of its settings", ())
        return ListenConfig()
    values: dict[str, Any] = {}
    for key in raw:
        if key not in KEYS:
            problem(f"unknown key {key!r}; known: {', '.join(KEYS)}", (key,))
    if "snapshots" in raw:
        ages = raw["snapshots"]
        if not isinstance(ages, list) or not ages:
            problem("snapshots must be a list of ages", ("snapshots",), "e.g. [1h, 24h, 7d]")
        else:
            out = []
            for i, age in enumerate(ages):
                s = seconds(age)
                if s is None or s <= 0:
                    problem(f"{age!r} is not an age", ("snapshots", i), "write e.g. 1h, 24h, 7d")
                else:
                    out.append((str(age).strip(), s))
            if out:
                values["snapshots"] = tuple(sorted(dict(out).items(), key=lambda kv: kv[1]))
    for key in ("inbox_every", "refresh_every", "followers_every"):
        if key in raw:
            s = seconds(raw[key])
            if s is None or s <= 0:
                problem(f"{raw[key]!r} is not a duration", (key,), "write e.g. 90s, 2m, 1h")
            else:
                values[key] = s
    if "reserve" in raw:
        r = raw["reserve"]
        if isinstance(r, bool) or not isinstance(r, int | float) or not 0 <= r < 1:
            problem(f"reserve must be a share between 0 and 1, not {r!r}", ("reserve",), "e.g. 0.3")
        else:
            values["reserve"] = float(r)
    return ListenConfig(**values)
