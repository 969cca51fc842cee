"""What the ledger hands out: plain frozen records, converted from rows in one place."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple


def ts(value: datetime) -> float:
    """A datetime (aware; naive means UTC) as epoch seconds."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def iso(value: float | None) -> str | None:
    """Epoch seconds as ISO 8601 UTC with a trailing Z, to the millisecond."""
    if value is None:
        return None
    dt = datetime.fromtimestamp(value, UTC)
    return dt.isoformat(timespec="milliseconds").replace("+00:00", "Z")


class PostRecord(NamedTuple):
    """One post as the ledger has it. A named tuple: a launch can hold 100,000 of them."""

    id: int
    launch_id: str
    key: str
    message: str
    platform: str
    locale: str
    text: str
    due_at: float
    state: str
    attempts: int
    claimed_by: str | None
    claim_until: float | None
    sent_at: float | None
    platform_post_id: str | None
    url: str | None
    extra_json: str | None  # platform data needed later (Bluesky cid), as stored
    error: str | None
    reply_to_post_id: int | None
    part: int
    parts: int
    pin: bool
    updated_at: float
    retry_at: float | None  # retrying: when the next attempt is due
    expires_at: float | None  # never sent after this
    reconcile: bool  # the last attempt may have reached the platform: look first
    first_attempt_at: float | None

    @classmethod
    def from_row(cls, row: Any) -> PostRecord:
        """From a row whose first columns are the ``posts`` table's, in table order (checked
        against the field order when this module is imported)."""
        return cls._make(row[:_POST_COLUMNS])

    @property
    def extra(self) -> dict[str, str]:
        return _json({"id": self.id, "extra": self.extra_json}, "posts", "extra", dict)

    def as_status(self) -> dict[str, Any]:
        """The post as ``status --json`` shows it."""
        return {
            "id": self.id,
            "key": self.key,
            "message": self.message,
            "platform": self.platform,
            "locale": self.locale,
            "text": self.text,
            "state": self.state,
            "due_at": iso(self.due_at),
            "sent_at": iso(self.sent_at),
            "platform_post_id": self.platform_post_id,
            "url": self.url,
            "attempts": self.attempts,
            "error": self.error,
            "part": self.part,
            "parts": self.parts,
            "retry_at": iso(self.retry_at),
            "expires_at": iso(self.expires_at),
        }


@dataclass(frozen=True)
class LaunchRecord:
    id: str
    playbook: str
    mission: str
    facts: Mapping[str, Any]
    created_by: str
    created_at: float
    confirmed_at: float
    state: str
    plan_hash: str
    timezone: str | None = None
    kind: str = "crisis"
    note: tuple[str, ...] = ()  # why it waits or was halted
    override_reason: str | None = None  # set when sent as an emergency override
    repeat_key: str | None = None  # playbook + mission + given facts

    @classmethod
    def from_row(cls, row: Any) -> LaunchRecord:
        m = row._mapping
        return cls(
            id=m["id"],
            playbook=m["playbook"],
            mission=m["mission"],
            facts=_json(m, "launches", "facts", dict),
            created_by=m["created_by"],
            created_at=m["created_at"],
            confirmed_at=m["confirmed_at"],
            state=m["state"],
            plan_hash=m["plan_hash"],
            timezone=m.get("timezone"),
            kind=m.get("kind") or "crisis",
            note=tuple(_json(m, "launches", "note", list)),
            override_reason=m.get("override_reason"),
            repeat_key=m.get("repeat_key"),
        )


