"""An earthquake as the USGS feed tells it, through the real CLI on the shipped content: the
event appears, changes its preferred id, gets its PAGER level late, is revised, then deleted;
the duty officer accepts the proposal an hour later; the feed fails once in the middle."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from launcher.feeds import store
from launcher.ledger import Ledger
from tests.conftest import REPO, invoke

from .fixtures import T0, ioda_alerts, ooni_answer, ooni_findings, usgs_feature, usgs_summary
from .server import Doc, FeedServer

SUMMARY = "/usgs/earthquakes/feed/v1.0/summary/4.5_hour.geojson"
SIGNIFICANT = "/usgs/earthquakes/feed/v1.0/summary/significant_hour.geojson"
EMPTY_RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>'


def serve_quiet_sources(feeds: FeedServer) -> None:
    feeds.docs[SIGNIFICANT] = Doc(usgs_summary([], T0))
    feeds.docs["/cap/unfiltered/rss.xml"] = Doc(EMPTY_RSS, content_type="application/rss+xml")
    feeds.docs["/ooni/api/v1/aggregation"] = Doc(ooni_answer([]))
    feeds.docs["/ooni/api/v1/incidents/search"] = Doc(ooni_findings([]))
    feeds.docs["/ioda/v2/outages/alerts/country/*"] = Doc(ioda_alerts([]))


def quake(fid: str, ids: list[str], minutes: int, **kw) -> bytes:
    feature = usgs_feature(fid, ids, time=T0, updated=T0 + timedelta(minutes=minutes), **kw)
    return usgs_summary([feature], T0 + timedelta(minutes=minutes))


def watch(cfg: Path, minutes: int, *extra: str):
    at = (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")
    return invoke("--config", str(cfg), "watch", "--once", "--now", at, *extra, root=REPO)


def ledger_of() -> Ledger:
    import os

    return Ledger(f"sqlite:///{os.environ['LAUNCHER_DATA_DIR']}/ledger.sqlite3")


def test_an_earthquake_from_first_report_to_deletion(feeds: FeedServer, feed_config: Path) -> None:
    serve_quiet_sources(feeds)
    place = "7 km SW of Norcia, Italy"
    feeds.docs[SUMMARY] = Doc(quake("us7000abcd", ["us7000abcd"], 1, mag=6.1, place=place))

    first = watch(feed_config, 1)
    assert first.exit_code == 0, first.output
    assert "proposal p1: earthquake for rome" in first.stdout
    with ledger_of() as ledger:
        (p,) = store.list_proposals(ledger)
        assert (p.kind, p.playbook, p.mission, p.trigger) == (
            "launch",
            "earthquake",
            "rome",
            "usgs-strong",
        )
        assert p.facts == {
            "magnitude": "6.1",
            "region": place,
            "occurred_at": "2026-05-22T08:30:00Z",
        }
        assert any("properties.mag 6.1 meets >= 6" in r for r in p.reasons)
        assert any("inside rome's area" in r for r in p.reasons)
        assert p.link == "https://earthquake.usgs.gov/earthquakes/eventpage/us7000abcd"
        assert p.plan["mission"] == "rome" and len(p.plan["posts"]) > 100  # the whole plan
        assert not ledger.launch_ids()  # a watcher never launches by itself (auto: false)

    # the same document again: a conditional request, answered 304
    again = watch(feed_config, 2, "--force")
    assert again.exit_code == 0 and ": 0 unchanged" not in again.stdout, again.output
    assert feeds.hits(SUMMARY)[-1].get("If-None-Match")  # sent back: the server said 304

    # USGS changes the preferred id (ids keeps both) and PAGER's level arrives: same event
    feeds.docs[SUMMARY] = Doc(
        quake("at00xyz", ["us7000abcd", "at00xyz"], 9, mag=6.1, place=place, alert="yellow")
    )
    assert watch(feed_config, 10).exit_code == 0
    with ledger_of() as ledger:
        assert [x.ref for x in store.list_proposals(ledger, states=None)] == ["p1"]

    # the feed fails: nothing is cancelled, the proposal stays open
    feeds.docs[SUMMARY] = Doc(b"upstream error", status=500, content_type="text/plain")
    failed = watch(feed_config, 20)
    assert (
        failed.exit_code == 1
        and "HTTP 500" in failed.stdout
        and "nothing cancelled" in failed.stdout
    )
    with ledger_of() as ledger:
        assert store.proposal(ledger, "p1").state == "open"

    # an hour later the duty officer accepts: approved content goes out at once
    accepted = invoke(
        "--config",
        str(feed_config),
        "accept",
        "p1",
        "--yes",
        "--now",
        "2026-05-22T09:30:00Z",
        "--as",
        "Duty officer",
        "--json",
        root=REPO,
    )
    assert accepted.exit_code == 0, accepted.output
    doc = json.loads(accepted.stdout)
    assert doc["action"] == "launched" and doc["state"] == "active"
    launch = doc["launch"]
    sent = [p for p in doc["posts"] if p["state"] == "sent"]
    assert sent and all(p["message"] in ("intro", "condolences") for p in sent)

    # the source revises: magnitude 6.4, a new place; later posts follow, a correction is proposed
    feeds.docs[SUMMARY] = Doc(
        quake(
            "at00xyz",
            ["us7000abcd", "at00xyz"],
            70,
            mag=6.4,
            place="5 km W of Norcia, Italy",
            alert="orange",
            status="reviewed",
        )
    )
    revised = watch(feed_config, 75)
    assert revised.exit_code == 0, revised.output
    assert "later post(s) rewritten" in revised.stdout
    with ledger_of() as ledger:
        posts = {p.key: p for p in ledger.posts(launch)}
        update = next(p for k, p in posts.items() if k.startswith("update#1/mastodon/it"))
        assert "6,4" in update.text and "5 km W of Norcia" in update.text
        condolence = posts["condolences#1/mastodon/it"]
        assert condolence.state == "sent" and "7 km SW of Norcia" in condolence.text  # as sent
        correction = next(p for p in store.list_proposals(ledger) if p.kind == "correction")
        assert correction.launch_id == launch and correction.plan["posts"]
        source = store.source_of(ledger, launch)
        assert source["facts"]["magnitude"] == "6.4"
        actions = [e.action for e in ledger.events(launch)]
        assert "launch.facts-revised" in actions

    done = invoke(
        "--config",
        str(feed_config),
        "accept",
        correction.ref,
        "--yes",
        "--now",
        "2026-05-22T09:46:00Z",
        root=REPO,
    )
    assert done.exit_code == 0, done.output
    with ledger_of() as ledger:
        fixes = [p for p in ledger.posts(launch) if p.message.startswith("correction-")]
        assert fixes and all(p.state == "sent" for p in fixes)
        assert any("Rettifica" in p.text and "6,4" in p.text for p in fixes)
        # accepting twice adds nothing
    twice = invoke("--config", str(feed_config), "accept", correction.ref, "--yes", root=REPO)
    assert twice.exit_code == 2 and "accepted" in twice.stderr

    # USGS deletes the event: a halt is proposed, nothing is halted by itself
    feeds.docs[SUMMARY] = Doc(
        quake(
            "at00xyz",
            ["us7000abcd", "at00xyz"],
            120,
            mag=6.4,
            place="5 km W of Norcia, Italy",
            status="deleted",
        )
    )
    deleted = watch(feed_config, 121)
    assert "halt proposed" in deleted.stdout, deleted.output
    with ledger_of() as ledger:
        assert ledger.resolve(launch).state == "active"
        halt = next(p for p in store.list_proposals(ledger) if p.kind == "halt")
    stop = invoke("--config", str(feed_config), "accept", halt.ref, "--yes", root=REPO)
    assert stop.exit_code == 0, stop.output
    with ledger_of() as ledger:
        assert ledger.resolve(launch).state == "halted"
