"""The catalogs of every locale: update from the .pot, start a new one, compile and check."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog

from ...errors import ContentError, InputError, Problem
from ..i18n import (
    DOMAIN,
    catalog_path,
    check_plural_header,
    compile_catalog,
    parse_catalog,
    usable,
    write_atomically,
)
from ..plurals import plural_forms
from ..pofile import read_po_strict
from .common import (
    key_of,
    known_locales,
    po_bytes,
    read_template,
    relative,
    short,
    snapshot,
    source_id,
)


@dataclass(frozen=True)
class UpdateResult:
    locale: str
    path: Path
    added: int  # new, untranslated
    fuzzy: int  # source changed (or similar new string): a translation to review
    obsolete: int  # no longer used: kept as #~ for reference
    written: bool


def update_catalogs(
    root: Path, locales: Iterable[str] | None = None, *, fuzzy_matching: bool = True
) -> list[UpdateResult]:
    """`launcher i18n update`: merge the .pot into each catalog (Babel's update). A changed
    source keeps its old translation marked fuzzy, with the previous source text (``#|``)
    so Poedit and Weblate can show what changed.

    Every catalog is read strictly before any is written: one with a syntax error stops the
    update and no file is rewritten (writing back what a broken file seemed to say would
    lose the translations it really holds)."""
    template = read_template(root)
    read: list[tuple[str, Path, bytes, Catalog]] = []
    unreadable: list[Problem] = []
    for loc in known_locales(root, locales):
        path = catalog_path(root, loc)
        source = path.read_bytes()
        catalog, problems = parse_catalog(source, loc, relative(root, path))
        if catalog is None:
            unreadable.extend(problems)
        else:
            read.append((loc, path, source, catalog))
    if unreadable:
        raise ContentError(unreadable)
    results = []
    for loc, path, source, catalog in read:
        before = {key_of(m): m for m in catalog if m.id}
        fuzzy_before = {k for k, m in before.items() if m.fuzzy}
        unchanged = snapshot(catalog)
        catalog.update(template, no_fuzzy_matching=not fuzzy_matching)
        after = {key_of(m): m for m in catalog if m.id}
        added = sum(1 for k, m in after.items() if k not in before and not m.fuzzy)
        fuzzy = sum(1 for k, m in after.items() if m.fuzzy and k not in fuzzy_before)
        data = po_bytes(catalog, include_previous=True)
        written = data != source and snapshot(catalog) != unchanged
        if written:
            write_atomically(path, data)
        results.append(UpdateResult(loc, path, added, fuzzy, len(catalog.obsolete), written))
    return results


def prune_to_template(root: Path) -> None:
    """Keep in every catalog exactly the strings of the .pot, nothing obsolete (a repository
    made from the sample by `launcher init` starts without the other playbooks' strings)."""
    template = read_template(root)
    read: list[tuple[Path, Catalog]] = []
    for loc in known_locales(root, None):
        path = catalog_path(root, loc)
        catalog, problems = parse_catalog(path.read_bytes(), loc, relative(root, path))
        if catalog is None:
            raise ContentError(problems)
        read.append((path, catalog))
    for path, catalog in read:
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        write_atomically(path, po_bytes(catalog))


def add_locale(root: Path, locale: str) -> tuple[Path, int, list[Problem]]:
    """`launcher i18n add`: a new catalog from the .pot, with a Plural-Forms header that
    agrees with CLDR (Babel's own table is wrong for some languages: Arabic)."""
    try:
        parsed = Locale.parse(locale)
    except (UnknownLocaleError, ValueError):
        raise InputError(
            f"unknown locale '{locale}'",
            field="LOCALE",
            hint="use a language code CLDR knows: sw, pt_BR, fa, my, ...",
        ) from None
    path = catalog_path(root, locale)
    if path.exists():
        raise InputError(
            f"{relative(root, path)} already exists",
            field="LOCALE",
            hint="update it instead: launcher i18n update",
        )
    template = read_template(root)
    catalog = read_po_strict(po_bytes(template), locale=locale, domain=DOMAIN)
    catalog.locale = parsed
    catalog.revision_date = datetime.now(UTC)
    catalog.fuzzy = False
    problems = _fix_plural_header(root, catalog, locale, path)
    data = po_bytes(catalog)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, data)
    return path, sum(1 for m in catalog if m.id), problems


def _fix_plural_header(root: Path, catalog: Catalog, locale: str, path: Path) -> list[Problem]:
    """Keep Babel's Plural-Forms where it agrees with CLDR (it is the one translators' tools
    expect), else write the one derived from CLDR for whole numbers
    (:func:`launcher.content.plurals.plural_forms`), which gettext can always evaluate."""
    display = relative(root, path)
    if not check_plural_header(locale, display, catalog.num_plurals, catalog.plural_expr):
        return []
    catalog.mime_headers = [("Plural-Forms", plural_forms(locale))]
    return check_plural_header(locale, display, catalog.num_plurals, catalog.plural_expr)


@dataclass(frozen=True)
class CompileResult:
    locale: str
    path: Path
    compiled: int
    left_out: int  # fuzzy, untranslated or broken: not in the .mo
    problems: list[Problem]
    readable: bool = True  # False: a syntax error in the .po, nothing compiled


def compile_catalogs(root: Path, locales: Iterable[str] | None = None) -> list[CompileResult]:
    """`launcher i18n compile`: .po -> .mo with only usable entries, and Babel's checks
    (placeholders, plural forms) as located problems. Plan and run compile on their own
    when a .po changed; this command is for checking and for shipping compiled catalogs.
    A .po that cannot be read strictly (a syntax error) is not compiled at all, and its
    result says so (``readable``)."""

    results = []
    for loc in known_locales(root, locales):
        path = catalog_path(root, loc)
        display = relative(root, path)
        source = path.read_bytes()
        catalog, problems = parse_catalog(source, loc, display)
        if catalog is None:
            results.append(CompileResult(loc, path, 0, 0, problems, readable=False))
            continue
        problems.extend(babel_checks(catalog, display))
        mo, _excluded = compile_catalog(catalog, hashlib.sha256(source).hexdigest())
        problems.extend(check_plural_header(loc, display, catalog.num_plurals, catalog.plural_expr))
        write_atomically(path.with_suffix(".mo"), mo)
        compiled = sum(1 for m in catalog if m.id and usable(catalog, m))
        total = sum(1 for m in catalog if m.id)
        results.append(CompileResult(loc, path, compiled, total - compiled, problems))
    return results


def babel_checks(catalog: Catalog, display: str, skip: Iterable[str] = ()) -> list[Problem]:
    """Babel's checkers (placeholders, number of plural forms) on every translated entry that
    is not fuzzy, except the message keys in ``skip``, as located problems."""
    skipped = set(skip)
    problems = []
    for message, errors in catalog.check():
        if message.fuzzy or key_of(message) in skipped:
            continue
        for error in errors:
            problems.append(
                Problem(
                    f'"{short(source_id(message))}": {error}',
                    file=display,
                    line=message.lineno,
                    hint="keep every %(name)s placeholder of the source text and fill "
                    "every plural form",
                )
            )
    return problems
