"""The fact-sanity guardrail: facts that contradict the confirmation time or the scale."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from launcher.plan.build import build_plan, load_content
from tests.conftest import REPO, invoke

AT = datetime(2026, 2, 6, 1, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def content():
    return load_content(REPO)


def _sanity(content, **facts: str) -> list[str]:
    plan = build_plan(
        "earthquake",
        "ankara",
        {"region": "Kahramanmaraş", "magnitude": "7.8", **facts},
        now=AT,
        content=content,
        locales=["tr"],
        lenient_bounds=True,
    )
    return [f.message for f in plan.findings if f.rule == "fact-sanity"]


@pytest.mark.parametrize(
    ("facts", "said"),
    [
        ({"occurred_at": "2026-02-06T12:17"}, "occurred_at is 7 h 47 min after the confirmation"),
        ({"occurred_at": "2026-01-06T04:17"}, "occurred_at is 31 days before the confirmation"),
        ({"magnitude": "78"}, "magnitude 78.0 is outside the moment magnitude scale"),
        ({"deaths": "-3"}, "deaths is negative (-3)"),
    ],
)
def test_facts_that_contradict_the_confirmation_or_the_scale_are_warned(content, facts, said):
    found = _sanity(content, **facts)
    assert any(said in m for m in found), found


@pytest.mark.parametrize(
    "facts",
    [
        {"occurred_at": "2026-02-06T04:17"},  # 02:17 UTC, an hour before the confirmation
        {"occurred_at": "2026-02-06T03:35"},  # 5 minutes after it: clocks differ a little
        {"magnitude": "0"},
        {"deaths": "0"},
    ],
)
def test_plausible_facts_are_not_warned(content, facts) -> None:
    assert _sanity(content, **facts) == []


def test_plan_shows_the_warning_naming_the_option(shipped_root) -> None:
    r = invoke(
        "plan",
        "earthquake",
        "--mission",
        "ankara",
        "--set",
        "region=Kahramanmaraş",
        "--set",
        "magnitude=7.8",
        "--set",
        "occurred_at=2026-02-06T12:17",
        "--at",
        "2026-02-06T01:30:00Z",
        root=shipped_root,
    )
    assert r.exit_code == 0, r.output
    assert "--set occurred_at" in r.output and "[rule fact-sanity]" in r.output
    assert "after the confirmation time" in r.output