@dataclass(frozen=True)
class AccountRecord:
    id: int
    launch_id: str
    platform: str
    locale: str
    handle: str
    display_name: str
    account_id: str | None
    state: str
    created: bool
    checklist: tuple[str, ...]
    error: str | None
    bio: str = ""
    links: tuple[tuple[str, str], ...] = ()
    attempts: int = 0
    retry_at: float | None = None

    @classmethod
    def from_row(cls, row: Any) -> AccountRecord:
        m = row._mapping
        return cls(
            id=m["id"],
            launch_id=m["launch_id"],
            platform=m["platform"],
            locale=m["locale"],
            handle=m["handle"],
            display_name=m["display_name"],
            account_id=m["account_id"],
            state=m["state"],
            created=bool(m["created"]),
            checklist=tuple(_json(m, "accounts", "checklist", list)),
            error=m["error"],
            bio=m.get("bio") or "",
            links=tuple(tuple(x) for x in json.loads(m.get("links") or "[]")),  # type: ignore[misc]
            attempts=int(m.get("attempts") or 0),
            retry_at=m.get("retry_at"),
        )

    def as_status(self) -> dict[str, Any]:
        return {
            "platform": self.platform,
            "locale": self.locale,
            "handle": self.handle,
            "account_id": self.account_id,
            "state": self.state,
            "created": self.created,
            "checklist": list(self.checklist),
            "error": self.error,
            "attempts": self.attempts,
            "retry_at": iso(self.retry_at),
        }


@dataclass(frozen=True)
class EventRecord:
    id: int
    at: float
    actor: str
    launch_id: str | None
    post_id: int | None
    action: str
    detail: Mapping[str, Any]

    @classmethod
    def from_row(cls, row: Any) -> EventRecord:
        m = row._mapping
        return cls(
            id=m["id"],
            at=m["at"],
            actor=m["actor"],
            launch_id=m["launch_id"],
            post_id=m["post_id"],
            action=m["action"],
            detail=_json(m, "events", "detail", dict),
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "at": iso(self.at),
            "actor": self.actor,
            "launch": self.launch_id,
            "post": self.post_id,
            "action": self.action,
            "detail": dict(self.detail),
        }


@dataclass(frozen=True)
class DueWork:
    """What one platform of some launches has to do now (:meth:`Ledger.due_work`)."""

    accounts: int = 0  # to set up
    posts: int = 0  # due
    pins: int = 0  # of those posts, to pin once sent

    @property
    def items(self) -> int:
        """Accounts and posts: the units of work the ledger hands out."""
        return self.accounts + self.posts


@dataclass(frozen=True)
class Claim:
    """A post this worker now holds in ``sending``.

    ``reconcile`` is true when the post was found ``sending`` under an expired or dead claim:
    it may already be on the platform, so the platform is asked before it is sent again.
    """

    post: PostRecord
    mission: str
    launch_state: str
    reply_to: str | None  # the platform post id of the previous thread part
    reconcile: bool
    lease_until: float = 0.0  # when this worker's claim expires unless renewed
    #: an answer to an inbox item: what the platform needs to thread it (Bluesky strong refs)
    reply_refs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class LaunchSummary:
    launch: LaunchRecord
    counts: Mapping[str, int] = field(default_factory=dict)

    @property
    def overall(self) -> str:
        return overall_state(self.launch.state, self.counts)


def overall_state(launch_state: str, counts: Mapping[str, int]) -> str:
    """One word for a launch. Never ``complete`` while any post failed or expired: a post
    that a person must look at (``failed``) wins, then work still going (``active``), then
    posts whose life ended unsent (``expired``)."""
    if launch_state in (
        "halted",
        "retracted",
        "provisioning",
        "awaiting-approval",
        "rejected",
        "ended",
    ):
        return launch_state
    if counts.get("failed"):
        return "failed"
    if counts.get("scheduled") or counts.get("sending") or counts.get("retrying"):
        return "active"
    if counts.get("expired"):
        return "expired"
    return "complete"


_POST_COLUMNS = len(PostRecord._fields)


def _check_post_columns() -> None:
    from .schema import posts

    names = [c.name for c in posts.columns][:_POST_COLUMNS]
    names[15] = "extra_json"
    assert names == list(PostRecord._fields), "PostRecord and posts disagree"


_check_post_columns()


def _json(m: Mapping[str, Any], table: str, column: str, kind: type) -> Any:
    """A JSON column as launcher wrote it (empty: an empty ``kind``); a value that does not
    parse, or is not a ``kind``, means the row was damaged or edited by hand."""
    raw = m.get(column)
    if not raw:
        return kind()
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    if not isinstance(value, kind):
        from .failures import damaged_row

        raise damaged_row(table, m.get("id"), column)
    return value
