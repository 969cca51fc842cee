"""Catalogs and locale-aware formatting.

Loud by design: Babel's ``Translations.load`` quietly returns ``NullTranslations`` when a
catalog is missing, which would publish English under a Thai account. Here a missing catalog,
an untranslated or a fuzzy entry that a playbook uses is a located error. Catalogs are read
straight from the ``.po`` files translators edit (no compile step to forget) and cached per
file modification time.
"""

from __future__ import annotations

import io
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.messages.pofile import PoFileError, read_po
from babel.support import Translations

from .errors import Problem

DOMAIN = "messages"
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "yi", "dv", "ckb"})


@dataclass(frozen=True)
class LoadedCatalog:
    locale: str
    path: Path
    display: str
    catalog: Catalog
    translations: Translations


_cache: dict[tuple[Path, str], tuple[float, LoadedCatalog]] = {}
_lock = threading.Lock()


def catalog_path(root: Path, locale: str) -> Path:
    return root / "locales" / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def load_catalog(root: Path, locale: str) -> tuple[LoadedCatalog | None, list[Problem]]:
    """The locale's catalog, or problems saying why it cannot be used."""
    path = catalog_path(root, locale)
    display = str(path.relative_to(root)) if path.is_relative_to(root) else str(path)
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None, [
            Problem(
                f"no catalog for locale '{locale}'",
                file=display,
                hint=f"create it: pybabel init -i locales/messages.pot -d locales -l {locale}",
            )
        ]
    key = (path, locale)
    with _lock:
        hit = _cache.get(key)
        if hit and hit[0] == mtime:
            return hit[1], []
    try:
        with path.open("rb") as fh:
            catalog = read_po(fh, locale=locale, domain=DOMAIN, abort_invalid=True)
    except (PoFileError, ValueError, UnknownLocaleError) as exc:
        line = getattr(exc, "lineno", None)
        return None, [
            Problem(
                f"cannot read catalog: {exc}",
                file=display,
                line=line,
                hint="open it in Poedit or run: msgfmt --check " + display,
            )
        ]
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    buf.seek(0)
    try:
        translations = Translations(fp=buf, domain=DOMAIN)
    except (ValueError, SyntaxError) as exc:  # gettext rejects a malformed Plural-Forms header
        return None, [
            Problem(
                f"cannot use catalog: {exc}",
                file=display,
                field="Plural-Forms",
                hint="fix the header: each header line is a quoted string ending in \\n",
            )
        ]
    loaded = LoadedCatalog(locale, path, display, catalog, translations)
    with _lock:
        _cache[key] = (mtime, loaded)
    return loaded, []


def check_entries(loaded: LoadedCatalog, msgids: dict[str, tuple[str, int]]) -> list[Problem]:
    """Problems with the entries of ``msgids`` (msgid -> (template, line)) in ``loaded``."""
    problems: list[Problem] = []
    for msgid, (template, tline) in msgids.items():
        msg = loaded.catalog.get(msgid)
        used = f"used in templates/{template}:{tline}"
        short = msgid if len(msgid) <= 60 else msgid[:57] + "..."
        if msg is None:
            problems.append(
                Problem(
                    f'missing translation for "{short}" ({used})',
                    file=loaded.display,
                    field=f"locale {loaded.locale}",
                    hint="run: pybabel extract -F babel.cfg -o locales/messages.pot . && "
                    "pybabel update -i locales/messages.pot -d locales, then translate it",
                )
            )
            continue
        strings = msg.string if isinstance(msg.string, tuple | list) else (msg.string,)
        if msg.fuzzy:
            problems.append(
                Problem(
                    f'fuzzy (unreviewed) translation for "{short}" ({used})',
                    file=loaded.display,
                    line=msg.lineno,
                    field=f"locale {loaded.locale}",
                    hint="review the translation and remove the fuzzy flag"
                    " (Poedit: untick 'Needs work')",
                )
            )
        elif not all(s for s in strings):
            problems.append(
                Problem(
                    f'untranslated "{short}" ({used})',
                    file=loaded.display,
                    line=msg.lineno,
                    field=f"locale {loaded.locale}",
                    hint="translate it (every plural form) in this .po file",
                )
            )
        else:
            for _msg, errors in _placeholder_errors(loaded.catalog, msg):
                problems.append(
                    Problem(
                        f'translation of "{short}": {errors}',
                        file=loaded.display,
                        line=msg.lineno,
                        field=f"locale {loaded.locale}",
                        hint="keep every %(name)s placeholder of the English text, unchanged",
                    )
                )
    return problems


