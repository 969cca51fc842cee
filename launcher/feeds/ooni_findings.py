"""OONI findings: what OONI's analysts published about a block, per mission country.

``/api/v1/incidents/search?country_code=TR`` answers ``{"incidents": [...]}``, each finding
with ``id``, ``title``, ``short_description``, ``slug``, ``start_time``, ``end_time`` (null
while it lasts), ``create_time``, ``update_time``, ``reported_by``, ``published``,
``event_type``, ``CCs``, ``ASNs``, ``themes``, ``tags``, ``test_names``, ``domains``,
``links`` and ``mine`` (times as ``2025-07-01T00:00:00.000000Z``; anonymous callers see only
published findings). A finding is a person's reading of the measurements, so it is stronger
evidence than an anomaly rate; it still only proposes: the duty officer decides.

One event per finding and launcher platform it names (by domain: ``twitter.com``, ``x.com``
are X; by test: ``telegram``), so the platform-ban playbook gets its ``platform`` fact; a
finding about news sites names no platform and is not an event. The revision is the
finding's ``update_time`` and whether it has ended (an ``end_time`` in the past: it may be set
ahead of time, so a finding ends at a later poll without being edited). A finding that ends
is not a cancellation (the block happened): the event says ``ended`` and the watcher tells
the duty officer of every launch made from it (:mod:`.evidence`). A finding that disappears
from the answer (unpublished, deleted, or a failed fetch) changes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from ..errors import FeedError, FeedItemError
from ..models import Mission
from .base import COMMON_OPTIONS, Fetch, FieldSpec, OptionSpec, ReadContext, SourceEvent, Watcher
from .items import ItemReader
from .ooni import BASE_URL, PROBES

#: the domains (and their subdomains) and OONI tests that stand for each launcher platform
PLATFORM_DOMAINS: dict[str, tuple[str, ...]] = {
    "x": ("twitter.com", "x.com", "t.co", "twimg.com"),
    "facebook": ("facebook.com", "fb.com", "fbcdn.net"),
    "telegram": ("telegram.org", "t.me", "telegram.me"),
    "bluesky": ("bsky.app", "bsky.social", "bsky.network"),
    "mastodon": ("mastodon.social", "joinmastodon.org"),
}
PLATFORM_TESTS: dict[str, tuple[str, ...]] = {"telegram": ("telegram",)}
EXPLORER = "https://explorer.ooni.org/findings/"


class OONIFindingsWatcher(Watcher):
    name = "ooni-findings"
    title = "OONI findings (published reports of blocks)"
    description = "per mission country: findings that name a platform's domains"
    poll = 1800.0
    timeout = 60.0
    fields = (
        FieldSpec("id", "text", "the finding's id (explorer.ooni.org/findings/ID)"),
        FieldSpec("title", "text", "its title"),
        FieldSpec("short_description", "text", "its summary"),
        FieldSpec("slug", "text", "its slug"),
        FieldSpec("start_time", "datetime", "when the block began, as OONI states it"),
        FieldSpec("end_time", "datetime", "when it ended (not given while it lasts)"),
        FieldSpec("create_time", "datetime", "when the finding was written"),
        FieldSpec("update_time", "datetime", "when it was last edited"),
        FieldSpec("reported_by", "text", "who wrote it"),
        FieldSpec("published", "boolean", "published by OONI (anonymous readers see no other)"),
        FieldSpec("event_type", "text", "OONI's type of the finding (incident, ...)"),
        FieldSpec("CCs", "list", "the countries it concerns (ISO 3166-1 alpha-2)"),
        FieldSpec("ASNs", "list", "the networks it concerns"),
        FieldSpec("themes", "list", "its themes (social_media, news_media, ...)"),
        FieldSpec("tags", "list", "its tags"),
        FieldSpec("test_names", "list", "the OONI tests it rests on"),
        FieldSpec("domains", "list", "the domains it names"),
        FieldSpec("links", "list", "links it gives (reports, press)"),
        FieldSpec("platform", "text", "the launcher platform its domains or tests stand for"),
        FieldSpec("country", "text", "the mission country it was asked for"),
        FieldSpec("ongoing", "boolean", "no end_time, or one still ahead"),
    )
    options = (
        OptionSpec(
            "platforms", list, sorted(PROBES), "platforms to look for", choices=tuple(PROBES)
        ),
        OptionSpec("base_url", str, BASE_URL, "the OONI API"),
        *COMMON_OPTIONS,
    )

    def fetches(self, options: Mapping[str, Any], missions: Sequence[Mission]) -> list[Fetch]:
        opts = self.option_values(options)
        base = str(opts["base_url"]).rstrip("/") + "/"
        return [
            Fetch(
                key=f"ooni-findings {base}incidents/search {cc}",
                url=f"{base}incidents/search",
                params={"country_code": cc},
                context={"cc": cc, "platforms": tuple(opts["platforms"])},
                poll=opts["poll"],
            )
            for cc in sorted({m.country for m in missions})
        ]

    def parse(self, body: bytes, fetch: Fetch, ctx: ReadContext) -> list[SourceEvent]:
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # nested too deep
            raise FeedError(f"not JSON: {exc}", source=fetch.url) from None
        if not isinstance(doc, dict) or not isinstance(doc.get("incidents"), list):
            detail = doc.get("detail") or doc.get("error") if isinstance(doc, dict) else None
            raise FeedError(
                f"OONI said: {detail}" if detail else "no 'incidents' list: not a findings answer",
                source=fetch.url,
            )
        out: list[SourceEvent] = []
        for index, item in enumerate(doc["incidents"]):
            try:
                out.extend(_events(_finding(item, index, fetch.url), fetch, ctx.now))
            except FeedItemError as exc:  # one bad finding never hides the others
                ctx.skip(exc)
        return out


TEXTS = ("title", "short_description", "reported_by", "event_type")
TIMES = ("start_time", "end_time", "create_time", "update_time")
LISTS = ("CCs", "themes", "tags", "test_names", "domains", "links")


def _finding(item: Any, index: int, url: str) -> dict[str, Any]:
    """One finding with every value checked for its type (texts, ISO times in UTC, lists of
    texts, networks as numbers or texts, ``published`` true or false). Raises
    :class:`FeedItemError` naming the finding (its id, else its place in the list) and the
    field: a hostile finding (``start_time`` of ``"yesterday"`` or year 9999 at -14:00, a
    domain that is an object) costs only itself."""
    read = ItemReader(url, f"finding #{index + 1}")
    if not isinstance(item, dict):
        raise read.bad(None, item, "not a finding object")
    raw = item.get("id")
    fid = raw.strip() if isinstance(raw, str) else raw
    if isinstance(fid, bool) or not isinstance(fid, int | str) or fid == "":
        raise read.bad("id", raw, "no id to know the finding by")
    read.item = f"finding {fid}"
    got: dict[str, Any] = {"id": str(fid)}
    for name in TEXTS:
        got[name] = (read.text(item.get(name), name) or "").strip()
    got["slug"] = read.text(item.get("slug"), "slug")
    for name in TIMES:
        got[name] = read.iso_time(item.get(name), name)
    if got["start_time"] is None:
        raise read.bad("start_time", item.get("start_time"), "not given: no time to know it by")
    for name in LISTS:
        got[name] = read.texts(item.get(name), name)
    asns = item.get("ASNs")
    if asns is not None and not isinstance(asns, list):
        raise read.bad("ASNs", asns, "not a list of networks")
    got["ASNs"] = [
        a if isinstance(a, str) else read.count(a, "ASNs") for a in asns or [] if a is not None
    ]
    got["published"] = read.flag(item.get("published"), "published") is True
    return got


def platforms_named(item: Mapping[str, Any], wanted: Sequence[str]) -> list[str]:
    """The launcher platforms a finding's domains (or subdomains) and tests stand for."""
    domains = [str(d).strip().lower().rstrip(".") for d in _list(item.get("domains"))]
    tests = {str(t).strip().lower() for t in _list(item.get("test_names"))}
    found = []
    for platform in wanted:
        names = PLATFORM_DOMAINS.get(platform, ())
        if any(d == n or d.endswith("." + n) for d in domains for n in names) or tests & set(
            PLATFORM_TESTS.get(platform, ())
        ):
            found.append(platform)
    return found


