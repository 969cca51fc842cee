"""The listening post's side of the ledger: whom to listen to, inbox items and cursors.

Tables (schema v7, :mod:`launcher.ledger.schema`): ``inbox_items``, ``listen_cursors``
here; ``metric_snapshots`` in :mod:`.snapshots`; ``answers`` in :mod:`.answer_store`. Every
write is one transaction with its audit event, like the rest of the ledger: a page of inbox
items and the cursor after it are committed together, so a crash between two pages neither
loses an item nor records one twice (the platform id is unique per account).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from ..adapters.base import Inbound
from ..errors import LedgerError
from ..ledger import Ledger, iso
from ..ledger.schema import (
    READY_ACCOUNT_STATES,
    accounts,
    answers,
    inbox_items,
    launches,
    listen_cursors,
    posts,
)

#: launches whose accounts are listened to (held or refused ones never reached a platform)
LISTENED_LAUNCHES = ("active", "halted", "retracted", "provisioning")


@dataclass(frozen=True)
class Target:
    """One platform account to listen to, and the launches it serves (latest first)."""

    platform: str
    mission: str
    handle: str
    locale: str
    account_id: str | None
    credentials: Mapping[str, str]
    launches: tuple[str, ...]

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.platform, self.mission, self.handle)


@dataclass(frozen=True)
class Item:
    """An inbox item as the ledger holds it."""

    id: int
    launch_id: str
    platform: str
    locale: str
    handle: str
    kind: str
    platform_item_id: str
    author: str
    author_id: str | None
    text: str
    url: str | None
    created_at: float | None
    collected_at: float
    in_reply_to: str | None
    post_id: int | None
    language: str | None
    language_score: float | None
    platform_language: str | None
    answer_locale: str
    state: str
    refs: Mapping[str, str] = field(default_factory=dict)
    note: str | None = None
    #: the text of our post it answers, when it answers one of ours
    answers_text: str | None = None
    answers_message: str | None = None

    @classmethod
    def from_row(cls, row: Any) -> Item:
        m = row._mapping
        try:
            refs = json.loads(m["refs"]) if m["refs"] else {}
        except ValueError:
            refs = {}
        return cls(
            id=m["id"],
            launch_id=m["launch_id"],
            platform=m["platform"],
            locale=m["locale"],
            handle=m["handle"],
            kind=m["kind"],
            platform_item_id=m["platform_item_id"],
            author=m["author"],
            author_id=m["author_id"],
            text=m["text"],
            url=m["url"],
            created_at=m["created_at"],
            collected_at=m["collected_at"],
            in_reply_to=m["in_reply_to"],
            post_id=m["post_id"],
            language=m["language"],
            language_score=m["language_score"],
            platform_language=m["platform_language"],
            answer_locale=m["answer_locale"],
            state=m["state"],
            refs=refs if isinstance(refs, dict) else {},
            note=m["note"],
            answers_text=m.get("answers_text"),
            answers_message=m.get("answers_message"),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "launch": self.launch_id,
            "platform": self.platform,
            "account": self.handle,
            "kind": self.kind,
            "platform_id": self.platform_item_id,
            "author": self.author,
            "text": self.text,
            "url": self.url,
            "created_at": iso(self.created_at),
            "collected_at": iso(self.collected_at),
            "in_reply_to": self.in_reply_to,
            "answers_post": self.post_id,
            "answers_message": self.answers_message,
            "answers_text": self.answers_text,
            "language": self.language,
            "language_score": self.language_score,
            "platform_language": self.platform_language,
            "locale": self.answer_locale,
            "state": self.state,
            "note": self.note,
        }


Detector = Callable[[str, str | None, Sequence[str]], tuple[str | None, float | None]]


class ListeningStore:
    """The listening tables of one :class:`~launcher.ledger.Ledger`."""

    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.engine = ledger.engine
        self.writer = ledger.writer

    # -- whom to listen to -------------------------------------------------------------------
    def targets(self, *, launch_id: str | None = None) -> list[Target]:
        """Accounts of launches that reached a platform, one per (platform, mission, handle),
        with the launches that use it (an account a second launch reuses is read once)."""
        q = (
            select(
                accounts.c.platform,
                launches.c.mission,
                accounts.c.handle,
                accounts.c.locale,
                accounts.c.account_id,
                accounts.c.credentials,
                accounts.c.launch_id,
                launches.c.created_at,
            )
            .join(launches, launches.c.id == accounts.c.launch_id)
            .where(
                launches.c.state.in_(LISTENED_LAUNCHES),
                accounts.c.state.in_(READY_ACCOUNT_STATES),
            )
            .order_by(launches.c.created_at.desc())
        )
        if launch_id:
            q = q.where(accounts.c.launch_id == launch_id)
        found: dict[tuple[str, str, str], dict[str, Any]] = {}
        with self.engine.connect() as conn:
            for plat, mission, handle, loc, acct, creds, lid, _ in conn.execute(q):
                slot = found.setdefault(
                    (plat, mission, handle),
                    {"locale": loc, "account_id": acct, "credentials": creds, "launches": []},
                )
                slot["account_id"] = slot["account_id"] or acct
                slot["launches"].append(lid)
        out = []
        for (plat, mission, handle), slot in found.items():
            try:
                creds = json.loads(slot["credentials"]) if slot["credentials"] else {}
            except ValueError:
                creds = {}
            out.append(
                Target(
                    plat,
                    mission,
                    handle,
                    slot["locale"],
                    slot["account_id"],
                    creds if isinstance(creds, dict) else {},
                    tuple(slot["launches"]),
                )
            )
        return out

    # -- cursors ---------------------------------------------------------------------------
    def cursor(self, target: Target) -> tuple[str | None, float | None]:
        """(cursor, next_at) of a target's inbox."""
        q = select(listen_cursors.c.cursor, listen_cursors.c.next_at).where(
            listen_cursors.c.platform == target.platform,
            listen_cursors.c.mission == target.mission,
            listen_cursors.c.handle == target.handle,
        )
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return (row[0], row[1]) if row else (None, None)

    def _set_cursor(self, conn: Any, target: Target, **values: Any) -> None:
        where = and_(
            listen_cursors.c.platform == target.platform,
            listen_cursors.c.mission == target.mission,
            listen_cursors.c.handle == target.handle,
        )
        if conn.execute(update(listen_cursors).where(where).values(**values)).rowcount == 0:
            conn.execute(
                listen_cursors.insert().values(
                    platform=target.platform,
                    mission=target.mission,
                    handle=target.handle,
                    **values,
                )
            )

    def inbox_failed(self, target: Target, *, now: float, next_at: float, error: str) -> None:
        with self.writer.begin() as conn:
            self._set_cursor(conn, target, checked_at=now, next_at=next_at, error=error)

    # -- inbox items -----------------------------------------------------------------------
    def add_items(
        self,
        target: Target,
        items: Iterable[Inbound],
        *,
        cursor: str | None,
        now: float,
        next_at: float,
        detect: Detector,
        locales: Mapping[str, Sequence[str]],
        actor: str,
    ) -> list[int]:
        """Record new inbox items (those already known are skipped) and the cursor after
        them, in one transaction. ``locales`` maps each launch to its locales, which decide
        the locale an answer is rendered in. Returns the new items' ids."""
        items = [i for i in items if i.author.lower() != target.handle.lower()]
        new_ids: list[int] = []
        with self.writer.begin() as conn:
            known = set()
            wanted = [i.platform_id for i in items]
            for start in range(0, len(wanted), 500):
                known |= set(
                    conn.execute(
                        select(inbox_items.c.platform_item_id).where(
                            inbox_items.c.platform == target.platform,
                            inbox_items.c.handle == target.handle,
                            inbox_items.c.platform_item_id.in_(wanted[start : start + 500]),
                        )
                    ).scalars()
                )
            targets = {i.in_reply_to for i in items if i.in_reply_to}
            ours: dict[str, tuple[int, str, str]] = {}
            if targets:
                ours = {
                    pid: (post_id, lid, loc)
                    for pid, post_id, lid, loc in conn.execute(
                        select(
                            posts.c.platform_post_id, posts.c.id, posts.c.launch_id, posts.c.locale
                        ).where(
                            posts.c.platform == target.platform,
                            posts.c.platform_post_id.in_(sorted(targets)),
                            posts.c.launch_id.in_(target.launches),
                        )
                    )
                }
            for item in items:
                if item.platform_id in known:
                    continue
                known.add(item.platform_id)
                post = ours.get(item.in_reply_to or "")
                launch_id = post[1] if post else target.launches[0]
                cands = list(locales.get(launch_id, ())) or [target.locale]
                language, score = detect(item.text, item.language, cands)
                answer_locale = language if language in cands else target.locale
                row = conn.execute(
                    inbox_items.insert().values(
                        launch_id=launch_id,
                        platform=target.platform,
                        locale=target.locale,
                        handle=target.handle,
                        kind=item.kind,
                        platform_item_id=item.platform_id,
                        author=item.author,
                        author_id=item.author_id,
                        text=item.text,
                        url=item.url,
                        created_at=item.created_at.timestamp() if item.created_at else None,
                        collected_at=now,
                        in_reply_to=item.in_reply_to,
                        post_id=post[0] if post else None,
                        language=language,
                        language_score=score,
                        platform_language=item.language,
                        answer_locale=answer_locale,
                        state="new",
                        refs=json.dumps(dict(item.refs), sort_keys=True) if item.refs else None,
                        updated_at=now,
                    )
                )
                new_ids.append(int(row.inserted_primary_key[0]))
            self._set_cursor(
                conn, target, cursor=cursor, checked_at=now, next_at=next_at, error=None
            )
            if new_ids:
                Ledger._event(
                    conn,
                    at=now,
                    actor=actor,
                    action="inbox.collected",
                    launch_id=target.launches[0],
                    platform=target.platform,
                    account=target.handle,
                    items=len(new_ids),
                )
        return new_ids

    def _items_query(self) -> Any:
        ours = posts.alias("ours")
        return select(
            inbox_items,
            ours.c.text.label("answers_text"),
            ours.c.message.label("answers_message"),
        ).outerjoin(ours, ours.c.id == inbox_items.c.post_id)

    def items(
        self,
        *,
        launch_id: str | None = None,
        locale: str | None = None,
        platform: str | None = None,
        state: str | None = None,
    ) -> list[Item]:
        """Inbox items, newest first (by the platform's time, else when collected)."""
        q = self._items_query()
        if launch_id:
            q = q.where(inbox_items.c.launch_id == launch_id)
        if locale:
            q = q.where(
                or_(
                    inbox_items.c.answer_locale == locale,
                    inbox_items.c.locale == locale,
                    inbox_items.c.language == locale.replace("_", "-").split("-")[0],
                )
            )
        if platform:
            q = q.where(inbox_items.c.platform == platform)
        if state:
            q = q.where(inbox_items.c.state == state)
        when = func.coalesce(inbox_items.c.created_at, inbox_items.c.collected_at)
        q = q.order_by(when.desc(), inbox_items.c.id.desc())
        with self.engine.connect() as conn:
            return [Item.from_row(r) for r in conn.execute(q)]

    def item(self, item_id: int) -> Item:
        q = self._items_query().where(inbox_items.c.id == item_id)
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        if row is None:
            raise LedgerError(f"no inbox item {item_id}", hint="`launcher inbox` lists them")
        return Item.from_row(row)

    def dismiss(self, item_id: int, *, actor: str, now: float, reason: str | None) -> Item:
        item = self.item(item_id)
        if item.state == "answered":
            raise LedgerError(
                f"inbox item {item_id} was answered already; it cannot be dismissed",
                hint="`launcher inbox` shows its answer",
            )
        with self.writer.begin() as conn:
            conn.execute(
                update(inbox_items)
                .where(inbox_items.c.id == item_id)
                .values(state="dismissed", note=reason, updated_at=now)
            )
            Ledger._event(
                conn,
                at=now,
                actor=actor,
                action="inbox.dismissed",
                launch_id=item.launch_id,
                item=item_id,
                reason=reason,
            )
        return self.item(item_id)

    def answers_of(self, item_ids: Sequence[int]) -> dict[int, list[dict[str, Any]]]:
        """item id -> its answers (id, reply, state, post state, url), oldest first."""
        if not item_ids:
            return {}
        q = (
            select(
                answers.c.item_id,
                answers.c.id,
                answers.c.reply_id,
                answers.c.state,
                answers.c.requested_by,
                posts.c.state,
                posts.c.url,
                posts.c.id,
            )
            .outerjoin(posts, posts.c.id == answers.c.post_id)
            .where(answers.c.item_id.in_(list(item_ids)))
            .order_by(answers.c.id)
        )
        out: dict[int, list[dict[str, Any]]] = {}
        with self.engine.connect() as conn:
            for item_id, aid, reply, state, by, post_state, url, post_id in conn.execute(q):
                out.setdefault(item_id, []).append(
                    {
                        "answer": aid,
                        "reply": reply,
                        "state": state,
                        "by": by,
                        "post": post_id,
                        "post_state": post_state,
                        "url": url,
                    }
                )
        return out

    def launch_locales(self, launch_ids: Iterable[str]) -> dict[str, tuple[str, ...]]:
        """launch -> the locales its accounts publish in."""
        ids = sorted(set(launch_ids))
        if not ids:
            return {}
        q = select(accounts.c.launch_id, accounts.c.locale).where(accounts.c.launch_id.in_(ids))
        out: dict[str, list[str]] = {}
        with self.engine.connect() as conn:
            for lid, loc in conn.execute(q.order_by(accounts.c.id)):
                if loc not in out.setdefault(lid, []):
                    out[lid].append(loc)
        return {k: tuple(v) for k, v in out.items()}
