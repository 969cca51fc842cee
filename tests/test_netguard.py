"""The guard that keeps the suite off the network (tests/netguard) is in place."""

from __future__ import annotations

import socket
import subprocess
import sys

import pytest

from .conftest import NETWORK_LOG


def _attempts() -> str:
    return NETWORK_LOG.read_text(encoding="utf-8")


def test_a_connection_off_this_machine_is_refused_here_and_in_child_processes() -> None:
    before = _attempts()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        with pytest.raises(OSError, match="tests never reach the network"):
            sock.connect(("192.0.2.1", 443))  # TEST-NET-1: documentation only
    finally:
        sock.close()
    child = subprocess.run(
        [sys.executable, "-c", "import socket; socket.create_connection(('192.0.2.2', 80), 1)"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert child.returncode != 0 and "tests never reach the network" in child.stderr
    tried = _attempts()[len(before) :]
    assert "192.0.2.1" in tried and "192.0.2.2" in tried
    # this test made those attempts on purpose: take them back so it does not fail itself
    NETWORK_LOG.write_text(before, encoding="utf-8")


def test_loopback_is_allowed() -> None:
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    try:
        with socket.create_connection(server.getsockname(), timeout=5):
            pass
    finally:
        server.close()
