"""The ledger: launches, claims with leases, halts, thread order, audit."""

from __future__ import annotations

import pytest

from launcher.errors import LedgerError
from launcher.launch.lifecycle import record_posts
from launcher.ledger import DueWork, Ledger, overall_state

T0 = 1_800_000_000.0


@pytest.fixture
def ledger(tmp_path):
    with Ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}") as led:
        yield led


def _launch(ledger, lid="L1", n=3, step=60.0, **kw):
    posts = [{"key": f"k{i}", "due_at": T0 + i * step} for i in range(n)]
    return record_posts(ledger, lid, posts, now=T0, **kw)


def test_launch_is_recorded_with_posts_and_an_audit_event(ledger):
    """A launch writes its posts as scheduled and a launch.created event with the actor."""
    _launch(ledger, actor="alice")
    posts = ledger.posts("L1")
    assert [p.state for p in posts] == ["scheduled"] * 3
    (event,) = ledger.events("L1")
    assert (event.action, event.actor) == ("launch.created", "alice")


def test_resolve_by_unique_prefix(ledger):
    """Launch ids may be abbreviated while unambiguous."""
    _launch(ledger, "rome-eq-1")
    _launch(ledger, "rome-eq-2")
    assert ledger.resolve("rome-eq-1").id == "rome-eq-1"
    with pytest.raises(LedgerError):
        ledger.resolve("rome-eq")
    with pytest.raises(LedgerError):
        ledger.resolve("nothing")


def test_claim_takes_only_due_posts_once(ledger):
    """A due post is claimed by one worker; a second worker gets nothing."""
    _launch(ledger)
    a = ledger.claim_due(worker="a", now=T0 + 61, lease=30)
    b = ledger.claim_due(worker="b", now=T0 + 61, lease=30)
    assert [c.post.key for c in a] == ["k0", "k1"]
    assert b == []
    assert {p.state for p in ledger.posts("L1")[:2]} == {"sending"}


def test_expired_lease_is_reclaimed_for_reconciliation(ledger):
    """A sending post whose lease expired (a crashed worker) is claimed with reconcile."""
    _launch(ledger, n=1)
    (first,) = ledger.claim_due(worker="a", now=T0, lease=30)
    assert not first.reconcile
    assert ledger.claim_due(worker="b", now=T0 + 29, lease=30) == []
    (again,) = ledger.claim_due(worker="b", now=T0 + 31, lease=30)
    assert again.reconcile and again.post.id == first.post.id
    assert ledger.begin_send(first.post.id, worker="a", now=T0 + 31, lease=30) is None


def test_takeover_of_a_dead_claimant(ledger):
    """A claim held by a worker known to be dead is taken over before its lease ends."""
    _launch(ledger, n=1)
    ledger.claim_due(worker="dead", now=T0, lease=300)
    (c,) = ledger.claim_due(worker="b", now=T0 + 1, lease=30, takeover=["dead"])
    assert c.reconcile


def test_sent_and_failed_are_recorded_with_reasons(ledger):
    """mark_sent stores the platform id; mark_failed the platform's reason."""
    _launch(ledger, n=2, step=0)
    c1, c2 = ledger.claim_due(worker="w", now=T0, lease=30)
    assert ledger.begin_send(c1.post.id, worker="w", now=T0, lease=30) == "active"
    ledger.mark_sent(c1.post.id, actor="d", now=T0 + 1, platform_post_id="p1")
    ledger.mark_failed(c2.post.id, actor="d", now=T0 + 1, reason="422 text too long")
    p1, p2 = ledger.posts("L1")
    assert (p1.state, p1.platform_post_id, p1.attempts) == ("sent", "p1", 1)
    assert (p2.state, p2.error) == ("failed", "422 text too long")
    (summary,) = ledger.summaries()
    assert summary.overall == "failed"


def test_overall_state_never_complete_with_a_failure():
    """The launch's state says failed, not complete, while any post failed."""
    assert overall_state("active", {"sent": 5}) == "complete"
    assert overall_state("active", {"sent": 5, "failed": 1}) == "failed"
    assert overall_state("active", {"scheduled": 1, "failed": 1}) == "failed"
    assert overall_state("halted", {"sent": 1}) == "halted"


