"""The contract every adapter honours, run against each case in ``conftest.CASES``."""

from __future__ import annotations

import pytest

from launcher import errors
from launcher.adapters.base import (
    AccountRef,
    Adapter,
    Capabilities,
    Option,
    ProfileUpdate,
    Provisioned,
    Published,
)
from launcher.adapters.registry import resolve
from launcher.launch.retry import RetryPolicy, deliver

from .conftest import Case, Ctx, Sleeps, post

POLICY = RetryPolicy(max_attempts=4, max_total=600.0)
PROFILE = ProfileUpdate(
    display_name="Embassy Rome",
    bio="Official crisis information.",
    links=(("Website", "https://example.org"),),
)
IDEMPOTENCY = {"idempotency-key", "client-record-key", "reconcile"}
PROFILE_FIELDS = {"display_name", "bio", "links", "avatar"}


def _creates(ctx: Ctx, case: Case) -> int:
    method, path = case.create_call
    return sum(1 for c in ctx.rsps.calls if c.request.method == method and path in c.request.url)


def test_declarations(case: Case, ctx: Ctx) -> None:
    """Capabilities and options are data, with values from the allowed vocabulary."""
    cls = type(ctx.adapter)
    assert cls.name == case.name
    assert isinstance(cls.capabilities, Capabilities)
    assert cls.capabilities.idempotency in IDEMPOTENCY
    assert cls.capabilities.text_limit > 0
    assert set(cls.capabilities.profile_fields) <= PROFILE_FIELDS
    assert all(isinstance(o, Option) for o in cls.options)
    assert cls.title and cls.platform


def test_resolvable_by_entry_point(case: Case, ctx: Ctx) -> None:
    """The adapter is registered under its name and passes the base-class check."""
    assert resolve(case.name) is type(ctx.adapter)
    assert issubclass(resolve(case.name), Adapter)


def test_publish(case: Case, ctx: Ctx) -> None:
    """One publish sends exactly the documented request and returns the platform's id."""
    p = post()
    expected = case.publish(ctx, p)
    published = ctx.adapter.publish(case.account, p)
    assert isinstance(published, Published)
    assert published.platform_post_id == expected


def test_publish_reply_in_thread(case: Case, ctx: Ctx) -> None:
    """The next part of a thread is sent as a reply to the previous one."""
    first = ctx.adapter.publish if case.name == "sandbox" else None
    reply_to = "41"
    if first is not None:
        reply_to = first(case.account, post(key="k/part1")).platform_post_id
    p = post(key="k/part2", text="Part 2: updates follow.", reply_to=reply_to)
    expected = case.publish(ctx, p)
    assert ctx.adapter.publish(case.account, p).platform_post_id == expected


def test_rate_limit_then_success_waits_the_platform_hint(
    case: Case, ctx: Ctx, sleeps: Sleeps
) -> None:
    """429 (or the platform's throttling) then success: one wait, exactly the hint."""
    p = post()
    wait = case.rate_limited(ctx, p)
    retries: list[tuple[int, str]] = []
    published = deliver(
        ctx.adapter,
        case.account,
        p,
        policy=POLICY,
        sleep=sleeps,
        on_retry=lambda n, exc, w: retries.append((n, type(exc).__name__)),
    )
    assert published.platform_post_id
    assert sleeps == [pytest.approx(wait, abs=0.01)]
    assert retries == [(1, "RateLimited")]


def test_lost_answer_is_never_posted_twice(case: Case, ctx: Ctx, sleeps: Sleeps) -> None:
    """A create whose answer was lost is reconciled or repeated with the same key, never
    blindly sent again; adapters that cannot check stop with a permanent error."""
    p = post()
    expected = case.lost_answer(ctx, p)
    if expected is None:
        with pytest.raises(errors.PermanentError):
            deliver(ctx.adapter, case.account, p, policy=POLICY, sleep=sleeps)
        assert _creates(ctx, case) <= 1
        return
    published = deliver(ctx.adapter, case.account, p, policy=POLICY, sleep=sleeps)
    assert published.platform_post_id == expected
    if case.name == "sandbox":
        records = [r for r in ctx.adapter.records() if r["op"] == "publish"]  # type: ignore[attr-defined]
        assert [r["key"] for r in records] == [p.key]
    else:
        assert _creates(ctx, case) == case.extra.get("creates_on_lost_answer", 1)
    assert len(sleeps) == 1


