"""Answers in the ledger: an answer is a post of the launch, threaded under an inbox item.

``answers`` holds who asked for which answer to which item and where it stands; once it may
go out (an approved reply template at once, anything else after a second person approved it)
its post is inserted into ``posts`` in the same transaction, ``scheduled`` and due now, and
dispatch sends it like every post: claims, one attempt per claim, retrying, expiry,
reconciliation. Its platform identity is the launch id plus its key, which names the item and
the answer (``reply-<item>-<answer>#1/<platform>/<locale>``): the record key on Bluesky, the
idempotency key on Mastodon. An item answered twice with the same answer holds one row here
(``UniqueConstraint(item_id, answer_key)``) and one post: answering twice posts once.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select, update

from ..actor import same_person
from ..errors import LedgerError, NotFound
from ..ledger import Ledger, iso
from ..ledger.schema import answers, inbox_items, posts
from .store import Item

#: how long an answer is still worth sending after it was released (an outage delays it)
ANSWER_LIFE = 24 * 3600.0


@dataclass(frozen=True)
class Answer:
    id: int
    item_id: int
    launch_id: str
    reply_id: str | None
    answer_key: str
    text: str
    locale: str
    platform: str
    state: str
    requested_by: str
    requested_at: float
    decided_by: str | None
    decided_at: float | None
    reasons: tuple[str, ...]
    post_id: int | None
    target_id: str
    post_state: str | None = None
    url: str | None = None
    error: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> Answer:
        m = row._mapping
        try:
            reasons = json.loads(m["reasons"]) if m["reasons"] else []
        except ValueError:
            reasons = []
        return cls(
            id=m["id"],
            item_id=m["item_id"],
            launch_id=m["launch_id"],
            reply_id=m["reply_id"],
            answer_key=m["answer_key"],
            text=m["text"],
            locale=m["locale"],
            platform=m["platform"],
            state=m["state"],
            requested_by=m["requested_by"],
            requested_at=m["requested_at"],
            decided_by=m["decided_by"],
            decided_at=m["decided_at"],
            reasons=tuple(str(r) for r in reasons) if isinstance(reasons, list) else (),
            post_id=m["post_id"],
            target_id=m["target_id"],
            post_state=m.get("post_state"),
            url=m.get("post_url"),
            error=m.get("post_error"),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "answer": self.id,
            "item": self.item_id,
            "launch": self.launch_id,
            "reply": self.reply_id,
            "text": self.text,
            "locale": self.locale,
            "platform": self.platform,
            "state": self.state,
            "requested_by": self.requested_by,
            "requested_at": iso(self.requested_at),
            "decided_by": self.decided_by,
            "decided_at": iso(self.decided_at),
            "reasons": list(self.reasons),
            "post": self.post_id,
            "post_state": self.post_state,
            "url": self.url,
            "error": self.error,
        }


class AnswerStore:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.engine = ledger.engine
        self.writer = ledger.writer

    def _query(self) -> Any:
        return select(
            answers,
            posts.c.state.label("post_state"),
            posts.c.url.label("post_url"),
            posts.c.error.label("post_error"),
        ).outerjoin(posts, posts.c.id == answers.c.post_id)

    def get(self, answer_id: int) -> Answer:
        with self.engine.connect() as conn:
            row = conn.execute(self._query().where(answers.c.id == answer_id)).first()
        if row is None:
            raise NotFound(f"no answer {answer_id}", hint="`launcher pending` lists them")
        return Answer.from_row(row)

    def of_item(self, item_id: int) -> list[Answer]:
        q = self._query().where(answers.c.item_id == item_id).order_by(answers.c.id)
        with self.engine.connect() as conn:
            return [Answer.from_row(r) for r in conn.execute(q)]

    def of_launch(self, launch_id: str) -> list[Answer]:
        q = self._query().where(answers.c.launch_id == launch_id).order_by(answers.c.id)
        with self.engine.connect() as conn:
            return [Answer.from_row(r) for r in conn.execute(q)]

    def awaiting(self) -> list[Answer]:
        q = (
            self._query()
            .where(answers.c.state == "awaiting-approval")
            .order_by(answers.c.requested_at, answers.c.id)
        )
        with self.engine.connect() as conn:
            return [Answer.from_row(r) for r in conn.execute(q)]

    def create(
        self,
        item: Item,
        *,
        answer_key: str,
        reply_id: str | None,
        text: str,
        locale: str,
        reasons: Sequence[str],
        actor: str,
        now: float,
    ) -> tuple[Answer, bool]:
        """Record an answer to ``item``: queued with its post when ``reasons`` is empty,
        else awaiting a second person. Returns (answer, created); an answer with the same key
        already recorded for the item is returned as it is (created False)."""
        with self.writer.begin() as conn:
            have = conn.execute(
                select(answers.c.id).where(
                    answers.c.item_id == item.id, answers.c.answer_key == answer_key
                )
            ).scalar()
            if have is not None:
                created = False
                aid = int(have)
            else:
                created = True
                state = "awaiting-approval" if reasons else "queued"
                aid = int(
                    conn.execute(
                        answers.insert().values(
                            item_id=item.id,
                            launch_id=item.launch_id,
                            reply_id=reply_id,
                            answer_key=answer_key,
                            text=text,
                            locale=locale,
                            platform=item.platform,
                            state=state,
                            requested_by=actor,
                            requested_at=now,
                            reasons=json.dumps(list(reasons)) if reasons else None,
                            target_id=item.platform_item_id,
                            # the language of the text, for the platform's language tag
                            target_refs=json.dumps({**item.refs, "lang": locale}, sort_keys=True),
                        )
                    ).inserted_primary_key[0]
                )
                conn.execute(
                    update(inbox_items)
                    .where(inbox_items.c.id == item.id)
                    .values(state="answered", updated_at=now)
                )
                Ledger._event(
                    conn,
                    at=now,
                    actor=actor,
                    action="answer.queued" if state == "queued" else "answer.awaiting-approval",
                    launch_id=item.launch_id,
                    item=item.id,
                    answer=aid,
                    reply=reply_id,
                    locale=locale,
                    reasons=list(reasons),
                )
                if state == "queued":
                    self._insert_post(conn, aid, now=now)
        return self.get(aid), created

    def _insert_post(self, conn: Any, answer_id: int, *, now: float) -> int:
        """The answer's post, from the account the item addressed (its platform and locale;
        the text may be in another of the launch's languages)."""
        row = conn.execute(select(answers).where(answers.c.id == answer_id)).first()
        a = Answer.from_row(row)
        account_locale = conn.execute(
            select(inbox_items.c.locale).where(inbox_items.c.id == a.item_id)
        ).scalar()
        pid = int(
            conn.execute(
                posts.insert().values(
                    launch_id=a.launch_id,
                    key=f"reply-{a.item_id}-{a.answer_key}#1/{a.platform}/{account_locale}",
                    message=f"reply:{a.reply_id or 'text'}",
                    platform=a.platform,
                    locale=account_locale,
                    text=a.text,
                    due_at=now,
                    state="scheduled",
                    attempts=0,
                    part=1,
                    parts=1,
                    pin=False,
                    reconcile=False,
                    expires_at=now + ANSWER_LIFE,
                    updated_at=now,
                )
            ).inserted_primary_key[0]
        )
        conn.execute(update(answers).where(answers.c.id == answer_id).values(post_id=pid))
        return pid

    def decide(
        self, answer_id: int, *, actor: str, now: float, approve: bool, reason: str | None = None
    ) -> Answer:
        """A second person approves (the answer's post is queued) or rejects an answer that
        awaits approval. The person who asked for it cannot approve it (four eyes)."""
        with self.writer.begin() as conn:
            row = conn.execute(
                select(
                    answers.c.state, answers.c.requested_by, answers.c.item_id, answers.c.launch_id
                )
                .where(answers.c.id == answer_id)
                .with_for_update()
            ).first()
            if row is None:
                raise NotFound(f"no answer {answer_id}", hint="`launcher pending` lists them")
            state, by, item_id, launch_id = row
            if state != "awaiting-approval":
                raise LedgerError(f"answer {answer_id} is {state}, not awaiting approval")
            if approve and same_person(by, actor):
                raise LedgerError(
                    f"{actor} wrote answer {answer_id} and cannot also approve it (four eyes)",
                    hint=f"a second person approves it: launcher approve answer {answer_id} "
                    "--as THEIR-NAME",
                )
            conn.execute(
                update(answers)
                .where(answers.c.id == answer_id)
                .values(
                    state="queued" if approve else "rejected",
                    decided_by=actor,
                    decided_at=now,
                    reasons=json.dumps([reason]) if reason and not approve else answers.c.reasons,
                )
            )
            Ledger._event(
                conn,
                at=now,
                actor=actor,
                action="answer.approved" if approve else "answer.rejected",
                launch_id=launch_id,
                item=item_id,
                answer=answer_id,
                asked_by=by,
                reason=reason,
            )
            if approve:
                self._insert_post(conn, answer_id, now=now)
            else:
                others = conn.execute(
                    select(answers.c.id).where(
                        answers.c.item_id == item_id,
                        answers.c.id != answer_id,
                        answers.c.state != "rejected",
                    )
                ).first()
                if others is None:  # nothing else answers it: it is open again
                    conn.execute(
                        update(inbox_items)
                        .where(inbox_items.c.id == item_id)
                        .values(state="new", updated_at=now)
                    )
        return self.get(answer_id)
