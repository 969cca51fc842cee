"""Dispatch: ledger → adapter → ledger, one attempt per claim, with a fake adapter and a fake
clock: a platform fault makes a post ``retrying`` with its next attempt time (never a wait in
place), a post whose life ends before it could go out is ``expired``."""

from __future__ import annotations

import json
import threading
from typing import ClassVar

import pytest

from launcher.adapters.base import (
    AccountRef,
    Adapter,
    Capabilities,
    OutgoingPost,
    Published,
)
from launcher.errors import ContentRejected, RateLimited, TransientError, Unsupported
from launcher.launch.dispatch import Dispatcher, dead_local_claimants
from launcher.launch.lifecycle import record_posts
from launcher.launch.retry import RetryPolicy
from launcher.ledger import Ledger
from launcher.testing import FakeClock

T0 = 1_800_000_000.0


class FakeAdapter(Adapter):
    name: ClassVar[str] = "fake"
    platform: ClassVar[str] = "sandbox"
    title: ClassVar[str] = "Fake"
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=500,
        counting="chars",
        profile_fields=frozenset(),
        create_accounts=True,
        pin=True,
        delete=True,
        idempotency="reconcile",
    )

    def __init__(self, failures=(), pin_error=None):
        super().__init__({})
        self.failures = list(failures)  # exceptions to raise, one per publish call
        self.published: dict[str, Published] = {}
        self.calls: list[OutgoingPost] = []
        self.pins: list[str] = []
        self.pin_error = pin_error
        self.lost = set()

    def publish(self, account: AccountRef, post: OutgoingPost) -> Published:
        self.calls.append(post)
        if self.failures:
            exc = self.failures.pop(0)
            if isinstance(exc, TransientError) and exc.maybe_sent:
                self.published[post.key] = Published(f"id-{len(self.published) + 1}")
            raise exc
        pub = Published(f"id-{len(self.published) + 1}")
        self.published[post.key] = pub
        return pub

    def find_published(self, account, post):
        return self.published.get(post.key)

    def pin(self, account, published):
        if self.pin_error:
            raise self.pin_error
        self.pins.append(published.platform_post_id)


class Targets:
    def __init__(self, adapter):
        self.adapter = adapter

    def adapter_for(self, platform, mission=None):
        return self.adapter

    def account_ref(self, platform, mission, locale, handle):
        return AccountRef(platform=platform, handle=handle, locale=locale)


class Clock(FakeClock):
    """The shipped fake clock, started at T0; ``sleeps`` lists the waits asked for."""

    def __init__(self, t=T0):
        super().__init__(t)
        self.sleeps: list[float] = []

    @property
    def t(self) -> float:
        return self.now

    @t.setter
    def t(self, value: float) -> None:
        self.now = value

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.advance(seconds)


@pytest.fixture
def ledger(tmp_path):
    with Ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}") as led:
        yield led


NO_WAIT = RetryPolicy(max_attempts=4, max_total=100, base=0.01, cap=0.01)


def _dispatcher(ledger, adapter, clock=None, **kw):
    kw.setdefault("policy", NO_WAIT)
    clock = clock or Clock()
    kw.setdefault("sleep", clock.sleep)  # waits move the fake clock, cost no real time
    return Dispatcher(ledger, Targets(adapter), actor="daemon:test", clock=clock, **kw)


def test_sends_only_what_is_due(ledger):
    """Posts due by the clock go out; later ones stay scheduled."""
    record_posts(ledger, "L", [{"key": "a", "due_at": T0}, {"key": "b", "due_at": T0 + 60}])
    adapter = FakeAdapter()
    clock = Clock()
    d = _dispatcher(ledger, adapter, clock)
    assert len(d.run_due().sent) == 1
    assert [p.state for p in ledger.posts("L")] == ["sent", "scheduled"]
    clock.t += 60
    d.run_due()
    assert [p.state for p in ledger.posts("L")] == ["sent", "sent"]
    assert [c.key for c in adapter.calls] == ["a", "b"]