def test_thread_part_waits_for_the_previous_part(ledger):
    """Part 2 is claimable only after part 1 is sent, and carries its platform id."""
    record_posts(
        ledger,
        "L1",
        [
            {"key": "m#p1", "due_at": T0, "part": 1, "parts": 2},
            {"key": "m#p2", "due_at": T0, "part": 2, "parts": 2, "prev_key": "m#p1"},
        ],
        now=T0,
    )
    (c,) = ledger.claim_due(worker="w", now=T0, lease=30)
    assert c.post.key == "m#p1"
    assert ledger.claim_due(worker="w", now=T0, lease=30) == []
    ledger.mark_sent(c.post.id, actor="d", now=T0, platform_post_id="P1")
    (c2,) = ledger.claim_due(worker="w", now=T0, lease=30)
    assert (c2.post.key, c2.reply_to) == ("m#p2", "P1")


def test_failed_thread_part_fails_the_rest(ledger):
    """A failed part fails the later parts with a reason naming it."""
    record_posts(
        ledger,
        "L1",
        [
            {"key": "m#p1", "due_at": T0, "part": 1, "parts": 3},
            {"key": "m#p2", "due_at": T0, "part": 2, "parts": 3, "prev_key": "m#p1"},
            {"key": "m#p3", "due_at": T0, "part": 3, "parts": 3, "prev_key": "m#p2"},
        ],
        now=T0,
    )
    (c,) = ledger.claim_due(worker="w", now=T0, lease=30)
    assert len(ledger.mark_failed(c.post.id, actor="d", now=T0, reason="rejected")) == 3
    assert all("rejected" in (p.error or "") for p in ledger.posts("L1"))


def test_halt_and_resume(ledger):
    """Halt flips scheduled posts and stops claims; resume brings them back."""
    _launch(ledger, n=3, step=0)
    _launch(ledger, "L2", n=1)
    assert ledger.halt("L1", actor="bob", now=T0) == {"L1": 3}
    assert ledger.claim_due(worker="w", now=T0, lease=30, launch_id="L1") == []
    assert ledger.halt(None, actor="bob", now=T0) == {"L2": 1}
    assert ledger.resume("L1", actor="bob", now=T0 + 1) == 3
    with pytest.raises(LedgerError):
        ledger.resume("L1", actor="bob", now=T0 + 1)
    assert len(ledger.claim_due(worker="w", now=T0 + 2, lease=30)) == 3
    actions = [e.action for e in ledger.events("L1")]
    assert actions == ["launch.created", "launch.halted", "launch.resumed"]


def test_begin_send_sees_a_halt_after_the_claim(ledger):
    """A post claimed before a halt reports the halted launch right before sending."""
    _launch(ledger, n=1)
    (c,) = ledger.claim_due(worker="w", now=T0, lease=30)
    ledger.halt("L1", actor="bob", now=T0)
    assert ledger.begin_send(c.post.id, worker="w", now=T0, lease=30) == "halted"


def test_release_returns_or_expires_claims(ledger):
    """Unattempted posts go back to scheduled; maybe-sent ones keep sending, lease expired."""
    _launch(ledger, n=2, step=0)
    c1, c2 = ledger.claim_due(worker="w", now=T0, lease=30)
    ledger.release([c1.post.id], worker="w", now=T0)
    ledger.release([c2.post.id], worker="w", now=T0, maybe_sent=True)
    p1, p2 = ledger.posts("L1")
    assert p1.state == "scheduled" and p1.claimed_by is None
    assert p2.state == "sending" and p2.claim_until == 0.0
    claims = ledger.claim_due(worker="x", now=T0, lease=30)
    assert {(c.post.key, c.reconcile) for c in claims} == {("k0", False), ("k1", True)}


def test_next_due(ledger):
    """next_due is the earliest scheduled post of an active launch."""
    assert ledger.next_due() is None
    _launch(ledger, n=2, step=10)
    assert ledger.next_due() == T0
    ledger.halt("L1", actor="x", now=T0)
    assert ledger.next_due() is None


