"""Bidirectional controls: invisible characters that change the order text is displayed in.

The embeddings and overrides (U+202A–U+202E) and the isolates (U+2066–U+2069) make a renderer
lay text out in another order than it is stored, so a post can read differently on screen from
the text reviewers approved ("Trojan Source"). Launcher puts isolates into text itself in one
place only: the ``|ltr`` filter (:mod:`launcher.content.render`) wraps a phone number or a link
in LRI … PDI inside right-to-left locales, so it keeps its left-to-right order. Those are
launcher's own; any other control came in with a fact or a translation.

:func:`stray` finds the others (the ``bidi-control`` guardrail reports them) and :func:`reveal`
shows them as visible markers such as ``⟨U+202E⟩`` (``plan`` and ``preview``).
"""

from __future__ import annotations

import unicodedata

import regex

#: LRE, RLE, PDF, LRO, RLO: the embeddings and overrides
EMBEDDINGS = "\u202a\u202b\u202c\u202d\u202e"
#: LRI, RLI, FSI, PDI: the isolates
ISOLATES = "\u2066\u2067\u2068\u2069"
CONTROLS = EMBEDDINGS + ISOLATES
LRI, PDI = "\u2066", "\u2069"

_ANY = regex.compile(f"[{CONTROLS}]")
#: what ``|ltr`` writes: LRI, text without controls, PDI
_OWN = regex.compile(f"{LRI}[^{CONTROLS}]*{PDI}")


def marker(char: str) -> str:
    """The visible stand-in for a control character: ``⟨U+202E⟩``."""
    return f"⟨U+{ord(char):04X}⟩"


def name(char: str) -> str:
    return unicodedata.name(char, f"U+{ord(char):04X}")


def stray(text: str, *, rtl: bool) -> list[int]:
    """Offsets of the controls in ``text`` that are not launcher's own isolates (those exist
    only in right-to-left locales, where ``|ltr`` writes them)."""
    if not _ANY.search(text):
        return []
    own: set[int] = set()
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
