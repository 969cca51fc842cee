"""A launch on the sandbox with a fixed clock, and its audience, for the listening tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from launcher.launch.lifecycle import start_launch
from launcher.ledger import Ledger
from launcher.settings import Settings, load_settings
from launcher.testing import FakeClock, plan_for
from tests.conftest import REPO

CONFIRMED = datetime(2026, 5, 22, 8, 30, tzinfo=UTC)


@dataclass
class Launched:
    ledger: Ledger
    settings: Settings
    launch_id: str
    clock: FakeClock
    mission: str

    def sandbox(self, platform: str) -> Any:
        adapter = self.settings.adapter_for(platform, self.mission)
        adapter.clock = lambda: datetime.fromtimestamp(self.clock.now, UTC)
        return adapter

    def post(self, platform: str, locale: str, message: str = "intro") -> Any:
        return next(
            p
            for p in self.ledger.posts(self.launch_id)
            if p.platform == platform and p.locale == locale and p.message == message
        )

    def handle(self, platform: str, locale: str) -> str:
        return self.ledger.account_ids(self.launch_id)[(platform, locale)][0]

    def reply(self, platform: str, locale: str, text: str, *, kind: str = "reply", **kw) -> str:
        post = self.post(platform, locale)
        target = post.platform_post_id if kind in ("reply", "quote", "like", "repost") else None
        return self.sandbox(platform).receive(
            self.handle(platform, locale), kind, text=text, target=kw.pop("target", target), **kw
        )


def launch(
    tmp_path: Path,
    *,
    playbook: str = "earthquake",
    mission: str = "rome",
    settings: Settings | None = None,
    **facts: str,
) -> Launched:
    """The shipped playbook launched on the sandbox at :data:`CONFIRMED`; what is due then is
    sent, the rest scheduled."""
    facts = facts or {"region": "Emilia-Romagna", "magnitude": "6.1"}
    plan = plan_for(playbook, mission, at=CONFIRMED, root=REPO, **facts)
    settings = settings or load_settings(None, root=str(REPO))
    clock = FakeClock(CONFIRMED.timestamp())
    ledger = Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    out = start_launch(
        plan, ledger=ledger, targets=settings, actor="officer", clock=clock, sleep=clock.sleep
    )
    return Launched(ledger, settings, out.launch_id, clock, mission)
