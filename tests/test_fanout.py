"""Fanning out: many accounts at once, each account's chain in order, a fault slows only its
own platform (or account). Real ledger, real dispatcher with many workers, an in-memory
platform that answers after a small random delay (seeded) so the workers really interleave."""

from __future__ import annotations

import random
import threading
import time
from typing import ClassVar

import pytest

from launcher.adapters.base import (
    AccountRef,
    Adapter,
    Capabilities,
    OutgoingPost,
    ProfileUpdate,
    Provisioned,
    Published,
)
from launcher.errors import RateLimited, TransientError
from launcher.launch.dispatch import Dispatcher
from launcher.launch.lifecycle import record_posts
from launcher.ledger import Ledger
from launcher.testing import FakeClock

T0 = 1_800_000_000.0


class SlowPlatform(Adapter):
    """Answers after a few milliseconds; logs every operation with its account, in order."""

    name: ClassVar[str] = "slow"
    platform: ClassVar[str] = "sandbox"
    title: ClassVar[str] = "Slow"
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=500, counting="chars", profile_fields=frozenset({"bio"}),
        create_accounts=True, pin=True, delete=True, idempotency="reconcile",
    )  # fmt: skip

    def __init__(self, seed: int = 7, fail: dict[str, list[Exception]] | None = None) -> None:
        super().__init__({})
        self.lock = threading.Lock()
        self.rng = random.Random(seed)
        self.log: list[tuple[str, str, str]] = []  # (account handle, op, key or id)
        self.ids: dict[str, str] = {}
        self.replies: dict[str, str | None] = {}
        self.fail = fail or {}  # handle -> exceptions for its next publishes
        self.in_flight = 0
        self.most_in_flight = 0
        self.per_account: dict[str, int] = {}
        self.most_per_account: dict[str, int] = {}

    def _wait(self, account: AccountRef) -> None:
        h = account.handle
        with self.lock:
            delay = self.rng.uniform(0.0005, 0.004)
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            self.per_account[h] = self.per_account.get(h, 0) + 1
            self.most_per_account[h] = max(self.most_per_account.get(h, 0), self.per_account[h])
        time.sleep(delay)  # the round trip: lets the other workers run meanwhile
        with self.lock:
            self.in_flight -= 1
            self.per_account[h] -= 1

    def provision(self, account: AccountRef, profile: ProfileUpdate) -> Provisioned:
        self._wait(account)
        with self.lock:
            self.log.append((account.handle, "provision", ""))
        return Provisioned(account=account, created=True)

    def publish(self, account: AccountRef, post: OutgoingPost) -> Published:
        self._wait(account)
        with self.lock:
            queue = self.fail.get(account.handle)
            if queue:
                raise queue.pop(0)
            pid = f"id-{len(self.ids) + 1}"
            self.ids[post.key] = pid
            self.replies[post.key] = post.reply_to
            self.log.append((account.handle, "publish", post.key))
        return Published(pid)

    def find_published(self, account: AccountRef, post: OutgoingPost) -> Published | None:
        with self.lock:
            pid = self.ids.get(post.key)
        return Published(pid) if pid else None

    def pin(self, account: AccountRef, published: Published) -> None:
        self._wait(account)
        with self.lock:
            self.log.append((account.handle, "pin", published.platform_post_id))


class Targets:
    def __init__(self, by_platform: dict[str, Adapter]) -> None:
        self.by = by_platform

    def adapter_for(self, platform: str, mission: str | None = None) -> Adapter:
        return self.by[platform]

    def account_ref(self, platform: str, mission: str, locale: str, handle: str) -> AccountRef:
        return AccountRef(platform=platform, handle=handle, locale=locale)


@pytest.fixture
def ledger(tmp_path):
    with Ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}") as led:
        yield led


def _crisis(ledger: Ledger, accounts: int, platform: str = "sandbox", launch: str = "L") -> None:
    """Each account: an introduction (pinned), condolences (pinned), a two-part thread, an
    update: due together, in the plan's order, message by message over the accounts."""
    locales = [f"l{i:02d}" for i in range(accounts)]
    rows = []
    for msg, pin, parts in (("intro", True, 1), ("condolences", True, 1), ("safety", False, 2),
                            ("update", False, 1)):  # fmt: skip
        for loc in locales:
            for part in range(1, parts + 1):
                key = f"{msg}#1/{platform}/{loc}" + (f"#p{part}" if parts > 1 else "")
                rows.append({
                    "key": key, "message": msg, "platform": platform, "locale": loc,
                    "due_at": T0, "pin": pin, "part": part, "parts": parts,
                    "prev_key": key.replace(f"#p{part}", f"#p{part - 1}") if part > 1 else None,
                })  # fmt: skip
    accounts_rows = [{"platform": platform, "locale": loc, "handle": f"{platform}-{loc}",
                      "display_name": loc, "bio": "b", "links": []} for loc in locales]  # fmt: skip
    record_posts(ledger, launch, rows, accounts=accounts_rows, now=T0)


def _run(ledger: Ledger, targets: Targets, workers: int = 8, **kw) -> object:
    clock = FakeClock(T0)
    d = Dispatcher(ledger, targets, actor="d", clock=clock, sleep=clock.sleep, workers=workers,
                   batch=kw.pop("batch", 50), **kw)  # fmt: skip
    try:
        return d.run_due()
    finally:
        d.close()


