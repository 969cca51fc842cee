"""Text length counted each platform's way, and over-long texts split into numbered threads.

Each platform counts in its own unit (platforms.md §1.4, §2.4, §3.5, §4.3, §5.3):

==========  =======  =====================================================================
platform    limit    unit
==========  =======  =====================================================================
x           280      twitter-text v3 weighted length (URLs 23, emoji 2, CJK 2), after NFC
mastodon    500      grapheme clusters; each http(s) URL counts 23, ``@user@domain`` as
                     ``@user``
bluesky     300      grapheme clusters, and at most 3000 UTF-8 bytes
telegram    4096     Unicode code points
facebook    63206    Unicode code points
sandbox     1000     grapheme clusters
==========  =======  =====================================================================

``count`` is called for every post of every plan, so it is cached and its regexes compiled
once. ``split_thread`` splits the way a press officer would: at paragraph (or line) ends
first, then at sentence ends, then between words, and only as a last resort between grapheme
clusters; it never cuts inside a URL, never drops a character, never cuts a contact (a phone
number, a link, an address, a handle) from its label ("24/7 emergency line: +52 ...") and
never leaves a contact alone in the last part. :func:`numbering` is the part number each
locale writes, on a line of its own so it is never read as part of a number.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import regex

from .xtext import weighted_length

__all__ = ["TextRule", "count", "numbering", "over_limit", "rule", "split_thread", "valid"]


@dataclass(frozen=True)
class TextRule:
    """How long a post may be on one platform, in that platform's own unit."""

    platform: str
    limit: int  # the platform's limit in its own unit
    unit: str
    max_bytes: int | None = None  # a second, UTF-8 byte limit (Bluesky)


_RULES: dict[str, TextRule] = {
    "x": TextRule("x", 280, "weighted characters (twitter-text v3)"),
    "mastodon": TextRule("mastodon", 500, "graphemes (URLs count 23, remote mentions as @user)"),
    "bluesky": TextRule("bluesky", 300, "graphemes", max_bytes=3000),
    "telegram": TextRule("telegram", 4096, "characters"),
    "facebook": TextRule("facebook", 63206, "characters"),
    "sandbox": TextRule("sandbox", 1000, "graphemes"),
}

_MASTODON_URL_LENGTH = 23

_GRAPHEME = regex.compile(r"\X")
# http(s) URLs as Mastodon recognises them, without trailing punctuation. Only ASCII is taken
# as part of a URL, so text written right after one (Japanese, Thai) is never under-counted.
_HTTP_URL = regex.compile(
    r"""https?://[\x21-\x7e]+?(?=[.,:;!?'")\]]*(?:[^\x21-\x7e]|$))""", regex.IGNORECASE
)
_MENTION = regex.compile(r"(?<![=/\w])@(\w+(?:[.-]+\w+)*)(?:@[\w.-]+\w)?")
# Never cut: URLs with a scheme. Cut only as a last resort: domains without one (X counts
# them as URLs, but "e.g." or "v1.2" look the same).
_URL = regex.compile(r"(?:https?://|www\.)[\x21-\x7e]+", regex.IGNORECASE)
_DOMAIN = regex.compile(r"(?<![\w@.-])[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+(?:/[\x21-\x7e]*)?")
# Where a sentence ends: terminal punctuation, closing quotes or brackets, then space or end.
# CJK full-width terminals end a sentence without a following space.
_SENTENCE_END = regex.compile(
    r"""(?:[.!?؟۔।॥…]+[)\]"'»”’」』]*(?=\s|$)|[。！？]+[)\]"'»”’」』）]*)"""
)
# Where a word ends: before white space, or after an ideographic comma (Japanese, Chinese).
_WORD_END = regex.compile(r"(?:(?<=\S)(?=\s)|(?<=[、，；：]))")
# Where a paragraph ends: before a blank line; where a line ends: before a line break.
_PARAGRAPH_END = regex.compile(r"(?<=\S)[ \t\u2066-\u2069]*\n[ \t]*\n")
_LINE_END = regex.compile(r"(?<=\S)[ \t\u2066-\u2069]*\n")
# What a reader must be able to act on: a link, an e-mail address, a handle, a phone number.
_CONTACT = regex.compile(
    r"(?:https?://|www\.)[\x21-\x7e]+"
    r"|[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|(?<![\w@])@\w+(?:@[\w.-]+\w)?"
    r"|(?<![\w+])\+?\d(?:[\d \u00a0().\-/]*\d){5,}",
    regex.IGNORECASE,
)


