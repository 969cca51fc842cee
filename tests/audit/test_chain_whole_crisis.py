"""The audit chain over a whole crisis, through the real CLI on the shipped content with
people declared: a feed proposes a launch and the duty officer accepts it; people answer
and a free-text answer is approved by a second person; a launch for two missions is halted
by group; the first launch is wound down (sunset, the daemon carrying out the date's steps);
a launch is retracted. Every one of those writes audit events from its own module; the chain
holds them all, each person's signed, and an edit of any of them directly in SQLite is named
by ``launcher log --verify``.

The sequence is played once for the module (it takes a while: whole plans on the sandbox);
each tampering test edits its own copy of the ledger.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import yaml

from launcher.adapters.sandbox import SandboxAdapter
from tests.conftest import REPO
from tests.feeds.fixtures import (
    T0,
    ioda_alerts,
    ooni_answer,
    ooni_findings,
    usgs_feature,
    usgs_summary,
)
from tests.feeds.server import Doc, FeedServer
from tests.identities import Cast, act
from tests.notify.sinks import JsonSink

SUMMARY = "/usgs/earthquakes/feed/v1.0/summary/4.5_hour.geojson"
SIGNIFICANT = "/usgs/earthquakes/feed/v1.0/summary/significant_hour.geojson"
EMPTY_RSS = b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title></channel></rss>'
PEOPLE = ("d.officer", "a.deputy", "e.chief", "p.press")


@dataclass
class Crisis:
    cast: Cast
    settings: Path
    data: Path
    sink: JsonSink
    launches: dict[str, str]
    answered: dict[str, Any]

    @property
    def ledger_file(self) -> Path:
        return self.data / "ledger.sqlite3"

    def cli(self, who: str | None, *args: str, config: Path | None = None) -> Any:
        env = {"LAUNCHER_CONFIG": str(config or self.settings), "LAUNCHER_DATA_DIR": str(self.data)}
        return act(self.cast, who, *args, env=env)


def _at(minutes: int) -> str:
    return (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")


def _content(root: Path) -> None:
    root.mkdir(parents=True)
    for name in ("playbooks", "templates", "locales"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("*.mo"))
    for name in ("missions.yaml", "guardrails.yaml", "approvals.yaml", "approval-keys.yaml",
                 "babel.cfg", "places.yaml"):  # fmt: skip
        shutil.copy2(REPO / name, root / name)


def _ok(result: Any) -> Any:
    assert result.exit_code == 0, result.output
    return result


def _json(result: Any) -> Any:
    return json.loads(_ok(result).stdout)


def _sandbox(data: Path, platform: str) -> SandboxAdapter:
    return SandboxAdapter({"data_dir": str(data), "stands_for": platform})


def _play(c: Crisis, feeds: FeedServer) -> None:
    # 08:31 the USGS feed reports M6.1 near Norcia: the watcher proposes a launch for Rome
    place = "7 km SW of Norcia, Italy"
    feature = usgs_feature("us7000abcd", ["us7000abcd"], time=T0, updated=T0 + timedelta(minutes=1),
                           mag=6.1, place=place)  # fmt: skip
    feeds.docs[SUMMARY] = Doc(usgs_summary([feature], T0 + timedelta(minutes=1)))
    watched = _ok(c.cli(None, "watch", "--once", "--now", _at(1)))
    assert "proposal p1: earthquake for rome" in watched.stdout
    # 08:40 the duty officer accepts it with their key: approved content, out at once
    accepted = _json(c.cli("d.officer", "accept", "p1", "--yes", "--now", _at(10), "--json"))
    assert accepted["action"] == "launched" and accepted["state"] == "active"
    rome = c.launches["rome"] = accepted["launch"]

    # 09:45 people answer; the listening post collects; one is answered, one dismissed
    posts = {(p["platform"], p["locale"], p["message"]): p for p in accepted["posts"]}
    handles = {(a["platform"], a["locale"]): a["handle"] for a in accepted["accounts"]}
    ours = posts[("bluesky", "it", "condolences")]["platform_post_id"]
    bsky = _sandbox(c.data, "bluesky")
    bsky.receive(handles[("bluesky", "it")], "reply", author="luca", target=ours,
                 text="Mio fratello è a Modena, come faccio?")  # fmt: skip
    bsky.receive(handles[("bluesky", "it")], "reply", author="spam", target=ours,
                 text="Guadagna subito con le cripto")  # fmt: skip
    _ok(c.cli(None, "listen", "--once", "--now", _at(75)))
    items = _json(c.cli(None, "inbox", rome, "--json"))["items"]
    brother = next(i for i in items if "fratello" in i["text"])
    spam = next(i for i in items if "cripto" in i["text"])
    asked = _json(c.cli("d.officer", "answer", str(brother["id"]), "--text",
                        "Chiami il numero di emergenza dell'ambasciata.", "--now", _at(76),
                        "--json"))  # fmt: skip
    assert asked["state"] == "awaiting-approval"
    released = _json(c.cli("a.deputy", "approve", "answer", str(asked["answer"]), "--json"))
    assert released["post_state"] == "sent"
    c.answered.update(released)
    _ok(c.cli("d.officer", "dismiss", str(spam["id"]), "--reason", "spam"))

    # 10:00 a second earthquake: one launch for Ankara and Kyiv, then halted as a group
    group = _json(c.cli("d.officer", "run", "earthquake", "--missions", "ankara,kyiv", "--set",
                        "region=Anatolia", "--set", "magnitude=6.3", "--at", _at(90), "--now",
                        _at(90), "--yes", "--json"))  # fmt: skip
    c.launches["group"] = group["group"]
    c.launches["ankara"], c.launches["kyiv"] = (x["launch"] for x in group["launches"])
    halted = _json(c.cli("a.deputy", "halt", "--group", group["group"], "--json"))
    assert set(halted["halted"]) == {c.launches["ankara"], c.launches["kyiv"]}
    # what Kyiv published is taken down (archived first)
    retracted = _json(c.cli("e.chief", "retract", c.launches["kyiv"], "--yes", "--json"))
    assert retracted["retracted"] and retracted["archive"]

    # weeks later Rome's response is wound down; the daemon carries out the date's steps
    planned = _json(c.cli("d.officer", "sunset", rome, "--on", "2026-07-01", "--successor",
                          "@embassy@social.example.org", "--now", "2026-05-26T08:00:00Z",
                          "--yes", "--json"))  # fmt: skip
    c.launches["sunset"] = planned["sunset"]
    for when in ("2026-06-01T08:00:01Z", "2026-06-17T08:00:01Z", "2026-06-29T08:00:01Z",
                 "2026-07-01T08:00:01Z"):  # fmt: skip
        _ok(c.cli(None, "daemon", "--once", "--now", when))


@pytest.fixture(scope="module")
def crisis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Crisis]:
    base = tmp_path_factory.mktemp("crisis")
    root = base / "content"
    _content(root)
    sink, feeds = JsonSink(), FeedServer().start()
    feeds.docs[SIGNIFICANT] = Doc(usgs_summary([], T0))
    feeds.docs["/cap/unfiltered/rss.xml"] = Doc(EMPTY_RSS, content_type="application/rss+xml")
    feeds.docs["/ooni/api/v1/aggregation"] = Doc(ooni_answer([]))
    feeds.docs["/ooni/api/v1/incidents/search"] = Doc(ooni_findings([]))
    feeds.docs["/ioda/v2/outages/alerts/country/*"] = Doc(ioda_alerts([]))
    settings = base / "launcher.yaml"
    settings.write_text(
        yaml.safe_dump(
            {
                "feeds": {
                    "mirrors": {
                        "https://earthquake.usgs.gov/": f"{feeds.url}/usgs/",
                        "https://cap-alerts.s3.amazonaws.com/": f"{feeds.url}/cap/",
                        "https://api.ooni.io/": f"{feeds.url}/ooni/",
                        "https://api.ioda.inetintel.cc.gatech.edu/": f"{feeds.url}/ioda/",
                    }
                },
                "notifications": {"attempts": 1},
            }
        ),
        encoding="utf-8",
    )
    hook = f"json://127.0.0.1:{sink.port}"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OFFICER_HOOK", f"{hook}/officer")
        mp.setenv("DEPUTY_HOOK", f"{hook}/deputy")
        for name in ("LAUNCHER_ROOT", "LAUNCHER_SANDBOX_FAIL", "LAUNCHER_KEY"):
            mp.delenv(name, raising=False)
        cast = Cast(root, base / "keys", cast={})
        cast.add("d.officer", name="D. Officer", roles=["launcher"],
                 contacts={"notify": "env:OFFICER_HOOK"})  # fmt: skip
        cast.add("a.deputy", name="A. Deputy", roles=["launcher", "launch-approver"],
                 contacts={"notify": "env:DEPUTY_HOOK"})  # fmt: skip
        cast.add("e.chief", name="E. Chief", roles=["launcher", "emergency"])
        cast.add("p.press", name="P. Press", roles=["author", "content-approver"])
        data = base / "data"
        data.mkdir()
        c = Crisis(cast, settings, data, sink, {}, {})
        mp.setenv("LAUNCHER_DATA_DIR", str(data))
        try:
            _play(c, feeds)
            yield c
        finally:
            feeds.stop()
            sink.close()


def _events(c: Crisis) -> list[dict[str, Any]]:
    con = sqlite3.connect(c.ledger_file)
    try:
        rows = con.execute("select id, actor, action, launch_id from events order by id").fetchall()
    finally:
        con.close()
    return [{"id": r[0], "actor": r[1], "action": r[2], "launch": r[3]} for r in rows]


#: an event each of the capabilities writes, by its own module
NEW_WRITERS = {
    "proposal.launch": "launcher/feeds (the watcher's proposal)",
    "proposal.accepted": "launcher/feeds (accept)",
    "inbox.collected": "launcher/listening (collection)",
    "answer.awaiting-approval": "launcher/listening (a free-text answer)",
    "answer.approved": "launcher/listening (the second person)",
    "inbox.dismissed": "launcher/listening (dismiss)",
    "group.created": "ledger/groups (a run for several missions)",
    "launch.halted": "ledger/control (halt --group)",
    "archive.written": "ledger/archives (retract and sunset archive first)",
    "post.retracted": "launch/lifecycle (retract)",
    "sunset.planned": "ledger/sunsets (sunset)",
    "sunset.done": "sunset/steps (the daemon on the date)",
    "launch.ended": "ledger/sunsets (the last step)",
    "account.credentials-forgotten": "ledger/sunsets (revoke)",
    "notification.sent": "launcher/notify",
}


def test_a_whole_crisis_leaves_one_intact_chain_every_person_signed(crisis: Crisis) -> None:
    events = _events(crisis)
    actions = {e["action"] for e in events}
    assert set(NEW_WRITERS) <= actions, set(NEW_WRITERS) - actions
    verified = crisis.cli(None, "log", "--verify", "--json")
    assert verified.exit_code == 0, verified.output
    report = json.loads(verified.stdout)
    assert report["ok"] and report["links"] == len(events)
    by_people = [e for e in events if e["actor"] in PEOPLE]
    assert report["signed"] == len(by_people)  # every event a person caused carries their key
    who = {(e["action"], e["actor"]) for e in events}
    for expected in (
        ("proposal.accepted", "d.officer"),
        ("launch.created", "d.officer"),
        ("answer.awaiting-approval", "d.officer"),
        ("answer.approved", "a.deputy"),
        ("inbox.dismissed", "d.officer"),
        ("group.created", "d.officer"),
        ("launch.halted", "a.deputy"),
        ("post.retracted", "e.chief"),
        ("sunset.planned", "d.officer"),
    ):
        assert expected in who, expected
    # the answer was sent by the approver's release, signed by them
    sent = [e for e in events if e["action"] == "post.sent" and e["actor"] == "a.deputy"]
    assert sent


def test_the_duty_officers_heard_of_the_proposal(crisis: Crisis) -> None:
    told = [r["json"] for r in crisis.sink.received if r["path"] == "/officer"]
    [proposal] = [m for m in told if m["title"].startswith("[launcher] proposal p1")]
    assert proposal["title"] == "[launcher] proposal p1: launch earthquake for rome"
    body = proposal["message"]
    for needed in ("A feed proposes a launch: earthquake for rome (trigger usgs-strong)",
                   "magnitude=6.1", "launcher accept p1", 'launcher dismiss p1 --reason "..."',
                   "https://earthquake.usgs.gov/earthquakes/eventpage/us7000abcd"):  # fmt: skip
        assert needed in body, needed
    deputy = [r["json"]["title"] for r in crisis.sink.received if r["path"] == "/deputy"]
    assert "[launcher] proposal p1: launch earthquake for rome" in deputy  # a duty officer too


@pytest.mark.parametrize(
    "action",
    ["proposal.accepted", "answer.approved", "group.created", "launch.halted",
     "sunset.planned", "sunset.done", "archive.written", "post.retracted"],
)  # fmt: skip
def test_an_edited_event_of_any_capability_is_named(
    crisis: Crisis, action: str, tmp_path: Path
) -> None:
    copy = tmp_path / "ledger.sqlite3"
    shutil.copy2(crisis.ledger_file, copy)
    settings = tmp_path / "launcher.yaml"
    settings.write_text(f"database_url: sqlite:///{copy}\n", encoding="utf-8")
    con = sqlite3.connect(copy)
    (target,) = con.execute(
        "select id from events where action = ? order by id limit 1", (action,)
    ).fetchone()
    con.execute("update events set detail = '{}' where id = ?", (target,))
    con.commit()
    con.close()
    broken = crisis.cli(None, "log", "--verify", config=settings)
    assert broken.exit_code == 1, broken.output
    assert f"first broken link: event #{target} " in broken.stderr, broken.stderr
    assert action in broken.stderr
    report = json.loads(crisis.cli(None, "log", "--verify", "--json", config=settings).stdout)
    assert report["first_broken"]["event_id"] == target
    assert report["first_broken"]["kind"] == "edited"
    # the original is untouched
    assert crisis.cli(None, "log", "--verify").exit_code == 0
    assert os.path.getsize(crisis.ledger_file) > 0
