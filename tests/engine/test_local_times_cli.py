"""Local times on the command line: ``--at``, ``--now`` and datetime facts are read the same
way, in the mission's zone, by plan, preview, run, lint and the daemon."""

from __future__ import annotations

import json

from tests.conftest import REPO, invoke

QUAKE = ("--set", "region=Kanto", "--set", "magnitude=6.1")


def _plan(*args: str) -> dict:
    result = invoke("plan", *args, "--json", root=REPO)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_at_without_offset_is_mission_local_time():
    """The README's example: 10:30 typed for Tokyo is 10:30 JST (01:30Z), not 19:30 JST."""
    result = invoke(
        "plan", "earthquake", "--mission", "tokyo", *QUAKE, "--at", "2026-05-22T10:30", root=REPO
    )
    assert result.exit_code == 0, result.output
    assert "confirmed Fri 22 May 2026 10:30 JST  (2026-05-22T01:30:00Z)" in result.stdout


def test_at_and_datetime_facts_agree():
    """The same local time typed as --at and as a fact is the same instant."""
    doc = _plan(
        "coup", "--mission", "tokyo", "--at", "2026-05-22T21:00",
        "--set", "curfew_from=2026-05-22T21:00", "--set", "curfew_until=06:00",
    )  # fmt: skip
    assert doc["confirmed_at"] == doc["event"]["curfew_from"] == "2026-05-22T12:00:00Z"
    assert doc["event"]["curfew_until"] == "2026-05-21T21:00:00Z"  # 06:00 JST that day


def test_hh_mm_at_is_today_in_the_mission_zone():
    """--at 22:00 (the form the hint offers) is accepted: 22:00 on the drill's local day."""
    result = invoke(
        "run", "earthquake", "--mission", "tokyo", *QUAKE,
        "--now", "2026-05-22T20:00:00Z", "--at", "22:00", "--dry-run", "--json", root=REPO,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    # 20:00Z is 05:00 on the 23rd in Tokyo: "today" there is the 23rd
    assert json.loads(result.stdout)["confirmed_at"] == "2026-05-23T13:00:00Z"


def test_run_now_without_offset_is_mission_local_time():
    result = invoke(
        "run", "earthquake", "--mission", "rome", *QUAKE,
        "--now", "2026-05-22T10:30", "--dry-run", "--json", root=REPO,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["confirmed_at"] == "2026-05-22T08:30:00Z"


def test_a_local_time_skipped_by_dst_is_refused_naming_the_option():
    result = invoke(
        "plan", "earthquake", "--mission", "rome", *QUAKE, "--at", "2026-03-29T02:30", root=REPO
    )
    assert result.exit_code == 2
    assert "--at: 2026-03-29T02:30 does not exist in Europe/Rome" in result.stderr
    assert "2026-03-29T01:30+01:00" in result.stderr and "2026-03-29T03:30+02:00" in result.stderr
    assert "Traceback" not in result.output


def test_a_repeated_local_time_in_a_fact_is_refused_with_both_instants():
    result = invoke(
        "plan", "earthquake", "--mission", "rome", *QUAKE,
        "--at", "2026-10-25T08:00", "--set", "occurred_at=2026-10-25T02:30", root=REPO,
    )  # fmt: skip
    assert result.exit_code == 2
    assert "--set occurred_at: 2026-10-25T02:30 happens twice in Europe/Rome" in result.stderr
    assert "2026-10-25T00:30Z" in result.stderr and "2026-10-25T01:30Z" in result.stderr


def test_preview_reads_at_in_the_mission_zone():
    result = invoke(
        "preview", "earthquake", "--mission", "tokyo", *QUAKE,
        "--at", "2026-05-22T10:30", "-o", "-", root=REPO,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        '<time datetime="2026-05-22T01:30:00Z">Fri 22 May 2026 10:30 UTC+09:00</time>'
        in result.stdout
    )


def test_lint_at_without_offset_needs_a_mission():
    """Over every mission there is no one local zone: the offset is required."""
    result = invoke("lint", "--at", "2026-05-22T10:30", root=REPO)
    assert result.exit_code == 2
    assert "--at: '2026-05-22T10:30' has no UTC offset" in result.stderr
    ok = invoke(
        "lint", "earthquake", "--mission", "tokyo", *QUAKE, "--at", "2026-05-22T10:30", root=REPO
    )
    assert ok.exit_code == 0, ok.output


def test_daemon_now_needs_an_offset():
    """The daemon serves every mission: an offset-less --now is refused, not read as UTC."""
    result = invoke("daemon", "--once", "--now", "2026-05-22T10:30", root=REPO)
    assert result.exit_code == 2
    assert "--now: '2026-05-22T10:30' has no UTC offset" in result.stderr
    assert "2026-05-22T10:30Z" in result.stderr  # how to write it
