"""How counts of people are written in posts: the death toll and the like (``|headcount``).

A death toll must not be misread. Lebanon's CLDR format writes 1234 as "1.234", which a reader
of Arabic posts who knows the other convention takes for one point two; the Arabic press of the
region uses both marks. So in Arabic a count is written in Western digits, without a separator
below 10 000 ("1234"), and with a narrow no-break space between groups of three above
("12 345", "1 000 000"): the grouping of ISO 80000, which no reader takes for a decimal mark.
Every other locale keeps its CLDR grouping (fr "1 234", en "1,234", it "1.234", whose readers
never see "." as a decimal mark). docs/translators.md, "Numbers", documents the policy.
"""

from __future__ import annotations

from collections.abc import Callable

#: languages whose counts use the unambiguous grouping (see the module's docstring)
UNAMBIGUOUS = frozenset({"ar"})
NNBSP = "\u202f"


def format_count(value: int, locale: str, default: Callable[[int], str]) -> str:
    """``value`` as a count in ``locale``; ``default`` is the locale's usual number format."""
    if locale.replace("-", "_").split("_")[0] not in UNAMBIGUOUS or isinstance(value, bool):
        return default(value)
    n = int(value)
    digits = str(abs(n))
    if len(digits) > 4:
        groups = []
        while digits:
            groups.insert(0, digits[-3:])
            digits = digits[:-3]
        digits = NNBSP.join(groups)
    return ("-" if n < 0 else "") + digits
