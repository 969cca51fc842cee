"""Sequences a real crisis contains, through the real CLI (and the real adapters over HTTP
mocked by ``responses``): the same launch run twice, two launches on one account, a held launch
that must not touch any platform, a long rate limit, and reconciliation that must never adopt
another launch's post or an older one. Each asserts what the platform would show.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import requests
import responses

from launcher.adapters.base import AccountRef, OutgoingPost
from launcher.adapters.facebook import FacebookAdapter
from launcher.adapters.mastodon import MastodonAdapter
from launcher.adapters.x import XAdapter
from launcher.launch.dispatch import Dispatcher
from launcher.launch.lifecycle import record_posts
from launcher.ledger import Ledger
from launcher.settings import Settings
from launcher.testing import FakeClock
from tests.conftest import invoke

AT = "2026-05-22T06:00:00Z"
T0 = datetime(2026, 5, 22, 6, 0, tzinfo=UTC).timestamp()
RUN = ("run", "quake", "--mission", "rome", "--set", "region=Lazio", "--set", "magnitude=6.1")
MASTO = "https://social.example.org"


def outbox() -> list[dict]:
    path = Path(os.environ["LAUNCHER_DATA_DIR"]) / "sandbox" / "outbox.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def _run(root: Path, *extra: str, at: str = AT, ok: int = 0) -> dict:
    result = invoke(*RUN, "--at", at, "--now", at, "--yes", "--json", *extra, root=root)
    assert result.exit_code == ok, result.output
    return json.loads(result.stdout) if ok == 0 else {"stderr": result.stderr}


# -- the same launch twice -------------------------------------------------------------------
def test_the_same_launch_run_twice_is_refused_unless_again(mini_root: Path) -> None:
    """Same playbook, mission and facts: exit 2 naming the first launch, nothing recorded or
    sent; with --again it goes out, and the repeated texts are warned about."""
    first = _run(mini_root)
    sent = len([r for r in outbox() if r["op"] == "publish"])
    refused = invoke(*RUN, "--at", AT, "--now", AT, "--yes", root=mini_root)
    assert refused.exit_code == 2
    assert first["launch"] in refused.stderr and "--again" in refused.stderr
    launches = json.loads(invoke("status", "--json", root=mini_root).stdout)["launches"]
    assert [x["launch"] for x in launches] == [first["launch"]]
    assert len([r for r in outbox() if r["op"] == "publish"]) == sent
    again = _run(mini_root, "--again")
    assert again["launch"] != first["launch"]
    assert any("already goes to this account in launch" in w for w in again["warnings"])
    assert any(first["launch"] in w for w in again["warnings"])
    # other facts are another event: no --again needed
    other = invoke(*RUN[:-1], "magnitude=5.2", "--at", AT, "--now", AT, "--yes", root=mini_root)
    assert other.exit_code == 0, other.output


def test_two_launches_on_one_account_are_two_posts_each_with_its_identity(mini_root) -> None:
    """A second, different earthquake in the same mission: every post of each launch reaches
    the platform under its own identity (launch + key), never adopted from the first."""
    a = _run(mini_root)
    b = _run(mini_root, "--set", "deaths=3")
    published = [r for r in outbox() if r["op"] == "publish"]
    by_launch: dict[str, set[str]] = {}
    for r in published:
        by_launch.setdefault(r["launch"], set()).add(r["key"])
    assert set(by_launch) == {a["launch"], b["launch"]}
    assert by_launch[a["launch"]] == by_launch[b["launch"]]  # the same keys, twice
    ids = {p["platform_post_id"] for d in (a, b) for p in d["posts"] if p["state"] == "sent"}
    assert len(ids) == len(published)


# -- a long rate limit is a wait, not a failure ----------------------------------------------
def _mastodon_settings(monkeypatch) -> Settings:
    monkeypatch.setenv("MASTO_TOKEN", "tok-masto-0001")
    return Settings(
        {
            "platforms": {
                "mastodon": {
                    "adapter": "mastodon",
                    "options": {"base_url": MASTO, "token": "env:MASTO_TOKEN"},
                }
            }
        }
    )


@pytest.fixture
def ledger(tmp_path):
    with Ledger(f"sqlite:///{tmp_path / 'l.sqlite3'}") as led:
        yield led


def test_a_retry_after_of_fifteen_minutes_is_a_wait_not_a_failure(ledger, monkeypatch):
    """Mastodon answers 429 with Retry-After: 900 for a batch of 20 posts: none fails; all are
    retrying at +900 s (one request made, the other 19 deferred untried); at +900 s they go."""
    settings = _mastodon_settings(monkeypatch)
    posts = [{"key": f"k{i}", "due_at": T0, "platform": "mastodon", "expires_at": T0 + 7200}
             for i in range(20)]  # fmt: skip
    record_posts(ledger, "L", posts)
    clock = FakeClock(T0)
    url = f"{MASTO}/api/v1/statuses"
    with responses.RequestsMock() as rsps:
        rsps.post(url, status=429, json={"error": "Too many requests"},
                  headers={"Retry-After": "900"})  # fmt: skip
        Dispatcher(ledger, settings, actor="d", clock=clock, sleep=clock.sleep).run_due()
        assert len(rsps.calls) == 1
    states = {p.state for p in ledger.posts("L")}
    assert states == {"retrying"}
    assert {p.retry_at for p in ledger.posts("L")} == {T0 + 900}
    clock.advance(900)
    with responses.RequestsMock() as rsps:
        for i in range(20):
            rsps.post(url, json={"id": str(100 + i), "url": f"u{i}"})
        Dispatcher(ledger, settings, actor="d", clock=clock, sleep=clock.sleep).run_due()
    assert {p.state for p in ledger.posts("L")} == {"sent"}


# -- identity and reconciliation on the real adapters ---------------------------------------
def _out(key: str, launch: str, text: str = "Earthquake: we are with you.", **kw) -> OutgoingPost:
    return OutgoingPost(key=key, text=text, locale="it", launch=launch, **kw)


def test_mastodon_idempotency_keys_differ_between_launches(monkeypatch) -> None:
    monkeypatch.setenv("T_TOKEN", "tok-0002")
    adapter = MastodonAdapter({"base_url": MASTO, "token": "env:T_TOKEN"})
    account = AccountRef(platform="mastodon", handle="rome_it", locale="it", account_id="5")
    with responses.RequestsMock() as rsps:
        rsps.post(f"{MASTO}/api/v1/statuses", json={"id": "1"})
        rsps.post(f"{MASTO}/api/v1/statuses", json={"id": "2"})
        adapter.publish(account, _out("condolences#1/mastodon/it", "rome-quake-A"))
        adapter.publish(account, _out("condolences#1/mastodon/it", "rome-quake-B"))
        keys = [c.request.headers["Idempotency-Key"] for c in rsps.calls]
    assert len(set(keys)) == 2


def _status(sid: str, text: str, created: str) -> dict:
    return {"id": sid, "content": f"<p>{text}</p>", "created_at": created, "url": f"u/{sid}"}


def test_mastodon_reconciliation_pages_back_and_adopts_only_this_launchs_post(
    monkeypatch,
) -> None:
    """After the key's hour: 45 newer statuses sit on top of ours (beyond one page), an older
    status with the same text (another launch, before our attempt) and one the ledger holds
    for another post. Only ours, created after our first attempt, is adopted."""
    monkeypatch.setenv("T_TOKEN", "tok-0003")
    adapter = MastodonAdapter({"base_url": MASTO, "token": "env:T_TOKEN"})
    account = AccountRef(platform="mastodon", handle="rome_it", locale="it", account_id="5")
    text = "Earthquake: we are with you."
    newer = [_status(str(900 - i), f"update {i}", "2026-05-22T09:00:00Z") for i in range(45)]
    page1 = newer[:40]
    page2 = [
        *newer[40:],
        _status("700", text, "2026-05-22T06:30:00Z"),  # held by the ledger for another post
        _status("650", text, "2026-05-22T06:01:00Z"),  # ours
    ]
    page3 = [_status("600", text, "2026-05-21T20:00:00Z")]  # before our first attempt
    post = _out("k", "L2", text, not_before=datetime(2026, 5, 22, 5, 58, tzinfo=UTC),
                known_ids=frozenset({"700"}))  # fmt: skip
    with responses.RequestsMock() as rsps:
        url = f"{MASTO}/api/v1/accounts/5/statuses"
        rsps.get(url, json=page1, match=[responses.matchers.query_param_matcher(
            {"limit": "40", "exclude_reblogs": "true"})])  # fmt: skip
        rsps.get(url, json=page2, match=[responses.matchers.query_param_matcher(
            {"limit": "40", "exclude_reblogs": "true", "max_id": page1[-1]["id"]})])  # fmt: skip
        rsps.get(url, json=page3, match=[responses.matchers.query_param_matcher(
            {"limit": "40", "exclude_reblogs": "true", "max_id": "650"})])  # fmt: skip
        found = adapter.find_published(account, post)
    assert found is not None and found.platform_post_id == "650"


def test_x_reconciliation_never_adopts_a_post_the_ledger_holds_for_another(monkeypatch):
    monkeypatch.setenv("T_TOKEN", "tok-0004")
    adapter = XAdapter({"access_token": "env:T_TOKEN"})
    account = AccountRef(platform="x", handle="rome", locale="it", account_id="42")
    text = "Earthquake: we are with you."
    post = _out("k", "L2", text, not_before=datetime(2026, 5, 22, 5, 58, tzinfo=UTC),
                known_ids=frozenset({"111"}))  # fmt: skip
    with responses.RequestsMock() as rsps:
        rsps.get(
            "https://api.x.com/2/users/42/tweets",
            json={"data": [{"id": "111", "text": text}], "meta": {"next_token": "p2"}},
        )
        rsps.get(
            "https://api.x.com/2/users/42/tweets",
            json={"data": [{"id": "99", "text": "older text"}], "meta": {}},
            match=[responses.matchers.query_param_matcher({
                "max_results": "100", "tweet.fields": "created_at,referenced_tweets",
                "start_time": "2026-05-22T05:58:00Z", "pagination_token": "p2"})],
        )  # fmt: skip
        assert adapter.find_published(account, post) is None


def test_facebook_reconciliation_reads_since_the_first_attempt_every_page(monkeypatch):
    monkeypatch.setenv("T_TOKEN", "tok-0005")
    adapter = FacebookAdapter({"page_token": "env:T_TOKEN"})
    account = AccountRef(platform="facebook", handle="rome", locale="it", account_id="77")
    text = "Earthquake: we are with you."
    since = datetime(2026, 5, 22, 5, 58, tzinfo=UTC)
    post = _out("k", "L2", text, not_before=since, known_ids=frozenset({"77_1"}))
    base = "https://graph.facebook.com/v25.0/77/posts"
    with responses.RequestsMock() as rsps:
        rsps.get(base, json={
            "data": [{"id": "77_1", "message": text}],
            "paging": {"cursors": {"after": "c2"}, "next": f"{base}?after=c2"},
        })  # fmt: skip
        rsps.get(base, json={"data": [{"id": "77_2", "message": text}], "paging": {}})
        found = adapter.find_published(account, post)
        first = rsps.calls[0].request.url
    assert found is not None and found.platform_post_id == "77_2"
    assert f"since={int(since.timestamp())}" in first


def test_x_lost_answer_then_outage_then_back(ledger, monkeypatch) -> None:
    """X: the answer is lost, then the API is down for a while: the post waits, is looked
    for (not found: the request never landed) and sent once, within its life."""
    monkeypatch.setenv("X_TOKEN", "x-tok-0006")
    settings = Settings({"platforms": {"x": {"adapter": "x", "accounts": [
        {"account_id": "42", "credentials": {"access_token": "env:X_TOKEN"}}]}}})  # fmt: skip
    record_posts(ledger, "L", [{"key": "a", "due_at": T0, "platform": "x", "text": "Hello",
                                "expires_at": T0 + 3600}])  # fmt: skip
    clock = FakeClock(T0)
    with responses.RequestsMock() as rsps:
        rsps.post("https://api.x.com/2/tweets", body=requests.exceptions.ReadTimeout("lost"))
        for _ in range(3):
            rsps.get("https://api.x.com/2/users/42/tweets", status=503, json={"title": "down"})
        rsps.get("https://api.x.com/2/users/42/tweets", json={"data": []})
        rsps.post("https://api.x.com/2/tweets", json={"data": {"id": "5"}})
        d = Dispatcher(ledger, settings, actor="d", clock=clock, sleep=clock.sleep)
        d.run_due(wait_up_to=3600)
        posts = [c for c in rsps.calls if c.request.method == "POST"]
    (p,) = ledger.posts("L")
    assert (p.state, p.platform_post_id) == ("sent", "5")
    assert len(posts) == 2 and p.sent_at <= p.expires_at


# -- after the fix: launcher retry -----------------------------------------------------------
def test_a_post_the_platform_refused_goes_out_once_with_retry(mini_root, monkeypatch) -> None:
    """A post is refused (failed, exit 1, `retry` named in the output); the cause is fixed;
    `launcher retry` sends it, once, and the launch completes its due posts."""
    monkeypatch.setenv("LAUNCHER_SANDBOX_FAIL", "reject:1")
    result = invoke(*RUN, "--at", AT, "--now", AT, "--yes", root=mini_root)
    assert result.exit_code == 1 and "launcher retry" in result.stdout
    lid = result.stdout.strip().splitlines()[-1]
    monkeypatch.delenv("LAUNCHER_SANDBOX_FAIL")
    again = invoke("retry", lid, "--now", AT, "--json", root=mini_root)
    assert again.exit_code == 0, again.output
    doc = json.loads(again.stdout)
    assert doc["requeued"] == {"posts": 1, "accounts": 0}
    due = [p for p in doc["posts"] if p["message"] in ("intro", "condolences")]
    assert {p["state"] for p in due} == {"sent"}
    keys = [r["key"] for r in outbox() if r["op"] == "publish"]
    assert sorted(keys) == sorted(set(keys)) and len(keys) == len(due)
    nothing = invoke("retry", lid, "--post", "nope", root=mini_root)
    assert nothing.exit_code == 2 and "no failed or expired post 'nope'" in nothing.stderr


def test_an_account_whose_platform_is_down_waits_with_its_posts(ledger, monkeypatch) -> None:
    """Setting up the Mastodon account meets a 503: the account is retrying and its posts
    are not tried (nothing is sent before the profile is set); when Mastodon is back the
    account is set up, then the post goes out."""
    settings = _mastodon_settings(monkeypatch)
    record_posts(
        ledger,
        "L",
        [{"key": "a", "due_at": T0, "platform": "mastodon", "locale": "it"}],
        accounts=[{"platform": "mastodon", "locale": "it", "handle": "rome_it",
                   "display_name": "Rome", "bio": "Crisis line", "links": []}],
    )  # fmt: skip
    clock = FakeClock(T0)
    with responses.RequestsMock() as rsps:
        rsps.patch(f"{MASTO}/api/v1/accounts/update_credentials", status=503, json={})
        Dispatcher(ledger, settings, actor="d", clock=clock, sleep=clock.sleep).run_due()
    (account,) = ledger.accounts("L")
    assert account.state == "retrying" and account.retry_at and "503" not in str(account.state)
    assert ledger.posts("L")[0].state == "scheduled"
    clock.now = account.retry_at
    with responses.RequestsMock() as rsps:
        rsps.patch(f"{MASTO}/api/v1/accounts/update_credentials", json={"id": "5"})
        rsps.post(f"{MASTO}/api/v1/statuses", json={"id": "51", "url": "u"})
        Dispatcher(ledger, settings, actor="d", clock=clock, sleep=clock.sleep).run_due()
        order = [c.request.method for c in rsps.calls]
    # profile first, then the post; the account id comes with the profile's answer
    assert order == ["PATCH", "POST"]
    assert ledger.accounts("L")[0].account_id == "5"
    assert ledger.accounts("L")[0].state == "active"
    assert ledger.posts("L")[0].state == "sent"


def test_a_crash_past_mastodons_key_hour_is_reconciled_not_doubled(ledger, monkeypatch):
    """A daemon died while sending 50 posts; it restarts two hours later, when Mastodon has
    forgotten the idempotency keys. Each post is looked for on the account (paging back to its
    first attempt past the 40 newest) before anything is sent: the ones that landed are
    adopted, the one that did not is sent once."""
    settings = _mastodon_settings(monkeypatch)
    posts = [{"key": f"k{i}", "due_at": T0, "platform": "mastodon", "text": f"Update {i}.",
              "expires_at": T0 + 6 * 3600} for i in range(50)]  # fmt: skip
    record_posts(ledger, "L", posts)
    ledger.claim_due(worker="dead", now=T0, lease=60, limit=50)
    landed = [  # all but k49 reached Mastodon, newest first, each after the first attempt
        _status(str(1000 + i), f"Update {i}.", "2026-05-22T06:00:30Z") for i in range(48, -1, -1)
    ]
    clock = FakeClock(T0 + 2 * 3600)
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        url = f"{MASTO}/api/v1/accounts/verify_credentials"
        rsps.get(url, json={"id": "5"})
        statuses = f"{MASTO}/api/v1/accounts/5/statuses"

        def page(request):
            max_id = request.params.get("max_id")
            start = (
                0
                if max_id is None
                else next(i + 1 for i, s in enumerate(landed) if s["id"] == max_id)
            )
            return 200, {}, json.dumps(landed[start : start + 40])

        rsps.add_callback(responses.GET, statuses, callback=page)
        rsps.post(f"{MASTO}/api/v1/statuses", json={"id": "2000", "url": "u"})
        Dispatcher(ledger, settings, actor="d", clock=clock, sleep=clock.sleep).run_due()
        created = [c for c in rsps.calls if c.request.method == "POST"]
    by_key = {p.key: p for p in ledger.posts("L")}
    assert {p.state for p in by_key.values()} == {"sent"}
    assert len(created) == 1 and by_key["k49"].platform_post_id == "2000"
    assert {by_key[f"k{i}"].platform_post_id for i in range(49)} == {
        str(1000 + i) for i in range(49)
    }


def test_a_mastodon_account_launcher_creates_posts_with_its_own_new_token(
    ledger, monkeypatch, tmp_path
) -> None:
    """Registrations are open: the account is created with the app token, its new user token
    is kept in an owner-only file, and its posts (sent by whichever process, later) use that
    token: the ledger keeps the file *reference*, never the token."""
    monkeypatch.setenv("APP_TOKEN", "app-token-0007")
    settings = Settings({"platforms": {"mastodon": {"adapter": "mastodon", "options": {
        "base_url": MASTO, "app_token": "env:APP_TOKEN", "data_dir": str(tmp_path)}}}})  # fmt: skip
    record_posts(
        ledger,
        "L",
        [{"key": "a", "due_at": T0, "platform": "mastodon", "locale": "it"}],
        accounts=[{"platform": "mastodon", "locale": "it", "handle": "rome_it",
                   "display_name": "Rome", "bio": "Crisis line", "links": []}],
    )  # fmt: skip
    clock = FakeClock(T0)
    with responses.RequestsMock() as rsps:
        rsps.get(f"{MASTO}/api/v2/instance", json={"registrations": {"enabled": True}})
        rsps.post(f"{MASTO}/api/v1/accounts", json={"access_token": "user-token-created-0008"})
        rsps.patch(f"{MASTO}/api/v1/accounts/update_credentials", json={"id": "5"})
        rsps.post(f"{MASTO}/api/v1/statuses", status=503, json={"error": "busy"})
        Dispatcher(ledger, settings, actor="d", clock=clock, sleep=clock.sleep).run_due()
    (account,) = ledger.accounts("L")
    assert account.state == "active" and account.created
    clock.advance(60)
    with responses.RequestsMock() as rsps:  # another process, later: the daemon
        rsps.post(f"{MASTO}/api/v1/statuses", json={"id": "61", "url": "u"})
        Dispatcher(ledger, settings, actor="d", clock=clock, sleep=clock.sleep).run_due()
        auth = {c.request.headers["Authorization"] for c in rsps.calls}
    assert auth == {"Bearer user-token-created-0008"}
    assert ledger.posts("L")[0].state == "sent"
    raw = b"".join(p.read_bytes() for p in Path(ledger.url[10:]).parent.glob("l.sqlite3*"))
    assert b"user-token-created-0008" not in raw and b"file:" in raw


def test_posts_waiting_behind_their_accounts_first_post_say_so(capsys) -> None:
    """After an outage, the run lists what waits: the post the platform failed with its try
    and error, the posts queued behind it as waiting for their account's turn (never tried,
    no error to show)."""
    from types import SimpleNamespace

    from launcher.cli.output import print_waiting

    at = datetime(2026, 12, 2, 0, 45, 41, tzinfo=UTC).timestamp()
    failed = SimpleNamespace(
        id=1,
        platform="mastodon",
        locale="it",
        message="intro",
        state="retrying",
        retry_at=at,
        attempts=5,
        error="503 outage",
    )
    behind = SimpleNamespace(id=16, platform="mastodon", locale="it", message="condolences",
                             state="retrying", retry_at=at, attempts=0, error=None)  # fmt: skip
    print_waiting([failed, behind])
    out = capsys.readouterr().out
    assert "#1 mastodon/it intro: next attempt 2026-12-02 00:45:41Z (try 5; last error: 503" in out
    assert "#16 mastodon/it condolences: next attempt 2026-12-02 00:45:41Z (waits for the" in out
    assert "None" not in out
