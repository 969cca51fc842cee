"""What a launch achieved, from the ledger: per locale × platform × message, followers, time.

Read-only. Each sent post counts with its latest snapshot; a metric a platform does not give
is ``None`` with the reason collected ("unavailable: Bluesky does not count views"), never a
0 that was not measured. Engagement is replies + reposts + likes + quotes, of what was
measured; reach only where the platform gives it (X impressions, Facebook insights).
Followers gained: the latest count less the first (0 for an account launcher created).
Series: at each moment a snapshot was taken, the sum over a platform's (or locale's) posts
of each post's latest known engagement: the curve of the launch's reach over its life.
``as_csv`` writes the table, one row per locale × platform × message.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from ..adapters.base import METRICS
from ..ledger import Ledger, iso
from .answer_store import AnswerStore
from .snapshots import Snapshot, SnapshotStore
from .store import ListeningStore

ENGAGEMENT = ("replies", "reposts", "likes", "quotes")
#: posts that reached a platform (a retracted post did, before it was deleted)
REACHED = ("sent", "retracted")


@dataclass
class _Sum:
    posts: int = 0
    measured: int = 0
    removed: int = 0
    inbox: int = 0

    def __post_init__(self) -> None:
        self.values: dict[str, int | None] = {m: None for m in METRICS}

    def add(self, snap: Snapshot | None) -> None:
        self.posts += 1
        if snap is None:
            return
        self.measured += 1
        self.removed += int(snap.removed)
        for m in METRICS:
            v = snap.values.get(m)
            if v is not None:
                self.values[m] = (self.values[m] or 0) + v

    def doc(self) -> dict[str, Any]:
        known = [self.values[m] for m in ENGAGEMENT if self.values[m] is not None]
        return {
            "posts": self.posts,
            "measured": self.measured,
            "removed": self.removed,
            "inbox": self.inbox,
            **self.values,
            "engagement": sum(v for v in known if v is not None) if known else None,
        }


def engagement(snap: Snapshot) -> int | None:
    known = [snap.values.get(m) for m in ENGAGEMENT if snap.values.get(m) is not None]
    return sum(v for v in known if v is not None) if known else None


def build_report(ledger: Ledger, launch_ref: str, *, now: float) -> dict[str, Any]:
    launch = ledger.resolve(launch_ref)
    posts = [p for p in ledger.posts(launch.id) if p.state in REACHED]
    snaps = SnapshotStore(ledger).of_launch(launch.id)
    items = ListeningStore(ledger).items(launch_id=launch.id)
    answers = AnswerStore(ledger).of_launch(launch.id)
    accounts = ledger.accounts(launch.id)
    post_snaps: dict[int, list[Snapshot]] = {}
    for s in snaps:
        if s.post_id is not None:
            post_snaps.setdefault(s.post_id, []).append(s)
    latest = {pid: max(ss, key=lambda s: (s.taken_at, s.id)) for pid, ss in post_snaps.items()}

    rows: dict[tuple[str, str, str], _Sum] = {}
    totals = _Sum()
    by_post = {p.id: p for p in posts}
    for p in posts:
        key = (p.locale, p.platform, p.message)
        rows.setdefault(key, _Sum()).add(latest.get(p.id))
        totals.add(latest.get(p.id))
    for item in items:
        post = by_post.get(item.post_id or -1)
        if post is not None:
            rows[(post.locale, post.platform, post.message)].inbox += 1
    totals.inbox = len(items)

    unavailable: dict[tuple[str, str], str] = {}
    for s in snaps:
        for metric, why in s.unavailable.items():
            if metric not in ("removed", "visibility"):
                unavailable.setdefault((s.platform, metric), why)

    removed = [
        {
            "post": p.id,
            "key": p.key,
            "platform": p.platform,
            "locale": p.locale,
            "message": p.message,
            "url": p.url,
            "noticed_at": iso(latest[p.id].taken_at),
            "why": latest[p.id].unavailable.get("removed", "gone from the platform"),
        }
        for p in posts
        if p.id in latest and latest[p.id].removed
    ]
    return {
        "launch": launch.id,
        "playbook": launch.playbook,
        "mission": launch.mission,
        "timezone": launch.timezone,
        "confirmed_at": iso(launch.confirmed_at),
        "generated_at": iso(now),
        "rows": [
            {"locale": loc, "platform": plat, "message": msg, **acc.doc()}
            for (loc, plat, msg), acc in sorted(rows.items())
        ],
        "totals": totals.doc(),
        "by_locale": _group(rows, 0),
        "by_platform": _group(rows, 1),
        "followers": _followers(accounts, snaps),
        "unavailable": [
            {"platform": plat, "metric": metric, "why": why}
            for (plat, metric), why in sorted(unavailable.items())
        ],
        "removed": removed,
        "ages": _ages(post_snaps, posts),
        "series": {
            "engagement_by_platform": _series(posts, post_snaps, launch.confirmed_at, 1),
            "engagement_by_locale": _series(posts, post_snaps, launch.confirmed_at, 0),
            "followers_by_platform": _follower_series(snaps, launch.confirmed_at),
        },
        "inbox": _inbox(items, answers),
    }


def _group(rows: Mapping[tuple[str, str, str], _Sum], index: int) -> dict[str, Any]:
    out: dict[str, _Sum] = {}
    for key, acc in rows.items():
        slot = out.setdefault(key[index], _Sum())
        slot.posts += acc.posts
        slot.measured += acc.measured
        slot.removed += acc.removed
        slot.inbox += acc.inbox
        for m in METRICS:
            if acc.values[m] is not None:
                slot.values[m] = (slot.values[m] or 0) + (acc.values[m] or 0)
    return {k: v.doc() for k, v in sorted(out.items())}


def _followers(accounts: Iterable[Any], snaps: Iterable[Snapshot]) -> list[dict[str, Any]]:
    per: dict[tuple[str, str], list[Snapshot]] = {}
    for s in snaps:
        if s.post_id is None:
            per.setdefault((s.platform, s.locale), []).append(s)
    out = []
    for a in accounts:
        seen = [s for s in per.get((a.platform, a.locale), []) if s.followers is not None]
        why = next(
            (s.unavailable.get("followers") for s in per.get((a.platform, a.locale), [])),
            None,
        )
        first = seen[0] if seen else None
        last = seen[-1] if seen else None
        baseline = 0 if a.created else (first.followers if first else None)
        out.append(
            {
                "platform": a.platform,
                "locale": a.locale,
                "handle": a.handle,
                "created": a.created,
                "baseline": baseline,
                "baseline_at": None if a.created or first is None else iso(first.taken_at),
                "followers": last.followers if last else None,
                "measured_at": iso(last.taken_at) if last else None,
                "gained": (last.followers - baseline)
                if last is not None and last.followers is not None and baseline is not None
                else None,
                "unavailable": None if seen else (why or "not measured yet"),
            }
        )
    return out


def _ages(post_snaps: Mapping[int, list[Snapshot]], posts: Iterable[Any]) -> list[dict[str, Any]]:
    labels: dict[str, list[Snapshot]] = {}
    for ss in post_snaps.values():
        for s in ss:
            if s.age:
                labels.setdefault(s.age, []).append(s)
    total = sum(1 for _ in posts)
    out = []
    for label, ss in sorted(labels.items(), key=lambda kv: min(s.taken_at for s in kv[1])):
        values = [engagement(s) for s in ss]
        known = [v for v in values if v is not None]
        out.append(
            {
                "age": label,
                "posts": len(ss),
                "of": total,
                "engagement": sum(known) if known else None,
            }
        )
    return out


def _series(
    posts: Iterable[Any], post_snaps: Mapping[int, list[Snapshot]], start: float, index: int
) -> dict[str, list[list[float]]]:
    """group -> [[hours since confirmation, engagement], ...] at every snapshot moment."""
    group_of = {p.id: (p.locale, p.platform)[index] for p in posts}
    events = sorted(
        (s.taken_at, s.id, pid, engagement(s))
        for pid, ss in post_snaps.items()
        if pid in group_of
        for s in ss
    )
    current: dict[int, int] = {}
    out: dict[str, list[list[float]]] = {}
    for at, _, pid, value in events:
        if value is None:
            continue
        current[pid] = value
        group = group_of[pid]
        total = sum(v for p, v in current.items() if group_of[p] == group)
        points = out.setdefault(group, [])
        point = [round((at - start) / 3600.0, 3), float(total)]
        if points and points[-1][0] == point[0]:
            points[-1] = point
        else:
            points.append(point)
    return dict(sorted(out.items()))


def _follower_series(snaps: Iterable[Snapshot], start: float) -> dict[str, list[list[float]]]:
    current: dict[tuple[str, str], int] = {}
    out: dict[str, list[list[float]]] = {}
    for s in sorted((s for s in snaps if s.post_id is None), key=lambda s: (s.taken_at, s.id)):
        if s.followers is None:
            continue
        current[(s.platform, s.locale)] = s.followers
        total = sum(v for (plat, _), v in current.items() if plat == s.platform)
        points = out.setdefault(s.platform, [])
        point = [round((s.taken_at - start) / 3600.0, 3), float(total)]
        if points and points[-1][0] == point[0]:
            points[-1] = point
        else:
            points.append(point)
    return dict(sorted(out.items()))


def _inbox(items: list[Any], answers: list[Any]) -> dict[str, Any]:
    def counts(key: str) -> dict[str, int]:
        out: dict[str, int] = {}
        for i in items:
            k = str(getattr(i, key) or "unknown")
            out[k] = out.get(k, 0) + 1
        return dict(sorted(out.items()))

    sent = [a for a in answers if a.post_state == "sent"]
    return {
        "items": len(items),
        "by_kind": counts("kind"),
        "by_language": counts("language"),
        "by_state": counts("state"),
        "answers": len(answers),
        "answers_sent": len(sent),
        "latest": [i.as_dict() for i in items[:12]],
    }


CSV_COLUMNS = (
    "locale",
    "platform",
    "message",
    "posts",
    "measured",
    "removed",
    "inbox",
    *METRICS,
    "engagement",
)


def as_csv(report: Mapping[str, Any]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for row in report["rows"]:
        writer.writerow(["" if row.get(c) is None else row.get(c) for c in CSV_COLUMNS])
    return buf.getvalue()
