"""Presenting a plan: a JSON document (stable, byte-identical for the same inputs) and a
readable overview for the duty officer, with send times in the mission's local time. The
overview shows direction controls launcher did not write as visible markers (``⟨U+202E⟩``,
:mod:`launcher.content.bidi`); the JSON keeps the text exactly as it would be sent."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, date, datetime
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

from ..content.bidi import reveal
from ..content.i18n import is_rtl
from ..models import Plan


def iso(dt: datetime) -> str:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def plan_to_dict(plan: Plan) -> dict[str, Any]:
    return {
        "playbook": plan.playbook.id,
        "playbook_version": plan.playbook.version,
        "mission": plan.mission.id,
        "timezone": plan.mission.timezone,
        "confirmed_at": iso(plan.event.confirmed_at),
        "event": {
            "kind": plan.event.kind,
            **{k: _jsonable(v) for k, v in plan.event.facts.items()},
        },
        "locales": list(plan.locales),
        "skipped_platforms": list(plan.skipped_platforms),
        "warnings": [str(w) for w in plan.warnings],
        "accounts": [
            {
                "platform": a.platform,
                "locale": a.locale,
                "handle": a.handle,
                "display_name": a.display_name,
                "bio": a.bio,
                "links": [{"label": label, "url": url} for label, url in a.links],
            }
            for a in plan.accounts
        ],
        "posts": [
            {
                "key": p.key,
                "message": p.message,
                "platform": p.platform,
                "locale": p.locale,
                "text": p.text,
                "at": iso(p.at),
                "length": p.length,
                "limit": p.limit,
                "part": p.part,
                "parts": p.parts,
                "pin": p.pin,
                "expires": iso(p.expires_at) if p.expires_at else None,
            }
            for p in plan.posts
        ],
    }


def plan_to_json(plan: Plan) -> str:
    return json.dumps(plan_to_dict(plan), ensure_ascii=False, indent=2, sort_keys=False) + "\n"


def render_plan_text(plan: Plan, *, full: bool = False, footer: bool = True) -> str:
    """The overview. Without ``full``, repeated updates show their first occurrence only."""
    zone = ZoneInfo(plan.mission.timezone)
    pb, m = plan.playbook, plan.mission
    lines = [
        f"PLAN  {pb.id} v{pb.version} — {pb.title}",
        f"mission   {m.id} ({m.city}, {m.country}; {m.timezone})",
        f"confirmed {_local(plan.event.confirmed_at, zone)}  ({iso(plan.event.confirmed_at)})",
        "facts     " + ", ".join(f"{k}={_fact(v)}" for k, v in plan.event.facts.items()),
        f"locales   {', '.join(plan.locales)}",
    ]
    if plan.skipped_platforms:
        lines.append(f"skipped   {', '.join(plan.skipped_platforms)} (blocked by the event)")
    lines += ["", f"ACCOUNTS ({len(plan.accounts)})"]
    for a in plan.accounts:
        name = reveal(a.display_name, rtl=is_rtl(a.locale))
        lines.append(f"  {a.platform:<9} {a.locale:<3} {a.handle:<28} {name}")
    times = sorted({p.at for p in plan.posts})
    lines += ["", f"POSTS ({len(plan.posts)} posts at {len(times)} send times, local time)"]
    shown_repeat: set[str] = set()
    hidden = 0
    for at, group in groupby(plan.posts, key=lambda p: p.at):
        visible = []
        for p in group:
            if not full and p.occurrence > 1 and p.message in shown_repeat:
                hidden += 1
                continue
            visible.append(p)
        if not visible:
            continue
        lines.append(f"  {_local(at, zone)}")
        for p in visible:
            if p.occurrence > 1:
                shown_repeat.add(p.message)
        # one block per (message, locale, part): platforms sharing a text are listed together
        blocks: dict[tuple[str, int, str, int], list] = {}
        for p in visible:
            blocks.setdefault((p.message, p.occurrence, p.locale, p.part), []).append(p)
        for (message, occ, locale, part), posts in blocks.items():
            first = posts[0]
            part_s = f" part {part}/{first.parts}" if first.parts > 1 else ""
            pinned = [p.platform for p in posts if p.pin]
            if not pinned:
                pin = ""
            elif len(pinned) == len(posts):
                pin = " [pin]"
            else:  # e.g. the intro: pinned only where the pin can stay
                pin = f" [pin: {', '.join(pinned)}]"
            by_text: dict[str, list] = {}
            for p in posts:
                by_text.setdefault(p.text, []).append(p)
            for text, same in by_text.items():
                sizes = "  ".join(f"{p.platform} {p.length}/{p.limit}" for p in same)
                lines.append(f"    {message}#{occ}{part_s} [{locale}]{pin}  {sizes}")
                # a direction control that launcher did not write is shown as ⟨U+202E⟩: the
                # overview must read the way the text is stored, not the way it would display
                for text_line in reveal(text, rtl=is_rtl(locale)).splitlines():
                    lines.append(f"      | {text_line}")
    if plan.warnings:
        lines += ["", f"GUARDRAIL WARNINGS ({len(plan.warnings)}; shown, not blocking)"]
        lines += ["  " + str(w).replace("\n", "\n  ") for w in plan.warnings]
    if hidden:
        lines.append(f"  ... {hidden} more repeated updates (use --full to list every post)")
    if footer:
        lines += ["", "Nothing was sent. To launch: launcher run with the same arguments."]
    return "\n".join(lines) + "\n"


def _local(dt: datetime, zone: ZoneInfo) -> str:
    return dt.astimezone(zone).strftime("%a %d %b %Y %H:%M %Z")


def _fact(value: Any) -> str:
    """A fact as the review line shows it: a time in ISO form, a mapping (a sunset's
    successors, a place's forms) as ``key: value`` pairs, never a Python repr."""
    if isinstance(value, datetime):
        return iso(value)
    if isinstance(value, Mapping):
        return "(" + ", ".join(f"{k}: {_fact(v)}" for k, v in value.items()) + ")"
    return "—" if value is None else reveal(str(value), rtl=False)
