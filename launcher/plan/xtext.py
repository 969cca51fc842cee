"""X's text rules (twitter-text v3) without paying for twitter-text on every run.

The ``twitter-text-parser`` library is the reference: it passes twitter-text's published
conformance cases. But importing it compiles very large emoji and domain regexes (about 0.2 s,
a quarter of a ``launcher run``), and it loads its emoji data through the deprecated
``pkg_resources``. Most crisis posts are plain text with ``https://`` links to the
organisation's own hosts, where twitter-text's rule is simple arithmetic (config v3):

- every code point weighs 1 in U+0000–U+10FF, U+2000–U+200D, U+2010–U+201F, U+2032–U+2037,
  and 2 elsewhere (CJK, Thai vowels are below U+10FF and weigh 1);
- every URL weighs 23;
- emoji weigh 2 each, whatever their length in code points.

So :func:`weighted_length` computes plain texts itself and hands everything it is not sure of
to the library: emoji or joiners, text that looks like a bare domain (``example.com``, which
twitter-text links) unless it is the host of a plain e-mail address, and URLs that are not a
plain ``https://host.tld/path`` followed by white space or a bidi isolate. The tests check the
two agree on every shipped post and on generated texts, and that every shipped post takes the
fast path, so a launch of the shipped content never imports the library.
"""

from __future__ import annotations

import unicodedata
from functools import lru_cache

import regex

SCALE = 100
URL_WEIGHT = 23 * SCALE
_LIGHT = ((0x0000, 0x10FF), (0x2000, 0x200D), (0x2010, 0x201F), (0x2032, 0x2037))

#: anything the library must judge: emoji, variation selectors, joiners, keycaps, flags
_HARD = regex.compile(
    r"[\p{Extended_Pictographic}\p{Emoji_Modifier}\p{Regional_Indicator}"
    r"\u200d\u20e3\ufe0e\ufe0f\ufffe\ufeff\uffff]"
)
#: a host the fast path accepts (lower-risk top-level domains), and what may follow a link or
#: an address there: white space, a bidi isolate or the end
_HOST = (
    r"(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+"
    r"(?:com|org|net|int|edu|gov|info|io|co|uk|it|fr|de|es|jp|tr|th|ua|lb|mx)"
)
_AFTER = r"(?=[\s\u2066-\u2069]|$)"
#: a scheme URL as the fast path accepts it: such a host, a plain path, then _AFTER. Before
#: it, anything twitter-text lets precede a URL (not a letter or digit of ASCII, ``@ ＠ $ #
#: ＃``): a space, and also the isolates that wrap a link in right-to-left text
#: (U+2066..U+2069) or a colon of CJK text (``詳細：https://...``)
_PLAIN_URL = regex.compile(
    rf"(?<![A-Za-z0-9@＠$#＃])https?://{_HOST}(?:/[A-Za-z0-9._~/-]*[A-Za-z0-9/])?{_AFTER}",
    regex.IGNORECASE,
)
#: an e-mail address as the fast path accepts it (``rome@example.org`` after a space, a colon
#: or an isolate): twitter-text links no part of it, as nothing may precede a URL with ``@``
_PLAIN_EMAIL = regex.compile(
    rf"(?<=[\s\u2066-\u2069:：]|^)[A-Za-z0-9_+-]+@{_HOST}{_AFTER}", regex.IGNORECASE
)
_ANY_SCHEME = regex.compile(r"https?://", regex.IGNORECASE)
#: what twitter-text might link without a scheme ("example.com", "www.x"): library decides
_DOMAINISH = regex.compile(r"[A-Za-z0-9-]\.[A-Za-z]|www\.", regex.IGNORECASE)


def _weight(ch: str) -> int:
    cp = ord(ch)
    for lo, hi in _LIGHT:
        if lo <= cp <= hi:
            return SCALE
    return 2 * SCALE


def _fast(text: str) -> int | None:
    """The weighted length, or None when the library must decide."""
    if _HARD.search(text):
        return None
    rest = _PLAIN_URL.sub("\x00", text)
    rest = _PLAIN_EMAIL.sub(lambda m: "\x01" * len(m[0]), rest)  # ASCII: 1 each, as U+0001
    if _ANY_SCHEME.search(rest) or _DOMAINISH.search(rest):
        return None
    total = 0
    for ch in rest:
        total += URL_WEIGHT if ch == "\x00" else _weight(ch)
    return total // SCALE


@lru_cache(maxsize=8192)
def weighted_length(text: str) -> int:
    """twitter-text v3 ``weightedLength`` of ``text`` (NFC-normalised first, as X does)."""
    text = unicodedata.normalize("NFC", text)
    fast = _fast(text)
    if fast is not None:
        return fast
    from twitter_text import parse_tweet  # the reference; imported only when needed

    return parse_tweet(text).weightedLength


def might_link_bare_domains(text: str) -> bool:
    """False when no platform could turn part of ``text`` into a link without a scheme, so
    scheme URLs are all there is (saves the library's extractor on plain texts)."""
    rest = _PLAIN_URL.sub(" ", text)
    return bool(_ANY_SCHEME.search(rest) or _DOMAINISH.search(rest))