@cache
def rule(platform: str) -> TextRule:
    """The text rule of ``platform``; an unknown platform raises ``ValueError``."""
    try:
        return _RULES[platform]
    except KeyError:
        known = ", ".join(sorted(_RULES))
        raise ValueError(f"unknown platform {platform!r}; known platforms: {known}") from None


#: characters that can join a neighbour into one grapheme cluster (UAX #29 break classes);
#: a text without any has exactly one cluster per code point
_JOINING = regex.compile(
    r"[\p{GCB=CR}\p{GCB=Extend}\p{GCB=ZWJ}\p{GCB=RI}\p{GCB=Prepend}\p{GCB=SpacingMark}"
    r"\p{GCB=L}\p{GCB=V}\p{GCB=T}\p{GCB=LV}\p{GCB=LVT}]"
)


def _graphemes(text: str) -> int:
    if not _JOINING.search(text):  # most Latin, Cyrillic and Japanese posts: one scan in C
        return len(text)
    return len(_GRAPHEME.findall(text))


def _mastodon_length(text: str) -> int:
    text = _HTTP_URL.sub("x" * _MASTODON_URL_LENGTH, text)
    text = _MENTION.sub(lambda m: "@" + m.group(1), text)
    return _graphemes(text)


_COUNTERS: dict[str, Callable[[str], int]] = {
    "x": weighted_length,
    "mastodon": _mastodon_length,
    "bluesky": _graphemes,
    "telegram": len,
    "facebook": len,
    "sandbox": _graphemes,
}


def count(platform: str, text: str) -> int:
    """The length of ``text`` counted the way ``platform`` counts it (see the module table)."""
    rule(platform)
    return _COUNTERS[platform](text)


def over_limit(platform: str, text: str) -> tuple[int, int] | None:
    """``(length, limit)`` if ``text`` is too long for ``platform``, else ``None``.

    For Bluesky the grapheme limit is checked first, then the 3000-byte limit; when only the
    byte limit is broken the pair is ``(bytes, 3000)``.
    """
    r = rule(platform)
    length = count(platform, text)
    if length > r.limit:
        return (length, r.limit)
    if r.max_bytes is not None:
        size = len(text.encode("utf-8"))
        if size > r.max_bytes:
            return (size, r.max_bytes)
    return None


def valid(platform: str, text: str) -> bool:
    """Whether ``platform`` would take ``text`` as a post's text.

    Not empty, within the limits, and for X free of the characters twitter-text refuses
    (U+FFFE, U+FEFF, U+FFFF).
    """
    if not text.strip() or over_limit(platform, text) is not None:
        return False
    if platform == "x":
        from twitter_text import parse_tweet

        return parse_tweet(unicodedata.normalize("NFC", text)).valid
    return True


def _inside(spans: list[tuple[int, int]], starts: list[int], pos: int) -> bool:
    """Whether ``pos`` falls strictly inside one of the sorted, disjoint ``spans``."""
    i = bisect.bisect_right(starts, pos) - 1
    return i >= 0 and spans[i][0] < pos < spans[i][1]


@dataclass
class _Points:
    """Sorted cut positions of one text, best first (see :func:`_break_points`)."""

    paragraphs: list[int]
    sentences: list[int]
    words: list[int]
    any_words: list[int]  # word ends inside a contact's sentence too
    graphemes: list[int]
    last_resort: list[int]

    def forbid(self, pos: int) -> None:
        for cands in (self.paragraphs, self.sentences, self.words):
            if pos in cands and pos != cands[-1]:
                cands.remove(pos)


def _contact_spans(
    text: str, sentence_ends: list[int], paragraph_ends: list[int]
) -> list[tuple[int, int]]:
    """(start, end) of each contact with its label: from the start of the sentence the contact
    is in (a label on the line before it included) to the contact's end."""
    spans = []
    bounds = sorted(set(sentence_ends) | set(paragraph_ends))
    for m in _CONTACT.finditer(text):
        i = bisect.bisect_left(bounds, m.start()) - 1
        start = bounds[i] if i >= 0 else 0
        spans.append((start, m.end()))
    return spans


