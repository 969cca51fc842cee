"""Who holds a claim: worker ids that say which process on which host, and whether it lives.

A claim names its holder ``host/pid/role-token``; a restart on the same host takes over the
claims of processes that no longer exist at once, instead of waiting for their leases.
"""

from __future__ import annotations

import os
import socket
import uuid


def new_worker_id(role: str = "daemon") -> str:
    """``host/pid/role-token``: unique per process, and tells whether its holder is alive."""
    return f"{socket.gethostname()}/{os.getpid()}/{role}-{uuid.uuid4().hex[:8]}"


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:  # a zombie (killed, not yet reaped) holds nothing
        with open(f"/proc/{pid}/stat", encoding="ascii") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def dead_local_claimants(claimants: list[str]) -> list[str]:
    """Claim holders that are processes on this host which no longer exist."""
    host, me = socket.gethostname(), os.getpid()
    out = []
    for c in claimants:
        parts = c.split("/")
        if len(parts) != 3 or parts[0] != host or not parts[1].isdigit():
            continue
        pid = int(parts[1])
        if pid != me and not _pid_alive(pid):
            out.append(c)
    return out
