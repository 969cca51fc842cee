"""CAP in and out: an Alert, an Update and a Cancel from a civil-protection feed; the launch
written back as CAP 1.2, validated against the OASIS schema by xmlschema (an XML Schema
validator other than the lxml that writes it); launcher reading its own feed as a source."""

from __future__ import annotations

import json
import re
from pathlib import Path

import xmlschema

from launcher.feeds import store
from tests.conftest import REPO, invoke

from .fixtures import T0, atom, cap_alert, ioda_alerts, ooni_answer, ooni_findings, usgs_summary
from .server import Doc, FeedServer
from .test_sequence_usgs import SIGNIFICANT, SUMMARY, ledger_of

XSD = REPO / "launcher" / "cap" / "CAP-v1.2.xsd"
FEED = "/cap/unfiltered/rss.xml"
BASE = "https://cap-alerts.s3.amazonaws.com/it"
SENDER = "cap@protezionecivile.example.org"


def serve(feeds: FeedServer, names: list[str], docs: dict[str, bytes]) -> None:
    feeds.docs[SUMMARY] = feeds.docs[SIGNIFICANT] = Doc(usgs_summary([], T0))
    feeds.docs["/ooni/api/v1/aggregation"] = Doc(ooni_answer([]))
    feeds.docs["/ooni/api/v1/incidents/search"] = Doc(ooni_findings([]))
    feeds.docs["/ioda/v2/outages/alerts/country/*"] = Doc(ioda_alerts([]))
    feeds.docs[FEED] = Doc(
        atom(BASE, names, "2026-05-22T10:40:00+02:00"), content_type="application/atom+xml"
    )
    for name, body in docs.items():
        feeds.docs[f"/cap/it/{name}"] = Doc(body, content_type="application/cap+xml")


def watch(cfg: Path, at: str):
    return invoke("--config", str(cfg), "watch", "--once", "--now", at, root=REPO)


def test_alert_update_cancel_and_the_launch_as_cap(
    feeds: FeedServer, feed_config: Path, tmp_path: Path
) -> None:
    alert = cap_alert("IT-2026-0001", sent="2026-05-22T10:35:00+02:00", magnitude="6.2")
    serve(feeds, ["a1.xml"], {"a1.xml": alert})
    first = watch(feed_config, "2026-05-22T08:40:00Z")
    assert first.exit_code == 0, first.output
    assert "earthquake for rome" in first.stdout
    accepted = invoke(
        "--config",
        str(feed_config),
        "accept",
        "p1",
        "--yes",
        "--now",
        "2026-05-22T08:45:00Z",
        "--json",
        root=REPO,
    )
    assert accepted.exit_code == 0, accepted.output
    launch = json.loads(accepted.stdout)["launch"]

    # an Update references the Alert: the same event, revised (magnitude 6.0)
    update = cap_alert(
        "IT-2026-0002",
        sent="2026-05-22T11:05:00+02:00",
        msg_type="Update",
        references=f"{SENDER},IT-2026-0001,2026-05-22T10:35:00+02:00",
        magnitude="6.0",
    )
    serve(feeds, ["a2.xml", "a1.xml"], {"a1.xml": alert, "a2.xml": update})
    revised = watch(feed_config, "2026-05-22T09:10:00Z")
    assert "rewritten" in revised.stdout, revised.output
    assert len(feeds.hits("/cap/it/a1.xml")) == 1  # a CAP message is read once
    with ledger_of() as ledger:
        launches = [p for p in store.list_proposals(ledger, states=None) if p.kind == "launch"]
        assert [p.ref for p in launches] == ["p1"]  # the Update joined the Alert's event
        assert store.source_of(ledger, launch)["facts"]["magnitude"] == "6.0"

    # a Cancel proposes the halt; accepted, the launch is halted
    cancel = cap_alert(
        "IT-2026-0003",
        sent="2026-05-22T11:30:00+02:00",
        msg_type="Cancel",
        references=f"{SENDER},IT-2026-0002,2026-05-22T11:05:00+02:00",
        note="Evento annullato: errore di localizzazione",
    )
    serve(
        feeds, ["a3.xml", "a2.xml", "a1.xml"], {"a1.xml": alert, "a2.xml": update, "a3.xml": cancel}
    )
    cancelled = watch(feed_config, "2026-05-22T09:35:00Z")
    assert "halt proposed" in cancelled.stdout and "errore di localizzazione" in cancelled.stdout
    with ledger_of() as ledger:
        halt = next(p for p in store.list_proposals(ledger) if p.kind == "halt")
    accepted = invoke("--config", str(feed_config), "accept", halt.ref, "--yes", root=REPO)
    assert accepted.exit_code == 0, accepted.output
    assert f"halted: {launch}: " in accepted.stdout and "{" not in accepted.stdout
    again = invoke("--config", str(feed_config), "accept", halt.ref, "--yes", root=REPO)
    assert again.exit_code == 2 and "None" not in again.stderr

    # CAP out: Alert, Update, Cancel, each valid, each referencing the ones before
    schema = xmlschema.XMLSchema(str(XSD))
    docs = []
    for n in (1, 2, 3):
        out = invoke("cap", launch, "--message", str(n), root=REPO)
        assert out.exit_code == 0, out.output
        schema.validate(out.stdout)  # raises if invalid
        docs.append(out.stdout)
    assert [re.search(r"<msgType>(\w+)</msgType>", d).group(1) for d in docs] == [
        "Alert",
        "Update",
        "Cancel",
    ]
    assert f"<incidents>{launch}</incidents>" in docs[0]
    assert len(re.findall(r"<info>", docs[0])) == 3  # it, en, fr
    assert f"{launch}-1," in docs[1] and f"{launch}-2," in docs[2] and f"{launch}-1," in docs[2]
    for stamp in re.findall(r"<(?:sent|onset|expires)>([^<]+)<", "".join(docs)):
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d", stamp), stamp
    assert "<language>it</language>" in docs[0] and "<urgency>Past</urgency>" in docs[2]

    # the feed for others, and launcher reading it back as a source
    out_dir = tmp_path / "capfeed"
    wrote = invoke(
        "cap", "--feed", "--out", str(out_dir), "--base-url", "https://cap.example.org/", root=REPO
    )
    assert wrote.exit_code == 0, wrote.output
    for f in out_dir.glob("*.xml"):
        schema.validate(str(f))
    from launcher.feeds.base import ReadContext
    from launcher.feeds.capfeed import CAPWatcher
    from launcher.feeds.poll import Poller

    for f in out_dir.iterdir():
        feeds.docs[f"/mine/{f.name}"] = Doc(f.read_bytes(), content_type="application/xml")
    poller = Poller(mirrors={"https://cap.example.org/": f"{feeds.url}/mine/"})
    fetch = CAPWatcher().fetches({"url": "https://cap.example.org/alerts.atom"}, [])[0]
    answer = poller.poll(fetch)
    events = CAPWatcher().parse(
        answer.body, fetch, ReadContext(get=poller.get, known=lambda a: False)
    )
    assert sorted(e.fields["msgType"] for e in events) == ["Alert", "Cancel", "Update"]
    cancel_ev = next(e for e in events if e.cancelled)
    alert_ev = next(e for e in events if e.fields["msgType"] == "Alert")
    assert alert_ev.aliases[0] in cancel_ev.aliases  # the chain: one event
    assert cancel_ev.countries == ("IT",)
