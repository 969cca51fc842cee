"""USGS earthquake summary feeds (GeoJSON): ``summary/{significant,4.5,2.5,...}_{hour,day}``.

Each feature is one event: ``properties`` carry ``mag``, ``place``, ``time`` and ``updated``
(milliseconds since the epoch), ``alert`` (PAGER: green, yellow, orange, red, or null while
PAGER has not run), ``tsunami``, ``status`` (automatic, reviewed, deleted) and ``ids``, the
comma-wrapped list of every network id the event has had. USGS says an event's ``id`` may
change over time: launcher knows an event by all of ``ids``, so a new preferred id is the same
event. ``updated`` is its revision: a late PAGER level or a revised magnitude arrives as a
newer ``updated``. ``status: deleted`` is the source withdrawing it; an event that merely
leaves the feed's window (older than an hour or a day) is not.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..errors import FeedError
from ..models import Mission
from .base import COMMON_OPTIONS, Fetch, FieldSpec, OptionSpec, ReadContext, SourceEvent, Watcher
from .base import epoch_ms as _ms

BASE_URL = "https://earthquake.usgs.gov/earthquakes/feed/v1.0/summary/"
FEEDS = tuple(
    f"{size}_{span}"
    for size in ("significant", "4.5", "2.5", "1.0", "all")
    for span in ("hour", "day", "week", "month")
)
PAGER = ("green", "yellow", "orange", "red")


class USGSWatcher(Watcher):
    name = "usgs"
    title = "USGS earthquake summary feeds (GeoJSON)"
    description = "earthquake.usgs.gov real-time feeds: magnitude, place, PAGER alert level"
    poll = 60.0
    fields = (
        FieldSpec("properties.mag", "number", "magnitude"),
        FieldSpec("properties.place", "text", "where, in words: '12 km SSW of Town, Country'"),
        FieldSpec("properties.time", "datetime", "when it happened"),
        FieldSpec("properties.updated", "datetime", "when the event was last revised"),
        FieldSpec("properties.alert", "level", "PAGER alert level (null until PAGER ran)", PAGER),
        FieldSpec("properties.tsunami", "integer", "1: in a tsunami-prone region (not a warning)"),
        FieldSpec(
            "properties.status",
            "level",
            "automatic, reviewed or deleted",
            ("automatic", "reviewed", "deleted"),
        ),
        FieldSpec("properties.ids", "list", "every id the event has had"),
        FieldSpec("properties.felt", "integer", "'Did You Feel It?' reports"),
        FieldSpec("properties.sig", "integer", "significance, 0-1000+"),
        FieldSpec("properties.type", "text", "earthquake, quarry blast, explosion, ..."),
        FieldSpec("properties.title", "text", "'M 6.1 - 12 km SSW of Town, Country'"),
        FieldSpec("properties.url", "text", "the event page"),
        FieldSpec("geometry.latitude", "number", "epicentre latitude"),
        FieldSpec("geometry.longitude", "number", "epicentre longitude"),
        FieldSpec("geometry.depth", "number", "depth, km"),
    )
    options = (
        OptionSpec(
            "feeds",
            list,
            ["significant_hour", "4.5_hour"],
            "summary feeds to poll",
            choices=FEEDS,
        ),
        OptionSpec("base_url", str, BASE_URL, "where the summary feeds are"),
        *COMMON_OPTIONS,
    )

    def fetches(self, options: Mapping[str, Any], missions: Sequence[Mission]) -> list[Fetch]:
        opts = self.option_values(options)
        base = str(opts["base_url"]).rstrip("/") + "/"
        return [
            Fetch(key=f"usgs {base}{feed}.geojson", url=f"{base}{feed}.geojson", poll=opts["poll"])
            for feed in opts["feeds"]
        ]

    def parse(self, body: bytes, fetch: Fetch, ctx: ReadContext) -> list[SourceEvent]:
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise FeedError(f"not JSON: {exc}", source=fetch.url) from None
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
            raise FeedError("not a GeoJSON FeatureCollection", source=fetch.url)
        features = doc.get("features")
        if not isinstance(features, list):
            raise FeedError("no 'features' list", source=fetch.url)
        return [e for e in (_event(f) for f in features) if e is not None]


def _event(feature: Any) -> SourceEvent | None:
    """One feature, or None for one without an id or time (nothing to know it by)."""
    if not isinstance(feature, dict):
        return None
    props = feature.get("properties") or {}
    fid = feature.get("id")
    if not isinstance(props, dict) or not isinstance(fid, str) or not fid:
        return None
    ids = [i for i in str(props.get("ids") or "").split(",") if i]
    aliases = tuple(dict.fromkeys([fid, *ids]))
    coords = (feature.get("geometry") or {}).get("coordinates") or []
    lon, lat, depth = [*list(coords), None, None, None][:3]
    updated = props.get("updated") if isinstance(props.get("updated"), int | float) else None
    when = props.get("time")
    revision_at = (updated if updated is not None else when) or 0
    fields: dict[str, Any] = {
        "properties.mag": _num(props.get("mag")),
        "properties.place": props.get("place"),
        "properties.time": _ms(when),
        "properties.updated": _ms(updated),
        "properties.alert": props.get("alert"),
        "properties.tsunami": props.get("tsunami"),
        "properties.status": props.get("status"),
        "properties.ids": ids,
        "properties.felt": props.get("felt"),
        "properties.sig": props.get("sig"),
        "properties.type": props.get("type"),
        "properties.title": props.get("title"),
        "properties.url": props.get("url"),
        "geometry.latitude": _num(lat),
        "geometry.longitude": _num(lon),
        "geometry.depth": _num(depth),
    }
    point = ((float(lat), float(lon)),) if _num(lat) is not None and _num(lon) is not None else ()
    return SourceEvent(
        aliases=tuple(f"usgs:{a}" for a in aliases),
        revision=str(updated if updated is not None else when),
        revision_at=float(revision_at) / 1000,
        title=str(props.get("title") or f"M {props.get('mag')} - {props.get('place')}"),
        fields=fields,
        link=props.get("url") if isinstance(props.get("url"), str) else None,
        cancelled=props.get("status") == "deleted",
        note="USGS status: deleted" if props.get("status") == "deleted" else "",
        points=point,
    )


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)
