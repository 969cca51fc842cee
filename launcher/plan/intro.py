"""The account's introduction: the profile template's ``pinned_intro`` block, published.

No platform has a profile field for it, so it is a post of the plan: one per account, message
id ``intro``, due at the confirmation time and first in the plan's order, and it goes through
the ledger like every post (approvals, guardrails, halt, retract all apply).

Pinned where the pin can stay. Mastodon keeps up to five pinned posts and Telegram a list of
them, so there the intro is pinned beside any message the playbook pins. Bluesky and Facebook
keep ONE pinned post, where a later pin replaces the earlier: the playbook's own pinned
message wins (its author chose it), and the intro is published unpinned, as the account's
first post; only where the playbook pins nothing on that platform is the intro pinned. X cannot
pin through its API: the intro is a plain first post there.

An empty ``pinned_intro`` block publishes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from ..content.playbook import DEFAULT_ONE_OFF_LIFE as ONE_OFF_LIFE
from ..errors import Problem
from ..models import INTRO_MESSAGE, PlannedPost, Playbook
from . import textrules

#: pinned posts a platform keeps: None = several (a new pin is added), 1 = a new pin replaces
#: the old one, 0 = no pinning through the API (platforms.md, capability matrix)
PIN_SLOTS: dict[str, int | None] = {
    "mastodon": None,  # up to 5 (max_pinned_statuses)
    "telegram": None,  # pinChatMessage adds to the chat's pinned messages
    "sandbox": None,
    "bluesky": 1,  # app.bsky.actor.profile pinnedPost: one strong reference
    "facebook": 1,  # is_pinned: one pinned Page post
    "x": 0,  # API v2 pins lists only
}


def intro_posts(
    playbook: Playbook,
    intros: Iterable[tuple[str, str, str]],
    posts: Iterable[PlannedPost],
    at: datetime,
    problems: list[Problem],
) -> list[PlannedPost]:
    """One intro post per (platform, locale, text) with a text, pinned where it can stay
    pinned beside the playbook's pinned ``posts``. An over-long intro is a problem (it is
    one post: it is never split)."""
    pinned = {(p.platform, p.locale) for p in posts if p.pin}
    out: list[PlannedPost] = []
    for platform, locale, text in intros:
        if not text:
            continue
        over = textrules.over_limit(platform, text)
        if over is not None:
            length, limit = over
            problems.append(
                Problem(
                    f"the pinned intro is too long for {platform}: {length} > {limit}"
                    f" ({textrules.rule(platform).unit})",
                    file=f"templates/{playbook.profile_template}",
                    field=f"{playbook.id}: pinned_intro (locale {locale}, platform {platform})",
                    hint="shorten the pinned_intro block for this locale, or branch on"
                    " platform in the template; it is published as one post",
                )
            )
            continue
        slots = PIN_SLOTS[platform]
        pin = slots is None or (slots == 1 and (platform, locale) not in pinned)
        out.append(
            PlannedPost(
                key=f"{INTRO_MESSAGE}#1/{platform}/{locale}",
                message=INTRO_MESSAGE,
                platform=platform,
                locale=locale,
                text=text,
                at=at,
                length=textrules.count(platform, text),
                limit=textrules.rule(platform).limit,
                occurrence=1,
                pin=pin,
                expires_at=at + ONE_OFF_LIFE,  # a one-off post, like a message without repeats
            )
        )
    return out


def pinned_on(playbook: Playbook) -> list[str]:
    """The playbook's platforms where the intro is pinned, as far as the playbook alone
    tells (a pinned message left out by its ``when`` is only known with the facts)."""
    out = []
    for platform in playbook.platforms:
        slots = PIN_SLOTS[platform]
        pinned_message = any(
            m.pin and (m.platforms is None or platform in m.platforms) for m in playbook.messages
        )
        if slots is None or (slots == 1 and not pinned_message):
            out.append(platform)
    return out
