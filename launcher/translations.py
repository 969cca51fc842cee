"""The translators' workflow: extract, update, compile, status, add.

Babel does the gettext work (extraction, merging, compiling, plural tables); this module adds
what a crisis tool needs around it: extraction that fails loudly on a broken template, with
the Jinja options the runtime uses; writes that only touch a file when its content changed
(no churn in the history); and a status that answers the question translators are asked on
the day: can this playbook be launched in this language, and if not, which sentences are
missing, and where are they used?
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterable
from configparser import Error as ConfigParserError
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from babel import Locale, UnknownLocaleError
from babel.messages.catalog import Catalog, Message
from babel.messages.extract import (
    DEFAULT_KEYWORDS,
    check_and_call_extract_file,
)
from babel.messages.pofile import read_po, write_po
from jinja2 import TemplateSyntaxError

from .errors import ContentError, InputError, Problem
from .i18n import (
    DOMAIN,
    KNOWN_GOOD_PLURAL_FORMS,
    LoadedCatalog,
    catalog_path,
    check_plural_forms,
    compile_catalog,
    message_key,
    parse_catalog,
    usable,
    write_atomically,
)
from .render import EXTRACT_OPTIONS

MAPPING_FILE = "babel.cfg"
TEMPLATE_FILE = "locales/messages.pot"
#: comments in templates starting with this tag reach the translators (`#.` lines in .po)
COMMENT_TAGS = ("Translators:",)
#: line width of the .po files we write: Babel's and gettext's default, so that Poedit,
#: Weblate and `pybabel` rewrap nothing and diffs stay small
WIDTH = 76
_JINJA_EXTRACTOR = "jinja2.ext:babel_extract"


# ---------------------------------------------------------------- extraction


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


def _new_template(root: Path) -> Catalog:
    """An empty .pot that keeps the project header of the existing one."""
    old = _read(root / TEMPLATE_FILE)
    return Catalog(
        project=old.project if old else "launcher-content",
        version=old.version if old else "VERSION",
        msgid_bugs_address=old.msgid_bugs_address if old else None,
        copyright_holder=old.copyright_holder if old else "",
        header_comment=old.header_comment if old else None,
        creation_date=datetime.now(UTC),
        fuzzy=True,
    )


def _read(path: Path, locale: str | None = None) -> Catalog | None:
    try:
        with path.open("rb") as fh:
            return read_po(fh, locale=locale, domain=DOMAIN)
    except FileNotFoundError:
        return None


def _po_bytes(catalog: Catalog, **options) -> bytes:
    buf = io.BytesIO()
    write_po(buf, catalog, width=WIDTH, **options)
    return buf.getvalue()


def _same_messages(a: Catalog, b: Catalog | None) -> bool:
    """Equal but for the dates in the header: writing would only change a timestamp."""
    if b is None:
        return False

    def key(c: Catalog) -> list:
        return [
            (
                m.id,
                m.context,
                _text(m.string),
                sorted(m.locations),
                " ".join(" ".join(m.auto_comments).split()),  # .po files wrap comments
                sorted(m.flags),
            )
            for m in c
            if m.id
        ]

    return key(a) == key(b) and a.mime_headers[:1] == b.mime_headers[:1]


def _text(value: object) -> object:
    """A msgstr with "not translated" spelt one way (Babel says None, '' or ('', ''))."""
    if isinstance(value, tuple | list):
        return tuple(v or "" for v in value) if any(value) else ""
    return value or ""


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
    old = _read(path)
    new_ids = {message_key(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in catalog}
    old_ids = (
        {message_key(m.id if isinstance(m.id, str) else m.id[0], m.context) for m in old}
        if old
        else set()
    )
    new_ids.discard("")
    old_ids.discard("")
    written = not _same_messages(catalog, old)
    if written:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, _po_bytes(catalog))
    return ExtractResult(
        path,
        len(new_ids),
        sorted(new_ids - old_ids),
        sorted(old_ids - new_ids),
        written,
    )


# ---------------------------------------------------------------- update, add, compile


def locales_of(root: Path) -> list[str]:
    base = root / "locales"
    if not base.is_dir():
        return []
    return sorted(p.name for p in base.iterdir() if catalog_path(root, p.name).is_file())


def _template(root: Path) -> Catalog:
    template = _read(root / TEMPLATE_FILE)
    if template is None:
        raise InputError(
            f"{TEMPLATE_FILE} does not exist", hint="create it first: launcher i18n extract"
        )
    return template


def _known_locales(root: Path, locales: Iterable[str] | None) -> list[str]:
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
    return chosen


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
    so Poedit and Weblate can show what changed."""
    template = _template(root)
    results = []
    for loc in _known_locales(root, locales):
        path = catalog_path(root, loc)
        source = path.read_bytes()
        catalog, problems = parse_catalog(source, loc, _rel(root, path))
        if catalog is None:
            raise ContentError(problems)
        before = {message_key(_sid(m), m.context): m for m in catalog if m.id}
        fuzzy_before = {k for k, m in before.items() if m.fuzzy}
        catalog.update(template, no_fuzzy_matching=not fuzzy_matching)
        after = {message_key(_sid(m), m.context): m for m in catalog if m.id}
        added = sum(1 for k, m in after.items() if k not in before and not m.fuzzy)
        fuzzy = sum(1 for k, m in after.items() if m.fuzzy and k not in fuzzy_before)
        data = _po_bytes(catalog, include_previous=True)
        written = data != source and not _same_po(catalog, source, loc)
        if written:
            write_atomically(path, data)
        results.append(UpdateResult(loc, path, added, fuzzy, len(catalog.obsolete), written))
    return results


