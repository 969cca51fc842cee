"""Keeping launcher's own catalogs current: extract the ``N_()`` strings of the package into
``launcher.pot``, merge it into every ``launcher.po``, compile each to the ``launcher.mo``
that ships, and check that all of it agrees (the test suite runs :func:`problems`).

Babel does the work; the extraction reads every module of the package with Babel's Python
extractor and the one keyword ``N_`` (checklist steps are module-level constants, translated
at the moment a checklist is built, so ``_()`` is not used)."""

from __future__ import annotations

import io
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import write_po

from ..content.pofile import PoSyntaxError, read_po_strict
from ..errors import ContentError
from . import DOMAIN, LOCALE_DIR

#: the directory holding the launcher package (the checkout), where extraction starts
BASE = LOCALE_DIR.parents[2]
TEMPLATE = LOCALE_DIR / f"{DOMAIN}.pot"
KEYWORDS = {"N_": None}
WIDTH = 76


def extract() -> Catalog:
    catalog = Catalog(project="launcher", domain=DOMAIN, fuzzy=False)
    found = extract_from_dir(
        str(BASE),
        method_map=[("launcher/**.py", "python")],
        keywords=KEYWORDS,
        comment_tags=("Translators:",),
        strip_comment_tags=True,
    )
    for filename, lineno, message, comments, context in found:
        catalog.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return catalog


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def locales() -> list[str]:
    return sorted(p.name for p in LOCALE_DIR.iterdir() if po_path(p.name).is_file())


def _bytes(catalog: Catalog, **options) -> bytes:
    buf = io.BytesIO()
    write_po(buf, catalog, width=WIDTH, omit_header=False, **options)
    return buf.getvalue()


def _read(path: Path, locale: str | None = None) -> Catalog:
    """The catalog at ``path`` read strictly: a syntax error stops with its line."""
    try:
        return read_po_strict(path.read_bytes(), locale=locale, domain=DOMAIN)
    except PoSyntaxError as exc:
        raise ContentError(exc.problem(str(path))) from None


def mo_bytes(catalog: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, catalog, use_fuzzy=False)
    return buf.getvalue()


def write_all() -> list[str]:
    """extract + update + compile; returns the files written."""
    written = []
    template = extract()
    if TEMPLATE.is_file():  # the same strings: keep the date, so nothing changes on disk
        old = _read(TEMPLATE)
        if _entries(old) == _entries(template):
            template.creation_date = old.creation_date
    TEMPLATE.write_bytes(_bytes(template))
    written.append(str(TEMPLATE))
    for loc in locales():
        po = po_path(loc)
        catalog = _read(po, loc)
        catalog.update(template, no_fuzzy_matching=True)
        po.write_bytes(_bytes(catalog))
        po.with_suffix(".mo").write_bytes(mo_bytes(_read(po, loc)))
        written += [str(po), str(po.with_suffix(".mo"))]
    return written


def _entries(catalog: Catalog) -> list[tuple]:
    return [(m.id, m.context, sorted(m.locations), m.auto_comments) for m in catalog if m.id]


def problems() -> list[str]:
    """What is out of date or missing: the .pot against the sources, each .po against the
    .pot (every string translated, reviewed, placeholders kept), each .mo against its .po."""
    import string

    out = []
    template = extract()
    wanted = {m.id for m in template if m.id}
    on_disk = {m.id for m in _read(TEMPLATE) if m.id} if TEMPLATE.is_file() else set()
    if on_disk != wanted:
        out.append(f"{TEMPLATE.name} is out of date: run python -m launcher.uitext")
    for loc in locales():
        po = po_path(loc)
        catalog = _read(po, loc)
        for msgid in sorted(wanted):
            msg = catalog.get(msgid)
            if msg is None or not msg.string or msg.fuzzy:
                out.append(f"{po}: {msgid!r} is not translated (or fuzzy)")
                continue
            fields = {f for _, f, _, _ in string.Formatter().parse(msgid) if f is not None}
            got = {f for _, f, _, _ in string.Formatter().parse(msg.string) if f is not None}
            if fields != got:
                out.append(f"{po}:{msg.lineno}: placeholders {sorted(got)} != {sorted(fields)}")
        mo = po.with_suffix(".mo")
        if not mo.is_file() or mo.read_bytes() != mo_bytes(catalog):
            out.append(f"{mo} is not compiled from {po.name}: run python -m launcher.uitext")
    return out
