"""Archives in the ledger (schema v6).

Every archive written of a launch is recorded with the SHA-256 of its BagIt tag manifest and
the ids of the posts it holds as sent. A post is deleted from a platform only if an archive
holds it (or a person said ``--no-archive``, which is recorded): see
:meth:`ArchivesMixin.unarchived`.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from .schema import archives

if TYPE_CHECKING:
    from sqlalchemy import Engine


@dataclass(frozen=True)
class ArchiveRecord:
    id: str
    launch_id: str
    path: str
    manifest_sha256: str
    posts: tuple[int, ...]
    reason: str
    created_by: str
    created_at: float

    @classmethod
    def from_row(cls, row: Any) -> ArchiveRecord:
        m = row._mapping
        return cls(
            m["id"], m["launch_id"], m["path"], m["manifest_sha256"],
            tuple(json.loads(m["posts"] or "[]")), m["reason"], m["created_by"], m["created_at"],
        )  # fmt: skip


class ArchivesMixin:
    engine: Engine
    writer: Engine

    @staticmethod
    def _event(conn: Connection, **kw: Any) -> None:  # provided by Ledger
        raise NotImplementedError

    def record_archive(
        self,
        archive_id: str,
        *,
        launch_id: str,
        path: str,
        manifest_sha256: str,
        post_ids: Iterable[int],
        reason: str,
        actor: str,
        now: float,
    ) -> None:
        ids = sorted(set(post_ids))
        with self.writer.begin() as conn:
            conn.execute(
                archives.insert().values(
                    id=archive_id, launch_id=launch_id, path=path,
                    manifest_sha256=manifest_sha256, posts=json.dumps(ids), reason=reason,
                    created_by=actor, created_at=now,
                )
            )  # fmt: skip
            self._event(
                conn, at=now, actor=actor, action="archive.written", launch_id=launch_id,
                archive=archive_id, path=path, manifest_sha256=manifest_sha256,
                posts=len(ids), reason=reason,
            )  # fmt: skip

    def archive_record(self, archive_id: str) -> ArchiveRecord | None:
        with self.engine.connect() as conn:
            row = conn.execute(select(archives).where(archives.c.id == archive_id)).first()
        return ArchiveRecord.from_row(row) if row else None

    def archives_of(self, launch_id: str) -> list[ArchiveRecord]:
        q = (
            select(archives)
            .where(archives.c.launch_id == launch_id)
            .order_by(archives.c.created_at)
        )
        with self.engine.connect() as conn:
            return [ArchiveRecord.from_row(r) for r in conn.execute(q)]

    def unarchived(self, launch_id: str, post_ids: Iterable[int]) -> list[int]:
        """Of ``post_ids`` (sent posts of ``launch_id``), those no archive holds. A sunset's
        farewells are archived with the launch it winds down."""
        related = {launch_id}
        own = self.sunset(launch_id)  # type: ignore[attr-defined]  # SunsetsMixin
        if own is not None:
            related.add(own.launch_id)
        held: set[int] = set()
        for lid in related:
            for rec in self.archives_of(lid):
                held.update(rec.posts)
        return sorted(set(post_ids) - held)

    def record_no_archive(
        self, launch_id: str, *, actor: str, now: float, what: str, posts: int
    ) -> None:
        """A person chose to delete or change what no archive holds (``--no-archive``)."""
        self.record_event(  # type: ignore[attr-defined]
            at=now, actor=actor, action="archive.skipped", launch_id=launch_id, what=what,
            posts=posts,
        )  # fmt: skip
