"""Launch-time decision: approved content goes out at once; anything else waits for a second
person; emergency overrides are loud; a crisis launch freezes the mission's routine posts."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.conftest import invoke

AT = "2026-03-28T20:00:00Z"
LATER = "2099-03-28T20:00:00Z"  # routine posts still scheduled when the crisis starts
RUN = (
    "run",
    "quake",
    "--mission",
    "rome",
    "--set",
    "region=Umbria",
    "--set",
    "magnitude=5",
    "--at",
    AT,
    "--now",
    AT,
    "--yes",
    "--json",
)


def outbox() -> list[dict]:
    path = Path(os.environ["LAUNCHER_DATA_DIR"]) / "sandbox" / "outbox.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def published() -> list[dict]:
    return [r for r in outbox() if r.get("op") == "publish"]


def run_json(root: Path, *args: str) -> dict:
    result = invoke(*args, root=root)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_approved_content_goes_out_at_once(signed_root: Path) -> None:
    invoke("approve", "content", "quake", "--as", "press", root=signed_root)
    doc = run_json(signed_root, *RUN, "--as", "officer")
    assert doc["approval"]["approved"] is True and doc["state"] in ("active", "complete")
    assert doc["approval"]["approved_by"] and "press" in doc["approval"]["approved_by"][0]
    sent = [p for p in doc["posts"] if p["state"] == "sent"]
    assert sent and len(published()) == len(sent)


def test_unapproved_content_waits_and_sends_nothing(signed_root: Path) -> None:
    doc = run_json(signed_root, *RUN, "--as", "officer")
    assert doc["state"] == "awaiting-approval"
    assert doc["approval"]["approved"] is False
    assert "playbook quake has no approval" in doc["approval"]["reasons"]
    assert all(p["state"] == "scheduled" for p in doc["posts"])
    assert published() == []
    pending = json.loads(invoke("pending", "--json", root=signed_root).stdout)
    assert [p["launch"] for p in pending] == [doc["launch"]]
    assert pending[0]["ran_by"] == "officer" and pending[0]["reasons"]
    # the daemon does not send it either
    result = invoke("daemon", "--once", "--now", "2026-03-30T00:00:00Z", root=signed_root)
    assert result.exit_code == 0, result.output
    assert published() == []


def test_a_stale_approval_holds_the_launch_with_the_reason(signed_root: Path) -> None:
    invoke("approve", "content", "quake", "--as", "press", root=signed_root)
    tpl = signed_root / "templates/messages/quake/update.j2"
    tpl.write_text(tpl.read_text() + "{# edited after approval #}\n", encoding="utf-8")
    doc = run_json(signed_root, *RUN, "--as", "officer")
    assert doc["state"] == "awaiting-approval"
    assert any("template messages/quake/update.j2 changed" in r for r in doc["approval"]["reasons"])


def test_four_eyes_same_person_refused_second_person_releases(signed_root: Path) -> None:
    launch = run_json(signed_root, *RUN, "--as", "officer")["launch"]
    same = invoke("approve", "launch", launch, "--as", "officer", root=signed_root)
    assert same.exit_code == 2 and "four eyes" in same.stderr
    for alias in ("Officer", " OFFICER ", "offi\u200bcer", "ｏｆｆｉｃｅｒ"):  # the same person
        again = invoke("approve", "launch", launch, "--as", alias, root=signed_root)
        assert again.exit_code == 2 and "four eyes" in again.stderr, alias
    assert published() == []
    other = invoke("approve", "launch", launch, "--as", "deputy", "--now", AT, root=signed_root)
    assert other.exit_code == 0, other.output
    assert "approved by deputy (ran by officer)" in other.stdout
    assert len(published()) > 0  # what was due went out at once
    log = json.loads(invoke("log", launch, "--json", root=signed_root).stdout)
    actions = {(e["action"], e["actor"]) for e in log}
    assert ("launch.awaiting-approval", "officer") in actions
    assert ("launch.approved", "deputy") in actions


def test_a_halt_and_a_resume_are_no_approval(signed_root: Path) -> None:
    """The person who ran a held launch halts it and resumes it: it waits for a second person
    again and the daemon sends nothing; the deputy approves it an hour later and only then
    does it go out, each post once, with the approval in the audit trail."""
    held = run_json(signed_root, *RUN, "--as", "officer")
    launch = held["launch"]
    assert held["state"] == "awaiting-approval"
    assert invoke("halt", launch, "--as", "officer", root=signed_root).exit_code == 0
    resumed = invoke("resume", launch, "--as", "officer", "--now", AT, root=signed_root)
    assert resumed.exit_code == 0, resumed.output
    assert "still AWAITING APPROVAL" in resumed.stdout
    status = json.loads(invoke("status", launch, "--json", root=signed_root).stdout)
    assert status["state"] == "awaiting-approval"
    assert status["notes"] == held["approval"]["reasons"]  # why it waits, still said
    assert {p["state"] for p in status["posts"]} == {"scheduled"}
    pending = json.loads(invoke("pending", "--json", root=signed_root).stdout)
    assert [p["launch"] for p in pending] == [launch]
    invoke("daemon", "--once", "--now", "2026-03-28T20:30:00Z", root=signed_root)
    assert published() == []

    hour_later = "2026-03-28T21:00:00Z"
    other = invoke("approve", "launch", launch, "--as", "deputy", "--now", hour_later,
                   root=signed_root)  # fmt: skip
    assert other.exit_code == 0, other.output
    done = json.loads(invoke("status", launch, "--json", root=signed_root).stdout)
    sent = {p["key"]: p["platform_post_id"] for p in done["posts"] if p["state"] == "sent"}
    keys = [r["key"] for r in published()]
    assert sent and sorted(keys) == sorted(sent) and len(set(keys)) == len(keys)
    log = json.loads(invoke("log", launch, "--json", root=signed_root).stdout)
    actions = [e["action"] for e in log]
    assert actions.index("launch.resumed") < actions.index("launch.approved")


def test_an_approval_whose_posts_fail_exits_1_as_run_does(
    signed_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The deputy approves; the platform rejects two of the due posts: the approval is
    recorded and the rest goes out, and the exit code says an operation failed (it was 0)."""
    launch = run_json(signed_root, *RUN, "--as", "officer")["launch"]
    monkeypatch.setenv("LAUNCHER_SANDBOX_FAIL", "reject:2")
    r = invoke("approve", "launch", launch, "--as", "deputy", "--now", AT, root=signed_root)
    assert r.exit_code == 1, r.output
    assert "approved by deputy" in r.stdout
    status = json.loads(invoke("status", launch, "--json", root=signed_root).stdout)
    assert sum(p["state"] == "failed" for p in status["posts"]) == 2
    assert len(published()) == sum(p["state"] == "sent" for p in status["posts"]) > 0


