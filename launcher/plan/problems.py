"""Problems of a plan said where the author fixes them: one per template rather than one per
locale, and a post's text located in the .po file its wording comes from."""

from __future__ import annotations

import re
from pathlib import Path

from ..content.i18n import LoadedCatalog, split_key
from ..content.render import RenderError, template_msgids
from ..errors import Problem

_PER_LOCALE = re.compile(r"^(.*) \(locale ([^,()]+)\)$")


def merge_locales(problems: list[Problem]) -> list[Problem]:
    """One problem per template, not one per locale: the same undefined variable or template
    error found while rendering every locale is reported once, naming the locales."""
    groups: dict[tuple, list[str]] = {}
    order: list[tuple] = []
    for p in problems:
        found = _PER_LOCALE.match(p.field or "")
        key = (p.message, p.file, p.line, p.column, p.hint, found.group(1) if found else p.field)
        if key not in groups:
            groups[key] = []
            order.append(key)
        if found:
            groups[key].append(found.group(2))
    out = []
    for key in order:
        message, file, line, column, hint, field = key
        locs = groups[key]
        if locs:
            field = f"{field} (locale{'s' if len(locs) > 1 else ''} {', '.join(locs)})"
        out.append(Problem(message, file=file, line=line, column=column, field=field, hint=hint))
    return out


_PLACEHOLDER = re.compile(r"%\(\w+\)[sd]")


def text_source(
    root: Path, catalog: LoadedCatalog, template: str, text: str = ""
) -> tuple[str, int | None]:
    """Where a post's text is written: the .po file and line, in the post's locale, of the
    template's string whose wording is in ``text`` (the longest, when several are), else of
    its first string, else the template itself."""
    try:
        used = template_msgids(root, template)
    except RenderError:
        used = {}
    found: list[tuple[int, int]] = []  # (-length of the wording, line)
    first: int | None = None
    for key in used:
        msgid, context = split_key(key)
        entry = catalog.catalog.get(msgid, context=context)
        if entry is None or not entry.lineno:
            continue
        first = entry.lineno if first is None else min(first, entry.lineno)
        strings = entry.string if isinstance(entry.string, tuple | list) else (entry.string,)
        for wording in strings:
            pieces = [p for p in _PLACEHOLDER.split(wording or "") if p.strip()]
            if pieces and max(pieces, key=len).strip() in text:
                found.append((-len(wording), entry.lineno))
    if found:
        return catalog.display, min(found)[1]
    if first is not None:
        return catalog.display, first
    return f"templates/{template}", None
