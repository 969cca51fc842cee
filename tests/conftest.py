"""Shared fixtures: isolated content roots and data directories, and a CLI runner."""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

REPO = Path(__file__).resolve().parent.parent
MINI = Path(__file__).resolve().parent / "data" / "mini"
NETGUARD = Path(__file__).resolve().parent / "netguard"


def _guard_the_network() -> Path:
    """Refuse every connection off this machine, here and in every Python process a test
    starts (tests/netguard/sitecustomize.py); the attempts are logged for :func:`_no_network`."""
    log = Path(tempfile.mkdtemp(prefix="launcher-netguard-")) / "attempts.log"
    log.touch()
    os.environ["TEST_NETWORK_LOG"] = str(log)
    paths = [str(NETGUARD), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    os.environ["PYTHONPATH"] = os.pathsep.join(paths)
    sys.path.insert(0, str(NETGUARD))
    sys.modules.pop("sitecustomize", None)
    import sitecustomize  # noqa: F401  (installs the guard in this process)

    return log


NETWORK_LOG = _guard_the_network()


@pytest.fixture(autouse=True)
def _no_network():
    """A test that tried to reach another machine fails, whoever took the error calmly."""
    before = NETWORK_LOG.stat().st_size
    yield
    with NETWORK_LOG.open(encoding="utf-8") as log:
        log.seek(before)
        tried = log.read()
    if tried:
        pytest.fail(f"this test tried to reach the network (pid, address):\n{tried}")


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
