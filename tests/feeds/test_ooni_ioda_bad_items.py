"""One bad OONI hour, OONI finding or IODA alert costs only itself: a hostile value (a count
of "many", 1e30 or NaN, a time of "yesterday" or one UTC cannot hold, a list where a text
belongs, a non-object) skips that item, named by the answer's URL, the item and the field;
the answer's other items are read as if the bad one were not there, the other sources are
read, the answer's backoff does not grow, and its next poll reads it in full."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from launcher.errors import FeedError
from launcher.feeds import store
from launcher.feeds.base import Fetch, ReadContext, Watcher
from launcher.feeds.ioda import IODAWatcher
from launcher.feeds.ooni import OONIWatcher
from launcher.feeds.ooni_findings import OONIFindingsWatcher

from .fixtures import (
    T0,
    ioda_alert,
    ioda_alerts,
    ooni_answer,
    ooni_finding,
    ooni_findings,
    ooni_hours,
)
from .server import Doc, FeedServer
from .test_ioda import ALERTS, outage
from .test_ooni_findings import SEARCH, START, serve_findings, watch
from .test_sequence_usgs import ledger_of
from .test_watchers import quiet

AGGREGATION_URL = "https://api.ooni.io/api/v1/aggregation"
SEARCH_URL = "https://api.ooni.io/api/v1/incidents/search"
IODA_URL = "https://api.ioda.inetintel.cc.gatech.edu/v2/outages/alerts/country/TR"
HOURS_FROM = (T0 - timedelta(hours=12)).replace(minute=0)  # 2026-05-21T20:00Z


class _Mission:
    country = "TR"


def fetch_of(watcher: Watcher) -> Fetch:
    fetches = watcher.fetches({}, [_Mission()])  # type: ignore[list-item]
    return next(f for f in fetches if f.context.get("platform", "x") == "x")


def read(watcher: Watcher, items: list[Any]) -> tuple[list, list[str]]:
    """The events of an answer listing ``items`` (NaN allowed, as Python's JSON writes it),
    and what was skipped."""
    envelope, key = {
        OONIWatcher: (ooni_answer, "result"),
        OONIFindingsWatcher: (ooni_findings, "incidents"),
        IODAWatcher: (ioda_alerts, "data"),
    }[type(watcher)]
    doc = json.loads(envelope([])) | {key: items}
    ctx = ReadContext(get=lambda _u: b"", known=lambda _a: False, now=T0)
    events = watcher.parse(json.dumps(doc, allow_nan=True).encode(), fetch_of(watcher), ctx)
    return events, [str(s) for s in ctx.skipped]


def hours(anomalies: int = 45) -> list[dict[str, Any]]:
    return ooni_hours(HOURS_FROM, 12, measured=60, anomalies=anomalies)


@pytest.mark.parametrize(
    ("field", "value", "item", "words"),
    [
        ("anomaly_count", "many", "hour 2026-05-21T23:00Z", '"many": not a number'),
        ("anomaly_count", 1e30, "hour 2026-05-21T23:00Z", "not a count"),
        ("anomaly_count", float("nan"), "hour 2026-05-21T23:00Z", "NaN: not a finite number"),
        ("confirmed_count", float("inf"), "hour 2026-05-21T23:00Z", "not a finite number"),
        ("failure_count", 10**400, "hour 2026-05-21T23:00Z", "not a finite number"),
        ("ok_count", -5, "hour 2026-05-21T23:00Z", "-5: not a count"),
        ("ok_count", 2.5, "hour 2026-05-21T23:00Z", "not a count"),
        ("measurement_count", [60], "hour 2026-05-21T23:00Z", "not a number"),
        ("measurement_count", True, "hour 2026-05-21T23:00Z", "true: not a number"),
        ("measurement_start_day", "yesterday", "row #4", "not a time (ISO 8601)"),
        ("measurement_start_day", 5, "row #4", "not a time"),
        ("measurement_start_day", "0001-01-01T00:00:00+14:00", "row #4", "UTC can hold"),
        ("measurement_start_day", None, "row #4", "not given"),
    ],
)
def test_a_hostile_ooni_hour_is_skipped_and_named(
    field: str, value: Any, item: str, words: str
) -> None:
    """The event is the one the answer makes without that hour (the current code raises
    ValueError, OverflowError or TypeError, or counts garbage)."""
    rows = hours()
    without = rows[:3] + rows[4:]
    bad = dict(rows[3], **{field: value})
    (expected,), none = read(OONIWatcher(), without)
    (event,), (said,) = read(OONIWatcher(), [*rows[:3], bad, *rows[4:]])
    assert none == [] and event == expected
    assert said.startswith(f"{AGGREGATION_URL}: {item}: {field}: "), said
    assert words in said


def test_ooni_rows_that_are_not_objects_or_share_an_hour_never_raise() -> None:
    rows = hours()
    (event,), said = read(OONIWatcher(), [*rows, "a string", None, dict(rows[-1])])
    assert event.fields["measurement_count"] == 13 * 60  # the hour given twice counts twice
    assert said == [
        f'{AGGREGATION_URL}: row #13: "a string": not an aggregation row object',
        f"{AGGREGATION_URL}: row #14: null: not an aggregation row object",
    ]
    # an hour given at another offset is that hour in UTC
    moved = dict(rows[-1], measurement_start_day="2026-05-22T10:00:00+03:00")
    (event,), _ = read(OONIWatcher(), [*rows[:-1], moved])
    assert event.aliases[-1] == "ooni:TR:x:2026-05-22T07"


def finding(fid: str = "134560992", **kw: Any) -> dict[str, Any]:
    domains = ["twitter.com"] if fid == "134560992" else ["facebook.com"]
    made = ooni_finding(fid, title="Blocked", start=START, updated=T0, ccs=["TR"], domains=domains)
    return made | kw


@pytest.mark.parametrize(
    ("changes", "item", "field", "words"),
    [
        ({"start_time": "yesterday"}, "finding 77", "start_time", "not a time (ISO 8601)"),
        ({"start_time": "9999-12-31T23:59:59-14:00"}, "finding 77", "start_time", "UTC can"),
        ({"start_time": None}, "finding 77", "start_time", "not given"),
        ({"end_time": "0001-01-01T00:00:00+14:00"}, "finding 77", "end_time", "UTC can hold"),
        ({"update_time": 7}, "finding 77", "update_time", "7: not a time"),
        ({"create_time": [1]}, "finding 77", "create_time", "not a time"),
        ({"title": {"x": 1}}, "finding 77", "title", '{"x": 1}: not a text'),
        ({"slug": 5}, "finding 77", "slug", "not a text"),
        ({"CCs": "TR"}, "finding 77", "CCs", "not a list of texts"),
        ({"CCs": [None]}, "finding 77", "CCs", "[null]: not a list of texts"),
        ({"domains": [{"a": 1}]}, "finding 77", "domains", "not a list of texts"),
        ({"test_names": [[1]]}, "finding 77", "test_names", "not a list of texts"),
        ({"ASNs": [1e30]}, "finding 77", "ASNs", "not a count"),
        ({"ASNs": 9121}, "finding 77", "ASNs", "not a list of networks"),
        ({"published": "yes"}, "finding 77", "published", "not true or false"),
        ({"id": {"a": 1}}, "finding #2", "id", "no id to know the finding by"),
        ({"id": True}, "finding #2", "id", "no id"),
        ({"id": " "}, "finding #2", "id", "no id"),
    ],
)
def test_a_hostile_ooni_finding_is_skipped_and_named(
    changes: dict[str, Any], item: str, field: str, words: str
) -> None:
    """The good finding beside it is read (the current code raises OverflowError, or reads
    the value as text: a domain {"a": 1}, a country "None", an id "True")."""
    events, (said,) = read(OONIFindingsWatcher(), [finding(), finding("77", **changes)])
    assert [e.aliases[0] for e in events] == ["ooni-finding:134560992:x"]
    assert said.startswith(f"{SEARCH_URL}: {item}: {field}: "), said
    assert words in said


def alert(**changes: Any) -> dict[str, Any]:
    return ioda_alert("TR", "Turkey", T0 - timedelta(minutes=30), "critical") | changes


BAD_ALERT = "alert #5 (bgp 2026-05-22T08:00Z)"


@pytest.mark.parametrize(
    ("changes", "item", "field", "words"),
    [
        ({"time": 1e30}, "alert #5", "time", "not a time (seconds since 1970)"),
        ({"time": -1e15}, "alert #5", "time", "not a time"),
        ({"time": float("nan")}, "alert #5", "time", "NaN: not a finite number"),
        ({"time": 10**400}, "alert #5", "time", "not a finite number"),
        ({"time": "yesterday"}, "alert #5", "time", "not a number"),
        ({"time": None}, "alert #5", "time", "not given"),
        ({"datasource": ["bgp"]}, "alert #5", "datasource", "not a text"),
        ({"level": ["critical"]}, BAD_ALERT, "level", "not a text"),
        ({"level": "severe"}, BAD_ALERT, "level", "not one of normal, warning, critical"),
        ({"value": "many"}, BAD_ALERT, "value", "not a number"),
        ({"value": 10**400}, BAD_ALERT, "value", "not a finite number"),
        ({"historyValue": float("inf")}, BAD_ALERT, "historyValue", "Infinity: not a finite"),
        ({"condition": {"a": 1}}, BAD_ALERT, "condition", "not a text"),
        ({"entity": "TR"}, BAD_ALERT, "entity", "not an object"),
        ({"entity": {"name": 5}}, BAD_ALERT, "entity.name", "5: not a text"),
    ],
)
def test_a_hostile_ioda_alert_is_skipped_and_named(
    changes: dict[str, Any], item: str, field: str, words: str
) -> None:
    """The outage is the one the other alerts make (the current code raises OverflowError
    or ValueError out of fromtimestamp, or float() of a 400-digit value)."""
    (expected,), none = read(IODAWatcher(), outage())
    (event,), (said,) = read(IODAWatcher(), [*outage(), alert(**changes)])
    assert none == [] and event == expected
    assert said.startswith(f"{IODA_URL}: {item}: {field}: "), said
    assert words in said


def test_items_that_are_not_objects_and_answers_nested_past_the_parser() -> None:
    for watcher, name in [
        (OONIFindingsWatcher(), "a finding object"),
        (IODAWatcher(), "an alert object"),
    ]:
        events, said = read(watcher, ["x", None])
        assert events == [] and [s.rsplit(": ", 1)[-1] for s in said] == [f"not {name}"] * 2
    for watcher in (OONIWatcher(), OONIFindingsWatcher(), IODAWatcher()):
        ctx = ReadContext(get=lambda _u: b"", known=lambda _a: False, now=T0)
        with pytest.raises(FeedError, match="not JSON"):  # the document fails, nothing raises
            watcher.parse(b'{"result": ' + b"[" * 100_000, fetch_of(watcher), ctx)


def refs() -> list[tuple[str, str, str, str]]:
    """Every proposal made so far, decided or not: ref, kind, trigger, state."""
    with ledger_of() as ledger:
        return [
            (p.ref, p.kind, p.trigger, p.state) for p in store.list_proposals(ledger, states=None)
        ]


def test_bad_ooni_and_ioda_items_then_the_sources_fix_them(
    feeds: FeedServer, feed_config: Path
) -> None:
    """A pass with a bad finding, a non-object, a bad hour and a bad alert beside good ones,
    then the next pass with them fixed: the good finding is proposed once, the fixed one
    once, the answers never count as failed and are read in full again after a skip."""
    rows = hours(anomalies=20)  # measured, under the threshold: no proposal of its own
    rows[3]["anomaly_count"] = "many"
    bad_alert = alert(time=1e30)

    def aggregation(query: dict[str, str]) -> bytes:
        wanted = query.get("probe_cc") == "TR" and "twitter.com" in query.get("domain", "")
        return ooni_answer(rows if wanted else [])

    def ioda(query: dict[str, str]) -> bytes:
        tr = query["_path"].endswith("/TR")
        return ioda_alerts([*outage(), bad_alert] if tr else [])

    quiet(feeds, aggregation)
    feeds.docs[ALERTS] = Doc(ioda)
    late = finding("77", start_time="yesterday")
    serve_findings(feeds, [finding(), late, {"id": "x", "CCs": ["TR"], "start_time": 5}])

    first = watch(feed_config, 1)
    assert first.exit_code == 1, first.output  # something could not be read: said, exit 1
    out = first.stdout
    assert "0 failed" in out and "failed" not in out.split("\n", 1)[1], out
    assert "proposal p1: platform-ban for ankara" in out
    assert f'skipped {SEARCH_URL}: finding 77: start_time: "yesterday": not a time' in out
    assert f"skipped {SEARCH_URL}: finding x: start_time: 5: not a time" in out
    assert f'skipped {AGGREGATION_URL}: hour 2026-05-21T23:00Z: anomaly_count: "many"' in out
    assert f"skipped {IODA_URL}: alert #5: time: 1e+30: not a time" in out
    first_refs = [
        ("p1", "launch", "ooni-finding", "open"),
        ("p2", "evidence", "ioda-outage", "attached"),  # the outage, from the good alerts
    ]
    assert refs() == first_refs, out
    with ledger_of() as ledger:
        (p1,) = store.list_proposals(ledger)
        assert p1.facts["platform"] == "x"
        assert any("context from ioda" in r for r in p1.reasons)  # the outage was read
        for key in (
            f"ooni-findings {SEARCH_URL} TR",
            f"ooni {AGGREGATION_URL} TR x",
            f"ioda {IODA_URL}",
        ):
            state = store.state_of(ledger, key)
            assert state["failures"] == 0 and state["error"] is None, key
            assert state["etag"] is None, key  # read in full at the next poll
        state = store.state_of(ledger, f"ooni-findings {SEARCH_URL} TR")
        assert state["next_at"] - (T0 + timedelta(minutes=1)).timestamp() == 1800  # no backoff

    # the sources fix their values: every answer is asked for in full, at its interval
    late["start_time"] = START.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    rows[3]["anomaly_count"] = 20
    bad_alert["time"] = int((T0 - timedelta(minutes=30)).timestamp())
    serve_findings(feeds, [finding(), late])
    second = watch(feed_config, 61)
    assert second.exit_code == 0, second.output
    assert "skipped" not in second.stdout
    assert "proposal p3: platform-ban for ankara (OONI finding 77: Blocked)" in second.stdout
    assert "evidence p4: IODA: Internet outage in Turkey (critical): shown with p3" in (
        second.stdout
    )
    assert "p1" not in second.stdout and "p2" not in second.stdout  # not proposed again
    for path, query in [
        (SEARCH, "country_code=TR"),
        ("/ooni/api/v1/aggregation", "probe_cc=TR&test_name=web_connectivity&domain=twitter"),
        ("/ioda/v2/outages/alerts/country/TR", ""),
    ]:
        asked = [h for p, q, h in feeds.requests if p == path and q.startswith(query)]
        assert len(asked) == 2 and "If-None-Match" not in asked[-1], path
    every = [
        *first_refs,
        ("p3", "launch", "ooni-finding", "open"),
        ("p4", "evidence", "ioda-outage", "attached"),
    ]
    assert refs() == every
    with ledger_of() as ledger:
        assert store.proposal(ledger, "p3").facts["platform"] == "facebook"

    # read whole this time: the ETags are kept, the next poll is a 304, nothing new
    third = watch(feed_config, 62, "--force")
    assert third.exit_code == 0 and "proposal" not in third.stdout, third.output
    tr = [h for p, q, h in feeds.requests if p == SEARCH and q == "country_code=TR"]
    assert len(tr) == 3 and tr[-1].get("If-None-Match")
    print("REFS", refs(), second.stdout if "second" in dir() else "")
