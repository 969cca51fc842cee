"""Test doubles for people who write playbooks, templates and adapters.

A content repository can test its playbooks the way launcher tests its own: plan them with a
fixed clock, launch them into a recording adapter and assert on what would have been posted,
with no network and no data directory of the user's touched::

    from launcher.testing import FakeClock, RecordingTargets, plan_for, launch_for

    def test_condolences_go_out_at_once(tmp_path):
        plan = plan_for("earthquake", "rome", region="Umbria", magnitude="6.1")
        first = [p.message for p in plan.posts if p.at == plan.event.confirmed_at]
        assert first[0] == "intro" and "condolences" in first
        targets = RecordingTargets()
        launch_for(plan, targets, ledger_path=tmp_path / "ledger.sqlite3")
        assert targets.adapter.texts("condolences")
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, ClassVar

from .adapters.base import (
    AccountRef,
    Adapter,
    Capabilities,
    OutgoingPost,
    ProfileUpdate,
    Provisioned,
    Published,
)
from .errors import TransientError
from .models import Plan

__all__ = ["FakeClock", "RecordingAdapter", "RecordingTargets", "launch_for", "plan_for"]


@dataclass
class FakeClock:
    """Epoch seconds that move only when told to; pass it where launcher takes ``clock``."""

    now: float = datetime(2026, 1, 1, tzinfo=UTC).timestamp()

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float | timedelta) -> float:
        self.now += seconds.total_seconds() if isinstance(seconds, timedelta) else seconds
        return self.now

    def sleep(self, seconds: float) -> None:
        """A ``sleep`` for retry policies: time passes, nobody waits."""
        self.advance(seconds)


@dataclass
class Record:
    op: str
    account: AccountRef
    post: OutgoingPost | None = None
    platform_post_id: str | None = None


class RecordingAdapter(Adapter):
    """Behaves like a platform in memory: ids, pins, deletes, and failures on demand.

    ``fail_next`` holds exceptions raised by the next publish calls, in order; a
    ``TransientError(maybe_sent=True)`` records the post first, like a lost answer.
    """

    name: ClassVar[str] = "recording"
    platform: ClassVar[str] = "sandbox"
    title: ClassVar[str] = "Recording test double"
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=100_000,
        counting="code points",
        profile_fields=frozenset({"display_name", "bio", "links"}),
        create_accounts=True,
        pin=True,
        delete=True,
        idempotency="reconcile",
    )

    def __init__(self, settings: dict[str, Any] | None = None) -> None:
        super().__init__(settings)
        self.records: list[Record] = []
        self.fail_next: list[Exception] = []
        self._by_key: dict[str, Published] = {}

    def provision(self, account: AccountRef, profile: ProfileUpdate) -> Provisioned:
        self.records.append(Record("provision", account))
        return Provisioned(account=account, created=True)

    def update_profile(self, account: AccountRef, profile: ProfileUpdate) -> None:
        self.records.append(Record("profile", account))

    def publish(self, account: AccountRef, post: OutgoingPost) -> Published:
        if self.fail_next:
            exc = self.fail_next.pop(0)
            if isinstance(exc, TransientError) and exc.maybe_sent:
                self._record(account, post)
            raise exc
        return self._record(account, post)

    def _record(self, account: AccountRef, post: OutgoingPost) -> Published:
        published = Published(f"rec-{len(self._by_key) + 1}")
        self._by_key[post.key] = published
        self.records.append(Record("publish", account, post, published.platform_post_id))
        return published

    def find_published(self, account: AccountRef, post: OutgoingPost) -> Published | None:
        return self._by_key.get(post.key)

    def retract(self, account: AccountRef, platform_post_id: str) -> None:
        self.records.append(Record("retract", account, platform_post_id=platform_post_id))

    def pin(self, account: AccountRef, published: Published) -> None:
        self.records.append(Record("pin", account, platform_post_id=published.platform_post_id))

    # -- assertions helpers --------------------------------------------------------------
    def published(self) -> list[Record]:
        return [r for r in self.records if r.op == "publish"]

    def texts(self, message: str | None = None) -> list[str]:
        """Texts published, optionally of one message (keys start with the message id)."""
        return [
            r.post.text
            for r in self.published()
            if r.post is not None and (message is None or r.post.key.startswith(f"{message}#"))
        ]


@dataclass
class RecordingTargets:
    """Stands in for :class:`launcher.settings.Settings`: every platform goes to ``adapter``."""

    adapter: RecordingAdapter = field(default_factory=RecordingAdapter)

    def adapter_for(self, platform: str, mission: str | None = None) -> Adapter:
        return self.adapter

    def account_ref(self, platform: str, mission: str, locale: str, handle: str) -> AccountRef:
        return AccountRef(platform=platform, handle=handle, locale=locale)


def plan_for(
    playbook: str,
    mission: str,
    *,
    root: str | Path | None = None,
    at: str | datetime = "2026-01-01T08:00:00Z",
    locales: Iterable[str] | None = None,
    **facts: Any,
) -> Plan:
    """A plan with a fixed confirmation time and facts given as keyword arguments."""
    from .plan.build import build_plan

    now = at if isinstance(at, datetime) else datetime.fromisoformat(at.replace("Z", "+00:00"))
    raw = {k: str(v) for k, v in facts.items()}
    return build_plan(
        playbook, mission, raw, now=now, root=root, locales=list(locales) if locales else None
    )


def launch_for(
    plan: Plan,
    targets: RecordingTargets,
    *,
    ledger_path: Path,
    actor: str = "test",
    clock: FakeClock | None = None,
) -> Any:
    """Launch ``plan`` into ``targets`` with a ledger at ``ledger_path``; posts due at the
    clock's time go out, the rest stay scheduled. Returns the launch outcome."""
    from .launch.lifecycle import start_launch
    from .ledger import Ledger

    clock = clock or FakeClock(plan.event.confirmed_at.timestamp())
    with Ledger(f"sqlite:///{ledger_path}") as ledger:
        return start_launch(
            plan, ledger=ledger, targets=targets, actor=actor, clock=clock, sleep=clock.sleep
        )