def _placeholder_errors(catalog: Catalog, msg: object) -> list[tuple[object, str]]:
    from babel.messages.checkers import python_format

    try:
        python_format(catalog, msg)  # type: ignore[arg-type]
    except Exception as exc:  # TranslationError; Babel raises it for mismatched placeholders
        return [(msg, str(exc))]
    return []


#: whole numbers covering every n % 10 and n % 100 case and the small-number rules
_PLURAL_SAMPLE = (*range(0, 220), 1000, 1001, 1002, 1011, 1021, 1100, 100000)
_PLURAL_TAGS = ("zero", "one", "two", "few", "many", "other")
#: languages whose nouns do not inflect after numerals: one form is grammatical (tr: "5 kişi")
_ONE_FORM_OK = frozenset({"tr", "az", "hu", "ka", "kk", "ky", "uz"})
#: gettext expressions known to agree with CLDR, offered as the fix
_KNOWN_GOOD = {
    "ar": "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : "
    "n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);",
}


_plural_cache: dict[int, list[Problem]] = {}


def plural_problems(loaded: LoadedCatalog) -> list[Problem]:
    """Cached :func:`check_plural_forms` (a loaded catalog is immutable)."""
    key = id(loaded.catalog)
    hit = _plural_cache.get(key)
    if hit is None:
        hit = _plural_cache[key] = check_plural_forms(loaded)
    return hit


def check_plural_forms(loaded: LoadedCatalog) -> list[Problem]:
    """Check the catalog's Plural-Forms header against CLDR's rules for whole numbers.

    Headers are easy to get wrong (Babel's own table has a wrong one for Arabic: 11-99 and
    100+ swapped), and a wrong header silently picks the wrong form at run time. Counts of
    people are whole numbers below a million, so the forms CLDR uses on 0..1000 are compared
    (French "many" only applies to millions in compact notation and is not asked for).
    """
    import gettext

    try:
        cldr = Locale.parse(loaded.locale).plural_form
        picks = gettext.c2py(loaded.catalog.plural_expr)
    except (ValueError, UnknownLocaleError) as exc:
        return [Problem(f"unusable Plural-Forms header: {exc}", file=loaded.display)]
    used = {cldr(n) for n in _PLURAL_SAMPLE}
    tags = [t for t in _PLURAL_TAGS if t in used]
    if loaded.catalog.num_plurals == 1 and loaded.locale.split("_")[0] in _ONE_FORM_OK:
        return []
    if loaded.catalog.num_plurals != len(tags):
        return [
            _plural_problem(
                loaded,
                f"declares {loaded.catalog.num_plurals} plural forms, CLDR uses {len(tags)}"
                f" for whole numbers ({', '.join(tags)})",
                tags,
            )
        ]
    for n in _PLURAL_SAMPLE:
        want, got = tags.index(cldr(n)), picks(n)
        if got != want:
            return [
                _plural_problem(
                    loaded,
                    f"picks form {got} for n={n}, CLDR says form {want} ('{tags[want]}')",
                    tags,
                )
            ]
    return []


def _plural_problem(loaded: LoadedCatalog, what: str, tags: list[str]) -> Problem:
    known = _KNOWN_GOOD.get(loaded.locale.split("_")[0])
    hint = (
        f'set "Plural-Forms: {known}"'
        if known
        else (f"set nplurals={len(tags)} with forms in this order: {', '.join(tags)}")
    )
    return Problem(
        f"Plural-Forms header {what}", file=loaded.display, field="Plural-Forms", hint=hint
    )


UI_LOCALE_ENV = "LAUNCHER_UI_LOCALE"


def ui_locale() -> str:
    """The language of messages for the person at the keyboard (manual checklists):
    ``LAUNCHER_UI_LOCALE``, else the language of ``LANG``, else English."""
    import os

    value = os.environ.get(UI_LOCALE_ENV) or os.environ.get("LANG", "")
    lang = value.split(".")[0].split("_")[0].split("-")[0].lower()
    return lang if lang and lang not in ("c", "posix") else "en"