def _same_po(catalog: Catalog, source: bytes, locale: str) -> bool:
    old = read_po(io.BytesIO(source), locale=locale, domain=DOMAIN)
    return _same_messages(catalog, old) and {k for k in catalog.obsolete} == {
        k for k in old.obsolete
    }


def _sid(message: Message) -> str:
    return message.id if isinstance(message.id, str) else message.id[0]


def _rel(root: Path, path: Path) -> str:
    return path.relative_to(root).as_posix() if path.is_relative_to(root) else str(path)


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
            f"{_rel(root, path)} already exists",
            field="LOCALE",
            hint="update it instead: launcher i18n update",
        )
    template = _template(root)
    catalog = read_po(io.BytesIO(_po_bytes(template)), locale=locale, domain=DOMAIN)
    catalog.locale = parsed
    catalog.revision_date = datetime.now(UTC)
    catalog.fuzzy = False
    problems = _fix_plural_header(root, catalog, locale, path)
    data = _po_bytes(catalog)
    path.parent.mkdir(parents=True, exist_ok=True)
    write_atomically(path, data)
    return path, sum(1 for m in catalog if m.id), problems


def _fix_plural_header(root: Path, catalog: Catalog, locale: str, path: Path) -> list[Problem]:
    """Keep Babel's Plural-Forms if it agrees with CLDR, else the first candidate that does."""
    from babel.plural import to_gettext

    candidates: list[str | None] = [None, KNOWN_GOOD_PLURAL_FORMS.get(locale.split("_")[0])]
    with contextlib.suppress(ValueError, KeyError):
        candidates.append(to_gettext(Locale.parse(locale).plural_form).strip())
    first: list[Problem] = []
    for header in candidates:
        if header is None and first:
            continue
        if header:
            catalog.mime_headers = [("Plural-Forms", header)]
        problems = check_plural_forms(_loaded(catalog, locale, _rel(root, path)))
        if not problems:
            return []
        first = first or problems
    return first


def _loaded(catalog: Catalog, locale: str, display: str) -> LoadedCatalog:
    from babel.support import Translations

    mo, _ = compile_catalog(catalog, "")
    return LoadedCatalog(
        locale, Path(display), display, Translations(fp=io.BytesIO(mo)), b"", catalog
    )


@dataclass(frozen=True)
class CompileResult:
    locale: str
    path: Path
    compiled: int
    left_out: int  # fuzzy, untranslated or broken: not in the .mo
    problems: list[Problem]


