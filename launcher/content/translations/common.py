"""What the translation commands share: file names, reading and writing catalogs the way
Babel, Poedit and Weblate write them, and telling whether a write would change anything."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import write_po

from ...errors import ContentError, InputError
from ..files import not_a_file
from ..i18n import DOMAIN, catalog_path, message_key
from ..pofile import PoSyntaxError, read_po_strict

MAPPING_FILE = "babel.cfg"
TEMPLATE_FILE = "locales/messages.pot"
#: line width of the .po files we write: Babel's and gettext's default, so that Poedit,
#: Weblate and `pybabel` rewrap nothing and diffs stay small
WIDTH = 76


def read_catalog(
    path: Path, locale: str | None = None, *, root: Path | None = None
) -> Catalog | None:
    """The catalog (or template) at ``path`` read strictly, None if there is no such file; a
    syntax error is a :class:`ContentError` naming the line (relative to ``root``)."""
    display = relative(root, path) if root else str(path)
    wrong = not_a_file(path, display)  # a directory where the catalog should be
    if wrong is not None:
        raise ContentError([wrong])
    try:
        source = path.read_bytes()
    except FileNotFoundError:
        return None
    try:
        return read_po_strict(source, locale=locale, domain=DOMAIN)
    except PoSyntaxError as exc:
        raise ContentError([exc.problem(display)]) from None


def po_bytes(catalog: Catalog, **options) -> bytes:
    buf = io.BytesIO()
    write_po(buf, catalog, width=WIDTH, **options)
    return buf.getvalue()


def snapshot(catalog: Catalog) -> tuple:
    """Everything of a catalog that is worth a write: its entries (strings, locations, notes,
    flags), its obsolete entries and its project header, but not the dates Babel refreshes."""

    def entry(m: Message) -> tuple:
        return (
            m.id,
            m.context,
            _text(m.string),
            sorted(m.locations),
            " ".join(" ".join(m.auto_comments).split()),  # .po files wrap comments
            sorted(m.flags),
        )

    return (
        [entry(m) for m in catalog if m.id],
        sorted(catalog.obsolete),
        catalog.mime_headers[:1],
    )


def same_messages(a: Catalog, b: Catalog | None) -> bool:
    """Equal but for the dates in the header: writing would only change a timestamp."""
    return b is not None and snapshot(a) == snapshot(b)


def _text(value: object) -> object:
    """A msgstr with "not translated" spelt one way (Babel says None, '' or ('', ''))."""
    if isinstance(value, tuple | list):
        return tuple(v or "" for v in value) if any(value) else ""
    return value or ""


def source_id(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def key_of(message: Message) -> str:
    """The message key (msgid, with its context) the runtime looks the message up by."""
    return message_key(source_id(message), message.context)


def relative(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


def short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


def locales_of(root: Path) -> list[str]:
    base = root / "locales"
    if not base.is_dir():
        return []
    # exists, not is_file: a directory where a catalog should be is said (read_catalog),
    # not skipped as if the locale had no catalog
    return sorted(p.name for p in base.iterdir() if catalog_path(root, p.name).exists())


def read_template(root: Path) -> Catalog:
    template = read_catalog(root / TEMPLATE_FILE, root=root)
    if template is None:
        raise InputError(
            f"{TEMPLATE_FILE} does not exist", hint="create it first: launcher i18n extract"
        )
    return template


def known_locales(root: Path, locales: Iterable[str] | None) -> list[str]:
    have = locales_of(root)
    chosen = list(locales) if locales else have
    for loc in chosen:
        if loc not in have:
            raise InputError(
                f"no catalog for locale '{loc}'",
                field="--locale",
                hint=f"catalogs here: {', '.join(have) or 'none'}; start one: launcher i18n add "
                f"{loc}",
            )
    wrong = [
        p
        for loc in chosen
        if (p := not_a_file(catalog_path(root, loc), relative(root, catalog_path(root, loc))))
    ]
    if wrong:  # a directory where a catalog should be: said, never read as bytes
        raise ContentError(wrong)
    return chosen