def _break_points(text: str) -> _Points:
    """Cut positions: paragraph, sentence and line ends, word ends, grapheme boundaries, and
    last resorts.

    No position falls inside a grapheme cluster or a URL; only the last resorts may fall
    inside a domain name written without a scheme. Paragraph, sentence and word ends inside a
    contact's span (its sentence up to the contact) are left out, so a label stays with its
    number.
    """
    urls = [m.span() for m in _URL.finditer(text)]
    url_starts = [a for a, _ in urls]
    domains = [m.span() for m in _DOMAIN.finditer(text)]
    domain_starts = [a for a, _ in domains]
    last_resort = [
        m.end() for m in _GRAPHEME.finditer(text) if not _inside(urls, url_starts, m.end())
    ]
    graphemes = [p for p in last_resort if not _inside(domains, domain_starts, p)]
    allowed = set(graphemes)
    end = len(text)
    paragraphs = {m.start() for m in _PARAGRAPH_END.finditer(text)} & allowed
    # a line ending in ":" is a label for what follows; it is not the end of anything
    lines = {
        m.start()
        for m in _LINE_END.finditer(text)
        if not text[: m.start()].rstrip("\u2066\u2067\u2068\u2069 \t").endswith((":", "："))
    }
    # a post's line breaks separate its units (social posts rarely leave blank lines), so a
    # line end is as good a cut as a paragraph end
    paragraphs |= lines & allowed
    sentence_marks = {m.end() for m in _SENTENCE_END.finditer(text)} & allowed
    sentences = sentence_marks | paragraphs | {end}
    words = {m.start() for m in _WORD_END.finditer(text) if m.start() in allowed} | {end}
    spans: list[tuple[int, int]] = []
    for a, b in sorted(_contact_spans(text, sorted(sentence_marks | lines), sorted(paragraphs))):
        if spans and a < spans[-1][1]:  # overlapping: merged, so _inside's bisection is exact
            spans[-1] = (spans[-1][0], max(spans[-1][1], b))
        else:
            spans.append((a, b))
    starts = [a for a, _ in spans]

    def free(points: set[int]) -> list[int]:
        return sorted(p for p in points if not _inside(spans, starts, p))

    return _Points(
        free(paragraphs | {end}),
        free(sentences),
        free(words),
        sorted(words),
        graphemes,
        last_resort,
    )


def _lonely_contact(part: str) -> bool:
    """Whether ``part`` is only a contact with its label: one sentence, holding a contact."""
    body = part.rstrip()
    if not _CONTACT.search(body):
        return False
    inner = [m for m in _SENTENCE_END.finditer(body) if m.end() < len(body)]
    return not inner and "\n\n" not in body


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _split(
    platform: str, text: str, points: _Points, suffix_for: str
) -> tuple[list[str], list[int]]:
    """Cut ``text`` greedily so each part plus ``suffix_for`` fits the platform's limits; the
    parts and the positions they were cut at.

    A paragraph end is taken when one fits and the part it makes is at least a third of what
    filling sentence by sentence would give (a one-line heading is not a part of its own); a
    sentence end when it gives at least half of what filling word by word would.
    """

    def fits(start: int, end: int) -> bool:
        return over_limit(platform, text[start:end].rstrip() + suffix_for) is None

    def longest(cands: list[int], start: int) -> int | None:
        """The furthest cut in ``cands`` after ``start`` that fits, found by galloping.

        Galloping (1, 2, 4, ... cuts ahead, then bisecting) keeps every probe near the
        part's own size, which matters for X, where counting costs time per character.
        """
        lo = bisect.bisect_right(cands, start)
        if lo == len(cands) or not fits(start, cands[lo]):
            return None
        good, bad, step = lo, len(cands), 1
        while good + step < bad:
            if fits(start, cands[good + step]):
                good += step
                step *= 2
            else:
                bad = good + step
                break
        while bad - good > 1:
            mid = (good + bad) // 2
            if fits(start, cands[mid]):
                good = mid
            else:
                bad = mid
        return cands[good]

    parts: list[str] = []
    cuts: list[int] = []
    start = _skip_space(text, 0)
    while start < len(text):
        paragraph_end = longest(points.paragraphs, start)
        sentence_end = None if paragraph_end == len(text) else longest(points.sentences, start)
        best = max((e for e in (paragraph_end, sentence_end) if e is not None), default=None)
        word_end = None if best == len(text) else longest(points.words, start)
        if paragraph_end is not None and (
            sentence_end is None or 3 * (paragraph_end - start) >= sentence_end - start
        ):
            end = paragraph_end
        elif sentence_end is not None and (
            word_end is None or sentence_end - start >= (word_end - start) // 2
        ):
            end = sentence_end
        elif word_end is not None:
            end = word_end
        else:  # a contact's sentence longer than a part: cut it between words after all
            end = longest(points.any_words, start)
            if end is None:
                end = longest(points.graphemes, start)
            if end is None:
                end = longest(points.last_resort, start)
            if end is None:
                snippet = text[start : start + 40]
                raise ValueError(
                    f"cannot split for {platform}: {snippet!r}... has a URL or grapheme "
                    "cluster longer than the limit"
                )
        parts.append(text[start:end].rstrip())
        cuts.append(start)
        start = _skip_space(text, end)
    return parts, cuts