def test_transient_failures_are_tried_again_later_then_succeed(ledger):
    """A 503 and a 429 do not block the worker: each leaves the post ``retrying`` with its
    next attempt time and the error (backoff after the 503, exactly the hint after the 429);
    the third attempt sends it. Attempts are counted in the ledger."""
    record_posts(ledger, "L", [{"key": "a", "due_at": T0}])
    adapter = FakeAdapter([TransientError("503 busy"), RateLimited("429", retry_after=7)])
    clock = Clock()
    d = _dispatcher(ledger, adapter, clock)
    assert d.run_due().retrying
    (p,) = ledger.posts("L")
    assert p.state == "retrying" and "503 busy" in p.error and T0 < p.retry_at <= T0 + 2
    clock.t = p.retry_at
    d.run_due()
    (p,) = ledger.posts("L")
    assert (p.state, p.retry_at) == ("retrying", clock.t + 7)  # the platform's hint, exactly
    clock.t = p.retry_at
    d.run_due()
    (p,) = ledger.posts("L")
    assert (p.state, p.attempts, p.error) == ("sent", 3, None)
    assert clock.sleeps == []  # nothing waited in place


def test_a_long_outage_keeps_the_post_until_its_life_ends_then_it_expires(ledger):
    """The platform fails for longer than the post is worth sending: it keeps retrying with
    growing, capped waits, then is ``expired`` with the platform's last error, never sent
    stale; nothing was published."""
    record_posts(ledger, "L", [{"key": "a", "due_at": T0, "expires_at": T0 + 900}])
    adapter = FakeAdapter([TransientError("503 service unavailable")] * 100)
    clock = Clock()
    d = _dispatcher(ledger, adapter, clock)
    d.run_due(wait_up_to=2000)
    (p,) = ledger.posts("L")
    assert p.state == "expired" and "503 service unavailable" in p.error
    assert "expired at" in p.error
    assert 5 < len(adapter.calls) < 100 and adapter.published == {}
    assert clock.t <= T0 + 900
    waits = [e.detail for e in ledger.events("L") if e.action == "post.retrying"]
    assert len(waits) == len(adapter.calls) - 1


def test_an_outage_longer_than_the_old_budget_still_delivers_once(ledger):
    """Ten failures in a row (the old inline budget was five over ~4 s), then the platform is
    back: the post is sent exactly once, well within its life."""
    record_posts(ledger, "L", [{"key": "a", "due_at": T0, "expires_at": T0 + 4 * 3600}])
    adapter = FakeAdapter([TransientError("connection refused")] * 10)
    clock = Clock()
    _dispatcher(ledger, adapter, clock).run_due(wait_up_to=4 * 3600)
    (p,) = ledger.posts("L")
    assert (p.state, p.attempts) == ("sent", 11)
    assert list(adapter.published) == ["a"]


def test_a_post_due_after_its_life_ended_is_expired_not_sent(ledger):
    """Nothing sent it in time (no daemon ran): at the next pass it is expired, with why."""
    record_posts(ledger, "L", [{"key": "a", "due_at": T0, "expires_at": T0 + 60}])
    adapter = FakeAdapter()
    _dispatcher(ledger, adapter, Clock(T0 + 61)).run_due()
    (p,) = ledger.posts("L")
    assert p.state == "expired" and "was `launcher daemon` running?" in p.error
    assert adapter.calls == []
    assert "post.expired" in [e.action for e in ledger.events("L")]


def test_one_platform_in_trouble_does_not_delay_another(ledger):
    """A 503 on one platform defers that platform's other due posts to its retry time,
    untried; the other platform's posts go out in the same pass."""

    class TwoPlatforms(Targets):
        def __init__(self, down, up):
            self.by = {"mastodon": down, "x": up}

        def adapter_for(self, platform, mission=None):
            return self.by[platform]

    posts = [{"key": f"m{i}", "due_at": T0, "platform": "mastodon"} for i in range(3)]
    posts += [{"key": f"x{i}", "due_at": T0, "platform": "x"} for i in range(3)]
    record_posts(ledger, "L", posts)
    down, up = FakeAdapter([TransientError("503")] * 10), FakeAdapter()
    clock = Clock()
    Dispatcher(ledger, TwoPlatforms(down, up), actor="d", clock=clock, sleep=clock.sleep).run_due()
    states = {p.key: (p.state, p.attempts) for p in ledger.posts("L")}
    assert all(states[f"x{i}"] == ("sent", 1) for i in range(3))
    assert len(down.calls) == 1  # the other two mastodon posts were not tried into the outage
    assert {states[f"m{i}"][0] for i in range(3)} == {"retrying"}
    assert sorted(a for _, a in (states[f"m{i}"] for i in range(3))) == [0, 0, 1]


