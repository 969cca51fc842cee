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


def test_a_place_in_another_script_unknown_to_places_yaml_is_a_fact_script_finding(
    content,
) -> None:
    plan = build_plan(
        "earthquake", "kyiv", {"region": "Tiachiv", "magnitude": "6.1"}, now=AT, content=content
    )
    found = [f for f in plan.findings if f.rule == "fact-script"]
    assert [f.locale for f in found] == ["uk"]  # Latin in the Ukrainian posts; en, fr read it
    assert "--set region.uk=..." in found[0].hint
    # known to places.yaml, or given per locale: nothing to say
    for facts in ({"region": "Zakarpattia"}, {"region": "Tiachiv", "region.uk": "Тячів"}):
        plan = build_plan(
            "earthquake", "kyiv", {**facts, "magnitude": "6.1"}, now=AT, content=content
        )
        assert not [f for f in plan.findings if f.rule == "fact-script"]


def test_fact_script_error_refuses_the_fact(tmp_path) -> None:
    import shutil

    root = tmp_path / "content"
    root.mkdir()
    for name in ("missions.yaml", "babel.cfg", "places.yaml"):
        shutil.copyfile(REPO / name, root / name)
    for name in ("playbooks", "templates", "locales"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("*.mo"))
    policy = (REPO / "guardrails.yaml").read_text(encoding="utf-8")
    (root / "guardrails.yaml").write_text(
        policy.replace("severity:\n", "severity:\n  fact-script: error\n", 1)
        if "severity:\n" in policy
        else policy + "\nseverity:\n  fact-script: error\n",
        encoding="utf-8",
    )
    r = invoke(
        "plan", "earthquake", "--mission", "kyiv", "--set", "region=Tiachiv",
        "--set", "magnitude=6.1", "--at", "2026-05-22T06:00:00Z", root=root,
    )  # fmt: skip
    assert r.exit_code == 2, r.output
    assert "[rule fact-script]" in r.stderr and "--set region.uk=..." in r.stderr
