"""The gazetteer: ``places.yaml`` at the content root, and matching a typed value to a place.

Shape (docs/translators.md, "Places and platform names")::

    kinds:            # kind of place -> its word per locale (the `kind` form)
      oblast: {en: oblast, uk: область, fr: oblast}
    derive:           # per locale, forms a place may leave out, made from its other forms
      en: {the: "{name}", in: "in {the}"}
    unknown:          # per locale, frames for a value the gazetteer does not know
      uk: {name: "{name}", in: "у регіоні «{name}»"}
    places:
      zakarpattia:
        kind: oblast
        aliases: [Transcarpathia, Закарпаття]
        names:
          en: {name: Zakarpattia Oblast}
          uk: {name: Закарпатська область, in: у Закарпатській області}

A value is matched against every place's id, aliases, names and forms in every locale, with
case, diacritics, apostrophes and hyphens ignored ("kahramanmaras" is "Kahramanmaraş");
``@zakarpattia`` names a place by its id. The file is optional: without it every value is
used as typed, with the forms being the value itself.
"""

from __future__ import annotations

import threading
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex

from ..content.bidi import wants_isolate
from ..content.localfacts import for_locale
from ..content.schema import Checker, did_you_mean, known_list
from ..content.yamlsrc import load_yaml
from ..errors import InputError, Problem
from .names import FORMS, Named, NamedFact, frame

PLACES_FILE = "places.yaml"
#: kinds of place the gazetteer knows (the `kind` key of a place)
KINDS = (
    "country",
    "region",
    "province",
    "state",
    "oblast",
    "governorate",
    "district",
    "prefecture",
    "city",
    "valley",
)
_TOP = ("kinds", "derive", "unknown", "places")
_SEPARATORS = regex.compile(r"[\s\-‐‑–—'’ʼ`´.,·]+")


def normalize(value: str) -> str:
    """The key a value is matched by: no case, no diacritics, one space for any run of
    spaces, hyphens, apostrophes and dots."""
    decomposed = unicodedata.normalize("NFKD", value)
    bare = "".join(c for c in decomposed if not unicodedata.combining(c))
    return _SEPARATORS.sub(" ", bare.casefold()).strip()


@dataclass(frozen=True)
class Place:
    id: str
    kind: str | None
    aliases: tuple[str, ...]
    #: locale -> form -> text
    names: Mapping[str, Mapping[str, str]]
    #: where each locale's entry is in places.yaml (for validate)
    lines: Mapping[str, int | None] = field(default_factory=dict)
    line: int | None = None


@dataclass
class Gazetteer:
    places: dict[str, Place] = field(default_factory=dict)
    kinds: dict[str, dict[str, str]] = field(default_factory=dict)
    derive: dict[str, dict[str, str]] = field(default_factory=dict)
    unknown: dict[str, dict[str, str]] = field(default_factory=dict)
    file: str = PLACES_FILE
    positions: dict[tuple[str | int, ...], tuple[int, int]] = field(default_factory=dict)
    _index: dict[str, str] = field(default_factory=dict)

    def line_of(self, *path: str | int) -> int | None:
        p = tuple(path)
        while p and p not in self.positions:
            p = p[:-1]
        return self.positions.get(p, (None, None))[0]

    def match(self, value: str) -> Place | None:
        """The place ``value`` names (``@id``, or any of its names in any locale)."""
        if value.startswith("@"):
            return self.places.get(value[1:].strip())
        if not self._index:
            self._build_index()
        found = self._index.get(normalize(value))
        return self.places.get(found) if found else None

    def _build_index(self) -> None:
        for place in self.places.values():
            keys = [place.id, *place.aliases]
            for forms in place.names.values():
                keys.extend(forms.values())
            for key in keys:
                self._index.setdefault(normalize(key), place.id)

    def _language(self, table: Mapping[str, Any], locale: str) -> Any:
        return table.get(locale) or table.get(locale.split("_")[0])

    def forms(self, place: Place, locale: str) -> dict[str, str] | None:
        """Every form of ``place`` in ``locale`` (given, derived, its kind's word), or None
        when the gazetteer has no name for it in that locale."""
        given = self._language(place.names, locale)
        if not given or not given.get("name"):
            return None
        out = dict(given)
        kind_word = self._language(self.kinds.get(place.kind or "", {}), locale)
        if kind_word and "kind" not in out:
            out["kind"] = kind_word
        derive = self._language(self.derive, locale) or {}
        for _ in range(len(FORMS)):  # derived forms may build on derived forms (in: "in {the}")
            for form, pattern in derive.items():
                if form not in out:
                    filled = _fill(pattern, out)
                    if filled is not None:
                        out[form] = filled
        return out

    def unknown_forms(self, name: str, locale: str) -> dict[str, str]:
        """The forms of a value the gazetteer does not know: the locale's generic frames."""
        frames = self._language(self.unknown, locale) or {}
        out = {"name": name}
        elide = locale.split("_")[0] == "fr"
        for form, pattern in frames.items():
            out[form] = frame(pattern, elide=elide, name=name)
        return out

    def named(self, value: str, locale: str) -> tuple[Named, bool]:
        """``value`` as a name in ``locale``, and whether the gazetteer knew it there."""
        place = self.match(value)
        if place is not None:
            forms = self.forms(place, locale)
            if forms is not None:
                return Named(forms["name"], forms, place.id, locale), True
        return Named(value, self.unknown_forms(value, locale), None, locale), False


