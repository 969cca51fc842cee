"""The hash chain over the ledger's ``events``: linked at commit time, verified on demand.

Each event gets one link in ``event_chain`` (schema v9), numbered in the order events were
committed (``seq``):

- ``digest``: SHA-256 of the event as stored (id, time, actor, launch, post, action, detail);
- ``prev_hash``: the previous link's ``hash`` (64 zeros for the first);
- ``body`` (not stored): SHA-256 of ``prev_hash``, ``seq`` and ``digest``: it commits to the
  whole history up to this event;
- ``signature``: when the event's actor is the verified person of the current command
  (:mod:`.signer`), their Ed25519 signature of ``body``, with ``key_id``;
- ``hash``: SHA-256 of ``body``, ``key_id`` and ``signature``: what the next link carries.

Linking happens in one place, a ``commit`` hook on the ledger's engine, so no code path that
writes events can forget it: right before a write transaction commits, the events it inserted
(:func:`insert_events` remembers their ids; an insert that bypassed it is found by id) are
linked under a lock on the chain's head row (``audit_marks``; ``FOR UPDATE`` on PostgreSQL,
where concurrent daemons commit in any order; SQLite serialises writers already). The lock is
taken last, at commit, so it never waits on a lock held by someone waiting for it.

What the chain proves, and what it does not: an event edited, deleted, moved or slipped into
the database afterwards breaks the chain at that event, and :func:`verify_chain` names it.
Someone who can write the database could recompute every later link of *unsigned* events;
they cannot re-sign a person's events without that person's key (a signature covers the
whole chain before it), and a head hash printed earlier (``log --verify`` prints it, each
notification carries it) exposes any rewrite of what came before it.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, bindparam, event, func, or_, select

from ..ledger import plainsql
from ..ledger.schema import audit_marks, event_chain, events
from .signer import CONTEXT_SIGNER, Signer, current_signer

GENESIS = "0" * 64
#: the chain's head row in ``audit_marks``
HEAD = "chain"
#: where a connection keeps the ids of the events its transaction inserted
_PENDING = "launcher_audit_pending"
#: who signs each pending event: the signer of the thread that inserted it. On SQLite several
#: threads' writes may share one commit (ledger/groupcommit.py), made by whichever of them is
#: last, so the committing thread's own signer is not every event's
_SIGNERS = "launcher_audit_signers"
_INSERT = events.insert().returning(events.c.id)
#: how far from its place a moved event is looked for, to say "reordered" rather than "edited"
MOVE_WINDOW = 200


# -- hashing ----------------------------------------------------------------------------------
def canonical(row: Mapping[str, Any]) -> bytes:
    """The bytes of an event as stored, in one fixed form."""
    body = {
        "id": int(row["id"]),
        "at": float(row["at"]),
        "actor": row["actor"],
        "launch_id": row["launch_id"],
        "post_id": None if row["post_id"] is None else int(row["post_id"]),
        "action": row["action"],
        "detail": row["detail"],
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def _sha(text: str | bytes) -> str:
    return hashlib.sha256(text.encode() if isinstance(text, str) else text).hexdigest()


def digest_of(row: Mapping[str, Any]) -> str:
    return _sha(canonical(row))


def body_hash(prev_hash: str, seq: int, digest: str) -> str:
    return _sha(f"{prev_hash}\n{seq}\n{digest}")


def link_hash(body: str, key_id: str | None, signature: str | None) -> str:
    return _sha(f"{body}\n{key_id or ''}\n{signature or ''}")


# -- inserting and linking --------------------------------------------------------------------
def insert_events(
    conn: Connection, rows: Sequence[Mapping[str, Any]], *, signer: Any = CONTEXT_SIGNER
) -> list[int]:
    """Insert audit events (``at``, ``actor``, ``action``, ``launch_id``, ``post_id``,
    ``detail``); they are linked into the chain when the transaction commits, signed by
    ``signer`` (default: the calling context's; given by a write another thread executes)."""
    if not rows:
        return []
    if len(rows) == 1:
        ids = [int(plainsql.execute(conn, _INSERT, rows[0]).scalar_one())]
    else:  # one statement for many rows (insertmanyvalues), ids returned
        ids = [int(i) for i in conn.execute(_INSERT, [dict(r) for r in rows]).scalars()]
    conn.info.setdefault(_PENDING, []).extend(ids)
    if signer is CONTEXT_SIGNER:
        signer = current_signer()
    if signer is not None:
        conn.info.setdefault(_SIGNERS, {}).update(dict.fromkeys(ids, signer))
    return ids


# statements built once: the hook runs at every commit that records events
_HEAD = (
    select(audit_marks.c.seq, audit_marks.c.hash, audit_marks.c.event_id)
    .where(audit_marks.c.name == HEAD)
    .with_for_update()
)
_NEWER = select(events).where(events.c.id > bindparam("last")).order_by(events.c.id)
_PENDING_OR_NEWER = (
    select(events)
    .where(or_(events.c.id > bindparam("last"), events.c.id.in_(bindparam("ids", expanding=True))))
    .order_by(events.c.id)
)
_LINK = event_chain.insert()
_MOVE_HEAD = (
    audit_marks.update()
    .where(audit_marks.c.name == HEAD)
    .values(seq=bindparam("s"), hash=bindparam("h"), event_id=bindparam("e"))
)


def install(engine: Engine) -> None:
    """Link every write transaction's events right before it commits (idempotent)."""
    if getattr(engine, "_launcher_chain", False):
        return
    event.listen(engine, "commit", _on_commit)
    event.listen(engine, "rollback", _on_rollback)
    engine._launcher_chain = True  # type: ignore[attr-defined]


def _on_rollback(conn: Connection) -> None:
    conn.info.pop(_PENDING, None)
    conn.info.pop(_SIGNERS, None)


def _on_commit(conn: Connection) -> None:
    pending = conn.info.pop(_PENDING, None) or []
    signers = conn.info.pop(_SIGNERS, None) or {}
    if not pending:  # a commit without tracked events: anything inserted around the helper?
        linked, newest = conn.execute(
            select(
                select(audit_marks.c.event_id).where(audit_marks.c.name == HEAD).scalar_subquery(),
                select(func.max(events.c.id)).scalar_subquery(),
            )
        ).one()
        if newest is None or (linked is not None and newest <= linked):
            return
    link_new(conn, pending, signers)


def link_new(
    conn: Connection, pending: Iterable[int] = (), signers: Mapping[int, Signer] | None = None
) -> int:
    """Link ``pending`` and every event newer than the chain's last one; returns how many.
    Runs inside the caller's transaction, holding the head row until it commits."""
    head = conn.execute(_HEAD).first()
    if head is None:  # a ledger whose chain was never started (migration step 9 starts it)
        conn.execute(audit_marks.insert().values(name=HEAD, seq=0, hash=GENESIS, event_id=0))
        seq, prev, last_event = 0, GENESIS, 0
    else:
        seq, prev, last_event = int(head[0]), str(head[1]), int(head[2])
    # this transaction's events, and any newer than the chain's newest (one written around
    # insert_events): none of them can be linked yet, the head being the newest linked
    ids = sorted(set(pending))
    rows = conn.execute(
        _PENDING_OR_NEWER if ids else _NEWER, {"last": last_event, "ids": ids}
    ).all()
    if not rows:
        return 0
    current = current_signer()
    signers = signers or {}
    links = []
    for row in rows:
        m = row._mapping
        seq += 1
        digest = digest_of(m)
        body = body_hash(prev, seq, digest)
        signer = signers.get(int(m["id"]), current)
        key_id = signature = None
        if signer is not None and m["actor"] == signer.person:
            key_id = signer.key_id
            signature = base64.b64encode(signer.sign(body.encode())).decode()
        link = link_hash(body, key_id, signature)
        links.append(
            {
                "seq": seq,
                "event_id": int(m["id"]),
                "digest": digest,
                "prev_hash": prev,
                "hash": link,
                "key_id": key_id,
                "signature": signature,
            }
        )
        prev = link
        last_event = max(last_event, int(m["id"]))
    conn.execute(_LINK, links)
    conn.execute(_MOVE_HEAD, {"s": seq, "h": prev, "e": last_event})
    return len(links)


# -- verification -----------------------------------------------------------------------------
@dataclass(frozen=True)
class PublicKey:
    """A key the chain's signatures are checked against (from people.yaml)."""

    key_id: str
    person: str
    public: bytes
    revoked_at: float | None = None


@dataclass(frozen=True)
class Link:
    """A link as verified: its event (None when the event row is gone) and who signed it."""

    seq: int
    event_id: int
    hash: str
    key_id: str | None
    signed_by: str | None  # the person whose valid signature it carries


@dataclass(frozen=True)
class BrokenLink:
    seq: int | None
    event_id: int | None
    kind: str  # edited | moved | removed | reordered | inserted | forged | unknown-key | cut
    message: str


@dataclass
class ChainReport:
    links: int = 0
    signed: int = 0
    head_seq: int = 0
    head_hash: str = GENESIS
    problems: list[BrokenLink] = field(default_factory=list)
    signatures: dict[int, str] = field(default_factory=dict)  # event id -> verified person

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def first(self) -> BrokenLink | None:
        return self.problems[0] if self.problems else None

    def as_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "links": self.links,
            "signed": self.signed,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "first_broken": None if self.first is None else self.first.__dict__,
            "problems": [p.__dict__ for p in self.problems],
        }


