"""A broken mission stops only the plans for that mission; a language still being translated
(a draft locale) is reported as warnings and blocks nothing."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import invoke

AT = "2026-03-28T20:00:00Z"
QUAKE = ("quake", "--set", "region=Umbria", "--set", "magnitude=5", "--at", AT)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_wrong_time_zone_stops_only_that_missions_plans(mini_root: Path) -> None:
    _edit(mini_root / "missions.yaml", "timezone: Asia/Beirut", "timezone: Asia/Beyrouth")
    rome = invoke("plan", *QUAKE, "-m", "rome", "--json", root=mini_root)
    assert rome.exit_code == 0, rome.output
    assert json.loads(rome.stdout)["mission"] == "rome"
    beirut = invoke("plan", *QUAKE, "-m", "beirut", root=mini_root)
    assert beirut.exit_code == 2
    assert (
        "missions.yaml:" in beirut.stderr and "unknown time zone 'Asia/Beyrouth'" in beirut.stderr
    )
    checked = invoke("validate", root=mini_root)
    assert checked.exit_code == 2 and "unknown time zone 'Asia/Beyrouth'" in checked.stderr
    assert "2 missions" in checked.stderr  # still counted, and reported
    # the launch itself, not only the plan: the duty officer at Rome is not blocked
    ran = invoke("run", *QUAKE, "-m", "rome", "--now", AT, "--emergency", "--reason", "t",
                 "--yes", root=mini_root)  # fmt: skip
    assert ran.exit_code == 0, ran.output


def test_a_broken_organisation_still_stops_everything(mini_root: Path) -> None:
    _edit(mini_root / "missions.yaml", "handle_prefix: tl", "handle_prefix: Testland-Foreign")
    result = invoke("plan", *QUAKE, "-m", "rome", root=mini_root)
    assert result.exit_code == 2 and "handle prefix 'Testland-Foreign'" in result.stderr


def test_a_draft_locale_blocks_nothing_and_is_never_planned(mini_root: Path) -> None:
    """`i18n add sw`, a mission that will publish in it, sw marked draft: validate passes with
    warnings naming what is missing; plans leave sw out; asking for it is refused. Taking it
    off the draft list before it is translated makes validate fail again."""
    assert invoke("i18n", "add", "sw", root=mini_root).exit_code == 0
    unused = invoke("validate", root=mini_root)  # a catalog no mission publishes in yet
    assert unused.exit_code == 0, unused.output
    assert "(locale sw, which no mission publishes in yet) untranslated" in unused.stderr
    _edit(mini_root / "missions.yaml", "    languages: [it]", "    languages: [it, sw]")
    blocked = invoke("validate", root=mini_root)
    assert blocked.exit_code == 2 and "no name in 'sw'" in blocked.stderr
    assert "locale sw: untranslated" in blocked.stderr  # a language a mission publishes in
    _edit(mini_root / "missions.yaml", "missions:\n", "draft_locales: [sw]\nmissions:\n")
    drafted = invoke("validate", root=mini_root)
    assert drafted.exit_code == 0, drafted.output
    assert "warning: locales/sw/LC_MESSAGES/messages.po" in drafted.stderr
    assert "(draft locale sw) untranslated" in drafted.stderr
    plan = json.loads(invoke("plan", *QUAKE, "-m", "rome", "--json", root=mini_root).stdout)
    assert plan["locales"] == ["it", "en", "fr"]
    asked = invoke("plan", *QUAKE, "-m", "rome", "--locale", "sw", root=mini_root)
    assert asked.exit_code == 2 and "'sw' is a draft (still being translated)" in asked.stderr
    assert "draft_locales in missions.yaml" in asked.stderr


def test_draft_locales_are_checked(mini_root: Path) -> None:
    _edit(mini_root / "missions.yaml", "missions:\n", "draft_locales: [xx_nowhere]\nmissions:\n")
    result = invoke("validate", root=mini_root)
    assert result.exit_code == 2
    assert "missions.yaml:8:17: draft_locales[0]: unknown locale 'xx_nowhere'" in result.stderr
