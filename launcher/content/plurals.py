"""Plural forms: a gettext ``Plural-Forms`` header for any locale CLDR knows, and the check
that a catalog's header agrees with CLDR.

CLDR's plural rules are written for every kind of number: ``v`` and ``f`` speak of decimals,
and ``e`` (since CLDR 38) of the exponent of compact notation ("1,2 M"), so French, Spanish,
Italian, Catalan and Portuguese say ``e = 0 and i % 1000000 = 0`` for "de" after a million.
gettext has only ``n``, a whole number written out. Babel's ``to_gettext`` leaves ``e`` in
the expression, which gettext cannot evaluate (``launcher i18n add pt`` wrote a catalog that
then failed to compile). Here every operand is given its value for a whole number written in
full (i = n; v, w, f, t, c and e are 0), and categories no whole number can reach are left
out, so the header has exactly the forms a translator must fill.
"""

from __future__ import annotations

import gettext
from collections.abc import Callable
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.plural import PluralRule, _GettextCompiler, _plural_tags

from ..errors import Problem

#: whole numbers covering every n % 10 and n % 100 case, the small-number rules and the
#: "millions" forms (fr, es, it, pt, ca: "1 000 000 de ...")
WHOLE_SAMPLE: tuple[int, ...] = (
    *range(0, 220),
    *range(1000, 1030),
    1100,
    10000,
    100000,
    1000000,
    2000000,
    1000000000,
)
#: the numbers people counts below a million take: what a catalog must get right
SMALL_SAMPLE: tuple[int, ...] = tuple(n for n in WHOLE_SAMPLE if n < 1000000)
#: languages whose nouns do not inflect after numerals: one form is grammatical (tr: "5 kişi")
ONE_FORM_OK = frozenset({"tr", "az", "hu", "ka", "kk", "ky", "uz"})


#: CLDR's operands for a whole number written in full: i is n, the others are 0
_ZERO_OPERANDS = frozenset("vwftce")
_CONST = "const"


def _fold(node: tuple) -> tuple:
    """``node`` of a CLDR rule's tree with the zero operands replaced and every part that no
    longer depends on n computed, so the header reads as the rule does (``n % 10 == 1``)."""
    op, args = node
    if op in _ZERO_OPERANDS:
        return ("value", (0,))
    if op == "i":
        return ("n", ())
    if op in ("and", "or"):
        left, right = _fold(args[0]), _fold(args[1])
        for a, b in ((left, right), (right, left)):
            if a[0] == _CONST:
                if op == "and":
                    return b if a[1] else a
                return a if a[1] else b
        return (op, (left, right))
    if op == "not":
        inner = _fold(args[0])
        return (_CONST, not inner[1]) if inner[0] == _CONST else ("not", (inner,))
    if op == "mod":
        left = _fold(args[0])
        if left[0] == "value":
            return ("value", (left[1][0] % args[1][1][0],))
        return ("mod", (left, args[1]))
    if op == "relation":
        method, expr, ranges = args
        expr = _fold(expr)
        if expr[0] == "value":
            value = expr[1][0]
            hit = any(lo[1][0] <= value <= hi[1][0] for lo, hi in ranges[1])
            return (_CONST, hit)
        return ("relation", (method, expr, ranges))
    return node


class _WholeNumbers(_GettextCompiler):
    def compile_const(self, value: bool) -> str:  # only left where a whole rule is constant
        return "1" if value else "0"


def cldr_rule(locale: str) -> PluralRule:
    """CLDR's plural rule of ``locale`` (an UnknownLocaleError/ValueError if CLDR has none)."""
    return Locale.parse(locale).plural_form


@lru_cache(maxsize=1024)
def plural_forms(locale: str) -> str:
    """The ``Plural-Forms`` header value for ``locale``, e.g. ``nplurals=2; plural=(n > 1);``:
    CLDR's rule for whole numbers, as gettext evaluates it."""
    rule = cldr_rule(locale)
    reached = set(_forms(locale).values())
    tags = [t for t in _plural_tags if t in reached]
    index = tags.index
    compile_ = _WholeNumbers().compile
    parts = []
    for tag, ast in rule.abstract:
        folded = _fold(ast)
        if tag not in reached or folded == (_CONST, False):
            continue
        parts.append(f"{compile_(folded)} ? {index(tag)} : ")
    expr = "".join(parts) + str(index("other") if "other" in tags else len(tags) - 1)
    return f"nplurals={len(tags)}; plural=({expr});"


@lru_cache(maxsize=1024)
def _forms(locale: str) -> dict[int, str]:
    """CLDR's category of every number of :data:`WHOLE_SAMPLE` in ``locale``."""
    rule = cldr_rule(locale)
    return {n: rule(n) for n in WHOLE_SAMPLE}


def expression(header: str) -> str:
    """The ``plural=`` part of a Plural-Forms value."""
    return header.split("plural=", 1)[1].strip().rstrip(";").strip()


def evaluator(expr: str) -> Callable[[int], int]:
    """gettext's own reading of a plural expression (ValueError if gettext cannot read it)."""
    return gettext.c2py(expr)


def check_plural_header(
    locale: str, display: str, num_plurals: int, plural_expr: str
) -> list[Problem]:
    """Check a catalog's Plural-Forms header against CLDR's rules for whole numbers.

    Headers are easy to get wrong (Babel's own table has a wrong one for Arabic: 11-99 and
    100+ swapped), and a wrong header silently picks the wrong form at run time. Both the
    forms for numbers below a million (what a count of people takes) and CLDR's full set for
    whole numbers (French, Spanish, Italian "many" after a million) are accepted, as long as
    every number agrees.
    """
    try:
        cldr_rule(locale)
        picks = evaluator(plural_expr)
    except (ValueError, UnknownLocaleError) as exc:
        return [_problem(locale, display, f"cannot be evaluated by gettext: {exc}")]
    if num_plurals == 1 and locale.split("_")[0] in ONE_FORM_OK:
        return []
    forms = _forms(locale)
    candidates = []
    for sample in (SMALL_SAMPLE, WHOLE_SAMPLE):
        used = {forms[n] for n in sample}
        tags = [t for t in _plural_tags if t in used]
        candidates.append((sample, tags))
    fitting = [(s, t) for s, t in candidates if len(t) == num_plurals]
    if not fitting:
        counts = sorted({len(t) for _s, t in candidates})
        tags = candidates[0][1]
        return [
            _problem(
                locale,
                display,
                f"declares {num_plurals} plural forms, CLDR uses"
                f" {' or '.join(map(str, counts))} for whole numbers ({', '.join(tags)})",
            )
        ]
    sample, tags = fitting[-1]
    for n in sample:
        want, got = tags.index(forms[n]), picks(n)
        if got != want:
            return [
                _problem(
                    locale,
                    display,
                    f"picks form {got} for n={n}, CLDR says form {want} ('{tags[want]}')",
                )
            ]
    return []


def _problem(locale: str, display: str, what: str) -> Problem:
    try:
        fix = f'set "Plural-Forms: {plural_forms(locale)}\\n" in the header'
    except (ValueError, UnknownLocaleError):
        fix = "give the Plural-Forms of this language (see CLDR's plural rules)"
    return Problem(f"Plural-Forms header {what}", file=display, field="Plural-Forms", hint=fix)