def _describe(m: Mapping[str, Any]) -> str:
    from ..ledger.records import iso

    where = f" {m['launch_id']}" if m.get("launch_id") else ""
    return f"{m['action']}{where} by {m['actor']} at {iso(m['at'])}"


def check_signature(
    body: str,
    key_id: str | None,
    signature: str | None,
    actor: str,
    keys: Mapping[str, PublicKey],
    at: float,
) -> tuple[str | None, str | None]:
    """(the person who validly signed, the problem) for one link's signature."""
    from nacl.exceptions import BadSignatureError
    from nacl.signing import VerifyKey

    if not key_id and not signature:
        return None, None
    key = keys.get(key_id or "")
    if key is None:
        return None, f"signed with key {key_id}, which people.yaml does not list"
    try:
        VerifyKey(key.public).verify(body.encode(), base64.b64decode(signature or ""))
    except (BadSignatureError, ValueError, TypeError):
        return None, f"its signature (key {key_id} of {key.person}) does not verify: forged"
    if key.person != actor:
        return None, f"recorded as acted by {actor!r} but signed by {key.person}"
    if key.revoked_at is not None and at >= key.revoked_at:
        return None, f"signed with {key.person}'s key {key_id} after it was revoked"
    return key.person, None


def verify_chain(
    conn: Connection,
    keys: Mapping[str, PublicKey] | None = None,
    *,
    anchors: Sequence[tuple[int, str]] = (),
    batch: int = 2000,
) -> ChainReport:
    """Walk the chain from its first link; report every break, the first one first."""
    keys = keys or {}
    report = ChainReport()
    wanted = dict(anchors)
    prev, expected_seq = GENESIS, 1
    q = (
        select(event_chain, events)
        .select_from(event_chain.outerjoin(events, events.c.id == event_chain.c.event_id))
        .order_by(event_chain.c.seq)
    )
    for row in conn.execution_options(yield_per=batch).execute(q):
        m = row._mapping
        seq, eid = int(m[event_chain.c.seq]), int(m[event_chain.c.event_id])
        report.links += 1

        def broken(kind: str, message: str, *, _seq: int = seq, _eid: int = eid) -> None:
            report.problems.append(BrokenLink(_seq, _eid, kind, message))

        if seq != expected_seq:
            broken(
                "removed",
                f"links {expected_seq}..{seq - 1} are missing before event #{eid}:"
                " events were removed together with their links",
            )
        if m[event_chain.c.prev_hash] != prev:
            broken(
                "reordered",
                f"event #{eid} (link {seq}) does not follow the link before it:"
                " links were removed, reordered or rewritten",
            )
        stored = {c.name: m[c] for c in events.c}
        if stored["id"] is None:
            broken("removed", f"event #{eid} (link {seq}) was deleted from the events table")
        else:
            digest = digest_of(stored)
            if digest != m[event_chain.c.digest]:
                other = _moved_from(conn, stored, seq) if not report.problems else None
                if other is not None:
                    broken(
                        "moved",
                        f"event #{eid} now holds what was recorded as event"
                        f" #{other} ({_describe(stored)}): rows were reordered",
                    )
                else:
                    broken(
                        "edited",
                        f"event #{eid} ({_describe(stored)}) was edited after it was"
                        " recorded: it no longer matches its link",
                    )
        body = body_hash(m[event_chain.c.prev_hash], seq, m[event_chain.c.digest])
        if (
            link_hash(body, m[event_chain.c.key_id], m[event_chain.c.signature])
            != m[event_chain.c.hash]
        ):
            broken("edited", f"link {seq} (event #{eid}) was rewritten: its hash is not its own")
        if stored["id"] is not None and (m[event_chain.c.key_id] or m[event_chain.c.signature]):
            person, problem = check_signature(
                body,
                m[event_chain.c.key_id],
                m[event_chain.c.signature],
                stored["actor"],
                keys,
                float(stored["at"]),
            )
            if problem:
                broken(
                    "forged" if "forged" in problem else "unknown-key",
                    f"event #{eid} ({_describe(stored)}): {problem}",
                )
            elif person:
                report.signed += 1
                report.signatures[eid] = person
        if seq in wanted and wanted[seq] != m[event_chain.c.hash]:
            broken(
                "reordered",
                f"link {seq} (event #{eid}) is not the one recorded earlier"
                f" (hash {wanted[seq][:16]}...): the chain before it was rewritten",
            )
        prev, expected_seq = m[event_chain.c.hash], seq + 1
        report.head_seq, report.head_hash = seq, prev
    _check_head(conn, report)
    _check_unlinked(conn, report)
    missing = sorted(s for s in wanted if s > report.head_seq)
    for s in missing:
        report.problems.append(
            BrokenLink(
                s, None, "cut", f"link {s}, recorded earlier, is gone: the end of the chain was cut"
            )
        )
    report.problems.sort(key=lambda p: (p.seq is None, p.seq or 0))
    return report


