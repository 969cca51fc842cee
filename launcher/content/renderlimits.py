"""Bounds on what rendering a template may cost.

Templates are approved content, but a slip (``range(10**8)``, ``"-" * 10**9``) must end in an
error that names the template and its line, not in a launch that hangs or eats the memory of
the duty officer's laptop. The sandboxed environment of :mod:`launcher.content.render` uses:

- :func:`bounded_range` for ``range()``: at most :data:`MAX_RANGE` items per call and
  :data:`MAX_LOOP` items in all for one rendering (so nested loops are bounded too);
- :func:`checked_binop` for ``*`` and ``**``: no text or list longer than :data:`MAX_TEXT`
  characters or items, no power with more than :data:`MAX_POWER_BITS` bits;
- :func:`collect`, which stops a rendering whose output passes :data:`MAX_TEXT` characters
  (the longest post any platform takes is 63,206 characters, Facebook's).

Each limit raises ``OverflowError`` with a message for the template's author; the renderer
adds the template's file and line.
"""

from __future__ import annotations

import contextvars
import math
import operator
from collections.abc import Iterable
from typing import Any

MAX_RANGE = 10_000
MAX_LOOP = 100_000
MAX_TEXT = 200_000
MAX_POWER_BITS = 4_096

_budget: contextvars.ContextVar[list[int]] = contextvars.ContextVar("launcher_range_budget")


def start() -> contextvars.Token[list[int]]:
    """Give one rendering its own loop budget (pair with :func:`finish`)."""
    return _budget.set([MAX_LOOP])


def finish(token: contextvars.Token[list[int]]) -> None:
    _budget.reset(token)


def bounded_range(*args: int) -> range:
    rng = range(*args)
    if len(rng) > MAX_RANGE:
        raise OverflowError(
            f"range() of {len(rng)} items: a template may loop at most {MAX_RANGE} times per range"
        )
    left = _budget.get(None)
    if left is not None:
        left[0] -= len(rng)
        if left[0] < 0:
            raise OverflowError(
                f"the template's loops run past {MAX_LOOP} items in all (nested range()s?)"
            )
    return rng


def checked_binop(op: str, left: Any, right: Any) -> Any:
    """``left op right`` for the operators the sandbox intercepts, within the bounds."""
    if op == "**":
        if _int(left) and _int(right) and abs(left) > 1 and right > 0:
            bits = right * math.log2(abs(left))
            if bits > MAX_POWER_BITS:
                raise OverflowError(
                    f"{left} ** {right} is too large to compute (more than {MAX_POWER_BITS} bits)"
                )
        return operator.pow(left, right)
    if op == "*":
        for seq, times in ((left, right), (right, left)):
            long = isinstance(seq, str | list | tuple) and _int(times) and len(seq) * times
            if long and long > MAX_TEXT:
                raise OverflowError(
                    f"repeating {len(seq)} characters or items {times} times passes the"
                    f" limit of {MAX_TEXT}"
                )
        return operator.mul(left, right)
    raise AssertionError(op)


def _int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def collect(chunks: Iterable[str]) -> str:
    """Join a rendering's output, stopping once it passes :data:`MAX_TEXT` characters."""
    out: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > MAX_TEXT:
            raise OverflowError(
                f"the template's output passes {MAX_TEXT} characters (a post takes at most"
                " 63,206, on Facebook)"
            )
        out.append(chunk)
    return "".join(out)
