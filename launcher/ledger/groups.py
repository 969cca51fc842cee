"""Launch groups: the launches one ``run`` made for several missions (one launch per mission,
each haltable alone; ``halt --group`` halts them all in one transaction)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select

from ..errors import LedgerError, NotFound
from .schema import accounts, launch_group_members, launch_groups, posts

if TYPE_CHECKING:
    from sqlalchemy import Engine


@dataclass(frozen=True)
class GroupRecord:
    id: str
    playbook: str
    selector: str
    created_by: str
    created_at: float
    launches: tuple[str, ...]  # in the order they were recorded


class GroupsMixin:
    engine: Engine
    writer: Engine

    @staticmethod
    def _event(conn: Connection, **kw: Any) -> None:  # provided by Ledger
        raise NotImplementedError

    def _insert_group(
        self,
        conn: Connection,
        group_id: str,
        *,
        playbook: str,
        selector: str,
        actor: str,
        now: float,
        launch_ids: Sequence[str],
    ) -> None:
        """Record, in ``conn``'s transaction, that ``launch_ids`` were launched together
        (:meth:`Ledger.create_launch_group` writes them and the group at once)."""
        if conn.execute(select(launch_groups.c.id).where(launch_groups.c.id == group_id)).first():
            raise LedgerError(f"launch group {group_id} already exists")
        conn.execute(
            launch_groups.insert().values(
                id=group_id,
                playbook=playbook,
                selector=selector,
                created_by=actor,
                created_at=now,
            )
        )
        conn.execute(
            launch_group_members.insert(),
            [
                {"group_id": group_id, "launch_id": lid, "position": i}
                for i, lid in enumerate(launch_ids)
            ],
        )
        self._event(
            conn,
            at=now,
            actor=actor,
            action="group.created",
            group=group_id,
            playbook=playbook,
            selector=selector,
            launches=list(launch_ids),
        )

    def group(self, ref: str) -> GroupRecord:
        """A launch group by id or unique id prefix (never by an empty one)."""
        if not ref.strip():
            raise LedgerError(
                "no launch group given (the group id is empty)",
                hint="give the group id (or a prefix of it) that `run` printed",
            )
        with self.engine.connect() as conn:
            rows = (
                conn.execute(select(launch_groups).where(launch_groups.c.id == ref)).all()
                or conn.execute(
                    select(launch_groups)
                    .where(launch_groups.c.id.like(_prefix(ref), escape="\\"))
                    .limit(2)
                ).all()
            )
            if len(rows) > 1:
                raise LedgerError(f"{ref!r} matches several launch groups", hint="give more of it")
            if not rows:
                raise NotFound(
                    f"no launch group {ref!r}",
                    hint="`launcher run` prints the group id of a launch for several missions;"
                    " `launcher status` lists the launches",
                )
            row = rows[0]._mapping
            members = conn.execute(
                select(launch_group_members.c.launch_id)
                .where(launch_group_members.c.group_id == row["id"])
                .order_by(launch_group_members.c.position)
            ).scalars()
            return GroupRecord(
                id=row["id"],
                playbook=row["playbook"],
                selector=row["selector"],
                created_by=row["created_by"],
                created_at=row["created_at"],
                launches=tuple(members),
            )

    def groups_of(self, launch_ids: Sequence[str]) -> dict[str, str]:
        """Launch -> the group it belongs to (launches of no group are left out)."""
        with self.engine.connect() as conn:
            return dict(
                conn.execute(
                    select(launch_group_members.c.launch_id, launch_group_members.c.group_id).where(
                        launch_group_members.c.launch_id.in_(list(launch_ids))
                    )
                ).all()
            )

    def progress(
        self, launch_ids: Sequence[str], *, now: float
    ) -> dict[str, dict[str, dict[str, int]]]:
        """How far the launches got with what is due by ``now``: launch -> {"posts": post
        state -> count of posts due by now, "accounts": account state -> count}."""
        ids = list(launch_ids)
        out: dict[str, dict[str, dict[str, int]]] = {
            lid: {"posts": {}, "accounts": {}} for lid in ids
        }
        pq = (
            select(posts.c.launch_id, posts.c.state, func.count())
            .where(posts.c.launch_id.in_(ids), posts.c.due_at <= now)
            .group_by(posts.c.launch_id, posts.c.state)
        )
        aq = (
            select(accounts.c.launch_id, accounts.c.state, func.count())
            .where(accounts.c.launch_id.in_(ids))
            .group_by(accounts.c.launch_id, accounts.c.state)
        )
        with self.engine.connect() as conn:
            for lid, state, n in conn.execute(pq):
                out[lid]["posts"][state] = int(n)
            for lid, state, n in conn.execute(aq):
                out[lid]["accounts"][state] = int(n)
        return out


def _prefix(ref: str) -> str:
    return ref.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
