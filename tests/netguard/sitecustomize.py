"""Tests never reach the network: every socket may connect to this machine only.

The suite puts this directory first on ``PYTHONPATH`` (tests/conftest.py), so Python imports it
at start-up in the test process and in every ``launcher`` process a test starts. A connection
to any address but a loopback one (or a Unix socket) is refused with an error, as an
unreachable network would be, and written to ``$TEST_NETWORK_LOG``: the test that caused it
then fails, even when the code under test took the error calmly (a feed watcher logs an
unreachable source and goes on).
"""

from __future__ import annotations

import errno
import ipaddress
import os
import socket

_LOG = os.environ.get("TEST_NETWORK_LOG")
_connect = socket.socket.connect
_connect_ex = socket.socket.connect_ex


def _local(sock: socket.socket, address: object) -> bool:
    if sock.family not in (socket.AF_INET, socket.AF_INET6):
        return True
    host = str(address[0]) if isinstance(address, tuple) and address else str(address)
    if host == "localhost":
        return True
    try:
        ip = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:  # a name connect() would resolve itself: not known to be local
        return False
    return ip.is_loopback or ip.is_unspecified


def _refuse(address: object) -> OSError:
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as log:
            log.write(f"{os.getpid()} {address!r}\n")
    return OSError(errno.ENETUNREACH, f"tests never reach the network (tried {address!r})")


def _guarded_connect(self: socket.socket, address: object) -> None:
    if not _local(self, address):
        raise _refuse(address)
    return _connect(self, address)


def _guarded_connect_ex(self: socket.socket, address: object) -> int:
    if not _local(self, address):
        _refuse(address)
        return errno.ENETUNREACH
    return _connect_ex(self, address)


if _LOG:
    socket.socket.connect = _guarded_connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _guarded_connect_ex  # type: ignore[method-assign]