def compile_catalogs(root: Path, locales: Iterable[str] | None = None) -> list[CompileResult]:
    """`launcher i18n compile`: .po -> .mo with only usable entries, and Babel's checks
    (placeholders, plural forms) as located problems. Plan and run compile on their own
    when a .po changed; this command is for checking and for shipping compiled catalogs."""
    import hashlib

    results = []
    for loc in _known_locales(root, locales):
        path = catalog_path(root, loc)
        display = _rel(root, path)
        source = path.read_bytes()
        catalog, problems = parse_catalog(source, loc, display)
        if catalog is None:
            results.append(CompileResult(loc, path, 0, 0, problems))
            continue
        problems.extend(babel_checks(catalog, display))
        mo, _excluded = compile_catalog(catalog, hashlib.sha256(source).hexdigest())
        problems.extend(check_plural_forms(_loaded(catalog, loc, display)))
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
        if message.fuzzy or message_key(_sid(message), message.context) in skipped:
            continue
        for error in errors:
            problems.append(
                Problem(
                    f'"{_short(_sid(message))}": {error}',
                    file=display,
                    line=message.lineno,
                    hint="keep every %(name)s placeholder of the source text and fill "
                    "every plural form",
                )
            )
    return problems


def _short(text: str, width: int = 60) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."


# ---------------------------------------------------------------- status


@dataclass
class Entry:
    """One string a locale needs, and why it is not ready (or None when it is)."""

    msgid: str
    context: str | None
    used_in: list[str]  # template:line or source.py:line
    state: str  # translated | fuzzy | untranslated | missing | invalid
    line: int | None = None  # in the .po
    previous: str | None = None  # the source text the (fuzzy) translation was made for
    detail: str = ""

    def to_dict(self) -> dict:
        return {
            "msgid": self.msgid,
            "context": self.context,
            "state": self.state,
            "used_in": self.used_in,
            "po_line": self.line,
            "previous_msgid": self.previous,
            "detail": self.detail or None,
        }


@dataclass
class LocaleStatus:
    locale: str
    file: str
    translated: int = 0
    fuzzy: int = 0
    untranslated: int = 0
    missing: int = 0
    invalid: int = 0
    obsolete: list[str] = field(default_factory=list)
    not_ready: list[Entry] = field(default_factory=list)
    playbooks: dict[str, dict] = field(default_factory=dict)
    missions: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def total(self) -> int:
        return self.translated + self.fuzzy + self.untranslated + self.missing + self.invalid

    @property
    def stale(self) -> list[Entry]:
        """Translations made for a source text that has changed since."""
        return [e for e in self.not_ready if e.state == "fuzzy" and e.previous]

    def to_dict(self) -> dict:
        return {
            "locale": self.locale,
            "file": self.file,
            "strings": self.total,
            "translated": self.translated,
            "fuzzy": self.fuzzy,
            "untranslated": self.untranslated,
            "missing": self.missing,
            "invalid": self.invalid,
            "obsolete": self.obsolete,
            "stale": [e.msgid for e in self.stale],
            "missions": self.missions,
            "playbooks": self.playbooks,
            "not_ready": [e.to_dict() for e in self.not_ready],
            "problems": [
                {"message": p.message, "file": p.file, "line": p.line, "hint": p.hint}
                for p in self.problems
            ],
        }


@dataclass
class Status:
    template_current: bool  # locales/messages.pot holds exactly what the sources say
    template_added: list[str]
    template_removed: list[str]
    locales: list[LocaleStatus]

    def to_dict(self) -> dict:
        return {
            "template": {
                "file": TEMPLATE_FILE,
                "current": self.template_current,
                "not_in_template": self.template_added,
                "no_longer_in_sources": self.template_removed,
            },
            "locales": [s.to_dict() for s in self.locales],
        }