def ui_gettext(root: Path):
    """gettext for :func:`ui_locale` from the content's catalogs; English if it has none."""
    catalog, _problems = load_catalog(root, ui_locale())
    return catalog.translations.gettext if catalog is not None else (lambda s: s)


def locale_problem(locale: str) -> str | None:
    try:
        Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        return f"unknown locale '{locale}'"
    return None


def is_rtl(locale: str) -> bool:
    return locale.split("_")[0] in RTL_LANGUAGES


@lru_cache(maxsize=256)
def regional_locale(language: str, country: str) -> str:
    """The CLDR locale for a language as used in a country (es_MX, ar_LB), if CLDR has one.

    Catalogs are per language; formatting is regional: Mexico writes 1,000 where Spain writes
    1.000, Lebanon names the months تشرين الثاني where Egypt says نوفمبر.
    """
    from babel.localedata import exists

    candidate = f"{language}_{country.upper()}"
    return candidate if exists(candidate) else language


@dataclass(frozen=True)
class Formatter:
    """Babel formatting bound to one locale and one time zone.

    Results are cached: a plan formats the same magnitude, date or time in the same locale
    for every platform and every repeated update, and Babel's formatting is not cheap."""

    locale: str
    tz: str

    def datetime(self, value: datetime, fmt: str = "medium") -> str:
        return _format("datetime", value, fmt, self.locale, self.tz)

    def date(self, value: datetime, fmt: str = "medium") -> str:
        return _format("date", value, fmt, self.locale, self.tz)

    def time(self, value: datetime, fmt: str = "short") -> str:
        return _format("time", value, fmt, self.locale, self.tz)

    def number(self, value: float) -> str:
        return _format("number", value, None, self.locale, self.tz)

    def decimal(self, value: float, digits: int = 1) -> str:
        pattern = "#,##0." + "0" * digits if digits > 0 else "#,##0"
        return _format("decimal", value, pattern, self.locale, self.tz)

    def country_name(self, code: str) -> str:
        return Locale.parse(self.locale).territories.get(code.upper(), code)

    def language_name(self, code: str) -> str:
        return Locale.parse(self.locale).languages.get(code, code)


@lru_cache(maxsize=16384)
def _format(kind: str, value: object, fmt: str | None, locale: str, tz: str) -> str:
    from babel import dates, numbers

    if kind == "number":
        return numbers.format_decimal(value, locale=locale)
    if kind == "decimal":
        return numbers.format_decimal(value, format=fmt, locale=locale)
    zone = _zone(tz)
    if locale.split("_")[0] == "th" and kind in ("date", "datetime"):
        return _thai(kind, value, fmt or "medium", locale, zone)
    if kind == "datetime":
        return dates.format_datetime(value, fmt, tzinfo=zone, locale=locale)
    if kind == "time":
        return dates.format_time(value, fmt, tzinfo=zone, locale=locale)
    local = value.astimezone(zone) if isinstance(value, datetime) else value
    return dates.format_date(local, fmt, locale=locale)


def _thai(kind: str, value: Any, fmt: str, locale: str, zone: Any) -> str:
    """Thai public texts give years in the Buddhist Era (2026 is พ.ศ. 2569); Babel knows only
    the Gregorian calendar, so the year and era fields of CLDR's Thai patterns are replaced."""
    from babel import dates

    local = value.astimezone(zone) if isinstance(value, datetime) else value
    loc = Locale.parse(locale)
    pattern = loc.date_formats[fmt].pattern if fmt in loc.date_formats else fmt
    year = local.year + 543
    tokens = []
    for kind_, tok in dates.tokenize_pattern(pattern):
        if kind_ == "field" and tok[0] == "G":
            tokens.append(("chars", "พ.ศ."))
        elif kind_ == "field" and tok[0] in "yY":
            tokens.append(("chars", f"{year % 100:02d}" if tok[1] == 2 else str(year)))
        else:
            tokens.append((kind_, tok))
    day = dates.format_date(local, dates.untokenize_pattern(tokens), locale=locale)
    if kind == "date":
        return day
    clock = dates.format_time(value, fmt, tzinfo=zone, locale=locale)
    glue = loc.datetime_formats.get(fmt, "{1} {0}")
    return str(glue).replace("{1}", day).replace("{0}", clock)


def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)
