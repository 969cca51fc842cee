"""The outcome of each platform call, recorded: sent, retrying, deferred, failed, expired,
halted, released, and an account that could not be set up failing its posts.

Every outcome is one committed transaction with its audit event, guarded by the claim: only
the worker that holds a post records what happened to it (see :mod:`.delivery` for claims).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, bindparam, or_, select, update

from ..audit import chain as audit_chain
from . import plainsql
from .records import iso
from .schema import events, posts

if TYPE_CHECKING:
    from sqlalchemy import Engine

_UPD_SENT = (
    update(posts)
    .where(
        posts.c.id == bindparam("pid"),
        or_(posts.c.state == "sending", posts.c.state == "halted"),
    )
    .values(
        state="sent",
        sent_at=bindparam("now"),
        platform_post_id=bindparam("ppid"),
        url=bindparam("url"),
        extra=bindparam("extra"),
        error=None,
        claimed_by=None,
        claim_until=None,
        retry_at=None,
        reconcile=False,
        updated_at=bindparam("now"),
    )
)


class OutcomesMixin:
    engine: Engine
    writer: Engine

    @staticmethod
    def _event(conn: Connection, **kw: Any) -> None:  # provided by Ledger
        raise NotImplementedError

    def mark_sent(
        self,
        post_id: int,
        *,
        actor: str,
        now: float,
        platform_post_id: str,
        url: str | None = None,
        extra: Mapping[str, str] | None = None,
        reconciled: bool = False,
        launch_id: str | None = None,
    ) -> bool:
        """Record a post as on the platform. False when it was already recorded (a second
        worker that reconciled it first): the platform's answer is the fact either way."""
        with self.writer.begin() as conn:
            if launch_id is None:
                launch_id = conn.execute(
                    select(posts.c.launch_id).where(posts.c.id == post_id)
                ).scalar()
            n = plainsql.execute(
                conn,
                _UPD_SENT,
                {
                    "pid": post_id,
                    "now": now,
                    "ppid": platform_post_id,
                    "url": url,
                    "extra": json.dumps(dict(extra)) if extra else None,
                },
            ).rowcount
            if n:
                audit_chain.insert_events(
                    conn,
                    [
                        {
                            "at": now,
                            "actor": actor,
                            "launch_id": launch_id,
                            "post_id": post_id,
                            "action": "post.reconciled" if reconciled else "post.sent",
                            "detail": json.dumps({"platform_post_id": platform_post_id}),
                        }
                    ],
                )
        return bool(n)

    def mark_sent_many(self, items: Sequence[Mapping[str, Any]], *, actor: str) -> int:
        """Record several posts as on the platform in one transaction (group commit).

        Each item: ``post_id``, ``launch_id``, ``now``, ``platform_post_id``, ``url``,
        ``extra``, ``reconciled``. Until this commits, the posts stay ``sending`` under a live
        claim; after a crash they are reconciled with the platform, never sent twice.
        """
        if not items:
            return 0
        rows = [
            {
                "pid": it["post_id"],
                "now": it["now"],
                "ppid": it["platform_post_id"],
                "url": it.get("url"),
                "extra": json.dumps(dict(it["extra"])) if it.get("extra") else None,
            }
            for it in items
        ]
        with self.writer.begin() as conn:
            done = conn.execute(_UPD_SENT, rows).rowcount
            if done != len(items):  # some were already recorded by another worker
                ids = [it["post_id"] for it in items]
                already = set(
                    conn.execute(
                        select(events.c.post_id).where(
                            events.c.post_id.in_(ids),
                            events.c.action.in_(("post.sent", "post.reconciled")),
                        )
                    ).scalars()
                )
                items = [it for it in items if it["post_id"] not in already]
            evs = [
                {
                    "at": it["now"],
                    "actor": actor,
                    "launch_id": it["launch_id"],
                    "post_id": it["post_id"],
                    "action": "post.reconciled" if it.get("reconciled") else "post.sent",
                    "detail": json.dumps({"platform_post_id": it["platform_post_id"]}),
                }
                for it in items
            ]
            if evs:
                audit_chain.insert_events(conn, evs)
        return done

    def mark_failed(self, post_id: int, *, actor: str, now: float, reason: str) -> list[int]:
        """Record a permanent failure with the platform's reason. Later parts of the same
        thread fail with it (they can never be replies). Returns every post id failed."""
        failed: list[int] = []
        with self.writer.begin() as conn:
            launch_id = conn.execute(
                select(posts.c.launch_id).where(posts.c.id == post_id)
            ).scalar()
            n = conn.execute(
                update(posts)
                .where(posts.c.id == post_id, posts.c.state == "sending")
                .values(
                    state="failed",
                    error=reason,
                    claimed_by=None,
                    claim_until=None,
                    retry_at=None,
                    updated_at=now,
                )
            ).rowcount
            if not n:
                return failed
            failed.append(post_id)
            self._event(
                conn,
                at=now,
                actor=actor,
                action="post.failed",
                launch_id=launch_id,
                post_id=post_id,
                reason=reason,
            )
            parent = post_id
            while True:
                child = conn.execute(
                    select(posts.c.id).where(
                        posts.c.reply_to_post_id == parent,
                        posts.c.part > 1,  # a first part answering it goes out on its own
                        posts.c.state.in_(("scheduled", "retrying", "halted")),
                    )
                ).scalar()
                if child is None:
                    break
                why = f"an earlier part of this thread failed (post {post_id}): {reason}"
                conn.execute(
                    update(posts)
                    .where(posts.c.id == child)
                    .values(state="failed", error=why, updated_at=now)
                )
                self._event(
                    conn,
                    at=now,
                    actor=actor,
                    action="post.failed",
                    launch_id=launch_id,
                    post_id=child,
                    reason=why,
                )
                failed.append(child)
                parent = child
        return failed

    def mark_retrying(
        self,
        post_id: int,
        *,
        worker: str,
        actor: str,
        now: float,
        retry_at: float,
        error: str,
        maybe_sent: bool,
    ) -> bool:
        """A platform fault: the post stays ours to send, at ``retry_at``. ``maybe_sent``: the
        attempt may have reached the platform, so the next one looks there first."""
        with self.writer.begin() as conn:
            row = conn.execute(
                select(posts.c.launch_id, posts.c.attempts).where(
                    posts.c.id == post_id,
                    posts.c.state == "sending",
                    posts.c.claimed_by == worker,
                )
            ).first()
            if row is None:
                return False
            conn.execute(
                update(posts)
                .where(posts.c.id == post_id)
                .values(
                    state="retrying",
                    retry_at=retry_at,
                    error=error,
                    reconcile=or_(posts.c.reconcile, maybe_sent),
                    claimed_by=None,
                    claim_until=None,
                    updated_at=now,
                )
            )
            self._event(
                conn,
                at=now,
                actor=actor,
                action="post.retrying",
                launch_id=row[0],
                post_id=post_id,
                attempt=row[1],
                retry_at=iso(retry_at),
                reason=error,
            )
        return True

    def defer(self, post_ids: Sequence[int], *, worker: str, now: float, retry_at: float) -> int:
        """Give claimed posts back untried, to be claimed again at ``retry_at`` (their
        platform is cooling down after a fault: no attempt is counted)."""
        if not post_ids:
            return 0
        with self.writer.begin() as conn:
            return conn.execute(
                update(posts)
                .where(
                    posts.c.id.in_(list(post_ids)),
                    posts.c.claimed_by == worker,
                    posts.c.state == "sending",
                )
                .values(
                    state="retrying",
                    retry_at=retry_at,
                    claimed_by=None,
                    claim_until=None,
                    attempts=posts.c.attempts - 1,
                    updated_at=now,
                )
            ).rowcount

    def mark_expired(
        self, post_id: int, *, worker: str, actor: str, now: float, reason: str
    ) -> bool:
        """The next attempt would come after the post's life ends: it is never sent."""
        with self.writer.begin() as conn:
            lid = conn.execute(
                select(posts.c.launch_id).where(
                    posts.c.id == post_id,
                    posts.c.state == "sending",
                    posts.c.claimed_by == worker,
                )
            ).scalar()
            if lid is None:
                return False
            conn.execute(
                update(posts)
                .where(posts.c.id == post_id)
                .values(
                    state="expired",
                    error=reason,
                    retry_at=None,
                    claimed_by=None,
                    claim_until=None,
                    updated_at=now,
                )
            )
            self._event(
                conn, at=now, actor=actor, action="post.expired", launch_id=lid, post_id=post_id,
                reason=reason,
            )  # fmt: skip
        return True

    def mark_halted(self, post_id: int, *, actor: str, now: float, attempted: bool = False) -> None:
        """A claimed post whose launch was halted before it was sent."""
        with self.writer.begin() as conn:
            launch_id = conn.execute(
                select(posts.c.launch_id).where(posts.c.id == post_id)
            ).scalar()
            conn.execute(
                update(posts)
                .where(posts.c.id == post_id, posts.c.state == "sending")
                .values(
                    state="halted",
                    claimed_by=None,
                    claim_until=None,
                    attempts=posts.c.attempts - (0 if attempted else 1),
                    updated_at=now,
                )
            )
            self._event(
                conn,
                at=now,
                actor=actor,
                action="post.halted",
                launch_id=launch_id,
                post_id=post_id,
            )

    def release(
        self, post_ids: Sequence[int], *, worker: str, now: float, maybe_sent: bool = False
    ) -> int:
        """Give claimed posts back. Never-attempted posts return to ``scheduled``; a post
        that may have reached the platform keeps ``sending`` with an expired lease, so
        whoever claims it next checks the platform before sending."""
        if not post_ids:
            return 0
        values: dict[str, Any] = (
            {"claim_until": 0.0, "updated_at": now}
            if maybe_sent
            else {
                "state": "scheduled",
                "claimed_by": None,
                "claim_until": None,
                "attempts": posts.c.attempts - 1,  # the claim counted an attempt never made
                "updated_at": now,
            }
        )
        with self.writer.begin() as conn:
            return conn.execute(
                update(posts)
                .where(
                    posts.c.id.in_(list(post_ids)),
                    posts.c.claimed_by == worker,
                    posts.c.state == "sending",
                )
                .values(**values)
            ).rowcount

    def fail_scheduled(
        self, launch_id: str, platform: str, locale: str, *, actor: str, now: float, reason: str
    ) -> int:
        """Fail every not-yet-sent post of one account (it could not be set up)."""
        with self.writer.begin() as conn:
            ids = list(
                conn.execute(
                    select(posts.c.id).where(
                        posts.c.launch_id == launch_id,
                        posts.c.platform == platform,
                        posts.c.locale == locale,
                        posts.c.state.in_(("scheduled", "retrying", "halted")),
                    )
                ).scalars()
            )
            if ids:
                conn.execute(
                    update(posts)
                    .where(posts.c.id.in_(ids))
                    .values(state="failed", error=reason, retry_at=None, updated_at=now)
                )
                self._event(
                    conn,
                    at=now,
                    actor=actor,
                    action="posts.failed",
                    launch_id=launch_id,
                    platform=platform,
                    locale=locale,
                    posts=len(ids),
                    reason=reason,
                )
        return len(ids)
