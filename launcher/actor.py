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


def same_person(a: str, b: str) -> bool:
    """Whether two names given with ``--as`` name the same person, for four eyes where no
    people.yaml identifies anyone: ``Alice``, ``alice``, ``ａｌｉｃｅ`` and ``ali\u200bce`` are
    one person (compatibility forms, case, invisible format characters and spacing
    ignored), so a second name is not had by typing the first one differently."""
    return _plain(a) == _plain(b)


def _plain(name: str) -> str:
    import unicodedata

    text = unicodedata.normalize("NFKC", name)
    text = "".join(c for c in text if unicodedata.category(c) != "Cf")
    return " ".join(text.casefold().split())
