"""The settings' ``notifications`` section::

    notifications:
      email: env:LAUNCHER_SMTP_URL   # the sender: an apprise mailto(s):// URL, as a reference
      also:                          # more destinations per topic (a team channel, a pager)
        approval-request: [env:OPS_MATRIX_URL]
        posts-failed: [file:/etc/launcher/ntfy-url]
      attempts: 5                    # tries per destination before giving up (default 5)

People's own contacts are in people.yaml. Every destination is a credential reference: an
apprise URL carries a token or a password.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

SECTION = "notifications"
KEYS = ("email", "also", "attempts")
#: what a notification is about, and who hears it (besides ``also``)
TOPICS = {
    "approval-request": "the launch approvers (not the person who ran it)",
    "emergency-override": "the launch approvers and the emergency role",
    "posts-failed": "the duty officers (role launcher)",
    "account-failed": "the duty officers (role launcher)",
    "proposal": "the duty officers (role launcher)",
    "auto-launch": "the duty officers (role launcher)",
}
DEFAULT_ATTEMPTS = 5


@dataclass(frozen=True)
class NotifyConfig:
    email: str | None = None  # reference to the sender's apprise mailto URL
    also: dict[str, tuple[str, ...]] = field(default_factory=dict)
    attempts: int = DEFAULT_ATTEMPTS
    console_url: str | None = None  # links in messages (the console's public address)

    @property
    def configured(self) -> bool:
        return bool(self.email or any(self.also.values()))


def config_of(settings: Any) -> NotifyConfig:
    """The notification settings (defaults where absent or malformed: `validate` reports)."""
    raw = getattr(settings, "raw", {}) or {}
    section = raw.get(SECTION) if isinstance(raw.get(SECTION), Mapping) else {}
    also = section.get("also") if isinstance(section.get("also"), Mapping) else {}
    attempts = section.get("attempts", DEFAULT_ATTEMPTS)
    console = raw.get("console") if isinstance(raw.get("console"), Mapping) else {}
    url = console.get("url") if isinstance(console.get("url"), str) else None
    return NotifyConfig(
        email=section.get("email") if isinstance(section.get("email"), str) else None,
        also={
            str(t): tuple(str(r) for r in (v if isinstance(v, list) else [v]))
            for t, v in also.items()
            if t in TOPICS and v
        },
        attempts=attempts if isinstance(attempts, int) and attempts > 0 else DEFAULT_ATTEMPTS,
        console_url=url.rstrip("/") if url else None,
    )


def check_settings(raw: Mapping[str, Any], add: Callable[..., None]) -> None:
    """Report every problem of the section through ``add(message, path, hint)``."""
    from ..credentials import check

    section = raw.get(SECTION)
    if section is None:
        return
    if not isinstance(section, Mapping):
        add("notifications must be a mapping with email, also, attempts", (SECTION,))
        return
    for key in section:
        if key not in KEYS:
            add(f"unknown key {key!r}; known: {', '.join(KEYS)}", (SECTION, key))
    if section.get("email") is not None:
        problem = check(section["email"], what="notifications.email (the sender's mailto URL)")
        if problem:
            add(problem, (SECTION, "email"))
    attempts = section.get("attempts")
    if attempts is not None and (
        isinstance(attempts, bool) or not isinstance(attempts, int) or attempts < 1
    ):
        add("attempts must be a whole number of 1 or more", (SECTION, "attempts"))
    also = section.get("also") or {}
    if not isinstance(also, Mapping):
        add("also must map topics to destinations", (SECTION, "also"))
        return
    for topic, refs in also.items():
        if topic not in TOPICS:
            add(f"unknown topic {topic!r}; topics: {', '.join(TOPICS)}", (SECTION, "also", topic))
            continue
        for i, ref in enumerate(refs if isinstance(refs, list) else [refs]):
            problem = check(ref, what=f"notifications.also.{topic}")
            if problem:
                add(problem, (SECTION, "also", topic, i))
