"""A playbook's ``sunset:`` section: how a launch of it is wound down when the crisis is over.

Content, like the rest of the playbook: farewell and hand-over messages (templates,
translated and approved like every message) with their time before the sunset date, the
profile the accounts get back (the standby profile, or a dormant one), whether the launch's
pinned posts come off the profiles, whether accounts launcher created are kept ``dormant`` or
``retire``\\ d, and what retiring means per platform. Planning and carrying a sunset out live
in :mod:`launcher.sunset`; this module only reads and checks the section::

    sunset:
      messages:
        - {id: farewell-month, template: messages/sunset/farewell.j2, before: 30d}
        - {id: farewell-final, template: messages/sunset/final.j2, before: 48h, pin: true}
      profile: profiles/standby.j2
      unpin: true
      created_accounts: dormant        # or: retire
      retire: {mastodon: move, bluesky: checklist}
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from .schema import Checker, did_you_mean

SUNSET_KEYS = ("messages", "profile", "unpin", "created_accounts", "retire")
MESSAGE_REQUIRED = ("id", "template", "before")
MESSAGE_OPTIONAL = ("platforms", "thread", "pin", "tone", "expires")
CREATED = ("dormant", "retire")
#: what retiring an account launcher created means, per platform: ``move`` its followers to
#: the successor (Mastodon's account move), a ``checklist`` for a person, or ``keep`` it as
#: it is (farewell pinned, profile restored, tokens revoked)
RETIRE_ACTIONS: dict[str, tuple[str, ...]] = {
    "mastodon": ("move", "checklist", "keep"),
    "bluesky": ("checklist", "keep"),
    "x": ("checklist", "keep"),
    "facebook": ("checklist", "keep"),
    "telegram": ("checklist", "keep"),
    "sandbox": ("move", "checklist", "keep"),
}
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class FarewellSpec:
    """One farewell or hand-over message, ``before`` the sunset date."""

    id: str
    template: str
    before: timedelta
    platforms: tuple[str, ...] | None = None
    thread: bool = False
    pin: bool = False
    tone: str = "neutral"
    expires: timedelta | None = None
    line: int | None = None


@dataclass(frozen=True)
class SunsetSpec:
    messages: tuple[FarewellSpec, ...]
    profile_template: str
    unpin: bool = True
    created_accounts: str = "dormant"
    retire: dict[str, str] = field(default_factory=dict)
    line: int | None = None

    @property
    def templates(self) -> tuple[str, ...]:
        return (self.profile_template, *(m.template for m in self.messages))

    def retire_action(self, platform: str) -> str:
        return self.retire.get(platform, "checklist")


def sunset_templates(playbook: Any) -> tuple[str, ...]:
    """The templates a playbook's sunset renders (none without a sunset section)."""
    spec = getattr(playbook, "sunset", None)
    return spec.templates if spec is not None else ()


