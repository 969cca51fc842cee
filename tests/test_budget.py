"""The rate budget: never more than a limit in any window (on a fake clock, hours of traffic in
no time), the platform's headers followed, a short wait paced, a long one refused unsent, and
through a real adapter's request path (HTTP mocked with `responses`)."""

from __future__ import annotations

import pytest
import responses
from hypothesis import given, settings
from hypothesis import strategies as st

from launcher.adapters.base import AccountRef
from launcher.adapters.mastodon import MastodonAdapter
from launcher.adapters.telegram import TelegramAdapter
from launcher.budget import Budget, Limit, Observation
from launcher.errors import OverBudget
from launcher.testing import FakeClock

POSTS = Limit("posts", 5, 10.0, per="account", methods=frozenset({"POST"}))
POINTS = (  # weighted: creates 3, deletes 1, one window
    Limit("points", 12, 60.0, per="account", path=r"/create$", cost=3),
    Limit("points", 12, 60.0, per="account", path=r"/delete$", cost=1),
)
HOST = Limit("requests", 8, 30.0, per="host")
SCOPES = {"host": "p@h", "app": "p@h#", "account": "p@h/a"}


def _budget(clock: FakeClock, max_wait: float = 0.0) -> Budget:
    return Budget(clock=clock, max_wait=max_wait, sleep=clock.sleep)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 20, allow_nan=False), st.sampled_from(["/create", "/delete"])),
        min_size=1,
        max_size=120,
    )
)
def test_no_window_ever_holds_more_than_its_limit(steps):
    """Random traffic on a fake clock, waiting in place when the budget says so: in every
    window of every limit, what went out never exceeds the limit (whatever the platform's
    own window alignment), and every request that waited went out later, not never."""
    clock = FakeClock(1000.0)
    budget = _budget(clock, max_wait=1e9)
    sent: list[tuple[float, str]] = []
    for gap, path in steps:
        clock.advance(gap)
        budget.reserve(platform="p", limits=(POSTS, *POINTS, HOST), scopes=SCOPES,
                       method="POST", path=path, operation="publish").release()  # fmt: skip
        sent.append((clock.now, path))
    assert len(sent) == len(steps)
    for t, _ in sent:

        def within(window: float) -> list[str]:
            return [p for at, p in sent if t - window + 1e-6 < at <= t]  # noqa: B023

        assert len(within(POSTS.window)) <= POSTS.limit
        assert len(within(HOST.window)) <= HOST.limit
        points = sum(3 if p == "/create" else 1 for p in within(60.0))
        assert points <= 12


def test_a_long_wait_is_refused_unsent_with_when_to_try_again():
    """The sixth post in ten seconds is not sent: OverBudget, a rate limit that cost no round
    trip, says when the next place is and which limit it is."""
    clock = FakeClock(0.0)
    budget = _budget(clock, max_wait=2.0)
    for i in range(5):
        clock.advance(1.0 if i else 0.0)
        budget.reserve(platform="p", limits=(POSTS,), scopes=SCOPES, method="POST", path="/x",
                       operation="publish").release()  # fmt: skip
    with pytest.raises(OverBudget) as info:
        budget.reserve(platform="p", limits=(POSTS,), scopes=SCOPES, method="POST", path="/x",
                       operation="publish")  # fmt: skip
    assert info.value.retry_after == pytest.approx(6.0)  # the first of the five leaves at t=10
    assert info.value.scope == "account" and "5 requests per 10 s" in info.value.message
    other = {**SCOPES, "account": "p@h/b"}  # another account of the platform is not held back
    budget.reserve(platform="p", limits=(POSTS,), scopes=other, method="POST", path="/x",
                   operation="publish").release()  # fmt: skip


def test_the_platforms_headers_are_followed_and_an_older_answer_does_not_undo_a_newer():
    clock = FakeClock(0.0)
    budget = _budget(clock)
    kw = {"platform": "p", "limits": (), "scopes": SCOPES, "method": "GET", "path": "/",
          "operation": "read"}  # fmt: skip
    first = budget.reserve(**kw)
    second = budget.reserve(**kw)
    budget.observe(second, [Observation("account", 1, 30.0)])  # one left for 30 s
    budget.observe(first, [Observation("account", 50, 30.0)])  # older: ignored
    budget.reserve(**kw).release()
    with pytest.raises(OverBudget) as info:
        budget.reserve(**kw)
    assert info.value.retry_after == pytest.approx(30.0)
    clock.advance(30.0)
    budget.reserve(**kw).release()  # reset passed