def status(root: Path, locales: Iterable[str] | None = None) -> Status:
    """`launcher i18n status`: measured against the templates as they are now (not against a
    .pot that may be out of date), per locale and per playbook."""
    from .missions import load_registry
    from .planner import playbook_msgids
    from .playbook import load_playbook, playbook_ids

    sources = extract(root)
    wanted: dict[str, Message] = {message_key(_sid(m), m.context): m for m in sources if m.id}
    template = _read(root / TEMPLATE_FILE)
    in_template = {message_key(_sid(m), m.context) for m in template if m.id} if template else set()
    per_playbook: dict[str, set[str]] = {}
    for pid in playbook_ids(root):
        problems: list[Problem] = []
        used = playbook_msgids(root, load_playbook(root, pid), problems)
        if problems:
            raise ContentError(problems)
        per_playbook[pid] = set(used)
    registry, _ = load_registry(root)
    out = []
    for loc in _known_locales(root, locales):
        path = catalog_path(root, loc)
        display = _rel(root, path)
        st = LocaleStatus(loc, display)
        if registry is not None:
            st.missions = sorted(m.id for m in registry.missions.values() if loc in m.locales)
        source = path.read_bytes()
        catalog, st.problems = parse_catalog(source, loc, display)
        if catalog is None:
            for pid, keys in per_playbook.items():
                st.playbooks[pid] = {"launchable": False, "strings": len(keys), "not_ready": []}
            out.append(st)
            continue
        st.problems.extend(check_plural_forms(_loaded(catalog, loc, display)))
        blocked: dict[str, Entry] = {}
        po_lines = source.decode(catalog.charset or "utf-8", "replace").splitlines()
        for key, wanted_msg in wanted.items():
            entry = _entry(catalog, key, wanted_msg, po_lines)
            setattr(st, entry.state, getattr(st, entry.state) + 1)
            if entry.state != "translated":
                st.not_ready.append(entry)
                blocked[key] = entry
        st.obsolete = sorted(
            {_sid(m) for m in catalog.obsolete.values()}
            | {_sid(m) for m in catalog if m.id and message_key(_sid(m), m.context) not in wanted}
        )
        for pid, keys in per_playbook.items():
            missing = sorted(blocked[k].msgid for k in keys if k in blocked)
            st.playbooks[pid] = {
                "launchable": not missing and not st.problems,
                "strings": len(keys),
                "not_ready": missing,
            }
        out.append(st)
    return Status(
        template_current=template is not None and in_template == set(wanted),
        template_added=sorted(set(wanted) - in_template),
        template_removed=sorted(in_template - set(wanted)),
        locales=out,
    )


def _entry(catalog: Catalog, key: str, source: Message, po_lines: list[str]) -> Entry:
    msgid, context = _sid(source), source.context
    used_in = [f"{f}:{n}" for f, n in source.locations]
    msg = catalog.get(source.id, context=context)
    if msg is None:
        return Entry(msgid, context, used_in, "missing")
    strings = msg.string if isinstance(msg.string, tuple | list) else (msg.string,)
    previous = _previous_msgid(po_lines, msg.lineno)
    if msg.fuzzy:
        return Entry(msgid, context, used_in, "fuzzy", msg.lineno, previous)
    if not all(strings):
        return Entry(msgid, context, used_in, "untranslated", msg.lineno)
    errors = msg.check(catalog)
    if errors:
        return Entry(msgid, context, used_in, "invalid", msg.lineno, detail=str(errors[0]))
    return Entry(msgid, context, used_in, "translated", msg.lineno)


def _previous_msgid(lines: list[str], lineno: int | None) -> str | None:
    """The ``#| msgid`` comment above the entry at ``lineno``: the source text its (fuzzy)
    translation was made for. Babel writes these comments but does not read them back."""
    from babel.messages.pofile import unescape

    if not lineno:
        return None
    i = lineno - 2
    block: list[str] = []
    while i >= 0 and lines[i].startswith("#"):
        block.insert(0, lines[i])
        i -= 1
    parts: list[str] = []
    collecting = False
    for line in block:
        if line.startswith("#| msgid "):
            collecting = True
            parts.append(unescape(line[len("#| msgid ") :].strip()))
        elif collecting and line.startswith('#| "'):
            parts.append(unescape(line[3:].strip()))
        else:
            collecting = False
    return "".join(parts) or None
