"""The registry: entry points, dotted paths, the base-class check, and a real third-party
adapter distribution installed with pip and used without touching launcher's code."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from launcher.adapters.base import AccountRef, Adapter
from launcher.adapters.registry import available, names, resolve
from launcher.adapters.sandbox import SandboxAdapter
from launcher.errors import ConfigError
from launcher.launch.retry import deliver
from launcher.settings import load_settings

from ..conftest import invoke
from ..thirdparty.build_wheel import build
from .conftest import post

BUILTIN = {"sandbox", "mastodon", "bluesky", "x", "facebook", "telegram"}
PIGEON = Path(__file__).resolve().parent.parent / "thirdparty" / "launcher_pigeon"


def test_builtin_adapters_are_registered() -> None:
    assert set(names()) >= BUILTIN
    found = available()
    for name in BUILTIN - {"bluesky"}:
        assert issubclass(found[name], Adapter) and found[name].name == name


@pytest.mark.parametrize(
    "ref",
    [
        "sandbox",
        "launcher.adapters.sandbox:SandboxAdapter",
        "launcher.adapters.sandbox.SandboxAdapter",
        SandboxAdapter,
    ],
)
def test_resolve_by_name_path_or_class(ref) -> None:
    assert resolve(ref) is SandboxAdapter


def test_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(ConfigError) as info:
        resolve("myspace")
    text = str(info.value)
    assert "unknown adapter 'myspace'" in text
    for name in ("mastodon", "sandbox", "telegram", "x"):
        assert name in text


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("launcher.errors:ConfigError", "is not an adapter"),
        ("launcher.adapters.base.Option", "is not an adapter"),
        ("no_such_package.mod:Thing", "cannot be imported"),
        ("launcher.adapters.sandbox:Nope", "cannot be imported"),
    ],
)
def test_paths_are_checked(ref: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        resolve(ref)


@pytest.fixture(scope="module")
def pigeon_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Install the third-party package with pip (a real wheel, offline) into a target dir."""
    tmp = tmp_path_factory.mktemp("pigeon")
    wheel = build(PIGEON, tmp / "dist")
    site = tmp / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-index",
            "--no-deps",
            "--target",
            str(site),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    assert (site / "launcher_pigeon-0.1.0.dist-info" / "entry_points.txt").is_file()
    return site


@pytest.fixture
def pigeon(pigeon_site: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.syspath_prepend(str(pigeon_site))
    return pigeon_site


def test_third_party_adapter_is_found_through_its_entry_point(pigeon: Path) -> None:
    assert "pigeon" in names()
    cls = resolve("pigeon")
    assert cls.__module__ == "launcher_pigeon" and issubclass(cls, Adapter)
    assert "pigeon" in available()


def test_third_party_adapter_serves_a_platform_from_the_settings(
    pigeon: Path, tmp_path: Path
) -> None:
    cfg = tmp_path / "launcher.yaml"
    loft = tmp_path / "loft.jsonl"
    cfg.write_text(f"platforms:\n  x:\n    adapter: pigeon\n    options: {{loft: {loft}}}\n")
    settings = load_settings(str(cfg))
    assert settings.problems() == []
    adapter = settings.adapter_for("x")
    account = AccountRef(platform="x", handle="tl_rome_it", locale="it")
    first = deliver(adapter, account, post())
    again = deliver(adapter, account, post(), reconcile_first=True)
    assert first == again
    assert len(loft.read_text().splitlines()) == 1


def test_adapters_command_lists_the_third_party_adapter(pigeon: Path) -> None:
    result = invoke("adapters", "--json")
    assert result.exit_code == 0, result.output
    rows = {row["name"]: row for row in json.loads(result.output)["adapters"]}
    assert rows["pigeon"]["title"] == "Carrier pigeon"
    assert rows["pigeon"]["text_limit"] == 140


def test_a_playbook_launch_uses_the_third_party_adapter(
    pigeon: Path, mini_root: Path, tmp_path: Path
) -> None:
    """`launcher run` with the settings mapping X to the pigeon: its posts land in the loft,
    launcher's code untouched."""
    loft = tmp_path / "loft.jsonl"
    cfg = tmp_path / "launcher.yaml"
    cfg.write_text(f"platforms:\n  x:\n    adapter: pigeon\n    options: {{loft: {loft}}}\n")
    result = invoke(
        "--config",
        str(cfg),
        "run",
        "quake",
        "-m",
        "rome",
        "--set",
        "region=Lazio",
        "--set",
        "magnitude=6.1",
        "--at",
        "2026-07-01T08:00:00Z",
        "--now",
        "2026-07-01T08:00:00Z",
        "--really",
        "--yes",
        root=mini_root,
    )
    assert result.exit_code in (0, 1), result.output
    sent = [json.loads(line) for line in loft.read_text().splitlines()]
    assert sent, result.output
    assert all(rec["to"].startswith("tl") for rec in sent)
