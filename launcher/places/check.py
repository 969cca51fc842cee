"""What ``launcher validate`` says about places and platform names.

A translation that asks for ``%(region.in)s`` needs that form from every place its locale may
meet: each place of ``places.yaml`` that has a name in the locale, and the locale's frames for
a value the gazetteer does not know. A missing one is a problem naming the place, the locale,
the form and the catalog line that uses it; so is a form nobody defined (``%(region.loc)s``),
and a platform name entry without a form its translations use.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..content.i18n import load_catalog
from ..errors import Problem
from .gazetteer import PLACES_FILE, Gazetteer, load_gazetteer
from .names import DOTTED, FORMS, display_name_problems, parse_display_name
from .platforms import CONTEXT, PLATFORM_NAMES

#: a {% trans %} variable bound to a platform's name, in a template
_PLATFORM_VAR = re.compile(r"\b(\w+)\s*=\s*(?:banned_)?platform_name\b")


@dataclass(frozen=True)
class Use:
    """A translation asking for a form: ``%(var.form)s`` at ``file:line`` of ``locale``."""

    locale: str
    var: str
    form: str
    file: str
    line: int | None


def platform_vars(root: Path) -> set[str]:
    """The {% trans %} variables that hold a platform's name, in any template."""
    out: set[str] = set()
    for tpl in (root / "templates").rglob("*.j2"):
        try:
            out.update(_PLATFORM_VAR.findall(tpl.read_text(encoding="utf-8")))
        except (OSError, UnicodeDecodeError):
            continue  # validate reports unreadable templates itself
    return out


def form_uses(root: Path, locales: list[str]) -> tuple[list[Use], list[Problem]]:
    """Every dotted placeholder in the catalogs of ``locales``, and the unknown forms."""
    uses: list[Use] = []
    problems: list[Problem] = []
    for loc in locales:
        cat, _ = load_catalog(root, loc)
        if cat is None:
            continue  # validate reports a broken catalog itself
        for msg in cat.catalog:
            if not msg.id:
                continue
            strings = msg.string if isinstance(msg.string, tuple | list) else (msg.string,)
            for text in strings:
                for m in DOTTED.finditer(text or ""):
                    var, form = m.group(1), m.group(2)
                    if form not in FORMS:
                        problems.append(
                            Problem(
                                f"unknown form '{form}' in %({var}.{form})s",
                                file=cat.display,
                                line=msg.lineno,
                                field=f"locale {loc}",
                                hint=f"forms: {', '.join(FORMS)} (docs/translators.md,"
                                " 'Places and platform names')",
                            )
                        )
                        continue
                    uses.append(Use(loc, var, form, cat.display, msg.lineno))
    return uses, problems


def place_problems(root: Path, locales: list[str]) -> list[Problem]:
    """Problems of places.yaml itself, and every form a catalog uses that a place lacks."""
    gaz, parsed = load_gazetteer(root)
    problems = list(parsed)  # the loaded gazetteer's own list is cached: never extend it
    uses, found = form_uses(root, locales)
    problems.extend(found)
    platforms = platform_vars(root)
    seen: set[tuple[str, ...]] = set()
    for use in uses:
        if use.var in platforms:
            problems.extend(_platform_problems(root, use, seen))
        elif use.form != "name":
            problems.extend(_place_form_problems(gaz, use, seen))
    return problems


def _place_form_problems(gaz: Gazetteer, use: Use, seen: set[tuple[str, ...]]) -> list[Problem]:
    out = []
    used = f"the {use.locale} catalog uses %({use.var}.{use.form})s ({use.file}:{use.line})"
    key = ("unknown", use.locale, use.form)
    frames = gaz._language(gaz.unknown, use.locale) or {}
    if use.form not in frames and use.form != "kind" and key not in seen:
        seen.add(key)
        out.append(
            Problem(
                f"no '{use.form}' frame for a place the gazetteer does not know in"
                f" {use.locale}: {used}",
                file=PLACES_FILE,
                line=gaz.line_of("unknown", use.locale),
                field=f"unknown.{use.locale}.{use.form}",
                hint=f'add {use.form}: "...{{name}}..." under unknown.{use.locale}'
                f' (a generic frame, e.g. for uk in: "у регіоні «{{name}}»")',
            )
        )
    for place in gaz.places.values():
        forms = gaz.forms(place, use.locale)
        if forms is None or use.form in forms:
            continue
        key = (place.id, use.locale, use.form)
        if key in seen:
            continue
        seen.add(key)
        loc = use.locale if use.locale in place.names else use.locale.split("_")[0]
        out.append(
            Problem(
                f"place '{place.id}' has no '{use.form}' form in {use.locale}: {used}",
                file=PLACES_FILE,
                line=place.lines.get(loc) or place.line,
                field=f"places.{place.id}.names.{loc}.{use.form}",
                hint=f"add {use.form}: ... to places.{place.id}.names.{loc} ({FORMS[use.form]})",
            )
        )
    return out


def _platform_problems(root: Path, use: Use, seen: set[tuple[str, ...]]) -> list[Problem]:
    cat, _ = load_catalog(root, use.locale)
    if cat is None or use.form == "name":
        return []
    out = []
    for english in PLATFORM_NAMES.values():
        msg = cat.catalog.get(english, context=CONTEXT)
        text = msg.string if msg is not None and isinstance(msg.string, str) else ""
        key = ("platform", use.locale, english, use.form)
        if key in seen:
            continue
        seen.add(key)
        bad = display_name_problems(text) if text else []
        for why in bad:
            out.append(
                Problem(
                    f"platform name '{english}': {why}",
                    file=cat.display,
                    line=msg.lineno if msg is not None else None,
                    field=f"locale {use.locale}",
                    hint="write the name, then forms as ' | form=value'",
                )
            )
        _name, forms = parse_display_name(text or english)
        if use.form not in forms:
            out.append(
                Problem(
                    f"platform name '{english}' has no '{use.form}' form: the {use.locale}"
                    f" catalog uses %({use.var}.{use.form})s ({use.file}:{use.line})",
                    file=cat.display,
                    line=msg.lineno if msg is not None else None,
                    field=f'locale {use.locale}, msgctxt "{CONTEXT}"',
                    hint=f"add ' | {use.form}=...' to its translation ({FORMS[use.form]})",
                )
            )
    return out
