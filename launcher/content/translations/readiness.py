"""`launcher i18n status`: per locale and playbook, what is ready and what is not, and why."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from babel.messages.catalog import Catalog, Message

from ...errors import ContentError, Problem
from ..i18n import catalog_path, check_plural_header, parse_catalog
from .common import TEMPLATE_FILE, key_of, known_locales, read_catalog, relative, source_id
from .extraction import extract


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
    #: False when the .po has a syntax error: nothing in it is counted, nothing can launch
    readable: bool = True

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
            "broken": not self.readable,
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
    from ..missions import load_registry
    from ..playbook import load_playbook, playbook_ids
    from ..render import playbook_msgids

    sources = extract(root)
    wanted: dict[str, Message] = {key_of(m): m for m in sources if m.id}
    template = read_catalog(root / TEMPLATE_FILE, root=root)
    in_template = {key_of(m) for m in template if m.id} if template else set()
    per_playbook: dict[str, set[str]] = {}
    for pid in playbook_ids(root):
        problems: list[Problem] = []
        used = playbook_msgids(root, load_playbook(root, pid), problems)
        if problems:
            raise ContentError(problems)
        per_playbook[pid] = set(used)
    registry, _ = load_registry(root)
    out = []
    for loc in known_locales(root, locales):
        path = catalog_path(root, loc)
        display = relative(root, path)
        st = LocaleStatus(loc, display)
        if registry is not None:
            st.missions = sorted(m.id for m in registry.missions.values() if loc in m.locales)
        source = path.read_bytes()
        catalog, st.problems = parse_catalog(source, loc, display)
        if catalog is None:
            st.readable = False
            for pid, keys in per_playbook.items():
                st.playbooks[pid] = {"launchable": False, "strings": len(keys), "not_ready": []}
            out.append(st)
            continue
        st.problems.extend(
            check_plural_header(loc, display, catalog.num_plurals, catalog.plural_expr)
        )
        blocked: dict[str, Entry] = {}
        po_lines = source.decode(catalog.charset or "utf-8", "replace").splitlines()
        for key, wanted_msg in wanted.items():
            entry = _entry(catalog, key, wanted_msg, po_lines)
            setattr(st, entry.state, getattr(st, entry.state) + 1)
            if entry.state != "translated":
                st.not_ready.append(entry)
                blocked[key] = entry
        st.obsolete = sorted(
            {source_id(m) for m in catalog.obsolete.values()}
            | {source_id(m) for m in catalog if m.id and key_of(m) not in wanted}
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
    msgid, context = source_id(source), source.context
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
