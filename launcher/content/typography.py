"""Typography after rendering: what no translator can fix in a catalog.

A translation is written around placeholders, so it cannot know what a value ends with or
which script it is in: "Actualización, {{ when }}." is right until ``when`` ends in "a.m." and
the post reads "a.m.. Sismo"; "ในพื้นที่{{ region }}" is right Thai until the region is typed
in Latin script and the words run together. These rules run on every rendered text, after
:func:`launcher.content.render.tidy`, with the locale of the text:

- **No doubled stop.** A value ending in a period followed by the sentence's own period keeps
  one ("a.m.." → "a.m.", "р.." → "р."); a value ending in "?" or "!" followed by a period keeps
  its own mark ("Yahoo!." → "Yahoo!"); "。。" keeps one. An ellipsis ("...") is left alone, and
  so is anything inside a URL.
- **Thai spacing.** Thai writes a word in Latin script with a space on each side
  ("ในพื้นที่ Chiang Rai ได้รับ..."); where a Latin letter touches a Thai one, a space goes in
  (outside any isolate around the value, so the isolate still holds the value alone).
  Japanese does not: the JTF style guide writes Latin words into Japanese without spaces, so
  nothing is added there.

The rules see through the isolates (FSI, LRI … PDI) that keep a fact in its direction: a fact
"Acme Co." isolated before the sentence's period is still one period.
"""

from __future__ import annotations

from collections.abc import Callable

import regex

#: the isolates launcher writes around values; invisible, so the rules look through them
_ISO = "[\u2066\u2067\u2068\u2069]*"
_URL = regex.compile(r"(?:https?://|www\.)[\x21-\x7e]+?(?=[.,:;!?'\")\]]*(?:[^\x21-\x7e]|$))")
# a period, then isolates, then a period that does not start or continue an ellipsis
_DOUBLE_STOP = regex.compile(rf"(?<![.…])\.({_ISO})\.(?![.…])")
# "?" or "!" ending a value, then the sentence's period
_MARK_STOP = regex.compile(rf"([?!])({_ISO})\.(?![.…])")
_CJK_STOP = regex.compile(rf"。({_ISO})。")
_THAI_LATIN = regex.compile(rf"(\p{{Thai}})({_ISO})(?=\p{{Latin}})")
_LATIN_THAI = regex.compile(rf"(\p{{Latin}}[.]?)({_ISO})(?=\p{{Thai}})")


#: cheap tests that a rule has anything to do (most texts need nothing)
_ANY_STOP = regex.compile(rf"[.?!。]{_ISO}[.。]")
_ANY_THAI_LATIN = regex.compile(rf"\p{{Thai}}{_ISO}[\p{{Latin}}]|[\p{{Latin}}.]{_ISO}\p{{Thai}}")


def finish(text: str, locale: str | None) -> str:
    """``text`` with the typography rules of the module applied for ``locale``."""
    if not text:
        return text
    if _ANY_STOP.search(text):
        text = _outside_urls(text, _stops)
    if locale and locale.split("_")[0] == "th" and _ANY_THAI_LATIN.search(text):
        text = _outside_urls(text, _thai_spacing)
    return text


def _stops(chunk: str) -> str:
    chunk = _DOUBLE_STOP.sub(r".\1", chunk)
    chunk = _MARK_STOP.sub(r"\1\2", chunk)
    return _CJK_STOP.sub(r"。\1", chunk)


def _thai_spacing(chunk: str) -> str:
    chunk = _THAI_LATIN.sub(r"\1 \2", chunk)
    return _LATIN_THAI.sub(r"\1\2 ", chunk)


def _outside_urls(text: str, rule: Callable[[str], str]) -> str:
    """Apply ``rule`` to the text between URLs; a URL itself is never rewritten. In Thai a
    URL touching a Thai letter gets its spaces too (a link glued to a word is not a link)."""
    urls = list(_URL.finditer(text))
    if not urls:
        return rule(text)
    thai = rule is _thai_spacing
    out: list[str] = []
    pos = 0
    for m in urls:
        before = rule(text[pos : m.start()])
        out.append(before)
        if thai and regex.search(rf"\p{{Thai}}{_ISO}$", before):
            out.append(" ")
        out.append(m.group())
        pos = m.end()
    rest = rule(text[pos:])
    if thai and regex.match(rf"{_ISO}\p{{Thai}}", rest):
        out.append(" ")
    out.append(rest)
    return "".join(out)
