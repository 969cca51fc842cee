"""What each notification says: plain text that reads on a phone's lock screen and in a mail
client, with what happened, why it matters and the exact command or page to act on it.

Pure functions of ledger records; no secret can be in them (the texts come from the ledger,
whose values are redacted on the way in).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

#: posts listed in a failure notification; the rest are counted
LISTED = 10


@dataclass(frozen=True)
class Message:
    topic: str
    launch_id: str | None
    subject: str
    body: str


def _when(value: float | None, zone: str | None) -> str:
    if value is None:
        return "-"
    utc = datetime.fromtimestamp(value, UTC)
    text = utc.strftime("%Y-%m-%d %H:%M UTC")
    if zone:
        try:
            local = utc.astimezone(ZoneInfo(zone))
        except (KeyError, ValueError):
            return text
        text += f" ({local.strftime('%H:%M %Z')} local)"
    return text


def _facts(facts: Mapping[str, Any]) -> str:
    shown = [f"{k}={v}" for k, v in sorted(facts.items()) if v not in (None, "")]
    return ", ".join(shown) or "none"


def _footer(head: tuple[int, str] | None) -> list[str]:
    if head is None:
        return []
    return ["", f"Audit chain at this point: link {head[0]}, hash {head[1]}"]


def approval_request(
    launch: Any,
    *,
    counts: Mapping[str, int],
    accounts: int,
    platforms: Sequence[str],
    first_due: float | None,
    ran_by: str,
    console_url: str | None,
    head: tuple[int, str] | None,
) -> Message:
    lid = launch.id
    posts = sum(counts.values())
    lines = [
        f"Launch {lid} is waiting for a second person.",
        "",
        f"What:  {launch.playbook} for {launch.mission}, run by {ran_by}"
        f" at {_when(launch.created_at, launch.timezone)}",
        f"Facts: {_facts(launch.facts)}",
        f"Posts: {posts} on {accounts} account(s) ({', '.join(platforms) or '-'}), the first"
        f" due {_when(first_due, launch.timezone)}",
        "Nothing has reached any platform (no account, profile or post) until it is approved.",
        "",
        "Why it waits:",
        *(f"  - {why}" for why in launch.note),
        "",
        "Approve or reject it:",
    ]
    if console_url:
        lines.append(f"  on the console: {console_url}/launches/{lid}")
    lines += [
        "  in a terminal, with your key in LAUNCHER_KEY:",
        f"    launcher approve launch {lid}",
        f'    launcher reject {lid} --reason "..."',
        "  (the person who ran it cannot approve it: four eyes)",
    ]
    return _about(launch, "approval-request", "approval needed", lines, head)


def emergency_override(
    launch: Any, *, reason: str, actor: str, console_url: str | None, head: tuple[int, str] | None
) -> Message:
    lid = launch.id
    lines = [
        f"Launch {lid} ({launch.playbook} for {launch.mission}) was sent WITHOUT approval:"
        f" emergency override by {actor}.",
        f"Reason given: {reason}",
        "",
        *_what_to_do(lid, console_url),
    ]
    return _about(launch, "emergency-override", "EMERGENCY OVERRIDE", lines, head)


def posts_failed(
    launch: Any, posts: Sequence[Any], *, console_url: str | None, head: tuple[int, str] | None
) -> Message:
    lid = launch.id
    by_state: dict[str, int] = {}
    for p in posts:
        by_state[p.state] = by_state.get(p.state, 0) + 1
    summary = ", ".join(f"{n} {state}" for state, n in sorted(by_state.items()))
    lines = [f"Launch {lid} ({launch.playbook} for {launch.mission}): {summary}.", ""]
    for p in posts[:LISTED]:
        lines.append(
            f"  #{p.id} {p.platform}/{p.locale} {p.message}: {p.state}: {p.error or 'no reason'}"
        )
    if len(posts) > LISTED:
        lines.append(f"  ... and {len(posts) - LISTED} more (launcher status {lid})")
    lines += [
        "",
        "Failed posts wait for a person: fix the cause (a credential, a setting, the content),"
        f" then: launcher retry {lid}",
        "Expired posts were never sent, their time having passed; retry sends them anyway.",
    ]
    lines += _status_link(lid, console_url)
    return _about(launch, "posts-failed", summary, lines, head)


def account_failed(
    launch: Any, accounts: Sequence[Any], *, console_url: str | None, head: tuple[int, str] | None
) -> Message:
    lid = launch.id
    lines = [
        f"Launch {lid} ({launch.playbook} for {launch.mission}): {len(accounts)} account(s)"
        " could not be set up; their posts wait for them.",
        "",
        *(f"  {a.platform}/{a.locale} {a.handle}: {a.error or 'no reason'}" for a in accounts),
        "",
        f"Fix the cause, then: launcher retry {lid}",
    ]
    lines += _status_link(lid, console_url)
    return _about(launch, "account-failed", "account not set up", lines, head)


#: what each kind of proposal asks of the duty officer
_PROPOSED = {
    "launch": "a launch",
    "correction": "a correction of launch {launch}",
    "halt": "a halt of launch {launch}",
}


def proposal(
    row: Mapping[str, Any], *, console_url: str | None, head: tuple[int, str] | None
) -> Message:
    """A feed's proposal (launcher.feeds), still open: what it proposes, why, and the
    commands that decide it."""
    ref = f"p{row['id']}"
    kind = str(row["kind"])
    what = _PROPOSED.get(kind, kind).format(launch=row.get("launch_id") or "-")
    reasons = json.loads(row.get("reasons") or "[]")
    facts = json.loads(row.get("facts") or "{}")
    problems = json.loads(row.get("problems") or "[]")
    plan = json.loads(row.get("plan") or "null") or {}
    lines = [
        f"A feed proposes {what}: {row['playbook']} for {row['mission']}"
        f" (trigger {row['trigger']}).",
        "",
        "Why:",
        *(f"  - {why}" for why in reasons),
        f"Facts: {_facts(facts)}",
    ]
    if row.get("link"):
        lines.append(f"Source: {row['link']}")
    if plan.get("posts"):
        lines.append(f"Posts: {len(plan['posts'])} rendered, in every locale")
    if problems:
        lines += ["", "It cannot be accepted as it is:", *(f"  - {p}" for p in problems)]
    lines += [
        "",
        "Nothing is sent until a person accepts it. Decide it, with your key in LAUNCHER_KEY:",
        f"  launcher proposals {ref}          (everything it would send, and why)",
        f"  launcher accept {ref}"
        + (
            "   (--retract: also delete what was posted)"
            if kind == "halt"
            else "   (the normal approval rules apply)"
        ),
        f'  launcher dismiss {ref} --reason "..."',
    ]
    if console_url and row.get("launch_id"):
        lines.append(f"The launch: {console_url}/launches/{row['launch_id']}")
    return Message(
        "proposal",
        row.get("launch_id"),
        f"[launcher] proposal {ref}: {kind} {row['playbook']} for {row['mission']}",
        "\n".join(lines + _footer(head)),
    )


def auto_launch(
    launch: Any,
    *,
    proposal: str,
    trigger: str,
    reasons: Sequence[str],
    console_url: str | None,
    head: tuple[int, str] | None,
) -> Message:
    """A launch a feed's ``auto: true`` trigger made by itself (approved, in-bounds content
    only): the duty officers hear of it at once, with the halt button."""
    lid = launch.id
    lines = [
        f"Launch {lid} ({launch.playbook} for {launch.mission}) was started AUTOMATICALLY from"
        f" proposal {proposal} (trigger {trigger}, auto: true): approved content, facts in"
        " bounds.",
        "",
        "Why it matched:",
        *(f"  - {why}" for why in reasons),
        f"Facts: {_facts(launch.facts)}",
        "",
        *_what_to_do(lid, console_url),
    ]
    return _about(launch, "auto-launch", "AUTO-LAUNCHED", lines, head)


def _about(
    launch: Any, topic: str, what: str, lines: list[str], head: tuple[int, str] | None
) -> Message:
    """A message about one launch: its subject names what happened, playbook, mission, id."""
    lid = launch.id
    subject = f"[launcher] {what}: {launch.playbook} for {launch.mission} ({lid})"
    return Message(topic, lid, subject, "\n".join(lines + _footer(head)))


def _what_to_do(lid: str, console_url: str | None) -> list[str]:
    """Review, stop, delete: what a person can do about a launch that went out unreviewed."""
    return [
        f"Review it: launcher status {lid}"
        + (f"  or  {console_url}/launches/{lid}" if console_url else ""),
        f"Stop what is still pending: launcher halt {lid}",
        f"Delete what was posted: launcher retract {lid}",
    ]


def _status_link(lid: str, console_url: str | None) -> list[str]:
    return [f"Status: {console_url}/launches/{lid}"] if console_url else []