def _moved_from(conn: Connection, stored: Mapping[str, Any], seq: int) -> int | None:
    """The id of another event whose recorded digest this content has (a row moved to
    another id), looked for among the links near this one."""
    near = select(event_chain.c.event_id, event_chain.c.digest).where(
        event_chain.c.seq.between(seq - MOVE_WINDOW, seq + MOVE_WINDOW)
    )
    for event_id, digest in conn.execute(near):
        if event_id != stored["id"] and digest == digest_of({**stored, "id": event_id}):
            return int(event_id)
    return None


def _check_head(conn: Connection, report: ChainReport) -> None:
    head = conn.execute(
        select(audit_marks.c.seq, audit_marks.c.hash).where(audit_marks.c.name == HEAD)
    ).first()
    if head is None:
        if report.links:
            report.problems.append(BrokenLink(None, None, "cut", "the chain's head is missing"))
        return
    if int(head[0]) != report.head_seq or head[1] != report.head_hash:
        report.problems.append(
            BrokenLink(
                report.head_seq + 1,
                None,
                "cut",
                f"the chain ends at link {report.head_seq} but its head says link {head[0]}:"
                " the last links were removed",
            )
        )


def _check_unlinked(conn: Connection, report: ChainReport) -> None:
    q = (
        select(events)
        .select_from(events.outerjoin(event_chain, event_chain.c.event_id == events.c.id))
        .where(event_chain.c.event_id.is_(None))
        .order_by(events.c.id)
        .limit(20)
    )
    for row in conn.execute(q):
        m = row._mapping
        report.problems.append(
            BrokenLink(
                None,
                int(m["id"]),
                "inserted",
                f"event #{m['id']} ({_describe(m)}) is in no link: it was written into the"
                " database behind launcher's back",
            )
        )


