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
once. ``split_thread`` cuts at sentence ends first, then between words, and only as a last
resort between grapheme clusters; it never cuts inside a URL and never drops a character.
"""

from __future__ import annotations

import bisect
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

import regex

from .xtext import weighted_length

__all__ = ["TextRule", "count", "over_limit", "rule", "split_thread", "valid"]


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


def _break_points(text: str) -> tuple[list[int], ...]:
    """Sorted cut positions: sentence ends, word ends, grapheme boundaries, and last resorts.

    No position falls inside a grapheme cluster or a URL; only the last resorts may fall
    inside a domain name written without a scheme.
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
    # The end of the text closes a sentence and a word.
    sentences = sorted(
        {m.end() for m in _SENTENCE_END.finditer(text) if m.end() in allowed} | {len(text)}
    )
    words = sorted(
        {m.start() for m in _WORD_END.finditer(text) if m.start() in allowed} | {len(text)}
    )
    return sentences, words, graphemes, last_resort


def _skip_space(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _split(platform: str, text: str, points: tuple[list[int], ...], suffix_for: str) -> list[str]:
    """Cut ``text`` greedily so each part plus ``suffix_for`` fits the platform's limits."""

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

    sentences, words, graphemes, last_resort = points
    parts: list[str] = []
    start = _skip_space(text, 0)
    while start < len(text):
        sentence_end = longest(sentences, start)
        word_end = None if sentence_end == len(text) else longest(words, start)
        if sentence_end is not None and (
            word_end is None or sentence_end - start >= (word_end - start) // 2
        ):
            end = sentence_end
        elif word_end is not None:
            end = word_end
        else:
            end = longest(graphemes, start)
            if end is None:
                end = longest(last_resort, start)
            if end is None:
                snippet = text[start : start + 40]
                raise ValueError(
                    f"cannot split for {platform}: {snippet!r}... has a URL or grapheme "
                    "cluster longer than the limit"
                )
        parts.append(text[start:end].rstrip())
        start = _skip_space(text, end)
    return parts


def split_thread(platform: str, text: str, *, numbering: str = " ({i}/{n})") -> list[str]:
    """Split ``text`` into numbered parts that each fit ``platform``'s limit.

    A text within the limit comes back as ``[text]`` without numbering. Otherwise cuts fall at
    sentence ends, then between words, then between grapheme clusters, never inside a URL;
    each part carries ``numbering`` formatted with its index ``i`` and the part count ``n``,
    and is within the limit counted the platform's way. Only white space at the cuts is
    dropped.
    """
    if over_limit(platform, text) is None:
        return [text]
    points = _break_points(text)
    r = rule(platform)
    # Guess n, split with room for the widest suffix of n, and grow n until it is enough:
    # numbering with fewer parts than budgeted for never makes a suffix wider.
    n = max(2, -(-count(platform, text) // r.limit))
    for _ in range(20):
        parts = _split(platform, text, points, numbering.format(i=n, n=n))
        if len(parts) <= 1:  # only white space made it too long
            return parts or [""]
        if len(parts) <= n:
            m = len(parts)
            return [p + numbering.format(i=i, n=m) for i, p in enumerate(parts, 1)]
        n = len(parts)
    raise ValueError(f"cannot split for {platform}: the numbering leaves no room for text")
