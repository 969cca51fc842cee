"""OONI findings (``/api/v1/incidents/search``) through the real CLI on the shipped content:
a finding appears, is edited, fails to come, leaves the answer, ends; with the aggregation
watcher's measurements of the same block it makes one decision, not two launches."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from launcher.errors import FeedError
from launcher.feeds import store
from launcher.feeds.base import Fetch, ReadContext
from launcher.feeds.ooni_findings import OONIFindingsWatcher
from tests.conftest import REPO, invoke

from .fixtures import T0, ooni_answer, ooni_finding, ooni_findings, ooni_hours
from .server import Doc, FeedServer
from .test_sequence_usgs import ledger_of
from .test_watchers import quiet

SEARCH = "/ooni/api/v1/incidents/search"
START = T0 - timedelta(hours=6)  # 2026-05-22 02:30 UTC: the block began


def at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def watch(cfg: Path, minutes: int, *extra: str):
    return invoke("--config", str(cfg), "watch", "--once", "--now", at(minutes), *extra, root=REPO)


def finding(updated_min: int = 0, **kw) -> dict:
    base = dict(
        title="Twitter blocked in Turkey",
        start=START,
        updated=T0 + timedelta(minutes=updated_min),
        ccs=["TR"],
        domains=["twitter.com", "x.com"],
        short="OONI data shows the blocking of twitter.com on multiple networks in Turkey.",
        asns=[9121, 15897],
    )
    return ooni_finding("134560992", **{**base, **kw})


def serve_findings(feeds: FeedServer, incidents: list[dict], **doc) -> None:
    """The search answer: findings for the country asked (``country_code``), as OONI filters."""

    def answer(query: dict[str, str]) -> bytes:
        cc = query.get("country_code")
        return ooni_findings([i for i in incidents if cc in i["CCs"]])

    feeds.docs[SEARCH] = Doc(answer, **doc)


def aggregation(anomalies: int):
    def answer(query: dict[str, str]) -> bytes:
        if query.get("probe_cc") != "TR" or "twitter.com" not in query.get("domain", ""):
            return ooni_answer([])
        start = (T0 - timedelta(hours=12)).replace(minute=0)
        return ooni_answer(ooni_hours(start, 12, measured=60, anomalies=anomalies))

    return answer


def store_failures(key: str) -> int:
    with ledger_of() as ledger:
        return int(store.state_of(ledger, key)["failures"])


def parse(body: bytes, now: datetime = T0, platforms=("x", "facebook", "telegram")) -> list:
    fetch = Fetch(
        key="k",
        url="https://api.ooni.io/api/v1/incidents/search",
        params={"country_code": "TR"},
        context={"cc": "TR", "platforms": platforms},
    )
    ctx = ReadContext(get=lambda _u: b"", known=lambda _a: False, now=now)
    return OONIFindingsWatcher().parse(body, fetch, ctx)


def test_a_finding_names_platforms_by_domain_and_test_and_says_what_it_says() -> None:
    body = ooni_findings(
        [
            finding(),
            ooni_finding(
                "2",
                title="Facebook and Telegram restricted",
                start=START,
                updated=T0,
                ccs=["TR", "IR"],
                domains=["m.facebook.com"],
                test_names=["telegram"],
            ),
            ooni_finding(  # news sites: no platform of launcher's, not an event
                "3", title="News blocked", start=START, updated=T0, ccs=["TR"], domains=["bbc.com"]
            ),
            ooni_finding(  # x.com.example.org is not x.com
                "4", title="Lookalike", start=START, updated=T0, ccs=["TR"], domains=["x.com.evil"]
            ),
        ]
    )
    events = parse(body)
    assert [e.aliases for e in events] == [
        ("ooni-finding:134560992:x",),
        ("ooni-finding:2:facebook",),
        ("ooni-finding:2:telegram",),
    ]
    x = events[0]
    assert x.link == "https://explorer.ooni.org/findings/134560992"
    assert x.fields["platform"] == "x" and x.fields["ongoing"] is True and not x.ended
    assert x.fields["start_time"] == START and x.fields["published"] is True
    assert x.countries == ("TR",) and events[1].countries == ("TR", "IR")
    assert '"Twitter blocked in Turkey"' in x.measured and "multiple networks" in x.measured
    assert "AS9121, AS15897" in x.measured and "since 2026-05-22 02:30 UTC" in x.measured
    # an end_time set ahead of time: ongoing until then, ended after (a new revision)
    later = ooni_findings([finding(end=T0 + timedelta(hours=2))])
    (before,) = parse(later, now=T0)
    (after,) = parse(later, now=T0 + timedelta(hours=3))
    assert not before.ended and after.ended and before.revision != after.revision
    assert "ended on 2026-05-22 10:30 UTC" in after.note


@pytest.mark.parametrize(
    ("body", "said"),
    [
        (b"<html>busy</html>", "not JSON"),
        (b'{"detail": "rate limited"}', "OONI said: rate limited"),
        (b'{"results": []}', "no 'incidents' list"),
    ],
)
def test_an_answer_that_is_not_a_findings_list_is_a_failed_fetch(body: bytes, said: str) -> None:
    with pytest.raises(FeedError, match=said):
        parse(body)


def test_a_finding_from_publication_to_its_end_without_a_decision(
    feeds: FeedServer, feed_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiet(feeds)
    unpublished = finding(published=False)
    serve_findings(feeds, [unpublished])
    assert watch(feed_config, 1).exit_code == 0
    with ledger_of() as ledger:
        assert store.list_proposals(ledger) == []  # the trigger wants published findings

    # published: a proposal within the same poll, quoting the finding and linking to it
    serve_findings(feeds, [finding(updated_min=5)])
    first = watch(feed_config, 6, "--force")
    assert first.exit_code == 0, first.output
    assert "proposal p1: platform-ban for ankara" in first.stdout
    with ledger_of() as ledger:
        (p,) = store.list_proposals(ledger)
        assert (p.trigger, p.facts) == (
            "ooni-finding",
            {"platform": "x", "occurred_at": "2026-05-22T02:30:00Z"},
        )
        assert p.link == "https://explorer.ooni.org/findings/134560992"
        assert any("published True meets equals True" in r for r in p.reasons)
        assert any("multiple networks in Turkey" in r for r in p.reasons)
        assert p.plan["mission"] == "ankara"
    asked = {q for path, q, _h in feeds.requests if path == SEARCH}
    assert "country_code=TR" in asked and "country_code=IT" in asked  # one per mission country

    # the same answer again: sent back conditionally, 304, nothing changes
    again = watch(feed_config, 40, "--force")
    assert again.exit_code == 0 and "0 event(s) changed" in again.stdout, again.output
    assert ": 0 unchanged" not in again.stdout  # the findings (and others) answered 304
    assert any(h.get("If-None-Match") for h in feeds.hits(SEARCH))

    # edited (a new summary, one more network): a revision, the same facts: the same proposal
    serve_findings(feeds, [finding(updated_min=50, asns=[9121, 15897, 47331])])
    assert watch(feed_config, 51, "--force").exit_code == 0
    with ledger_of() as ledger:
        assert [(x.ref, x.state) for x in store.list_proposals(ledger, states=None)] == [
            ("p1", "open")
        ]
        (event_id,) = {x.event_id for x in store.list_proposals(ledger)}
        assert len(store.revisions(ledger, event_id)) == 2

    # the API fails, then does not answer in time: failures, nothing cancelled
    serve_findings(feeds, [finding(updated_min=50)], status=500)
    failed = watch(feed_config, 60, "--force")
    assert failed.exit_code == 1 and "HTTP 500" in failed.stdout, failed.output
    key = "ooni-findings https://api.ooni.io/api/v1/incidents/search TR"
    with ledger_of() as ledger:
        state = store.state_of(ledger, key)
        assert state["failures"] == 1 and "HTTP 500" in state["error"]
        assert state["next_at"] - (T0 + timedelta(minutes=60)).timestamp() == 1800  # backoff
    assert watch(feed_config, 61).exit_code == 0  # not due again yet: left alone
    assert store_failures(key) == 1
    timeout = OONIFindingsWatcher.timeout
    monkeypatch.setattr(OONIFindingsWatcher, "timeout", 0.3)
    serve_findings(feeds, [finding(updated_min=50)], delay=1.5)
    slow = watch(feed_config, 70, "--force")
    assert slow.exit_code == 1 and "no answer within 0.3 s" in slow.stdout, slow.output
    monkeypatch.setattr(OONIFindingsWatcher, "timeout", timeout)
    # the finding leaves the answer (unpublished, or a partial answer): still nothing cancelled
    serve_findings(feeds, [])
    assert watch(feed_config, 80, "--force").exit_code == 0
    with ledger_of() as ledger:
        assert store.proposal(ledger, "p1").state == "open"
        assert store.state_of(ledger, key)["failures"] == 0

    # it ends before anyone decided: the proposal is withdrawn, saying why
    serve_findings(feeds, [finding(updated_min=90, end=T0 + timedelta(minutes=85))])
    ended = watch(feed_config, 91, "--force")
    assert ended.exit_code == 0 and "p1 withdrawn" in ended.stdout, ended.output
    with ledger_of() as ledger:
        p = store.proposal(ledger, "p1")
        assert p.state == "withdrawn" and "ended on 2026-05-22 09:55 UTC" in p.note
        assert len(store.list_proposals(ledger, states=None)) == 1  # not proposed again


def test_measurements_and_a_finding_of_the_same_block_make_one_decision(
    feeds: FeedServer, feed_config: Path
) -> None:
    # the aggregation watcher's measurements cross the threshold first: p1
    quiet(feeds, aggregation(45))
    serve_findings(feeds, [])
    assert watch(feed_config, 10).exit_code == 0
    # then OONI publishes a finding about the same block, and one about Facebook
    facebook = ooni_finding(
        "77",
        title="Facebook blocked",
        start=START,
        updated=T0,
        ccs=["TR"],
        domains=["facebook.com"],
    )
    serve_findings(feeds, [finding(), facebook])
    both = watch(feed_config, 20, "--force")
    assert both.exit_code == 0, both.output
    assert "evidence p2: OONI finding 134560992" in both.stdout and "evidence for p1" in both.stdout
    with ledger_of() as ledger:
        rows = store.list_proposals(ledger, states=None)
        assert [(p.ref, p.kind, p.state, p.trigger, p.facts["platform"]) for p in rows] == [
            ("p1", "launch", "open", "ooni-block", "x"),
            ("p2", "evidence", "attached", "ooni-finding", "x"),
            ("p3", "launch", "open", "ooni-finding", "facebook"),  # another platform: its own
        ]
        p1 = rows[0]
        assert any(r.startswith("OONI web_connectivity measurements") for r in p1.reasons)
        assert any(
            "also reported by ooni-findings" in r and "explorer.ooni.org/findings/134560992" in r
            for r in p1.reasons
        )
        assert any("multiple networks in Turkey" in r for r in p1.reasons)
    # the evidence row cannot be accepted itself; the proposal it supports is the decision
    refused = invoke("--config", str(feed_config), "accept", "p2", "--yes", root=REPO)
    assert refused.exit_code == 2 and "evidence for p1" in refused.stderr, refused.output
    # more passes change nothing: no second proposal for the same block
    assert watch(feed_config, 80, "--force").exit_code == 0
    with ledger_of() as ledger:
        assert len(store.list_proposals(ledger, states=None)) == 3
    shown = invoke("proposals", "p1", root=REPO)
    assert "explorer.ooni.org/findings/134560992" in shown.stdout, shown.output
    assert "note: evidence for p1" in invoke("proposals", "p2", root=REPO).stdout
    listed = invoke("proposals", root=REPO).stdout  # open ones: the two decisions to make
    assert "p1 " in listed and "p3 " in listed and "p2 " not in listed


def test_a_finding_first_then_the_measurements_join_it(
    feeds: FeedServer, feed_config: Path
) -> None:
    quiet(feeds, aggregation(20))  # below the threshold
    serve_findings(feeds, [finding()])
    assert watch(feed_config, 10).exit_code == 0
    feeds.docs["/ooni/api/v1/aggregation"] = Doc(aggregation(45))
    later = watch(feed_config, 20, "--force")
    assert "evidence p2" in later.stdout and "evidence for p1" in later.stdout, later.output
    with ledger_of() as ledger:
        p1, p2 = store.list_proposals(ledger, states=None)
        assert (p1.trigger, p2.kind, p2.trigger) == ("ooni-finding", "evidence", "ooni-block")
        assert any("anomaly rate 76%" in r for r in p1.reasons)


def test_a_block_from_the_finding_to_its_end_on_the_sandbox(
    feeds: FeedServer, feed_config: Path
) -> None:
    """The measurements stay below the threshold; OONI publishes a finding; the duty officer
    accepts an hour later (a new process: a restart between every step); the launch goes out
    on the sandbox; the finding is edited, then ends: the duty officer is told, nothing
    stops by itself; they halt what is left."""
    quiet(feeds, aggregation(20))
    serve_findings(feeds, [])
    assert watch(feed_config, 0).exit_code == 0
    with ledger_of() as ledger:
        assert store.list_proposals(ledger) == []  # anomalies, not a ban

    serve_findings(feeds, [finding(updated_min=4)])
    seen = watch(feed_config, 5, "--force")
    assert "proposal p1: platform-ban for ankara" in seen.stdout, seen.output

    accepted = invoke(
        "--config",
        str(feed_config),
        "accept",
        "p1",
        "--yes",
        "--now",
        at(65),
        "--as",
        "Duty officer",
        root=REPO,
    )
    assert accepted.exit_code == 0, accepted.output
    with ledger_of() as ledger:
        (launch,) = ledger.launch_ids()
        assert ledger.resolve(launch).state == "active"
        posts = ledger.posts(launch)
        assert any(p.state == "sent" for p in posts)
        assert not any(p.platform == "x" for p in posts)  # nothing on the blocked platform
        assert any(p.state == "scheduled" and p.message == "daily-reminder" for p in posts)

    # the finding is edited: the launch's facts do not change, nothing is proposed
    serve_findings(feeds, [finding(updated_min=120, short="Confirmed on 12 networks.")])
    edited = watch(feed_config, 121, "--force")
    assert edited.exit_code == 0 and "changes none of its facts" in edited.stdout, edited.output
    with ledger_of() as ledger:
        assert [p.kind for p in store.list_proposals(ledger)] == []

    # the finding ends: the duty officer is told (a halt proposal); the launch goes on
    serve_findings(feeds, [finding(updated_min=600, end=T0 + timedelta(minutes=590))])
    ended = watch(feed_config, 601, "--force")
    assert ended.exit_code == 0, ended.output
    assert f"{launch}: OONI finding 134560992 says the block ended" in ended.stdout
    assert "halt proposed" in ended.stdout
    with ledger_of() as ledger:
        assert ledger.resolve(launch).state == "active"
        (halt,) = store.list_proposals(ledger)
        assert (halt.kind, halt.launch_id) == ("halt", launch)
        assert "ended on 2026-05-22 18:20 UTC" in halt.reasons[0]
        assert "accept halts them" in halt.reasons[1]
        assert "launch.source-ended" in [e.action for e in ledger.events(launch)]
    # told once: later edits of the ended finding propose nothing more
    serve_findings(feeds, [finding(updated_min=700, end=T0 + timedelta(minutes=590))])
    assert watch(feed_config, 701, "--force").exit_code == 0
    with ledger_of() as ledger:
        assert len(store.list_proposals(ledger)) == 1
    stop = invoke(
        "--config", str(feed_config), "accept", halt.ref, "--yes", "--now", at(710), root=REPO
    )
    assert stop.exit_code == 0, stop.output
    with ledger_of() as ledger:
        assert ledger.resolve(launch).state == "halted"
        assert not any(p.state == "scheduled" for p in ledger.posts(launch))


def test_the_end_of_a_finding_reaches_the_launch_it_supported(
    feeds: FeedServer, feed_config: Path
) -> None:
    quiet(feeds, aggregation(45))
    serve_findings(feeds, [])
    assert watch(feed_config, 10).exit_code == 0  # p1 from the measurements
    assert (
        invoke("--config", str(feed_config), "accept", "p1", "--yes", "--now", at(15), root=REPO)
    ).exit_code == 0
    serve_findings(feeds, [finding(updated_min=20)])
    joined = watch(feed_config, 21, "--force")
    assert "evidence p2" in joined.stdout and "(launch " in joined.stdout, joined.output
    with ledger_of() as ledger:
        (launch,) = ledger.launch_ids()
        assert "launch.corroborated" in [e.action for e in ledger.events(launch)]
        assert [p.kind for p in store.list_proposals(ledger)] == []  # no second launch
    serve_findings(feeds, [finding(updated_min=300, end=T0 + timedelta(minutes=290))])
    ended = watch(feed_config, 301, "--force")
    assert f"{launch}: OONI finding 134560992 says the block ended" in ended.stdout, ended.output
    with ledger_of() as ledger:
        (halt,) = store.list_proposals(ledger)
        assert (halt.kind, halt.launch_id, halt.trigger) == ("halt", launch, "ooni-finding")
        assert ledger.resolve(launch).state == "active"


def test_validate_checks_a_findings_trigger_with_file_and_line(tmp_path: Path) -> None:
    import shutil

    root = tmp_path / "content"
    root.mkdir()
    for name in ("playbooks", "templates", "locales"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("*.mo"))
    for name in ("missions.yaml", "guardrails.yaml", "babel.cfg", "places.yaml"):
        shutil.copy(REPO / name, root / name)
    assert invoke("validate", root=root).exit_code == 0
    pb = root / "playbooks" / "platform-ban.yaml"
    text = pb.read_text(encoding="utf-8")
    shipped = """    options: {platforms: [x, facebook, telegram, bluesky, mastodon]}
    when:
      published: {equals: true}
      ongoing: {equals: true}
    facts:
      platform: platform
      occurred_at: start_time
"""
    assert shipped in text
    pb.write_text(
        text.replace(
            shipped,
            """    options: {platforms: [x, myspace], window: 24}
    when:
      publised: {equals: true}
      ongoing: {min: 1}
    facts:
      platform: platform
      occurred_at: title
""",
        ),
        encoding="utf-8",
    )
    line = text[: text.index("  - id: ooni-finding")].count("\n") + 1
    result = invoke("validate", root=root)
    assert result.exit_code == 2
    err = result.stderr
    where = "playbooks/platform-ban.yaml:{}: triggers.ooni-finding."
    for offset, said in [
        (3, "options.platforms: 'myspace' is not one of ooni-findings's platforms"),
        (3, "options.window: ooni-findings has no option 'window'"),
        (5, "when.publised: ooni-findings has no field 'publised', did you mean 'published'"),
        (6, "when.ongoing: 'min' needs a number; ongoing is boolean"),
        (9, "facts.occurred_at: title is text: it cannot fill parameter 'occurred_at'"),
    ]:
        assert where.format(line + offset) + said in err, err
