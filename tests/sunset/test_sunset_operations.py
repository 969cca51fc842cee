"""A sunset operated as people operate one: halted in the middle of its date's steps and
resumed (it goes on where it stopped, nothing done twice); halted for weeks before its
farewells (the stale one expires, the next goes out on its own); an archive that cannot be
written on the date (nothing is changed until it is, then `retry` carries on)."""

from __future__ import annotations

import json
from collections import Counter

from launcher.settings import load_settings
from launcher.sunset import SunsetWorker
from tests.conftest import REPO, invoke

from .helpers import daemon, data_dir, ledger, outbox, run_quake, sunset

PLANNED = "2026-05-22T08:00:00Z"
ON = "2026-05-23T08:00:00Z"
AFTER = "2026-05-23T08:00:01Z"


def _plan_soon(launch: str) -> str:
    result = sunset(launch, "--on", ON, "--now", PLANNED, "--yes", "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["sunset"]


def _steps(sid: str) -> list[dict]:
    doc = json.loads(invoke("status", sid, "--json", root=REPO).stdout)
    return doc["sunset"]["steps"]


def test_a_halted_sunset_resumes_where_it_stopped() -> None:
    launch = run_quake()
    sid = _plan_soon(launch)
    from datetime import datetime

    at = datetime.fromisoformat(AFTER).timestamp()
    with ledger() as led:
        worker = SunsetWorker(led, load_settings(None, root=str(REPO)), actor="daemon:a",
                              clock=lambda: at)  # fmt: skip
        assert worker.run_due(limit=7) == 7  # the archive, then six account steps
    halted = invoke("halt", sid, root=REPO)
    assert halted.exit_code == 0, halted.output
    daemon(AFTER)  # a daemon meanwhile: the halt holds
    states = Counter(s["state"] for s in _steps(sid))
    assert states == {"done": 7, "scheduled": len(_steps(sid)) - 7}
    resumed = invoke("resume", sid, "--now", AFTER, root=REPO)
    assert resumed.exit_code == 0, resumed.output
    daemon(AFTER)
    assert {s["state"] for s in _steps(sid)} == {"done"}
    # each step carried out once, each profile restored once
    log = json.loads(invoke("log", sid, "--json", root=REPO).stdout)
    done = Counter(
        (e["detail"]["step"], e["detail"]["platform"], e["detail"]["locale"])
        for e in log
        if e["action"] == "sunset.step.done"
    )
    assert set(done.values()) == {1} and len(done) == len(_steps(sid))
    profiles = Counter(
        (r["platform"], r["locale"]) for r in outbox() if r["op"] == "update_profile"
    )
    assert set(profiles.values()) == {1}  # once each since the crisis's provisioning
    assert [e["action"] for e in log].count("launch.halted") == 1


def test_halted_for_weeks_the_stale_farewell_expires_and_the_next_stands_alone() -> None:
    launch = run_quake()
    result = sunset(launch, "--on", "2026-07-01", "--now", "2026-05-26T08:00:00Z", "--yes",
                    "--json")  # fmt: skip
    sid = json.loads(result.stdout)["sunset"]
    assert invoke("halt", sid, root=REPO).exit_code == 0
    daemon("2026-06-01T08:00:01Z")  # the month's hand-over is due: halted, not sent
    assert invoke("resume", sid, "--now", "2026-06-17T08:00:01Z", root=REPO).exit_code == 0
    daemon("2026-06-17T08:00:01Z")
    doc = json.loads(invoke("status", sid, "--json", root=REPO).stdout)
    posts = {p["key"]: p for p in doc["posts"]}
    assert posts["handover-month#1/x/it"]["state"] == "expired"
    fortnight = posts["handover-fortnight#1/x/it"]
    assert fortnight["state"] == "sent"
    record = next(r for r in outbox() if r.get("id") == fortnight["platform_post_id"])
    assert record["reply_to"] is None  # its parent never went out: sent on its own


def test_an_archive_that_cannot_be_written_changes_nothing_until_it_is() -> None:
    launch = run_quake()
    sid = _plan_soon(launch)
    archives = data_dir() / "archives"
    moved = data_dir() / "archives.kept"
    archives.rename(moved)
    archives.write_text("not a directory\n", encoding="utf-8")  # the disk refuses the archive
    daemon(AFTER)
    steps = _steps(sid)
    assert steps[0]["action"] == "archive" and steps[0]["state"] == "failed"
    assert "could not be written" in steps[0]["error"]
    assert {s["state"] for s in steps[1:]} == {"scheduled"}  # nothing changed
    assert not [r for r in outbox() if r["op"] in ("update_profile", "revoke", "unpin")]
    archives.unlink()
    moved.rename(archives)
    retried = invoke("retry", sid, "--now", AFTER, root=REPO)
    assert retried.exit_code == 0, retried.output
    assert "1 sunset step(s)" in retried.stdout
    assert {s["state"] for s in _steps(sid)} == {"done"}


def test_farewells_that_never_went_out_do_not_keep_the_crisis_pin_up() -> None:
    """Halted for the whole wind-down: the farewells expire unsent, and the date's steps still
    take the crisis pin off every profile."""
    from launcher.adapters.sandbox import SandboxAdapter

    launch = run_quake()
    result = sunset(launch, "--on", "2026-07-01", "--now", "2026-05-26T08:00:00Z", "--yes",
                    "--json")  # fmt: skip
    sid = json.loads(result.stdout)["sunset"]
    assert invoke("halt", sid, root=REPO).exit_code == 0
    assert invoke("resume", sid, "--now", "2026-07-01T08:00:01Z", root=REPO).exit_code == 0
    daemon("2026-07-01T08:00:01Z")
    doc = json.loads(invoke("status", sid, "--json", root=REPO).stdout)
    assert {p["state"] for p in doc["posts"]} == {"expired"}
    unpins = [s for s in doc["sunset"]["steps"] if s["action"] == "unpin"]
    assert len(unpins) == 15 and {s["state"] for s in unpins} == {"done"}
    taken = [int(s["done"].split(" of ")[0]) for s in unpins]
    assert all(n >= 1 for n in taken), [s["done"] for s in unpins]  # each profile had one up
    for a in json.loads(invoke("status", launch, "--json", root=REPO).stdout)["accounts"]:
        assert SandboxAdapter({"stands_for": a["platform"]}).pinned(a["handle"]) is None
