"""Control of launches by people: halt, resume, activation, four-eyes holds, retraction.

Each change is one transaction with its audit event; see :mod:`.store` for the rest.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, func, select, update

from ..audit import chain as audit_chain
from ..errors import LedgerError
from .records import PostRecord
from .schema import accounts, events, launches, posts

if TYPE_CHECKING:
    from sqlalchemy import Engine


#: the audit events that say what became of a post's pin
PIN_OUTCOMES = ("post.pinned", "post.pin-unsupported", "post.pin-failed")


class ControlMixin:
    engine: Engine
    writer: Engine

    @staticmethod
    def _event(conn: Connection, **kw: Any) -> None:  # provided by Ledger
        raise NotImplementedError

    # -- halt and resume -------------------------------------------------------------------
    def halt(
        self, launch_id: str | Sequence[str] | None, *, actor: str, now: float
    ) -> dict[str, int]:
        """Halt one launch, several (a launch group), or every active one: their scheduled
        posts become ``halted`` at once, in one transaction; a daemon checks the launch right
        before each send. Returns launch -> posts."""
        from .delivery import launch_scope

        with self.writer.begin() as conn:
            q = select(launches.c.id).where(
                launches.c.state.in_(("active", "provisioning", "awaiting-approval")),
                *launch_scope(launches.c.id, launch_id),
            )
            ids = list(conn.execute(q).scalars())
            if not ids:
                return {}
            out = {lid: 0 for lid in ids}
            pending = and_(posts.c.state.in_(("scheduled", "retrying")), posts.c.launch_id.in_(ids))
            for lid, n in conn.execute(
                select(posts.c.launch_id, func.count()).where(pending).group_by(posts.c.launch_id)
            ):
                out[lid] = n
            conn.execute(
                update(launches)
                .where(launches.c.id.in_(ids))
                .values(state="halted", updated_at=now)
            )
            conn.execute(update(posts).where(pending).values(state="halted", updated_at=now))
            audit_chain.insert_events(
                conn,
                [
                    {
                        "at": now,
                        "actor": actor,
                        "launch_id": lid,
                        "post_id": None,
                        "action": "launch.halted",
                        "detail": json.dumps({"posts": n}),
                    }
                    for lid, n in out.items()
                ],
            )
        return out

    def resume(self, launch_id: str, *, actor: str, now: float) -> int:
        """Resume a halted launch; returns how many posts are scheduled again."""
        return self.resume_launch(launch_id, actor=actor, now=now)[0]

    def resume_launch(self, launch_id: str, *, actor: str, now: float) -> tuple[int, int]:
        """Resume a halted launch: its halted posts are scheduled again, except those whose
        life ended while it was halted, which become ``expired`` (never sent stale).
        A launch halted while it waited for a second person's approval goes back to waiting
        (``awaiting-approval``, its reasons kept): a halt and a resume are no approval.
        Returns (scheduled again, expired)."""
        with self.writer.begin() as conn:
            state = conn.execute(  # FOR UPDATE: a concurrent retract is seen, not undone
                select(launches.c.state).where(launches.c.id == launch_id).with_for_update()
            ).scalar()
            if state not in ("halted", "provisioning"):
                raise LedgerError(
                    f"launch {launch_id} is {state}, not halted",
                    hint=f"`launcher status {launch_id}` shows where it stands",
                )
            unapproved = never_approved(conn, launch_id)
            conn.execute(
                update(launches)
                .where(launches.c.id == launch_id)
                .values(
                    **({"state": "awaiting-approval"} if unapproved else {"state": "active"}),
                    **({} if unapproved else {"note": None}),
                    updated_at=now,
                )
            )
            halted = and_(posts.c.launch_id == launch_id, posts.c.state == "halted")
            stale = and_(halted, posts.c.expires_at.is_not(None), posts.c.expires_at < now)
            why = "its life ended while the launch was halted: not sent"
            stale_ids = list(conn.execute(select(posts.c.id).where(stale)).scalars())
            expired = len(stale_ids)
            if stale_ids:
                conn.execute(
                    update(posts)
                    .where(posts.c.id.in_(stale_ids))
                    .values(state="expired", error=why, retry_at=None, updated_at=now)
                )
                audit_chain.insert_events(
                    conn,
                    [
                        {"at": now, "actor": actor, "launch_id": launch_id, "post_id": pid,
                         "action": "post.expired", "detail": json.dumps({"reason": why})}
                        for pid in stale_ids
                    ],
                )  # fmt: skip
            n = conn.execute(
                update(posts).where(halted).values(state="scheduled", error=None, updated_at=now)
            ).rowcount
            self._event(
                conn,
                at=now,
                actor=actor,
                action="launch.resumed",
                launch_id=launch_id,
                posts=n,
                expired=expired,
                **({"awaiting_approval": True} if unapproved else {}),
            )
        return n, expired

    def requeue(
        self,
        launch_id: str,
        *,
        actor: str,
        now: float,
        post_key: str | None = None,
        platform: str | None = None,
        default_life: float = 24 * 3600.0,
    ) -> tuple[int, int]:
        """After a person fixed the cause: failed and expired posts (and failed accounts) of
        a launch are tried again now, through the same double-post protection (a post whose
        last attempt may have reached the platform is still looked for first). Each post gets
        a new life as long as its original one (``default_life`` where none was recorded).
        A post failed before its time (its account could not be set up) is scheduled again
        for that time, not sent now: a retry never brings a schedule forward.
        Returns (posts, accounts) queued again."""
        conds = [posts.c.launch_id == launch_id, posts.c.state.in_(("failed", "expired"))]
        aconds = [accounts.c.launch_id == launch_id, accounts.c.state == "failed"]
        if post_key:
            conds.append(posts.c.key == post_key)
        if platform:
            conds.append(posts.c.platform == platform)
            aconds.append(accounts.c.platform == platform)
        with self.writer.begin() as conn:
            state = conn.execute(
                select(launches.c.state).where(launches.c.id == launch_id).with_for_update()
            ).scalar()
            if state not in ("active", "halted"):
                raise LedgerError(
                    f"launch {launch_id} is {state}: only an active or halted launch's posts "
                    "can be tried again"
                )
            rows = conn.execute(
                select(posts.c.id, posts.c.due_at, posts.c.expires_at).where(*conds)
            ).all()
            if post_key and not rows:
                raise LedgerError(
                    f"launch {launch_id} has no failed or expired post {post_key!r}",
                    hint=f"`launcher status {launch_id}` lists its posts and their states",
                )
            for pid, due_at, expires_at in rows:
                life = (expires_at - due_at) if expires_at is not None else default_life
                if due_at > now:  # failed early (its account did): it keeps its own time
                    values = {"state": "scheduled", "retry_at": None, "error": None}
                    values["expires_at"] = None if expires_at is None else due_at + life
                else:
                    values = {"state": "retrying", "retry_at": now}
                    values["expires_at"] = now + max(life, 3600.0)
                conn.execute(
                    update(posts).where(posts.c.id == pid).values(**values, updated_at=now)
                )
            targets = None
            if post_key:  # only the account of that post, if it failed
                targets = {
                    (p, loc)
                    for p, loc in conn.execute(
                        select(posts.c.platform, posts.c.locale).where(*conds[:1], *conds[2:])
                    )
                }
            acc_ids = [
                aid
                for aid, p, loc in conn.execute(
                    select(accounts.c.id, accounts.c.platform, accounts.c.locale).where(*aconds)
                )
                if targets is None or (p, loc) in targets
            ]
            if acc_ids:
                conn.execute(
                    update(accounts)
                    .where(accounts.c.id.in_(acc_ids))
                    .values(state="pending", error=None, retry_at=None, updated_at=now)
                )
            self._event(
                conn,
                at=now,
                actor=actor,
                action="launch.retry",
                launch_id=launch_id,
                post=post_key,
                platform=platform,
                posts=len(rows),
                accounts=len(acc_ids),
            )
        return len(rows), len(acc_ids)

    def activate(self, launch_id: str, *, actor: str, now: float) -> bool:
        """Accounts are set up: daemons may now send the launch's posts. False if the
        launch was halted meanwhile (it stays halted)."""
        with self.writer.begin() as conn:
            n = conn.execute(
                update(launches)
                .where(launches.c.id == launch_id, launches.c.state == "provisioning")
                .values(state="active", updated_at=now)
            ).rowcount
            if n:
                self._event(
                    conn, at=now, actor=actor, action="launch.activated", launch_id=launch_id
                )
        return bool(n)

    # -- retract ---------------------------------------------------------------------------
    def halt_matching(
        self,
        launch_id: str,
        *,
        actor: str,
        now: float,
        message: str | None = None,
        platform: str | None = None,
    ) -> int:
        """Halt the scheduled posts a retraction covers (the whole launch when unfiltered)."""
        conds = [
            posts.c.launch_id == launch_id,
            posts.c.state.in_(("scheduled", "retrying")),
            *_covering(message, platform),
        ]
        with self.writer.begin() as conn:
            if message is None and platform is None:
                conn.execute(
                    update(launches)
                    .where(launches.c.id == launch_id)
                    .values(state="retracted", updated_at=now)
                )
            n = conn.execute(
                update(posts).where(*conds).values(state="halted", updated_at=now)
            ).rowcount
            self._event(
                conn,
                at=now,
                actor=actor,
                action="launch.retracting",
                launch_id=launch_id,
                message=message,
                platform=platform,
                halted=n,
            )
        return n

    def retractable(
        self, launch_id: str, *, message: str | None = None, platform: str | None = None
    ) -> list[PostRecord]:
        q = select(posts).where(
            posts.c.launch_id == launch_id, posts.c.state == "sent", *_covering(message, platform)
        )
        with self.engine.connect() as conn:
            rows = [PostRecord.from_row(r) for r in conn.execute(q.order_by(posts.c.id.desc()))]
        return rows  # the last thread part first: replies go before what they answer

    def post_kinds(self, launch_id: str) -> tuple[set[str], set[str]]:
        """(the platforms, the message ids) a launch's posts have: what its filters may
        name."""
        q = select(posts.c.platform, posts.c.message).where(posts.c.launch_id == launch_id)
        with self.engine.connect() as conn:
            rows = conn.execute(q.distinct()).all()
        return {r[0] for r in rows}, {r[1] for r in rows}

    def pins_left_behind(
        self, *, sent_before: float, platforms: frozenset[str] | None = None
    ) -> list[tuple[PostRecord, str]]:
        """(post, its mission) for the sent posts that asked to be pinned and whose pin has
        no outcome in the audit trail (``post.pinned``, ``-unsupported``, ``-failed``), sent
        before ``sent_before``, of launches still active or complete: a sender killed
        between a post's commit and its pin left them undone."""
        q = (
            select(posts, launches.c.mission)
            .join(launches, launches.c.id == posts.c.launch_id)
            .where(
                posts.c.state == "sent",
                posts.c.pin.is_(True),
                posts.c.sent_at < sent_before,
                launches.c.state.in_(("active", "complete")),
            )
            .order_by(posts.c.id)
        )
        if platforms is not None:
            q = q.where(posts.c.platform.in_(sorted(platforms)))
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
            if not rows:
                return []
            lids = sorted({r._mapping[posts.c.launch_id] for r in rows})
            done = set(
                conn.execute(
                    select(events.c.post_id).where(
                        events.c.launch_id.in_(lids),
                        events.c.action.in_(PIN_OUTCOMES),
                    )
                ).scalars()
            )
        return [
            (PostRecord.from_row(r), r._mapping[launches.c.mission])
            for r in rows
            if r._mapping[posts.c.id] not in done
        ]

    def maybe_sent(
        self, launch_id: str, *, message: str | None = None, platform: str | None = None
    ) -> list[PostRecord]:
        """Halted posts whose last attempt may have reached the platform (its answer was
        lost): a retraction looks for them there before it says what it deleted."""
        q = select(posts).where(
            posts.c.launch_id == launch_id,
            posts.c.state == "halted",
            posts.c.reconcile.is_(True),
            *_covering(message, platform),
        )
        with self.engine.connect() as conn:
            return [PostRecord.from_row(r) for r in conn.execute(q.order_by(posts.c.id))]

    def pinned_before(self, launch_id: str) -> dict[int, str | None]:
        """post id -> the platform post pinned before it, for the launch's posts that were
        pinned (from the audit trail: ``post.pinned`` events)."""
        q = select(events.c.post_id, events.c.detail).where(
            events.c.launch_id == launch_id, events.c.action == "post.pinned"
        )
        with self.engine.connect() as conn:
            rows = conn.execute(q.order_by(events.c.id)).all()
        out: dict[int, str | None] = {}
        for post_id, detail in rows:
            if post_id is not None:
                out[int(post_id)] = json.loads(detail or "{}").get("previous")
        return out

    def mark_retracted(self, post_id: int, *, actor: str, now: float, detail: str = "") -> None:
        with self.writer.begin() as conn:
            row = conn.execute(select(posts.c.launch_id).where(posts.c.id == post_id)).first()
            conn.execute(
                update(posts)
                .where(posts.c.id == post_id, posts.c.state == "sent")
                .values(state="retracted", updated_at=now)
            )
            self._event(
                conn,
                at=now,
                actor=actor,
                action="post.retracted",
                launch_id=row[0] if row else None,
                post_id=post_id,
                detail=detail,
            )


def _covering(message: str | None, platform: str | None) -> list[Any]:
    """The conditions on posts of a retraction's filters (``--message``, ``--platform``)."""
    return [
        *([posts.c.message == message] if message else []),
        *([posts.c.platform == platform] if platform else []),
    ]


def never_approved(conn: Connection, launch_id: str) -> bool:
    """The launch was held for a second person's approval and none was given: its audit
    trail has ``launch.awaiting-approval`` and no ``launch.approved``."""
    said = set(
        conn.execute(
            select(events.c.action).where(
                events.c.launch_id == launch_id,
                events.c.action.in_(("launch.awaiting-approval", "launch.approved")),
            )
        ).scalars()
    )
    return "launch.awaiting-approval" in said and "launch.approved" not in said
