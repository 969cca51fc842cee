"""The plans of a launch group built by several processes (launcher.plan.many): the same plans
as one after the other, the same first error, and a child that dies costs nothing but time.

The children are forks, so a wrapper installed here around ``build_plan`` runs in them too:
that is how a failing or dying child is played."""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from launcher.errors import InputError
from launcher.plan import many
from launcher.plan.build import load_content

from .conftest import REPO

NOW = datetime(2026, 5, 22, 6, 0, tzinfo=UTC)
FACTS = {"region": "Alps", "magnitude": "6.2"}


@pytest.fixture(scope="module")
def content():  # type: ignore[no-untyped-def]
    return load_content(REPO)


@pytest.fixture(scope="module")
def missions(content) -> list[str]:  # type: ignore[no-untyped-def]
    ids = list(content.registry.missions)
    assert len(ids) >= many.SHARE_FROM + 2  # enough for the work to be shared
    return ids


def _texts(plans) -> list[tuple]:  # type: ignore[no-untyped-def]
    return [(p.mission.id, p.posts, p.accounts, p.warnings) for p in plans]


def test_shared_planning_gives_the_plans_of_one_process_in_the_missions_order(
    content, missions
) -> None:  # type: ignore[no-untyped-def]
    alone = many.build_plans("earthquake", missions, FACTS, content=content, now=NOW, processes=1)
    shared = many.build_plans("earthquake", missions, FACTS, content=content, now=NOW, processes=3)
    assert [p.mission.id for p in shared] == missions
    assert _texts(shared) == _texts(alone)
    assert sum(len(p.posts) for p in shared) > 1000  # real plans, every post compared


def test_the_first_failing_mission_is_the_error_whichever_process_met_it(
    content, missions, monkeypatch
) -> None:  # type: ignore[no-untyped-def]
    """Two missions fail, both planned by children; the error is the earlier one's, raised
    here with its own message, as one process planning them in order would raise it."""
    parent = os.getpid()
    failing = {missions[-3], missions[-1]}
    real = many.build_plan

    def build(playbook, mission, facts, **kw):  # type: ignore[no-untyped-def]
        if mission in failing:
            raise InputError(f"no facts for {mission}", field="--set", hint="give them")
        return real(playbook, mission, facts, **kw)

    monkeypatch.setattr(many, "build_plan", build)
    with pytest.raises(InputError) as raised:
        many.build_plans("earthquake", missions, FACTS, content=content, now=NOW, processes=2)
    assert str(raised.value.message) == f"no facts for {missions[-3]}"
    assert os.getpid() == parent


