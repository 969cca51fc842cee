"""A crisis wound down as it is lived, through the real CLI on the sandbox with the shipped
content: an earthquake response for Rome, a routine launch frozen by it, then weeks later the
sunset: three hand-over posts threaded to each other and naming the successor, and on the date
the final archive, the crisis pin gone, the standby profiles back, the tokens launcher stored
revoked and forgotten, the launch ended and the routine launch thawed."""

from __future__ import annotations

import json
from pathlib import Path

from launcher.ledger import ts
from tests.conftest import REPO, invoke

from .helpers import T0, daemon, data_dir, ledger, outbox, run_quake, sunset

PLANNED = "2026-05-26T08:00:00Z"  # four days after the earthquake
ON = "2026-07-01"  # 10:00 in Rome: 08:00 UTC
SUCCESSORS = ("--successor", "@embassy@social.example.org", "--successor",
              "bluesky=embassy.example.org")  # fmt: skip


def _routine_launch() -> str:
    """A routine launch of the mission, running before the earthquake (it gets frozen)."""
    from datetime import UTC, datetime

    now = ts(datetime(2026, 5, 20, tzinfo=UTC))
    with ledger() as led:
        led.create_launch(
            launch_id="rome-weekly", playbook="weekly", mission="rome", facts={}, actor="press",
            now=now, confirmed_at=now, plan_hash="-", plan_doc=None, account_rows=[],
            post_rows=[{"key": "tip#1/sandbox/it", "message": "tip", "platform": "sandbox",
                        "locale": "it", "text": "Consiglio della settimana", "part": 1,
                        "parts": 1, "pin": False, "prev_key": None,
                        "due_at": ts(datetime(2026, 7, 10, tzinfo=UTC))}],
            kind="routine",
        )  # fmt: skip
    return "rome-weekly"


