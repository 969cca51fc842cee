"""The consular-evacuation case: an advisory at once, a reminder every 6 hours until the last
departure, a final notice 2 hours before it, the departure point named in each language; and
a crisis as it is lived: the daemon is down for a day, comes back after the deadline, and
nothing about the last departure goes out once it has left.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.conftest import invoke

DATA = Path(__file__).resolve().parents[1] / "data" / "evacuation"
AT = "2026-03-28T20:00:00Z"  # 22:00 in Kyiv
DEADLINE_LOCAL = "2026-03-30T18:00"  # the last departure, Kyiv time (EEST, UTC+3)
DEADLINE = datetime(2026, 3, 30, 15, 0, tzinfo=UTC)
FACTS = ("--set", "place=Boryspil", "--set", "place.uk=Бориспіль",
         "--set", f"deadline={DEADLINE_LOCAL}")  # fmt: skip
PLAN = ("consular-evacuation", "-m", "kyiv", *FACTS, "--at", AT)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    dest = tmp_path / "content"
    shutil.copytree(DATA, dest, ignore=shutil.ignore_patterns("*.mo"))
    return dest


def _t(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def _plan(root: Path, *extra: str) -> dict:
    result = invoke("plan", *PLAN, *extra, "--json", root=root)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_reminders_stop_at_the_deadline_and_the_final_notice_is_two_hours_before(root: Path):
    plan = _plan(root)
    en = [p for p in plan["posts"] if p["locale"] == "en" and p["platform"] == "mastodon"]
    by = {m: [_t(p["at"]) for p in en if p["message"] == m] for m in ("advisory", "reminder",
                                                                       "final-notice")}  # fmt: skip
    confirmed = _t(AT)
    assert by["advisory"] == [confirmed]
    assert by["final-notice"] == [DEADLINE - timedelta(hours=2)]
    # every 6 h from +6h, stopping before the final notice (when: at < deadline - 2h)
    assert by["reminder"] == [confirmed + timedelta(hours=h) for h in (6, 12, 18, 24, 30, 36)]
    for p in en:  # nothing about the last departure may go out after it
        assert _t(p["expires"]) <= DEADLINE, p
    final = next(p for p in en if p["message"] == "final-notice")
    assert _t(final["expires"]) == DEADLINE
    assert "at 18:00." in final["text"] and "Boryspil" in final["text"]  # a 24-hour clock


def test_the_place_is_named_in_each_language(root: Path) -> None:
    plan = _plan(root)
    texts = {(p["locale"], p["message"]): p["text"] for p in plan["posts"]}
    assert "пункту збору: \u2068Бориспіль\u2069" in texts[("uk", "advisory")]
    assert "Boryspil" not in texts[("uk", "advisory")]
    assert "Boryspil" in texts[("en", "advisory")] and "Бориспіль" not in texts[("en", "advisory")]
    assert "Boryspil" in texts[("fr", "advisory")]
    assert plan["event"]["place.uk"] == "Бориспіль"  # a fact like any other, recorded


def test_a_value_in_another_script_is_a_warning_not_an_error(root: Path) -> None:
    """Typed once in Cyrillic, the place would appear inside the English and French posts."""
    result = invoke("plan", "consular-evacuation", "-m", "kyiv", "--set", "place=Бориспіль",
                    "--set", f"deadline={DEADLINE_LOCAL}", "--at", AT, root=root)  # fmt: skip
    assert result.exit_code == 0, result.output
    for loc in ("en", "fr"):
        assert (
            f"--set place (locale {loc}; mission kyiv) [rule fact-script]: the value 'Бориспіль'"
            f" has no letter of the Latin script that locale {loc} is written in" in result.output
        )
        assert f"--set place.{loc}=..." in result.output
    assert "[rule fact-script]" in result.output
    assert "locale uk is written in" not in result.output


def test_the_deadline_has_bounds_relative_to_the_event(root: Path) -> None:
    result = invoke("plan", "consular-evacuation", "-m", "kyiv", "--set", "place=Boryspil",
                    "--set", "deadline=2020-03-30T18:00", "--at", AT, root=root)  # fmt: skip
    assert result.exit_code == 2
    assert "--set deadline: 2020-03-30T15:00Z is out of bounds: must be between" in result.stderr
    assert "(min +1h, max +14d from the confirmation)" in result.stderr
    shown = invoke("show", "consular-evacuation", root=root).stdout
    assert "deadline             datetime  required [+1h..+14d from the confirmation]" in shown
    assert "final-notice         at event.deadline - 2h" in shown
    assert "reminder             at +6h, every 6h until event.deadline" in shown


def test_per_locale_values_are_checked(root: Path) -> None:
    bad = invoke("plan", *PLAN, "--set", "deadline.uk=2026-03-30T18:00", root=root)
    assert bad.exit_code == 2
    assert "'deadline' is a datetime parameter: only text facts have a value" in bad.stderr
    unknown = invoke("plan", *PLAN, "--set", "plce.uk=X", root=root)
    assert "--set plce.uk: unknown parameter 'plce', did you mean 'place'?" in unknown.stderr
    long = invoke("plan", *PLAN, "--set", f"place.fr={'x' * 61}", root=root)
    assert "--set place.fr: is 61 characters long, the limit is 60" in long.stderr


def test_a_daemon_back_after_the_deadline_sends_nothing_stale(root: Path) -> None:
    """The launch goes out; the daemon is down from the first evening until after the last
    departure; when it comes back, what was due meanwhile is recorded expired, and nothing
    is published after the deadline."""
    ran = invoke("run", *PLAN, "--now", AT, "--emergency", "--reason", "evacuation drill",
                 "--yes", root=root)  # fmt: skip
    assert ran.exit_code == 0, ran.output
    launch = ran.stdout.strip().splitlines()[-1]
    first_evening = "2026-03-29T03:00:00Z"  # the first reminder (02:00Z) goes out
    assert invoke("daemon", "--once", "--now", first_evening, root=root).exit_code == 0
    back = "2026-03-30T16:30:00Z"  # after the last departure (15:00Z)
    assert invoke("daemon", "--once", "--now", back, root=root).exit_code == 0
    posts = json.loads(invoke("status", launch, "--json").stdout)["posts"]
    sent = [p for p in posts if p["state"] == "sent"]
    assert {p["message"] for p in sent} == {"advisory", "reminder"}
    assert {p["key"].split("/")[0] for p in sent if p["message"] == "reminder"} == {"reminder#1"}
    assert all(_t(p["sent_at"]) < DEADLINE for p in sent)
    late = [p for p in posts if p["message"] in ("reminder", "final-notice") and p["state"]
            != "sent"]  # fmt: skip
    assert late and {p["state"] for p in late} == {"expired"}
