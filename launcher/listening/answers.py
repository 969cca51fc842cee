"""Answering an inbox item: plan → approvals → ledger → dispatch, like every post.

``answer(item, with_reply=ID)`` renders the playbook's reply template for the item (its locale,
the mission's data, the launch's facts; the guardrails and the platform's length rule, with
the author's ``@name`` in front on Mastodon; always from the account that was addressed, in
the item's language when the launch publishes in it), asks the approvals whether that content is
approved for that locale, and records the answer: approved, its post is queued and sent at
once (by this process, through the dispatcher's claims); not approved (a template edited since
its approval, or a free-text answer), it waits for a second person
(``launcher approve answer``) and nothing reaches the platform meanwhile.

Idempotent: the same answer to the same item is one row and one post, whoever asks twice and
whenever (a second ``answer`` says it was done, and by whom); another answer to an item that
was answered already needs ``again`` (two officers must not both answer one person).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import InputError, LedgerError
from ..launch.lifecycle import send_due
from ..ledger import Ledger
from .answer_store import Answer, AnswerStore
from .store import Item, ListeningStore

#: launches an answer can go out for
ANSWERABLE = ("active",)


@dataclass
class AnswerOutcome:
    answer: Answer
    created: bool
    warnings: tuple[str, ...] = ()
    sent: list[int] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {**self.answer.as_dict(), "created": self.created, "warnings": list(self.warnings)}


def _launch_context(ledger: Ledger, item: Item, root: Path) -> tuple[Any, ...]:
    from ..content.playbook import load_playbook
    from ..plan.build import load_content
    from ..plan.replies import launch_facts

    launch = ledger.resolve(item.launch_id)
    content = load_content(root)
    playbook = load_playbook(content.root, launch.playbook)
    mission = content.registry.get(launch.mission)
    confirmed = datetime.fromtimestamp(launch.confirmed_at, UTC)
    facts = launch_facts(playbook, launch.facts, now=confirmed, tz=mission.timezone)
    return launch, content, playbook, mission, facts


def answer_key(reply_id: str | None, text: str | None) -> str:
    if reply_id:
        return reply_id
    digest = hashlib.sha256((text or "").strip().encode("utf-8")).hexdigest()[:12]
    return f"text-{digest}"


def answer(
    ledger: Ledger,
    targets: Any,
    root: Path,
    item_id: int,
    *,
    reply_id: str | None = None,
    text: str | None = None,
    locale: str | None = None,
    again: bool = False,
    actor: str,
    clock: Callable[[], float] = time.time,
    send: bool = True,
) -> AnswerOutcome:
    """Answer inbox item ``item_id`` with reply template ``reply_id`` or free ``text``."""
    if bool(reply_id) == bool(text):
        raise InputError(
            "answer with an approved reply template or with a text, one of the two",
            field="--with",
            hint='e.g. --with hotline (`launcher inbox` lists the replies), or --text "..."',
        )
    store, answers = ListeningStore(ledger), AnswerStore(ledger)
    item = store.item(item_id)
    key = answer_key(reply_id, text)
    earlier = answers.of_item(item.id)
    same = next((a for a in earlier if a.answer_key == key and a.state != "rejected"), None)
    if same is not None:  # answering twice posts once
        return AnswerOutcome(same, created=False)
    live = [a for a in earlier if a.state != "rejected"]
    if live and not again:
        first = live[0]
        raise InputError(
            f"inbox item {item.id} was answered already: answer {first.id} "
            f"({first.reply_id or 'text'}, {first.state}) by {first.requested_by}",
            field="ITEM",
            hint="add --again to send this answer as well",
        )
    launch, content, playbook, mission, facts = _launch_context(ledger, item, root)
    if launch.state not in ANSWERABLE:
        raise InputError(
            f"launch {launch.id} is {launch.state}: nothing of it goes out, answers included",
            field="ITEM",
            hint=f"resume it first (launcher resume {launch.id})"
            if launch.state == "halted"
            else None,
        )
    adapter = targets.adapter_for(item.platform, launch.mission)
    if not adapter.capabilities.listening.answers:
        raise InputError(
            f"{adapter.title} cannot post threaded answers through launcher",
            field="ITEM",
            hint="answer it on the platform itself, then `launcher dismiss` it",
        )
    locales = store.launch_locales([launch.id]).get(launch.id, ())
    loc = locale or item.answer_locale
    if loc not in locales:
        raise InputError(
            f"locale '{loc}' is not one the launch publishes in",
            field="--locale",
            hint=f"{launch.id} publishes in: {', '.join(locales)}",
        )
    prefix = _prefix(item)
    now_dt = datetime.fromtimestamp(clock(), UTC)
    from ..plan.replies import free_text_reply, render_reply

    if reply_id:
        rendered = render_reply(
            content, playbook, mission, facts, now_dt,
            reply_id=reply_id, locale=loc, platform=item.platform, prefix=prefix,
        )  # fmt: skip
        reasons = _approval_reasons(content.root, launch.playbook, loc)
    else:
        rendered = free_text_reply(
            content, playbook, mission, facts, now_dt,
            text=text or "", locale=loc, platform=item.platform, prefix=prefix,
        )  # fmt: skip
        reasons = ["a free-text answer: a second person approves it"]
    try:
        recorded, created = answers.create(
            item,
            answer_key=key,
            reply_id=reply_id,
            text=rendered.text,
            locale=loc,
            reasons=reasons,
            actor=actor,
            now=clock(),
        )
    except LedgerError:
        raise
    out = AnswerOutcome(recorded, created, rendered.warnings)
    if send and recorded.state == "queued":
        out.sent = send_due(ledger, targets, launch.id, actor=actor, clock=clock).sent
        out.answer = answers.get(recorded.id)
    return out


def approve_answer(
    ledger: Ledger,
    targets: Any,
    answer_id: int,
    *,
    actor: str,
    clock: Callable[[], float] = time.time,
    send: bool = True,
) -> Answer:
    """A second person releases an answer that waits: its post is queued and sent now."""
    store = AnswerStore(ledger)
    decided = store.decide(answer_id, actor=actor, now=clock(), approve=True)
    launch = ledger.resolve(decided.launch_id)
    if send and launch.state in ANSWERABLE:
        send_due(ledger, targets, launch.id, actor=actor, clock=clock)
    return store.get(answer_id)


def reject_answer(
    ledger: Ledger,
    answer_id: int,
    *,
    actor: str,
    reason: str,
    clock: Callable[[], float] = time.time,
) -> Answer:
    return AnswerStore(ledger).decide(
        answer_id, actor=actor, now=clock(), approve=False, reason=reason
    )


def _prefix(item: Item) -> str:
    """Mastodon notifies only those mentioned: an answer starts with the author's @name."""
    if item.platform == "mastodon" and item.refs.get("mention"):
        return item.refs["mention"] + " "
    return ""


def _approval_reasons(root: Path, playbook_id: str, locale: str) -> list[str]:
    from ..approvals import decide

    decision = decide(root, playbook_id, [locale])
    return [] if decision.approved else list(decision.reasons)