def test_provisioning_launch_is_not_sent_until_activated(ledger):
    """While `run` sets up accounts, daemons leave the launch alone; a halt in that window
    wins over the activation."""
    ledger.create_launch(
        launch_id="P",
        playbook="p",
        mission="m",
        facts={},
        actor="a",
        now=T0,
        confirmed_at=T0,
        plan_hash="-",
        plan_doc=None,
        account_rows=[],
        post_rows=[
            {
                "key": "k",
                "message": "m",
                "platform": "sandbox",
                "locale": "en",
                "text": "t",
                "due_at": T0,
                "part": 1,
                "parts": 1,
                "pin": False,
            }
        ],
        state="provisioning",
    )
    assert ledger.claim_due(worker="d", now=T0, lease=30) == []
    assert ledger.activate("P", actor="a", now=T0)
    assert len(ledger.claim_due(worker="d", now=T0, lease=30)) == 1
    _launch(ledger, "Q", n=1)
    ledger.writer.dispose()
    from sqlalchemy import update

    from launcher.ledger.schema import launches

    with ledger.writer.begin() as conn:
        conn.execute(update(launches).where(launches.c.id == "Q").values(state="provisioning"))
    ledger.halt("Q", actor="b", now=T0)
    assert not ledger.activate("Q", actor="a", now=T0)
    assert ledger.resolve("Q").state == "halted"


def test_held_launch_waits_for_a_second_person(ledger):
    """A held launch sends nothing; its author cannot release it; someone else can."""
    ledger.create_launch(
        launch_id="H",
        playbook="p",
        mission="m",
        facts={},
        actor="alice",
        now=T0,
        confirmed_at=T0,
        plan_hash="-",
        plan_doc=None,
        account_rows=[],
        post_rows=[
            {
                "key": "k",
                "message": "m",
                "platform": "sandbox",
                "locale": "en",
                "text": "t",
                "due_at": T0,
                "part": 1,
                "parts": 1,
                "pin": False,
            }
        ],
        state="provisioning",
    )
    assert ledger.hold("H", actor="alice", now=T0, reasons=["locale it: not approved"])
    assert ledger.claim_due(worker="d", now=T0, lease=30) == []
    (summary,) = ledger.summaries(["H"])
    assert summary.overall == "awaiting-approval"
    assert summary.launch.note == ("locale it: not approved",)
    with pytest.raises(LedgerError, match="cannot also approve"):
        ledger.approve_launch("H", actor="alice", now=T0)
    assert ledger.approve_launch("H", actor="bob", now=T0) == 1
    assert len(ledger.claim_due(worker="d", now=T0, lease=30)) == 1
    actions = [(e.action, e.actor) for e in ledger.events("H")]
    assert ("launch.awaiting-approval", "alice") in actions
    assert ("launch.approved", "bob") in actions


def test_a_share_of_the_platforms_claims_only_its_own_posts(ledger):
    """A sender given some platforms (one process of a shared launch) claims, takes over and
    waits for only those; due_work says how much each platform has to do."""
    posts = [
        {"key": f"{platform}-{i}", "due_at": T0, "platform": platform, "locale": "en"}
        for platform in ("mastodon", "x", "telegram")
        for i in range(2)
    ]
    record_posts(ledger, "L1", posts, now=T0)
    two = DueWork(posts=2)
    assert ledger.due_work(["L1"], now=T0) == {"mastodon": two, "x": two, "telegram": two}
    # nothing due yet, but every platform named: each has a share to wait in
    none = DueWork()
    assert ledger.due_work(["L1"], now=T0 - 1) == {"mastodon": none, "x": none, "telegram": none}
    mine = ledger.claim_due(worker="a", now=T0, lease=30, platforms={"x", "telegram"})
    assert sorted(c.post.platform for c in mine) == ["telegram", "telegram", "x", "x"]
    (masto, _) = ledger.claim_due(worker="dead", now=T0, lease=300, platforms={"mastodon"})
    # a dead sender's mastodon claim is not taken over by a sender of other platforms...
    assert ledger.claim_due(worker="b", now=T0 + 1, lease=30, takeover=["dead"],
                            platforms={"x"}) == []  # fmt: skip
    # ...but by one of mastodon's
    again = ledger.claim_due(worker="c", now=T0 + 1, lease=30, takeover=["dead"],
                             platforms={"mastodon"})  # fmt: skip
    assert masto.post.id in {c.post.id for c in again} and all(c.reconcile for c in again)


