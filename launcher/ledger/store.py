"""The ledger: launches, accounts, posts and the audit trail, in one database.

Every state change is one committed transaction that also writes its audit event, so the
ledger alone says what happened, by whom and when. The delivery half (claims, leases, sent,
failed) lives in :mod:`.delivery`; this module holds the rest.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from sqlalchemy import Connection, and_, bindparam, func, inspect, select, update

from ..audit import chain as audit_chain
from ..audit.signer import CONTEXT_SIGNER, current_signer
from ..errors import LedgerDamaged, LedgerError, NotFound
from .archives import ArchivesMixin
from .control import ControlMixin
from .delivery import DeliveryMixin
from .engine import default_url, describe, make_engines
from .failures import damaged, naming, translate
from .groupcommit import GroupWriter
from .groups import GroupsMixin
from .migrations import migrate
from .outcomes import OutcomesMixin
from .provisioning import ProvisioningMixin
from .records import AccountRecord, EventRecord, LaunchRecord, LaunchSummary, PostRecord
from .review import ReviewMixin
from .schema import accounts, events, launches, metadata, posts
from .sunsets import SunsetsMixin

F = TypeVar("F", bound=Callable[..., Any])


def _reading(fn: F) -> F:
    """A read whose records may meet a damaged row: the error then names the ledger file."""

    @functools.wraps(fn)
    def wrapper(self: Ledger, *args: Any, **kw: Any) -> Any:
        try:
            return fn(self, *args, **kw)
        except LedgerDamaged as exc:
            raise naming(exc, self.where) from None

    return wrapper  # type: ignore[return-value]


class Ledger(
    ControlMixin,
    ReviewMixin,
    DeliveryMixin,
    OutcomesMixin,
    ProvisioningMixin,
    ArchivesMixin,
    SunsetsMixin,
    GroupsMixin,
):
    """The ledger over one database URL (default: SQLite under the data dir).

    Opening it brings the schema up to date and checks that every table is there; a database
    that cannot be used raises :class:`~launcher.errors.LedgerUnavailable` (or
    ``LedgerDamaged``, saying how to restore the file) naming :attr:`where`.
    """

    def __init__(self, url: str | None = None, *, synchronous: str | None = None) -> None:
        self.url = url or default_url()
        #: the SQLite file, or the URL without its password: how messages name this ledger
        self.where = describe(self.url)
        kw = {"synchronous": synchronous} if synchronous else {}
        self.engine, self.writer = make_engines(self.url, **kw)
        try:
            self.version = migrate(self.writer)
        except OSError as exc:  # refused by the OS before the driver saw the file
            self.engine.dispose()
            raise translate(exc, ledger=self.where, sqlite=True) or exc from None
        missing = sorted(set(metadata.tables) - set(inspect(self.engine).get_table_names()))
        if missing:
            self.engine.dispose()
            raise damaged(
                f"it has no table {', '.join(missing)}: it is not a complete launcher ledger",
                self.where,
            )
        audit_chain.install(self.engine)  # every commit links its events into the chain
        if self.writer.dialect.name == "sqlite":  # one fsync for many threads' writes
            self.writer = GroupWriter(self.writer)  # type: ignore[assignment]

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- audit -----------------------------------------------------------------------------
    @staticmethod
    def _event(
        conn: Connection,
        *,
        at: float,
        actor: str,
        action: str,
        launch_id: str | None = None,
        post_id: int | None = None,
        signer: Any = CONTEXT_SIGNER,  # a write another thread runs: its own
        **detail: Any,
    ) -> None:
        audit_chain.insert_events(  # linked into the audit chain at commit
            conn,
            [
                {
                    "at": at,
                    "actor": actor,
                    "launch_id": launch_id,
                    "post_id": post_id,
                    "action": action,
                    "detail": json.dumps(detail, sort_keys=True, default=str),
                }
            ],
            signer=signer,
        )

    def record_event(self, *, at: float, actor: str, action: str, **kw: Any) -> None:
        """Record one audit event, durably. Under SQLite's group commit it is handed to the
        open group's committer (one statement needs no turn of its own), signed by this
        context's signer."""
        append = getattr(self.writer, "append", None)
        if append is None:
            with self.writer.begin() as conn:
                self._event(conn, at=at, actor=actor, action=action, **kw)
            return
        signer = current_signer()
        append(
            lambda conn: self._event(conn, at=at, actor=actor, action=action, signer=signer, **kw)
        )

    @_reading
    def events(
        self, launch_id: str | None = None, *, limit: int | None = None
    ) -> list[EventRecord]:
        q = select(events).order_by(events.c.id)
        if launch_id is not None:
            q = q.where(events.c.launch_id == launch_id)
        if limit is not None:
            q = select(events).order_by(events.c.id.desc()).limit(limit)
            if launch_id is not None:
                q = q.where(events.c.launch_id == launch_id)
        with self.engine.connect() as conn:
            rows = [EventRecord.from_row(r) for r in conn.execute(q)]
        return sorted(rows, key=lambda e: e.id)

    # -- launches --------------------------------------------------------------------------
    def create_launch(self, **launch: Any) -> None:
        """Record a launch with its accounts and posts in one transaction (the fields of
        :meth:`_insert_launch`)."""
        with self.writer.begin() as conn:
            self._insert_launch(conn, **launch)

    def create_launch_group(
        self,
        group_id: str,
        launches: Sequence[Mapping[str, Any]],
        *,
        playbook: str,
        selector: str,
        actor: str,
        now: float,
    ) -> None:
        """Record the launches of one ``run`` for several missions (each the fields of
        :meth:`_insert_launch`, and ``emergency``: the override's ``reason`` and
        ``reasons_skipped``, where the launch goes out without its second person) and their
        group, in one transaction: the group is recorded whole or not at all, with one commit
        (a commit waits for the disk: one a mission was half the time of recording 50)."""
        with self.writer.begin() as conn:
            for launch in launches:
                fields = dict(launch)
                emergency = fields.pop("emergency", None)
                self._insert_launch(conn, **fields)
                if emergency:
                    self._mark_emergency(
                        conn, fields["launch_id"], actor=actor, now=fields["now"], **emergency
                    )
            self._insert_group(
                conn,
                group_id,
                playbook=playbook,
                selector=selector,
                actor=actor,
                now=now,
                launch_ids=[str(launch["launch_id"]) for launch in launches],
            )

    def _insert_launch(
        self,
        conn: Connection,
        *,
        launch_id: str,
        playbook: str,
        mission: str,
        facts: Mapping[str, Any],
        actor: str,
        now: float,
        confirmed_at: float,
        plan_hash: str,
        plan_doc: Mapping[str, Any] | str | None,
        account_rows: Sequence[Mapping[str, Any]],
        post_rows: Sequence[Mapping[str, Any]],
        state: str = "active",
        timezone: str | None = None,
        kind: str = "crisis",
        note: Sequence[str] = (),
        repeat_key: str | None = None,
        also: Callable[[Connection], None] | None = None,
    ) -> None:
        """Write a launch with its accounts and posts in ``conn``'s transaction.

        ``plan_doc``: the plan's document, or its JSON text as written already.
        ``post_rows`` carry ``prev_key`` (the previous thread part's key, or None); the link
        is stored as ``reply_to_post_id`` so part n+1 waits for part n. ``state`` is
        ``active`` or ``awaiting-approval`` (with the reasons in ``note``); an active crisis
        launch freezes its mission's routine launches in the same transaction, so no crash
        can leave one half done. ``also`` writes more in that transaction (a sunset's steps).
        """
        if conn.execute(select(launches.c.id).where(launches.c.id == launch_id)).first():
            raise LedgerError(f"launch {launch_id} already exists")
        conn.execute(
            launches.insert().values(
                id=launch_id,
                playbook=playbook,
                mission=mission,
                facts=json.dumps(dict(facts), sort_keys=True, default=str),
                created_by=actor,
                created_at=now,
                confirmed_at=confirmed_at,
                state=state,
                plan_hash=plan_hash,
                plan=_plan_text(plan_doc),
                updated_at=now,
                timezone=timezone,
                kind=kind,
                note=json.dumps(list(note)) if note else None,
                repeat_key=repeat_key,
            )
        )
        if account_rows:
            conn.execute(
                accounts.insert(),
                [
                    {
                        "launch_id": launch_id,
                        "state": "pending",
                        "created": False,
                        "checklist": "[]",
                        "updated_at": now,
                        "attempts": 0,
                        **{k: v for k, v in a.items() if k != "links"},
                        "links": json.dumps([list(x) for x in a.get("links") or ()]),
                    }
                    for a in account_rows
                ],
            )
        rows = []
        for p in post_rows:
            row = {k: v for k, v in p.items() if k != "prev_key"}
            row.update(launch_id=launch_id, state="scheduled", attempts=0, updated_at=now)
            rows.append(row)
        if rows:
            conn.execute(posts.insert(), rows)
        links = [(p["key"], p["prev_key"]) for p in post_rows if p.get("prev_key")]
        if links:
            ids = dict(
                conn.execute(
                    select(posts.c.key, posts.c.id).where(posts.c.launch_id == launch_id)
                ).all()
            )
            conn.execute(
                update(posts)
                .where(posts.c.id == bindparam("pid"))
                .values(reply_to_post_id=bindparam("parent")),
                [{"pid": ids[k], "parent": ids[prev]} for k, prev in links],
            )
        self._event(
            conn,
            at=now,
            actor=actor,
            action="launch.created",
            launch_id=launch_id,
            playbook=playbook,
            mission=mission,
            facts=dict(facts),
            posts=len(rows),
            accounts=len(account_rows),
            plan_hash=plan_hash,
        )
        if state == "awaiting-approval":
            self._event(
                conn,
                at=now,
                actor=actor,
                action="launch.awaiting-approval",
                launch_id=launch_id,
                reasons=list(note),
            )
        elif state == "active" and kind == "crisis":
            self._freeze(conn, mission, except_launch=launch_id, actor=actor, now=now)
        if also is not None:
            also(conn)

    @_reading
    def resolve(self, ref: str) -> LaunchRecord:
        """A launch by id or by a unique id prefix (never by an empty one: ``retract ""``,
        from a shell variable left unset, would otherwise match a ledger's only launch)."""
        if not ref.strip():
            raise LedgerError(
                "no launch given (the launch id is empty)",
                hint="give a launch id or a prefix of one: `launcher status` lists the launches",
            )
        with self.engine.connect() as conn:
            row = conn.execute(select(launches).where(launches.c.id == ref)).first()
            if row is None:
                found = conn.execute(
                    select(launches)
                    .where(launches.c.id.like(_like_prefix(ref), escape="\\"))
                    .limit(2)
                ).all()
                if len(found) == 1:
                    row = found[0]
                elif len(found) > 1:
                    raise LedgerError(
                        f"{ref!r} matches several launches", hint="give more of the id"
                    )
        if row is None:
            raise NotFound(f"no launch {ref!r}", hint="`launcher status` lists the launches")
        return LaunchRecord.from_row(row)

    def launch_ids(self, *, state: str | None = None) -> list[str]:
        q = select(launches.c.id).order_by(launches.c.created_at)
        if state:
            q = q.where(launches.c.state == state)
        with self.engine.connect() as conn:
            return list(conn.execute(q).scalars())

    @_reading
    def summaries(self, launch_ids: Iterable[str] | None = None) -> list[LaunchSummary]:
        q = select(launches).order_by(launches.c.created_at)
        cq = select(posts.c.launch_id, posts.c.state, func.count()).group_by(
            posts.c.launch_id, posts.c.state
        )
        if launch_ids is not None:
            ids = list(launch_ids)
            q = q.where(launches.c.id.in_(ids))
            cq = cq.where(posts.c.launch_id.in_(ids))
        with self.engine.connect() as conn:
            recs = [LaunchRecord.from_row(r) for r in conn.execute(q)]
            counts: dict[str, dict[str, int]] = {}
            for lid, state, n in conn.execute(cq):
                counts.setdefault(lid, {})[state] = n
        return [LaunchSummary(r, counts.get(r.id, {})) for r in recs]

    @_reading
    def posts(self, launch_id: str) -> list[PostRecord]:
        q = select(posts).where(posts.c.launch_id == launch_id).order_by(posts.c.due_at, posts.c.id)
        with self.engine.connect() as conn:
            return [PostRecord.from_row(r) for r in conn.execute(q)]

    def find_repeat(self, repeat_key: str, *, since: float) -> LaunchRecord | None:
        """The latest launch with this repeat key created since ``since`` that was not
        rejected or retracted: the same playbook, mission and facts run again."""
        q = (
            select(launches)
            .where(
                launches.c.repeat_key == repeat_key,
                launches.c.created_at >= since,
                launches.c.state.not_in(("rejected", "retracted")),
            )
            .order_by(launches.c.created_at.desc())
            .limit(1)
        )
        with self.engine.connect() as conn:
            row = conn.execute(q).first()
        return LaunchRecord.from_row(row) if row else None

    def mission_posts(self, mission: str, *, since: float, until: float) -> list[dict[str, Any]]:
        """Posts of a mission's launches that went or will go out between ``since`` and
        ``until`` (sent, due or retrying): what an account's readers see around a new launch."""
        when = func.coalesce(posts.c.sent_at, posts.c.due_at)
        q = (
            select(
                posts.c.launch_id, posts.c.key, posts.c.platform, posts.c.locale, posts.c.text,
                posts.c.state, when.label("at"),
            )
            .join(launches, launches.c.id == posts.c.launch_id)
            .where(
                launches.c.mission == mission,
                posts.c.state.in_(("scheduled", "sending", "sent", "retrying")),
                when >= since,
                when <= until,
            )
        )  # fmt: skip
        with self.engine.connect() as conn:
            return [
                {"launch": r[0], "key": r[1], "platform": r[2], "locale": r[3], "text": r[4],
                 "state": r[5], "at": r[6]}
                for r in conn.execute(q)
            ]  # fmt: skip

    def in_flight(self, launch_ids: Iterable[str]) -> dict[str, int]:
        """Launch -> posts claimed for sending right now (``sending``)."""
        ids = list(launch_ids)
        q = (
            select(posts.c.launch_id, func.count())
            .where(posts.c.launch_id.in_(ids), posts.c.state == "sending")
            .group_by(posts.c.launch_id)
        )
        with self.engine.connect() as conn:
            return {lid: int(n) for lid, n in conn.execute(q)}

    @_reading
    def post(self, post_id: int) -> PostRecord:
        with self.engine.connect() as conn:
            row = conn.execute(select(posts).where(posts.c.id == post_id)).first()
        if row is None:
            raise LedgerError(f"no post {post_id}")
        return PostRecord.from_row(row)

    # -- accounts --------------------------------------------------------------------------
    @_reading
    def accounts(self, launch_id: str) -> list[AccountRecord]:
        q = select(accounts).where(accounts.c.launch_id == launch_id).order_by(accounts.c.id)
        with self.engine.connect() as conn:
            return [AccountRecord.from_row(r) for r in conn.execute(q)]

    def record_account(
        self,
        launch_id: str,
        platform: str,
        locale: str,
        *,
        state: str,
        actor: str,
        now: float,
        account_id: str | None = None,
        created: bool = False,
        checklist: Sequence[str] = (),
        error: str | None = None,
    ) -> None:
        where = and_(
            accounts.c.launch_id == launch_id,
            accounts.c.platform == platform,
            accounts.c.locale == locale,
        )
        with self.writer.begin() as conn:
            conn.execute(
                update(accounts)
                .where(where)
                .values(
                    state=state,
                    account_id=account_id,
                    created=created,
                    checklist=json.dumps(list(checklist)),
                    error=error,
                    updated_at=now,
                )
            )
            self._event(
                conn,
                at=now,
                actor=actor,
                action=f"account.{state}",
                launch_id=launch_id,
                platform=platform,
                locale=locale,
                created=created,
                checklist=list(checklist),
                error=error,
            )

    def account_ids(self, launch_id: str) -> dict[tuple[str, str], tuple[str, str | None]]:
        """(platform, locale) -> (handle, platform account id) for one launch."""
        return {k: (h, a) for k, (h, a, _) in self.account_refs(launch_id).items()}

    def account_refs(
        self, launch_id: str
    ) -> dict[tuple[str, str], tuple[str, str | None, dict[str, str]]]:
        """(platform, locale) -> (handle, platform account id, credential references the
        account got when launcher created it) for one launch."""
        q = select(
            accounts.c.platform,
            accounts.c.locale,
            accounts.c.handle,
            accounts.c.account_id,
            accounts.c.credentials,
        ).where(accounts.c.launch_id == launch_id)
        with self.engine.connect() as conn:
            return {
                (p, loc): (h, a, json.loads(c) if c else {}) for p, loc, h, a, c in conn.execute(q)
            }


def _like_prefix(ref: str) -> str:
    return ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _plan_text(doc: Mapping[str, Any] | str | None) -> str | None:
    """The JSON text of a launch's plan document (given as text: kept as it is)."""
    if not doc:
        return None
    return doc if isinstance(doc, str) else json.dumps(doc, sort_keys=True, default=str)


__all__ = ["Ledger", "default_url"]