def test_a_held_launch_halted_meanwhile_can_still_be_rejected(signed_root: Path) -> None:
    """Halted before anyone approved it (a wrong figure): the deputy can still reject it,
    for good; a resume then is refused and nothing is ever sent."""
    launch = run_json(signed_root, *RUN, "--as", "officer")["launch"]
    assert invoke("halt", launch, "--as", "officer", root=signed_root).exit_code == 0
    listed = invoke("pending", root=signed_root).stdout  # still a second person's to decide
    assert f"{launch}  quake at rome, run by officer: HALTED before any approval" in listed
    pending = json.loads(invoke("pending", "--json", root=signed_root).stdout)
    assert [(p["launch"], p.get("halted")) for p in pending] == [(launch, True)]
    r = invoke("reject", launch, "--reason", "wrong figure", "--as", "deputy", root=signed_root)
    assert r.exit_code == 0, r.output
    status = json.loads(invoke("status", launch, "--json", root=signed_root).stdout)
    assert status["state"] == "rejected"
    assert {p["state"] for p in status["posts"]} == {"halted"}
    again = invoke("resume", launch, "--as", "officer", "--now", AT, root=signed_root)
    assert again.exit_code == 2 and "rejected" in again.stderr
    assert json.loads(invoke("pending", "--json", root=signed_root).stdout) == []
    invoke("daemon", "--once", "--now", "2026-03-30T00:00:00Z", root=signed_root)
    assert published() == []


