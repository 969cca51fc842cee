"""Extraction: every translatable string of the content into locales/messages.pot, loudly."""

from __future__ import annotations

import io
import os
from configparser import Error as ConfigParserError
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, check_and_call_extract_file
from jinja2 import TemplateSyntaxError

from ...errors import ContentError, Problem
from ..i18n import write_atomically
from ..render import EXTRACT_OPTIONS
from .common import (
    MAPPING_FILE,
    TEMPLATE_FILE,
    key_of,
    po_bytes,
    read_catalog,
    same_messages,
)

#: comments in templates starting with this tag reach the translators (`#.` lines in .po)
COMMENT_TAGS = ("Translators:",)
_JINJA_EXTRACTOR = "jinja2.ext:babel_extract"


@dataclass(frozen=True)
class Mapping:
    method_map: list[tuple[str, str]]
    options_map: dict[str, dict]


def load_mapping(root: Path) -> tuple[Mapping | None, list[Problem]]:
    """babel.cfg, checked: explicit extractors, ``silent = false`` and the runtime's options."""
    from babel.messages.frontend import parse_mapping_cfg

    path = root / MAPPING_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None, [
            Problem(
                "no extraction mapping",
                file=MAPPING_FILE,
                hint="copy babel.cfg from the launcher repository into the content root",
            )
        ]
    try:
        method_map, options_map = parse_mapping_cfg(io.StringIO(text), MAPPING_FILE)
    except ConfigParserError as exc:
        return None, [Problem(f"cannot read: {exc}", file=MAPPING_FILE)]
    problems: list[Problem] = []
    jinja_sections = 0
    for pattern, method in method_map:
        if method == "jinja2":  # the entry point Jinja is retiring: make it explicit
            problems.append(
                Problem(
                    f"section [jinja2: {pattern}] needs an explicit extractor",
                    file=MAPPING_FILE,
                    line=_line_of(text, pattern),
                    hint="add: [extractors] jinja2 = jinja2.ext:babel_extract",
                )
            )
        if method != _JINJA_EXTRACTOR:
            continue
        jinja_sections += 1
        options = options_map.get(pattern, {})
        for name, want in EXTRACT_OPTIONS.items():
            got = str(options.get(name, "")).strip().lower()
            if got != want:
                problems.append(
                    Problem(
                        f"[jinja2: {pattern}] has {name} = {got or '(unset)'}; "
                        f"templates are rendered with {name} = {want}",
                        file=MAPPING_FILE,
                        line=_line_of(text, pattern),
                        field=name,
                        hint=f"set {name} = {want}, so the catalog holds the strings the "
                        "templates look up",
                    )
                )
    if not jinja_sections:
        problems.append(
            Problem(
                "no section extracts the templates",
                file=MAPPING_FILE,
                hint="add a [jinja2: templates/**.j2] section (see the launcher repository)",
            )
        )
    return Mapping(method_map, options_map), problems


def _line_of(text: str, needle: str) -> int | None:
    for number, line in enumerate(text.splitlines(), 1):
        if needle in line:
            return number
    return None


def extract(root: Path) -> Catalog:
    """Every translatable string of the content, with locations, translator comments and
    contexts. A template that does not parse is an error naming it, never skipped."""
    mapping, problems = load_mapping(root)
    if mapping is None or problems:
        raise ContentError(problems)
    catalog = _new_template(root)
    for dirpath, dirnames, filenames in os.walk(root):
        rel_dir = Path(dirpath).relative_to(root)
        dirnames[:] = sorted(d for d in dirnames if d[0] not in "._" and d != "tests")
        for filename in sorted(filenames):
            rel = (rel_dir / filename).as_posix()
            try:
                found = list(
                    check_and_call_extract_file(
                        str(root / rel),
                        mapping.method_map,
                        mapping.options_map,
                        keywords=DEFAULT_KEYWORDS,
                        comment_tags=COMMENT_TAGS,
                        callback=None,
                        strip_comment_tags=False,
                        dirpath=str(root),
                    )
                )
            except TemplateSyntaxError as exc:
                problems.append(
                    Problem(
                        f"template syntax error: {exc.message}",
                        file=rel,
                        line=exc.lineno,
                        hint="fix the Jinja markup on this line; nothing was extracted",
                    )
                )
                continue
            except (SyntaxError, UnicodeDecodeError) as exc:
                problems.append(Problem(f"cannot extract: {exc}", file=rel))
                continue
            for filepath, lineno, message, comments, context in found:
                catalog.add(
                    message,
                    None,
                    [(filepath, lineno)],
                    auto_comments=comments,
                    context=context,
                )
    if problems:
        raise ContentError(problems)
    return catalog


def _old_template(path: Path) -> Catalog | None:
    """The .pot extraction is about to replace; one that cannot be read is replaced whole
    (it holds nothing but what extraction writes)."""
    try:
        return read_catalog(path)
    except ContentError:
        return None


def _new_template(root: Path) -> Catalog:
    """An empty .pot that keeps the project header of the existing one."""
    old = _old_template(root / TEMPLATE_FILE)
    if old is None:
        return Catalog(
            project="launcher-content",
            version="VERSION",
            creation_date=datetime.now(UTC),
            fuzzy=True,
        )
    return Catalog(
        project=old.project,
        version=old.version,
        msgid_bugs_address=old.msgid_bugs_address,
        copyright_holder=old.copyright_holder,
        header_comment=old.header_comment,
        creation_date=datetime.now(UTC),
        fuzzy=True,
    )


@dataclass(frozen=True)
class ExtractResult:
    path: Path
    messages: int
    added: list[str]
    removed: list[str]
    written: bool


def extract_to_template(root: Path) -> ExtractResult:
    """`launcher i18n extract`: rewrite locales/messages.pot when the sources changed."""
    catalog = extract(root)
    path = root / TEMPLATE_FILE
    old = _old_template(path)
    new_ids = {key_of(m) for m in catalog}
    old_ids = {key_of(m) for m in old} if old else set()
    new_ids.discard("")
    old_ids.discard("")
    written = not same_messages(catalog, old)
    if written:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, po_bytes(catalog))
    return ExtractResult(
        path,
        len(new_ids),
        sorted(new_ids - old_ids),
        sorted(old_ids - new_ids),
        written,
    )
