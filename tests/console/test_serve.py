"""`launcher serve` as a real process: it refuses to start without people, binds 127.0.0.1 by
default, answers with its headers, and stops on SIGINT."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.identities import Cast, act

pytestmark = pytest.mark.integration


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_refuses_a_content_root_without_people(mini_root: Path) -> None:
    cast = Cast(mini_root, mini_root.parent / "keys", cast={})
    (mini_root / "people.yaml").unlink()
    result = act(cast, None, "serve", "--port", str(free_port()))
    assert result.exit_code == 2 and "declares none (people.yaml)" in result.stderr


def test_serve_runs_on_loopback_and_stops_on_sigint(mini_root: Path, tmp_path: Path) -> None:
    Cast(mini_root, tmp_path / "keys")
    port = free_port()
    env = {**os.environ, "LAUNCHER_ROOT": str(mini_root)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "launcher", "serve", "--port", str(port)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        response = None
        while time.monotonic() < deadline:
            try:
                response = requests.get(f"http://127.0.0.1:{port}/signin", timeout=2)
                break
            except requests.ConnectionError:
                time.sleep(0.2)
        assert response is not None and response.status_code == 200
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "server" not in {k.lower() for k in response.headers}
    finally:
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert f"launcher console on http://127.0.0.1:{port}/" in err
    assert "nobody can sign in yet" in err
