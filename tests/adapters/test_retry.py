"""The one retry loop: hints honoured, backoff with jitter, bounds, no double posts."""

from __future__ import annotations

import pytest

from launcher import errors
from launcher.adapters.base import AccountRef, OutgoingPost, Published
from launcher.adapters.sandbox import SandboxAdapter
from launcher.launch.retry import RetryPolicy, _backoff, call_with_retry, deliver

from .conftest import post


class Script:
    """A callable failing with the given errors, then returning "ok"."""

    def __init__(self, *failures: Exception) -> None:
        self.failures = list(failures)
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.failures:
            raise self.failures.pop(0)
        return "ok"


def transient(hint: float | None = None, maybe_sent: bool = False) -> errors.TransientError:
    return errors.TransientError("boom", retry_after=hint, maybe_sent=maybe_sent, platform="t")


def test_hint_is_waited_exactly() -> None:
    waits: list[float] = []
    fn = Script(errors.RateLimited("slow down", retry_after=12.5))
    assert call_with_retry(fn, sleep=waits.append) == "ok"
    assert waits == [12.5] and fn.calls == 2


def test_backoff_grows_with_jitter_and_is_capped() -> None:
    policy = RetryPolicy(max_attempts=8, max_total=1000, base=1.0, cap=5.0)
    waits: list[float] = []
    fn = Script(*(transient() for _ in range(7)))
    call_with_retry(fn, policy=policy, sleep=waits.append, rng=lambda: 1.0)
    assert waits == [1.0, 2.0, 4.0, 5.0, 5.0, 5.0, 5.0]
    low: list[float] = []
    call_with_retry(
        Script(transient(), transient()), policy=policy, sleep=low.append, rng=lambda: 0.0
    )
    assert low == [0.5, 0.5]


@pytest.mark.parametrize("attempt", [1, 2, 3, 6, 10])
def test_jitter_stays_within_bounds(attempt: int) -> None:
    import random

    policy = RetryPolicy(base=0.5, cap=30.0)
    rng = random.Random(attempt).random
    for _ in range(50):
        w = _backoff(policy, attempt, rng)
        assert policy.base / 2 <= w <= min(policy.cap, policy.base * 2 ** (attempt - 1)) + 1e-9


def test_attempts_are_bounded() -> None:
    waits: list[float] = []
    fn = Script(*(transient(1.0) for _ in range(10)))
    with pytest.raises(errors.TransientError):
        call_with_retry(fn, policy=RetryPolicy(max_attempts=3), sleep=waits.append)
    assert fn.calls == 3 and waits == [1.0, 1.0]


def test_total_wait_is_bounded() -> None:
    waits: list[float] = []
    fn = Script(*(transient(40.0) for _ in range(10)))
    with pytest.raises(errors.TransientError):
        call_with_retry(fn, policy=RetryPolicy(max_attempts=10, max_total=100), sleep=waits.append)
    assert waits == [40.0, 40.0] and sum(waits) <= 100


def test_a_hint_beyond_the_budget_gives_up_at_once() -> None:
    waits: list[float] = []
    fn = Script(errors.RateLimited("daily cap", retry_after=86400))
    with pytest.raises(errors.RateLimited):
        call_with_retry(fn, sleep=waits.append)
    assert waits == [] and fn.calls == 1


@pytest.mark.parametrize(
    "exc",
    [
        errors.AuthFailed("no", platform="t"),
        errors.ContentRejected("no", platform="t"),
        errors.DuplicateContent("dup", platform="t"),
        errors.Unsupported("no", platform="t"),
        ValueError("a bug"),
    ],
)
def test_permanent_errors_are_not_retried(exc: Exception) -> None:
    waits: list[float] = []
    fn = Script(exc)
    with pytest.raises(type(exc)):
        call_with_retry(fn, sleep=waits.append)
    assert fn.calls == 1 and waits == []


def test_on_retry_is_told_attempt_error_and_wait() -> None:
    seen: list[tuple[int, str, float]] = []
    err = errors.RateLimited("slow", retry_after=3)
    call_with_retry(
        Script(err), sleep=lambda s: None, on_retry=lambda n, e, w: seen.append((n, e.message, w))
    )
    assert seen == [(1, "slow", 3.0)]


class FakeAdapter(SandboxAdapter):
    """A sandbox whose publish follows a script, to watch deliver's decisions."""

    def __init__(self, tmp, script, idempotency="reconcile") -> None:
        super().__init__({"outbox": str(tmp / "o.jsonl")})
        self.script = list(script)
        self.published: list[str] = []
        self.finds = 0
        self.found: Published | None = None
        self._idem = idempotency

    @property
    def capabilities(self):  # type: ignore[override]
        from dataclasses import replace

        return replace(SandboxAdapter.capabilities, idempotency=self._idem)

    def publish(self, account: AccountRef, post: OutgoingPost) -> Published:
        step = self.script.pop(0) if self.script else None
        if step == "lost":
            self.found = Published("p-1")
            raise errors.TransientError("timeout", maybe_sent=True)
        if step == "refused":
            raise errors.TransientError("connect refused", maybe_sent=False)
        if isinstance(step, Exception):
            raise step
        self.published.append(post.key)
        return Published(f"p-{len(self.published)}")

    def find_published(self, account: AccountRef, post: OutgoingPost) -> Published | None:
        self.finds += 1
        return self.found


ACC = AccountRef(platform="x", handle="h", locale="it")


def test_deliver_reconciles_after_a_lost_answer(tmp_path) -> None:
    a = FakeAdapter(tmp_path, ["lost"])
    result = deliver(a, ACC, post(), sleep=lambda s: None)
    assert result.platform_post_id == "p-1" and a.published == [] and a.finds == 1


def test_deliver_does_not_reconcile_when_nothing_was_sent(tmp_path) -> None:
    a = FakeAdapter(tmp_path, ["refused"])
    deliver(a, ACC, post(), sleep=lambda s: None)
    assert a.finds == 0 and len(a.published) == 1


def test_deliver_resends_with_the_key_when_the_platform_deduplicates(tmp_path) -> None:
    a = FakeAdapter(tmp_path, ["lost"], idempotency="idempotency-key")
    deliver(a, ACC, post(), sleep=lambda s: None)
    assert a.finds == 0 and a.published == [post().key]


def test_reconcile_first_finds_the_post_without_sending(tmp_path) -> None:
    a = FakeAdapter(tmp_path, [])
    a.found = Published("p-9")
    assert deliver(a, ACC, post(), reconcile_first=True).platform_post_id == "p-9"
    assert a.published == []


def test_duplicate_after_doubt_is_resolved_by_one_more_look(tmp_path) -> None:
    a = FakeAdapter(tmp_path, ["refused", errors.DuplicateContent("dup")])
    a.script.insert(0, "lost")
    a.found = None

    def find(account, p):
        a.finds += 1
        return Published("p-7") if a.finds >= 3 else None

    a.find_published = find  # type: ignore[method-assign]
    result = deliver(a, ACC, post(), sleep=lambda s: None)
    assert result.platform_post_id == "p-7"
    assert a.finds == 3 and a.published == []
