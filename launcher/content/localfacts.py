"""Facts with a value per locale: ``--set place=Boryspil --set place.uk=Бориспіль``.

A place, a road or a shelter has a name in each language; typed once, the Cyrillic name
appeared inside the English and French posts. A text parameter may be given again with a
locale after a dot: the Ukrainian posts say ``Бориспіль``, every other locale the plain value.
The per-locale value wins for its locale (``place.uk`` for ``uk``; ``place.pt`` also for
``pt_BR`` unless ``place.pt_BR`` is given); the plain value is for every other locale (and a
required parameter still needs it). Per-locale values are facts like any other: checked
against the parameter's bounds, recorded with the launch (as ``place.uk``), and counted by
the guardrails as traceable text.

Where it is cheap, a value is checked against the script its locale is written in (CLDR's
likely script: ``th`` is Thai, ``uk`` Cyrillic, ``en`` Latin): a value with letters but none
of that script (a Latin-only name in a Thai post, a Cyrillic name in an English one) is a
warning naming the ``--set`` option that would fix it, never an error: a brand or a proper
name is sometimes written in another script on purpose.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import Any

import regex
from babel import Locale, UnknownLocaleError

from ..errors import Problem
from .bidi import reveal

SEP = "."
#: CLDR script codes -> the Unicode script the ``regex`` module names
_SCRIPTS = {
    "Latn": "Latin",
    "Cyrl": "Cyrillic",
    "Arab": "Arabic",
    "Thai": "Thai",
    "Grek": "Greek",
    "Hebr": "Hebrew",
    "Deva": "Devanagari",
    "Hang": "Hangul",
    "Armn": "Armenian",
    "Geor": "Georgian",
    "Ethi": "Ethiopic",
    "Beng": "Bengali",
    "Taml": "Tamil",
    "Khmr": "Khmer",
    "Laoo": "Lao",
    "Mymr": "Myanmar",
}
#: CLDR's script code for Japanese (Jpan) and Chinese (Hans, Hant) cover several scripts
_MIXED = {
    "Jpan": ("Han", "Hiragana", "Katakana"),
    "Hans": ("Han",),
    "Hant": ("Han",),
    "Kore": ("Hangul", "Han"),
}
_LETTER = regex.compile(r"\p{L}")


def split_key(key: str) -> tuple[str, str | None]:
    """``place.uk`` -> ("place", "uk"); ``place`` -> ("place", None)."""
    name, sep, loc = key.partition(SEP)
    return (name, loc) if sep else (key, None)


def locale_error(loc: str) -> str | None:
    try:
        Locale.parse(loc)
    except (UnknownLocaleError, ValueError):
        return f"unknown locale '{loc}'"
    return None


def for_locale(facts: Mapping[str, Any], locale: str) -> dict[str, Any]:
    """The facts as a post in ``locale`` sees them: each per-locale value in place of the
    plain one (``place.uk`` becomes ``place`` in uk), the per-locale keys left out."""
    out = {k: v for k, v in facts.items() if SEP not in k}
    language = locale.split("_")[0]
    for key in (f"{SEP}{language}", f"{SEP}{locale}"):  # the exact locale wins
        for name, value in facts.items():
            if name.endswith(key) and name[: -len(key)] in out:
                out[name[: -len(key)]] = value
    return out


@lru_cache(maxsize=512)
def locale_scripts(locale: str) -> tuple[str, ...]:
    """The Unicode scripts ``locale`` is written in (CLDR's likely script), or ()."""
    from babel.core import get_global

    likely = get_global("likely_subtags")
    language = locale.split("_")[0]
    tag = likely.get(locale) or likely.get(language) or ""
    for part in tag.split("_")[1:]:
        if part in _MIXED:
            return _MIXED[part]
        if part in _SCRIPTS:
            return (_SCRIPTS[part],)
    return ()


def script_warnings(
    facts: Mapping[str, Any],
    text_params: Iterable[str],
    locales: Iterable[str],
    *,
    known: set[tuple[str, str]] = frozenset(),  # type: ignore[assignment]
) -> list[Problem]:
    """A warning per (text fact, locale) whose value has no letter of the locale's script;
    ``known`` (fact, locale) pairs are names the gazetteer gave in that locale (places.yaml)."""
    names = list(text_params)
    out = []
    for loc in locales:
        scripts = locale_scripts(loc)
        if not scripts:
            continue
        pattern = regex.compile("|".join(rf"\p{{Script={s}}}" for s in scripts))
        seen = for_locale(facts, loc)
        for name in names:
            value = seen.get(name)
            if (name, loc) in known:
                continue
            if not isinstance(value, str) or not _LETTER.search(value):
                continue
            if pattern.search(value):
                continue
            given = f"{name}{SEP}{loc}" in facts or f"{name}{SEP}{loc.split('_')[0]}" in facts
            out.append(
                Problem(
                    f"the value '{reveal(value, rtl=False)}' has no letter of the"
                    f" {'/'.join(scripts)} script that locale {loc} is written in: its posts"
                    " will show it as typed",
                    field=f"--set {name}" + (f"{SEP}{loc}" if given else ""),
                    hint=f"if {loc} readers know it by another name, give it:"
                    f" --set {name}{SEP}{loc}=... (or, for a place, add it to places.yaml)",
                )
            )
    return out
