"""Bidirectional controls: invisible characters that change the order text is displayed in.

The embeddings and overrides (U+202A–U+202E) and the isolates (U+2066–U+2069) make a renderer
lay text out in another order than it is stored, so a post can read differently on screen from
the text reviewers approved ("Trojan Source"). Launcher puts isolates into text itself in two
ways, and those are launcher's own; any other control came in with a fact or a translation:

- **Facts, in every locale**: a value the operator typed (``--set region=...``) is wrapped in
  FSI … PDI (:func:`isolate_facts`, applied where facts enter rendering), so its direction is
  its own: a Hebrew or Arabic place name inside a French sentence does not reorder the words
  around it, a Latin name inside an Arabic one does not pull the punctuation after it. Facts
  that are links, e-mail addresses, handles or phone numbers are not wrapped (platforms would
  not recognise them with a control glued on; right-to-left templates give them ``|ltr``), nor
  are facts that already hold a control (the guardrail reports those as they were typed); and
  :func:`unisolate_links` takes the isolates out again where a template glued a fact into a
  link or a handle (``https://example.org/{{ event.slug }}``, ``@{{ event.account }}``).
- **Left-to-right runs in right-to-left locales**: the ``|ltr`` filter
  (:mod:`launcher.content.render`), the zone offset and the thread numbering are wrapped in
  LRI … PDI, so a phone number or a link keeps its order in Arabic.

:func:`stray` finds the others (the ``bidi-control`` guardrail reports them) and :func:`reveal`
shows them as visible markers such as ``⟨U+202E⟩`` (``plan`` and ``preview``). Counting is
unaffected in kind: platforms count the isolates like any character, and launcher counts the
text exactly as it is sent.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

import regex

#: LRE, RLE, PDF, LRO, RLO: the embeddings and overrides
EMBEDDINGS = "\u202a\u202b\u202c\u202d\u202e"
#: LRI, RLI, FSI, PDI: the isolates
ISOLATES = "\u2066\u2067\u2068\u2069"
CONTROLS = EMBEDDINGS + ISOLATES
LRI, FSI, PDI = "\u2066", "\u2068", "\u2069"

_ANY = regex.compile(f"[{CONTROLS}]")
#: what ``|ltr`` writes: LRI, text without controls, PDI
_OWN = regex.compile(f"{LRI}[^{CONTROLS}]*{PDI}")
#: what fact isolation writes: FSI, text without controls, PDI (in every locale)
_OWN_FACT = regex.compile(f"{FSI}[^{CONTROLS}]*{PDI}")
#: values that must reach the platform bare: links, e-mail addresses, handles, phone numbers
_BARE = regex.compile(
    r"\s*(?:(?:https?://|www\.)\S+|[\w.+-]+@[\w-]+(?:\.[\w-]+)+|@\w[\w.@-]*"
    r"|\+?[\d\s().\-/]{6,})\s*",
    regex.IGNORECASE,
)
#: an isolated fact glued into a link or a handle: ASCII link characters right before FSI
#: or right after PDI, in a token that is a link, an address or a handle
_LINK_CHARS = r"[A-Za-z0-9/@.:?=&#%+_~-]"
_GLUED = regex.compile(
    rf"(?:(?<={_LINK_CHARS}){FSI}([^{CONTROLS}\s]*){PDI}|{FSI}([^{CONTROLS}\s]*){PDI}(?=[@/]))"
)
_LINK_TOKEN = regex.compile(r"(?<!\S)\S*?(?:https?://|www\.|@)\S*", regex.IGNORECASE)


class Fact(str):
    """A value the operator typed, as templates see it: an ordinary string (compared, tested,
    measured as typed), isolated with FSI … PDI when it is written into a post."""

    __slots__ = ()


def isolated(value: object) -> object:
    """``value`` written into text: a :class:`Fact` in FSI … PDI, anything else unchanged."""
    return f"{FSI}{value}{PDI}" if isinstance(value, Fact) else value


def wants_isolate(value: str) -> bool:
    """Whether a typed value is wrapped: not empty, no control of its own, not a link,
    address, handle or phone number (see the module docstring)."""
    return bool(value.strip()) and not has_controls(value) and not _BARE.fullmatch(value)


def isolate_facts(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The facts as templates receive them: each text value a :class:`Fact` (the values of a
    nested mapping too, such as a place's forms); numbers, dates and the rest unchanged."""
    return {k: _as_fact(v) for k, v in facts.items()}


def _as_fact(value: Any) -> Any:
    if isinstance(value, str) and not isinstance(value, Fact):
        return Fact(value) if wants_isolate(value) else value
    if isinstance(value, Mapping):
        return {k: _as_fact(v) for k, v in value.items()}
    return value


def unisolate_links(text: str) -> str:
    """``text`` without the fact isolates a template glued into a link or a handle."""
    if FSI not in text:
        return text
    glued = list(_GLUED.finditer(text))  # rare: most facts stand between spaces or words
    if not glued:
        return text
    links = [m.span() for m in _LINK_TOKEN.finditer(text)]
    out, pos = [], 0
    for g in glued:
        if any(a <= g.start() and g.end() <= b for a, b in links):
            out += [text[pos : g.start()], g.group(1) or g.group(2) or ""]
            pos = g.end()
    return "".join(out) + text[pos:]


def is_terminal_control(char: str) -> bool:
    """A C0 or C1 control or DEL (escape sequences, bells, carriage returns), but not the
    line break and tab a text may hold: what could drive a terminal, unseen in a post."""
    code = ord(char)
    return (code < 0x20 and char not in "\n\t") or 0x7F <= code <= 0x9F


def marker(char: str) -> str:
    """The visible stand-in for a control character: ``⟨U+202E⟩``."""
    return f"⟨U+{ord(char):04X}⟩"


def name(char: str) -> str:
    return unicodedata.name(char, f"U+{ord(char):04X}")


def stray(text: str, *, rtl: bool) -> list[int]:
    """Offsets of the controls in ``text`` that are not launcher's own isolates: FSI … PDI
    around a fact in every locale, LRI … PDI in right-to-left locales, where ``|ltr`` writes
    them."""
    if not _ANY.search(text):
        return []
    own: set[int] = set()
    for m in _OWN_FACT.finditer(text):
        own.update((m.start(), m.end() - 1))
    if rtl:
        for m in _OWN.finditer(text):
            own.update((m.start(), m.end() - 1))
    return [m.start() for m in _ANY.finditer(text) if m.start() not in own]


def reveal(text: str, *, rtl: bool) -> str:
    """``text`` with every stray control replaced by its visible marker (launcher's own
    isolates stay: they only keep numbers and links in order)."""
    found = stray(text, rtl=rtl)
    if not found:
        return text
    out = list(text)
    for i in found:
        out[i] = marker(text[i])
    return "".join(out)


def has_controls(text: str) -> bool:
    return bool(_ANY.search(text))