def parse_sunset(
    chk: Checker,
    raw: Any,
    platforms: tuple[str, ...],
    message_ids: set[str],
    *,
    duration: Callable[[Checker, Any, tuple[str | int, ...]], timedelta | None],
    platform_list: Callable[[Checker, Any, tuple[str | int, ...]], tuple[str, ...]],
    tones: tuple[str, ...],
) -> SunsetSpec | None:
    """The ``sunset:`` section, every problem added to ``chk`` with its line."""
    top = chk.mapping(
        raw, ("sunset",), required=("messages", "profile"), optional=SUNSET_KEYS, what="sunset"
    )
    if top is None:
        return None
    before = len(chk.problems)
    messages = _messages(chk, top.get("messages"), platforms, message_ids, duration,
                         platform_list, tones)  # fmt: skip
    profile = top.get("profile")
    if "profile" in top and not (isinstance(profile, str) and profile.strip()):
        chk.add(("sunset", "profile"), "expected a profile template, e.g. profiles/standby.j2")
    unpin = top.get("unpin", True)
    if "unpin" in top:
        chk.typed(unpin, ("sunset", "unpin"), bool)
    created = str(top.get("created_accounts", "dormant"))
    if created not in CREATED:
        chk.add(
            ("sunset", "created_accounts"),
            f"unknown choice '{created}'{did_you_mean(created, CREATED)}",
            hint="dormant (kept, profile restored, tokens revoked) or retire",
        )
    retire: dict[str, str] = {}
    raw_retire = top.get("retire") or {}
    if not isinstance(raw_retire, dict):
        chk.typed(raw_retire, ("sunset", "retire"), dict)
        raw_retire = {}
    for platform, action in raw_retire.items():
        path = ("sunset", "retire", platform)
        allowed = RETIRE_ACTIONS.get(str(platform))
        if allowed is None or platform not in platforms:
            chk.add(
                path,
                f"platform '{platform}' is not among the playbook's platforms",
                hint=f"retire one of: {', '.join(platforms)}",
            )
        elif str(action) not in allowed:
            chk.add(
                path,
                f"'{action}' is not what retiring can mean on {platform}",
                hint=f"on {platform}: {', '.join(allowed)}"
                + (" (only Mastodon moves followers)" if action == "move" else ""),
            )
        else:
            retire[str(platform)] = str(action)
    if len(chk.problems) > before or not isinstance(profile, str):
        return None
    return SunsetSpec(
        messages=tuple(messages),
        profile_template=profile.strip(),
        unpin=bool(unpin),
        created_accounts=created,
        retire=retire,
        line=chk.doc.positions.get(("sunset",), (None, None))[0],
    )


def _messages(
    chk: Checker,
    raw: Any,
    platforms: tuple[str, ...],
    message_ids: set[str],
    duration: Callable[[Checker, Any, tuple[str | int, ...]], timedelta | None],
    platform_list: Callable[[Checker, Any, tuple[str | int, ...]], tuple[str, ...]],
    tones: tuple[str, ...],
) -> list[FarewellSpec]:
    if not isinstance(raw, list) or not raw:
        chk.add(
            ("sunset", "messages"),
            "expected a non-empty list of farewell messages",
            hint="e.g. - {id: farewell, template: messages/sunset/farewell.j2, before: 48h}",
        )
        return []
    out: list[FarewellSpec] = []
    seen: set[str] = set()
    for i, body in enumerate(raw):
        path: tuple[str | int, ...] = ("sunset", "messages", i)
        m = chk.mapping(
            body, path, required=MESSAGE_REQUIRED, optional=MESSAGE_OPTIONAL,
            what="a farewell message",
        )  # fmt: skip
        if m is None or any(k not in m for k in MESSAGE_REQUIRED):
            continue
        mid = str(m["id"])
        if not _ID.match(mid):
            chk.add((*path, "id"), f"message id '{mid}' must be lower-case letters, digits, '-'")
        if mid in seen or mid in message_ids:
            chk.add(
                (*path, "id"),
                f"message id '{mid}' is used twice",
                hint="farewell ids must differ from each other and from the messages'",
            )
        seen.add(mid)
        before = duration(chk, m["before"], (*path, "before"))
        subset = None
        if "platforms" in m:
            subset = platform_list(chk, m["platforms"], (*path, "platforms"))
            for j, p in enumerate(subset):
                if p not in platforms:
                    chk.add(
                        (*path, "platforms", j),
                        f"platform '{p}' is not among the playbook's platforms",
                    )
        for key in ("thread", "pin"):
            if key in m:
                chk.typed(m[key], (*path, key), bool)
        tone = str(m.get("tone", "neutral"))
        if tone not in tones:
            chk.add((*path, "tone"), f"unknown tone '{tone}'{did_you_mean(tone, tones)}")
        expires = duration(chk, m["expires"], (*path, "expires")) if "expires" in m else None
        if before is None:
            continue
        out.append(
            FarewellSpec(
                id=mid,
                template=str(m["template"]),
                before=before,
                platforms=subset,
                thread=bool(m.get("thread", False)),
                pin=bool(m.get("pin", False)),
                tone=tone,
                expires=expires,
                line=chk.doc.positions.get(path, (None, None))[0],
            )
        )
    out.sort(key=lambda f: -f.before.total_seconds())  # the earliest farewell first
    return out