def test_permanent_failure_is_not_retried(ledger):
    """A rejection fails at once with the platform's reason."""
    record_posts(ledger, "L", [{"key": "a", "due_at": T0}])
    adapter = FakeAdapter([ContentRejected("text contains a banned link")])
    _dispatcher(ledger, adapter).run_due()
    (p,) = ledger.posts("L")
    assert p.state == "failed" and "banned link" in p.error
    assert len(adapter.calls) == 1


def test_lost_answer_is_reconciled_not_doubled(ledger):
    """Accepted-but-the-answer-was-lost: the post is ``retrying`` and marked to reconcile; the
    next attempt finds it on the platform and records it, never posting again."""
    record_posts(ledger, "L", [{"key": "a", "due_at": T0}])
    adapter = FakeAdapter([TransientError("read timeout", maybe_sent=True)])
    clock = Clock()
    d = _dispatcher(ledger, adapter, clock)
    d.run_due()
    (p,) = ledger.posts("L")
    assert (p.state, p.reconcile) == ("retrying", True)
    d.run_due(wait_up_to=60)
    (p,) = ledger.posts("L")
    assert p.state == "sent" and p.platform_post_id == "id-1" and not p.reconcile
    assert len(adapter.calls) == 1
    assert "post.reconciled" in [e.action for e in ledger.events("L")]


def test_crash_in_sending_is_reconciled_before_resending(ledger):
    """A post left in sending by a dead worker is looked up on the platform first."""
    record_posts(ledger, "L", [{"key": "a", "due_at": T0}, {"key": "b", "due_at": T0}])
    adapter = FakeAdapter()
    adapter.published["a"] = Published("already-there")  # sent, then the worker died
    assert len(ledger.claim_due(worker="crashed", now=T0, lease=10, limit=1)) == 1
    _dispatcher(ledger, adapter, Clock(T0 + 11)).run_due()
    a, b = ledger.posts("L")
    assert (a.state, a.platform_post_id) == ("sent", "already-there")
    assert b.state == "sent"
    assert [c.key for c in adapter.calls] == ["b"]
    assert "post.reconciled" in [e.action for e in ledger.events("L")]


def test_thread_parts_reply_in_order(ledger):
    """Part 2 replies to part 1's platform id."""
    record_posts(
        ledger,
        "L",
        [
            {"key": "t#p1", "due_at": T0, "part": 1, "parts": 2},
            {"key": "t#p2", "due_at": T0, "part": 2, "parts": 2, "prev_key": "t#p1"},
        ],
    )
    adapter = FakeAdapter()
    _dispatcher(ledger, adapter).run_due()
    assert [(c.key, c.reply_to) for c in adapter.calls] == [("t#p1", None), ("t#p2", "id-1")]


def test_pin_after_send_and_unsupported_pin_is_not_a_failure(ledger):
    """A pinned post is pinned after sending; a platform that cannot pin is noted in audit."""
    record_posts(ledger, "L", [{"key": "a", "due_at": T0, "pin": True}])
    record_posts(ledger, "M", [{"key": "a", "due_at": T0, "pin": True}])
    adapter = FakeAdapter()
    _dispatcher(ledger, adapter).run_due(launch_id="L")
    assert adapter.pins == ["id-1"]
    adapter.pin_error = Unsupported("no pins here")
    _dispatcher(ledger, adapter).run_due(launch_id="M")
    assert ledger.posts("M")[0].state == "sent"
    assert "post.pin-unsupported" in [e.action for e in ledger.events("M")]


def test_halt_between_claim_and_send_is_honoured(ledger):
    """A halt that lands while a batch is being sent stops the rest of the batch."""
    record_posts(ledger, "L", [{"key": f"k{i}", "due_at": T0} for i in range(5)])
    adapter = FakeAdapter()
    original = adapter.publish

    def publish_then_halt(account, post):
        out = original(account, post)
        if post.key == "k1":
            ledger.halt("L", actor="duty officer", now=T0)
        return out

    adapter.publish = publish_then_halt
    _dispatcher(ledger, adapter, halt_check=0).run_due()  # exact: read before every send
    assert [p.state for p in ledger.posts("L")] == ["sent", "sent", "halted", "halted", "halted"]


