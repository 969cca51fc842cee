"""Planning on the small fixture: facts are data, JSON is deterministic, time and plurals
are right in every locale, right-to-left text is isolated correctly."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from launcher.plan.build import build_plan
from tests.conftest import invoke

AT = "2026-03-28T20:00:00Z"  # 22:00 in Beirut, the night before Lebanon's DST starts


def plan_json(root: Path, *args: str) -> dict:
    result = invoke("plan", "quake", *args, "--json", root=root)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_json_has_the_documented_shape(mini_root: Path) -> None:
    doc = plan_json(
        mini_root, "-m", "rome", "--set", "region=Umbria", "--set", "magnitude=6.1", "--at", AT
    )
    assert doc["playbook"] == "quake" and doc["mission"] == "rome"
    assert doc["event"]["region"] == "Umbria" and doc["event"]["magnitude"] == 6.1
    assert doc["event"]["deaths"] is None
    assert doc["locales"] == ["it", "en", "fr"]
    assert {"platform", "locale", "handle", "display_name", "bio"} <= set(doc["accounts"][0])
    post = doc["posts"][0]
    assert {"message", "platform", "locale", "text", "at", "length", "limit"} <= set(post)
    assert post["at"] == "2026-03-28T20:00:00Z"
    assert len(doc["accounts"]) == 3 * 3  # 3 platforms x 3 locales


def test_json_is_byte_identical_across_runs(mini_root: Path) -> None:
    args = (
        "plan",
        "quake",
        "-m",
        "beirut",
        "--set",
        "region=Bekaa",
        "--set",
        "magnitude=5",
        "--set",
        "deaths=2",
        "--at",
        AT,
        "--json",
    )
    first = invoke(*args, root=mini_root).stdout_bytes
    second = invoke(*args, root=mini_root).stdout_bytes
    assert first == second and len(first) > 1000


def test_facts_are_rendered_literally_never_evaluated(mini_root: Path) -> None:
    from launcher.content.playbook import load_playbook
    from launcher.plan.build import load_content, plan_from

    content = load_content(mini_root)
    facts = {"region": "{{ 7*7 }}{% if 1 %}x{% endif %}", "magnitude": 6.0, "deaths": None}
    plan = plan_from(
        content,
        load_playbook(mini_root, "quake"),
        content.registry.get("rome"),
        facts,
        datetime(2026, 3, 28, 20, tzinfo=UTC),
    )
    texts = [p.text for p in plan.posts if p.message == "condolences"]
    assert texts and all("{{ 7*7 }}{% if 1 %}x{% endif %}" in t for t in texts)
    assert not any("49" in t for t in texts)


def test_template_syntax_in_a_fact_is_published_literally_with_a_warning(mini_root: Path) -> None:
    """A fact is data: the plan goes ahead with the text as typed, and the warning names the
    --set option, never a translation to repair."""
    result = invoke(
        "plan",
        "quake",
        "-m",
        "rome",
        "--set",
        "region={{ 7*7 }}",
        "--set",
        "magnitude=6",
        "--at",
        AT,
        "--json",
        root=mini_root,
    )
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert all("{{ 7*7 }}" in p["text"] for p in doc["posts"] if p["message"] == "condolences")
    (warning,) = doc["warnings"]
    assert "quake: --set region (mission rome) [rule placeholder-in-fact]" in warning
    assert "published literally" in warning and "--set region=" in warning
    assert "translation" not in warning and "messages.po" not in warning
    assert not any("49" in p["text"] for p in doc["posts"])  # never evaluated


def _tree(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_plan_writes_nothing_but_compiled_catalogs(
    mini_root: Path, tmp_path: Path, monkeypatch
) -> None:
    """Plan changes no file anyone edits and no ledger; it may leave compiled .mo catalogs
    (build artifacts, like __pycache__), and a second plan reuses them untouched."""
    data = tmp_path / "data"
    monkeypatch.setenv("LAUNCHER_DATA_DIR", str(data))
    before = _tree(mini_root)
    args = ("plan", "quake", "-m", "rome", "--set", "region=U", "--set", "magnitude=6")
    invoke(*args, root=mini_root)
    after = _tree(mini_root)
    added = set(after) - set(before)
    assert added and all(p.suffix == ".mo" for p in added)
    assert {p: b for p, b in after.items() if p in before} == before
    assert not data.exists() or not any(data.iterdir())
    stamps = {p: p.stat().st_mtime_ns for p in added}
    invoke(*args, root=mini_root)
    assert {p: p.stat().st_mtime_ns for p in added} == stamps


def test_quiet_hours_and_dst_in_mission_time(mini_root: Path) -> None:
    # Confirmed 23:00 EET on 28 March; Beirut springs forward at midnight. +3h = 03:00 EEST,
    # inside 00:00-06:00 quiet hours: moved to 06:00 EEST (03:00 UTC), three hours before the
    # next update, so it is kept; then every 6h from the original offsets.
    doc = plan_json(mini_root, "-m", "beirut", "--set", "region=B", "--set", "magnitude=5",
                    "--at", "2026-03-28T21:00:00Z")  # fmt: skip
    update_times = sorted({p["at"] for p in doc["posts"] if p["message"] == "update"})
    assert update_times == ["2026-03-29T03:00:00Z", "2026-03-29T06:00:00Z",
                            "2026-03-29T12:00:00Z", "2026-03-29T18:00:00Z"]  # fmt: skip


def test_a_moved_send_close_to_the_next_one_merges_into_it(mini_root: Path) -> None:
    # Confirmed 22:00 EET: +3h = 01:00 would move to 06:00 EEST, only two hours before the
    # +9h update at 08:00 EEST: the two merge, nobody gets two updates in a row.
    doc = plan_json(mini_root, "-m", "beirut", "--set", "region=B", "--set", "magnitude=5",
                    "--at", AT)  # fmt: skip
    update_times = sorted({p["at"] for p in doc["posts"] if p["message"] == "update"})
    assert update_times == ["2026-03-29T05:00:00Z", "2026-03-29T11:00:00Z",
                            "2026-03-29T17:00:00Z"]  # fmt: skip


def test_times_are_formatted_per_locale_and_zone(mini_root: Path) -> None:
    doc = plan_json(
        mini_root, "-m", "beirut", "--set", "region=B", "--set", "magnitude=5", "--at", AT
    )
    first = {
        p["locale"]: p["text"]
        for p in doc["posts"]
        if p["message"] == "update"
        and p["platform"] == "mastodon"
        and p["at"] == "2026-03-29T05:00:00Z"
    }
    # the date policy: 24-hour clocks in local summer time, French "8 h", no AM/PM or ص/م
    assert "Update at 08:00." in first["en"]
    assert "8\u00a0h" in first["fr"]
    assert "08:00" in first["ar"] and "ص" not in first["ar"]


@pytest.mark.parametrize(
    ("locale", "deaths", "expected"),
    [
        ("en", 1, "1 person has died."),
        ("en", 5, "5 people have died."),
        ("fr", 1, "1 personne est décédée."),
        ("fr", 2, "2 personnes sont décédées."),
        ("ar", 1, "توفي شخص واحد."),
        ("ar", 2, "توفي شخصان."),
        ("ar", 7, "توفي 7 أشخاص."),
        ("ar", 11, "توفي 11 شخصًا."),
        ("ar", 100, "توفي 100 شخص."),
    ],
)
def test_plural_forms_follow_each_language(
    mini_root: Path, locale: str, deaths: int, expected: str
) -> None:
    plan = build_plan(
        "quake",
        "beirut",
        {"region": "B", "magnitude": "5", "deaths": str(deaths)},
        now=datetime(2026, 3, 28, 20, tzinfo=UTC),
        root=mini_root,
        locales=[locale],
    )
    update = next(p for p in plan.posts if p.message == "update")
    assert update.text.startswith(expected), update.text


def test_arabic_text_isolates_left_to_right_runs(mini_root: Path) -> None:
    plan = build_plan(
        "quake",
        "beirut",
        {"region": "B", "magnitude": "5"},
        now=datetime(2026, 3, 28, 20, tzinfo=UTC),
        root=mini_root,
    )
    ar = next(p for p in plan.posts if p.locale == "ar" and p.message == "condolences")
    fr = next(p for p in plan.posts if p.locale == "fr" and p.message == "condolences")
    assert "\u2066+44 20 7946 0201\u2069" in ar.text  # LRI ... PDI around the phone number
    assert "\u2066" not in fr.text  # left-to-right locales are untouched
    assert any("\u0600" <= ch <= "\u06ff" for ch in ar.text)


def test_lengths_are_counted_the_platform_way(mini_root: Path) -> None:
    doc = plan_json(
        mini_root, "-m", "rome", "--set", "region=U", "--set", "magnitude=5", "--at", AT
    )
    upd = {
        p["platform"]: p
        for p in doc["posts"]
        if p["message"] == "update" and p["locale"] == "en" and p["part"] == 1
    }
    # the registration URL counts 23 on X and Mastodon, its real length on Bluesky
    assert (
        upd["bluesky"]["length"] - upd["mastodon"]["length"]
        == len("https://help.example.org/register/rome") - 23
    )
    assert (upd["x"]["limit"], upd["mastodon"]["limit"], upd["bluesky"]["limit"]) == (280, 500, 300)


def test_over_long_message_becomes_a_numbered_thread_when_allowed(mini_root: Path) -> None:
    tpl = mini_root / "templates/messages/quake/condolences.j2"
    tpl.write_text(
        "{{ 'Stay away from damaged buildings and follow local authorities. ' * 8 }}\n"
        + tpl.read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    pb = mini_root / "playbooks/quake.yaml"
    pb.write_text(pb.read_text().replace("    pin: true", "    pin: true\n    thread: true"))
    doc = plan_json(
        mini_root,
        "-m",
        "rome",
        "--set",
        "region=U",
        "--set",
        "magnitude=5",
        "--at",
        AT,
        "--locale",
        "en",
    )
    parts = [p for p in doc["posts"] if p["message"] == "condolences" and p["platform"] == "x"]
    assert len(parts) >= 2
    assert all(p["length"] <= 280 for p in parts)
    assert [p["part"] for p in parts] == list(range(1, len(parts) + 1))
    assert parts[0]["pin"] and not parts[1]["pin"]
    assert len({p["key"] for p in doc["posts"]}) == len(doc["posts"])  # keys stay unique


def test_text_overview_groups_by_local_time(mini_root: Path) -> None:
    result = invoke(
        "plan",
        "quake",
        "-m",
        "beirut",
        "--set",
        "region=B",
        "--set",
        "magnitude=5",
        "--at",
        AT,
        root=mini_root,
    )
    assert result.exit_code == 0
    out = result.stdout
    assert "Sat 28 Mar 2026 22:00 EET" in out and "Sun 29 Mar 2026 08:00 EEST" in out
    assert ("condolences#1 [ar] [pin]" in out and "x 87/280" not in out) or "x " in out
    assert "Nothing was sent" in out


def test_an_unusable_data_directory_is_a_clear_error(
    mini_root: Path, tmp_path: Path, monkeypatch
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("LAUNCHER_DATA_DIR", str(blocker / "data"))
    result = invoke("status", root=mini_root)
    assert result.exit_code == 2
    assert "cannot use the data directory" in result.stderr and "LAUNCHER_DATA_DIR" in result.stderr
    assert "Traceback" not in result.output


def test_an_unexpected_bug_is_reported_without_a_traceback(mini_root: Path, monkeypatch) -> None:
    import launcher.plan.build

    def broken(*a, **k):
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(launcher.plan.build, "build_plan", broken)
    result = invoke("plan", "quake", "-m", "rome", root=mini_root)
    assert result.exit_code == 1
    assert "internal error: ZeroDivisionError: boom" in result.stderr
    assert "LAUNCHER_DEBUG=1" in result.stderr and "Traceback" not in result.output
