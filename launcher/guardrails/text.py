"""Finding things in rendered text: links, mentions, hashtags, numbers, words, emoji.

Everything works on Unicode text in any script: digits are any decimal digit (Arabic-Indic
٠١٢, Thai ๐๑๒, full-width ０１２) normalised with :func:`unicodedata.digit`; words and word
boundaries follow Unicode (UAX #29) through the ``regex`` module's WORD flag.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

import regex

#: Unicode isolates and marks that ``|ltr`` and bidi text put around phone numbers and URLs
BIDI = "\u2066\u2067\u2068\u2069\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
URL_RE = regex.compile(r"(?i)\b(?:https?://|www\.)[^\s<>\"'" + BIDI + r"]+")
EMAIL_RE = regex.compile(r"(?<![\w.+@-])[\w.+-]+@([\w-]+(?:\.[\w-]+)+)")
#: @user, @user@instance (Mastodon), @handle.bsky.social (Bluesky); not an e-mail address
MENTION_RE = regex.compile(r"(?<![\w@./])@(\w[\w.-]*(?:@[\w-]+(?:\.[\w-]+)+)?)")
#: #tag with at least one letter (#1 is not a hashtag on any platform); any script
HASHTAG_RE = regex.compile(r"(?<![\w#&/])[#＃]([\w\p{M}]*\p{L}[\w\p{M}]*)")
_TRAILING = ".,;:!?)]}»›\"'’”」』】。、！？"

#: digits joined by one group or decimal separator: 1,234  1 234  7.8  7,8  ١٬٢٣٤
NUMBER_RE = regex.compile(r"\d+(?:[ ,.'’\u00a0\u202f\u2009\u066b\u066c]\d+)*")
_SPACES = regex.compile(r"[ \u00a0\u202f\u2009]")

WORD_RE = regex.compile(r"[\p{L}\p{M}](?:[\p{L}\p{M}]|['’-](?=\p{L}))*")
#: words of the cased scripts (Latin, Cyrillic, Greek...): "SMS" in "通話またはSMSを"
CASED_WORD_RE = regex.compile(r"[\p{Lu}\p{Ll}\p{Lt}](?:[\p{Lu}\p{Ll}\p{Lt}\p{M}]|['’-](?=\p{L}))*")
#: emoji: pictographs, flags (regional indicators) and keycaps
EMOJI_RE = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3")
#: pictographs that are ordinary text unless asked to show as emoji (with U+FE0F)
TEXT_SYMBOLS = frozenset("\u00a9\u00ae\u2122")
#: closing exclamation marks in every script shipped (Spanish ¡ opens and is not counted)
EXCLAMATION_CLOSE = "!！‼⁉❗❕﹗"
EXCLAMATION_RUN_RE = regex.compile(r"[!！‼⁉❗❕﹗¡]{2,}|[‼⁉]")
#: Arabic proclitics: wa-, fa-, bi-, li-, ka- and the article al- written onto the next word
_ARABIC_PREFIX = "(?:[وفبلك]{0,2}(?:ال)?)"
#: Arabic harakat and tatweel: optional in writing, ignored when matching terms
_ARABIC_MARKS = regex.compile(r"[\u064b-\u065f\u0670\u0640]")


def strip_trailing(url: str) -> str:
    while url and url[-1] in _TRAILING:
        url = url[:-1]
    return url


@lru_cache(maxsize=8192)
def link_spans(text: str) -> tuple[tuple[int, int, str], ...]:
    """(start, end, url) of every link: ``https://``/``www.`` ones, and bare domains the way X
    and other platforms turn them into links (twitter-text: "example.com", "Stay.Safe")."""
    spans = []
    for m in URL_RE.finditer(text):
        url = strip_trailing(m.group(0))
        spans.append((m.start(), m.start() + len(url), url))
    from ..plan.xtext import might_link_bare_domains

    if not might_link_bare_domains(text):  # scheme URLs are all there is
        return tuple(sorted(spans))
    try:
        from twitter_text import extract_urls_with_indices
    except ImportError:  # pragma: no cover - a declared dependency
        return tuple(spans)
    for found in extract_urls_with_indices(text):
        a, b = found["indices"]
        if not any(a < end and start < b for start, end, _ in spans):
            spans.append((a, b, found["url"]))
    return tuple(sorted(spans))


def urls(text: str) -> list[str]:
    return [url for _a, _b, url in link_spans(text)]


def url_host(url: str) -> str:
    rest = url.split("://", 1)[1] if "://" in url else url
    host = regex.split(r"[/?#]", rest, maxsplit=1)[0]
    host = host.rsplit("@", 1)[-1]  # user:pass@host
    host = host.split(":", 1)[0]
    return host.lower().rstrip(".")


def emails(text: str) -> list[tuple[str, str]]:
    """(address, domain) pairs."""
    return [(strip_trailing(m.group(0)), m.group(1).lower()) for m in EMAIL_RE.finditer(text)]


@lru_cache(maxsize=8192)
def without_links(text: str) -> str:
    """The text with URLs and e-mail addresses blanked out (same length)."""
    text = EMAIL_RE.sub(lambda m: " " * len(m.group(0)), text)
    for a, b, _url in link_spans(text):
        text = text[:a] + " " * (b - a) + text[b:]
    return text


def mentions(text: str) -> list[str]:
    return [m.group(1).rstrip(".-") for m in MENTION_RE.finditer(without_links(text))]


def hashtags(text: str) -> list[str]:
    return [m.group(1) for m in HASHTAG_RE.finditer(without_links(text))]


#: the isolates launcher writes around facts (FSI … PDI) and left-to-right runs (LRI … PDI):
#: invisible, and under UAX #29 they join the word before them, so "\u2068riot\u2069." has no
#: word boundary after "riot"; words, terms and numbers are looked for without them
_NO_ISOLATES = {ord(c): None for c in "\u2066\u2067\u2068\u2069"}


def without_isolates(text: str) -> str:
    return text.translate(_NO_ISOLATES)


@lru_cache(maxsize=8192)
def blank_tags(text: str) -> str:
    """Blank URLs, e-mail addresses, mentions and hashtags (checked by their own rules); the
    isolates are dropped first (:func:`without_isolates`)."""
    text = without_links(without_isolates(text))
    text = MENTION_RE.sub(lambda m: " " * len(m.group(0)), text)
    return HASHTAG_RE.sub(lambda m: " " * len(m.group(0)), text)


#: every ASCII character but the digits, deleted by ``str.translate``
_ASCII_NOT_DIGITS = str.maketrans(
    "", "", "".join(chr(i) for i in range(128) if not "0" <= chr(i) <= "9")
)


@lru_cache(maxsize=16384)
def ascii_digits(s: str) -> str:
    """The decimal digits of ``s`` in ASCII: '١٬٢٣٤' -> '1234', '๒๔' -> '24'.

    Kept per text, and ASCII texts taken in one call: the number checks ask for the same few
    tokens ('2026', '12', '30') hundreds of times a plan, and looking each character up twice
    in Unicode's tables made a send time's digits 1.5-1.9 ms instead of 1.1-1.5 ms."""
    if s.isascii():
        return s.translate(_ASCII_NOT_DIGITS)
    return "".join(str(unicodedata.digit(c)) for c in s if unicodedata.digit(c, None) is not None)


def number_tokens(text: str) -> Iterator[tuple[str, str]]:
    """(as written, digits in ASCII) for each number in ``text``."""
    for m in NUMBER_RE.finditer(text):
        yield m.group(0), ascii_digits(m.group(0))


def number_keys(text: str, *, parts: bool = False) -> set[str]:
    """Digit strings of the numbers in ``text``; with ``parts`` also each space-separated
    group ('2026 22' -> 202622, 2026, 22)."""
    out: set[str] = set()
    for written, digits in number_tokens(text):
        out.add(digits)
        if parts:
            out.update(ascii_digits(p) for p in _SPACES.split(written) if p)
    return out


def space_parts(written: str) -> list[tuple[str, str]]:
    return [(p, ascii_digits(p)) for p in _SPACES.split(written) if p]


def words(text: str) -> list[str]:
    return [w.casefold() for w in WORD_RE.findall(text)]


def emoji(text: str) -> list[str]:
    out = []
    for m in EMOJI_RE.finditer(text):
        ch = m.group(0)
        end = m.end()
        if ch in TEXT_SYMBOLS and not text.startswith("\ufe0f", end):
            continue
        out.append(ch)
    return out


def match_form(text: str) -> str:
    """Text as terms are matched: NFKC (full-width Latin to Latin), no Arabic harakat, no
    isolates (:func:`without_isolates`)."""
    return _ARABIC_MARKS.sub("", unicodedata.normalize("NFKC", without_isolates(text)))


def term_pattern(terms: Iterable[str]) -> regex.Pattern[str] | None:
    """One pattern for ``terms``, case-insensitive with full case folding, whole words only.

    ``\\b`` under the WORD flag is the Unicode word boundary of UAX #29: in scripts written
    without spaces (Thai, Japanese kana and kanji) it falls between characters, so a term is
    found inside a run of text; in Latin or Cyrillic it falls only between words, so "ass"
    does not match "assistance".
    """
    alts = []
    for term in sorted({match_form(t) for t in terms if t.strip()}, key=len, reverse=True):
        body = regex.escape(term)
        body = regex.sub(r"(?:\\ )+", r"\\s+", body)  # any white space between words
        head = r"\b" if regex.match(r"\w", term) else ""
        if regex.match(r"\p{Arabic}", term):
            # Arabic writes the article and some prepositions onto the word: الشائعات
            head += _ARABIC_PREFIX
        tail = r"\b" if regex.search(r"\w$", term) else ""
        alts.append(f"{head}{body}{tail}")
    if not alts:
        return None
    return regex.compile("(?wif)(?:" + "|".join(alts) + ")")


def snippet(text: str, start: int, end: int, width: int = 24) -> str:
    """The fragment text[start:end] with a little context, on one line."""
    a = max(0, start - width)
    b = min(len(text), end + width)
    out = ("…" if a else "") + text[a:b] + ("…" if b < len(text) else "")
    return " ".join(out.translate(_NO_BIDI).split())


_NO_BIDI = {ord(c): None for c in BIDI}


def short(text: str, n: int = 60) -> str:
    one = " ".join(text.translate(_NO_BIDI).split())
    return one if len(one) <= n else one[: n - 1] + "…"