def _status(launch: str) -> dict:
    result = invoke("status", launch, "--json", root=REPO)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_crisis_wound_down_from_farewells_to_standby() -> None:
    routine = _routine_launch()
    launch = run_quake()
    assert _status(routine)["state"] == "halted"  # content freeze

    # the plan first, as `plan` shows one: nothing recorded
    dry = sunset(launch, "--on", ON, *SUCCESSORS, "--now", PLANNED, "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert "SUNSET  earthquake" in dry.stdout and "ON THE DATE" in dry.stdout
    assert "@embassy.example.org" in dry.stdout
    facts = next(line for line in dry.stdout.splitlines() if line.startswith("facts"))
    assert "{" not in facts and "'" not in facts  # the successors as words, not a repr
    assert "*: @embassy@social.example.org" in facts
    assert "sunset" not in _status(launch) or _status(launch)["sunset"] is None

    result = sunset(launch, "--on", ON, *SUCCESSORS, "--now", PLANNED, "--yes", "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    sid = doc["sunset"]
    assert doc["state"] == "active" and doc["approval"]["approved"]
    assert doc["archive"] and (Path(doc["archive"]) / "data" / "posts.json").is_file()
    verify = invoke("archive", "--verify", doc["archive"], root=REPO)
    assert verify.exit_code == 0 and "OK" in verify.stdout
    farewells = doc["posts"]
    assert len(farewells) == 3 * 15 and all(p["state"] == "scheduled" for p in farewells)
    assert {p["message"] for p in farewells} == {"handover-month", "handover-fortnight", "farewell"}
    assert all(s["state"] == "scheduled" for s in doc["steps"])
    # planning it twice is refused, naming the first
    again = sunset(launch, "--on", ON, "--now", PLANNED, "--yes")
    assert again.exit_code == 2 and sid in again.output

    # the hand-overs, two weeks apart, then the farewell, pinned
    for when in ("2026-06-01T08:00:01Z", "2026-06-17T08:00:01Z", "2026-06-29T08:00:01Z"):
        daemon(when)
    sent = {p["key"]: p for p in _status(sid)["posts"]}
    assert all(p["state"] == "sent" for p in sent.values()), sent
    bsky = sent["farewell#1/bluesky/it"]
    assert "@embassy.example.org" in bsky["text"] and "1 luglio 2026" in bsky["text"]
    assert "@embassy@social.example.org" in sent["farewell#1/mastodon/en"]["text"]
    published = {r["id"]: r for r in outbox() if r["op"] == "publish"}
    for account in ("bluesky/it", "x/fr", "telegram/en"):  # each reply answers the one before
        month, fortnight, last = (
            sent[f"{m}#1/{account}"]["platform_post_id"]
            for m in ("handover-month", "handover-fortnight", "farewell")
        )
        assert published[month]["reply_to"] is None
        assert published[fortnight]["reply_to"] == month
        assert published[last]["reply_to"] == fortnight
    steps = _status(sid)["sunset"]["steps"]
    assert all(s["state"] == "scheduled" for s in steps)  # not before the date
    daemon("2026-06-30T20:00:00Z")
    assert all(s["state"] == "scheduled" for s in _status(sid)["sunset"]["steps"])

    # the date
    daemon("2026-07-01T08:00:01Z")
    view = _status(sid)["sunset"]
    states = {(s["action"], s["platform"], s["locale"]): s["state"] for s in view["steps"]}
    assert set(states.values()) == {"done"}, states
    assert view["sunset_state"] == "done"
    records = outbox()
    crisis = _status(launch)
    assert crisis["state"] == "ended"
    handles = {(a["platform"], a["locale"]): a["handle"] for a in crisis["accounts"]}
    restored = {(r["platform"], r["locale"]): r for r in records if r["op"] == "update_profile"}
    assert set(restored) == set(handles)  # every account's profile, once each
    assert restored[("bluesky", "en")]["bio"] == (
        "This account is not updated at the moment. For official information from the"
        " embassy, follow @embassy.example.org."
    )
    # the crisis pins are off the profiles: what is pinned now is the farewell
    from launcher.adapters.sandbox import SandboxAdapter

    for (platform, locale), handle in handles.items():
        box = SandboxAdapter({"stands_for": platform})
        assert box.pinned(handle) == sent[f"farewell#1/{platform}/{locale}"]["platform_post_id"]
    # stored tokens gone: revoked on the platform, files deleted, references forgotten
    revoked = [r for r in records if r["op"] == "revoke"]
    assert len(revoked) == 15 and all(r["credentials"] == ["token"] for r in revoked)
    assert not list((data_dir() / "credentials").glob("sandbox-*.token"))
    with ledger() as led:
        assert all(not c for *_, c in led.account_refs(launch).values())
        assert all(not c for *_, c in led.account_refs(sid).values())
        final = [a for a in led.archives_of(launch) if a.reason == "sunset"]
    assert len(final) == 2  # when planned, and on the date with the farewells
    farewell_ids = {p["id"] for p in _status(sid)["posts"]}
    assert farewell_ids <= set(final[-1].posts)
    # the freeze ends with the crisis
    assert _status(routine)["state"] == "active"
    log = invoke("log", sid, "--json", root=REPO)
    actions = [e["action"] for e in json.loads(log.stdout)]
    assert actions.count("sunset.step.done") == len(states) and "sunset.done" in actions


def test_an_ended_launch_is_not_resumed_and_not_wound_down_twice() -> None:
    launch = run_quake()
    result = sunset(launch, "--on", "2026-05-23T08:00:00Z", "--now", "2026-05-22T08:00:00Z",
                    "--yes")  # fmt: skip
    assert result.exit_code == 0, result.output
    # every farewell time is past but the last: it goes out at once, the others are folded
    assert "sent now" in result.stdout
    daemon("2026-05-23T08:00:01Z")
    assert _status(launch)["state"] == "ended"
    resume = invoke("resume", launch, root=REPO)
    assert resume.exit_code == 2 and "ended" in resume.output
    again = sunset(launch, "--on", "2026-06-01", "--now", "2026-05-24T08:00:00Z", "--yes")
    assert again.exit_code == 2 and "nothing of it to wind down" in again.output


def test_bad_input_is_refused_with_what_to_do() -> None:
    launch = run_quake()
    past = sunset(launch, "--on", "2026-05-01", "--now", T0, "--yes")
    assert past.exit_code == 2 and "in the past" in past.output
    bad = sunset(launch, "--on", "2026-07-01", "--successor", "myspace=@x", "--now", T0)
    assert bad.exit_code == 2 and "unknown platform 'myspace'" in bad.output
    nope = sunset("no-such-launch", "--on", "2026-07-01")
    assert nope.exit_code == 2 and "no launch" in nope.output
    assert "Traceback" not in past.output + bad.output + nope.output
