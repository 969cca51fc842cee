"""Bluesky rich-text facets: links, mentions and hashtags with UTF-8 byte offsets.

A facet (``app.bsky.richtext.facet``) marks a span of the post text by **byte** offsets into
its UTF-8 encoding, ``byteStart`` inclusive and ``byteEnd`` exclusive. Without a facet a
Bluesky client shows a URL as plain text, so every link, mention and hashtag needs one.

Detection follows the reference client (``@atproto/api`` ``RichText.detectFacets``) with two
changes that matter for texts in Thai, Japanese and Arabic, where words are not separated by
spaces:

* a URL is ASCII-only and ends at the first non-ASCII character, so ``詳細はhttps://x.org/jaを``
  links ``https://x.org/ja`` (write non-ASCII paths percent-encoded);
* a mention or hashtag may follow any character that is not part of a word of its own kind,
  so ``連絡は@alice.test`` is a mention but ``info@example.org`` and ``C#`` are not.

Trailing sentence punctuation is never part of a link (``.,;:!?'`` and an unbalanced ``)``).
Facets never overlap: links win over mentions, mentions over hashtags.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import regex

LINK = "app.bsky.richtext.facet#link"
MENTION = "app.bsky.richtext.facet#mention"
TAG = "app.bsky.richtext.facet#tag"

# ASCII URL characters (RFC 3986 unreserved, reserved and '%'), after a non-ASCII-word start.
_URL_RE = regex.compile(r"(?<![A-Za-z0-9])https?://[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=%]+")
_URL_TRAILING = ".,;:!?'"

# A handle: dot-separated DNS labels, the last one starting with a letter (atproto handle
# syntax). The look-behind keeps e-mail addresses and URL paths (/@user) out.
_MENTION_RE = regex.compile(
    r"(?<![A-Za-z0-9._%+\-@/])@"
    r"((?:[A-Za-z0-9](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z](?:[A-Za-z0-9\-]{0,61}[A-Za-z0-9])?)"
    r"(?![A-Za-z0-9\-])"
)

# '#' or fullwidth '＃', then letters/marks/digits/underscore (Thai vowel signs and Arabic
# harakat are marks, \p{M}); at least one character must not be a digit.
_TAG_RE = regex.compile(r"(?<![\p{L}\p{M}\p{N}_&/#＃])[#＃]([\p{L}\p{M}\p{N}_]+)")
_TAG_MAX_GRAPHEMES = 64
_TAG_MAX_BYTES = 640


@dataclass(frozen=True)
class Span:
    """A detected entity: character span ``[start, end)`` and its feature."""

    start: int
    end: int
    feature: dict[str, str]


def utf8_offset(text: str, index: int) -> int:
    """The byte offset in ``text.encode('utf-8')`` of the character at ``index``."""
    return len(text[:index].encode("utf-8"))


def find_links(text: str) -> list[Span]:
    out = []
    for m in _URL_RE.finditer(text):
        url = _trim_url(m.group(0))
        if len(url) <= len("https://") or "." not in url.split("//", 1)[1].split("/", 1)[0]:
            continue  # no host with a dot: "https://" alone, "http://localhost" kept out
        out.append(Span(m.start(), m.start() + len(url), {"$type": LINK, "uri": url}))
    return out


def _trim_url(url: str) -> str:
    while url:
        last = url[-1]
        if last in _URL_TRAILING or (last == ")" and url.count("(") < url.count(")")):
            url = url[:-1]
        else:
            break
    return url


def find_mentions(text: str) -> list[tuple[Span, str]]:
    """Mentions as (span without a DID yet, handle), the handle in lower case."""
    out = []
    for m in _MENTION_RE.finditer(text):
        handle = m.group(1)
        out.append((Span(m.start(), m.end(1), {"$type": MENTION}), handle.lower()))
    return out


def find_tags(text: str) -> list[Span]:
    out = []
    for m in _TAG_RE.finditer(text):
        tag = m.group(1)
        if tag.isdigit() or all(c.isdigit() or c == "_" for c in tag):
            continue
        if (
            len(regex.findall(r"\X", tag)) > _TAG_MAX_GRAPHEMES
            or len(tag.encode("utf-8")) > _TAG_MAX_BYTES
        ):
            continue
        out.append(Span(m.start(), m.end(1), {"$type": TAG, "tag": tag}))
    return out


def detect_facets(
    text: str, resolve_handle: Callable[[str], str | None] | None = None
) -> list[dict[str, Any]]:
    """All facets of ``text``, sorted by position, as JSON-ready dicts.

    ``resolve_handle`` maps a handle to its DID, or None when it cannot be resolved; a
    mention without a DID gets no facet (and so does every mention when no resolver is given).
    """
    chosen: list[Span] = []

    def free(span: Span) -> bool:
        return all(span.end <= c.start or span.start >= c.end for c in chosen)

    chosen.extend(s for s in find_links(text) if free(s))
    for span, handle in find_mentions(text):
        if not free(span) or resolve_handle is None:
            continue
        did = resolve_handle(handle)
        if did:
            chosen.append(Span(span.start, span.end, {"$type": MENTION, "did": did}))
    chosen.extend(s for s in find_tags(text) if free(s))
    chosen.sort(key=lambda s: s.start)
    return [
        {
            "index": {"byteStart": utf8_offset(text, s.start), "byteEnd": utf8_offset(text, s.end)},
            "features": [dict(s.feature)],
        }
        for s in chosen
    ]


def facet_text(text: str, facet: dict[str, Any]) -> str:
    """The substring of ``text`` a facet covers, cut by its byte offsets (for checks)."""
    raw = text.encode("utf-8")
    index = facet["index"]
    return raw[index["byteStart"] : index["byteEnd"]].decode("utf-8")
