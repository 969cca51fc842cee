"""halt says what it stopped and what is in flight; log --limit takes positive numbers only."""

from __future__ import annotations

import json

from launcher.launch.lifecycle import record_posts
from launcher.ledger import Ledger, default_url

from .conftest import invoke

NOW = 1_790_000_000.0  # 2026-09-21T14:13:20Z


def _launch_with_posts_in_flight(scheduled: int, claimed: int) -> str:
    with Ledger(default_url()) as ledger:
        posts = [{"key": f"k{i}", "due_at": NOW} for i in range(scheduled + claimed)]
        record_posts(ledger, "L1", posts, now=NOW)
        claims = ledger.claim_due(worker="w1", now=NOW, lease=60.0, limit=claimed)
        assert len(claims) == claimed
    return "L1"


def test_halt_reports_the_scheduled_posts_and_those_in_flight() -> None:
    lid = _launch_with_posts_in_flight(scheduled=7, claimed=3)
    result = invoke("halt", lid, "--as", "officer")
    assert result.exit_code == 0, result.output
    assert "halted L1: 7 post(s) waiting to go out stopped, 3 in flight" in result.output
    assert "checked against the halt right before it goes out" in result.output


def test_halt_json_has_both_counts() -> None:
    lid = _launch_with_posts_in_flight(scheduled=2, claimed=1)
    result = invoke("halt", lid, "--as", "officer", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output) == {"halted": {"L1": 2}, "in_flight": {"L1": 1}}


def test_halt_without_posts_in_flight_says_only_what_it_stopped() -> None:
    lid = _launch_with_posts_in_flight(scheduled=4, claimed=0)
    result = invoke("halt", lid, "--as", "officer")
    assert result.output.strip() == "halted L1: 4 post(s) waiting to go out stopped"


def test_a_post_waiting_for_its_retry_is_counted_among_those_stopped() -> None:
    """Scheduled and retrying posts are both stopped by a halt, and both counted: the line
    does not call a post that already failed once and waits for its next attempt scheduled."""
    lid = _launch_with_posts_in_flight(scheduled=3, claimed=1)
    with Ledger(default_url()) as ledger:
        (post,) = [p for p in ledger.posts(lid) if p.state == "sending"]
        assert ledger.defer([post.id], worker="w1", now=NOW, retry_at=NOW + 30) == 1
    result = invoke("halt", lid, "--as", "officer")
    assert result.output.strip() == "halted L1: 4 post(s) waiting to go out stopped"


def test_log_limit_must_be_positive() -> None:
    _launch_with_posts_in_flight(scheduled=1, claimed=0)
    for bad in ("-5", "0"):
        result = invoke("log", "--limit", bad)
        assert result.exit_code == 2, result.output
        assert "Invalid value for '--limit'" in result.output
    result = invoke("log", "--limit", "1", "--json")
    assert result.exit_code == 0 and len(json.loads(result.output)) == 1


def test_an_empty_launch_id_matches_no_launch() -> None:
    """`retract "$LAUNCH" --yes` with the variable unset: the ledger's only launch is not
    the one meant. Every command taking a launch (or a group) refuses an empty id, exit 2,
    and nothing is stopped or deleted."""
    _launch_with_posts_in_flight(scheduled=3, claimed=0)
    for args in (("retract", "", "--yes"), ("resume", ""), ("retry", ""), ("status", ""),
                 ("halt", " "), ("report", ""), ("status", "--group", "")):  # fmt: skip
        result = invoke(*args)
        assert result.exit_code == 2, (args, result.output)
        assert "is empty" in result.output and "Traceback" not in result.output
    with Ledger(default_url()) as ledger:
        assert {p.state for p in ledger.posts("L1")} == {"scheduled"}