def test_a_launch_can_be_rejected(signed_root: Path) -> None:
    launch = run_json(signed_root, *RUN, "--as", "officer")["launch"]
    result = invoke(
        "reject", launch, "--reason", "wrong region", "--as", "deputy", root=signed_root
    )
    assert result.exit_code == 0, result.output
    status = json.loads(invoke("status", launch, "--json", root=signed_root).stdout)
    assert status["state"] == "rejected"
    assert all(p["state"] == "halted" for p in status["posts"])
    again = invoke("approve", "launch", launch, "--as", "deputy", root=signed_root)
    assert again.exit_code == 2 and "not awaiting approval" in again.stderr
    invoke("daemon", "--once", "--now", "2026-03-30T00:00:00Z", root=signed_root)
    assert published() == []


def test_emergency_override_needs_a_reason_and_is_loud(signed_root: Path) -> None:
    no_reason = invoke(*RUN, "--emergency", root=signed_root)
    assert no_reason.exit_code == 2 and "needs a reason" in no_reason.stderr
    doc = run_json(
        signed_root, *RUN, "--emergency", "--reason", "no deputy reachable", "--as", "officer"
    )
    assert doc["approval"]["emergency_override"] is True and doc["state"] in ("active", "complete")
    assert published()
    text = invoke("status", doc["launch"], root=signed_root).stdout
    assert "EMERGENCY OVERRIDE" in text and "no deputy reachable" in text
    assert "EMERGENCY OVERRIDE" in invoke("status", root=signed_root).stdout
    log = json.loads(invoke("log", doc["launch"], "--json", root=signed_root).stdout)
    override = [e for e in log if e["action"] == "launch.emergency-override"]
    assert override and override[0]["actor"] == "officer"
    assert "no deputy reachable" in json.dumps(override[0])


def test_an_emergency_override_for_a_group_is_recorded_with_each_launch(
    signed_root: Path,
) -> None:
    """`run --missions all --emergency`: unapproved content for two missions goes out at once,
    each launch carrying its own override, logged right after that launch was created; the
    group is in the ledger with both, and the audit chain holds."""
    group_run = [a for a in RUN if a not in ("--mission", "rome")]
    doc = run_json(
        signed_root,
        *group_run,
        "--missions",
        "all",
        "--emergency",
        "--reason",
        "no deputy reachable",
        "--as",
        "officer",
    )
    ids = [launch["launch"] for launch in doc["launches"]]
    assert [i.split("-")[0] for i in ids] == ["rome", "beirut"]
    assert {launch["state"] for launch in doc["launches"]} <= {"active", "complete"}
    assert published()
    log = json.loads(invoke("log", "--json", root=signed_root).stdout)
    mine = [(e["launch"], e["action"]) for e in log if e["launch"] in ids]
    for lid in ids:
        at = mine.index((lid, "launch.created"))
        assert mine[at + 1] == (lid, "launch.emergency-override")
    status = json.loads(
        invoke("status", "--group", doc["group"], "--json", root=signed_root).stdout
    )
    assert [s["launch"] for s in status["launches"]] == ids
    assert invoke("log", "--verify", root=signed_root).exit_code == 0