def _events(got: dict[str, Any], fetch: Fetch, now: datetime) -> list[SourceEvent]:
    fid, start, end = got["id"], got["start_time"], got["end_time"]
    ended = end is not None and end <= now
    updated = got["update_time"] or got["create_time"] or start
    ccs = [c.strip().upper() for c in got["CCs"] if c.strip()]
    fields: dict[str, Any] = {
        **{k: got[k] for k in ("id", "title", "short_description", "slug")},
        **{k: got[k] for k in ("start_time", "end_time", "create_time")},
        "update_time": updated,
        **{k: got[k] for k in ("reported_by", "published", "event_type")},
        "CCs": ccs,
        **{k: got[k] for k in ("ASNs", "themes", "tags", "test_names", "domains", "links")},
        "country": fetch.context["cc"],
        "ongoing": not ended,
    }
    link = EXPLORER + fid
    said = _said(fields, ended)
    out = []
    for platform in platforms_named(got, fetch.context["platforms"]):
        out.append(
            SourceEvent(
                aliases=(f"ooni-finding:{fid}:{platform}",),
                revision=f"{updated:%Y-%m-%dT%H:%M:%S}:{'ended' if ended else 'open'}",
                revision_at=updated.timestamp(),
                title=f"OONI finding {fid}: {fields['title'] or platform + ' blocked'}",
                fields={**fields, "platform": platform},
                link=link,
                countries=tuple(ccs),
                measured=said,
                ended=ended,
                note=(
                    f"OONI finding {fid} says the block ended on {end:%Y-%m-%d %H:%M} UTC ({link})"
                    if ended and end is not None
                    else ""
                ),
            )
        )
    return out


def _said(f: Mapping[str, Any], ended: bool) -> str:
    """What the finding says, in words, for the proposal."""
    when = f"since {f['start_time']:%Y-%m-%d %H:%M} UTC"
    if ended:
        when = f"from {f['start_time']:%Y-%m-%d %H:%M} to {f['end_time']:%Y-%m-%d %H:%M} UTC"
    parts = [
        f"OONI finding {f['id']} ({'published' if f['published'] else 'not published'}"
        + (f", by {f['reported_by']}" if f["reported_by"] else "")
        + f'): "{f["title"]}"',
        f["short_description"],
        f"countries {', '.join(f['CCs']) or '-'}; domains {', '.join(f['domains']) or '-'}"
        + (f"; networks AS{', AS'.join(str(a) for a in f['ASNs'])}" if f["ASNs"] else ""),
        when,
    ]
    return "; ".join(p for p in parts if p)


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []
