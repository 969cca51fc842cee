"""Who acted: recorded on every action in the audit trail.

``--as NAME`` wins, then ``LAUNCHER_ACTOR``, then the operating-system user. The daemon acts
as ``daemon:<user>@<host>`` unless told otherwise.
"""

from __future__ import annotations

import getpass
import os
import socket

ENV_VAR = "LAUNCHER_ACTOR"


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry in some containers
        return f"uid{os.getuid()}" if hasattr(os, "getuid") else "unknown"


def resolve_actor(explicit: str | None = None) -> str:
    for value in (explicit, os.environ.get(ENV_VAR)):
        if value and value.strip():
            return value.strip()
    return os_user()


def daemon_actor(explicit: str | None = None) -> str:
    if explicit and explicit.strip():
        return explicit.strip()
    env = os.environ.get(ENV_VAR)
    if env and env.strip():
        return f"daemon:{env.strip()}"
    return f"daemon:{os_user()}@{socket.gethostname()}"