def test_stop_releases_the_rest_of_the_batch(ledger):
    """On stop, claimed-but-unsent posts go back to scheduled for the next worker."""
    record_posts(ledger, "L", [{"key": f"k{i}", "due_at": T0} for i in range(4)])
    stop = threading.Event()
    adapter = FakeAdapter()
    original = adapter.publish

    def publish_then_stop(account, post):
        stop.set()
        return original(account, post)

    adapter.publish = publish_then_stop
    result = _dispatcher(ledger, adapter, stop=stop).run_due()
    assert len(result.sent) == 1 and len(result.released) == 3
    assert [p.state for p in ledger.posts("L")] == ["sent"] + ["scheduled"] * 3
    assert all(p.claimed_by is None for p in ledger.posts("L")[1:])


def test_two_dispatchers_never_double_post(ledger):
    """Two workers on one ledger, interleaved in threads: every post exactly once."""
    record_posts(ledger, "L", [{"key": f"k{i}", "due_at": T0} for i in range(60)])
    adapter = FakeAdapter()
    lock = threading.Lock()
    original = adapter.publish

    def publish(account, post):
        with lock:
            return original(account, post)

    adapter.publish = publish
    workers = [_dispatcher(ledger, adapter, batch=3) for _ in range(2)]
    threads = [threading.Thread(target=w.run_due) for w in workers]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    keys = [c.key for c in adapter.calls]
    assert sorted(keys) == sorted(set(keys)) and len(keys) == 60
    assert {p.state for p in ledger.posts("L")} == {"sent"}


def test_dead_local_claimant_detection():
    """A claim held by a pid that no longer exists on this host is recognised as dead."""
    import os
    import socket
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    host = socket.gethostname()
    dead = f"{host}/{proc.pid}/daemon-x"
    alive = f"{host}/{os.getppid()}/daemon-y"
    assert dead_local_claimants([dead, alive, "other-host/1/daemon-z"]) == [dead]


def test_mastodon_over_http_retries_with_one_idempotency_key(ledger, monkeypatch):
    """Through the real Mastodon adapter (HTTP mocked by `responses`): 503, 429 with a
    Retry-After hint, a read timeout after the request went out, then 200. Every attempt
    carries the same Idempotency-Key, the hint is honoured, and the post is sent once."""
    import requests
    import responses

    from launcher.settings import Settings

    monkeypatch.setenv("MASTO_TOKEN", "tok-not-logged-1234")
    settings = Settings(
        {
            "platforms": {
                "mastodon": {
                    "adapter": "mastodon",
                    "options": {
                        "base_url": "https://social.example.org",
                        "token": "env:MASTO_TOKEN",
                    },
                }
            }
        }
    )
    record_posts(ledger, "L", [{"key": "a", "due_at": T0, "platform": "mastodon"}])
    url = "https://social.example.org/api/v1/statuses"
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.add(responses.POST, url, status=503, json={"error": "busy"})
        rsps.add(
            responses.POST, url, status=429, json={"error": "slow"}, headers={"Retry-After": "7"}
        )
        rsps.add(responses.POST, url, body=requests.exceptions.ReadTimeout("lost"))
        rsps.add(responses.POST, url, status=200, json={"id": "109", "url": "https://s/109"})
        clock = Clock()
        d = Dispatcher(ledger, settings, actor="d", clock=clock, sleep=clock.sleep)
        d.run_due(wait_up_to=120)
        keys = {c.request.headers["Idempotency-Key"] for c in rsps.calls}
    (p,) = ledger.posts("L")
    assert (p.state, p.platform_post_id, p.attempts) == ("sent", "109", 4)
    assert len(keys) == 1  # within the key's hour a resend is safe: no timeline read
    assert 7.0 in clock.sleeps
    assert "tok-not-logged-1234" not in json.dumps([e.as_dict() for e in ledger.events()])


def test_mastodon_rejection_is_recorded_with_the_platform_reason(ledger, monkeypatch):
    """A 422 from Mastodon fails the post with Mastodon's own error text."""
    import responses

    from launcher.settings import Settings

    monkeypatch.setenv("MASTO_TOKEN", "tok-not-logged-1234")
    settings = Settings(
        {
            "platforms": {
                "mastodon": {
                    "adapter": "mastodon",
                    "options": {
                        "base_url": "https://social.example.org",
                        "token": "env:MASTO_TOKEN",
                    },
                }
            }
        }
    )
    record_posts(ledger, "L", [{"key": "a", "due_at": T0, "platform": "mastodon"}])
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.add(
            responses.POST,
            "https://social.example.org/api/v1/statuses",
            status=422,
            json={"error": "Validation failed: Text character limit of 500 exceeded"},
        )
        Dispatcher(ledger, settings, actor="d", clock=Clock(), sleep=lambda s: None).run_due()
    (p,) = ledger.posts("L")
    assert p.state == "failed" and "character limit" in p.error


