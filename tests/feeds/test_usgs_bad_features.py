"""One bad USGS feature costs only itself: a hostile value (a time of "yesterday" or 1e30, a
latitude of 999, a magnitude in words) skips that feature, named by the feed's URL, its id
and the field; the document's other features are proposed as usual, the other sources are
read, the document's backoff does not grow, and the watch loop keeps watching."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from launcher.errors import FeedError
from launcher.feeds import store
from launcher.feeds.base import ReadContext
from launcher.feeds.usgs import USGSWatcher
from tests.conftest import REPO, invoke

from .fixtures import T0, usgs_feature, usgs_summary
from .server import Doc, FeedServer
from .test_sequence_usgs import SUMMARY, ledger_of, serve_quiet_sources

USGS_URL = "https://earthquake.usgs.gov/earthquakes/feed/v1.0/summary/4.5_hour.geojson"
NEAR_ROME = dict(lat=42.79, lon=13.09)


def feature(fid: str, mag: float, place: str, **changes: Any) -> dict[str, Any]:
    """A quake near Norcia; ``changes`` set ``properties.X`` or ``geometry.X`` or ``id``."""
    made = usgs_feature(fid, [fid], mag=mag, place=place, time=T0, updated=T0, **NEAR_ROME)
    for path, value in changes.items():
        where, _, name = path.rpartition("__")
        (made[where] if where else made)[name] = value
    return made


def watch(cfg: Path, minutes: int, *extra: str):
    at = (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")
    return invoke("--config", str(cfg), "watch", "--once", "--now", at, *extra, root=REPO)


def refs() -> list[str]:
    """Every proposal made so far, decided or not."""
    with ledger_of() as ledger:
        return [p.ref for p in store.list_proposals(ledger, states=None)]


@pytest.mark.parametrize(
    ("changes", "item", "field", "words"),
    [
        ({"properties__time": "yesterday"}, "feature us-bad", "properties.time", "not a time"),
        ({"properties__updated": "x"}, "feature us-bad", "properties.updated", "not a time"),
        ({"properties__time": 1e30}, "feature us-bad", "properties.time", "not a time"),
        ({"properties__time": None}, "feature us-bad", "properties.time", "not given"),
        (
            {"geometry__coordinates": [999, 999, 1]},
            "feature us-bad",
            "geometry.coordinates",
            "latitude 999 is not within -90..90",
        ),
        (
            {"geometry__coordinates": [200, 10, 1]},
            "feature us-bad",
            "geometry.coordinates",
            "longitude 200",
        ),
        ({"geometry__coordinates": "far"}, "feature us-bad", "geometry.coordinates", "not [lon"),
        ({"geometry": ["x"]}, "feature us-bad", "geometry", "not an object"),
        ({"properties__mag": "6.1"}, "feature us-bad", "properties.mag", "not a number"),
        ({"properties__mag": 10**400}, "feature us-bad", "properties.mag", "not a finite"),
        ({"properties__place": {"a": 1}}, "feature us-bad", "properties.place", "not a text"),
        ({"properties__ids": ["us-bad"]}, "feature us-bad", "properties.ids", "not a text"),
        ({"properties__felt": 1.5}, "feature us-bad", "properties.felt", "not a whole number"),
        ({"properties__sig": True}, "feature us-bad", "properties.sig", "not a number"),
        ({"properties": [1, 2]}, "feature us-bad", "properties", "not an object"),
        ({"id": 42}, "feature #2", "id", "no id"),
    ],
)
def test_a_hostile_usgs_feature_is_skipped_and_named(
    changes: dict[str, Any], item: str, field: str, words: str
) -> None:
    """Each bad value: the feature is left out with the URL, the feature and the field named;
    the good feature beside it is read (the current code raises, or reads garbage)."""
    watcher = USGSWatcher()
    fetch = watcher.fetches({"feeds": ["4.5_hour"]}, [])[0]
    body = usgs_summary(
        [feature("us-good", 6.1, "Norcia, Italy"), feature("us-bad", 6.5, "Cascia", **changes)],
        T0,
    )
    ctx = ReadContext(get=bytes, known=lambda _a: False, now=T0)
    events = watcher.parse(body, fetch, ctx)
    assert [e.aliases[0] for e in events] == ["usgs:us-good"]
    (skipped,) = ctx.skipped
    said = str(skipped)
    assert said.startswith(f"{USGS_URL}: {item}: {field}: "), said
    assert words in said


def test_non_finite_numbers_and_unreadable_features_never_raise() -> None:
    """JSON's NaN and Infinity, a feature that is not an object: skipped, never raised."""
    watcher = USGSWatcher()
    fetch = watcher.fetches({"feeds": ["4.5_hour"]}, [])[0]
    good = usgs_summary([feature("us-good", 6.1, "Norcia, Italy"), "a string", None], T0)
    body = good.replace(b'"mag": 6.1', b'"mag": NaN')
    ctx = ReadContext(get=bytes, known=lambda _a: False, now=T0)
    assert watcher.parse(body, fetch, ctx) == []
    said = [str(s) for s in ctx.skipped]
    assert "feature us-good: properties.mag: NaN: not a finite number" in said[0]
    assert said[1:] == [
        f"{USGS_URL}: feature #2: not a GeoJSON Feature object",
        f"{USGS_URL}: feature #3: not a GeoJSON Feature object",
    ]
    with pytest.raises(FeedError, match="not JSON"):  # nested past the parser: the document
        watcher.parse(b"[" * 100_000, fetch, ctx)


