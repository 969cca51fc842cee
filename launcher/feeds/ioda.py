"""IODA outage alerts: is a mission's country cut off from the Internet?

``/v2/outages/alerts/country/TR?from=UNIX&until=UNIX`` answers IODA's envelope (``type``
``outages.alerts``, ``metadata``, ``requestParameters``, ``error``, ``data``); each alert has
``datasource`` (``bgp``, ``ping-slash24``, ``ucsd-nt``, ``merit-nt``), ``entity`` (``type``,
``code``, ``name``, ``attrs``), ``time`` (unix seconds), ``level`` (``normal``, ``warning``,
``critical``), ``condition``, ``value`` and ``historyValue``. IODA publishes level changes,
not outages: an outage is a run of warning or critical alerts of a data source, over when
that source is back to ``normal`` (the reading IODA's authors give). One event per run:
its ids are the hours with alerts, so the next poll (whose window has moved on) shares hours
with it; one that starts again days later is a new event.

A national outage is not a platform block, and it does not name a platform, so IODA never
proposes a launch by itself: a playbook declares it with ``evidence: true``, and its events
are shown with the playbook's proposals for the missions in that country (an OONI anomaly
during a shutdown is the shutdown, not a block: the duty officer should see both). Its end
adds a line to those proposals; it halts and proposes nothing.
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

BASE_URL = "https://api.ioda.inetintel.cc.gatech.edu/v2/"
DASHBOARD = "https://ioda.inetintel.cc.gatech.edu/country/"
LEVELS = ("normal", "warning", "critical")
DATASOURCES = ("bgp", "ping-slash24", "ucsd-nt", "merit-nt")
#: the window is asked in whole steps, so two polls within one step ask the same URL
STEP = 300


class IODAWatcher(Watcher):
    name = "ioda"
    title = "IODA Internet outage alerts"
    description = "per mission country: runs of warning or critical alerts, until normal again"
    poll = 600.0
    timeout = 60.0
    fields = (
        FieldSpec("country", "text", "the country (the mission's)"),
        FieldSpec("country_name", "text", "its name, as IODA gives it"),
        FieldSpec("level", "level", "the worst level of the run", levels=LEVELS),
        FieldSpec("datasources", "list", "the data sources that saw it"),
        FieldSpec("started_at", "datetime", "the first alert of the run"),
        FieldSpec("last_alert_at", "datetime", "the latest alert (a normal one, once over)"),
        FieldSpec("ended_at", "datetime", "when every source was back to normal"),
        FieldSpec("ongoing", "boolean", "a data source is still not back to normal"),
        FieldSpec("alerts", "integer", "alerts in the run"),
        FieldSpec("value", "number", "the worst alert's value"),
        FieldSpec("history_value", "number", "what that source usually measures then"),
        FieldSpec("condition", "text", "the worst alert's condition"),
    )
    options = (
        OptionSpec(
            "datasources", list, list(DATASOURCES), "data sources to heed", choices=DATASOURCES
        ),
        OptionSpec("lookback", int, 24, "hours of alerts asked for (1-168)"),
        OptionSpec("base_url", str, BASE_URL, "the IODA API"),
        *COMMON_OPTIONS,
    )

    def fetches(self, options: Mapping[str, Any], missions: Sequence[Mission]) -> list[Fetch]:
        opts = self.option_values(options)
        base = str(opts["base_url"]).rstrip("/") + "/"
        hours = max(1, min(168, int(opts["lookback"])))
        return [
            Fetch(
                key=f"ioda {base}outages/alerts/country/{cc}",
                url=f"{base}outages/alerts/country/{cc}",
                context={"cc": cc, "datasources": tuple(opts["datasources"]), "hours": hours},
                poll=opts["poll"],
            )
            for cc in sorted({m.country for m in missions})
        ]

    @staticmethod
    def query(fetch: Fetch, now: datetime) -> dict[str, str]:
        """``from``/``until`` as unix seconds, in whole steps (IODA's types)."""
        until = int(now.timestamp()) // STEP * STEP
        since = until - int(fetch.context["hours"]) * 3600
        return {**fetch.params, "from": str(since), "until": str(until)}

    def parse(self, body: bytes, fetch: Fetch, ctx: ReadContext) -> list[SourceEvent]:
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError, RecursionError) as exc:  # nested too deep
            raise FeedError(f"not JSON: {exc}", source=fetch.url) from None
        if not isinstance(doc, dict):
            raise FeedError("not an IODA answer", source=fetch.url)
        if doc.get("error"):
            raise FeedError(f"IODA said: {doc['error']}", source=fetch.url)
        data = doc.get("data")
        if not isinstance(data, list):
            raise FeedError("no 'data' list of alerts", source=fetch.url)
        wanted = set(fetch.context["datasources"])
        alerts = []
        for index, raw in enumerate(data):
            try:
                alert = _alert(raw, index, fetch.url)
            except FeedItemError as exc:  # one bad alert never hides the others
                ctx.skip(exc)
                continue
            if alert["datasource"] in wanted:
                alerts.append(alert)
        event = _event(alerts, fetch)
        return [event] if event is not None else []


