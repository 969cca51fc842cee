"""Catalogs and locale-aware formatting.

Loud by design: Babel's ``Translations.load`` quietly returns ``NullTranslations`` when a
catalog is missing, which would publish English under a Thai account. Here a missing catalog,
an untranslated or a fuzzy entry that a playbook uses is a located error.

The ``.po`` files translators edit are the source of truth; launcher compiles each to a ``.mo``
beside it and uses the ``.mo`` only while it was compiled by launcher from exactly the ``.po``
on disk (a digest of the source is stamped in its header). So an edited ``.po`` shows up in the
next ``plan`` with no step to forget, a ``.mo`` written by another tool is never trusted, and
the ``.po`` is parsed again only when something is wrong with an entry a plan needs.
"""

from __future__ import annotations

import copy
import hashlib
import io
import os
import tempfile
import threading
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property, lru_cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.mofile import write_mo
from babel.support import Translations

from ..errors import ContentError, Problem
from .files import not_a_file
from .plurals import check_plural_header, plural_forms
from .pofile import PoSyntaxError, read_po_strict

DOMAIN = "messages"
RTL_LANGUAGES = frozenset({"ar", "fa", "he", "ur", "ps", "yi", "dv", "ckb"})
#: header stamped into every .mo launcher compiles: the SHA-256 of the .po it came from
SOURCE_HEADER = "X-Launcher-Source-SHA256"
#: and the version of the reading that accepted that .po: a .mo compiled before the reading
#: became strict (:mod:`launcher.content.pofile`) is compiled again, so that a .po with a
#: syntax error is refused even where an older launcher had accepted it
READER_HEADER = "X-Launcher-Reader"
READER_VERSION = "strict-1"
#: gettext's separator between a message context and its msgid in compiled catalogs
CONTEXT_SEP = "\x04"


def message_key(msgid: str, context: str | None = None) -> str:
    """One string naming a message: its msgid, prefixed by ``context\\x04`` when it has one
    (the key gettext itself uses in .mo files)."""
    return f"{context}{CONTEXT_SEP}{msgid}" if context else msgid


def split_key(key: str) -> tuple[str, str | None]:
    """(msgid, context) of a :func:`message_key`."""
    context, sep, msgid = key.partition(CONTEXT_SEP)
    return (msgid, context) if sep else (key, None)


class LoadedCatalog:
    """One locale's catalog, ready to translate with.

    ``translations`` come from the compiled .mo, which holds only complete, reviewed and
    checked entries; ``catalog`` (the parsed .po, with line numbers) is read on first use.
    """

    def __init__(
        self,
        locale: str,
        path: Path,
        display: str,
        translations: Translations,
        source: bytes,
        catalog: Catalog | None = None,
    ) -> None:
        self.locale = locale
        self.path = path
        self.display = display
        self.translations = translations
        self._source = source
        if catalog is not None:
            self.__dict__["catalog"] = catalog

    @cached_property
    def catalog(self) -> Catalog:
        catalog, problems = parse_catalog(self._source, self.locale, self.display)
        if catalog is None:
            raise ContentError(problems)
        return catalog

    def has(self, key: str) -> bool:
        """Whether the compiled catalog has a usable translation of ``key``."""
        table = self.translations._catalog  # stdlib gettext's table: msgid or (msgid, n)
        return key in table or (key, 0) in table

    @cached_property
    def plural_header(self) -> tuple[int, str]:
        """(nplurals, plural expression) from the catalog's Plural-Forms header."""
        from babel.messages.catalog import parse_separated_header

        raw = self.translations._info.get("plural-forms", "")
        fields = parse_separated_header("x; " + raw) if raw else {}
        try:
            count = int(fields.get("nplurals", "2"))
        except ValueError:
            count = 0
        return count, fields.get("plural", "(n != 1)").strip().rstrip(";")


_cache: dict[Path, tuple[tuple[int, int], LoadedCatalog]] = {}
_lock = threading.Lock()


