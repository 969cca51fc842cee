"""Metric snapshots in the ledger: what is due, and recording what was measured.

A post is measured at fixed ages after it was sent (``1h``, ``24h``, ``7d`` by default:
:class:`~launcher.listening.config.ListenConfig`), each age once, with the time the snapshot
was really taken. A collector that was not running at an age takes only the latest age due
when it comes back (a 24-hour-old post is not recorded as "1 h" late): the ages it missed stay
missing, and reports say so. Between ages, a refresh (``age`` empty) keeps the latest counts,
at most every ``refresh_every``. A post found removed from its platform is recorded once with
an audit event (``post.removed-on-platform``) and then no longer measured.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Integer, func, select

from ..adapters.base import METRICS, AccountMetrics, PostMetrics
from ..ledger import Ledger
from ..ledger.schema import launches, metric_snapshots, posts
from .config import ListenConfig
from .store import LISTENED_LAUNCHES


@dataclass(frozen=True)
class DuePost:
    """A sent post to measure now, and the age label of the snapshot (``""``: a refresh)."""

    post_id: int
    launch_id: str
    mission: str
    platform: str
    locale: str
    platform_post_id: str
    age: str


@dataclass(frozen=True)
class Snapshot:
    id: int
    launch_id: str
    post_id: int | None
    platform: str
    locale: str
    handle: str | None
    age: str
    taken_at: float
    values: Mapping[str, int | None]
    followers: int | None
    removed: bool
    unavailable: Mapping[str, str]

    @classmethod
    def from_row(cls, row: Any) -> Snapshot:
        m = row._mapping
        try:
            why = json.loads(m["unavailable"]) if m["unavailable"] else {}
        except ValueError:
            why = {}
        return cls(
            id=m["id"],
            launch_id=m["launch_id"],
            post_id=m["post_id"],
            platform=m["platform"],
            locale=m["locale"],
            handle=m["handle"],
            age=m["age"] or "",
            taken_at=m["taken_at"],
            values={k: m[k] for k in METRICS},
            followers=m["followers"],
            removed=bool(m["removed"]),
            unavailable=why if isinstance(why, dict) else {},
        )


class SnapshotStore:
    def __init__(self, ledger: Ledger) -> None:
        self.ledger = ledger
        self.engine = ledger.engine
        self.writer = ledger.writer

    def due(
        self,
        config: ListenConfig,
        *,
        now: float,
        refresh: bool = True,
        force: bool = False,
        launch_id: str | None = None,
    ) -> list[DuePost]:
        """Sent posts to measure now: each post's latest age that is due and not taken yet;
        else, with ``refresh``, a refresh when its latest snapshot is older than
        ``refresh_every`` (``force``: any refresh at all) and it is younger than the last age
        (plus a day to catch that one). Removed posts are not measured again."""
        horizon = config.horizon + 86400.0
        q = (
            select(
                posts.c.id,
                posts.c.launch_id,
                launches.c.mission,
                posts.c.platform,
                posts.c.locale,
                posts.c.platform_post_id,
                posts.c.sent_at,
            )
            .join(launches, launches.c.id == posts.c.launch_id)
            .where(
                posts.c.state == "sent",
                posts.c.platform_post_id.is_not(None),
                posts.c.sent_at >= now - horizon,
                launches.c.state.in_(LISTENED_LAUNCHES),
            )
            .order_by(posts.c.sent_at, posts.c.id)
        )
        if launch_id:
            q = q.where(posts.c.launch_id == launch_id)
        with self.engine.connect() as conn:
            rows = conn.execute(q).all()
            if not rows:
                return []
            sq = (
                select(
                    metric_snapshots.c.post_id,
                    metric_snapshots.c.age,
                    func.max(metric_snapshots.c.taken_at),
                    func.max(metric_snapshots.c.removed.cast(Integer)),
                )
                .where(metric_snapshots.c.post_id.is_not(None))
                .group_by(metric_snapshots.c.post_id, metric_snapshots.c.age)
            )
            if launch_id:
                sq = sq.where(metric_snapshots.c.launch_id == launch_id)
            else:
                sq = sq.where(metric_snapshots.c.taken_at >= now - horizon - 86400.0)
            taken: dict[int, dict[str, float]] = {}
            removed: set[int] = set()
            for pid, age, at, gone in conn.execute(sq):
                taken.setdefault(pid, {})[age or ""] = at
                if gone:
                    removed.add(pid)
        out = []
        for pid, lid, mission, plat, loc, ppid, sent_at in rows:
            if pid in removed:
                continue
            have = taken.get(pid, {})
            age_due = [label for label, s in config.snapshots if sent_at + s <= now]
            if age_due and age_due[-1] not in have:
                out.append(DuePost(pid, lid, mission, plat, loc, ppid, age_due[-1]))
                continue
            if not refresh or now - sent_at > config.horizon:
                continue
            latest = max(have.values(), default=None)
            if force or latest is None or now - latest >= config.refresh_every:
                out.append(DuePost(pid, lid, mission, plat, loc, ppid, ""))
        return out

    def record_posts(
        self,
        measured: Sequence[tuple[DuePost, PostMetrics, float]],
        *,
        actor: str,
    ) -> int:
        """Record measurements (each with the moment it was taken) in one transaction; a post
        found removed gets an audit event, once. Returns how many were found removed."""
        gone = 0
        with self.writer.begin() as conn:
            rows = []
            for due, m, now in measured:
                rows.append(
                    {
                        "launch_id": due.launch_id,
                        "post_id": due.post_id,
                        "platform": due.platform,
                        "locale": due.locale,
                        "handle": None,
                        "age": due.age,
                        "taken_at": now,
                        "replies": m.replies,
                        "reposts": m.reposts,
                        "likes": m.likes,
                        "quotes": m.quotes,
                        "reach": m.reach,
                        "followers": None,
                        "removed": m.removed,
                        "unavailable": json.dumps(dict(m.unavailable), sort_keys=True)
                        if m.unavailable
                        else None,
                    }
                )
                if m.removed:
                    gone += 1
                    Ledger._event(
                        conn,
                        at=now,
                        actor=actor,
                        action="post.removed-on-platform",
                        launch_id=due.launch_id,
                        post_id=due.post_id,
                        platform=due.platform,
                        reason=m.unavailable.get("removed", "gone from the platform"),
                    )
            if rows:
                conn.execute(metric_snapshots.insert(), rows)
        return gone

    def record_account(
        self,
        launch_ids: Sequence[str],
        *,
        platform: str,
        locale: str,
        handle: str,
        metrics: AccountMetrics,
        now: float,
    ) -> None:
        why = {"followers": metrics.unavailable} if metrics.unavailable else None
        with self.writer.begin() as conn:
            conn.execute(
                metric_snapshots.insert(),
                [
                    {
                        "launch_id": lid,
                        "post_id": None,
                        "platform": platform,
                        "locale": locale,
                        "handle": handle,
                        "age": "",
                        "taken_at": now,
                        "followers": metrics.followers,
                        "removed": False,
                        "unavailable": json.dumps(why) if why else None,
                    }
                    for lid in launch_ids
                ],
            )

    def last_account_snapshot(self, platform: str, handle: str) -> float | None:
        q = select(func.max(metric_snapshots.c.taken_at)).where(
            metric_snapshots.c.post_id.is_(None),
            metric_snapshots.c.platform == platform,
            metric_snapshots.c.handle == handle,
        )
        with self.engine.connect() as conn:
            return conn.execute(q).scalar()

    def of_launch(self, launch_id: str) -> list[Snapshot]:
        q = (
            select(metric_snapshots)
            .where(metric_snapshots.c.launch_id == launch_id)
            .order_by(metric_snapshots.c.taken_at, metric_snapshots.c.id)
        )
        with self.engine.connect() as conn:
            return [Snapshot.from_row(r) for r in conn.execute(q)]

    def removed_posts(self, launch_id: str) -> dict[int, tuple[float, str]]:
        """Posts of a launch found gone from their platform: post id -> (when, why)."""
        q = select(
            metric_snapshots.c.post_id, metric_snapshots.c.taken_at, metric_snapshots.c.unavailable
        ).where(
            metric_snapshots.c.launch_id == launch_id,
            metric_snapshots.c.removed.is_(True),
            metric_snapshots.c.post_id.is_not(None),
        )
        out: dict[int, tuple[float, str]] = {}
        with self.engine.connect() as conn:
            for pid, at, raw in conn.execute(q):
                try:
                    why = (json.loads(raw) or {}).get("removed", "") if raw else ""
                except ValueError:
                    why = ""
                if pid not in out or at < out[pid][0]:
                    out[pid] = (at, str(why or "gone from the platform"))
        return out
