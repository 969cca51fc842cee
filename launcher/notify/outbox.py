"""The notification outbox: from the audit chain to rows to send, then sent, retried, given up.

:func:`collect` reads the audit chain past the ``notified`` mark (so an event is turned into
notifications once, whichever process gets there first: the mark is locked like a claim) and
writes one ``notifications`` row per destination, in the same transaction that moves the
mark. Only what still needs a person is announced: a launch that is no longer awaiting
approval, or posts that were retried meanwhile, are not. Whoever should hear but cannot be
reached (no contact, no e-mail sender configured) is named in the audit log
(``notification.unreachable``).

:func:`deliver` claims due rows (a lease, as for posts), sends each through apprise, and
records ``notification.sent`` or ``notification.failed`` (the cause, redacted; the next
attempt or that it gave up after ``attempts``) in the audit log. It never raises for a
destination that fails, and it stops at its deadline: what is left is sent later.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, and_, func, or_, select, update

from ..errors import LauncherError, redact
from ..ledger.records import AccountRecord, LaunchRecord, PostRecord
from ..ledger.schema import (
    accounts,
    audit_marks,
    event_chain,
    events,
    launches,
    notifications,
    posts,
    proposals,
)
from . import compose
from .config import NotifyConfig
from .send import destination_for_email, label, resolve_url, send

NOTIFIED = "notified"
ACTOR = "notify"
#: chain actions that may need a person, and the topic they become
ACTIONS = {
    "launch.awaiting-approval": "approval-request",
    "launch.emergency-override": "emergency-override",
    "post.failed": "posts-failed",
    "post.expired": "posts-failed",
    "account.failed": "account-failed",
    # a feed's watcher found something (launcher.feeds): a person decides on it
    "proposal.launch": "proposal",
    "proposal.correction": "proposal",
    "proposal.halt": "proposal",
    "launch.auto": "auto-launch",
}
#: seconds before attempt n+1 (the last value repeats)
BACKOFF = (30.0, 120.0, 600.0, 1800.0, 3600.0)
LEASE = 120.0

Destination = tuple[str | None, str]  # (person id or None for a channel, destination)


@dataclass
class Collected:
    messages: int = 0
    rows: int = 0
    unreachable: list[str] = field(default_factory=list)


@dataclass
class Delivery:
    sent: list[tuple[str | None, str]] = field(default_factory=list)  # (person, label)
    failed: list[tuple[str | None, str, str]] = field(default_factory=list)  # + error
    left: int = 0  # due but not tried before the deadline


# -- audience ---------------------------------------------------------------------------------
def _audience(topic: str, people: Any, *, exclude: Sequence[str] = ()) -> list[Any]:
    if people is None:
        return []
    roles = {
        "approval-request": ("launch-approver",),
        "emergency-override": ("launch-approver", "emergency"),
    }.get(topic, ("launcher",))
    return [p for p in people.with_role(*roles) if p.id not in exclude]


def destinations(
    topic: str, people: Any, config: NotifyConfig, *, exclude: Sequence[str] = ()
) -> tuple[list[Destination], list[str]]:
    """(where a topic's message goes, the people who should hear but cannot be reached)."""
    out: list[Destination] = []
    unreachable: list[str] = []
    for person in _audience(topic, people, exclude=exclude):
        mine = [(person.id, ref) for ref in person.notify]
        if config.email:
            mine += [(person.id, destination_for_email(a)) for a in person.emails]
        if not mine:
            why = "e-mail only, and no notifications.email sender" if person.emails else "none"
            unreachable.append(f"{person.label()} (contacts: {why})")
        out += mine
    out += [(None, ref) for ref in config.also.get(topic, ())]
    return out, unreachable


# -- collecting -------------------------------------------------------------------------------
def collect(
    ledger: Any, people: Any, config: NotifyConfig, *, now: float, limit: int = 5000
) -> Collected:
    """Turn the audit chain's new events into notification rows (see the module docstring)."""
    from ..audit.chain import HEAD

    done = Collected()
    with ledger.engine.connect() as conn:  # nothing new: no write transaction at all
        marks = dict(
            conn.execute(
                select(audit_marks.c.name, audit_marks.c.seq).where(
                    audit_marks.c.name.in_((NOTIFIED, HEAD))
                )
            ).all()
        )
    if NOTIFIED in marks and marks[NOTIFIED] >= marks.get(HEAD, 0):
        return done
    with ledger.writer.begin() as conn:
        mark = conn.execute(
            select(audit_marks.c.seq).where(audit_marks.c.name == NOTIFIED).with_for_update()
        ).scalar()
        if mark is None:
            conn.execute(audit_marks.insert().values(name=NOTIFIED, seq=0, hash="", event_id=0))
            mark = 0
        head = conn.execute(
            select(audit_marks.c.seq, audit_marks.c.hash).where(audit_marks.c.name == HEAD)
        ).first()
        head_seq = int(head[0]) if head else 0
        rows = conn.execute(
            select(event_chain.c.seq, event_chain.c.hash, events)
            .join(events, events.c.id == event_chain.c.event_id)
            .where(
                event_chain.c.seq > mark,
                event_chain.c.seq <= head_seq,
                events.c.action.in_(list(ACTIONS)),
            )
            .order_by(event_chain.c.seq)
            .limit(limit)
        ).all()
        upto = int(rows[-1][0]) if len(rows) == limit else head_seq
        for message, exclude, link in _messages(conn, rows, people, config):
            found, unreachable = destinations(message.topic, people, config, exclude=exclude)
            done.messages += 1
            done.unreachable += unreachable
            _queue(ledger, conn, message, found, unreachable, now=now, seq=link)
            done.rows += len(found)
        conn.execute(
            update(audit_marks).where(audit_marks.c.name == NOTIFIED).values(seq=max(upto, mark))
        )
    return done


def _queue(
    ledger: Any,
    conn: Any,
    message: compose.Message,
    found: Sequence[Destination],
    unreachable: list[str],
    *,
    now: float,
    seq: int | None = None,
) -> None:
    """Queue ``message`` for the destinations found; who could not be reached (or that nobody
    could) is named in the audit log, in the same transaction."""
    if unreachable or not found:
        ledger._event(
            conn,
            at=now,
            actor=ACTOR,
            action="notification.unreachable",
            launch_id=message.launch_id,
            topic=message.topic,
            people=unreachable,
            destinations=len(found),
        )
    _insert(conn, message, found, now=now, seq=seq)


def _insert(
    conn: Connection,
    message: compose.Message,
    found: Sequence[Destination],
    *,
    now: float,
    seq: int | None = None,
) -> None:
    if not found:
        return
    conn.execute(
        notifications.insert(),
        [
            {
                "topic": message.topic,
                "launch_id": message.launch_id,
                "seq": seq,
                "person": person,
                "destination": dest,
                "subject": message.subject,
                "body": message.body,
                "state": "pending",
                "attempts": 0,
                "next_at": now,
                "created_at": now,
                "updated_at": now,
            }
            for person, dest in found
        ],
    )


def _messages(
    conn: Connection, rows: Sequence[Any], people: Any, config: NotifyConfig
) -> list[tuple[compose.Message, list[str], int]]:
    """One message per launch and topic among ``rows``, if it still needs a person."""
    grouped: dict[tuple[str, str], list[Any]] = {}
    out = []
    for row in rows:
        m = row._mapping
        topic = ACTIONS[m["action"]]
        if topic == "proposal":  # one message each: a launch proposal has no launch yet
            built = _proposal(conn, m, config)
            if built is not None:
                out.append((built, [], int(m[event_chain.c.seq])))
            continue
        if m["launch_id"] is None:
            continue
        grouped.setdefault((topic, m["launch_id"]), []).append(m)
    for (topic, lid), found in grouped.items():
        rec = conn.execute(select(launches).where(launches.c.id == lid)).first()
        if rec is None:
            continue
        launch = LaunchRecord.from_row(rec)
        last = found[-1]
        head = (int(last[event_chain.c.seq]), str(last[event_chain.c.hash]))
        built = _build(conn, topic, launch, found, people, config, head)
        if built is not None:
            out.append((built[0], built[1], head[0]))
    return out


def _build(
    conn: Connection,
    topic: str,
    launch: LaunchRecord,
    found: list[Any],
    people: Any,
    config: NotifyConfig,
    head: tuple[int, str],
) -> tuple[compose.Message, list[str]] | None:
    url = config.console_url
    if topic == "approval-request":
        if launch.state != "awaiting-approval":
            return None  # decided meanwhile: nothing to ask
        counts = dict(
            conn.execute(
                select(posts.c.state, func.count())
                .where(posts.c.launch_id == launch.id)
                .group_by(posts.c.state)
            ).all()
        )
        platforms = sorted(
            conn.execute(
                select(accounts.c.platform).where(accounts.c.launch_id == launch.id).distinct()
            ).scalars()
        )
        n_accounts = conn.execute(
            select(func.count()).where(accounts.c.launch_id == launch.id)
        ).scalar()
        first = conn.execute(
            select(func.min(posts.c.due_at)).where(posts.c.launch_id == launch.id)
        ).scalar()
        runner = people.person(launch.created_by) if people is not None else None
        ran_by = runner.label() if runner else f"{launch.created_by} (not verified)"
        message = compose.approval_request(
            launch,
            counts=counts,
            accounts=int(n_accounts or 0),
            platforms=platforms,
            first_due=first,
            ran_by=ran_by,
            console_url=url,
            head=head,
        )
        return message, [launch.created_by]
    if topic == "emergency-override":
        detail = json.loads(found[-1]["detail"] or "{}")
        actor = found[-1]["actor"]
        message = compose.emergency_override(
            launch, reason=str(detail.get("reason", "")), actor=actor, console_url=url, head=head
        )
        return message, [actor]
    if topic == "auto-launch":
        detail = json.loads(found[-1]["detail"] or "{}")
        message = compose.auto_launch(
            launch,
            proposal=str(detail.get("proposal", "")),
            trigger=str(detail.get("trigger", "")),
            reasons=[str(r) for r in detail.get("reasons") or []],
            console_url=url,
            head=head,
        )
        return message, []
    if topic == "posts-failed":
        ids = sorted({int(m["post_id"]) for m in found if m["post_id"] is not None})
        still = [
            PostRecord.from_row(r)
            for r in conn.execute(
                select(posts)
                .where(posts.c.id.in_(ids), posts.c.state.in_(("failed", "expired")))
                .order_by(posts.c.id)
            )
        ]
        if not still:
            return None  # retried meanwhile
        return compose.posts_failed(launch, still, console_url=url, head=head), []
    failed = [
        AccountRecord.from_row(r)
        for r in conn.execute(
            select(accounts).where(accounts.c.launch_id == launch.id, accounts.c.state == "failed")
        )
    ]
    if not failed:
        return None
    return compose.account_failed(launch, failed, console_url=url, head=head), []


def _proposal(conn: Connection, event: Any, config: NotifyConfig) -> compose.Message | None:
    """The message of a proposal a feed made, if it is still open (decided meanwhile, or
    accepted by ``auto: true`` at once: nothing to ask)."""
    detail = json.loads(event["detail"] or "{}")
    ref = str(detail.get("proposal", ""))
    if not ref.startswith("p") or not ref[1:].isdigit():
        return None
    row = conn.execute(select(proposals).where(proposals.c.id == int(ref[1:]))).first()
    if row is None or row._mapping["state"] != "open":
        return None
    head = (int(event[event_chain.c.seq]), str(event[event_chain.c.hash]))
    return compose.proposal(row._mapping, console_url=config.console_url, head=head)


def enqueue(
    ledger: Any, message: compose.Message, found: Sequence[Destination], *, now: float
) -> int:
    """Queue ``message`` for ``found`` destinations (sent by the next :func:`deliver`)."""
    with ledger.writer.begin() as conn:
        _insert(conn, message, found, now=now)
    return len(found)


def notify_duty_officers(
    ledger: Any,
    root: Any,
    settings: Any,
    *,
    subject: str,
    body: str,
    now: float,
    launch_id: str | None = None,
    topic: str = "proposal",
) -> int:
    """Queue a message for the duty officers (people with the role ``launcher``, and the
    settings' ``also`` destinations of ``topic``): for capabilities outside the launch path,
    such as a feed proposing a launch. Returns the destinations queued; who could not be
    reached is named in the audit log."""
    from ..people.registry import load_people
    from .config import config_of

    config = config_of(settings)
    found, unreachable = destinations(topic, load_people(root), config)
    message = compose.Message(topic, launch_id, subject, body)
    with ledger.writer.begin() as conn:
        _queue(ledger, conn, message, found, unreachable, now=now)
    return len(found)


# -- delivering -------------------------------------------------------------------------------
def _due(now: float) -> Any:
    return or_(
        and_(notifications.c.state == "pending", notifications.c.next_at <= now),
        and_(notifications.c.state == "sending", notifications.c.claim_until < now),
    )


def deliver(
    ledger: Any,
    config: NotifyConfig,
    *,
    now: float,
    clock: Callable[[], float] = time.time,
    deadline: float | None = None,
    sender: Callable[[str, str, str], str | None] = send,
    workers: int = 4,
    batch: int = 100,
) -> Delivery:
    """Send what is due (see the module docstring). ``deadline`` is a ``clock()`` value."""
    out = Delivery()
    with ledger.engine.connect() as conn:
        ids = list(
            conn.execute(
                select(notifications.c.id)
                .where(_due(now))
                .order_by(notifications.c.id)
                .limit(batch)
            ).scalars()
        )
    if not ids:
        return out

    results: dict[int, tuple[str | None, str, str | None]] = {}

    def one(nid: int) -> None:
        if deadline is not None and clock() > deadline:
            out.left += 1
            return
        row = _claim(ledger, nid, now)
        if row is None:
            return
        try:
            url = resolve_url(row.destination, config.email)
            error = sender(url, row.subject, row.body)
        except LauncherError as exc:
            error = redact(exc.message)
        except Exception as exc:  # a notification must never take a command down
            error = redact(f"{type(exc).__name__}: {exc}")
        _record(ledger, row, error, now=now, attempts=config.attempts)
        results[nid] = (row.person, label(row.destination), error)

    if workers <= 1 or len(ids) == 1:
        for nid in ids:
            one(nid)
    else:
        with ThreadPoolExecutor(min(workers, len(ids)), thread_name_prefix="notify") as pool:
            list(pool.map(one, ids))
    for nid in ids:  # in the order they were queued, whichever finished first
        if nid in results:
            person, where, error = results[nid]
            if error is None:
                out.sent.append((person, where))
            else:
                out.failed.append((person, where, error))
    return out


def _claim(ledger: Any, nid: int, now: float) -> Any:
    with ledger.writer.begin() as conn:
        n = conn.execute(
            update(notifications)
            .where(notifications.c.id == nid, _due(now))
            .values(
                state="sending",
                claim_until=now + LEASE,
                attempts=notifications.c.attempts + 1,
                updated_at=now,
            )
        ).rowcount
        if not n:
            return None
        return conn.execute(select(notifications).where(notifications.c.id == nid)).first()


def _record(ledger: Any, row: Any, error: str | None, *, now: float, attempts: int) -> None:
    detail = {
        "topic": row.topic,
        "person": row.person,
        "destination": label(row.destination),
        "attempt": row.attempts,
    }
    with ledger.writer.begin() as conn:
        if error is None:
            values: dict[str, Any] = {"state": "sent", "error": None}
            action = "notification.sent"
        elif row.attempts >= attempts:
            values = {"state": "failed", "error": error}
            action = "notification.failed"
            detail.update(error=error, gave_up=True)
        else:
            wait = BACKOFF[min(row.attempts - 1, len(BACKOFF) - 1)]
            values = {"state": "pending", "error": error, "next_at": now + wait}
            action = "notification.failed"
            detail.update(error=error, retry_at=now + wait)
        conn.execute(
            update(notifications)
            .where(notifications.c.id == row.id)
            .values(claim_until=None, updated_at=now, **values)
        )
        ledger._event(conn, at=now, actor=ACTOR, action=action, launch_id=row.launch_id, **detail)
