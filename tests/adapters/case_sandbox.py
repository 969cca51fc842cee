"""Contract case: the sandbox (no HTTP; failures are injected)."""

from __future__ import annotations

from pathlib import Path

from launcher.adapters.base import AccountRef, OutgoingPost
from launcher.adapters.sandbox import ENV_FAIL, SandboxAdapter

from .conftest import Case, Ctx


def build(tmp: Path) -> SandboxAdapter:
    return SandboxAdapter({"outbox": str(tmp / "sbx" / "outbox.jsonl"), "stands_for": "mastodon"})


def _count(ctx: Ctx) -> int:
    return len(ctx.adapter.records())  # type: ignore[attr-defined]


def publish(ctx: Ctx, post: OutgoingPost) -> str:
    return f"sbx-{_count(ctx) + 1}"


def rate_limited(ctx: Ctx, post: OutgoingPost) -> float:
    ctx.monkeypatch.setenv(ENV_FAIL, "rate-limit:1")
    return 1.0


def lost_answer(ctx: Ctx, post: OutgoingPost) -> str:
    ctx.monkeypatch.setenv(ENV_FAIL, "lost-answer:1")
    return f"sbx-{_count(ctx) + 1}"


def auth_failure(ctx: Ctx, post: OutgoingPost) -> None:
    ctx.monkeypatch.setenv(ENV_FAIL, "reject:1")


CASE = Case(
    name="sandbox",
    build=build,
    env={},
    account=AccountRef(platform="mastodon", handle="rome_it", locale="it", standby=True),
    publish=publish,
    rate_limited=rate_limited,
    lost_answer=lost_answer,
    auth_failure=auth_failure,
    retract=lambda ctx, pid: None,
    pin=lambda ctx, pid: None,
    activate=lambda ctx: None,
    extra={"auth_error": "ContentRejected"},
)