def _fill(pattern: str, forms: Mapping[str, str]) -> str | None:
    keys = regex.findall(r"\{(\w+)\}", pattern)
    if any(k not in forms for k in keys):
        return None
    return frame(pattern, **{k: forms[k] for k in keys})


_cache: dict[Path, tuple[int, Gazetteer, list[Problem]]] = {}
_lock = threading.Lock()


def load_gazetteer(root: Path) -> tuple[Gazetteer, list[Problem]]:
    """The gazetteer of a content root (empty when it has no places.yaml), and its problems."""
    path = root / PLACES_FILE
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        return Gazetteer(), []
    with _lock:
        hit = _cache.get(path)
        if hit and hit[0] == stamp:
            return hit[1], list(hit[2])
    gaz, problems = _parse(path)
    with _lock:
        _cache[path] = (stamp, gaz, problems)
    return gaz, problems


def _parse(path: Path) -> tuple[Gazetteer, list[Problem]]:
    doc, problems = load_yaml(path, PLACES_FILE)
    gaz = Gazetteer()
    if doc is None:
        return gaz, problems
    gaz.positions = doc.positions
    chk = Checker(doc, problems)
    top = chk.mapping(doc.data if doc.data is not None else {}, (), optional=_TOP, what=PLACES_FILE)
    if top is None:
        return gaz, problems
    for section in ("kinds", "derive", "unknown"):
        raw = top.get(section) or {}
        if not chk.mapping(
            raw, (section,), optional=raw.keys() if isinstance(raw, Mapping) else ()
        ):
            continue
        for key, body in raw.items():
            table = _strings(chk, body, (section, key))
            if section == "kinds" and key not in KINDS:
                chk.add(
                    (section, key),
                    f"unknown kind '{key}'{did_you_mean(str(key), KINDS)}",
                    hint=f"kinds: {known_list(KINDS)}",
                )
            if section != "kinds":
                for form in table:
                    if form not in FORMS:
                        chk.add(
                            (section, key, form),
                            f"unknown form '{form}'{did_you_mean(form, FORMS)}",
                            hint=f"forms: {known_list(FORMS)}",
                        )
            getattr(gaz, section)[str(key)] = table
    places = top.get("places") or {}
    if chk.mapping(
        places, ("places",), optional=places.keys() if isinstance(places, Mapping) else ()
    ):
        for pid, body in places.items():
            place = _place(chk, str(pid), body)
            if place is not None:
                gaz.places[place.id] = place
    return gaz, problems