def test_a_child_that_dies_is_redone_here(content, missions, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    parent = os.getpid()
    real = many.build_plan

    def build(playbook, mission, facts, **kw):  # type: ignore[no-untyped-def]
        if os.getpid() != parent:
            os._exit(9)  # killed halfway (the OOM killer, a kill -9)
        return real(playbook, mission, facts, **kw)

    monkeypatch.setattr(many, "build_plan", build)
    plans = many.build_plans("earthquake", missions, FACTS, content=content, now=NOW, processes=2)
    assert [p.mission.id for p in plans] == missions
    assert all(p.posts for p in plans)


def test_few_missions_stay_in_this_process(content, missions, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    def no_fork(*a, **kw):  # type: ignore[no-untyped-def]
        raise AssertionError("forked for three missions")

    monkeypatch.setattr(many, "run_forked", no_fork)
    plans = many.build_plans(
        "earthquake", missions[:3], FACTS, content=content, now=NOW, processes=4
    )
    assert [p.mission.id for p in plans] == missions[:3]


def test_missions_go_to_whichever_process_is_free(content, missions, monkeypatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The missions are handed out one at a time: while this process warms up (here: until
    the child has taken the last mission), the child plans the missions this process would
    have had, and the plans still come back whole and in order."""
    import time

    parent = os.getpid()
    real = many.build_plan
    here: list[str] = []
    last = tmp_path / "last-mission-taken"

    def build(playbook, mission, facts, **kw):  # type: ignore[no-untyped-def]
        if os.getpid() == parent:
            here.append(mission)
        elif mission == missions[-1]:
            last.touch()
        return real(playbook, mission, facts, **kw)

    monkeypatch.setattr(many, "build_plan", build)
    warmed: list[bool] = []

    def warm() -> None:
        deadline = time.monotonic() + 120
        while not last.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        warmed.append(last.exists())

    plans = many.build_plans(
        "earthquake", missions, FACTS, content=content, now=NOW, processes=2, warm_up=warm
    )
    assert [p.mission.id for p in plans] == missions
    assert warmed == [True]
    assert here == missions[:1]  # this process planned the first mission only: before the fork


def test_an_error_in_the_warm_up_is_left_for_the_callers_next_step(content, missions) -> None:  # type: ignore[no-untyped-def]
    def warm() -> None:
        raise InputError("the settings are broken", field="platforms")

    plans = many.build_plans(
        "earthquake", missions, FACTS, content=content, now=NOW, processes=2, warm_up=warm
    )
    assert [p.mission.id for p in plans] == missions


def test_a_bad_catalog_of_the_last_mission_stops_the_whole_group_through_the_cli(
    tmp_path,
) -> None:  # type: ignore[no-untyped-def]
    """``run --missions all`` on content whose Spanish catalog (Mexico City's, the last mission,
    planned by a child) has only unreviewed translations: the error names that catalog, as a
    single mission's plan would, the exit code is the usual one for bad content, and nothing is
    recorded for any mission."""
    import shutil

    from babel.messages.pofile import read_po, write_po

    from .conftest import invoke

    root = tmp_path / "content"
    root.mkdir()
    for name in ("babel.cfg", "missions.yaml", "guardrails.yaml", "places.yaml"):
        shutil.copy(REPO / name, root / name)
    for name in ("playbooks", "templates", "locales"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("*.mo"))
    po = root / "locales/es/LC_MESSAGES/messages.po"
    with po.open("rb") as fh:
        catalog = read_po(fh)
    for message in catalog:
        if message.id:
            message.flags.add("fuzzy")
    with po.open("wb") as fh:
        write_po(fh, catalog)
    assert list(load_content(root).registry.missions)[-1] == "mexico-city"

    at = "2026-05-22T06:00:00Z"
    result = invoke("run", "earthquake", "--missions", "all", "--set", "region=Alps",
                    "--set", "magnitude=6.2", "--at", at, "--now", at, "--yes",
                    root=root)  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "locales/es/LC_MESSAGES/messages.po" in result.stderr
    assert "fuzzy (unreviewed) translation" in result.stderr
    assert "Traceback" not in result.output + result.stderr
    listed = invoke("status", "--json", root=root)
    assert json.loads(listed.stdout)["launches"] == []


def test_what_is_derived_from_each_plan_comes_with_it_from_the_process_that_built_it(
    content, missions
) -> None:  # type: ignore[no-untyped-def]
    """``derive`` runs where each plan was built (a child's pid for the children's plans),
    its value beside its own plan; a derive that fails gives None for that plan alone."""
    from launcher.plan.fingerprint import recorded_plan

    parent = os.getpid()
    broken = missions[-2]

    def derive(plan):  # type: ignore[no-untyped-def]
        if plan.mission.id == broken:
            raise ValueError("cannot derive")
        return plan.mission.id, os.getpid(), recorded_plan(plan)

    pairs = many.build_plans_deriving(
        "earthquake", missions, FACTS, content=content, now=NOW, processes=2, derive=derive
    )
    assert [p.mission.id for p, _ in pairs] == missions
    got = {p.mission.id: d for p, d in pairs}
    assert got[broken] is None
    assert all(got[m][0] == m for m in missions if m != broken)
    assert any(got[m][1] != parent for m in missions if m != broken)  # some built in a child
    for plan, d in pairs:
        if d is not None:
            assert d[2] == recorded_plan(plan)  # the same text, wherever it was worked out


def test_a_group_records_each_plan_as_the_text_its_hash_was_taken_of() -> None:
    """``run --missions all``: each launch's recorded plan is the very text whose SHA-256 is
    its plan_hash (worked out beside the plan, written once), and reads back as the plan's
    document."""
    import hashlib
    import sqlite3

    from .conftest import invoke

    at = "2026-05-22T06:00:00Z"
    result = invoke("run", "earthquake", "--missions", "all", "--set", "region=Alps",
                    "--set", "magnitude=6.2", "--at", at, "--now", at, "--yes",
                    "--json")  # fmt: skip
    assert result.exit_code == 0, result.output
    ledgers = list(Path(os.environ["LAUNCHER_DATA_DIR"]).rglob("ledger.sqlite3"))
    assert len(ledgers) == 1
    with sqlite3.connect(ledgers[0]) as db:
        rows = db.execute("SELECT plan, plan_hash FROM launches").fetchall()
    assert len(rows) >= many.SHARE_FROM + 2
    for text, digest in rows:
        assert hashlib.sha256(text.encode("utf-8")).hexdigest() == digest
        assert len(json.loads(text)["posts"]) > 10
