"""The sandbox's listening half: an audience that lives in a file, for drills and tests.

What the "public" does is appended to ``<outbox dir>/inbound.jsonl`` with
:meth:`SandboxListening.receive` (or :func:`launcher.testing.sandbox_audience`): replies,
mentions and quotes (the inbox), likes, reposts and follows (the counts), and ``remove``, a
moderator taking a post down. Collection then reads that file as a platform's API would be
read: the inbox from a cursor (the number of lines already read), counts per post, followers
per account. Nothing is invented: a count is what the file holds; reach is "unavailable".
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import ConfigError
from .base import AccountMetrics, AccountRef, Inbound, InboxPage, Listening, PostMetrics
from .listen_common import parse_time

INBOX_KINDS = ("mention", "reply", "quote")
AUDIENCE_KINDS = (*INBOX_KINDS, "like", "repost", "follow", "remove")
NO_REACH = "the sandbox has no audience to reach"

LISTENING = Listening(
    inbox=INBOX_KINDS,
    post_metrics=("replies", "reposts", "likes", "quotes"),
    followers=True,
    batch=50,
    answers=True,
    unavailable=(("reach", NO_REACH),),
)


def read_jsonl(path: Path, data: bytes) -> list[dict[str, Any]]:
    """The records of a sandbox file, one JSON object per line; a line that is not one (a
    hand edit, a disk that filled up) is a ConfigError naming the file and line."""
    out: list[dict[str, Any]] = []
    for n, line in enumerate(data.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError as exc:
            raise ConfigError(
                f"{path}:{n}: not a JSON record of the sandbox ({exc})",
                hint="mend or delete that line (the sandbox writes one JSON object per line),"
                " or start from an empty file",
            ) from None
        if not isinstance(record, dict):
            raise ConfigError(
                f"{path}:{n}: not a JSON object",
                hint="mend or delete that line (the sandbox writes one JSON object per line)",
            )
        out.append(record)
    return out


class SandboxListening:
    """Mixin of :class:`~launcher.adapters.sandbox.SandboxAdapter`."""

    outbox: Path
    stands_for: str

    @property
    def inbound_file(self) -> Path:
        return self.outbox.parent / "inbound.jsonl"

    def receive(
        self,
        handle: str,
        kind: str,
        *,
        author: str = "someone",
        text: str = "",
        target: str | None = None,
        language: str | None = None,
    ) -> str:
        """Record what someone did to ``handle``'s account (``target``: the post it is
        about); returns the inbound item's id."""
        if kind not in AUDIENCE_KINDS:
            raise ValueError(f"unknown audience action {kind!r}; known: {AUDIENCE_KINDS}")
        with self._locked():  # type: ignore[attr-defined]
            lines = self._inbound()
            rec = {
                "id": f"sbx-in-{len(lines) + 1}",
                "platform": self.stands_for,
                "handle": handle,
                "kind": kind,
                "author": author,
                "text": text,
                "target": target,
                "language": language,
                "at": self.clock().isoformat(),  # type: ignore[attr-defined]
            }
            line = json.dumps(rec, ensure_ascii=False, sort_keys=True) + "\n"
            fd = os.open(self.inbound_file, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
            finally:
                os.close(fd)
        return str(rec["id"])

    def _inbound(self) -> list[dict[str, Any]]:
        try:
            data = self.inbound_file.read_bytes()
        except FileNotFoundError:
            return []
        return read_jsonl(self.inbound_file, data)

    def _mine(self, account: AccountRef) -> list[dict[str, Any]]:
        return [
            r
            for r in self._inbound()
            if r.get("platform") == self.stands_for and r.get("handle") == account.handle
        ]

    def fetch_inbox(
        self, account: AccountRef, cursor: str | None, posts: Sequence[str] = ()
    ) -> InboxPage:
        records = self._inbound()
        start = int(cursor) if cursor and cursor.isdigit() else 0
        items = [
            Inbound(
                platform_id=str(r["id"]),
                kind=str(r["kind"]),
                author=str(r.get("author") or "someone"),
                text=str(r.get("text") or ""),
                created_at=parse_time(r.get("at")),
                url=f"sandbox://{self.stands_for}/{r.get('author')}/{r['id']}",
                in_reply_to=r.get("target"),
                language=r.get("language"),
            )
            for r in records[start:]
            if r.get("platform") == self.stands_for
            and r.get("handle") == account.handle
            and r.get("kind") in INBOX_KINDS
        ]
        return InboxPage(tuple(items), str(len(records)))

    def fetch_post_metrics(
        self, account: AccountRef, post_ids: Sequence[str]
    ) -> dict[str, PostMetrics]:
        audience = self._mine(account)
        published = {
            r.get("id")
            for r in self.records()  # type: ignore[attr-defined]
            if r.get("op") == "publish" and r.get("handle") == account.handle
        }
        retracted = {r.get("target") for r in self.records() if r.get("op") == "retract"}  # type: ignore[attr-defined]
        out = {}
        for pid in post_ids:
            about = [r for r in audience if r.get("target") == pid]
            if pid not in published or pid in retracted:
                out[pid] = PostMetrics(removed=True, unavailable={"removed": "deleted"})
                continue
            if any(r.get("kind") == "remove" for r in about):
                reason = "removed by a moderator"
                out[pid] = PostMetrics(removed=True, unavailable={"removed": reason})
                continue

            def n(kind: str, about: list[dict[str, Any]] = about) -> int:
                return sum(1 for r in about if r.get("kind") == kind)

            out[pid] = PostMetrics(
                replies=n("reply"),
                reposts=n("repost"),
                likes=n("like"),
                quotes=n("quote"),
                unavailable={"reach": NO_REACH},
            )
        return out

    def fetch_account_metrics(self, account: AccountRef) -> AccountMetrics:
        return AccountMetrics(
            followers=sum(1 for r in self._mine(account) if r.get("kind") == "follow")
        )
