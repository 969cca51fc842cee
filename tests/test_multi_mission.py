"""Many missions in one command, through the real CLI on the shipped content and the sandbox:
one review, one confirmation, one launch per mission in a launch group; one mission halted
alone while the others go on; the whole group halted at once; bad selectors refused."""

from __future__ import annotations

import json

from .conftest import REPO, invoke

AT = "2026-05-22T06:00:00Z"
QUAKE = ("earthquake", "--set", "region=Alps", "--set", "magnitude=6.2")


def _run(*select: str, extra: tuple[str, ...] = ()) -> dict:
    result = invoke("run", *QUAKE, *select, "--at", AT, "--now", AT, "--yes", "--json", *extra,
                    root=REPO)  # fmt: skip
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_a_region_launches_one_launch_per_mission_in_one_group() -> None:
    """`--missions europe` (region tags in missions.yaml) makes one launch per European
    mission, each with its accounts set up and its due posts sent, in one group."""
    doc = _run("--missions", "europe")
    missions = [launch["launch"].split("-")[0] for launch in doc["launches"]]
    assert missions == ["ankara", "rome", "kyiv"]  # missions.yaml's order
    for launch in doc["launches"]:
        assert launch["state"] == "active"
        assert {a["state"] for a in launch["accounts"]} == {"active"}
        due = [p for p in launch["posts"] if p["due_at"] == "2026-05-22T06:00:00.000Z"]
        assert due and {p["state"] for p in due} == {"sent"}
    status = json.loads(invoke("status", "--group", doc["group"], "--json", root=REPO).stdout)
    assert [s["launch"] for s in status["launches"]] == [x["launch"] for x in doc["launches"]]


def test_one_mission_is_halted_alone_then_the_group_at_once() -> None:
    """An hour into a launch for two missions, Rome's launch is halted (a wrong figure there):
    Kyiv's next posts still go out when due, Rome's do not; then `halt --group` stops Kyiv
    too."""
    doc = _run("--mission", "rome", "--mission", "kyiv")
    rome, kyiv = (x["launch"] for x in doc["launches"])
    halted = invoke("halt", rome, "--json", root=REPO)
    assert halted.exit_code == 0 and rome in json.loads(halted.stdout)["halted"]
    later = "2026-05-22T09:30:00Z"  # the first update (3 h) is due
    ran = invoke("daemon", "--once", "--now", later, root=REPO)
    assert ran.exit_code == 0, ran.output

    def states(launch: str) -> dict[str, set[str]]:
        doc = json.loads(invoke("status", launch, "--json", root=REPO).stdout)
        out: dict[str, set[str]] = {}
        for p in doc["posts"]:
            out.setdefault(p["message"], set()).add(p["state"])
        return out

    assert "sent" in states(kyiv)["update"]
    assert "sent" not in states(rome)["update"] and "halted" in states(rome)["update"]
    group = invoke("halt", "--group", doc["group"], "--json", root=REPO)
    assert group.exit_code == 0
    assert list(json.loads(group.stdout)["halted"]) == [kyiv]  # Rome was halted already
    assert "scheduled" not in {s for v in states(kyiv).values() for s in v}


def test_the_review_has_a_section_per_mission_and_one_confirmation() -> None:
    """Without --yes: every mission's plan under its own heading, one question; answering no
    records nothing."""
    from click.testing import CliRunner

    from launcher.cli import cli

    argv = ["--root", str(REPO), "run", *QUAKE, "--missions", "rome,UA", "--at", AT, "--now", AT]
    result = CliRunner().invoke(cli, argv, input="n\n", catch_exceptions=False)
    assert result.exit_code == 1  # aborted
    assert "MISSION rome" in result.output and "MISSION kyiv" in result.output
    assert result.output.count("Launch ") == 1 and "for 2 missions (rome, kyiv)" in result.output
    listed = invoke("status", "--json", root=REPO)
    assert json.loads(listed.stdout)["launches"] == []


