"""Accounts as work items: claimed, provisioned and recorded like posts.

An account is set up by whichever process gets to it first (``run`` right after recording
the launch, else the daemon), under a claim with a lease, so a ``run`` killed halfway through
provisioning strands nothing: the daemon takes the remaining accounts over. A platform fault
leaves the account ``retrying`` (its posts wait), a permanent failure fails its posts, loudly.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, and_, bindparam, or_, select, update
from sqlalchemy.sql.dml import Update

from . import plainsql
from .records import AccountRecord, iso
from .schema import accounts, launches, posts

if TYPE_CHECKING:
    from sqlalchemy import Engine


@dataclass(frozen=True)
class AccountClaim:
    """An account this worker now holds in ``provisioning``."""

    account: AccountRecord
    mission: str


_FINISH: dict[tuple[str, ...], Update] = {}


def _finish_statement(columns: tuple[str, ...]) -> Update:
    """The statement that records an account's set-up outcome in ``columns``, built once per
    set of columns (statements are compiled once each: :mod:`.plainsql`)."""
    stmt = _FINISH.get(columns)
    if stmt is None:
        stmt = _FINISH[columns] = (
            update(accounts)
            .where(
                accounts.c.id == bindparam("row_id"),
                accounts.c.state == "provisioning",
                accounts.c.claimed_by == bindparam("worker"),
            )
            .values({c: bindparam(f"v_{c}") for c in columns})
            .returning(accounts.c.launch_id, accounts.c.platform, accounts.c.locale)
        )
    return stmt


class ProvisioningMixin:
    engine: Engine
    writer: Engine

    @staticmethod
    def _event(conn: Connection, **kw: Any) -> None:  # provided by Ledger
        raise NotImplementedError

    def claim_accounts(
        self,
        *,
        worker: str,
        now: float,
        lease: float,
        limit: int = 20,
        launch_id: str | Iterable[str] | None = None,
        takeover: Iterable[str] = (),
        platforms: Iterable[str] | None = None,
    ) -> list[AccountClaim]:
        """Claim accounts of active launches that need setting up: pending ones, retrying
        ones whose next attempt is due, and ones whose provisioning claim expired or whose
        holder died (``takeover``); ``platforms``: only accounts on these (None: all)."""
        takeover = list(takeover)
        stale = or_(accounts.c.claim_until < now, accounts.c.claimed_by.in_(takeover))
        due = or_(
            accounts.c.state == "pending",
            and_(accounts.c.state == "retrying", accounts.c.retry_at <= now),
            and_(accounts.c.state == "provisioning", stale),
        )
        from .delivery import launch_scope, platform_scope

        conds = [
            due,
            launches.c.state == "active",
            *launch_scope(accounts.c.launch_id, launch_id),
            *platform_scope(accounts.c.platform, platforms),
        ]
        q = (
            select(accounts, launches.c.mission)
            .join(launches, launches.c.id == accounts.c.launch_id)
            .where(*conds)
            .order_by(accounts.c.id)
            .limit(limit)
        )
        with self.engine.connect() as conn:  # nothing to do: no write lock
            if conn.execute(q.with_only_columns(accounts.c.id).limit(1)).first() is None:
                return []
        if self.writer.dialect.name != "sqlite":
            q = q.with_for_update(of=accounts, skip_locked=True)
        with self.writer.begin() as conn:
            rows = conn.execute(q).all()
            if not rows:
                return []
            conn.execute(
                update(accounts)
                .where(accounts.c.id.in_([r._mapping["id"] for r in rows]))
                .values(
                    state="provisioning",
                    claimed_by=worker,
                    claim_until=now + lease,
                    attempts=accounts.c.attempts + 1,
                    updated_at=now,
                )
            )
        return [AccountClaim(AccountRecord.from_row(r), r._mapping["mission"]) for r in rows]

    def finish_account(
        self,
        row_id: int,
        *,
        worker: str,
        actor: str,
        now: float,
        state: str,
        account_id: str | None = None,
        created: bool = False,
        checklist: Sequence[str] = (),
        error: str | None = None,
        retry_at: float | None = None,
        credentials: Mapping[str, str] | None = None,
    ) -> bool:
        """Record how setting up a claimed account ended: ``active``, ``manual`` (a
        checklist), ``retrying`` (at ``retry_at``) or ``failed`` (its unsent posts fail with
        it). False when this worker no longer holds the account."""
        values: dict[str, Any] = {
            "state": state,
            "claimed_by": None,
            "claim_until": None,
            "retry_at": retry_at,
            "error": error,
            "updated_at": now,
        }
        if state != "retrying":
            values.update(account_id=account_id, created=created)
            values["checklist"] = json.dumps(list(checklist))
        if credentials:  # references (file: paths), never a secret
            values["credentials"] = json.dumps(dict(credentials), sort_keys=True)
        # one statement checks the claim is still this worker's and records the outcome
        # (a select first was a third of the statements of a fanned-out launch's set-ups)
        params = {"row_id": row_id, "worker": worker, **{f"v_{k}": v for k, v in values.items()}}
        with self.writer.begin() as conn:
            row = plainsql.execute(conn, _finish_statement(tuple(values)), params).first()
            if row is None:
                return False
            launch_id, platform, locale = row
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
                retry_at=iso(retry_at),
            )
            if state == "failed":
                self._fail_account_posts(
                    conn, launch_id, platform, locale, actor=actor, now=now, error=error
                )
        return True

    def _fail_account_posts(
        self,
        conn: Connection,
        launch_id: str,
        platform: str,
        locale: str,
        *,
        actor: str,
        now: float,
        error: str | None,
    ) -> int:
        reason = f"the {platform} account ({locale}) could not be set up: {error}"
        ids = list(
            conn.execute(
                select(posts.c.id).where(
                    posts.c.launch_id == launch_id,
                    posts.c.platform == platform,
                    posts.c.locale == locale,
                    posts.c.state.in_(("scheduled", "retrying", "halted")),
                )
            ).scalars()
        )
        if ids:
            conn.execute(
                update(posts)
                .where(posts.c.id.in_(ids))
                .values(state="failed", error=reason, retry_at=None, updated_at=now)
            )
            self._event(
                conn,
                at=now,
                actor=actor,
                action="posts.failed",
                launch_id=launch_id,
                platform=platform,
                locale=locale,
                posts=len(ids),
                reason=reason,
            )
        return len(ids)

    def release_accounts(self, row_ids: Sequence[int], *, worker: str, now: float) -> int:
        """Give claimed accounts back untried (stopping): pending again."""
        if not row_ids:
            return 0
        with self.writer.begin() as conn:
            return conn.execute(
                update(accounts)
                .where(
                    accounts.c.id.in_(list(row_ids)),
                    accounts.c.claimed_by == worker,
                    accounts.c.state == "provisioning",
                )
                .values(
                    state="pending",
                    claimed_by=None,
                    claim_until=None,
                    attempts=accounts.c.attempts - 1,
                    updated_at=now,
                )
            ).rowcount

    def next_account_due(self, *, platforms: Iterable[str] | None = None) -> float | None:
        """When a retrying account of an active launch (on ``platforms``) is next due (the
        daemon wakes then)."""
        from .delivery import platform_scope

        q = (
            select(accounts.c.retry_at)
            .join(launches, launches.c.id == accounts.c.launch_id)
            .where(
                accounts.c.state == "retrying",
                launches.c.state == "active",
                *platform_scope(accounts.c.platform, platforms),
            )
            .order_by(accounts.c.retry_at)
            .limit(1)
        )
        with self.engine.connect() as conn:
            return conn.execute(q).scalar()