def catalog_path(root: Path, locale: str) -> Path:
    return root / "locales" / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def _display(root: Path, path: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def load_catalog(root: Path, locale: str) -> tuple[LoadedCatalog | None, list[Problem]]:
    """The locale's catalog, or problems saying why it cannot be used."""
    path = catalog_path(root, locale)
    display = _display(root, path)
    try:
        st = path.stat()
    except FileNotFoundError:
        return None, [
            Problem(
                f"no catalog for locale '{locale}'",
                file=display,
                hint=f"start one: launcher i18n add {locale}",
            )
        ]
    unreadable = not_a_file(path, display)  # a directory where the .po should be
    if unreadable is not None:
        return None, [unreadable]
    stamp = (st.st_mtime_ns, st.st_size)
    with _lock:
        hit = _cache.get(path)
        if hit and hit[0] == stamp:
            return hit[1], []
    source = path.read_bytes()
    digest = hashlib.sha256(source).hexdigest()
    translations = _compiled(path.with_suffix(".mo"), digest)
    if translations is not None:
        loaded = LoadedCatalog(locale, path, display, translations, source)
    else:
        catalog, problems = parse_catalog(source, locale, display)
        if catalog is None:
            return None, problems
        mo, _excluded = compile_catalog(catalog, digest)
        try:
            translations = Translations(fp=io.BytesIO(mo), domain=DOMAIN)
        except (ValueError, SyntaxError) as exc:  # gettext rejects a malformed Plural-Forms
            return None, [
                Problem(
                    f"cannot use catalog: the Plural-Forms header cannot be evaluated by"
                    f" gettext ({exc})",
                    file=display,
                    line=_header_line(source, "Plural-Forms"),
                    field="Plural-Forms",
                    hint=_plural_fix(locale),
                )
            ]
        write_atomically(path.with_suffix(".mo"), mo, quiet=True)
        loaded = LoadedCatalog(locale, path, display, translations, source, catalog)
    with _lock:
        _cache[path] = (stamp, loaded)
    return loaded, []


def _header_line(source: bytes, name: str) -> int | None:
    for number, line in enumerate(source.decode("utf-8", "replace").splitlines(), 1):
        if line.startswith(f'"{name}:'):
            return number
    return None


def _plural_fix(locale: str) -> str:
    try:
        return f'set the header line to "Plural-Forms: {plural_forms(locale)}\\n" (from CLDR)'
    except (ValueError, UnknownLocaleError):
        return "give the Plural-Forms of this language, e.g. nplurals=2; plural=(n != 1);"


def parse_catalog(source: bytes, locale: str, display: str) -> tuple[Catalog | None, list[Problem]]:
    """The catalog in ``source`` read strictly (:func:`launcher.content.pofile.read_po_strict`),
    or the problem naming the line of ``display`` that is wrong and how to fix it."""
    try:
        return read_po_strict(source, locale=locale, domain=DOMAIN), []
    except PoSyntaxError as exc:
        return None, [exc.problem(display, field=f"locale {locale}")]


def _compiled(mo: Path, digest: str) -> Translations | None:
    """The .mo at ``mo`` if launcher compiled it from the .po whose digest is ``digest``."""
    try:
        data = mo.read_bytes()
        translations = Translations(fp=io.BytesIO(data), domain=DOMAIN)
    except (OSError, ValueError, SyntaxError, UnicodeDecodeError):
        return None
    info = translations._info
    if info.get(SOURCE_HEADER.lower()) != digest:
        return None
    if info.get(READER_HEADER.lower()) != READER_VERSION:
        return None
    return translations


class _StampedCatalog(Catalog):
    """A catalog whose header carries the digest of the .po it was compiled from."""

    source_digest = ""

    def _stamped_headers(self) -> list[tuple[str, str]]:
        return [
            *Catalog.mime_headers.fget(self),  # type: ignore[attr-defined]
            (SOURCE_HEADER, self.source_digest),
            (READER_HEADER, READER_VERSION),
        ]

    mime_headers = property(_stamped_headers, Catalog.mime_headers.fset)  # type: ignore[attr-defined]


def usable(catalog: Catalog, message: Message) -> bool:
    """Complete (every plural form), reviewed (not fuzzy) and with its placeholders intact."""
    if not message.id or message.fuzzy:
        return False
    strings = _strings(message)
    if not strings or not all(strings):
        return False
    return not _placeholder_errors(catalog, message)


def _strings(message: Message) -> tuple[str, ...]:
    value = message.string
    return tuple(value) if isinstance(value, tuple | list) else (value,)


def compile_catalog(catalog: Catalog, digest: str) -> tuple[bytes, list[Message]]:
    """The .mo bytes of ``catalog`` holding only :func:`usable` entries, stamped with
    ``digest``, and the translated entries that were left out.

    Babel's ``write_mo`` would fill an empty plural form with the English msgid and keep an
    entry whose placeholders are broken; leaving such entries out makes them "missing" at plan
    time, where the .po is read again to say exactly what is wrong, with its line.
    """
    out = _StampedCatalog(locale=catalog.locale, domain=DOMAIN, charset=catalog.charset)
    out.mime_headers = catalog.mime_headers
    out.source_digest = digest
    excluded = []
    for message in catalog:
        if not message.id:
            continue
        if usable(catalog, message):
            out.add(message.id, message.string, context=message.context)
        elif any(_strings(message)):
            excluded.append(message)
    buf = io.BytesIO()
    write_mo(buf, out, use_fuzzy=False)
    return buf.getvalue(), excluded


def write_atomically(path: Path, data: bytes, *, quiet: bool = False) -> None:
    """Replace ``path`` with ``data`` so that a reader never sees half a file. With ``quiet``,
    a read-only location is not an error (the compiled catalog is then kept in memory)."""
    try:
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError:
        if quiet:
            return
        raise
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        Path(tmp).unlink(missing_ok=True)
        if not quiet:
            raise


def check_entries(loaded: LoadedCatalog, msgids: dict[str, tuple[str, int]]) -> list[Problem]:
    """Problems with the entries of ``msgids`` (message key -> (template, line)) in ``loaded``.

    The compiled catalog answers the common case (everything is there) without reading the
    .po; only when an entry is absent is the .po parsed to tell missing, fuzzy, untranslated
    and broken placeholders apart, with the line to fix.
    """
    absent = {key: where for key, where in msgids.items() if not loaded.has(key)}
    if not absent:
        return []
    problems: list[Problem] = []
    for key, (template, tline) in absent.items():
        msgid, context = split_key(key)
        msg = loaded.catalog.get(msgid, context=context)
        used = f"used in templates/{template}:{tline}"
        short = msgid if len(msgid) <= 60 else msgid[:57] + "..."
        label = f'"{short}"' + (f" (context: {context})" if context else "")
        if msg is None:
            problems.append(
                Problem(
                    f"missing translation for {label} ({used})",
                    file=loaded.display,
                    field=f"locale {loaded.locale}",
                    hint="run: launcher i18n extract && launcher i18n update, then translate it",
                )
            )
            continue
        strings = msg.string if isinstance(msg.string, tuple | list) else (msg.string,)
        if msg.fuzzy:
            problems.append(
                Problem(
                    f"fuzzy (unreviewed) translation for {label} ({used})",
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
                    f"untranslated {label} ({used})",
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
                        f"translation of {label}: {errors}",
                        file=loaded.display,
                        line=msg.lineno,
                        field=f"locale {loaded.locale}",
                        hint="keep every %(name)s placeholder of the English text, unchanged",
                    )
                )
    return problems


def _placeholder_errors(catalog: Catalog, msg: object) -> list[tuple[object, str]]:
    from babel.messages.checkers import python_format

    from ..places.names import plain_placeholders

    # %(region.in)s asks for a form of %(region)s: Babel's check knows only plain names
    if isinstance(msg, Message) and msg.string:
        strings = _strings(msg)
        plain = tuple(plain_placeholders(s) for s in strings)
        if plain != strings:
            msg = copy.copy(msg)
            msg.string = plain if isinstance(msg.string, tuple | list) else plain[0]
    try:
        python_format(catalog, msg)  # type: ignore[arg-type]
    except Exception as exc:  # TranslationError; Babel raises it for mismatched placeholders
        return [(msg, str(exc))]
    return []


def plural_problems(loaded: LoadedCatalog) -> list[Problem]:
    """Cached :func:`check_plural_forms` (a loaded catalog is immutable)."""
    hit = loaded.__dict__.get("_plural_problems")
    if hit is None:
        hit = loaded.__dict__["_plural_problems"] = check_plural_forms(loaded)
    return hit


def check_plural_forms(loaded: LoadedCatalog) -> list[Problem]:
    """:func:`check_plural_header` of a loaded catalog."""
    num_plurals, plural_expr = loaded.plural_header
    return check_plural_header(loaded.locale, loaded.display, num_plurals, plural_expr)


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
        """Date, time and zone by the date policy (:mod:`launcher.content.datepolicy`)."""
        return _format("datetime", value, fmt, self.locale, self.tz)

    def date(self, value: datetime, fmt: str = "medium") -> str:
        """The long date by the date policy (``full``: with the weekday)."""
        return _format("date", value, fmt, self.locale, self.tz)

    def time(self, value: datetime, fmt: str = "short", zone: bool = False) -> str:
        """The time on the locale's 24-hour clock; ``zone`` adds " (UTC+3)"."""
        return _format("time+zone" if zone else "time", value, fmt, self.locale, self.tz)

    def zone(self, value: datetime) -> str:
        """The zone's offset at ``value`` as the policy writes it ("UTC+3", isolated in RTL)."""
        return _format("zone", value, None, self.locale, self.tz)

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
    from babel import numbers

    from . import datepolicy as policy

    if kind == "number":
        return numbers.format_decimal(value, locale=locale)
    if kind == "decimal":
        return numbers.format_decimal(value, format=fmt, locale=locale)
    zone = _zone(tz)
    rtl = is_rtl(locale)
    if kind == "datetime":
        return policy.moment(value, fmt or "medium", locale, zone, rtl=rtl)  # type: ignore[arg-type]
    if kind == "date":
        return policy.long_date(value, fmt or "medium", locale, zone)  # type: ignore[arg-type]
    if kind == "zone":
        text = policy.offset(value, zone)  # type: ignore[arg-type]
        return f"{policy.LRI}{text}{policy.PDI}" if rtl else text
    policy.check_style(fmt or "short", "time")
    text = policy.clock(value, locale, zone)  # type: ignore[arg-type]
    if kind == "time+zone":
        text += policy.zone_label(value, locale, zone, rtl=rtl)  # type: ignore[arg-type]
    return text


def _zone(name: str):
    from zoneinfo import ZoneInfo

    return ZoneInfo(name)
