"""Four eyes, emergency overrides and content freeze, in the ledger.

A launch whose content is not covered by a valid approval is recorded as
``awaiting-approval`` with the reasons: nothing is sent until a second person (not the one who
ran it) approves it, or someone rejects it. An emergency override sends without a second
person, and says so loudly: the reason is stored on the launch and in the audit trail. When a
crisis launch starts for a mission, the mission's routine launches are halted with the note
``content freeze`` until someone resumes them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select, update

from ..actor import same_person
from ..errors import LedgerError, NotFound
from .control import never_approved
from .records import LaunchRecord
from .schema import launches, posts

if TYPE_CHECKING:
    from sqlalchemy import Engine

FREEZE_NOTE = "content freeze"


class ReviewMixin:
    engine: Engine
    writer: Engine

    @staticmethod
    def _event(conn: Connection, **kw: Any) -> None:  # provided by Ledger
        raise NotImplementedError

    def hold(self, launch_id: str, *, actor: str, now: float, reasons: Sequence[str]) -> bool:
        """Keep a launch recorded as ``provisioning`` (ledgers before v4) from sending until a
        second person approves it. New launches are recorded ``awaiting-approval`` at once
        (``create_launch(state=...)``). False if the launch is no longer provisioning."""
        with self.writer.begin() as conn:
            n = conn.execute(
                update(launches)
                .where(launches.c.id == launch_id, launches.c.state == "provisioning")
                .values(state="awaiting-approval", note=json.dumps(list(reasons)), updated_at=now)
            ).rowcount
            if n:
                self._event(
                    conn,
                    at=now,
                    actor=actor,
                    action="launch.awaiting-approval",
                    launch_id=launch_id,
                    reasons=list(reasons),
                )
        return bool(n)

    def approve_launch(self, launch_id: str, *, actor: str, now: float) -> int:
        """A second person releases a launch awaiting approval; returns its pending posts.
        The person who ran the launch cannot approve it (four eyes)."""
        with self.writer.begin() as conn:
            row = conn.execute(  # FOR UPDATE: an approve and a reject never both succeed
                select(
                    launches.c.state,
                    launches.c.created_by,
                    launches.c.note,
                    launches.c.kind,
                    launches.c.mission,
                )
                .where(launches.c.id == launch_id)
                .with_for_update()
            ).first()
            if row is None:
                raise NotFound(f"no launch {launch_id!r}")
            if row[0] != "awaiting-approval":
                raise LedgerError(f"launch {launch_id} is {row[0]}, not awaiting approval")
            if same_person(row[1], actor):
                raise LedgerError(
                    f"{actor} ran launch {launch_id} and cannot also approve it (four eyes)",
                    hint="a second person approves it: launcher approve launch "
                    f"{launch_id} --as THEIR-NAME",
                )
            held_for = "; ".join(json.loads(row[2] or "[]"))
            note = [f"approved by {actor} (four eyes); it had waited for: {held_for}"]
            conn.execute(
                update(launches)
                .where(launches.c.id == launch_id)
                .values(state="active", note=json.dumps(note), updated_at=now)
            )
            n = conn.execute(
                select(func.count()).where(
                    posts.c.launch_id == launch_id, posts.c.state == "scheduled"
                )
            ).scalar()
            self._event(
                conn,
                at=now,
                actor=actor,
                action="launch.approved",
                launch_id=launch_id,
                ran_by=row[1],
                posts=n,
            )
            if row[3] == "crisis":  # released: now it freezes the mission's routine launches
                self._freeze(conn, row[4], except_launch=launch_id, actor=actor, now=now)
        return int(n or 0)

    def reject_launch(self, launch_id: str, *, actor: str, now: float, reason: str) -> int:
        """Refuse a launch awaiting approval (or halted before any approval: a resume would
        make it wait again): nothing of it is ever sent."""
        if not reason.strip():
            raise LedgerError("a rejection needs a reason", hint='add --reason "..."')
        with self.writer.begin() as conn:
            state = conn.execute(
                select(launches.c.state).where(launches.c.id == launch_id).with_for_update()
            ).scalar()
            held = state == "halted" and never_approved(conn, launch_id)
            if state != "awaiting-approval" and not held:
                raise LedgerError(
                    f"launch {launch_id} is {state}, not awaiting approval",
                    hint=f"`launcher status {launch_id}` shows where it stands; to stop what"
                    f" is pending: launcher halt {launch_id}",
                )
            conn.execute(
                update(launches)
                .where(launches.c.id == launch_id)
                .values(state="rejected", note=json.dumps([f"rejected: {reason}"]), updated_at=now)
            )
            n = conn.execute(
                update(posts)
                .where(posts.c.launch_id == launch_id, posts.c.state.in_(("scheduled", "halted")))
                .values(state="halted", error=f"rejected: {reason}", updated_at=now)
            ).rowcount
            self._event(
                conn,
                at=now,
                actor=actor,
                action="launch.rejected",
                launch_id=launch_id,
                reason=reason,
                posts=n,
            )
        return n

    def mark_emergency(
        self, launch_id: str, *, actor: str, now: float, reason: str, reasons_skipped: Sequence[str]
    ) -> None:
        with self.writer.begin() as conn:
            self._mark_emergency(
                conn,
                launch_id,
                actor=actor,
                now=now,
                reason=reason,
                reasons_skipped=reasons_skipped,
            )

    def _mark_emergency(
        self,
        conn: Connection,
        launch_id: str,
        *,
        actor: str,
        now: float,
        reason: str,
        reasons_skipped: Sequence[str],
    ) -> None:
        """:meth:`mark_emergency`'s writes, in ``conn``'s transaction."""
        conn.execute(
            update(launches)
            .where(launches.c.id == launch_id)
            .values(override_reason=reason, updated_at=now)
        )
        self._event(
            conn,
            at=now,
            actor=actor,
            action="launch.emergency-override",
            launch_id=launch_id,
            reason=reason,
            approval_missing=list(reasons_skipped),
        )

    def set_kind(self, launch_id: str, kind: str) -> None:
        with self.writer.begin() as conn:
            conn.execute(update(launches).where(launches.c.id == launch_id).values(kind=kind))

    def freeze_mission(
        self, mission: str, *, except_launch: str, actor: str, now: float
    ) -> dict[str, int]:
        """Halt the routine launches of ``mission`` (content freeze). Returns launch -> posts."""
        with self.writer.begin() as conn:
            return self._freeze(conn, mission, except_launch=except_launch, actor=actor, now=now)

    def _freeze(
        self, conn: Connection, mission: str, *, except_launch: str, actor: str, now: float
    ) -> dict[str, int]:
        ids = list(
            conn.execute(
                select(launches.c.id).where(
                    launches.c.mission == mission,
                    launches.c.kind == "routine",
                    launches.c.state.in_(("active", "provisioning")),
                    launches.c.id != except_launch,
                )
            ).scalars()
        )
        out: dict[str, int] = {}
        for lid in ids:
            conn.execute(
                update(launches)
                .where(launches.c.id == lid)
                .values(state="halted", note=json.dumps([FREEZE_NOTE]), updated_at=now)
            )
            out[lid] = conn.execute(
                update(posts)
                .where(posts.c.launch_id == lid, posts.c.state.in_(("scheduled", "retrying")))
                .values(state="halted", error=FREEZE_NOTE, updated_at=now)
            ).rowcount
            self._event(
                conn,
                at=now,
                actor=actor,
                action="launch.halted",
                launch_id=lid,
                reason=FREEZE_NOTE,
                crisis_launch=except_launch,
                posts=out[lid],
            )
        return out

    def halted_unapproved(self) -> list[LaunchRecord]:
        """Launches halted while they awaited approval: still a second person's to release
        (after a resume) or to reject."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(launches).where(launches.c.state == "halted").order_by(launches.c.created_at)
            ).all()
            return [
                LaunchRecord.from_row(r) for r in rows if never_approved(conn, r._mapping["id"])
            ]

    def awaiting(self) -> list[LaunchRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                select(launches)
                .where(launches.c.state == "awaiting-approval")
                .order_by(launches.c.created_at)
            ).all()
        return [LaunchRecord.from_row(r) for r in rows]