def test_a_per_endpoint_header_holds_back_only_that_endpoints_limit():
    """X's x-rate-limit-* counts per endpoint: exhausting the timeline reads must not stop
    the account's posts."""
    clock = FakeClock(0.0)
    budget = _budget(clock)
    limits = (Limit("posts", 100, 900.0, per="account", path=r"/tweets$"),)
    kw = {"platform": "x", "limits": limits, "scopes": SCOPES, "operation": "op"}
    read = budget.reserve(method="GET", path="/users/1/timeline", **kw)
    budget.observe(read, [Observation("account", 0, 900.0, limit=900, exact=True)])
    budget.reserve(method="POST", path="/tweets", **kw).release()  # not held back


@pytest.fixture
def mastodon(monkeypatch):
    monkeypatch.setenv("T_TOKEN", "tok-budget-0001")
    adapter = MastodonAdapter({"base_url": "https://social.example.org", "token": "env:T_TOKEN"})
    clock = FakeClock(0.0)
    adapter.budget = Budget(clock=clock, max_wait=0.0, sleep=clock.sleep)
    return adapter, clock


def test_mastodon_requests_stop_at_300_per_five_minutes_before_any_429(mastodon):
    """Through the adapter's request path: 300 pins in five minutes reach the instance, the
    301st is refused unsent (no 429 is ever provoked); five minutes later it goes."""
    adapter, clock = mastodon
    account = AccountRef(platform="mastodon", handle="rome_it", locale="it", account_id="1")
    from launcher.adapters.base import Published

    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.post("https://social.example.org/api/v1/statuses/9/pin", json={})
        for _ in range(300):
            clock.advance(0.5)
            adapter.pin(account, Published("9"))
        with pytest.raises(OverBudget) as info:
            adapter.pin(account, Published("9"))
        assert len(rsps.calls) == 300
        clock.advance(info.value.retry_after or 0)
        adapter.pin(account, Published("9"))
        assert len(rsps.calls) == 301


def test_mastodon_follows_what_its_headers_say_is_left(mastodon):
    """An instance configured stricter than the documented limit: its X-RateLimit-Remaining
    reaching 0 holds the account back until X-RateLimit-Reset, without a 429."""
    adapter, _clock = mastodon
    from datetime import UTC, datetime

    now = datetime(2026, 7, 1, 12, 30, tzinfo=UTC)
    adapter.clock = lambda: now
    account = AccountRef(platform="mastodon", handle="rome_it", locale="it", account_id="1")
    from launcher.adapters.base import Published

    headers = {"X-RateLimit-Limit": "100", "X-RateLimit-Remaining": "0",
               "X-RateLimit-Reset": "2026-07-01T12:31:00.000000Z"}  # fmt: skip
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.post("https://social.example.org/api/v1/statuses/9/pin", json={}, headers=headers)
        adapter.pin(account, Published("9"))
        with pytest.raises(OverBudget) as info:
            adapter.pin(account, Published("9"))
        assert info.value.retry_after == pytest.approx(60.0)
        assert len(rsps.calls) == 1


def test_telegram_paces_a_bot_at_30_messages_a_second(monkeypatch):
    """Forty messages of one bot to forty channels: the budget waits in place (a fraction of a
    second each time), so at most 30 leave in any second and none is refused."""
    monkeypatch.setenv("T_BOT", "123:bot-token")
    adapter = TelegramAdapter({"bot_token": "env:T_BOT"})
    clock = FakeClock(0.0)
    adapter.budget = Budget(clock=clock, max_wait=2.0, sleep=clock.sleep)
    from launcher.adapters.base import OutgoingPost

    sent_at = []
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        rsps.post(
            "https://api.telegram.org/bot123:bot-token/sendMessage",
            json={"ok": True, "result": {"message_id": 1, "chat": {"id": -1}, "date": 0}},
        )
        for i in range(40):
            account = AccountRef(platform="telegram", handle=f"c{i}", locale="en",
                                 account_id=f"@c{i}")  # fmt: skip
            adapter.publish(account, OutgoingPost(key=f"k{i}", text="hello", locale="en"))
            sent_at.append(clock.now)
    assert len(sent_at) == 40
    assert max(sum(1 for s in sent_at if t - 1.0 < s <= t) for t in sent_at) <= 30
    assert sent_at[-1] >= 1.0  # the 31st waited for the window