def test_a_playbook_can_forbid_emergency_overrides(signed_root: Path) -> None:
    pb = signed_root / "playbooks/quake.yaml"
    pb.write_text(pb.read_text() + "allow_emergency: false\n", encoding="utf-8")
    result = invoke(*RUN, "--emergency", "--reason", "x", root=signed_root)
    assert result.exit_code == 2 and "forbids emergency overrides" in result.stderr
    assert published() == []


@pytest.fixture
def routine_root(signed_root: Path) -> Path:
    text = (signed_root / "playbooks/quake.yaml").read_text()
    routine = (
        text.replace("id: quake", "id: routine").replace(
            "title: Test earthquake", "title: Routine news"
        )
        + "crisis: false\n"
    )
    (signed_root / "playbooks/routine.yaml").write_text(routine, encoding="utf-8")
    for pb in ("quake", "routine"):
        invoke("approve", "content", pb, "--as", "press", root=signed_root)
    return signed_root


def test_a_crisis_launch_freezes_routine_posts_until_resumed(routine_root: Path) -> None:
    def routine_run(mission: str) -> dict:
        args = ("run", "routine", "--mission", mission, "--set", "region=R", "--set",
                "magnitude=1", "--at", LATER, "--yes", "--json")  # fmt: skip
        return run_json(routine_root, *args)

    routine, other = routine_run("rome"), routine_run("beirut")
    crisis = run_json(routine_root, *RUN)
    assert crisis["state"] in ("active", "complete")
    frozen = json.loads(invoke("status", routine["launch"], "--json", root=routine_root).stdout)
    assert frozen["state"] == "halted" and frozen["notes"] == ["content freeze"]
    held = [p for p in frozen["posts"] if p["state"] == "halted"]
    assert held and all(p["error"] == "content freeze" for p in held)
    # another mission's routine posts are untouched
    beirut = json.loads(invoke("status", other["launch"], "--json", root=routine_root).stdout)
    assert beirut["state"] == "active"
    resumed = invoke("resume", routine["launch"], "--as", "officer", root=routine_root)
    assert resumed.exit_code == 0, resumed.output
    after = json.loads(invoke("status", routine["launch"], "--json", root=routine_root).stdout)
    assert after["state"] == "active" and not any(p["state"] == "halted" for p in after["posts"])


def test_a_fact_outside_its_bounds_waits_for_a_second_person(signed_root: Path) -> None:
    invoke("approve", "content", "quake", "--as", "press", root=signed_root)
    args = ("run", "quake", "--mission", "rome", "--set", "region=Umbria", "--set",
            "magnitude=10.5", "--at", AT, "--now", AT, "--yes", "--json")  # fmt: skip
    doc = run_json(signed_root, *args, "--as", "officer")
    assert doc["state"] == "awaiting-approval"
    assert any("fact magnitude: 10.5 is out of bounds" in r for r in doc["approval"]["reasons"])
    assert published() == []
    # plan stays strict: a typo in a magnitude is an input error there
    plan = invoke(
        "plan",
        "quake",
        "-m",
        "rome",
        "--set",
        "region=U",
        "--set",
        "magnitude=10.5",
        root=signed_root,
    )
    assert plan.exit_code == 2 and "out of bounds" in plan.stderr


def test_the_prompt_says_before_launching_whether_it_waits(signed_root: Path) -> None:
    from click.testing import CliRunner

    from launcher.cli import cli

    args = ["--root", str(signed_root), "run", "quake", "--mission", "rome", "--set",
            "region=Umbria", "--set", "magnitude=5", "--at", AT]  # fmt: skip
    result = CliRunner().invoke(cli, args, input="n\n")
    assert "NOT approved: nothing reaches any platform" in result.output
    assert "until a second person approves it" in result.output
    assert "playbook quake has no approval" in result.output
    assert "Nothing was sent. To launch" not in result.output
    assert result.exit_code == 3 and published() == []  # declined: nothing recorded or sent
    assert json.loads(invoke("status", "--json", root=signed_root).stdout)["launches"] == []