def _strings(chk: Checker, body: Any, path: tuple[str | int, ...]) -> dict[str, str]:
    if not isinstance(body, Mapping):
        chk.add(path, "expected a mapping of names to texts")
        return {}
    out = {}
    for key, value in body.items():
        if not isinstance(value, str) or not value.strip():
            chk.add((*path, key), "expected a text", hint="write the words, in quotes if needed")
            continue
        out[str(key)] = value.strip()
    return out


def _place(chk: Checker, pid: str, body: Any) -> Place | None:
    path = ("places", pid)
    spec = chk.mapping(
        body, path, required=("names",), optional=("kind", "aliases"), what=f"place '{pid}'"
    )
    if spec is None:
        return None
    kind = spec.get("kind")
    if kind is not None and kind not in KINDS:
        chk.add(
            (*path, "kind"),
            f"unknown kind '{kind}'{did_you_mean(str(kind), KINDS)}",
            hint=f"kinds: {known_list(KINDS)}",
        )
    aliases = spec.get("aliases") or []
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        chk.add((*path, "aliases"), "expected a list of names")
        aliases = []
    names: dict[str, dict[str, str]] = {}
    lines: dict[str, int | None] = {}
    raw = spec.get("names") or {}
    if not isinstance(raw, Mapping):
        chk.add((*path, "names"), "expected a mapping of locales to forms")
        raw = {}
    from ..content.localfacts import locale_error

    for loc, forms in raw.items():
        bad = locale_error(str(loc))
        if bad:
            chk.add((*path, "names", loc), bad, hint="a locale such as uk, fr or pt_BR")
            continue
        table = _strings(chk, forms, (*path, "names", loc))
        for form in table:
            if form not in FORMS:
                chk.add(
                    (*path, "names", loc, form),
                    f"unknown form '{form}'{did_you_mean(form, FORMS)}",
                    hint=f"forms: {known_list(FORMS)}",
                )
        if "name" not in table:
            chk.add(
                (*path, "names", loc),
                "missing required key 'name'",
                hint="every locale of a place gives at least its name",
            )
        names[str(loc)] = table
        lines[str(loc)] = chk.doc.positions.get((*path, "names", loc), (None, None))[0]
    return Place(
        pid, kind, tuple(aliases), names, lines, chk.doc.positions.get(path, (None, None))[0]
    )


def localize(
    facts: Mapping[str, Any],
    text_params: Iterable[str],
    locale: str,
    gazetteer: Gazetteer,
) -> tuple[dict[str, Any], set[str]]:
    """The facts as ``locale``'s posts see them (:func:`for_locale`), each text fact a
    :class:`Named`; and the text facts the gazetteer knew in that locale."""
    seen = for_locale(facts, locale)
    known: set[str] = set()
    for name in text_params:
        value = seen.get(name)
        if not isinstance(value, str):
            continue
        if value.startswith("@") and gazetteer.match(value) is None:
            raise unknown_place(gazetteer, name, value)
        named, found = gazetteer.named(value, locale)
        if value.startswith("@") and not found:
            place = gazetteer.match(value)
            raise InputError(
                f"the place '{value[1:]}' has no name in locale {locale} in {PLACES_FILE}",
                field=f"--set {name}",
                hint=f"add names.{locale} to places.{value[1:]} in {PLACES_FILE}, or give the"
                f" name for these posts: --set {name}.{locale}=..."
                + ("" if place is None else f" (it has: {', '.join(sorted(place.names))})"),
            )
        if wants_isolate(value):  # typed by the operator: isolated where it is written
            named = NamedFact(str(named), named.forms, named.place, named.locale)
        seen[name] = named
        if found:
            known.add(name)
    return seen, known


def unknown_place(gazetteer: Gazetteer, name: str, value: str) -> InputError:
    pid = value[1:].strip()
    ids = sorted(gazetteer.places)
    return InputError(
        f"no place '{pid}' in {PLACES_FILE}{did_you_mean(pid, ids)}",
        field=f"--set {name}",
        hint=(f"places: {known_list(ids)}; " if ids else "")
        + f'add it to {PLACES_FILE}, or type the name itself: --set {name}="..."',
    )
