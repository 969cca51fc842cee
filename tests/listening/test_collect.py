"""Collection as a crisis lives it: restarts, outages, a daemon that was down, rate limits,
a removed post, and posting that comes due in the middle of a pass."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from launcher.adapters.sandbox import SandboxAdapter
from launcher.adapters.telegram_listen import LISTENING as TELEGRAM
from launcher.errors import RateLimited, TransientError
from launcher.listening.collect import RESERVE_PAUSE, Collector
from launcher.listening.config import ListenConfig
from launcher.listening.snapshots import SnapshotStore
from launcher.listening.store import ListeningStore
from launcher.settings import load_settings
from tests.conftest import REPO

from .helpers import launch


def _collector(launched, **kw) -> Collector:
    return Collector(
        launched.ledger, launched.settings, clock=launched.clock, actor="daemon:test", **kw
    )


def test_a_restart_between_passes_collects_every_item_once(tmp_path: Path) -> None:
    la = launch(tmp_path)
    for n in range(3):
        la.reply("bluesky", "it", f"domanda {n}")
    first = _collector(la).step(force=True)
    assert first.items == 3
    la.reply("bluesky", "it", "domanda 3")
    la.reply("mastodon", "en", "question 4")
    # a new process: new settings (new adapters, no memory), same ledger
    again = load_settings(None, root=str(REPO))
    l2 = replace(la, settings=again)
    second = Collector(la.ledger, again, clock=la.clock).step(force=True)
    assert second.items == 2
    items = ListeningStore(la.ledger).items(launch_id=la.launch_id)
    assert sorted(i.text for i in items) == [f"domanda {n}" for n in range(4)] + ["question 4"]
    assert len({i.platform_item_id for i in items}) == 5
    assert l2.launch_id == la.launch_id


def test_a_crash_while_recording_loses_nothing(tmp_path: Path, monkeypatch) -> None:
    """Items and the cursor after them are one transaction: killed before it commits, the
    next pass reads the same items again and records each once."""
    la = launch(tmp_path)
    la.reply("bluesky", "it", "prima")
    la.reply("bluesky", "it", "seconda")
    store_cls = ListeningStore
    real = store_cls.add_items
    calls = {"n": 0}

    def dies_once(self, target, items, **kw):
        if target.platform == "bluesky" and target.locale == "it":
            calls["n"] += 1
            if calls["n"] == 1:
                raise KeyboardInterrupt  # the process dies mid-write
        return real(self, target, items, **kw)

    monkeypatch.setattr(store_cls, "add_items", dies_once)
    with pytest.raises(KeyboardInterrupt):
        _collector(la).step(force=True)
    monkeypatch.setattr(store_cls, "add_items", real)
    assert ListeningStore(la.ledger).items(launch_id=la.launch_id) == []
    assert _collector(la).step(force=True).items == 2


def test_an_outage_is_retried_at_the_next_interval_then_collected(tmp_path, monkeypatch) -> None:
    la = launch(tmp_path)
    la.reply("bluesky", "it", "c'è nessuno?")
    adapter = la.sandbox("bluesky")
    real = adapter.fetch_inbox
    down = {"on": True}

    def flaky(account, cursor, posts=()):
        if down["on"]:
            raise TransientError("service unavailable", platform="bluesky", status=503)
        return real(account, cursor, posts)

    monkeypatch.setattr(adapter, "fetch_inbox", flaky)
    collector = _collector(la, config=ListenConfig(inbox_every=120))
    result = collector.step()
    assert result.items == 0 and any("service unavailable" in e for e in result.errors)
    down["on"] = False
    assert collector.step().items == 0  # not before the interval: no hammering
    la.clock.advance(121)
    assert collector.step().items == 1


def test_snapshots_at_fixed_ages_and_a_daemon_that_was_down(tmp_path: Path) -> None:
    """T+1h and T+24h each once, at the time really taken; a daemon down from 2h to 30h takes
    24h when it is back, never a late "1h"; 7d closes the series."""
    la = launch(tmp_path)
    post = la.post("bluesky", "it")
    la.reply("bluesky", "it", "bravi", kind="like")
    collector = _collector(la, config=ListenConfig(refresh_every=900))
    snaps = SnapshotStore(la.ledger)

    def ages() -> list[str]:
        return [s.age for s in snaps.of_launch(la.launch_id) if s.post_id == post.id]

    la.clock.advance(timedelta(minutes=61))
    collector.step()
    assert ages() == ["1h"]
    la.clock.advance(timedelta(minutes=20))
    collector.step()
    assert ages() == ["1h", ""]  # a refresh between ages
    la.clock.advance(timedelta(hours=29))  # down, back at ~30h
    collector.step()
    assert ages() == ["1h", "", "24h"]
    la.clock.now = post.sent_at + timedelta(days=7, hours=1).total_seconds()
    collector.step()
    assert ages()[-1] == "7d"
    taken = [s for s in snaps.of_launch(la.launch_id) if s.post_id == post.id]
    assert taken[0].values["likes"] == 1 and taken[0].values["reach"] is None
    assert "no audience" in taken[0].unavailable["reach"]
    la.clock.advance(timedelta(days=2))
    collector.step()
    assert ages()[-1] == "7d" and ages().count("7d") == 1  # past its horizon: left alone


def test_a_first_collection_late_takes_only_the_age_now_due(tmp_path: Path) -> None:
    la = launch(tmp_path)
    post = la.post("mastodon", "it")
    la.clock.advance(timedelta(hours=30))
    _collector(la).step()
    got = [s.age for s in SnapshotStore(la.ledger).of_launch(la.launch_id) if s.post_id == post.id]
    assert got == ["24h"]


def test_a_removed_post_is_recorded_once_and_no_longer_measured(tmp_path: Path) -> None:
    la = launch(tmp_path)
    post = la.post("bluesky", "it")
    la.sandbox("bluesky").receive(
        la.handle("bluesky", "it"), "remove", target=post.platform_post_id
    )
    collector = _collector(la)
    assert collector.step(force=True).removed == 1
    assert collector.step(force=True).removed == 0
    removed = SnapshotStore(la.ledger).removed_posts(la.launch_id)
    assert list(removed) == [post.id] and "moderator" in removed[post.id][1]
    events = [e for e in la.ledger.events(la.launch_id) if e.action == "post.removed-on-platform"]
    assert len(events) == 1 and events[0].post_id == post.id


def test_collection_gives_way_when_posting_needs_the_worker(tmp_path: Path) -> None:
    la = launch(tmp_path)
    for loc in ("it", "en", "fr"):
        la.reply("bluesky", loc, "ciao")
    asked = {"n": 0}

    def yield_after_one_call() -> bool:
        asked["n"] += 1
        return asked["n"] > 1

    collector = _collector(la)
    first = collector.step(yield_after_one_call, force=True)
    assert first.yielded and first.calls == 1
    rest = collector.step(force=True)
    assert not rest.yielded
    assert first.items + rest.items == 3


def test_a_post_coming_due_during_a_pass_stops_it(tmp_path: Path) -> None:
    """The daemon's rule: work that came due after the pass began stops it; a post that was
    already stuck (its account down) does not hold listening up."""
    la = launch(tmp_path)
    collector = _collector(la)
    started = la.clock.now
    assert not collector._posting_due(started)
    nxt = min(p.due_at for p in la.ledger.posts(la.launch_id) if p.state == "scheduled")
    la.clock.now = nxt + 1
    assert collector._posting_due(started)
    assert not collector._posting_due(nxt + 0.5)  # already due at the start of that pass


def test_the_rate_limit_reserve_is_left_to_posting(tmp_path: Path, monkeypatch) -> None:
    la = launch(tmp_path)
    for loc in ("it", "en"):
        la.reply("bluesky", loc, "ciao")
    adapter = la.sandbox("bluesky")
    monkeypatch.setattr(adapter, "listen_headroom", lambda: 0.25)  # below the 0.3 reserve
    collector = _collector(la)
    first = collector.step(force=True)
    assert first.items == 1 and any(p.startswith("bluesky@") for p in first.paused)
    assert collector.step(force=True).items == 0  # still paused
    monkeypatch.setattr(adapter, "listen_headroom", lambda: 0.9)
    la.clock.advance(RESERVE_PAUSE + 1)
    assert collector.step(force=True).items == 1


def test_a_429_to_listening_pauses_that_platform_for_its_hint(tmp_path, monkeypatch) -> None:
    la = launch(tmp_path)
    la.reply("mastodon", "it", "ciao")
    adapter = la.sandbox("mastodon")

    def limited(account, cursor, posts=()):
        raise RateLimited("slow down", platform="mastodon", retry_after=600)

    monkeypatch.setattr(adapter, "fetch_inbox", limited)
    collector = _collector(la)
    assert collector.step(force=True).errors
    monkeypatch.undo()
    la.clock.advance(300)
    assert collector.step(force=True).items == 0  # still within the hint
    la.clock.advance(301)
    assert collector.step(force=True).items == 1


class _Telegramish(SandboxAdapter):
    """A sandbox that can listen only as much as Telegram's Bot API."""

    capabilities = replace(SandboxAdapter.capabilities, listening=TELEGRAM)


