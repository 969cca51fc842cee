"""The settings file's ``feeds:`` section: where sources are fetched from.

::

    feeds:
      mirrors:        # fetch from a mirror or a replay server instead (an exact URL prefix)
        "https://earthquake.usgs.gov/": "https://feeds-mirror.example.org/usgs/"

A mirror serves the same documents from elsewhere: an organisation behind a proxy, a drill
against a recorded feed on a local server. The playbooks keep the official addresses (they
are approved content); proposals still link to the official pages.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

KEYS = ("mirrors",)


def feed_settings_problems(raw: Any) -> list[tuple[tuple[str, ...], str]]:
    """(path under ``feeds``, message) for everything wrong with the section."""
    if not isinstance(raw, Mapping):
        return [((), "feeds must be a mapping (mirrors: ...)")]
    out: list[tuple[tuple[str, ...], str]] = []
    for key in raw:
        if key not in KEYS:
            out.append(((str(key),), f"unknown key {key!r}; known: {', '.join(KEYS)}"))
    mirrors = raw.get("mirrors") or {}
    if not isinstance(mirrors, Mapping):
        return [*out, (("mirrors",), "mirrors must map a URL prefix to its replacement")]
    for prefix, target in mirrors.items():
        for value in (prefix, target):
            if not isinstance(value, str) or not value.startswith(("http://", "https://")):
                out.append((("mirrors", str(prefix)), f"{value!r} is not an http(s) URL prefix"))
    return out


def mirrors(settings: Any) -> dict[str, str]:
    raw = (getattr(settings, "raw", None) or {}).get("feeds") or {}
    found = raw.get("mirrors") if isinstance(raw, Mapping) else None
    return {str(k): str(v) for k, v in (found or {}).items()} if isinstance(found, Mapping) else {}


def rewrite(url: str, table: Mapping[str, str]) -> str:
    """``url`` with its longest matching mirror prefix replaced."""
    for prefix in sorted(table, key=len, reverse=True):
        if url.startswith(prefix):
            return table[prefix] + url[len(prefix) :]
    return url