def _x_settings(monkeypatch):
    from launcher.settings import Settings

    monkeypatch.setenv("X_TOKEN", "x-token-not-logged-5678")
    return Settings(
        {
            "platforms": {
                "x": {
                    "adapter": "x",
                    "accounts": [
                        {"account_id": "42", "credentials": {"access_token": "env:X_TOKEN"}}
                    ],
                }
            }
        }
    )


def test_x_lost_answer_is_found_on_the_timeline_not_reposted(ledger, monkeypatch):
    """X has no idempotency key: after a read timeout on POST /2/tweets the dispatcher waits
    (a request X queued may still be processed), then reads the account's posts since the
    first attempt, finds the tweet and records it; a second POST never happens."""
    import requests
    import responses

    settings = _x_settings(monkeypatch)
    record_posts(ledger, "L", [{"key": "a", "due_at": T0, "platform": "x", "text": "Hello"}])
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.add(
            responses.POST,
            "https://api.x.com/2/tweets",
            body=requests.exceptions.ReadTimeout("answer lost"),
        )
        rsps.add(
            responses.GET,
            "https://api.x.com/2/users/42/tweets",
            json={"data": [{"id": "777", "text": "Hello"}]},
        )
        clock = Clock()
        d = Dispatcher(ledger, settings, actor="d", clock=clock, sleep=clock.sleep)
        d.run_due(wait_up_to=300)
        posts_made = [c for c in rsps.calls if c.request.method == "POST"]
        (read,) = [c for c in rsps.calls if c.request.method == "GET"]
    (p,) = ledger.posts("L")
    assert (p.state, p.platform_post_id) == ("sent", "777")
    assert len(posts_made) == 1
    assert clock.sleeps and clock.sleeps[0] >= 90  # X's reconcile_after
    # back to the first attempt, less two minutes of clock skew
    assert "start_time=2027-01-15T07%3A58%3A00Z" in read.request.url


def test_x_crash_leftover_is_checked_then_sent_once(ledger, monkeypatch):
    """A post left 'sending' by a dead worker: the timeline is checked first; not there, so
    it is sent, once."""
    import responses

    settings = _x_settings(monkeypatch)
    record_posts(ledger, "L", [{"key": "a", "due_at": T0, "platform": "x", "text": "Hello"}])
    ledger.claim_due(worker="dead", now=T0, lease=10)
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.add(responses.GET, "https://api.x.com/2/users/42/tweets", json={"data": []})
        rsps.add(responses.POST, "https://api.x.com/2/tweets", json={"data": {"id": "900"}})
        Dispatcher(
            ledger, settings, actor="d", clock=Clock(T0 + 11), sleep=lambda s: None
        ).run_due()
    (p,) = ledger.posts("L")
    assert (p.state, p.platform_post_id) == ("sent", "900")


def test_group_commit_records_sent_before_pinning(ledger):
    """Resend-safe platforms commit a batch's sent posts together; a pin follows the commit,
    and until then the posts stay 'sending' under this worker's live claim."""
    record_posts(ledger, "L", [{"key": f"k{i}", "due_at": T0, "pin": i == 0} for i in range(3)])
    adapter = FakeAdapter()
    seen = []
    original = adapter.publish

    def publish(account, post):
        seen.append([p.state for p in ledger.posts("L")])
        return original(account, post)

    adapter.publish = publish
    _dispatcher(ledger, adapter, group_commit=True).run_due()
    assert seen[-1] == ["sending", "sending", "sending"]  # k0, k1 sent, not yet committed
    assert {p.state for p in ledger.posts("L")} == {"sent"}
    actions = [e.action for e in ledger.events("L")]
    assert actions.index("post.pinned") > max(i for i, a in enumerate(actions) if a == "post.sent")


def test_reconcile_platforms_commit_each_post_at_once(ledger):
    """Where a resend is not safe by itself, each sent post is committed before the next."""
    record_posts(ledger, "L", [{"key": f"k{i}", "due_at": T0} for i in range(3)])
    adapter = FakeAdapter()
    seen = []
    original = adapter.publish

    def publish(account, post):
        seen.append([p.state for p in ledger.posts("L")])
        return original(account, post)

    adapter.publish = publish
    _dispatcher(ledger, adapter).run_due()
    assert seen[-1] == ["sent", "sent", "sending"]