def test_reconcile_first_skips_a_post_already_there(case: Case, ctx: Ctx, sleeps: Sleeps) -> None:
    """After a crash in `sending`, a post found on the platform is not sent again."""
    if ctx.adapter.capabilities.idempotency != "reconcile" or case.name == "telegram":
        pytest.skip("only adapters that reconcile by reading the platform")
    p = post()
    case.lost_answer(ctx, p)  # registers the timeout and the reconciliation read
    first = None
    try:
        first = ctx.adapter.publish(case.account, p)
    except errors.TransientError as exc:
        assert exc.maybe_sent
    published = deliver(ctx.adapter, case.account, p, sleep=sleeps, reconcile_first=True)
    assert first is None
    assert published.platform_post_id
    assert sleeps == []


def test_refused_credentials_are_permanent(case: Case, ctx: Ctx, sleeps: Sleeps) -> None:
    """A refusal is a typed permanent error and is not retried."""
    p = post()
    case.auth_failure(ctx, p)
    expected = getattr(errors, case.extra.get("auth_error", "AuthFailed"))
    with pytest.raises(expected) as info:
        deliver(ctx.adapter, case.account, p, policy=POLICY, sleep=sleeps)
    assert sleeps == []
    assert info.value.platform == case.name


def test_retract(case: Case, ctx: Ctx) -> None:
    """Delete where the platform can; a typed Unsupported where it cannot."""
    if case.retract is None:
        assert not ctx.adapter.capabilities.delete
        with pytest.raises(errors.Unsupported):
            ctx.adapter.retract(case.account, "1")
        return
    assert ctx.adapter.capabilities.delete
    pid = "110001"
    if case.name == "sandbox":
        pid = ctx.adapter.publish(case.account, post()).platform_post_id
    case.retract(ctx, pid)
    ctx.adapter.retract(case.account, pid)


def test_pin(case: Case, ctx: Ctx) -> None:
    """Pin where the platform can; a typed Unsupported where it cannot."""
    if case.pin is None:
        assert not ctx.adapter.capabilities.pin
        with pytest.raises(errors.Unsupported):
            ctx.adapter.pin(case.account, Published(platform_post_id="1"))
        return
    assert ctx.adapter.capabilities.pin
    pid = "110001"
    if case.name == "sandbox":
        pid = ctx.adapter.publish(case.account, post()).platform_post_id
    case.pin(ctx, pid)
    ctx.adapter.pin(case.account, Published(platform_post_id=pid))


def test_standby_account_is_activated(case: Case, ctx: Ctx) -> None:
    """A standby account registered in advance is activated (profile set), not created."""
    assert case.account.standby
    if case.activate is not None:
        case.activate(ctx)
    result = ctx.adapter.provision(case.account, PROFILE)
    assert isinstance(result, Provisioned)
    assert result.created is False
    assert all(isinstance(step, str) and step for step in result.checklist)


def test_provision_without_standby(case: Case, ctx: Ctx) -> None:
    """Without a standby account: created where the API allows it, else Unsupported with a
    checklist of manual steps."""
    fresh = AccountRef(platform=case.account.platform, handle="milan_it", locale="it")
    if ctx.adapter.capabilities.create_accounts:
        if case.name != "sandbox":
            pytest.skip("account creation is covered by the platform's own table")
        result = ctx.adapter.provision(fresh, PROFILE)
        assert result.created is True and result.account.account_id
        return
    with pytest.raises(errors.Unsupported) as info:
        ctx.adapter.provision(fresh, PROFILE)
    assert info.value.checklist
    assert any("milan_it" in step for step in info.value.checklist)


def test_repr_shows_no_settings(case: Case, ctx: Ctx) -> None:
    text = repr(ctx.adapter)
    for value in case.env.values():
        assert value not in text
    assert "env:" not in text
