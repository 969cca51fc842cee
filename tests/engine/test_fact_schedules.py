"""Schedules over datetime facts, read when the playbook is read: what they may name, the
errors that say so, and the plan problems of a fact that is missing or already past."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import invoke

AT = "2026-03-28T20:00:00Z"
QUAKE = ("quake", "-m", "rome", "--set", "region=Umbria", "--set", "magnitude=5", "--at", AT)


def _playbook(root: Path, extra_params: str, message: str) -> Path:
    """quake.yaml with more parameters and one more message (template u.j2: the update's)."""
    tpl = root / "templates"
    (tpl / "u.j2").write_text((tpl / "messages/quake/update.j2").read_text(encoding="utf-8"))
    path = root / "playbooks" / "quake.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("parameters:\n", "parameters:\n" + extra_params, 1)
    text = text.rstrip() + "\n" + message
    path.write_text(text, encoding="utf-8")
    return path


CLOSES = "  closes_at: {type: datetime, min: '-1d', max: '+7d'}\n"


@pytest.mark.parametrize(
    ("message", "said", "not_said"),
    [
        ("  - {id: r, template: u.j2, at: 1h, every: 2h, until: event.closs_at}\n",
         "'event.closs_at': event.closs_at is not a datetime parameter of this playbook, did you"
         " mean 'closes_at'?", "'every' and 'until' go together"),
        ("  - {id: r, template: u.j2, at: event.region - 1h}\n",
         "event.region is not a datetime parameter", None),
        ("  - {id: r, template: u.j2, at: 'event.closes_at * 2'}\n",
         "is not a duration or a moment", None),
        ("  - {id: r, template: u.j2, at: 1h, every: 2h, until: soon}\n",
         "'soon' is not a duration or a moment", "'every' and 'until' go together"),
        ("  - {id: r, template: u.j2, when: event.dealths is not none}\n",
         "event.dealths is not a parameter of this playbook, did you mean 'deaths'?", None),
        ("  - {id: r, template: u.j2, when: magnitude > 5}\n",
         "'when: magnitude > 5' uses 'magnitude'", None),
        ("  - {id: r, template: u.j2, when: 'at <'}\n",
         "is not a Jinja expression", None),
    ],
)  # fmt: skip
def test_schedule_and_when_mistakes_are_found_when_the_playbook_is_read(
    mini_root: Path, message: str, said: str, not_said: str | None
) -> None:
    _playbook(mini_root, CLOSES, message)
    result = invoke("plan", *QUAKE, root=mini_root)
    assert result.exit_code == 2
    assert "playbooks/quake.yaml:" in result.stderr and said in result.stderr, result.stderr
    if not_said:
        assert not_said not in result.stderr


def test_a_schedule_over_a_fact_not_given_is_a_plan_problem_unless_when_excludes_it(
    mini_root: Path,
) -> None:
    _playbook(mini_root, CLOSES,
              "  - {id: r, template: u.j2, at: event.closes_at - 2h}\n")  # fmt: skip
    missing = invoke("plan", *QUAKE, root=mini_root)
    assert missing.exit_code == 2
    assert "the schedule of r counts from event.closes_at, which was not given" in missing.stderr
    assert "when: event.closes_at is not none" in missing.stderr
    path = mini_root / "playbooks" / "quake.yaml"
    path.write_text(path.read_text().replace("at: event.closes_at - 2h}",
                    "at: event.closes_at - 2h, when: event.closes_at is not none}"))  # fmt: skip
    plan = json.loads(invoke("plan", *QUAKE, "--json", root=mini_root).stdout)
    assert "r" not in {p["message"] for p in plan["posts"]}
    given = invoke("plan", *QUAKE, "--set", "closes_at=2026-03-29T12:00Z", "--json", root=mini_root)
    times = {p["at"] for p in json.loads(given.stdout)["posts"] if p["message"] == "r"}
    assert times == {"2026-03-29T10:00:00Z"}


def test_a_deadline_already_past_plans_nothing_of_the_message_and_says_so(mini_root: Path):
    _playbook(mini_root, CLOSES, "  - {id: r, template: u.j2, at: 0m,"
              " every: 1h, until: event.closes_at}\n")  # fmt: skip
    result = invoke("plan", *QUAKE, "--set", "closes_at=2026-03-28T19:00Z", root=mini_root)
    assert result.exit_code == 0, result.output
    assert (
        "r is not planned: its deadline (event.closes_at = 2026-03-28T19:00:00+00:00) is"
        " not after the confirmation" in result.output
    )
    soon = invoke("plan", *QUAKE, "--set", "closes_at=2026-03-28T22:30Z", "--json", root=mini_root)
    times = sorted(p["at"] for p in json.loads(soon.stdout)["posts"] if p["message"] == "r"
                   and p["locale"] == "en" and p["platform"] == "mastodon")  # fmt: skip
    # 20:00, 21:00, 22:00: never at or after the deadline, each expiring by it at the latest
    assert times == ["2026-03-28T20:00:00Z", "2026-03-28T21:00:00Z", "2026-03-28T22:00:00Z"]
