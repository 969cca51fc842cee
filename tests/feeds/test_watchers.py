"""OONI thresholds, auto: true, timeouts and backoff, and triggers checked by validate."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import pytest
import yaml

from launcher.feeds import store
from launcher.feeds.usgs import USGSWatcher
from tests.conftest import REPO, invoke

from .fixtures import (
    T0,
    ioda_alerts,
    ooni_answer,
    ooni_findings,
    ooni_hours,
    usgs_feature,
    usgs_summary,
)
from .server import Doc, FeedServer
from .test_sequence_usgs import EMPTY_RSS, SIGNIFICANT, SUMMARY, ledger_of


def quiet(feeds: FeedServer, ooni=None) -> None:
    feeds.docs[SIGNIFICANT] = feeds.docs[SUMMARY] = Doc(usgs_summary([], T0))
    feeds.docs["/cap/unfiltered/rss.xml"] = Doc(EMPTY_RSS, content_type="application/rss+xml")
    feeds.docs["/ooni/api/v1/aggregation"] = Doc(ooni or ooni_answer([]))
    feeds.docs["/ooni/api/v1/incidents/search"] = Doc(ooni_findings([]))
    feeds.docs["/ioda/v2/outages/alerts/country/*"] = Doc(ioda_alerts([]))


def watch(cfg: Path, at: str, root: Path = REPO):
    return invoke("--config", str(cfg), "watch", "--once", "--now", at, root=root)


@pytest.mark.parametrize(
    ("anomalies", "proposed"),
    [(20, False), (45, True)],  # 20 of 59 usable: anomalies, not a ban; 45 of 59: over 60 %
)
def test_ooni_proposes_a_platform_ban_only_over_the_declared_threshold(
    feeds: FeedServer, feed_config: Path, anomalies: int, proposed: bool
) -> None:
    def answer(query: dict[str, str]) -> bytes:
        if query.get("probe_cc") != "TR" or "twitter.com" not in query.get("domain", ""):
            return ooni_answer([])
        assert query["axis_x"] == "measurement_start_day" and query["time_grain"] == "hour"
        start = (T0 - timedelta(hours=12)).replace(minute=0)
        return ooni_answer(ooni_hours(start, 12, measured=60, anomalies=anomalies))

    quiet(feeds, answer)
    result = watch(feed_config, "2026-05-22T08:40:00Z")
    assert result.exit_code == 0, result.output
    with ledger_of() as ledger:
        found = store.list_proposals(ledger)
    if not proposed:
        assert found == []
        return
    (p,) = found
    assert (p.playbook, p.mission, p.facts["platform"]) == ("platform-ban", "ankara", "x")
    assert p.facts["occurred_at"] == "2026-05-21T20:00:00Z"  # the first anomalous hour
    measured = next(r for r in p.reasons if r.startswith("OONI"))
    assert "720 measurements, 540 anomalies" in measured and "anomaly rate 76%" in measured
    assert any("anomaly_rate 0.7627 meets >= 0.6" in r for r in p.reasons)


def test_a_source_that_does_not_answer_is_a_failure_with_backoff_never_a_cancellation(
    feeds: FeedServer, feed_config: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    quiet(feeds)
    monkeypatch.setattr(USGSWatcher, "timeout", 0.3)
    feeds.docs[SUMMARY] = Doc(usgs_summary([], T0), delay=1.5)
    first = watch(feed_config, "2026-05-22T08:40:00Z")
    assert first.exit_code == 1 and "no answer within 0.3 s" in first.stdout, first.output
    with ledger_of() as ledger:
        state = store.state_of(
            ledger,
            "usgs https://earthquake.usgs.gov/earthquakes/feed/v1.0/summary/4.5_hour.geojson",
        )
    assert state["failures"] == 1 and "no answer" in state["error"]
    assert (
        state["next_at"] - T0.replace(minute=40).timestamp() == 60
    )  # its poll interval, then doubling
    # a second pass at the same moment leaves it alone (backoff), the others are not due either
    again = watch(feed_config, "2026-05-22T08:40:10Z")
    assert "0 document(s)" in again.stdout or "not due" in again.stdout
    assert again.exit_code == 0


@pytest.fixture
def auto_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The shipped content with the strong-earthquake trigger set to auto: true, approved
    with a test key."""
    root = tmp_path / "content"
    root.mkdir()
    for name in ("playbooks", "templates", "locales"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("*.mo"))
    for name in ("missions.yaml", "guardrails.yaml", "babel.cfg", "places.yaml"):
        shutil.copy(REPO / name, root / name)
    pb = root / "playbooks" / "earthquake.yaml"
    text = pb.read_text(encoding="utf-8")
    pb.write_text(
        text.replace(
            "      occurred_at: properties.time\n    correction:",
            "      occurred_at: properties.time\n    auto: true\n    correction:",
            1,
        ),
        encoding="utf-8",
    )
    key = tmp_path / "approval.key"
    made = invoke("approve", "keygen", "--out", str(key), "--owner", "Test press office")
    entry = yaml.safe_load(made.stdout.split("repository:\n", 1)[1])
    (root / "approval-keys.yaml").write_text(yaml.safe_dump(entry), encoding="utf-8")
    monkeypatch.setenv("LAUNCHER_APPROVAL_KEY", f"file:{key}")
    return root


