"""A name with its grammatical forms, and how a translation asks for one.

A :class:`Named` is a ``str`` (the name itself: everything that treats a fact as text keeps
working) that also knows its forms in one locale. A translation picks a form with a dotted
placeholder: the English text says ``in %(region)s``, the Ukrainian translation
``%(region.in)s`` ("у Закарпатській області"), the French one ``%(region.the)s``
("l'Émilie-Romagne"). Babel's placeholder check does not know dotted names, so
:func:`plain_placeholders` turns them back into ``%(region)s`` for it: a translation may use
any form of a variable the English text has, and no variable it does not have.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from typing import Any

import regex

from ..content.bidi import FSI, PDI, Fact

#: the forms a translation may ask for (docs/translators.md, "Places and platform names")
FORMS: dict[str, str] = {
    "name": "the name alone, in the nominative: headings, lists (Закарпатська область)",
    "the": "the name as it stands in running text: with its article or kind "
    "(l'Émilie-Romagne, il Lazio, el estado de Oaxaca, محافظة البقاع)",
    "in": "'in' the place, preposition or case ending included "
    "(у Закарпатській області, Kahramanmaraş ilinde, nel Lazio, en Émilie-Romagne)",
    "of": "'of' the place: the genitive (Закарпатської області, dell'Emilia-Romagna)",
    "to": "'to' the place: the dative or allative (до Закарпатської області, X'e)",
    "kind": "the kind of place in words (область, il, state, محافظة)",
}
#: ``%(region.in)s``: a form of a variable, inside a translation
DOTTED = re.compile(r"%\((\w+)\.(\w+)\)")
_THAI = regex.compile(r"\p{Script=Thai}")
_LETTER_OR_DIGIT = regex.compile(r"[\p{L}\p{M}\p{N}]")


class Named(str):
    """A name (``str(self)``) and its forms in one locale.

    ``place`` is the gazetteer id when the value was found there (None for a value typed that
    the gazetteer does not know, which gets the locale's generic frames).
    """

    forms: Mapping[str, str]
    place: str | None
    locale: str

    def __new__(
        cls, name: str, forms: Mapping[str, str], place: str | None = None, locale: str = ""
    ) -> Named:
        self = super().__new__(cls, name)
        self.forms = dict(forms)
        self.place = place
        self.locale = locale
        return self

    def form(self, form: str) -> str:
        """The form (the name itself when it has none: never an error while rendering; a
        missing form is for ``launcher validate`` to report)."""
        return self.forms.get(form) or str(self)

    def __getattr__(self, attr: str) -> str:
        # {{ event.region.in }} in a template; only the documented forms
        if attr in FORMS:
            return self.form(attr)
        raise AttributeError(attr)

    def __reduce__(self) -> Any:
        return (Named, (str(self), self.forms, self.place, self.locale))


#: marks a Ukrainian "у"/"в" at the start of an inserted form, chosen once the words before
#: it are known (:func:`finish`)
_UV = "\ue000"
_UK_VOWELS = frozenset("аеєиіїоуюяАЕЄИІЇОУЮЯ")


class NamedFact(Named, Fact):
    """A name the operator typed (or matched from what they typed): isolated (FSI … PDI)
    where it is written into a post, in every locale (:mod:`launcher.content.bidi`)."""


class _FormsMapping(dict):
    """The variables of one translation (each passed through ``wrap``: the isolates of a
    typed fact), answering ``region.in`` from ``region``'s forms, isolated the same way."""

    def __init__(self, variables: Mapping[str, Any], wrap: Callable[[Any], Any]) -> None:
        super().__init__({k: wrap(v) for k, v in variables.items()})
        self._originals = variables

    def __missing__(self, key: str) -> Any:
        var, dot, form = key.partition(".")
        if not dot or var not in self._originals:
            raise KeyError(key)
        value = self._originals[var]
        if not isinstance(value, Named):
            return dict.__getitem__(self, var)  # not a name: its one form is itself
        text = value.form(form)
        head = ""
        if value.locale.split("_")[0] == "uk" and text[:2] in ("у ", "в "):
            head, text = _UV, text[2:]
        if isinstance(value, Fact) and text:  # typed: its direction is its own
            text = f"{FSI}{text}{PDI}"
        return head + text


def finish(text: str) -> str:
    """The Ukrainian alternation of у and в before an inserted place ("землетрусу в
    Закарпатській області", "2026 р. у Закарпатській області"): в after a vowel, у after a
    consonant, a pause or before в/ф."""
    if _UV not in text:
        return text
    out = []
    for i, chunk in enumerate(text.split(_UV)):
        if i == 0:
            out.append(chunk)
            continue
        before = "".join(out).rstrip(" " + FSI + PDI)
        after_vowel = bool(before) and before[-1] in _UK_VOWELS
        first = chunk.lstrip(FSI)[:1].lower()
        prep = "в" if after_vowel and first not in ("в", "ф") else "у"
        if not before or before[-1] == "\n":  # a form opening a paragraph
            prep = prep.upper()
        out.append(f"{prep} {chunk}")
    return "".join(out)


def expand_forms(
    variables: Mapping[str, Any], wrap: Callable[[Any], Any] = lambda v: v
) -> dict[str, Any]:
    """``variables`` as a mapping for ``translation % mapping`` that knows dotted forms; pass
    the formatted text through :func:`finish`."""
    return _FormsMapping(variables, wrap)


def plain_placeholders(text: str) -> str:
    """``%(region.in)s`` -> ``%(region)s``: what Babel's placeholder check can read."""
    return DOTTED.sub(lambda m: f"%({m.group(1)})", text)


#: French elision before a vowel or a mute h: "la région de Alep" is "la région d'Alep"
_ELIDABLE = regex.compile(r"(?:^|(?<=\s))(de|le|la) $")
_VOWEL_START = regex.compile(r"^[aeiouyhAEIOUYH]")


def _elide(before: str, value: str) -> str:
    bare = unicodedata.normalize("NFKD", value[:1])
    found = _ELIDABLE.search(before)
    if found and _VOWEL_START.match(bare):
        return before[: found.start(1)] + found.group(1)[0] + "'"
    return before


def frame(pattern: str, *, elide: bool = False, **names: str) -> str:
    """``pattern`` ("у регіоні «{name}»") filled in. In Thai, which puts no space between words,
    a name in another script still gets one ("ในพื้นที่ Chiang Rai", "ในจังหวัดเชียงราย").
    ``elide``: French elision of de/le/la before the name ("dans la région d'Alep")."""
    out = pattern
    for key, value in names.items():
        token = "{" + key + "}"
        while token in out:
            at = out.index(token)
            before, after = out[:at], out[at + len(token) :]
            if elide:
                before = _elide(before, value)
            left = " " if _needs_space(before[-1:], value[:1]) else ""
            right = " " if _needs_space(value[-1:], after[:1]) else ""
            out = f"{before}{left}{value}{right}{after}"
    return out


def _needs_space(a: str, b: str) -> bool:
    if not a or not b or a.isspace() or b.isspace():
        return False
    if not (_LETTER_OR_DIGIT.match(a) and _LETTER_OR_DIGIT.match(b)):
        return False
    return bool(_THAI.match(a)) != bool(_THAI.match(b))


def parse_display_name(text: str) -> tuple[str, dict[str, str]]:
    """A platform's name as its catalog entry gives it: ``X | in=X'te | to=X'e``: the name,
    then forms as ``form=value`` separated by `` | `` (only the name, when the language
    needs no other form)."""
    head, *rest = (part.strip() for part in text.split(" | "))
    forms: dict[str, str] = {}
    for part in rest:
        form, eq, value = part.partition("=")
        if eq and form.strip() in FORMS and value.strip():
            forms[form.strip()] = value.strip()
    return head, forms


def display_name_problems(text: str) -> list[str]:
    """What is wrong with a platform name entry (unknown forms, a part without ``=``)."""
    _head, *rest = (part.strip() for part in text.split(" | "))
    out = []
    for part in rest:
        form, eq, value = part.partition("=")
        if not eq or not value.strip():
            out.append(f"'{part}' is not form=value")
        elif form.strip() not in FORMS:
            out.append(f"unknown form '{form.strip()}' (forms: {', '.join(FORMS)})")
    return out
