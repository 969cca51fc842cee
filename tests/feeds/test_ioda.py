"""IODA outage alerts: read as IODA publishes them, never a proposal by themselves, shown with
the platform-ban proposals of the country (before or after the block is measured), and their
end a line on those proposals, never a halt."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from launcher.errors import FeedError
from launcher.feeds import store
from launcher.feeds.base import Fetch, ReadContext
from launcher.feeds.ioda import IODAWatcher
from tests.conftest import REPO, invoke

from .fixtures import T0, ioda_alert, ioda_alerts
from .server import Doc, FeedServer
from .test_ooni_findings import aggregation, at, finding, serve_findings, watch
from .test_sequence_usgs import ledger_of
from .test_watchers import quiet

ALERTS = "/ioda/v2/outages/alerts/country/*"


def fetch(cc: str = "TR") -> Fetch:
    (f,) = [
        x for x in IODAWatcher().fetches({}, [_Mission(cc)]) if x.url.endswith(f"/country/{cc}")
    ]
    return f


class _Mission:
    def __init__(self, country: str) -> None:
        self.country = country


def parse(body: bytes, now: datetime = T0) -> list:
    ctx = ReadContext(get=lambda _u: b"", known=lambda _a: False, now=now)
    return IODAWatcher().parse(body, fetch(), ctx)


def outage(end: datetime | None = None) -> list[dict]:
    """BGP critical then ping warning from 06:10; back to normal at ``end``."""
    alerts = [
        ioda_alert("TR", "Turkey", T0 - timedelta(hours=3), "normal"),
        ioda_alert("TR", "Turkey", T0 - timedelta(hours=2, minutes=20), "critical"),
        ioda_alert(
            "TR", "Turkey", T0 - timedelta(hours=2), "warning", datasource="ping-slash24", value=40
        ),
        ioda_alert("TR", "Turkey", T0 - timedelta(hours=1), "critical"),
    ]
    if end is not None:
        alerts += [
            ioda_alert("TR", "Turkey", end, "normal", value=3050),
            ioda_alert("TR", "Turkey", end, "normal", datasource="ping-slash24", value=3000),
        ]
    return alerts


def serve_ioda(feeds: FeedServer, alerts: list[dict]) -> None:
    def answer(query: dict[str, str]) -> bytes:
        cc = query["_path"].rsplit("/", 1)[-1]
        assert int(query["until"]) - int(query["from"]) == 24 * 3600
        return ioda_alerts([a for a in alerts if a["entity"]["code"] == cc])

    feeds.docs[ALERTS] = Doc(answer)


def test_a_run_of_alerts_is_one_outage_until_every_source_is_normal_again() -> None:
    (ev,) = parse(ioda_alerts(outage()))
    assert ev.fields["level"] == "critical" and ev.fields["ongoing"] is True and not ev.ended
    assert ev.fields["datasources"] == ["bgp", "ping-slash24"]
    assert ev.fields["started_at"] == T0 - timedelta(hours=2, minutes=20)
    assert ev.countries == ("TR",) and ev.link == "https://ioda.inetintel.cc.gatech.edu/country/TR"
    assert "Turkey (TR) critical on bgp, ping-slash24 since 2026-05-22 06:10 UTC" in ev.measured
    assert "bgp 1200 where 3100 is usual" in ev.measured and ev.measured.endswith("ongoing")
    # the next poll's window has moved on: it shares hours with this one, the same event
    (later,) = parse(ioda_alerts(outage()[2:]), now=T0 + timedelta(hours=1))
    assert set(later.aliases) & set(ev.aliases)
    # one source back to normal is not the end; both are
    half = [*outage(), ioda_alert("TR", "Turkey", T0, "normal")]
    (still,) = parse(ioda_alerts(half))
    assert still.fields["ongoing"] is True
    (over,) = parse(ioda_alerts(outage(end=T0)))
    assert over.ended and over.fields["ended_at"] == T0 and over.revision != ev.revision
    assert "back to normal at 2026-05-22 08:30 UTC" in over.note
    # nothing but normal: no event
    assert parse(ioda_alerts([ioda_alert("TR", "Turkey", T0, "normal")])) == []
    # the window is asked in whole five-minute steps (two polls in a step: the same URL)
    q = IODAWatcher.query(fetch(), T0 + timedelta(seconds=170))
    assert q == {"from": str(int(T0.timestamp()) - 86400), "until": str(int(T0.timestamp()))}


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"not json", "not JSON"),
        (b'{"type": "outages.alerts", "error": "from must be set", "data": null}', "IODA said"),
        (b'{"type": "outages.alerts", "error": null}', "no 'data' list"),
    ],
)
def test_an_answer_that_is_not_alerts_is_a_failed_fetch(body: bytes, said: str) -> None:
    with pytest.raises(FeedError, match=said):
        parse(body)


def test_an_outage_proposes_nothing_and_is_shown_with_the_block_it_came_with(
    feeds: FeedServer, feed_config: Path
) -> None:
    quiet(feeds, aggregation(20))
    serve_findings(feeds, [])
    serve_ioda(feeds, outage())
    first = watch(feed_config, 0)
    assert first.exit_code == 0, first.output
    with ledger_of() as ledger:
        assert store.list_proposals(ledger, states=None) == []  # an outage is not a ban
    # the finding comes: its proposal shows the outage recorded before it
    serve_findings(feeds, [finding(updated_min=10)])
    seen = watch(feed_config, 11, "--force")
    assert "proposal p1" in seen.stdout and "shown with p1" in seen.stdout, seen.output
    with ledger_of() as ledger:
        p1 = store.proposal(ledger, "p1")
        assert any(
            r.startswith("context from ioda: IODA: Internet outage in Turkey (critical)")
            and "ioda.inetintel.cc.gatech.edu/country/TR" in r
            for r in p1.reasons
        )
        assert any("critical on bgp, ping-slash24" in r for r in p1.reasons)
        (row,) = [p for p in store.list_proposals(ledger, states=None) if p.kind == "evidence"]
        assert row.state == "attached" and row.note == "context for p1"
    # more alerts of the same outage: shown once
    more = ioda_alert("TR", "Turkey", T0 + timedelta(minutes=20), "critical")
    serve_ioda(feeds, [*outage(), more])
    assert watch(feed_config, 21, "--force").exit_code == 0
    with ledger_of() as ledger:
        assert len(store.list_proposals(ledger, states=None)) == 2
    # accepted; then the outage ends: a line on the proposal, no halt (the block goes on)
    ok = invoke("--config", str(feed_config), "accept", "p1", "--yes", "--now", at(30), root=REPO)
    assert ok.exit_code == 0, ok.output
    serve_ioda(feeds, outage(end=T0 + timedelta(minutes=40)))
    over = watch(feed_config, 41, "--force")
    assert "p1 told: IODA: Internet connectivity in Turkey back to normal" in over.stdout
    with ledger_of() as ledger:
        assert [p.kind for p in store.list_proposals(ledger)] == []  # no halt proposed
        (launch,) = ledger.launch_ids()
        assert ledger.resolve(launch).state == "active"
        assert any("update: IODA" in r for r in store.proposal(ledger, "p1").reasons)


def test_an_outage_during_an_open_proposal_is_added_to_it(
    feeds: FeedServer, feed_config: Path
) -> None:
    quiet(feeds, aggregation(45))
    serve_findings(feeds, [])
    serve_ioda(feeds, [])
    assert watch(feed_config, 0).exit_code == 0  # p1 from the measurements
    serve_ioda(feeds, outage())
    later = watch(feed_config, 15, "--force")
    assert "p2: IODA: Internet outage in Turkey (critical): shown with p1" in later.stdout
    with ledger_of() as ledger:
        assert any("context from ioda" in r for r in store.proposal(ledger, "p1").reasons)


def test_validate_refuses_facts_or_auto_on_an_evidence_trigger(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "content"
    root.mkdir()
    for name in ("playbooks", "templates", "locales"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("*.mo"))
    for name in ("missions.yaml", "guardrails.yaml", "babel.cfg"):
        shutil.copy(REPO / name, root / name)
    pb = root / "playbooks" / "platform-ban.yaml"
    text = pb.read_text(encoding="utf-8")
    shipped = "    evidence: true\n    when:\n      level: {at_least: warning}\n"
    assert shipped in text
    pb.write_text(
        text.replace(
            shipped,
            "    evidence: true\n    auto: true\n    when:\n      level: {at_least: purple}\n",
        ),
        encoding="utf-8",
    )
    line = text[: text.index("  - id: ioda-outage")].count("\n") + 1
    err = invoke("validate", root=root).stderr
    assert (
        f"playbooks/platform-ban.yaml:{line + 4}:5: triggers[2].auto: an evidence trigger never"
        " proposes a launch: 'auto' does not apply" in err
    ), err
    text = pb.read_text(encoding="utf-8").replace("    auto: true\n", "")
    pb.write_text(text, encoding="utf-8")
    err = invoke("validate", root=root).stderr
    assert "triggers.ioda-outage.when.level: 'purple' is not a level of level" in err, err
