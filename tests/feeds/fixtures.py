"""Feed documents in the formats the sources publish (USGS GeoJSON summary, CAP 1.2 over
Atom, OONI aggregation), with the fields a test varies."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

T0 = datetime(2026, 5, 22, 8, 30, tzinfo=UTC)


def ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def usgs_feature(
    fid: str,
    ids: list[str],
    *,
    mag: float,
    place: str,
    time: datetime,
    updated: datetime,
    alert: str | None = None,
    status: str = "automatic",
    lat: float = 42.79,
    lon: float = 13.09,
) -> dict[str, Any]:
    return {
        "type": "Feature",
        "properties": {
            "mag": mag,
            "place": place,
            "time": ms(time),
            "updated": ms(updated),
            "tz": None,
            "url": f"https://earthquake.usgs.gov/earthquakes/eventpage/{fid}",
            "detail": f"https://earthquake.usgs.gov/earthquakes/feed/v1.0/detail/{fid}.geojson",
            "felt": 120,
            "cdi": 6.1,
            "mmi": 7.2,
            "alert": alert,
            "status": status,
            "tsunami": 0,
            "sig": 800,
            "net": fid[:2],
            "code": fid[2:],
            "ids": "," + ",".join(ids) + ",",
            "sources": "," + ",".join(i[:2] for i in ids) + ",",
            "types": ",dyfi,origin,phase-data,",
            "nst": 120,
            "dmin": 0.5,
            "rms": 0.8,
            "gap": 20,
            "magType": "mww",
            "type": "earthquake",
            "title": f"M {mag} - {place}",
        },
        "geometry": {"type": "Point", "coordinates": [lon, lat, 10.0]},
        "id": fid,
    }


def usgs_summary(features: list[dict[str, Any]], generated: datetime) -> bytes:
    return json.dumps(
        {
            "type": "FeatureCollection",
            "metadata": {
                "generated": ms(generated),
                "url": "https://earthquake.usgs.gov/earthquakes/feed/v1.0/summary/4.5_hour.geojson",
                "title": "USGS Magnitude 4.5+ Earthquakes, Past Hour",
                "status": 200,
                "api": "1.10.3",
                "count": len(features),
            },
            "features": features,
            "bbox": [-180, -90, -10, 180, 90, 700],
        }
    ).encode()


def cap_alert(
    identifier: str,
    *,
    sent: str,
    msg_type: str = "Alert",
    references: str | None = None,
    magnitude: str = "6.2",
    area: str = "Umbria",
    category: str = "Geo",
    event: str = "Terremoto / Earthquake",
    severity: str = "Severe",
    note: str | None = None,
    sender: str = "cap@protezionecivile.example.org",
) -> bytes:
    refs = f"<references>{references}</references>" if references else ""
    note_el = f"<note>{note}</note>" if note else ""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>{identifier}</identifier>
  <sender>{sender}</sender>
  <sent>{sent}</sent>
  <status>Actual</status>
  <msgType>{msg_type}</msgType>
  <scope>Public</scope>
  {note_el}{refs}
  <info>
    <language>it-IT</language>
    <category>{category}</category>
    <event>{event}</event>
    <urgency>Immediate</urgency>
    <severity>{severity}</severity>
    <certainty>Observed</certainty>
    <onset>{sent}</onset>
    <senderName>Protezione civile (esempio)</senderName>
    <headline>Terremoto in {area}</headline>
    <parameter><valueName>magnitude</valueName><value>{magnitude}</value></parameter>
    <area>
      <areaDesc>{area}</areaDesc>
      <polygon>42.5,12.5 42.5,13.5 43.2,13.5 43.2,12.5 42.5,12.5</polygon>
      <geocode><valueName>ISO3166-1</valueName><value>IT</value></geocode>
    </area>
  </info>
</alert>
""".encode()


def atom(base: str, names: list[str], updated: str) -> bytes:
    entries = "".join(
        f"""<entry><id>{base}/{n}</id><title>{n}</title><updated>{updated}</updated>
<link rel="alternate" type="application/cap+xml" href="{base}/{n}"/></entry>"""
        for n in names
    )
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><id>{base}/feed.atom</id>
<title>Civil protection alerts (sample)</title><updated>{updated}</updated>{entries}</feed>
""".encode()


def ooni_hours(
    start: datetime, hours: int, *, measured: int, anomalies: int, confirmed: int = 0
) -> list[dict]:
    from datetime import timedelta

    return [
        {
            "anomaly_count": anomalies,
            "confirmed_count": confirmed,
            "failure_count": 1,
            "measurement_count": measured,
            "ok_count": measured - anomalies - confirmed - 1,
            "measurement_start_day": (start + timedelta(hours=h)).strftime("%Y-%m-%dT%H:%M:%SZ"),
        }
        for h in range(hours)
    ]


def ooni_answer(rows: list[dict]) -> bytes:
    return json.dumps(
        {
            "v": 0,
            "dimension_count": 1,
            "db_stats": {
                "row_count": 1000,
                "bytes": 2000,
                "total_row_count": 5000,
                "elapsed_seconds": 0.2,
            },
            "result": rows,
        }
    ).encode()


def ooni_finding(
    fid: str,
    *,
    title: str,
    start: datetime,
    updated: datetime,
    ccs: list[str],
    domains: list[str],
    end: datetime | None = None,
    short: str = "",
    published: bool = True,
    test_names: list[str] | None = None,
    asns: list[int] | None = None,
) -> dict[str, Any]:
    """A finding as ``/api/v1/incidents/search`` lists it for an anonymous caller (the
    oonifindings service's response model: times with microseconds and ``Z``, no ``text``,
    an empty ``email_address``)."""

    def t(moment: datetime | None) -> str | None:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ") if moment else None

    return {
        "id": fid,
        "email_address": "",
        "title": title,
        "short_description": short,
        "slug": f"{start:%Y}-{title.lower().replace(' ', '-')}",
        "start_time": t(start),
        "create_time": t(start),
        "update_time": t(updated),
        "end_time": t(end),
        "reported_by": "OONI",
        "creator_account_id": "",
        "published": published,
        "event_type": "incident",
        "ASNs": asns or [],
        "CCs": ccs,
        "themes": ["social_media"],
        "tags": [],
        "test_names": test_names or ["web_connectivity"],
        "domains": domains,
        "links": [],
        "mine": False,
    }


def ooni_findings(incidents: list[dict[str, Any]]) -> bytes:
    return json.dumps({"incidents": incidents}).encode()


def ioda_alert(
    cc: str, name: str, moment: datetime, level: str, *, datasource: str = "bgp", value=1200
) -> dict[str, Any]:
    """One alert as ``/v2/outages/alerts`` gives it (IODA's OutagesAlert normalizer)."""
    return {
        "datasource": datasource,
        "entity": {"type": "country", "code": cc, "name": name, "attrs": {"fqid": f"geo.{cc}"}},
        "time": int(moment.timestamp()),
        "level": level,
        "condition": "< 0.99" if level == "warning" else "< 0.8",
        "value": value,
        "historyValue": 3100,
    }


def ioda_alerts(alerts: list[dict[str, Any]], now: datetime = T0) -> bytes:
    """IODA's envelope around the alerts."""
    return json.dumps(
        {
            "type": "outages.alerts",
            "metadata": {
                "requestTime": now.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
                "responseTime": now.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
            },
            "requestParameters": {"from": "0", "until": "0", "datasource": None},
            "error": None,
            "perf": None,
            "data": alerts,
        }
    ).encode()
