"""The delivery half of the ledger: claims with leases, and the outcome of each send.

The protocol, for one post::

    claim_due      scheduled → sending (claimed_by, claim_until)     committed before the call
    begin_send     still ours? launch still active? renew the lease  committed before the call
    (adapter call)
    mark_sent      sending → sent (platform id)                      committed after the call
    mark_retrying  sending → retrying (retry_at, the error; reconcile when it may have
                   reached the platform)                             committed after the call
    mark_failed    sending → failed (the platform's reason)          committed after the call
    mark_expired   sending → expired (its life would end before the next attempt)
    release        sending → scheduled (never sent) or an expired lease (maybe sent: the next
                   claimer checks the platform first)

A post is claimable when it is ``scheduled`` and due, or ``retrying`` and its next attempt is
due, its launch is active, the previous thread part is sent and its account is ready (active
or manual). A first part that replies to an earlier post (a sunset's farewells reply to the
one before) waits for it too, but goes out on its own if that one failed, expired or was
retracted. Claims come oldest first (due time, then the plan's order), and a dispatcher
sends the posts of one account it holds one after the other, in that order. A due post whose
``expires_at`` has passed is never claimed: the claim marks it
``expired`` with the reason, in the same transaction.

A claim is taken inside ``BEGIN IMMEDIATE`` on SQLite (``FOR UPDATE SKIP LOCKED`` elsewhere),
so two daemons never hold the same post. A ``sending`` post whose lease expired, or whose
holder is a dead process on this host, is claimed again with ``reconcile=True``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, bindparam, case, exists, func, or_, select, update

from .records import Claim, DueWork, PostRecord, iso
from .schema import READY_ACCOUNT_STATES, accounts, answers, launches, posts

if TYPE_CHECKING:
    from sqlalchemy import Engine

_parent = posts.alias("parent")
_prev = posts.alias("prev")

# statements on the per-post path, built once
_SEL_BEGIN = (
    select(posts.c.claimed_by, posts.c.state, posts.c.claim_until, launches.c.state)
    .join(launches, launches.c.id == posts.c.launch_id)
    .where(posts.c.id == bindparam("pid"))
)
#: the post's account is not ready (being provisioned, retrying, failed): its posts wait
_ACCOUNT_NOT_READY = (
    exists()
    .where(
        accounts.c.launch_id == posts.c.launch_id,
        accounts.c.platform == posts.c.platform,
        accounts.c.locale == posts.c.locale,
        accounts.c.state.not_in(READY_ACCOUNT_STATES),
    )
    .correlate(posts)
)


def launch_scope(column: Any, launch_id: str | Iterable[str] | None) -> list[Any]:
    """The condition limiting a query to one launch, or to several (a launch group)."""
    if launch_id is None:
        return []
    if isinstance(launch_id, str):
        return [column == launch_id]
    return [column.in_(list(launch_id))]


def platform_scope(column: Any, platforms: Iterable[str] | None) -> list[Any]:
    """The condition limiting a query to some platforms (one sender process's share of a
    large launch: :mod:`launcher.launch.shards`); None: every platform."""
    if platforms is None:
        return []
    return [column.in_(sorted(platforms))]


class DeliveryMixin:
    engine: Engine
    writer: Engine

    @staticmethod
    def _event(conn: Connection, **kw: Any) -> None:  # provided by Ledger
        raise NotImplementedError

    def _claim_query(self, *conds: Any, limit: int) -> Any:
        q = (
            select(
                posts,
                launches.c.mission,
                launches.c.state.label("launch_state"),
                # a thread part replies to the part before it (once that is sent); an answer
                # (listening) to the inbox item it answers, outside the launch's own threads
                func.coalesce(
                    case((_parent.c.state == "sent", _parent.c.platform_post_id), else_=None),
                    answers.c.target_id,
                ).label("reply_to"),
                answers.c.target_refs.label("reply_refs"),
            )
            .join(launches, launches.c.id == posts.c.launch_id)
            .outerjoin(_parent, _parent.c.id == posts.c.reply_to_post_id)
            .outerjoin(answers, answers.c.post_id == posts.c.id)
            .where(*conds)
            .order_by(posts.c.due_at, posts.c.id)
            .limit(limit)
        )
        if self.writer.dialect.name != "sqlite":
            q = q.with_for_update(of=posts, skip_locked=True)
        return q

    def claim_due(
        self,
        *,
        worker: str,
        now: float,
        lease: float,
        limit: int = 20,
        launch_id: str | Iterable[str] | None = None,
        takeover: Iterable[str] = (),
        platforms: Iterable[str] | None = None,
    ) -> list[Claim]:
        """Claim up to ``limit`` posts that are due, oldest first: first any ``sending``
        post whose claim expired (or whose holder is in ``takeover``), then scheduled and
        retrying posts of active launches whose previous thread part is sent and whose
        account is ready. Due posts past their ``expires_at`` are marked expired instead.
        ``platforms``: only posts on these platforms (None: all)."""
        takeover = list(takeover)
        scope = [
            *launch_scope(posts.c.launch_id, launch_id),
            *platform_scope(posts.c.platform, platforms),
        ]
        stale = and_(
            posts.c.state == "sending",
            or_(posts.c.claim_until < now, posts.c.claimed_by.in_(takeover))
            if takeover
            else posts.c.claim_until < now,
        )
        ready = or_(
            posts.c.reply_to_post_id.is_(None),
            exists().where(_prev.c.id == posts.c.reply_to_post_id, _prev.c.state == "sent"),
            # a first part that answers an earlier post (a farewell series) goes out on its
            # own when that one ended unsent; later parts of a thread never do
            and_(
                posts.c.part == 1,
                exists().where(
                    _prev.c.id == posts.c.reply_to_post_id,
                    _prev.c.state.in_(("failed", "expired", "retracted")),
                ),
            ),
        )
        due = or_(
            and_(posts.c.state == "scheduled", posts.c.due_at <= now),
            and_(posts.c.state == "retrying", posts.c.retry_at <= now),
        )
        alive = or_(posts.c.expires_at.is_(None), posts.c.expires_at >= now)
        fresh = and_(due, alive, launches.c.state == "active", ready, ~_ACCOUNT_NOT_READY)
        stale_due = and_(due, posts.c.expires_at < now, launches.c.state == "active")
        claims: list[Claim] = []
        with self.engine.connect() as conn:  # nothing due: no write lock taken at all
            probe = [
                select(posts.c.id)
                .join(launches, launches.c.id == posts.c.launch_id)
                .where(cond, *scope)
                .limit(1)
                for cond in (stale, fresh, stale_due)
            ]
            found = [conn.execute(q).first() is not None for q in probe]
            if not any(found):
                return claims
        with self.writer.begin() as conn:
            if found[2]:
                self._expire_due(conn, stale_due, scope, now=now, actor=worker)
            for cond, reconcile in ((stale, True), (fresh, False)):
                room = limit - len(claims)
                if room <= 0:
                    break
                rows = conn.execute(self._claim_query(cond, *scope, limit=room)).all()
                if not rows:
                    continue
                ids = [r._mapping["id"] for r in rows]
                conn.execute(
                    update(posts)
                    .where(posts.c.id.in_(ids))
                    .values(
                        state="sending",
                        claimed_by=worker,
                        claim_until=now + lease,
                        attempts=posts.c.attempts + 1,
                        first_attempt_at=func.coalesce(posts.c.first_attempt_at, now),
                        updated_at=now,
                    )
                )
                for r in rows:
                    m = r._mapping
                    record = PostRecord.from_row(r)
                    if record.first_attempt_at is None:
                        record = record._replace(first_attempt_at=now)
                    claims.append(
                        Claim(
                            post=record,
                            mission=m["mission"],
                            launch_state=m["launch_state"],
                            reply_to=m["reply_to"],
                            reply_refs=_refs(m["reply_refs"]),
                            reconcile=reconcile or bool(m["reconcile"]),
                            lease_until=now + lease,
                        )
                    )
        return claims

    def _expire_due(
        self, conn: Connection, cond: Any, scope: list[Any], *, now: float, actor: str
    ) -> int:
        """Mark due posts whose life ended ``expired``, each with its reason."""
        rows = conn.execute(
            select(posts.c.id, posts.c.launch_id, posts.c.expires_at, posts.c.error)
            .join(launches, launches.c.id == posts.c.launch_id)
            .where(cond, *scope)
        ).all()
        for pid, lid, expires_at, error in rows:
            reason = expiry_reason(expires_at, error)
            conn.execute(
                update(posts)
                .where(posts.c.id == pid)
                .values(state="expired", error=reason, retry_at=None, updated_at=now)
            )
            self._event(
                conn,
                at=now,
                actor=actor,
                action="post.expired",
                launch_id=lid,
                post_id=pid,
                reason=reason,
            )
        return len(rows)

    def begin_send(self, post_id: int, *, worker: str, now: float, lease: float) -> str | None:
        """Right before the platform call: is the post still ours, and its launch active?

        Returns the launch's state (``active``, ``halted``, ``retracted``), or None when this
        worker no longer holds the post. A read, plus a lease renewal only when half the
        lease is gone (the attempt itself was counted by the claim).
        """
        with self.engine.connect() as conn:
            row = conn.execute(_SEL_BEGIN, {"pid": post_id}).first()
        if row is None or row[0] != worker or row[1] != "sending":
            return None
        if (row[2] or 0) - now < lease / 2 and not self.renew(
            post_id, worker=worker, now=now, lease=lease
        ):
            return None
        return str(row[3])

    def renew(
        self, post_id: int, *, worker: str, now: float, lease: float, attempt: bool = False
    ) -> bool:
        """Extend this worker's lease (between retries); True while it still holds the post."""
        values: dict[str, Any] = {"claim_until": now + lease, "updated_at": now}
        if attempt:
            values["attempts"] = posts.c.attempts + 1
        with self.writer.begin() as conn:
            return bool(
                conn.execute(
                    update(posts)
                    .where(
                        posts.c.id == post_id,
                        posts.c.claimed_by == worker,
                        posts.c.state == "sending",
                    )
                    .values(**values)
                ).rowcount
            )

    def earlier_retrying(self, post_ids: Iterable[int]) -> dict[int, float]:
        """For claimed posts whose account has an earlier post (due before, or at the same time
        and earlier in the plan) waiting for its next attempt: post id -> the latest such next
        attempt. Those posts wait for it, so an account's posts never overtake one another
        (not even after a restart, when a process's memory of a fault is gone)."""
        ids = list(post_ids)
        if not ids:
            return {}
        e = posts.alias("earlier")
        q = (
            select(posts.c.id, func.max(e.c.retry_at))
            .join(
                e,
                and_(
                    e.c.launch_id == posts.c.launch_id,
                    e.c.platform == posts.c.platform,
                    e.c.locale == posts.c.locale,
                    e.c.state == "retrying",
                    or_(
                        e.c.due_at < posts.c.due_at,
                        and_(e.c.due_at == posts.c.due_at, e.c.id < posts.c.id),
                    ),
                ),
            )
            .where(posts.c.id.in_(ids))
            .group_by(posts.c.id)
        )
        with self.engine.connect() as conn:
            return {pid: float(at) for pid, at in conn.execute(q) if at is not None}

    def launch_states(self, launch_ids: Iterable[str]) -> dict[str, str]:
        ids = list(set(launch_ids))
        with self.engine.connect() as conn:
            return dict(
                conn.execute(
                    select(launches.c.id, launches.c.state).where(launches.c.id.in_(ids))
                ).all()
            )

    def next_due(self, *, launch_id: str | Iterable[str] | None = None) -> float | None:
        """The earliest moment something may become claimable: a scheduled post's due time,
        a retrying post's next attempt (of active launches), or a lease expiry."""
        q = (
            select(func.min(posts.c.due_at))
            .join(launches, launches.c.id == posts.c.launch_id)
            .where(posts.c.state == "scheduled", launches.c.state == "active")
        )
        rq = (
            select(func.min(posts.c.retry_at))
            .join(launches, launches.c.id == posts.c.launch_id)
            .where(posts.c.state == "retrying", launches.c.state == "active")
        )
        lq = select(func.min(posts.c.claim_until)).where(posts.c.state == "sending")
        scope = launch_scope(posts.c.launch_id, launch_id)
        if scope:
            q, rq, lq = q.where(*scope), rq.where(*scope), lq.where(*scope)
        with self.engine.connect() as conn:
            values = [conn.execute(x).scalar() for x in (q, rq, lq)]
        found = [v for v in values if v is not None]
        return min(found) if found else None

    def next_retry(
        self,
        *,
        launch_id: str | Iterable[str] | None = None,
        platforms: Iterable[str] | None = None,
    ) -> float | None:
        """When the next retrying post of an active launch (on ``platforms``) is due."""
        q = (
            select(func.min(posts.c.retry_at))
            .join(launches, launches.c.id == posts.c.launch_id)
            .where(
                posts.c.state == "retrying",
                launches.c.state == "active",
                *launch_scope(posts.c.launch_id, launch_id),
                *platform_scope(posts.c.platform, platforms),
            )
        )
        with self.engine.connect() as conn:
            return conn.execute(q).scalar()

    def due_work(self, launch_id: str | Iterable[str], *, now: float) -> dict[str, DueWork]:
        """Platform -> its accounts to set up, posts due by ``now`` and pins among them, in
        these launches (nothing for a platform of theirs with nothing due): how a large
        launch is shared between sender processes (:mod:`launcher.launch.shards`)."""
        due = select(
            posts.c.platform, func.count(), func.sum(case((posts.c.pin, 1), else_=0))
        ).where(
            posts.c.state.in_(("scheduled", "retrying", "sending")),
            func.coalesce(posts.c.retry_at, posts.c.due_at) <= now,
            *launch_scope(posts.c.launch_id, launch_id),
        )
        setup = select(accounts.c.platform, func.count()).where(
            accounts.c.state.in_(("pending", "retrying", "provisioning")),
            *launch_scope(accounts.c.launch_id, launch_id),
        )
        every = (
            select(posts.c.platform).distinct().where(*launch_scope(posts.c.launch_id, launch_id))
        )
        with self.engine.connect() as conn:
            # every platform of the launches, even with nothing due yet (a retry soon): some
            # share must own it
            work = {str(p): DueWork() for p in conn.execute(every).scalars()}
            for platform, n, pins in conn.execute(due.group_by(posts.c.platform)).all():
                work[platform] = DueWork(posts=int(n), pins=int(pins or 0))
            for platform, n in conn.execute(setup.group_by(accounts.c.platform)).all():
                work[platform] = replace(work.get(platform, DueWork()), accounts=int(n))
        return work

    def platform_ids_since(
        self, platform: str, since: float, *, exclude_post: int | None = None
    ) -> frozenset[str]:
        """Platform post ids the ledger holds for posts on ``platform`` sent since ``since``
        (any launch): a reconciliation never adopts one of them for another post."""
        q = select(posts.c.platform_post_id).where(
            posts.c.platform == platform,
            posts.c.platform_post_id.is_not(None),
            posts.c.sent_at >= since,
        )
        if exclude_post is not None:
            q = q.where(posts.c.id != exclude_post)
        with self.engine.connect() as conn:
            return frozenset(str(x) for x in conn.execute(q).scalars())

    def claimants(self) -> list[str]:
        """Who holds ``sending`` posts or ``provisioning`` accounts right now (for
        dead-process takeover)."""
        q = select(posts.c.claimed_by).where(posts.c.state == "sending").distinct()
        aq = select(accounts.c.claimed_by).where(accounts.c.state == "provisioning").distinct()
        with self.engine.connect() as conn:
            found = set(conn.execute(q).scalars()) | set(conn.execute(aq).scalars())
        return sorted(c for c in found if c)

    def due_count(self, *, now: float, launch_id: str | None = None) -> int:
        q = (
            select(func.count())
            .select_from(posts.join(launches, launches.c.id == posts.c.launch_id))
            .where(
                posts.c.state == "scheduled", posts.c.due_at <= now, launches.c.state == "active"
            )
        )
        if launch_id:
            q = q.where(posts.c.launch_id == launch_id)
        with self.engine.connect() as conn:
            return int(conn.execute(q).scalar() or 0)


def _refs(raw: str | None) -> dict[str, str]:
    """An answer's thread references as stored (JSON); anything else reads as none."""
    import json

    try:
        value = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


def expiry_reason(expires_at: float | None, error: str | None) -> str:
    """Why a post was never sent: its life ended, and what was in the way."""
    when = iso(expires_at) or "its time"
    if error:
        return f"not sent before it expired at {when}; last error: {error}"
    return (
        f"not sent before it expired at {when}: nothing sent it in time "
        "(was `launcher daemon` running?)"
    )
