"""Settings: location and precedence, per-mission adapters, standby accounts, validation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from launcher.adapters.mastodon import MastodonAdapter
from launcher.adapters.sandbox import SandboxAdapter
from launcher.errors import ConfigError
from launcher.settings import load_settings

GOOD = """\
database_url: sqlite:////tmp/x.sqlite3
platforms:
  mastodon:
    adapter: mastodon
    options:
      base_url: https://social.example.org
      app_token: env:T_APP
    accounts:
      - mission: rome
        locale: it
        account_id: "1093"
        credentials: {token: "env:T_ROME_IT"}
      - mission: rome
        credentials: {token: "env:T_ROME_ANY"}
missions:
  paris:
    platforms:
      mastodon:
        options: {base_url: https://paris.example.org}
"""


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("T_APP", "T_ROME_IT", "T_ROME_ANY"):
        monkeypatch.setenv(name, f"value-of-{name}")


def write(tmp_path: Path, text: str, name: str = "launcher.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_defaults_put_every_platform_on_the_sandbox(tmp_path: Path) -> None:
    s = load_settings()
    assert s.file is None and s.problems() == []
    for platform in ("mastodon", "bluesky", "x", "facebook", "telegram"):
        adapter = s.adapter_for(platform)
        assert isinstance(adapter, SandboxAdapter) and adapter.stands_for == platform
    assert s.database_url == f"sqlite:///{s.data_dir / 'ledger.sqlite3'}"
    assert s.data_dir == Path(os.environ["LAUNCHER_DATA_DIR"])


def test_location_precedence(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "root"
    root.mkdir()
    in_root = write(root, "database_url: sqlite:///root.db\n")
    by_env = write(tmp_path, "database_url: sqlite:///env.db\n", "env.yaml")
    explicit = write(tmp_path, "database_url: sqlite:///explicit.db\n", "explicit.yaml")
    assert load_settings(root=str(root)).file == str(in_root)
    monkeypatch.setenv("LAUNCHER_CONFIG", str(by_env))
    assert load_settings(root=str(root)).database_url == "sqlite:///env.db"
    assert load_settings(str(explicit), root=str(root)).database_url == "sqlite:///explicit.db"


def test_data_dir_env_beats_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    cfg = write(tmp_path, f"data_dir: {tmp_path / 'from-file'}\n")
    assert load_settings(str(cfg)).data_dir == Path(os.environ["LAUNCHER_DATA_DIR"])
    monkeypatch.delenv("LAUNCHER_DATA_DIR")
    assert load_settings(str(cfg)).data_dir == tmp_path / "from-file"


def test_missing_or_broken_files_are_config_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot be read"):
        load_settings(str(tmp_path / "nope.yaml"))
    bad = write(tmp_path, "platforms:\n  x: [unclosed\n  token: hunter2-S3CR3T\n")
    with pytest.raises(ConfigError) as info:
        load_settings(str(bad))
    assert f"{bad}:" in str(info.value) and "hunter2" not in str(info.value)


def test_adapters_per_platform_and_mission(tmp_path: Path, env: None) -> None:
    s = load_settings(str(write(tmp_path, GOOD)))
    assert s.problems() == []
    rome = s.adapter_for("mastodon", "rome")
    paris = s.adapter_for("mastodon", "paris")
    assert isinstance(rome, MastodonAdapter) and isinstance(paris, MastodonAdapter)
    assert rome.base_url == "https://social.example.org"
    assert paris.base_url == "https://paris.example.org"
    assert s.adapter_for("mastodon", "rome") is rome  # cached
    assert isinstance(s.adapter_for("x", "rome"), SandboxAdapter)


def test_account_ref_picks_the_most_specific_standby(tmp_path: Path, env: None) -> None:
    s = load_settings(str(write(tmp_path, GOOD)))
    it = s.account_ref("mastodon", "rome", "it", "tl_rome_it")
    assert it.standby and it.account_id == "1093"
    assert it.credentials == {"token": "env:T_ROME_IT"}
    en = s.account_ref("mastodon", "rome", "en", "tl_rome_en")
    assert (
        en.standby and en.credentials == {"token": "env:T_ROME_ANY"} and en.handle == "tl_rome_en"
    )
    planned = s.account_ref("mastodon", "paris", "fr", "tl_paris_fr")
    assert not planned.standby and planned.handle == "tl_paris_fr" and planned.credentials == {}


def test_account_ref_agrees_with_reading_every_entry_in_turn(tmp_path: Path) -> None:
    """Entries naming any of mission, locale and handle, in any order, some repeated, some in
    a mission's override: the one picked is the one naming the most of them, all matching, and
    the first such (the mission's own first), as a pass over every entry finds it (the
    entries are looked up by what they name)."""
    import random

    import yaml

    rng = random.Random(5)
    missions, locales = ["rome", "paris", "m01"], ["it", "en", "fr"]
    handles = [f"h_{m}_{loc}" for m in missions for loc in locales]
    entries = []
    for i in range(60):
        entry: dict[str, object] = {"credentials": {"token": f"env:T_{i}"}, "account_id": i}
        for field, values in (("mission", missions), ("locale", locales), ("handle", handles)):
            if rng.random() < 0.5:
                entry[field] = rng.choice(values)
        entries.append(entry)
    overrides = entries[40:]  # the mission's own entries come first, then the platform's
    doc = {
        "platforms": {"mastodon": {"adapter": "sandbox", "accounts": entries[:40]}},
        "missions": {"rome": {"platforms": {"mastodon": {"accounts": overrides}}}},
    }
    path = tmp_path / "launcher.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    s = load_settings(str(path))

    def one_by_one(mission: str, locale: str, handle: str) -> str | None:
        best = None
        for e in (overrides + entries[:40]) if mission == "rome" else entries[:40]:
            asked = {"mission": mission, "locale": locale, "handle": handle}
            named = [k for k in asked if k in e]
            if all(str(e[k]) == asked[k] for k in named) and (best is None or len(named) > best[0]):
                best = (len(named), e)
        return None if best is None else str(best[1]["account_id"])

    for mission in missions:
        for locale in locales:
            for handle in handles:
                ref = s.account_ref("mastodon", mission, locale, handle)
                assert ref.account_id == one_by_one(mission, locale, handle)
                assert ref.standby == (ref.account_id is not None)


BAD = """\
databse_url: x
platforms:
  mastodon:
    adapter: mastodon
    options:
      base_url: social.example.org
      token: hunter2-S3CR3T
      colour: blue
  x:
    adapter: twitter
  telegram:
    adapter: telegram
    options: {bot_token: env:T_UNSET_TOKEN}
    accounts:
      - {mission: rome, credentials: {bot_token: "file:/nonexistent/token"}, chat: 1}
  facebook:
    adapter: facebook
    options: {page_token: "file:{loose}"}
missions:
  rome:
    platforms:
      bluesky:
        adapter: launcher.errors:ConfigError
"""


def test_problems_are_all_reported_with_lines_and_no_values(tmp_path: Path) -> None:
    loose = tmp_path / "loose-token"
    loose.write_text("page-token-S3CR3T")
    loose.chmod(0o644)
    path = write(tmp_path, BAD.replace("{loose}", str(loose)))
    problems = load_settings(str(path)).problems()
    text = "\n".join(str(p) for p in problems)
    expected = [
        (1, "unknown key 'databse_url'"),
        (6, "base_url must start with https://"),
        (7, "must be a reference like 'env:NAME'"),
        (8, "mastodon has no option 'colour'"),
        (10, "unknown adapter 'twitter'"),
        (13, "environment variable T_UNSET_TOKEN is not set"),
        (15, "does not exist"),
        (15, "unknown key 'chat'"),
        (18, "readable by others"),
        (23, "is not an adapter"),
    ]
    for line, message in expected:
        assert any(p.line == line and message in p.message for p in problems), (line, message, text)
    assert all(p.file == str(path) for p in problems)
    assert "hunter2" not in text and "S3CR3T" not in text


def test_validation_never_touches_the_network(tmp_path: Path, env: None) -> None:
    import responses

    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        assert load_settings(str(write(tmp_path, GOOD))).problems() == []
        assert len(rsps.calls) == 0


def test_checklists_use_the_settings_translation(tmp_path: Path) -> None:
    from launcher import errors
    from launcher.adapters.base import AccountRef, ProfileUpdate

    s = load_settings(str(write(tmp_path, "platforms:\n  telegram: {adapter: telegram}\n")))
    s.gettext = lambda msgid: msgid.replace("Create the public channel", "Créer le canal public")
    adapter = s.adapter_for("telegram")
    with pytest.raises(errors.Unsupported) as info:
        adapter.provision(AccountRef("telegram", "tl_paris_fr", "fr"), ProfileUpdate("n", "b"))
    assert "Créer le canal public @tl_paris_fr in a Telegram client" in info.value.checklist
