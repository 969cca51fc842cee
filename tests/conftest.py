"""Shared fixtures: isolated content roots and data directories, and a CLI runner."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

REPO = Path(__file__).resolve().parent.parent
MINI = Path(__file__).resolve().parent / "data" / "mini"


@pytest.fixture(autouse=True)
def _isolated_data_dir(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch):
    """No test writes to the real data directory or reads the user's settings."""
    monkeypatch.setenv("LAUNCHER_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    monkeypatch.delenv("LAUNCHER_CONFIG", raising=False)
    monkeypatch.delenv("LAUNCHER_ROOT", raising=False)
    monkeypatch.delenv("LAUNCHER_SANDBOX_FAIL", raising=False)


@pytest.fixture
def mini_root(tmp_path: Path) -> Path:
    """A private copy of the small test content root, safe to break."""
    root = tmp_path / "content"
    shutil.copytree(MINI, root, ignore=shutil.ignore_patterns("*.mo"))
    return root


@pytest.fixture
def shipped_root() -> Path:
    """The content that ships with launcher (read-only use)."""
    return REPO


def invoke(*args: str, root: Path | None = None) -> Result:
    """Run the real CLI in-process; errors are mapped to exit codes as for users."""
    from launcher.cli import cli

    argv = (["--root", str(root)] if root else []) + list(args)
    return CliRunner().invoke(cli, argv, catch_exceptions=False)
