"""`run` checks the settings offline, as `validate` does, before it records anything."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .conftest import invoke

RUN = (
    "run", "quake", "-m", "rome", "--set", "region=Lazio", "--set", "magnitude=6.1",
    "--at", "2026-07-01T08:00:00Z", "--now", "2026-07-01T08:00:00Z", "--yes",
)  # fmt: skip
MASTODON = "platforms:\n  mastodon:\n    adapter: {adapter}\n    options: {{{options}}}\n"
GOOD = "base_url: 'https://social.example.org', token: env:T_RUN_TOKEN"


def _launches(root: Path) -> list[dict]:
    result = invoke("status", "--json", root=root)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["launches"]


@pytest.mark.parametrize(
    ("adapter", "options", "says"),
    [
        ("mastodonn", GOOD, ":3: platforms.mastodon.adapter: unknown adapter 'mastodonn'"),
        (
            "mastodon",
            "base_url: social.example.org, token: env:T_RUN_TOKEN",
            ":4: platforms.mastodon.options.base_url: base_url must start with https://",
        ),
        (
            "mastodon",
            "base_url: 'https://social.example.org', token: env:T_RUN_UNSET",
            ":4: platforms.mastodon.options.token: mastodon.token: environment variable"
            " T_RUN_UNSET is not set",
        ),
        (
            "mastodon",
            f"{GOOD}, visibility: shouty",
            ":2: platforms.mastodon: mastodon visibility 'shouty' is not one of",
        ),
    ],
    ids=["unknown-adapter", "base-url-without-scheme", "unset-env", "bad-visibility"],
)
def test_settings_that_cannot_work_refuse_the_launch_before_anything_is_recorded(
    mini_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, adapter, options, says
) -> None:
    monkeypatch.setenv("T_RUN_TOKEN", "tok-1234")
    monkeypatch.delenv("T_RUN_UNSET", raising=False)
    cfg = tmp_path / "launcher.yaml"
    cfg.write_text(MASTODON.format(adapter=adapter, options=options))
    result = invoke("--config", str(cfg), *RUN, root=mini_root)
    assert result.exit_code == 2, result.output
    assert f"{cfg}{says}" in result.output
    assert "nothing was recorded" in result.output
    assert "launcher daemon" not in result.output  # no "later posts are sent by ..."
    assert _launches(mini_root) == []
    # the same problem, found by validate
    assert says.split(": ", 1)[1] in invoke("--config", str(cfg), "validate", root=mini_root).output


def test_a_problem_under_a_platform_the_launch_does_not_use_is_a_warning(
    mini_root: Path, tmp_path: Path
) -> None:
    """quake posts to mastodon, x and bluesky: a typo in the telegram settings must not keep
    the launch from going out, and is shown."""
    cfg = tmp_path / "launcher.yaml"
    cfg.write_text(
        "platforms:\n  telegram: {adapter: telegramm}\n"
        "missions:\n  kyiv:\n    platforms:\n      mastodon: {adapter: nope}\n"
    )
    result = invoke("--config", str(cfg), *RUN, root=mini_root)
    assert result.exit_code == 0, result.output
    assert "2 settings problem(s) outside this launch (not blocking)" in result.output
    assert "platforms.telegram.adapter: unknown adapter 'telegramm'" in result.output
    assert "missions.kyiv.platforms.mastodon.adapter: unknown adapter 'nope'" in result.output
    (launch,) = _launches(mini_root)
    assert launch["state"] == "active" and launch["counts"]["sent"] > 0  # it went out


def test_a_problem_in_the_missions_own_override_refuses(mini_root: Path, tmp_path: Path) -> None:
    cfg = tmp_path / "launcher.yaml"
    cfg.write_text("missions:\n  rome:\n    platforms:\n      x: {adapter: nope}\n")
    result = invoke("--config", str(cfg), *RUN, root=mini_root)
    assert result.exit_code == 2, result.output
    assert f"{cfg}:4: missions.rome.platforms.x.adapter: unknown adapter 'nope'" in result.output
    assert _launches(mini_root) == []


@pytest.mark.parametrize(("platform", "code"), [("telegram", 0), ("mastodon", 2)])
def test_a_duplicate_key_counts_where_it_is(
    mini_root: Path, tmp_path: Path, platform: str, code: int
) -> None:
    """Two `adapter:` lines (the second would silently win) stop the launch only when the
    launch posts to that platform."""
    cfg = tmp_path / "launcher.yaml"
    cfg.write_text(f"platforms:\n  {platform}:\n    adapter: sandbox\n    adapter: sandbox\n")
    result = invoke("--config", str(cfg), *RUN, root=mini_root)
    assert result.exit_code == code, result.output
    assert f"{cfg}:4:" in result.output and "duplicate key 'adapter'" in result.output