def test_bad_usgs_features_then_the_source_fixes_them(feeds: FeedServer, feed_config: Path) -> None:
    """A pass with three bad features beside a good one, then the next pass with one of them
    fixed and the others gone: the good quake is proposed once, the fixed one once, the
    document never counts as failed and is read in full again after a skip."""
    serve_quiet_sources(feeds)
    late = feature("us-late", 6.5, "Cascia, Italy", properties__time="yesterday")
    bad = [
        feature("us-far", 6.4, "Nowhere", geometry__coordinates=[999, 999, 1]),
        feature("us-huge", 6.3, "Never", properties__time=1e30),
    ]
    feeds.docs[SUMMARY] = Doc(
        usgs_summary([feature("us-good", 6.1, "Norcia, Italy"), late, *bad], T0)
    )

    first = watch(feed_config, 1)
    assert first.exit_code == 1, first.output  # something could not be read: said, exit 1
    assert "0 failed" in first.stdout and "failed" not in first.stdout.split("\n", 1)[1]
    assert "proposal p1: earthquake for rome (M 6.1 - Norcia, Italy)" in first.stdout
    out = first.stdout
    assert f'skipped {USGS_URL}: feature us-late: properties.time: "yesterday"' in out
    assert f"skipped {USGS_URL}: feature us-far: geometry.coordinates: [999, 999, 1]" in out
    assert f"skipped {USGS_URL}: feature us-huge: properties.time: 1e+30" in out
    assert refs() == ["p1"]
    with ledger_of() as ledger:
        state = store.state_of(ledger, f"usgs {USGS_URL}")
    assert state["failures"] == 0 and state["error"] is None and state["etag"] is None
    assert state["next_at"] - (T0 + timedelta(minutes=1)).timestamp() == 60  # no backoff

    # USGS fixes the time of one, drops the others; the document is asked for in full
    late["properties"]["time"] = late["properties"]["updated"]
    feeds.docs[SUMMARY] = Doc(usgs_summary([feature("us-good", 6.1, "Norcia, Italy"), late], T0))
    second = watch(feed_config, 2)
    assert second.exit_code == 0, second.output
    assert "skipped" not in second.stdout
    assert "proposal p2: earthquake for rome (M 6.5 - Cascia, Italy)" in second.stdout
    assert "p1" not in second.stdout  # not proposed again
    assert "If-None-Match" not in feeds.hits(SUMMARY)[-1]
    assert refs() == ["p1", "p2"]

    # read whole this time: its ETag is kept, the next poll is a 304, nothing new
    third = watch(feed_config, 3, "--force")
    assert third.exit_code == 0 and "proposal" not in third.stdout, third.output
    assert feeds.hits(SUMMARY)[-1].get("If-None-Match")
    assert refs() == ["p1", "p2"]


def test_the_watch_loop_keeps_watching_past_a_bad_feature(
    feeds: FeedServer, feed_config: Path
) -> None:
    """`launcher watch` in the foreground: a bad feature used to end the loop (a ValueError
    out of run_forever); now the pass reports it and proposes the good quake."""
    from launcher.feeds.context import FeedContext
    from launcher.feeds.settings import mirrors
    from launcher.feeds.watch import run_forever
    from launcher.plan.build import load_content
    from launcher.settings import load_settings

    serve_quiet_sources(feeds)
    features = [
        feature("us-bad", 6.5, "Cascia", geometry__coordinates=[999, 999, 1]),
        feature("us9", 6.3, "Norcia, Italy"),
    ]
    feeds.docs[SUMMARY] = Doc(usgs_summary(features, T0))
    settings = load_settings(str(feed_config))
    stop = threading.Event()
    reports = []
    with ledger_of() as ledger:
        ctx = FeedContext(
            REPO, load_content(REPO), settings, ledger, "watch:test", lambda: T0.timestamp()
        )

        def seen(report) -> None:
            reports.append(report)
            stop.set()

        run_forever(lambda: ctx, stop=stop, tick=0.05, on_report=seen, mirrors=mirrors(settings))
    (report,) = reports
    assert report.proposals == ["p1: earthquake for rome (M 6.3 - Norcia, Italy)"]
    assert report.failed == [] and len(report.unreadable) == 1
    assert "feature us-bad: geometry.coordinates" in report.unreadable[0]
