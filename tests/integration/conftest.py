"""Fixtures for integration tests: a real Bluesky PDS (``@atproto/pds``) with a local PLC.

The server is the project's own harness, ``scripts/pds/`` (setup.sh, start.sh, stop.sh),
listening on free 127.0.0.1 ports; one server per test session, fresh data each time.

Environment:

``PEERS_DIR``
    where ``.ci/pds-setup`` / ``scripts/pds/setup.sh`` installed node 22 and the PDS
    (default ``/tmp/launcher-peers``).
``LAUNCHER_PDS_SETUP``
    ``1`` (default): if the PDS is not installed but ``npm`` is on PATH, install it first
    (about 1.5 minutes); ``0``: skip instead.
``LAUNCHER_TEST_PDS_URL``
    use an already running PDS at this URL instead of starting one (its handle domain is
    read from ``describeServer``; invite codes are not supported here).
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = ROOT / "scripts" / "pds"


@dataclass(frozen=True)
class PdsServer:
    url: str  # http://127.0.0.1:PORT
    handle_domain: str  # e.g. ".test"
    admin_password: str | None = None
    #: the stand-in AppView the PDS proxies app.bsky.* to (tests/integration/appview.py);
    #: None for an external PDS, which has its own
    appview: Any = None


def _peers_dir() -> Path:
    return Path(os.environ.get("PEERS_DIR") or "/tmp/launcher-peers")


def _installed(peers: Path) -> bool:
    nodes = list((peers / "node22" / "node_modules").glob("node-linux-*/bin/node"))
    return bool(nodes) and (peers / "pds" / "node_modules" / "@atproto" / "pds").is_dir()


def _ensure_installed(peers: Path) -> None:
    if _installed(peers):
        return
    if shutil.which("npm") is None:
        pytest.skip(f"PDS not installed: run .ci/pds-setup (npm not found; PEERS_DIR={peers})")
    if os.environ.get("LAUNCHER_PDS_SETUP", "1") == "0":
        pytest.skip(f"PDS not installed: run .ci/pds-setup (PEERS_DIR={peers})")
    proc = subprocess.run(
        [str(SCRIPTS / "setup.sh"), str(peers)],
        capture_output=True,
        text=True,
        timeout=900,
        check=False,
    )
    if proc.returncode != 0 or not _installed(peers):
        pytest.fail(
            f"PDS setup failed (scripts/pds/setup.sh {peers}, exit {proc.returncode}):\n"
            + (proc.stdout + proc.stderr)[-3000:]
        )


def _read_state(path: Path) -> dict[str, str]:
    out = {}
    for line in path.read_text().splitlines():
        key, sep, value = line.partition("=")
        if sep:
            parts = shlex.split(value)
            out[key] = parts[0] if parts else ""
    return out


@pytest.fixture(scope="session")
def pds(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PdsServer]:
    """A running PDS for this test session; stopped (and its data removed) afterwards."""
    external = os.environ.get("LAUNCHER_TEST_PDS_URL")
    if external:
        desc = requests.get(f"{external}/xrpc/com.atproto.server.describeServer", timeout=10)
        desc.raise_for_status()
        domains = desc.json().get("availableUserDomains") or [".test"]
        yield PdsServer(url=external.rstrip("/"), handle_domain=domains[0])
        return

    peers = _peers_dir()
    _ensure_installed(peers)
    from .appview import DID as APPVIEW_DID
    from .appview import AppView

    appview = AppView()  # app.bsky.* (notifications, post views) answered from the PDS's repos
    state_dir = tmp_path_factory.mktemp("pds-state")
    env = {
        **os.environ,
        "PEERS_DIR": str(peers),
        "PDS_STATE_DIR": str(state_dir),
        "PDS_BSKY_APP_VIEW_URL": appview.url,
        "PDS_BSKY_APP_VIEW_DID": APPVIEW_DID,
    }
    env.pop("PDS_PORT", None)
    env.pop("PLC_PORT", None)
    env.pop("PDS_DATA_DIRECTORY", None)  # always fresh: the PLC directory is in memory
    start = subprocess.run(
        [str(SCRIPTS / "start.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    try:
        if start.returncode != 0:
            pytest.fail(f"PDS did not start:\n{(start.stdout + start.stderr)[-3000:]}")
        state = _read_state(state_dir / "pds.env")
        domain = state.get("PDS_HANDLE_DOMAINS", ".test").split(",")[0]
        appview.pds_url = state["PDS_HOST_URL"]
        yield PdsServer(
            url=state["PDS_HOST_URL"],
            handle_domain=domain,
            admin_password=state.get("PDS_ADMIN_PASSWORD"),
            appview=appview,
        )
    finally:
        appview.close()
        subprocess.run(
            [str(SCRIPTS / "stop.sh")],
            env=env,
            capture_output=True,
            timeout=60,
            check=False,
        )


@pytest.fixture(scope="session")
def pds_password_ref() -> Iterator[str]:
    """A credential *reference* to a random password (an env var set for this session)."""
    name = "LAUNCHER_TEST_BSKY_PASSWORD"
    old = os.environ.get(name)
    os.environ[name] = "pw-" + uuid.uuid4().hex
    yield f"env:{name}"
    if old is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = old
