"""End to end through the real CLI, in real processes, on the sandbox and a real SQLite file:
run → status → the daemon delivers later posts → halt → resume → retract, with the sandbox
outbox and the ledger agreeing at every step. Time is moved with --at and --now, never slept.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from launcher.launch.lifecycle import start_launch
from launcher.launch.retry import RetryPolicy
from launcher.ledger import Ledger
from launcher.settings import Settings

MINI = Path(__file__).resolve().parents[1] / "data" / "mini"
pytestmark = pytest.mark.integration


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@pytest.fixture
def env(tmp_path):
    out = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHER_")}
    out["LAUNCHER_DATA_DIR"] = str(tmp_path / "data")
    out["LAUNCHER_ROOT"] = str(MINI)
    return out


def cli(env, *args, ok=(0,), input=None):
    proc = subprocess.run(
        [sys.executable, "-m", "launcher", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        input=input,
    )
    assert proc.returncode in ok, proc.stdout + proc.stderr
    return proc


def outbox(env) -> list[dict]:
    path = Path(env["LAUNCHER_DATA_DIR"]) / "sandbox" / "outbox.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def status(env, launch) -> dict:
    """Read-only look at the ledger, in-process (the writes above are real processes)."""
    from click.testing import CliRunner

    from launcher.cli import cli as group

    result = CliRunner().invoke(group, ["status", launch, "--json"], env=env)
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def assert_agree(env, doc):
    """Every sent or retracted post is in the outbox exactly once under its key, with the id
    the ledger recorded; nothing else was published; every retracted one was deleted."""
    records = outbox(env)
    published: dict[str, list[dict]] = {}
    for r in records:
        if r["op"] == "publish":
            published.setdefault(r["key"], []).append(r)
    deleted = {r["target"] for r in records if r["op"] == "retract"}
    for p in doc["posts"]:
        got = published.get(p["key"], [])
        if p["state"] in ("sent", "retracted"):
            assert len(got) == 1, p
            assert got[0]["id"] == p["platform_post_id"]
            assert (p["state"] == "retracted") == (p["platform_post_id"] in deleted)
        else:
            assert got == [], p
    assert set(published) <= {p["key"] for p in doc["posts"]}


RUN = ["run", "quake", "--mission", "rome", "--set", "region=Lazio", "--set", "magnitude=6.1"]
#: the moment the scenarios below start: fixed, so quiet hours fall the same way every run
T0 = datetime(2026, 5, 22, 6, 0, tzinfo=UTC)


def test_run_daemon_halt_resume_retract(env):
    """The whole life of a launch through the CLI; ledger and outbox agree throughout."""
    t0 = T0
    out = cli(env, *RUN, "--at", _iso(t0), "--now", _iso(t0), "--yes", "--json", "--as", "alice")
    doc = json.loads(out.stdout)
    launch = doc["launch"]
    assert doc["state"] == "active"
    states = [p["state"] for p in doc["posts"]]
    assert states.count("sent") == 18 and states.count("scheduled") == 36
    assert {p["message"] for p in doc["posts"] if p["state"] == "sent"} == {"intro", "condolences"}
    # the condolences everywhere (the sandbox can pin for X); the intros on Mastodon only
    assert sum(r["op"] == "pin" for r in outbox(env)) == 9 + 3
    assert_agree(env, status(env, launch))

    cli(env, "daemon", "--once", "--now", _iso(t0 + timedelta(hours=4)))
    doc = status(env, launch)
    assert [p["state"] for p in doc["posts"]].count("sent") == 27
    assert_agree(env, doc)

    cli(env, "halt", launch, "--as", "bob")
    later = t0 + timedelta(hours=30)
    cli(env, "daemon", "--once", "--now", _iso(later))
    doc = status(env, launch)
    assert doc["state"] == "halted"
    assert [p["state"] for p in doc["posts"]].count("halted") == 27
    assert_agree(env, doc)

    # resumed 26 h later: updates whose time has passed are expired, never sent stale
    cli(env, "resume", launch, "--as", "carol", "--now", _iso(later))
    cli(env, "daemon", "--once", "--now", _iso(later))
    doc = status(env, launch)
    stale = [p for p in doc["posts"] if p["state"] == "expired"]
    assert stale and all(_at(p["expires_at"]) < later for p in stale)
    assert all("while the launch was halted" in p["error"] for p in stale)
    for p in doc["posts"]:
        if p["state"] == "sent" and p["expires_at"]:
            assert _at(p["sent_at"]) <= _at(p["expires_at"]), p
    cli(env, "daemon", "--once", "--now", _iso(t0 + timedelta(hours=80)))
    doc = status(env, launch)
    assert doc["state"] == "expired"  # done, some never sent: not "complete"
    assert {p["state"] for p in doc["posts"]} == {"sent", "expired"}
    assert_agree(env, doc)

    sent_on_x = sum(p["platform"] == "x" and p["state"] == "sent" for p in doc["posts"])
    cli(env, "retract", launch, "--platform", "x", "--yes", "--as", "dave")
    doc = status(env, launch)
    assert sum(p["state"] == "retracted" for p in doc["posts"]) == sent_on_x > 0
    assert all(p["platform"] == "x" for p in doc["posts"] if p["state"] == "retracted")
    assert_agree(env, doc)

    log = json.loads(cli(env, "log", launch, "--json").stdout)
    actors = {e["action"]: e["actor"] for e in log}
    assert actors["launch.created"] == "alice"
    assert actors["launch.halted"] == "bob"
    assert actors["launch.resumed"] == "carol"
    assert actors["post.expired"] == "carol"
    assert actors["post.retracted"] == "dave"
    assert actors["post.sent"].startswith("daemon:")
    text = cli(env, "status", launch).stdout
    assert launch in text and "retracted" in text
    listing = cli(env, "status").stdout
    assert launch in listing


def test_run_asks_first_and_no_means_nothing_happens(env):
    """Without --yes, run shows the plan and asks; answering no records nothing and exits
    with the declined code (3), not "operation failed" (1)."""
    out = cli(env, *RUN, input="n\n", ok=(3,))
    assert "condolences" in out.stdout and "declined: nothing was done" in out.stderr
    assert "Aborted" not in out.stderr
    assert json.loads(cli(env, "status", "--json").stdout) == {"launches": []}
    assert outbox(env) == []


def test_dry_run_sends_nothing(env):
    """--dry-run is plan: nothing in the ledger, nothing in the outbox."""
    cli(env, *RUN, "--dry-run")
    assert json.loads(cli(env, "status", "--json").stdout) == {"launches": []}
    assert outbox(env) == []


def test_permanent_failure_is_loud(env):
    """A post the platform rejects is failed with its reason; status never says complete."""
    env = {**env, "LAUNCHER_SANDBOX_FAIL": "reject:1"}
    out = cli(env, *RUN, "--yes", "--json", ok=(1,))
    doc = json.loads(out.stdout)
    failed = [p for p in doc["posts"] if p["state"] == "failed"]
    assert len(failed) == 1 and "rejected" in failed[0]["error"]
    assert doc["state"] == "failed"
    text = cli(env, "status", doc["launch"]).stdout
    assert "FAILED" in text and "rejected" in text
    assert_agree(env, status(env, doc["launch"]))


def _listed(env) -> dict[str, dict[str, str]]:
    """``launcher status`` (no launch): each row by its launch id, cells by column name."""
    head, *rows = cli(env, "status").stdout.splitlines()
    names = head.split()
    return {r.split()[0]: dict(zip(names, r.split(), strict=False)) for r in rows}


def test_an_outage_shows_in_the_list_of_launches_until_the_posts_are_out(env):
    """The platform is down for every post due now: the list of launches says they are
    retrying (not a quiet "active, 0 sent"), and once the daemon has sent them after the
    outage it says so too; ledger and outbox agree before and after."""
    t0 = T0
    down = {**env, "LAUNCHER_SANDBOX_FAIL": "outage:18"}
    doc = json.loads(cli(down, *RUN, "--at", _iso(t0), "--now", _iso(t0), "--yes", "--json").stdout)
    launch = doc["launch"]
    retrying = sum(p["state"] == "retrying" for p in doc["posts"])
    assert retrying == 18 and not any(p["state"] == "sent" for p in doc["posts"])
    row = _listed(env)[launch]
    assert (row["STATE"], row["SENT"], row["RETRYING"], row["FAILED"]) == ("active", "0", "18", "0")
    assert_agree(env, status(env, launch))

    cli(env, "daemon", "--once", "--now", _iso(t0 + timedelta(hours=1)))
    doc = status(env, launch)
    row = _listed(env)[launch]
    assert row["RETRYING"] == "0" and row["FAILED"] == "0"
    assert row["SENT"] == str(sum(p["state"] == "sent" for p in doc["posts"])) == "18"
    assert row["TOTAL"] == str(len(doc["posts"]))
    assert_agree(env, doc)


def test_a_retry_after_the_accounts_failed_keeps_the_schedule(env):
    """Every account fails to be set up (the sandbox cannot write where it publishes), so
    every post fails, later ones too. The cause is fixed and the launch retried a minute
    later: what was due goes out now, the later posts wait for their own times (a retry
    never brings "Update at 18:00" forward), and the daemon sends them then; no traceback
    on the way, ledger and outbox agreeing throughout."""
    t0 = T0
    box = Path(env["LAUNCHER_DATA_DIR"]) / "sandbox" / "outbox.jsonl"
    box.mkdir(parents=True)  # in the way of the file
    out = cli(env, *RUN, "--at", _iso(t0), "--now", _iso(t0), "--yes", "--json", ok=(1,))
    doc = json.loads(out.stdout)
    assert {a["state"] for a in doc["accounts"]} == {"failed"}
    assert {p["state"] for p in doc["posts"]} == {"failed"}
    assert "cannot be written" in doc["accounts"][0]["error"]
    assert "Traceback" not in out.stderr
    due = {p["key"]: p["due_at"] for p in doc["posts"]}
    box.rmdir()

    retried = json.loads(
        cli(env, "retry", doc["launch"], "--now", _iso(t0 + timedelta(minutes=1)), "--json").stdout
    )
    now = t0 + timedelta(minutes=1)
    for p in retried["posts"]:
        assert p["due_at"] == due[p["key"]]  # every post keeps its time
        if _at(p["due_at"]) <= now:
            assert p["state"] == "sent", p
        else:
            assert p["state"] == "scheduled", p
    assert sum(p["state"] == "sent" for p in retried["posts"]) == 18
    assert_agree(env, status(env, doc["launch"]))

    cli(env, "daemon", "--once", "--now", _iso(t0 + timedelta(hours=4)))
    later = status(env, doc["launch"])
    assert [p["state"] for p in later["posts"]].count("sent") == 27  # as if never failed
    assert_agree(env, later)


def test_a_post_whose_answer_was_lost_is_found_and_deleted_by_a_retract(env):
    """The platform took a post but its answer was lost (the ledger has no id for it,
    only that it may be there). A retraction then looks for it on the platform and
    deletes it with the others: nothing the launch published stays up, and the ledger does
    not call halted a post that is live."""
    lost = {**env, "LAUNCHER_SANDBOX_FAIL": "lost-answer:1"}
    doc = json.loads(cli(lost, *RUN, "--at", _iso(T0), "--now", _iso(T0), "--yes", "--json").stdout)
    maybe = [p for p in doc["posts"] if p["state"] == "retrying"]
    assert maybe and any("lost" in (p["error"] or "") for p in maybe)
    published = [r for r in outbox(env) if r["op"] == "publish"]
    sent = [p for p in doc["posts"] if p["state"] == "sent"]
    assert len(published) == len(sent) + 1  # one on the platform the ledger has no id for

    out = cli(env, "retract", doc["launch"], "--yes", "--json")
    result = json.loads(out.stdout)
    assert len(result["retracted"]) == len(published) and not result["failed"]
    assert result["halted"] == len(doc["posts"]) - len(published)
    records = outbox(env)
    deleted = {r["target"] for r in records if r["op"] == "retract"}
    assert {r["id"] for r in records if r["op"] == "publish"} == deleted  # none left up
    after = status(env, doc["launch"])
    assert sum(p["state"] == "retracted" for p in after["posts"]) == len(published)
    assert_agree(env, after)


def test_a_filter_naming_nothing_of_the_launch_is_refused(env):
    """`retract --platform X` (it is `x`), `--message Condolences` (it is `condolences`),
    `retry --platform twitter`: exit 2, naming the option and what the launch has, and
    nothing is deleted or stopped; the right spelling then works."""
    doc = json.loads(cli(env, *RUN, "--at", _iso(T0), "--now", _iso(T0), "--yes", "--json").stdout)
    lid = doc["launch"]
    for args in (("retract", lid, "--platform", "X", "--yes"),
                 ("retract", lid, "--message", "Condolences", "--yes"),
                 ("retry", lid, "--platform", "twitter")):  # fmt: skip
        out = cli(env, *args, ok=(2,))
        option = args[2]
        assert f"{option} {args[3]!r}" in out.stderr, out.stderr
        assert "mastodon" in out.stderr or "condolences" in out.stderr
    assert not [r for r in outbox(env) if r["op"] == "retract"]
    assert status(env, lid)["state"] == "active"
    done = json.loads(cli(env, "retract", lid, "--platform", "x", "--yes", "--json").stdout)
    assert done["retracted"] and all(
        p["platform"] == "x" for p in status(env, lid)["posts"] if p["state"] == "retracted"
    )


def test_pins_a_killed_run_left_undone_are_made_by_the_daemon(env, monkeypatch):
    """`run` is killed between its posts' commit and their pins (the pins are made in its
    memory right after): the posts are sent, none pinned. The daemon a minute later leaves
    them to a sender that may still be at it; ten minutes later it pins each of them once,
    records it, and a further pass pins nothing again."""
    from click.testing import CliRunner

    from launcher.cli import cli as group
    from launcher.launch.dispatch import Dispatcher

    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with monkeypatch.context() as m:  # the process "dies" before any pin
        m.setattr(Dispatcher, "_pin", lambda self, *a, **k: None)
        out = CliRunner().invoke(group, [*RUN, "--at", _iso(T0), "--now", _iso(T0), "--yes"])
        assert out.exit_code == 0, out.output
    assert not [r for r in outbox(env) if r["op"] == "pin"]
    launch = json.loads(cli(env, "status", "--json").stdout)["launches"][0]["launch"]

    cli(env, "daemon", "--once", "--now", _iso(T0 + timedelta(minutes=1)))
    assert not [r for r in outbox(env) if r["op"] == "pin"]  # within the sender's grace
    cli(env, "daemon", "--once", "--now", _iso(T0 + timedelta(minutes=10)))
    pins = [r for r in outbox(env) if r["op"] == "pin"]
    doc = status(env, launch)
    asked = {  # the condolences everywhere, the intros on Mastodon (the mini playbook)
        p["platform_post_id"]
        for p in doc["posts"]
        if p["state"] == "sent"
        and (
            p["message"] == "condolences" or (p["message"], p["platform"]) == ("intro", "mastodon")
        )
    }
    assert len(pins) == 9 + 3 and {r["target"] for r in pins} == asked
    log = json.loads(cli(env, "log", launch, "--json").stdout)
    assert sum(e["action"] == "post.pinned" for e in log) == len(pins)
    cli(env, "daemon", "--once", "--now", _iso(T0 + timedelta(minutes=20)))
    assert len([r for r in outbox(env) if r["op"] == "pin"]) == len(pins)  # never again
    assert_agree(env, doc)


def test_a_retry_of_a_halted_launch_says_it_waits_for_a_resume(env):
    """A post failed (rejected), the launch is halted, the cause fixed, the post retried:
    the output says nothing goes out until the launch is resumed (not that the daemon sends
    it), nothing is published; resumed, the daemon sends it, once."""
    bad = {**env, "LAUNCHER_SANDBOX_FAIL": "reject:1"}
    doc = json.loads(
        cli(bad, *RUN, "--at", _iso(T0), "--now", _iso(T0), "--yes", "--json", ok=(1,)).stdout
    )
    lid = doc["launch"]
    (failed,) = [p for p in doc["posts"] if p["state"] == "failed"]
    cli(env, "halt", lid)
    before = len(outbox(env))
    later = _iso(T0 + timedelta(minutes=5))
    out = cli(env, "retry", lid, "--post", failed["key"], "--now", later).stdout
    assert f"HALTED: nothing goes out until `launcher resume {lid}`" in out
    assert "sent by `launcher daemon`" not in out and len(outbox(env)) == before
    resumed = cli(env, "resume", lid, "--now", later).stdout
    assert "sent by `launcher daemon`" in resumed
    cli(env, "daemon", "--once", "--now", later)
    doc = status(env, lid)
    assert next(p for p in doc["posts"] if p["key"] == failed["key"])["state"] == "sent"
    assert_agree(env, doc)


def test_halt_all_and_usage(env):
    """halt --all stops every active launch; halt without a target is a usage error."""
    a = json.loads(cli(env, *RUN, "--yes", "--json").stdout)["launch"]
    b = json.loads(cli(env, *RUN, "--again", "--yes", "--json").stdout)["launch"]
    out = json.loads(cli(env, "halt", "--all", "--json").stdout)
    assert set(out["halted"]) == {a, b}
    cli(env, "halt", ok=(2,))


def test_sandbox_faults_deliver_exactly_once(env, monkeypatch):
    """Sandbox 429 (with a retry hint), 503, timeout and a lost answer: every post still
    reaches the outbox exactly once, attempts are counted, no real waiting."""
    from launcher.plan.build import build_plan

    for k, v in env.items():
        monkeypatch.setenv(k, v)
    monkeypatch.setenv("LAUNCHER_SANDBOX_FAIL", "rate-limit:2,outage:1,timeout:1,lost-answer:2")
    plan = build_plan("quake", "rome", {"region": "Lazio", "magnitude": "6.1"}, root=str(MINI))
    settings = Settings()
    with Ledger(settings.database_url) as ledger:
        result = start_launch(
            plan,
            ledger=ledger,
            targets=settings,
            actor="t",
            policy=RetryPolicy(max_attempts=6, max_total=60),
            sleep=lambda s: None,
        )
        # retry waits of the dispatcher are cut to nothing the same way
        assert result.state == "active"
    doc = status(env, result.launch_id)
    sent = [p for p in doc["posts"] if p["state"] == "sent"]
    assert len(sent) == 18  # the intros and the condolences
    assert sum(p["attempts"] for p in sent) >= 18 + 4
    assert_agree(env, doc)


def test_json_logs_carry_context_and_no_secret(env, tmp_path):
    """--log-format json: one object per line with launch, post, platform; no secret."""
    config = tmp_path / "launcher.yaml"
    secret = "s3cr3t-t0ken-value"
    config.write_text("platforms:\n  mastodon:\n    adapter: sandbox\n")
    env = {**env, "LAUNCHER_CONFIG": str(config), "SOME_TOKEN": secret}
    cli(env, *RUN, "--at", _iso(T0), "--now", _iso(T0), "--yes")
    later = _iso(T0 + timedelta(hours=4))
    proc = cli(env, "daemon", "--once", "--now", later, "--log-format", "json")
    lines = [json.loads(line) for line in proc.stderr.splitlines() if line.strip()]
    sent = [e for e in lines if e["msg"] == "sent"]
    assert sent and all({"launch", "post", "platform", "key", "attempt"} <= set(e) for e in sent)
    assert secret not in proc.stderr


def test_due_times_across_a_dst_change_are_stored_and_honoured(env, monkeypatch):
    """The planner's UTC due times survive the ledger exactly, across the end of Rome's
    winter time (2026-03-29 01:00 UTC), and the daemon sends by those instants."""
    from launcher.plan.build import build_plan

    for k, v in env.items():
        monkeypatch.setenv(k, v)
    at = datetime(2026, 3, 28, 20, 0, tzinfo=UTC)
    plan = build_plan(
        "quake", "rome", {"region": "Lazio", "magnitude": "6.1"}, now=at, root=str(MINI)
    )
    settings = Settings()
    with Ledger(settings.database_url) as ledger:
        result = start_launch(plan, ledger=ledger, targets=settings, actor="t", clock=at.timestamp)
        by_key = {p.key: p for p in ledger.posts(result.launch_id)}
    for planned in plan.posts:
        assert by_key[planned.key].due_at == planned.at.timestamp()
    later = sorted({p.at for p in plan.posts})[1]
    cli(env, "daemon", "--once", "--now", _iso(later))
    doc = status(env, result.launch_id)
    for p in doc["posts"]:
        due = datetime.fromisoformat(p["due_at"].replace("Z", "+00:00"))
        assert (p["state"] == "sent") == (due <= later), p


def _invoke(env, *args):
    from click.testing import CliRunner

    from launcher.cli import cli as group

    result = CliRunner().invoke(group, list(args), env=env)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("hour", range(24))
def test_the_launch_scenario_holds_at_every_hour_of_the_day(env, hour):
    """The same life of a launch started at each hour of one day (fixed --at/--now, never the
    wall clock): what run sends at once is exactly what the plan has due by then, the daemon
    (woken at each due time) sends the rest once, and ledger and outbox agree. Quiet hours
    change how many posts a launch has (merged sends), never whether this holds."""
    t0 = datetime(2026, 5, 22, hour, 0, tzinfo=UTC)
    args = RUN[1:]
    plan = json.loads(_invoke(env, "plan", *args, "--at", _iso(t0), "--json"))
    due_now = [
        p for p in plan["posts"] if datetime.fromisoformat(p["at"].replace("Z", "+00:00")) <= t0
    ]
    doc = json.loads(
        _invoke(env, "run", *args, "--at", _iso(t0), "--now", _iso(t0), "--yes", "--json")
    )
    assert len(doc["posts"]) == len(plan["posts"])
    assert sum(p["state"] == "sent" for p in doc["posts"]) == len(due_now) > 0
    for due in sorted({p["at"] for p in plan["posts"]}):  # a daemon running all along
        _invoke(env, "daemon", "--once", "--now", due)
    final = status(env, doc["launch"])
    assert final["state"] == "complete"
    assert_agree(env, final)
