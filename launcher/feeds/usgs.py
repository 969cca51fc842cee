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
from datetime import datetime
from typing import Any

from ..errors import FeedError, FeedItemError
from ..models import Mission
from .base import COMMON_OPTIONS, Fetch, FieldSpec, OptionSpec, ReadContext, SourceEvent, Watcher
from .base import epoch_ms as _ms
from .items import ItemReader

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
        except (
            ValueError,
            UnicodeDecodeError,
            RecursionError,
        ) as exc:  # nested too deep: recursion
            raise FeedError(f"not JSON: {exc}", source=fetch.url) from None
        if not isinstance(doc, dict) or doc.get("type") != "FeatureCollection":
            raise FeedError("not a GeoJSON FeatureCollection", source=fetch.url)
        features = doc.get("features")
        if not isinstance(features, list):
            raise FeedError("no 'features' list", source=fetch.url)
        events = []
        for index, feature in enumerate(features):
            try:
                events.append(_event(feature, index, fetch.url))
            except FeedItemError as exc:  # one bad feature never hides the others
                ctx.skip(exc)
        return events


def _event(feature: Any, index: int, url: str) -> SourceEvent:
    """One feature as an event. Every value is checked for its type and range before it is
    used: a feature is the source's word, and a hostile or broken one (``"time":
    "yesterday"``, ``1e30``, a latitude of 999) must cost only itself. Raises
    :class:`FeedItemError` naming the feature (its id, else its place in the list) and the
    field."""
    item = f"feature #{index + 1}"
    if not isinstance(feature, dict):
        raise FeedItemError("not a GeoJSON Feature object", source=url, item=item)
    fid = feature.get("id")
    if not isinstance(fid, str) or not fid:
        raise FeedItemError("no id to know the event by", source=url, item=item, field="id")
    read = _Reader(url, f"feature {fid}")
    props = feature.get("properties")
    if props is None:
        props = {}
    if not isinstance(props, dict):
        raise read.bad("properties", props, "not an object")
    ids = [i for i in (read.text(props, "ids") or "").split(",") if i]
    aliases = tuple(dict.fromkeys([fid, *ids]))
    lat, lon, depth = read.coordinates(feature.get("geometry"))
    when, updated = props.get("time"), props.get("updated")
    time_at = read.moment(props, "time")
    if time_at is None:
        raise read.bad("properties.time", when, "not given: no time to know it by")
    updated_at = read.moment(props, "updated")
    revised, revised_at = (updated, updated_at) if updated_at is not None else (when, time_at)
    mag, place = read.number(props, "mag"), read.text(props, "place")
    title, link, status = (
        read.text(props, "title"),
        read.text(props, "url"),
        read.text(props, "status"),
    )
    fields: dict[str, Any] = {
        "properties.mag": mag,
        "properties.place": place,
        "properties.time": time_at,
        "properties.updated": updated_at,
        "properties.alert": read.text(props, "alert"),
        "properties.tsunami": read.integer(props, "tsunami"),
        "properties.status": status,
        "properties.ids": ids,
        "properties.felt": read.integer(props, "felt"),
        "properties.sig": read.integer(props, "sig"),
        "properties.type": read.text(props, "type"),
        "properties.title": title,
        "properties.url": link,
        "geometry.latitude": lat,
        "geometry.longitude": lon,
        "geometry.depth": depth,
    }
    return SourceEvent(
        aliases=tuple(f"usgs:{a}" for a in aliases),
        revision=str(revised),
        revision_at=revised_at.timestamp(),
        title=title or f"M {props.get('mag')} - {place}",
        fields=fields,
        link=link,
        cancelled=status == "deleted",
        note="USGS status: deleted" if status == "deleted" else "",
        points=((lat, lon),) if lat is not None and lon is not None else (),
    )


class _Reader:
    """Typed reading of one feature's values (its ``properties`` by name, its geometry):
    each either what its field says it is, or null, or a :class:`FeedItemError` naming the
    feature and the field. The checks are :class:`~launcher.feeds.items.ItemReader`'s, which
    the OONI and IODA readers use too."""

    def __init__(self, url: str, item: str) -> None:
        self.values = ItemReader(url, item)

    def bad(self, name: str, value: Any, why: str) -> FeedItemError:
        return self.values.bad(name, value, why)

    def text(self, props: dict[str, Any], name: str) -> str | None:
        return self.values.text(props.get(name), f"properties.{name}")

    def number(self, props: dict[str, Any], name: str) -> float | None:
        return self.values.number(props.get(name), f"properties.{name}")

    def integer(self, props: dict[str, Any], name: str) -> int | None:
        value = self.number(props, name)
        if value is None:
            return None
        if not value.is_integer():
            raise self.bad(f"properties.{name}", props.get(name), "not a whole number")
        return int(value)

    def moment(self, props: dict[str, Any], name: str) -> datetime | None:
        value = props.get(name)
        if value is None:
            return None
        moment = _ms(value)
        if moment is None:
            raise self.bad(f"properties.{name}", value, "not a time (milliseconds since 1970)")
        return moment

    def coordinates(self, geometry: Any) -> tuple[float | None, float | None, float | None]:
        """(latitude, longitude, depth) from a Point's ``[lon, lat, depth]``; a latitude or
        longitude off the globe is refused (the distance to a mission's area would raise)."""
        if geometry is None:
            return None, None, None
        if not isinstance(geometry, dict):
            raise self.bad("geometry", geometry, "not an object")
        coords = geometry.get("coordinates")
        if coords is None:
            return None, None, None
        name = "geometry.coordinates"
        if not isinstance(coords, list) or len(coords) > 3:
            raise self.bad(name, coords, "not [longitude, latitude, depth]")
        lon, lat, depth = (self.values.number(c, name) for c in [*coords, None, None, None][:3])
        if lat is not None and not -90 <= lat <= 90:
            raise self.bad(name, coords, f"latitude {lat:g} is not within -90..90")
        if lon is not None and not -180 <= lon <= 180:
            raise self.bad(name, coords, f"longitude {lon:g} is not within -180..180")
        return lat, lon, depth