def test_the_writers_lock_waits_for_another_holder_and_gives_up_in_time(tmp_path):
    """Writers of other processes take turns on the flock; a writer that waited its whole time
    (a second ledger opened by the thread holding the first) is left to SQLite's own wait."""
    import os

    from launcher.ledger.engine import _flock_within

    path = tmp_path / "l.sqlite3-writers.lock"
    holder = os.open(path, os.O_RDWR | os.O_CREAT)
    waiter = os.open(path, os.O_RDWR)
    try:
        assert _flock_within(holder, 1.0)
        assert not _flock_within(waiter, 0.05)  # held by the other descriptor
        os.close(holder)  # the holder's transaction ends
        holder = -1
        assert _flock_within(waiter, 1.0)
    finally:
        for fd in (holder, waiter):
            if fd >= 0:
                os.close(fd)


def test_a_ledger_write_leaves_the_writers_lock_file_free(ledger, tmp_path):
    import fcntl
    import os

    _launch(ledger)
    path = tmp_path / "l.sqlite3-writers.lock"
    assert path.exists()
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # nobody holds it after the commit
    finally:
        os.close(fd)


def _fields(lid: str, mission: str, *, state: str = "active") -> dict:
    post = {"key": f"{lid}-k", "message": "m", "platform": "sandbox", "locale": "en",
            "text": "t", "due_at": T0, "part": 1, "parts": 1, "pin": False}  # fmt: skip
    return dict(launch_id=lid, playbook="p", mission=mission, facts={}, actor="a", now=T0,
                confirmed_at=T0, plan_hash="-", plan_doc=None, account_rows=[],
                post_rows=[post], state=state)  # fmt: skip


def test_a_launch_group_is_recorded_whole_or_not_at_all(ledger):
    """A group of three launches whose third cannot be recorded (its id is taken): neither
    the first two nor the group are left behind; the whole group then goes in, each
    emergency override right after its own launch, in one commit."""
    _launch(ledger, "C")
    group = [_fields("A", "rome"), _fields("B", "kyiv"), _fields("C", "ankara")]
    with pytest.raises(LedgerError, match="already exists"):
        ledger.create_launch_group("G", group, playbook="p", selector="all", actor="a", now=T0)
    assert ledger.launch_ids() == ["C"]
    with pytest.raises(LedgerError):
        ledger.group("G")
    commits = ledger.writer.commits
    group[2] = _fields("D", "ankara", state="active")
    group[1]["emergency"] = {"reason": "no deputy", "reasons_skipped": ["not approved"]}
    ledger.create_launch_group("G", group, playbook="p", selector="all", actor="a", now=T0)
    assert ledger.writer.commits == commits + 1
    assert ledger.group("G").launches == ("A", "B", "D")
    assert ledger.resolve("B").override_reason == "no deputy"
    actions = [(e.launch_id, e.action) for e in ledger.events() if e.launch_id in ("A", "B", "D")]
    assert actions == [("A", "launch.created"), ("B", "launch.created"),
                       ("B", "launch.emergency-override"), ("D", "launch.created")]  # fmt: skip
    assert [e.action for e in ledger.events()][-1] == "group.created"


def test_due_work_counts_accounts_to_set_up_posts_due_and_their_pins(ledger):
    """How heavy each platform is for sharing a launch between processes: its accounts still
    to set up, its posts due now and how many of those are pinned once sent."""
    posts = [
        {"key": "m1", "due_at": T0, "platform": "mastodon", "locale": "it", "pin": True},
        {"key": "m2", "due_at": T0, "platform": "mastodon", "locale": "it"},
        {"key": "m3", "due_at": T0 + 60, "platform": "mastodon", "locale": "it", "pin": True},
        {"key": "x1", "due_at": T0, "platform": "x", "locale": "it"},
    ]
    accounts = [{"platform": "mastodon", "locale": "it", "handle": "rome_it"}]
    record_posts(ledger, "L1", posts, now=T0, accounts=accounts)
    assert ledger.due_work(["L1"], now=T0) == {
        "mastodon": DueWork(accounts=1, posts=2, pins=1),
        "x": DueWork(posts=1),
    }
    assert ledger.due_work(["L1"], now=T0 + 60)["mastodon"] == DueWork(accounts=1, posts=3, pins=2)
