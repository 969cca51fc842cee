"""OONI measurements of a platform's reachability, per mission country (aggregation API).

``/api/v1/aggregation?probe_cc=TR&test_name=web_connectivity&domain=twitter.com&since=&until=
&axis_x=measurement_start_day&time_grain=hour`` answers, per hour, ``anomaly_count`` (anomalies
not confirmed), ``confirmed_count`` (a block page or a known blocking pattern),
``failure_count`` (the measurement itself failed), ``ok_count`` and ``measurement_count``.
An anomaly is not a ban (networks fail; OONI says so), so the watcher only reports what was
measured: the trigger's ``when:`` declares the threshold (``anomaly_rate: {min: 0.6}``,
``measurement_count: {min: 30}``) over the ``window`` the trigger names, and the proposal
quotes the figures.

An hour counts as *anomalous* when at least half of its usable measurements (not failures,
at least 5) were anomalous or confirmed. One event is one run of anomalous hours: its ids are
those hours, so the next poll, whose window has moved on, still shares hours with it and is
the same event; a block that ends and starts again days later is a new one. Hours without
anomalies are never a cancellation. ``since``/``until`` are whole days (the API's types); hour
grain is allowed for seven days at most, which is the look-back.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from ..errors import FeedError, FeedItemError
from ..models import Mission
from .base import COMMON_OPTIONS, Fetch, FieldSpec, OptionSpec, ReadContext, SourceEvent, Watcher
from .items import ItemReader

BASE_URL = "https://api.ooni.io/api/v1/"
#: what OONI measures for each launcher platform: (test_name, domains or None for the test's own)
PROBES: dict[str, tuple[str, tuple[str, ...]]] = {
    "x": ("web_connectivity", ("twitter.com", "x.com")),
    "facebook": ("web_connectivity", ("www.facebook.com",)),
    "telegram": ("telegram", ()),
    "bluesky": ("web_connectivity", ("bsky.app",)),
    "mastodon": ("web_connectivity", ("mastodon.social",)),
}
LOOKBACK = timedelta(days=7)
ANOMALOUS_SHARE = 0.5
MIN_HOURLY = 5
#: anomalous hours further apart than this are two runs (two events)
RUN_GAP = timedelta(hours=6)


class OONIWatcher(Watcher):
    name = "ooni"
    title = "OONI censorship measurements (aggregation API)"
    description = "per mission country and platform: anomalies and confirmed blocks per hour"
    poll = 3600.0
    timeout = 60.0
    fields = (
        FieldSpec("probe_cc", "text", "the country measured (the mission's)"),
        FieldSpec("platform", "text", "the launcher platform measured: x, facebook, telegram..."),
        FieldSpec("test_name", "text", "the OONI test"),
        FieldSpec("domain", "text", "the domains measured"),
        FieldSpec("window_start", "datetime", "the start of the window the counts cover"),
        FieldSpec("window_end", "datetime", "the end of that window"),
        FieldSpec("measurement_count", "integer", "measurements in the window"),
        FieldSpec("anomaly_count", "integer", "anomalies (not confirmed) in the window"),
        FieldSpec("confirmed_count", "integer", "confirmed blocks in the window"),
        FieldSpec("failure_count", "integer", "failed measurements in the window"),
        FieldSpec("ok_count", "integer", "measurements that found no interference"),
        FieldSpec("anomaly_rate", "number", "(anomalies + confirmed) / usable measurements"),
        FieldSpec("confirmed_rate", "number", "confirmed / usable measurements"),
        FieldSpec("first_anomaly_at", "datetime", "the first anomalous hour of this run"),
    )
    options = (
        OptionSpec(
            "platforms", list, sorted(PROBES), "platforms to measure", choices=tuple(PROBES)
        ),
        OptionSpec("window", int, 24, "hours the counts cover (1-168)"),
        OptionSpec("base_url", str, BASE_URL, "the OONI API"),
        *COMMON_OPTIONS,
    )

    def fetches(self, options: Mapping[str, Any], missions: Sequence[Mission]) -> list[Fetch]:
        opts = self.option_values(options)
        base = str(opts["base_url"]).rstrip("/") + "/"
        out = []
        for cc in sorted({m.country for m in missions}):
            for platform in opts["platforms"]:
                test, domains = PROBES[platform]
                params = {"probe_cc": cc, "test_name": test}
                if domains:
                    params["domain"] = ",".join(domains)
                out.append(
                    Fetch(
                        key=f"ooni {base}aggregation {cc} {platform}",
                        url=f"{base}aggregation",
                        params=params,
                        context={"cc": cc, "platform": platform, "window": opts["window"]},
                        poll=opts["poll"],
                    )
                )
        return out

    @staticmethod
    def query(fetch: Fetch, now: datetime) -> dict[str, str]:
        """The request's parameters at ``now``: whole days (the API's types), hour grain."""
        return {
            **fetch.params,
            "since": (now - LOOKBACK).date().isoformat(),
            "until": (now + timedelta(days=1)).date().isoformat(),
            "axis_x": "measurement_start_day",
            "time_grain": "hour",
        }

    def parse(self, body: bytes, fetch: Fetch, ctx: ReadContext) -> list[SourceEvent]:
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # nested too deep
            raise FeedError(f"not JSON: {exc}", source=fetch.url) from None
        if not isinstance(doc, dict):
            raise FeedError("not an aggregation answer", source=fetch.url)
        if doc.get("error") or doc.get("detail"):  # OONI answers some errors with 200
            raise FeedError(f"OONI said: {doc.get('error') or doc.get('detail')}", source=fetch.url)
        rows = doc.get("result")
        if not isinstance(rows, list):
            raise FeedError("no per-hour 'result' list (axis_x missing?)", source=fetch.url)
        hours = []
        for index, row in enumerate(rows):
            try:
                hours.append(_hour(row, index, fetch.url))
            except FeedItemError as exc:  # one bad hour never hides the others
                ctx.skip(exc)
        hours.sort(key=lambda h: h[0])
        return [e for e in [_event(hours, fetch, ctx.now)] if e is not None]


COUNTS = ("anomaly_count", "confirmed_count", "failure_count", "ok_count", "measurement_count")


def _hour(row: Any, index: int, url: str) -> tuple[datetime, dict[str, int]]:
    """One row of the answer: its hour (in UTC) and its counts, each a whole number, 0 or
    more (not given: 0). Raises :class:`FeedItemError` naming the row (by its hour once that
    is read, else its place in the list) and the field."""
    read = ItemReader(url, f"row #{index + 1}")
    if not isinstance(row, dict):
        raise read.bad(None, row, "not an aggregation row object")
    moment = read.iso_time(row.get("measurement_start_day"), "measurement_start_day")
    if moment is None:
        raise read.bad(
            "measurement_start_day", row.get("measurement_start_day"), "not given: no hour"
        )
    read.item = f"hour {moment:%Y-%m-%dT%H:%M}Z"
    counts = {k: read.count(row.get(k), k) or 0 for k in COUNTS}
    return moment, counts


def _anomalous(counts: Mapping[str, int]) -> bool:
    usable = counts["measurement_count"] - counts["failure_count"]
    bad = counts["anomaly_count"] + counts["confirmed_count"]
    return usable >= MIN_HOURLY and bad >= ANOMALOUS_SHARE * usable


def _event(
    hours: list[tuple[datetime, dict[str, int]]], fetch: Fetch, now: datetime
) -> SourceEvent | None:
    cc, platform, window = fetch.context["cc"], fetch.context["platform"], fetch.context["window"]
    bad = [h for h, c in hours if _anomalous(c)]
    if not bad:
        return None  # nothing anomalous: nothing to report (and never a cancellation)
    run = [bad[-1]]
    for h in reversed(bad[:-1]):  # the latest run of anomalous hours
        if run[-1] - h > RUN_GAP:
            break
        run.append(h)
    start = now - timedelta(hours=int(window))
    sums = dict.fromkeys(
        ("anomaly_count", "confirmed_count", "failure_count", "ok_count", "measurement_count"), 0
    )
    for h, c in hours:
        if start <= h <= now:
            for k in sums:
                sums[k] += c[k]
    usable = max(1, sums["measurement_count"] - sums["failure_count"])
    rate = (sums["anomaly_count"] + sums["confirmed_count"]) / usable
    test = fetch.params.get("test_name", "")
    domain = fetch.params.get("domain", test)
    latest = max(h for h, _ in hours)
    measured = (
        f"OONI {test} measurements of {domain} from {cc}, {start:%Y-%m-%d %H:%M} to "
        f"{now:%Y-%m-%d %H:%M} UTC: {sums['measurement_count']} measurements, "
        f"{sums['anomaly_count']} anomalies, {sums['confirmed_count']} confirmed blocks, "
        f"{sums['failure_count']} failures (anomaly rate {rate:.0%}); anomalous hours since "
        f"{min(run):%Y-%m-%d %H:%M} UTC"
    )
    return SourceEvent(
        aliases=tuple(f"ooni:{cc}:{platform}:{h:%Y-%m-%dT%H}" for h in sorted(run)),
        revision=f"{latest:%Y-%m-%dT%H}:{sums['measurement_count']}",
        revision_at=latest.timestamp(),
        title=f"{platform} measured as blocked in {cc}",
        fields={
            "probe_cc": cc,
            "platform": platform,
            "test_name": test,
            "domain": domain,
            "window_start": start,
            "window_end": now,
            **sums,
            "anomaly_rate": round(rate, 4),
            "confirmed_rate": round(sums["confirmed_count"] / usable, 4),
            "first_anomaly_at": min(run),
        },
        link=f"https://explorer.ooni.org/chart/mat?probe_cc={cc}&test_name={test}"
        + (f"&domain={domain.split(',')[0]}" if "domain" in fetch.params else ""),
        countries=(cc,),
        measured=measured,
    )