def test_a_selector_that_matches_nothing_is_refused_before_anything_is_recorded() -> None:
    result = invoke("run", *QUAKE, "--missions", "europa", "--yes", root=REPO)
    assert result.exit_code == 2
    assert "'europa' is no mission, region or country" in result.output
    assert "did you mean 'europe'" in result.output
    assert json.loads(invoke("status", "--json", root=REPO).stdout)["launches"] == []


def test_several_time_zones_need_an_exact_moment() -> None:
    """Rome and Tokyo: `--at 10:30` would be two instants; it must carry its offset."""
    result = invoke("run", *QUAKE, "--mission", "rome", "--mission", "tokyo", "--at", "10:30",
                    "--yes", root=REPO)  # fmt: skip
    assert result.exit_code == 2
    assert "--at" in result.output


def _out(*args: str) -> str:
    result = invoke(*args, root=REPO)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_plan_takes_several_missions_as_run_does() -> None:
    """`plan --mission rome --mission kyiv` plans both (it planned Kyiv alone, silently): each
    mission's plan under its heading, exactly the plan of that mission alone; --json is
    run --dry-run --json's document, {missions, plans}, each plan that mission's plan --json."""
    both = ("--mission", "rome", "--mission", "kyiv", "--at", AT)
    text = _out("plan", *QUAKE, *both)
    rule = "=" * 78
    expected = ""
    for mission, where in (("rome", "Rome, IT, Europe/Rome"), ("kyiv", "Kyiv, UA, Europe/Kyiv")):
        heading = f"{rule}\nMISSION {mission}  ({where})\n{rule}\n"
        expected += heading + _out("plan", *QUAKE, "--mission", mission, "--at", AT)
    assert text == expected
    doc = _out("plan", *QUAKE, *both, "--json")
    assert doc == _out("run", *QUAKE, *both, "--dry-run", "--json")
    parsed = json.loads(doc)
    assert parsed["missions"] == ["rome", "kyiv"]
    for mission, plan in zip(parsed["missions"], parsed["plans"], strict=True):
        alone = _out("plan", *QUAKE, "--mission", mission, "--at", AT, "--json")
        assert plan == json.loads(alone)
    region = json.loads(_out("plan", *QUAKE, "--missions", "europe", "--at", AT, "--json"))
    assert region["missions"] == ["ankara", "rome", "kyiv"]
    assert len(region["plans"]) == 3


def test_plan_and_lint_refuse_what_run_refuses() -> None:
    """No mission, a mission that does not exist, a local --at over two time zones: exit 2
    naming the option, for plan and lint alike."""
    for command in ("plan", "lint"):
        none = invoke(command, *QUAKE, "--at", AT, root=REPO)
        unknown = invoke(command, *QUAKE, "-m", "rome", "-m", "romee", "--at", AT, root=REPO)
        zones = invoke(command, *QUAKE, "-m", "rome", "-m", "tokyo", "--at", "10:30", root=REPO)
        if command == "plan":  # lint without a mission lints every mission
            assert none.exit_code == 2 and "--mission: no mission chosen" in none.output
        assert unknown.exit_code == 2, unknown.output
        assert "--mission: unknown mission 'romee', did you mean 'rome'?" in unknown.output
        assert zones.exit_code == 2 and "--at: '10:30' has no UTC offset" in zones.output
        assert "different time zones (Asia/Tokyo, Europe/Rome)" in zones.output


def test_lint_takes_several_missions_as_run_does() -> None:
    """`lint PLAYBOOK --mission rome --mission kyiv` lints both plans (it linted Kyiv's
    alone), `--missions europe` the three European ones."""
    both = json.loads(_out("lint", *QUAKE, "-m", "rome", "-m", "kyiv", "--at", AT, "--json"))
    assert both["plans"] == 2
    rome = json.loads(_out("lint", *QUAKE, "-m", "rome", "--at", AT, "--json"))
    kyiv = json.loads(_out("lint", *QUAKE, "-m", "kyiv", "--at", AT, "--json"))
    assert both["warnings"] == rome["warnings"] + kyiv["warnings"]
    region = json.loads(_out("lint", *QUAKE, "--missions", "europe", "--at", AT, "--json"))
    assert region["plans"] == 3