def signed_by(
    conn: Connection,
    launch_id: str,
    action: str,
    keys: Mapping[str, PublicKey],
    *,
    detail: Mapping[str, Any] | None = None,
) -> tuple[str | None, str | None]:
    """(the verified person who signed the launch's first ``action`` event, why not).

    ``detail``: the first such event whose detail holds these values (an answer's request
    among the launch's many: ``{"answer": 7}``). The event and its link are checked on their
    own (its digest, its link's hash, the signature over the chain before it), without
    walking the whole chain: four eyes asks this at every approval."""
    q = (
        select(events, event_chain)
        .select_from(events.outerjoin(event_chain, event_chain.c.event_id == events.c.id))
        .where(events.c.launch_id == launch_id, events.c.action == action)
        .order_by(events.c.id)
    )
    row = None
    for candidate in conn.execute(q if detail else q.limit(1)):
        if detail:
            try:
                said = json.loads(candidate._mapping[events.c.detail] or "{}")
            except ValueError:
                continue
            if not isinstance(said, dict) or any(said.get(k) != v for k, v in detail.items()):
                continue
        row = candidate
        break
    if row is None:
        return None, f"it has no {action} event"
    m = row._mapping
    if m[event_chain.c.seq] is None:
        return None, f"its {action} event is in no link of the audit chain"
    stored = {c.name: m[c] for c in events.c}
    digest = digest_of(stored)
    if digest != m[event_chain.c.digest]:
        return None, f"its {action} event was edited after it was recorded"
    body = body_hash(m[event_chain.c.prev_hash], int(m[event_chain.c.seq]), digest)
    key_id, signature = m[event_chain.c.key_id], m[event_chain.c.signature]
    if link_hash(body, key_id, signature) != m[event_chain.c.hash]:
        return None, f"the audit link of its {action} event was rewritten"
    if not key_id and not signature:
        return None, None
    return check_signature(body, key_id, signature, stored["actor"], keys, float(stored["at"]))