def test_auto_launches_only_approved_in_bounds_content(
    feeds: FeedServer, feed_config: Path, auto_root: Path
) -> None:
    quiet(feeds)
    near_rome = dict(time=T0, mag=6.2, lat=42.79, lon=13.09)
    feeds.docs[SUMMARY] = Doc(
        usgs_summary(
            [usgs_feature("us1", ["us1"], place="Norcia, Italy", updated=T0, **near_rome)], T0
        )
    )
    # not approved yet: proposed, not launched, and it says why
    first = watch(feed_config, "2026-05-22T08:31:00Z", auto_root)
    assert first.exit_code == 0, first.output and "AUTO-LAUNCHED" not in first.stdout
    with ledger_of() as ledger:
        (p,) = store.list_proposals(ledger)
        assert p.auto and p.note.startswith("auto: not launched") and "no approval" in p.note
        assert not ledger.launch_ids()
    assert (
        invoke(
            "approve", "content", "earthquake", "--as", "Press officer", root=auto_root
        ).exit_code
        == 0
    )

    # approved, but a fact out of bounds (a place longer than region's 50 characters): held
    long_place = "142 km WSW of a very long named town in the Apennines, Italy"
    feeds.docs[SUMMARY] = Doc(
        usgs_summary([usgs_feature("us2", ["us2"], place=long_place, updated=T0, **near_rome)], T0)
    )
    held = watch(feed_config, "2026-05-22T08:33:00Z", auto_root)
    assert "AUTO-LAUNCHED" not in held.stdout, held.output
    with ledger_of() as ledger:
        p2 = store.list_proposals(ledger)[-1]
        assert "fact region" in p2.note and not ledger.launch_ids()

    # approved and in bounds: launched by itself, loudly, through the normal path
    feeds.docs[SUMMARY] = Doc(
        usgs_summary(
            [usgs_feature("us3", ["us3"], place="Foligno, Italy", updated=T0, **near_rome)], T0
        )
    )
    done = watch(feed_config, "2026-05-22T08:35:00Z", auto_root)
    assert "AUTO-LAUNCHED" in done.stdout, done.output
    with ledger_of() as ledger:
        (launch,) = ledger.launch_ids()
        actions = [e.action for e in ledger.events(launch)]
        assert "launch.auto" in actions and "launch.created" in actions
        assert any(p.state == "sent" for p in ledger.posts(launch))
        p3 = store.list_proposals(ledger, states=("accepted",))[0]
        assert p3.decided_by.startswith("watch:") and p3.launch_id == launch


def test_validate_names_file_and_line_of_a_bad_trigger(mini_root: Path) -> None:
    pb = mini_root / "playbooks" / "quake.yaml"
    pb.write_text(
        pb.read_text(encoding="utf-8")
        + """triggers:
  - id: usgs
    source: usgs
    options: {feeds: [4.5_hourly]}
    when:
      properties.magnitude: {min: 6}
      properties.alert: {at_least: purple}
    facts:
      magnitude: properties.mag
      regoin: properties.place
  - id: other
    source: usgss
""",
        encoding="utf-8",
    )
    result = invoke("validate", root=mini_root)
    assert result.exit_code == 2
    err = result.stderr
    assert (
        "playbooks/quake.yaml:32" in err
        and "'regoin' is not a parameter" in err
        and "did you mean 'region'" in err
    )
    assert "required parameter 'region' is not filled" in err
    # once the playbook itself is sound, the checks that need the sources' declarations
    text = pb.read_text(encoding="utf-8").replace("regoin:", "region:")
    text = text.replace("source: usgss\n", "source: usgss\n    facts: {region: a, magnitude: b}\n")
    pb.write_text(text, encoding="utf-8")
    err = invoke("validate", root=mini_root).stderr
    assert "has no field 'properties.magnitude'" in err and "'purple' is not a level" in err
    assert "'4.5_hourly' is not one of usgs's feeds" in err
    assert "unknown source 'usgss', did you mean 'usgs'" in err
    assert "playbooks/quake.yaml:" in err and "triggers.usgs.when.properties.alert" in err


def test_the_watch_loop_proposes_within_one_pass_and_stops_on_request(
    feeds: FeedServer, feed_config: Path
) -> None:
    """`launcher watch` as a service: the loop polls, records the proposal, and stops."""
    import threading

    from launcher.feeds.context import FeedContext
    from launcher.feeds.watch import run_forever
    from launcher.plan.build import load_content
    from launcher.settings import load_settings

    quiet(feeds)
    feature = usgs_feature("us9", ["us9"], mag=6.3, place="Norcia, Italy", time=T0, updated=T0)
    feeds.docs[SUMMARY] = Doc(usgs_summary([feature], T0))
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

        from launcher.feeds.settings import mirrors

        run_forever(lambda: ctx, stop=stop, tick=0.05, on_report=seen, mirrors=mirrors(settings))
        assert reports and reports[0].proposals == [
            "p1: earthquake for rome (M 6.3 - Norcia, Italy)"
        ]
        assert [p.ref for p in store.list_proposals(ledger)] == ["p1"]
