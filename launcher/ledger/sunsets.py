"""Sunsets in the ledger (schema v6; archives are in :mod:`.archives`).

**Sunsets.** A sunset is a launch of kind ``sunset`` (its posts are the farewell posts, sent
by the dispatcher like any post: claims, retrying, expiry, halt and resume) plus a row of
``sunsets`` naming the launch it winds down, and its steps in ``sunset_steps``. A step is
claimed like a post (``scheduled``/``retrying`` when due, or ``running`` under an expired
claim) once the sunset launch is active, the earlier steps it follows are finished, and the
farewell posts of its account are no longer pending; each outcome is one transaction with its
audit event, so a halted or crashed sunset goes on where it stopped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, exists, or_, select, update

from ..errors import NotFound
from .records import iso
from .review import FREEZE_NOTE
from .schema import accounts, events, launches, posts, sunset_steps, sunsets

if TYPE_CHECKING:
    from sqlalchemy import Engine

#: a step in one of these states is not finished: the steps after it wait
UNFINISHED = ("scheduled", "running", "retrying")
#: steps that end in one of these
FINAL = ("done", "manual", "failed", "skipped")
#: farewell posts in these states keep their account's steps waiting
_PENDING_POSTS = ("scheduled", "sending", "retrying", "halted")
#: a crisis launch in one of these states (and not ended) still holds its content freeze
_IN_FORCE = ("active", "provisioning", "halted")


@dataclass(frozen=True)
class SunsetRecord:
    id: str  # the sunset launch (its farewell posts)
    launch_id: str  # the launch it winds down
    on_at: float
    successors: Mapping[str, str]
    state: str  # planned | done
    no_archive: bool
    created_by: str
    created_at: float

    @classmethod
    def from_row(cls, row: Any) -> SunsetRecord:
        m = row._mapping
        return cls(
            m["id"], m["launch_id"], m["on_at"], json.loads(m["successors"] or "{}"),
            m["state"], bool(m["no_archive"]), m["created_by"], m["created_at"],
        )  # fmt: skip


@dataclass(frozen=True)
class StepRecord:
    id: int
    sunset_id: str
    seq: int
    action: str
    platform: str | None
    locale: str | None
    due_at: float
    state: str
    detail: Mapping[str, Any]
    result: Mapping[str, Any]
    attempts: int
    error: str | None
    retry_at: float | None = None

    @classmethod
    def from_row(cls, row: Any) -> StepRecord:
        m = row._mapping
        return cls(
            m["id"], m["sunset_id"], m["seq"], m["action"], m["platform"], m["locale"],
            m["due_at"], m["state"], json.loads(m["detail"] or "{}"),
            json.loads(m["result"] or "{}"), int(m["attempts"] or 0), m["error"], m["retry_at"],
        )  # fmt: skip

    @property
    def checklist(self) -> tuple[str, ...]:
        return tuple(self.result.get("checklist") or ())

    def as_status(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "seq": self.seq,
            "action": self.action,
            "platform": self.platform,
            "locale": self.locale,
            "due_at": iso(self.due_at),
            "state": self.state,
            "attempts": self.attempts,
            "error": self.error,
            "retry_at": iso(self.retry_at),
            "done": self.result.get("done"),
            "checklist": list(self.checklist),
        }


@dataclass(frozen=True)
class StepClaim:
    step: StepRecord
    sunset: SunsetRecord
    mission: str
    lease_until: float


@dataclass
class FreezeEnd:
    resumed: list[str] = field(default_factory=list)
    kept: dict[str, str] = field(default_factory=dict)  # launch -> the crisis still in force


_prior = sunset_steps.alias("prior")
_s = sunset_steps


def _blocked() -> Any:
    """An earlier step this one follows is not finished (an archive that failed blocks too:
    nothing is changed that no archive holds)."""
    same_account = and_(_prior.c.platform == _s.c.platform, _prior.c.locale == _s.c.locale)
    return (
        exists()
        .where(
            _prior.c.sunset_id == _s.c.sunset_id,
            _prior.c.seq < _s.c.seq,
            or_(
                _prior.c.state.in_(UNFINISHED),
                and_(_prior.c.action == "archive", _prior.c.state == "failed"),
            ),
            or_(_s.c.platform.is_(None), _prior.c.platform.is_(None), same_account),
        )
        .correlate(_s)
    )


def _farewells_pending() -> Any:
    """A farewell post of the step's account (any, for a launch-wide step) is still to go."""
    return (
        exists()
        .where(
            posts.c.launch_id == _s.c.sunset_id,
            posts.c.state.in_(_PENDING_POSTS),
            or_(
                _s.c.platform.is_(None),
                and_(posts.c.platform == _s.c.platform, posts.c.locale == _s.c.locale),
            ),
        )
        .correlate(_s)
    )


