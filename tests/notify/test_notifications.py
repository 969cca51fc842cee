"""Notifications, through the real CLI to stand-in services on 127.0.0.1 (an apprise json://
endpoint and an SMTP server): the approval request reaches the approvers with what they need
and no secret; a failing service never blocks a launch and is in the audit log; failed posts
reach the duty officers; nobody reachable is said out loud; the daemon sends what is left."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from launcher.ledger import Ledger
from launcher.notify import deliver, notify_duty_officers
from launcher.notify.config import config_of
from launcher.settings import load_settings
from tests.identities import AT, Cast, act, held_launch, published, run_args
from tests.notify.sinks import JsonSink, SmtpSink

SECRET = "T0pSecretHookPassw0rd"
SMTP_SECRET = "Smtp-Passw0rd-Never-Shown"
CONSOLE = "https://console.example.org"


@pytest.fixture
def sink() -> Iterator[JsonSink]:
    s = JsonSink()
    yield s
    s.close()


@pytest.fixture
def smtp() -> Iterator[SmtpSink]:
    s = SmtpSink()
    yield s
    s.close()


@pytest.fixture
def people(mini_root: Path, tmp_path: Path, sink: JsonSink, smtp: SmtpSink, monkeypatch) -> Cast:
    """Approvers and duty officers with contacts; the settings name the mail server."""
    (mini_root / "approvals.yaml").unlink(missing_ok=True)
    hook = f"json://hookuser:{SECRET}@127.0.0.1:{sink.port}"
    monkeypatch.setenv("DEPUTY_HOOK", f"{hook}/deputy")
    monkeypatch.setenv("OFFICER_HOOK", f"{hook}/officer")
    monkeypatch.setenv("OPS_HOOK", f"{hook}/ops")
    monkeypatch.setenv(
        "SMTP_URL",
        f"mailto://launcher:{SMTP_SECRET}@127.0.0.1:{smtp.port}?from=launcher@example.org",
    )
    cast = Cast(mini_root, tmp_path / "keys", cast={})
    cast.add("d.officer", name="D. Officer", roles=["launcher", "launch-approver"],
             contacts={"notify": "env:OFFICER_HOOK"})  # fmt: skip
    cast.add("a.deputy", name="A. Deputy", roles=["launch-approver"],
             contacts={"notify": "env:DEPUTY_HOOK", "email": "a.deputy@example.org"})  # fmt: skip
    settings = tmp_path / "launcher.yaml"
    settings.write_text(
        "notifications:\n  email: env:SMTP_URL\n  attempts: 2\n"
        "  also:\n    approval-request: [env:OPS_HOOK]\n"
        f"console:\n  url: {CONSOLE}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("LAUNCHER_CONFIG", str(settings))
    return cast


def received(sink: JsonSink, path: str) -> list[dict]:
    return [r for r in sink.received if r["path"] == path]


def full_log(cast: Cast) -> list[dict]:
    return json.loads(act(cast, None, "log", "--json").stdout)


def test_an_approval_request_reaches_the_approvers_with_what_they_need_and_no_secret(
    people: Cast, sink: JsonSink, smtp: SmtpSink
) -> None:
    result = act(people, "d.officer", *run_args())
    assert result.exit_code == 0, result.output
    launch = json.loads(result.stdout)["launch"]
    assert "notified: a.deputy (env:DEPUTY_HOOK)" in result.stderr
    [message] = received(sink, "/deputy")
    title, body = message["json"]["title"], message["json"]["message"]
    assert title == f"[launcher] approval needed: quake for rome ({launch})"
    for needed in (
        "run by D. Officer (d.officer)",
        "Facts: magnitude=5.0, region=Umbria",
        "playbook quake has no approval",
        "Nothing has reached any platform",
        f"launcher approve launch {launch}",
        f"launcher reject {launch}",
        f"{CONSOLE}/launches/{launch}",
        "Audit chain at this point: link ",
    ):
        assert needed in body, needed
    assert received(sink, "/officer") == []  # who ran it is not asked to approve it
    assert len(received(sink, "/ops")) == 1  # the team channel of the settings
    [mail] = smtp.messages
    assert "a.deputy@example.org" in mail["rcpt"][0]
    assert launch in mail["data"] and "approval needed" in mail["data"]
    assert smtp.logins and SMTP_SECRET in smtp.logins[0]  # the sender's password was used...
    everything = json.dumps(sink.received) + json.dumps(smtp.messages)
    shown = result.output + json.dumps(full_log(people))
    for secret in (SECRET, SMTP_SECRET):  # ...and appears in no message, output or log
        assert secret not in body and secret not in mail["data"] and secret not in shown
    assert SECRET not in everything.replace(message["headers"].get("Authorization", ""), "")
    sent = [e for e in full_log(people) if e["action"] == "notification.sent"]
    assert {e["detail"]["destination"] for e in sent} == {
        "env:DEPUTY_HOOK", "e-mail a.deputy@example.org", "env:OPS_HOOK"
    }  # fmt: skip
    assert published() == []


def test_a_failing_service_never_blocks_the_launch_and_is_in_the_audit_log(
    people: Cast, sink: JsonSink, smtp: SmtpSink
) -> None:
    sink.status = 503
    smtp.close()  # the mail server is down as well
    result = act(people, "d.officer", *run_args())
    assert result.exit_code == 0, result.output
    launch = json.loads(result.stdout)["launch"]
    assert "notification to a.deputy (env:DEPUTY_HOOK) failed" in result.stderr
    assert "tried again" in result.stderr
    failed = [e for e in full_log(people) if e["action"] == "notification.failed"]
    assert {e["detail"]["destination"] for e in failed} >= {"env:DEPUTY_HOOK", "env:OPS_HOOK"}
    assert all(e["detail"].get("retry_at") and e["detail"]["error"] for e in failed)
    assert all(SECRET not in json.dumps(e) and SMTP_SECRET not in json.dumps(e) for e in failed)
    status = json.loads(act(people, None, "status", launch, "--json").stdout)
    assert status["state"] == "awaiting-approval"  # recorded, waiting, whatever mail did
    # the service is back; a later pass (the daemon's) sends, then a second failure gives up
    sink.status = 200
    settings = load_settings(os.environ["LAUNCHER_CONFIG"])
    with Ledger(settings.database_url) as ledger:
        # a minute after the last attempt's next-try time (the clock the run was given)
        then = max(float(e["detail"]["retry_at"]) for e in failed) + 60
        later = deliver(ledger, config_of(settings), now=then)
    assert {where for _p, where in later.sent} == {"env:DEPUTY_HOOK", "env:OPS_HOOK"}
    assert [w for _p, w, _e in later.failed] == ["e-mail a.deputy@example.org"]
    gave_up = [e for e in full_log(people) if e["detail"].get("gave_up")]
    assert [e["detail"]["destination"] for e in gave_up] == ["e-mail a.deputy@example.org"]
    assert len(received(sink, "/deputy")) == 2  # the refused attempt, then the one that worked


def test_a_destination_that_cannot_be_resolved_is_recorded_not_fatal(
    people: Cast, monkeypatch
) -> None:
    monkeypatch.delenv("DEPUTY_HOOK")
    result = act(people, "d.officer", *run_args())
    assert result.exit_code == 0, result.output
    failed = [e for e in full_log(people) if e["action"] == "notification.failed"]
    assert any("DEPUTY_HOOK is not set" in e["detail"]["error"] for e in failed)


def test_failed_posts_reach_the_duty_officers(
    people: Cast, sink: JsonSink, tmp_path: Path, monkeypatch
) -> None:
    from tests.conftest import MINI

    (people.root / "approvals.yaml").write_bytes((MINI / "approvals.yaml").read_bytes())
    monkeypatch.setenv("LAUNCHER_SANDBOX_FAIL", "reject:2")
    result = act(people, "d.officer", *run_args())
    assert result.exit_code == 1  # posts failed: the launch went out, two posts did not
    launch = json.loads(result.stdout)["launch"]
    [message] = received(sink, "/officer")
    body = message["json"]["message"]
    assert message["json"]["title"].startswith("[launcher] 2 failed: quake for rome")
    assert "then: launcher retry " + launch in body and f"{CONSOLE}/launches/{launch}" in body
    assert received(sink, "/deputy") == []  # not an approver's business


def test_nobody_reachable_is_said_out_loud(mini_root: Path, tmp_path: Path) -> None:
    (mini_root / "approvals.yaml").unlink(missing_ok=True)
    cast = Cast(mini_root, tmp_path / "keys")
    result = act(cast, "d.officer", *run_args())
    assert "not notified, no usable contact: A. Deputy (a.deputy) (contacts: none)" in (
        result.stderr
    )
    log = json.loads(act(cast, None, "log", "--json").stdout)
    [event] = [e for e in log if e["action"] == "notification.unreachable"]
    assert event["detail"]["topic"] == "approval-request" and event["detail"]["destinations"] == 0


def test_a_feed_notifies_the_duty_officers_and_the_daemon_sends_it(
    people: Cast, sink: JsonSink
) -> None:
    settings = load_settings(os.environ["LAUNCHER_CONFIG"])
    with Ledger(settings.database_url) as ledger:
        queued = notify_duty_officers(
            ledger, people.root, settings, subject="[launcher] USGS: M6.1 near Rome",
            body="Proposed: launcher run quake --mission rome --set magnitude=6.1", now=1.0,
        )  # fmt: skip
    assert queued == 1 and received(sink, "/officer") == []
    result = act(people, None, "daemon", "--once", "--now", AT)
    assert result.exit_code == 0, result.output
    [message] = received(sink, "/officer")
    assert message["json"]["title"] == "[launcher] USGS: M6.1 near Rome"


def test_approving_asks_nobody_anything(people: Cast, sink: JsonSink) -> None:
    """The request went out once, when the launch started waiting; the approval is news to
    nobody (and the launch is no longer waiting, so nothing more is asked)."""
    launch = held_launch(people, "d.officer")
    n = len(sink.received)
    approved = act(people, "a.deputy", "approve", "launch", launch, "--now", "2026-03-28T03:55Z")
    assert approved.exit_code == 0, approved.output
    assert len(sink.received) == n  # approving asks nobody anything


def test_notification_settings_are_checked_and_never_block_a_launch(
    people: Cast, tmp_path: Path, monkeypatch
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "notifications:\n  emial: env:SMTP_URL\n  also:\n    approvals: [https://x]\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("LAUNCHER_CONFIG", str(bad))
    validate = act(people, None, "validate")
    assert validate.exit_code == 2
    assert f"{bad}:2" in validate.output and "unknown key 'emial'" in validate.output
    assert "unknown topic 'approvals'" in validate.output
    run = act(people, "d.officer", *run_args())
    assert run.exit_code == 0, run.output
    assert "settings problem(s) outside this launch (not blocking)" in run.stderr


def test_a_fanned_out_run_tells_the_duty_officers_of_failed_posts_and_accounts(
    people: Cast, sink: JsonSink, monkeypatch
) -> None:
    """A run for two missions, sent by the fan-out's workers: one post is refused by its
    platform and X refuses every account; each launch's duty officers hear of both, once."""
    from tests.conftest import MINI

    (people.root / "approvals.yaml").write_bytes((MINI / "approvals.yaml").read_bytes())
    settings = Path(os.environ["LAUNCHER_CONFIG"])
    settings.write_text(
        settings.read_text(encoding="utf-8")
        + "platforms:\n  x:\n    adapter: tests.notify.adapters:NoAccounts\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("LAUNCHER_SANDBOX_FAIL", "reject:1")
    many = [a for a in run_args() if a != "--json"] + ["--mission", "beirut", "--json"]
    result = act(people, "d.officer", *many)
    assert result.exit_code == 1, result.output  # posts failed
    launches = [x["launch"] for x in json.loads(result.stdout)["launches"]]
    titles = [m["json"]["title"] for m in received(sink, "/officer")]
    for launch in launches:
        mission = launch.split("-")[0]
        [account] = [t for t in titles if "account not set up" in t and launch in t]
        assert account == f"[launcher] account not set up: quake for {mission} ({launch})"
    [failed] = [t for t in titles if t.startswith("[launcher] 1 failed: ")]
    assert any(launch in failed for launch in launches)
    bodies = [m["json"]["message"] for m in received(sink, "/officer")]
    assert any("the token for" in b and "was refused (revoked)" in b for b in bodies)
    assert received(sink, "/deputy") == []  # not an approver's business
    again = act(people, None, "daemon", "--once", "--now", AT)  # nothing is told twice
    assert again.exit_code == 0, again.output
    assert [m["json"]["title"] for m in received(sink, "/officer")] == titles


def test_a_proposal_and_an_automatic_launch_reach_the_duty_officers(
    people: Cast, sink: JsonSink
) -> None:
    """A feed's proposal is news for the duty officers (with the commands that decide it);
    one decided before anyone was told is not; a launch an ``auto: true`` trigger made is."""
    from launcher.feeds import store
    from launcher.feeds.base import SourceEvent
    from tests.conftest import MINI

    settings = load_settings(os.environ["LAUNCHER_CONFIG"])
    with Ledger(settings.database_url) as ledger:
        refs = []
        for n in (1, 2):
            ev = SourceEvent(aliases=(f"us{n}",), revision="1", revision_at=1.0, title="M 5",
                             fields={}, link=f"https://example.org/event/us{n}")  # fmt: skip
            event_id, _ = store.record_event(ledger, "usgs", ev, now=1.0, actor="watch:x")
            refs.append(
                store.add_proposal(
                    ledger, now=1.0, actor="watch:x", kind="launch", playbook="quake",
                    mission="rome", trigger="usgs-strong", event_id=event_id, revision="1",
                    facts={"region": "Umbria", "magnitude": "5"},
                    reasons=["properties.mag 5 meets >= 5"], link=ev.link,
                ).ref
            )  # fmt: skip
    dismissed = act(people, "d.officer", "dismiss", refs[1], "--reason", "a duplicate")
    assert dismissed.exit_code == 0, dismissed.output
    [message] = [m["json"] for m in received(sink, "/officer")]
    assert message["title"] == f"[launcher] proposal {refs[0]}: launch quake for rome"
    for needed in (
        "A feed proposes a launch: quake for rome (trigger usgs-strong)",
        "properties.mag 5 meets >= 5",
        "Facts: magnitude=5, region=Umbria",
        "Source: https://example.org/event/us1",
        f"launcher accept {refs[0]}",
        f'launcher dismiss {refs[0]} --reason "..."',
        "Audit chain at this point: link ",
    ):
        assert needed in message["message"], needed
    assert received(sink, "/deputy") == []  # launch approvers only: not a duty officer

    (people.root / "approvals.yaml").write_bytes((MINI / "approvals.yaml").read_bytes())
    launch = json.loads(act(people, "d.officer", *run_args()).stdout)["launch"]
    with Ledger(settings.database_url) as ledger:  # as the watcher records an auto launch
        ledger.record_event(
            at=2.0, actor="watch:x", action="launch.auto", launch_id=launch, proposal="p9",
            trigger="usgs-strong", reasons=["M 6.5 >= 6"],
        )  # fmt: skip
    assert act(people, None, "daemon", "--once", "--now", AT).exit_code == 0
    [auto] = [m["json"] for m in received(sink, "/officer") if "AUTO" in m["json"]["title"]]
    assert auto["title"] == f"[launcher] AUTO-LAUNCHED: quake for rome ({launch})"
    assert f"launcher halt {launch}" in auto["message"] and "M 6.5 >= 6" in auto["message"]
