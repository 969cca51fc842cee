"""Control of launches by people: halt, resume, activation, four-eyes holds, retraction.

Each change is one transaction with its audit event; see :mod:`.store` for the rest.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, func, select, update

from ..errors import LedgerError
from .records import PostRecord
from .schema import events, launches, posts

if TYPE_CHECKING:
    from sqlalchemy import Engine


class ControlMixin:
    engine: Engine
    writer: Engine

    @staticmethod
    def _event(conn: Connection, **kw: Any) -> None:  # provided by Ledger
        raise NotImplementedError

    # -- halt and resume -------------------------------------------------------------------
    def halt(self, launch_id: str | None, *, actor: str, now: float) -> dict[str, int]:
        """Halt one launch (or every active one): its scheduled posts become ``halted`` at
        once; a daemon checks the launch right before each send. Returns launch -> posts."""
        with self.writer.begin() as conn:
            q = select(launches.c.id).where(
                launches.c.state.in_(("active", "provisioning", "awaiting-approval"))
            )
            if launch_id is not None:
                q = q.where(launches.c.id == launch_id)
            ids = list(conn.execute(q).scalars())
            if not ids:
                return {}
            out = {lid: 0 for lid in ids}
            pending = and_(posts.c.state == "scheduled", posts.c.launch_id.in_(ids))
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
            conn.execute(
                events.insert(),
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
        with self.writer.begin() as conn:
            state = conn.execute(  # FOR UPDATE: a concurrent retract is seen, not undone
                select(launches.c.state).where(launches.c.id == launch_id).with_for_update()
            ).scalar()
            if state not in ("halted", "provisioning"):
                raise LedgerError(f"launch {launch_id} is {state}, not halted")
            conn.execute(
                update(launches)
                .where(launches.c.id == launch_id)
                .values(state="active", note=None, updated_at=now)
            )
            n = conn.execute(
                update(posts)
                .where(posts.c.launch_id == launch_id, posts.c.state == "halted")
                .values(state="scheduled", error=None, updated_at=now)
            ).rowcount
            self._event(
                conn, at=now, actor=actor, action="launch.resumed", launch_id=launch_id, posts=n
            )
        return n

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
        conds = [posts.c.launch_id == launch_id, posts.c.state == "scheduled"]
        if message:
            conds.append(posts.c.message == message)
        if platform:
            conds.append(posts.c.platform == platform)
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
        q = select(posts).where(posts.c.launch_id == launch_id, posts.c.state == "sent")
        if message:
            q = q.where(posts.c.message == message)
        if platform:
            q = q.where(posts.c.platform == platform)
        with self.engine.connect() as conn:
            rows = [PostRecord.from_row(r) for r in conn.execute(q.order_by(posts.c.id.desc()))]
        return rows  # the last thread part first: replies go before what they answer

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