class SunsetsMixin:
    engine: Engine
    writer: Engine

    @staticmethod
    def _event(conn: Connection, **kw: Any) -> None:  # provided by Ledger
        raise NotImplementedError

    # -- sunsets ---------------------------------------------------------------------------
    def sunset_writer(
        self,
        *,
        sunset_id: str,
        launch_id: str,
        on_at: float,
        successors: Mapping[str, str],
        steps: Sequence[Mapping[str, Any]],
        no_archive: bool,
        actor: str,
        now: float,
    ) -> Callable[[Connection], None]:
        """What :meth:`create_launch` writes, in the same transaction, to make its launch the
        sunset of ``launch_id``: the ``sunsets`` row and the steps (``seq``, ``action``,
        ``platform``, ``locale``, ``due_at``, ``detail``)."""

        def write(conn: Connection) -> None:
            conn.execute(
                sunsets.insert().values(
                    id=sunset_id, launch_id=launch_id, on_at=on_at,
                    successors=json.dumps(dict(successors), sort_keys=True), state="planned",
                    no_archive=no_archive, created_by=actor, created_at=now, updated_at=now,
                )
            )  # fmt: skip
            if steps:
                conn.execute(
                    sunset_steps.insert(),
                    [
                        {
                            "sunset_id": sunset_id, "seq": s["seq"], "action": s["action"],
                            "platform": s.get("platform"), "locale": s.get("locale"),
                            "due_at": s["due_at"], "state": "scheduled",
                            "detail": json.dumps(dict(s.get("detail") or {}), sort_keys=True),
                            "attempts": 0, "updated_at": now,
                        }
                        for s in steps
                    ],
                )  # fmt: skip
            self._event(
                conn, at=now, actor=actor, action="sunset.planned", launch_id=sunset_id,
                winds_down=launch_id, on=iso(on_at), successors=dict(successors),
                steps=len(steps), no_archive=no_archive,
            )  # fmt: skip
            self._event(
                conn, at=now, actor=actor, action="launch.sunset-planned", launch_id=launch_id,
                sunset=sunset_id, on=iso(on_at),
            )  # fmt: skip

        return write

    def sunset(self, sunset_id: str) -> SunsetRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(sunsets).where(sunsets.c.id == sunset_id)).first()
        return SunsetRecord.from_row(row) if row else None

    def sunset_of(self, launch_id: str) -> SunsetRecord | None:
        """The live sunset of a launch: the latest one whose own launch was not rejected or
        retracted."""
        q = (
            select(sunsets)
            .join(launches, launches.c.id == sunsets.c.id)
            .where(
                sunsets.c.launch_id == launch_id,
                launches.c.state.not_in(("rejected", "retracted")),
            )
            .order_by(sunsets.c.created_at.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return SunsetRecord.from_row(row) if row else None

    def steps(self, sunset_id: str) -> list[StepRecord]:
        q = select(sunset_steps).where(sunset_steps.c.sunset_id == sunset_id)
        with self.engine.connect() as conn:
            return [StepRecord.from_row(r) for r in conn.execute(q.order_by(sunset_steps.c.seq))]

    def claim_steps(
        self,
        *,
        worker: str,
        now: float,
        lease: float,
        limit: int = 20,
        sunset_id: str | None = None,
        takeover: Iterable[str] = (),
    ) -> list[StepClaim]:
        """Claim the sunset steps that can be carried out now, in their order."""
        takeover = list(takeover)
        stale = or_(_s.c.claim_until < now, _s.c.claimed_by.in_(takeover))
        due = or_(
            and_(_s.c.state == "scheduled", _s.c.due_at <= now),
            and_(_s.c.state == "retrying", _s.c.retry_at <= now),
            and_(_s.c.state == "running", stale),
        )
        conds = [due, launches.c.state == "active", ~_blocked(), ~_farewells_pending()]
        if sunset_id:
            conds.append(_s.c.sunset_id == sunset_id)
        q = (
            select(_s, launches.c.mission)
            .join(launches, launches.c.id == _s.c.sunset_id)
            .where(*conds)
            .order_by(_s.c.sunset_id, _s.c.seq)
            .limit(limit)
        )
        with self.engine.connect() as conn:  # nothing to do: no write lock
            if conn.execute(q.with_only_columns(_s.c.id).limit(1)).first() is None:
                return []
        if self.writer.dialect.name != "sqlite":
            q = q.with_for_update(of=_s, skip_locked=True)
        with self.writer.begin() as conn:
            rows = conn.execute(q).all()
            if not rows:
                return []
            ids = [r._mapping["id"] for r in rows]
            conn.execute(
                update(_s)
                .where(_s.c.id.in_(ids))
                .values(
                    state="running",
                    claimed_by=worker,
                    claim_until=now + lease,
                    attempts=_s.c.attempts + 1,
                    updated_at=now,
                )
            )
            found = {
                r[0]: SunsetRecord.from_row(r)
                for r in conn.execute(
                    select(sunsets).where(sunsets.c.id.in_({r._mapping["sunset_id"] for r in rows}))
                )
            }
        out = []
        for r in rows:
            step = replace(StepRecord.from_row(r), state="running")
            step = replace(step, attempts=step.attempts + 1)
            out.append(StepClaim(step, found[step.sunset_id], r._mapping["mission"], now + lease))
        return out

    def finish_step(
        self,
        step_id: int,
        *,
        worker: str,
        actor: str,
        now: float,
        state: str,
        result: Mapping[str, Any] | None = None,
        error: str | None = None,
        retry_at: float | None = None,
    ) -> bool:
        """Record how a claimed step ended: ``done``, ``manual`` (the checklist in
        ``result``), ``retrying`` (at ``retry_at``), ``failed`` or ``skipped``. False when
        this worker no longer holds it."""
        with self.writer.begin() as conn:
            row = conn.execute(
                select(
                    _s.c.sunset_id, _s.c.action, _s.c.platform, _s.c.locale, _s.c.attempts
                ).where(_s.c.id == step_id, _s.c.state == "running", _s.c.claimed_by == worker)
            ).first()
            if row is None:
                return False
            sunset_id, action, platform, locale, attempts = row
            conn.execute(
                update(_s)
                .where(_s.c.id == step_id)
                .values(
                    state=state,
                    claimed_by=None,
                    claim_until=None,
                    retry_at=retry_at,
                    error=error,
                    result=json.dumps(dict(result or {}), sort_keys=True, default=str),
                    updated_at=now,
                )
            )
            self._event(
                conn, at=now, actor=actor, action=f"sunset.step.{state}", launch_id=sunset_id,
                step=action, platform=platform, locale=locale, attempt=attempts,
                error=error, retry_at=iso(retry_at), **dict(result or {}),
            )  # fmt: skip
            self._maybe_done(conn, sunset_id, actor=actor, now=now)
        return True

    def release_steps(self, step_ids: Sequence[int], *, worker: str, now: float) -> int:
        """Give claimed steps back untried (stopping)."""
        if not step_ids:
            return 0
        with self.writer.begin() as conn:
            return conn.execute(
                update(_s)
                .where(
                    _s.c.id.in_(list(step_ids)), _s.c.claimed_by == worker, _s.c.state == "running"
                )
                .values(
                    state="scheduled",
                    claimed_by=None,
                    claim_until=None,
                    attempts=_s.c.attempts - 1,
                    updated_at=now,
                )
            ).rowcount

    def _maybe_done(self, conn: Connection, sunset_id: str, *, actor: str, now: float) -> None:
        left = conn.execute(
            select(_s.c.id).where(_s.c.sunset_id == sunset_id, _s.c.state.in_(UNFINISHED)).limit(1)
        ).first()
        if left is not None:
            return
        n = conn.execute(
            update(sunsets)
            .where(sunsets.c.id == sunset_id, sunsets.c.state != "done")
            .values(state="done", updated_at=now)
        ).rowcount
        if n:
            counts: dict[str, int] = {}
            for (state,) in conn.execute(select(_s.c.state).where(_s.c.sunset_id == sunset_id)):
                counts[state] = counts.get(state, 0) + 1
            self._event(
                conn, at=now, actor=actor, action="sunset.done", launch_id=sunset_id, steps=counts
            )

    def next_step_due(self) -> float | None:
        """When a scheduled or retrying step of an active sunset is next due (it may still
        wait for its farewells then; the daemon looks again at its poll)."""
        when = [
            and_(_s.c.state == "scheduled", _s.c.due_at.is_not(None)),
            _s.c.state == "retrying",
        ]
        q = (
            select(_s.c.due_at, _s.c.retry_at, _s.c.state)
            .join(launches, launches.c.id == _s.c.sunset_id)
            .where(or_(*when), launches.c.state == "active")
        )
        with self.engine.connect() as conn:
            times = [
                (retry if state == "retrying" else due) for due, retry, state in conn.execute(q)
            ]
        found = [t for t in times if t is not None]
        return min(found) if found else None

    def requeue_steps(self, sunset_id: str, *, actor: str, now: float) -> int:
        """After a person fixed the cause: the sunset's failed steps are tried again now."""
        with self.writer.begin() as conn:
            n = conn.execute(
                update(_s)
                .where(_s.c.sunset_id == sunset_id, _s.c.state == "failed")
                .values(state="retrying", retry_at=now, error=None, updated_at=now)
            ).rowcount
            if n:
                conn.execute(
                    update(sunsets)
                    .where(sunsets.c.id == sunset_id)
                    .values(state="planned", updated_at=now)
                )
                self._event(
                    conn, at=now, actor=actor, action="sunset.retry", launch_id=sunset_id, steps=n
                )
        return n

    # -- what the date's steps change in the ledger ----------------------------------------
    def end_launch(
        self, launch_id: str, *, sunset_id: str, actor: str, now: float
    ) -> dict[str, Any]:
        """The wound-down launch is ``ended``: what of it was still pending is halted with
        the note ``sunset``, and nothing of it is sent any more (``resume`` refuses it)."""
        note = f"ended by its sunset {sunset_id}"
        with self.writer.begin() as conn:
            state = conn.execute(
                select(launches.c.state).where(launches.c.id == launch_id).with_for_update()
            ).scalar()
            if state is None:
                raise NotFound(f"no launch {launch_id!r}")
            if state in ("ended", "retracted", "rejected"):
                return {"launch": launch_id, "state": state, "halted": 0}
            n = conn.execute(
                update(posts)
                .where(
                    posts.c.launch_id == launch_id,
                    posts.c.state.in_(("scheduled", "retrying", "halted")),
                )
                .values(state="halted", error=note, retry_at=None, updated_at=now)
            ).rowcount
            conn.execute(
                update(launches)
                .where(launches.c.id == launch_id)
                .values(state="ended", note=json.dumps([note]), updated_at=now)
            )
            self._event(
                conn, at=now, actor=actor, action="launch.ended", launch_id=launch_id,
                sunset=sunset_id, was=state, halted=n,
            )  # fmt: skip
        return {"launch": launch_id, "state": "ended", "was": state, "halted": n}

    def end_freeze(
        self, launch_id: str, *, mission: str, sunset_id: str, actor: str, now: float
    ) -> FreezeEnd:
        """The content freeze that ``launch_id`` put on its mission's routine launches ends:
        each routine launch it froze (and that nobody resumed meanwhile) is resumed, unless
        another crisis launch of the mission is still in force (not ended): then the freeze
        stays, and says whose it is now."""
        out = FreezeEnd()
        with self.writer.begin() as conn:
            frozen = {
                lid
                for lid, detail in conn.execute(
                    select(events.c.launch_id, events.c.detail).where(
                        events.c.action == "launch.halted",
                        events.c.detail.like("%crisis_launch%"),
                    )
                )
                if json.loads(detail or "{}").get("crisis_launch") == launch_id
            }
            other = conn.execute(
                select(launches.c.id)
                .where(
                    launches.c.mission == mission,
                    launches.c.kind == "crisis",
                    launches.c.state.in_(_IN_FORCE),
                    launches.c.id != launch_id,
                )
                .order_by(launches.c.created_at.desc())
                .limit(1)
            ).scalar()
            for lid in sorted(frozen):
                row = conn.execute(
                    select(launches.c.state, launches.c.note)
                    .where(launches.c.id == lid)
                    .with_for_update()
                ).first()
                if row is None or row[0] != "halted" or FREEZE_NOTE not in (row[1] or ""):
                    continue  # resumed, retracted or halted by a person meanwhile
                if other:
                    out.kept[lid] = other
                    self._event(
                        conn, at=now, actor=actor, action="launch.freeze-kept", launch_id=lid,
                        ended=launch_id, crisis_launch=other, sunset=sunset_id,
                    )  # fmt: skip
                    continue
                conn.execute(
                    update(launches)
                    .where(launches.c.id == lid)
                    .values(state="active", note=None, updated_at=now)
                )
                n = conn.execute(
                    update(posts)
                    .where(
                        posts.c.launch_id == lid,
                        posts.c.state == "halted",
                        posts.c.error == FREEZE_NOTE,
                    )
                    .values(state="scheduled", error=None, updated_at=now)
                ).rowcount
                out.resumed.append(lid)
                self._event(
                    conn, at=now, actor=actor, action="launch.resumed", launch_id=lid,
                    reason="content freeze ended", crisis_launch=launch_id, sunset=sunset_id,
                    posts=n,
                )  # fmt: skip
        return out

    def forget_credentials(
        self, launch_id: str, platform: str, locale: str, names: Iterable[str], *, actor: str,
        now: float,
    ) -> list[str]:  # fmt: skip
        """Drop credential references an account got when launcher created it (they were
        revoked and their files deleted); returns the names dropped."""
        drop = set(names)
        gone: list[str] = []
        with self.writer.begin() as conn:
            rows = conn.execute(
                select(accounts.c.id, accounts.c.credentials).where(
                    accounts.c.platform == platform,
                    accounts.c.locale == locale,
                    accounts.c.launch_id.in_(
                        select(sunsets.c.id)
                        .where(sunsets.c.launch_id == launch_id)
                        .union(select(launches.c.id).where(launches.c.id == launch_id))
                    ),
                )
            ).all()
            for aid, raw in rows:
                refs = json.loads(raw) if raw else {}
                kept = {k: v for k, v in refs.items() if k not in drop}
                gone.extend(k for k in refs if k in drop)
                if kept != refs:
                    conn.execute(
                        update(accounts)
                        .where(accounts.c.id == aid)
                        .values(credentials=json.dumps(kept, sort_keys=True) if kept else None)
                    )
            if gone:
                self._event(
                    conn, at=now, actor=actor, action="account.credentials-forgotten",
                    launch_id=launch_id, platform=platform, locale=locale,
                    names=sorted(set(gone)),
                )  # fmt: skip
        return sorted(set(gone))
