"""The settings' ``console`` section::

    console:
      url: https://launcher.example.org   # its public address, for links in notifications
      users: /var/lib/launcher/console-users.json   # default: <data dir>/console-users.json
      idle_minutes: 30                    # a session ends after this long without a request
      session_hours: 12                   # and at the latest after this long

Imported by :mod:`launcher.settings` to check the section: no web framework is loaded here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SECTION = "console"
KEYS = ("url", "users", "idle_minutes", "session_hours")
USERS_FILE = "console-users.json"


@dataclass(frozen=True)
class ConsoleConfig:
    users: Path
    url: str | None = None
    idle: float = 30 * 60.0
    lifetime: float = 12 * 3600.0


def config_of(settings: Any) -> ConsoleConfig:
    raw = getattr(settings, "raw", {}) or {}
    section = raw.get(SECTION) if isinstance(raw.get(SECTION), Mapping) else {}
    users = section.get("users")
    path = Path(users).expanduser() if isinstance(users, str) else settings.data_dir / USERS_FILE
    idle = section.get("idle_minutes", 30)
    life = section.get("session_hours", 12)
    return ConsoleConfig(
        users=path,
        url=section["url"].rstrip("/") if isinstance(section.get("url"), str) else None,
        idle=float(idle) * 60 if _positive(idle) else 30 * 60.0,
        lifetime=float(life) * 3600 if _positive(life) else 12 * 3600.0,
    )


def _positive(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and value > 0


def check_settings(raw: Mapping[str, Any], add: Callable[..., None]) -> None:
    section = raw.get(SECTION)
    if section is None:
        return
    if not isinstance(section, Mapping):
        add("console must be a mapping with url, users, idle_minutes, session_hours", (SECTION,))
        return
    for key in section:
        if key not in KEYS:
            add(f"unknown key {key!r}; known: {', '.join(KEYS)}", (SECTION, key))
    url = section.get("url")
    if url is not None and not (isinstance(url, str) and url.startswith(("https://", "http://"))):
        add("url must be the console's address, starting with https://", (SECTION, "url"))
    users = section.get("users")
    if users is not None and not isinstance(users, str):
        add("users must be a file path", (SECTION, "users"))
    for key in ("idle_minutes", "session_hours"):
        if key in section and not _positive(section[key]):
            add(f"{key} must be a number above 0", (SECTION, key))