def test_each_accounts_chain_stays_in_order_while_accounts_go_side_by_side(ledger):
    """Twenty accounts with eight workers: every account is set up before its first post,
    posts go out in the plan's order (the introduction first), each pin follows its post,
    thread part 2 replies to part 1, and several accounts really were in flight at once."""
    _crisis(ledger, 20)
    platform = SlowPlatform()
    result = _run(ledger, Targets({"sandbox": platform}))
    posts = ledger.posts("L")
    assert {p.state for p in posts} == {"sent"} and len(result.sent) == len(posts)
    assert platform.most_in_flight > 1  # concurrency happened
    for i in range(20):
        handle, loc = f"sandbox-l{i:02d}", f"l{i:02d}"
        ops = [(op, ref) for h, op, ref in platform.log if h == handle]
        assert ops[0] == ("provision", "")
        keys = [ref.split("/")[0] + ref.rsplit("/", 1)[1][len(loc):] for op, ref in ops
                if op == "publish"]  # fmt: skip
        assert keys[:2] == ["intro#1", "condolences#1"]  # the introduction first
        assert sorted(keys) == sorted(["intro#1", "condolences#1", "safety#1#p1",
                                       "safety#1#p2", "update#1"])  # fmt: skip
        assert keys.index("safety#1#p1") < keys.index("safety#1#p2")
        assert platform.most_per_account[handle] == 1  # one call at a time per account
        for key in (f"intro#1/sandbox/{loc}", f"condolences#1/sandbox/{loc}"):
            pid = platform.ids[key]
            assert ops.index(("pin", pid)) > ops.index(("publish", key))  # pin after its post
        part1 = f"safety#1/sandbox/{loc}#p1"
        assert platform.replies[f"safety#1/sandbox/{loc}#p2"] == platform.ids[part1]


def test_group_commit_platforms_keep_the_order_and_pin_after_the_commit(ledger):
    """Where a resend is safe (group commit), lanes still keep each account's order, and a
    post is pinned only once the ledger says it was sent."""
    _crisis(ledger, 6)
    platform = SlowPlatform(seed=11)
    seen_sent: list[bool] = []
    original = platform.pin

    def pin(account, published):
        post = next(
            p for p in ledger.posts("L") if p.platform_post_id == published.platform_post_id
        )
        seen_sent.append(post.state == "sent")
        return original(account, published)

    platform.pin = pin  # type: ignore[method-assign]
    _run(ledger, Targets({"sandbox": platform}), group_commit=True)
    assert {p.state for p in ledger.posts("L")} == {"sent"}
    assert seen_sent and all(seen_sent)
    for i in range(6):
        keys = [ref for h, op, ref in platform.log if h == f"sandbox-l{i:02d}" and op == "publish"]
        assert keys[0].startswith("intro#1") and keys[1].startswith("condolences#1")


def test_a_rate_limit_slows_that_account_only(ledger):
    """One account meets a 429: its other posts wait for the platform's hint, untried; every
    other account of the same platform goes on in the same pass."""
    _crisis(ledger, 5)
    platform = SlowPlatform(fail={"sandbox-l02": [RateLimited("429 slow down", retry_after=60)]})
    _run(ledger, Targets({"sandbox": platform}))
    by_locale: dict[str, set[str]] = {}
    for p in ledger.posts("L"):
        by_locale.setdefault(p.locale, set()).add(p.state)
    limited = by_locale.pop("l02")
    assert "retrying" in limited and "sent" not in limited  # it waits for the hint
    assert all(states == {"sent"} for states in by_locale.values())
    tried = [ref for h, op, ref in platform.log if h == "sandbox-l02" and op == "publish"]
    assert tried == []  # the rate-limited account: nothing more tried into the limit


def test_a_fault_on_one_platform_does_not_delay_another(ledger):
    """Mastodon is down (a 503 for everything) while Telegram is up: every Telegram post of the
    pass goes out; Mastodon was tried once per account at most, the rest deferred untried."""
    _crisis(ledger, 4, platform="mastodon", launch="M")
    _crisis(ledger, 4, platform="telegram", launch="T")
    down = SlowPlatform(fail={f"mastodon-l{i:02d}": [TransientError("503")] * 50 for i in range(4)})
    up = SlowPlatform(seed=3)
    _run(ledger, Targets({"mastodon": down, "telegram": up}))
    assert {p.state for p in ledger.posts("T")} == {"sent"}
    states = {p.state for p in ledger.posts("M")}
    assert states <= {"retrying", "scheduled"} and "sent" not in states
    attempts = sum(p.attempts for p in ledger.posts("M"))
    assert attempts <= 4  # one request into the outage, not one per post


def test_a_platform_wide_limit_cools_the_whole_platform(ledger):
    """A 429 the platform says is its app's (Facebook code 4, a Telegram bot's flood limit):
    the platform's other accounts wait too; other platforms do not."""
    _crisis(ledger, 3, platform="facebook", launch="F")
    _crisis(ledger, 3, platform="x", launch="X")
    app_limit = RateLimited("application request limit reached", retry_after=120, scope="app")
    fb = SlowPlatform(fail={"facebook-l00": [app_limit]})
    x = SlowPlatform(seed=5)
    _run(ledger, Targets({"facebook": fb, "x": x}), workers=1, batch=200)
    assert {p.state for p in ledger.posts("X")} == {"sent"}
    assert not [r for r in fb.log if r[1] == "publish"]  # no other Page was tried
    assert {p.state for p in ledger.posts("F")} <= {"retrying", "scheduled"}