#: how each language numbers the parts of a thread ({i} of {n}); the line break before it keeps
#: it from being read as part of a phone number or a link the part ends with
_NUMBERING = {"ja": "\n（{i}/{n}）", "zh": "\n（{i}/{n}）"}
_DEFAULT_NUMBERING = "\n({i}/{n})"
#: right to left: "(1/2)" isolated left to right, so it reads "1 of 2" and its brackets match
_RTL_NUMBERING = "\n\u2066({i}/{n})\u2069"
_ASCII_DIGITS = "0123456789"


def numbering(locale: str | None) -> str:
    """The part numbering of ``locale``: "(1/2)" on a line of its own, Japanese "（1/2）",
    right-to-left locales "(1/2)" in a left-to-right isolate (digits: see :func:`digits`)."""
    if not locale:
        return _DEFAULT_NUMBERING
    from ..content.i18n import is_rtl

    if is_rtl(locale):
        return _RTL_NUMBERING
    return _NUMBERING.get(locale.split("_")[0], _DEFAULT_NUMBERING)


@cache
def digits(locale: str | None) -> str:
    """The ten digits posts in ``locale`` write numbers with: the digits of the post's own
    numbers (:meth:`Formatter.number <launcher.content.i18n.Formatter.number>`), so a part
    number never looks different from a death toll in the same post."""
    if not locale:
        return _ASCII_DIGITS
    from ..content.i18n import Formatter

    try:
        return "".join(Formatter(locale, "UTC").number(d) for d in range(10))
    except Exception:  # an unknown locale was reported when the plan loaded its catalog
        return _ASCII_DIGITS


def _number(numbering: str, i: int, n: int, table: dict[int, int] | None) -> str:
    if table is None:
        return numbering.format(i=i, n=n)
    return numbering.format(i=str(i).translate(table), n=str(n).translate(table))


def split_thread(
    platform: str, text: str, *, numbering: str = " ({i}/{n})", locale: str | None = None
) -> list[str]:
    """Split ``text`` into numbered parts that each fit ``platform``'s limit.

    A text within the limit comes back as ``[text]`` without numbering. Otherwise cuts fall at
    paragraph ends, then sentence ends, then between words, then between grapheme clusters,
    never inside a URL nor between a contact and its label; a last part that would hold only a
    contact takes the sentence before it along. Each part carries ``numbering`` (or, given a
    ``locale``, that locale's :func:`numbering`) formatted with its index ``i`` and the part
    count ``n``, and is within the limit counted the platform's way. Only white space at the
    cuts is dropped.
    """
    table = None
    if locale is not None:
        numbering = globals()["numbering"](locale)
        own = digits(locale)
        table = str.maketrans(_ASCII_DIGITS, own) if own != _ASCII_DIGITS else None
    if over_limit(platform, text) is None:
        return [text]
    points = _break_points(text)
    r = rule(platform)
    # Guess n, split with room for the widest suffix of n, and grow n until it is enough:
    # numbering with fewer parts than budgeted for never makes a suffix wider.
    n = max(2, -(-count(platform, text) // r.limit))
    for _ in range(20):
        widest = _number(numbering, n, n, table)
        parts, cuts = _split(platform, text, points, widest)
        for _again in range(8):  # pull a sentence into a last part that is only a contact
            if len(parts) < 2 or not _lonely_contact(parts[-1]):
                break
            before = len(points.sentences) + len(points.words) + len(points.paragraphs)
            end_of_previous = cuts[-2] + len(parts[-2])
            points.forbid(end_of_previous)
            if len(points.sentences) + len(points.words) + len(points.paragraphs) == before:
                break
            parts, cuts = _split(platform, text, points, widest)
        if len(parts) <= 1:  # only white space made it too long
            return parts or [""]
        if len(parts) <= n:
            m = len(parts)
            return [p + _number(numbering, i, m, table) for i, p in enumerate(parts, 1)]
        n = len(parts)
    raise ValueError(f"cannot split for {platform}: the numbering leaves no room for text")