def _alert(raw: Any, index: int, url: str) -> dict[str, Any]:
    """One alert with every value checked for its type and range: ``time`` seconds since
    1970 a datetime holds, ``level`` one of LEVELS, ``value`` and ``historyValue`` finite
    numbers, texts where texts belong. Raises :class:`FeedItemError` naming the alert (its
    place in the list, with its data source and time once read) and the field: a hostile
    alert (a time of ``1e30`` or NaN, a level that is a list) costs only itself."""
    read = ItemReader(url, f"alert #{index + 1}")
    if not isinstance(raw, dict):
        raise read.bad(None, raw, "not an alert object")
    datasource = read.text(raw.get("datasource"), "datasource") or ""
    when = read.unix_time(raw.get("time"), "time")
    if when is None:
        raise read.bad("time", raw.get("time"), "not given: no time to know it by")
    read.item = f"alert #{index + 1} ({datasource or 'no datasource'} {when:%Y-%m-%dT%H:%M}Z)"
    level = (read.text(raw.get("level"), "level") or "").lower()
    if level not in LEVELS:
        raise read.bad("level", raw.get("level"), f"not one of {', '.join(LEVELS)}")
    entity = read.object(raw.get("entity"), "entity")
    return {
        "datasource": datasource,
        "time": when,
        "level": level,
        "condition": read.text(raw.get("condition"), "condition") or "",
        "value": read.number(raw.get("value"), "value"),
        "history_value": read.number(raw.get("historyValue"), "historyValue"),
        "name": read.text(entity.get("name"), "entity.name") or "",
    }


def _event(alerts: list[dict[str, Any]], fetch: Fetch) -> SourceEvent | None:
    """The latest run of each data source, together: one outage."""
    cc = fetch.context["cc"]
    runs, ends = [], []
    for source in sorted({a["datasource"] for a in alerts}):
        series = sorted((a for a in alerts if a["datasource"] == source), key=lambda a: a["time"])
        bad = [i for i, a in enumerate(series) if a["level"] != "normal"]
        if not bad:
            continue
        last = bad[-1]
        first = last
        while first > 0 and series[first - 1]["level"] != "normal":
            first -= 1
        runs.append(series[first : last + 1])
        after = series[last + 1 :]
        ends.append(after[0]["time"] if after else None)
    if not runs:
        return None  # nothing but normal: no outage (and never a cancellation)
    run = [a for r in runs for a in r]
    worst = max(run, key=lambda a: (LEVELS.index(a["level"]), a["time"]))
    ongoing = any(e is None for e in ends)
    ended_at = None if ongoing else max(e for e in ends if e is not None)
    started = min(a["time"] for a in run)
    latest = ended_at or max(a["time"] for a in run)
    sources = sorted({a["datasource"] for a in run})
    name = next((a["name"] for a in run if a["name"]), cc)
    level = worst["level"]
    said = (
        f"IODA: Internet connectivity in {name} ({cc}) {level} on {', '.join(sources)} since "
        f"{started:%Y-%m-%d %H:%M} UTC"
        + (
            f" (the worst: {worst['datasource']} {worst['value']:g} where"
            f" {worst['history_value']:g} is usual)"
            if worst["value"] is not None and worst["history_value"] is not None
            else ""
        )
        + (f"; back to normal at {ended_at:%Y-%m-%d %H:%M} UTC" if ended_at else "; ongoing")
    )
    hours = sorted({a["time"].replace(minute=0, second=0, microsecond=0) for a in run})
    return SourceEvent(
        aliases=tuple(f"ioda:{cc}:{h:%Y-%m-%dT%H}" for h in hours),
        revision=f"{latest:%Y-%m-%dT%H:%M}:{level}:{len(run)}:{'ended' if ended_at else 'open'}",
        revision_at=latest.timestamp(),
        title=f"IODA: Internet outage in {name} ({level})",
        fields={
            "country": cc,
            "country_name": name,
            "level": level,
            "datasources": sources,
            "started_at": started,
            "last_alert_at": latest,
            "ended_at": ended_at,
            "ongoing": ongoing,
            "alerts": len(run),
            "value": worst["value"],
            "history_value": worst["history_value"],
            "condition": worst["condition"],
        },
        link=DASHBOARD + cc,
        countries=(cc,),
        measured=said,
        ended=ended_at is not None,
        note=(
            f"IODA: Internet connectivity in {name} back to normal at {ended_at:%Y-%m-%d %H:%M} UTC"
            if ended_at
            else ""
        ),
    )