def test_a_platform_that_cannot_says_why_and_its_posts_say_unavailable(tmp_path: Path) -> None:
    la = launch(tmp_path)
    real = la.settings.adapter_for

    def adapter_for(platform, mission=None):
        if platform == "telegram":
            return _Telegramish({"stands_for": "telegram", "data_dir": str(la.settings.data_dir)})
        return real(platform, mission)

    la.settings.adapter_for = adapter_for  # type: ignore[method-assign]
    result = _collector(la).step(force=True)
    assert any("no inbox" in s and "discussion group" in s for s in result.skipped)
    tg = [
        s
        for s in SnapshotStore(la.ledger).of_launch(la.launch_id)
        if s.platform == "telegram" and s.post_id is not None
    ]
    assert tg and all(s.values["likes"] is None for s in tg)
    assert "Bot API" in tg[0].unavailable["likes"]
    followers = [
        s
        for s in SnapshotStore(la.ledger).of_launch(la.launch_id)
        if s.platform == "telegram" and s.post_id is None
    ]
    assert followers and followers[0].followers == 0  # a member count is read, 0 members


def test_items_are_attributed_to_the_launch_whose_post_they_answer(tmp_path: Path) -> None:
    """Two launches on the same accounts: a reply goes to the launch of the post it answers;
    the account is read once."""
    first = launch(tmp_path)
    from launcher.launch.lifecycle import start_launch
    from launcher.testing import plan_for

    plan = plan_for(
        "earthquake", "rome", at="2026-05-23T08:30:00Z", root=REPO, region="Marche", magnitude="5.2"
    )
    first.clock.now = plan.event.confirmed_at.timestamp()
    second = start_launch(
        plan, ledger=first.ledger, targets=first.settings, actor="officer", clock=first.clock
    ).launch_id
    old = first.post("bluesky", "it")
    first.reply("bluesky", "it", "per il primo", target=old.platform_post_id)
    first.sandbox("bluesky").receive(first.handle("bluesky", "it"), "mention", text="generico")
    result = _collector(first).step(force=True)
    assert result.items == 2
    items = {i.text: i.launch_id for i in ListeningStore(first.ledger).items()}
    assert items == {"per il primo": first.launch_id, "generico": second}
