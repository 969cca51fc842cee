"""The sandbox: an outbox of JSON lines, safe for two processes, told to fail on demand."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from launcher import errors
from launcher.adapters.base import AccountRef, ProfileUpdate, Published
from launcher.adapters.sandbox import ENV_FAIL, SandboxAdapter, parse_fail
from launcher.launch.retry import deliver
from launcher.settings import Settings

from .conftest import post

ACC = AccountRef(platform="mastodon", handle="tl_rome_it", locale="it")
NOW = datetime(2026, 7, 1, 12, 0, tzinfo=UTC)


@pytest.fixture
def sandbox(tmp_path: Path) -> SandboxAdapter:
    a = SandboxAdapter({"outbox": str(tmp_path / "outbox.jsonl"), "stands_for": "mastodon"})
    a.clock = lambda: NOW
    return a


def lines(a: SandboxAdapter) -> list[dict]:
    return [json.loads(x) for x in a.outbox.read_text().splitlines()]


def test_every_operation_is_one_json_line(sandbox: SandboxAdapter) -> None:
    prov = sandbox.provision(
        ACC, ProfileUpdate("Embassy", "Bio", (("Web", "https://example.org"),))
    )
    assert prov.created and prov.checklist == ()
    p1 = sandbox.publish(ACC, post(key="k1", text="hello"))
    p2 = sandbox.publish(ACC, post(key="k2", text="part 2", reply_to=p1.platform_post_id))
    sandbox.pin(ACC, p1)
    sandbox.retract(ACC, p2.platform_post_id)
    ops = lines(sandbox)
    assert [o["op"] for o in ops] == ["provision", "publish", "publish", "pin", "retract"]
    publish = ops[1]
    assert publish == {
        "op": "publish",
        "key": "k1",
        "platform": "mastodon",
        "handle": "tl_rome_it",
        "locale": "it",
        "text": "hello",
        "id": p1.platform_post_id,
        "at": NOW.isoformat(),
        "reply_to": None,
        "image": None,
        "image_alt": None,
    }
    assert ops[2]["reply_to"] == p1.platform_post_id
    assert p1.platform_post_id.startswith("sbx-") and p1.published_at == NOW


def test_default_outbox_is_under_the_data_dir(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("LAUNCHER_DATA_DIR", str(tmp_path / "data"))
    adapter = Settings().adapter_for("telegram")
    assert isinstance(adapter, SandboxAdapter)
    assert adapter.outbox == tmp_path / "data" / "sandbox" / "outbox.jsonl"
    adapter.publish(ACC, post())
    assert lines(adapter)[0]["platform"] == "telegram"


def test_find_published_honours_key_platform_handle_and_retraction(sandbox: SandboxAdapter) -> None:
    p = post(key="k1")
    assert sandbox.find_published(ACC, p) is None
    published = sandbox.publish(ACC, p)
    assert sandbox.find_published(ACC, p) == published
    other = AccountRef(platform="mastodon", handle="tl_rome_en", locale="en")
    assert sandbox.find_published(other, p) is None
    sandbox.retract(ACC, published.platform_post_id)
    assert sandbox.find_published(ACC, p) is None


def test_a_line_another_process_is_still_writing_is_not_read_yet(sandbox: SandboxAdapter) -> None:
    """A reconciliation reads the outbox while other processes append (no lock): half a line
    at the end (cut inside a character, even) is not a record yet, and not an error."""
    published = sandbox.publish(ACC, post(key="k1"))
    half = json.dumps({"op": "publish", "key": "k2", "text": "séisme"}, ensure_ascii=False)
    with sandbox.outbox.open("ab") as fh:
        fh.write(half.encode("utf-8")[: half.encode("utf-8").index(b"\xa9")])
    assert sandbox.find_published(ACC, post(key="k1")) == published
    assert [r["key"] for r in sandbox.records()] == ["k1"]


def test_a_broken_line_is_named_with_its_file_and_line(sandbox: SandboxAdapter) -> None:
    """A hand edit left a line that is not JSON in the outbox, or in the audience's file:
    reading either is a ConfigError naming file:line (it was a JSONDecodeError that ended
    `listen` as an internal error), and the records around it are not mistaken for none."""
    sandbox.publish(ACC, post(key="k1"))
    with sandbox.outbox.open("a") as fh:
        fh.write("{broken\n")
    with pytest.raises(errors.ConfigError, match=r"outbox\.jsonl:2: not a JSON record"):
        sandbox.find_published(ACC, post(key="k1"))
    sandbox.inbound_file.write_text('{"kind": "reply"}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(errors.ConfigError, match=r"inbound\.jsonl:2: not a JSON object"):
        sandbox.fetch_inbox(ACC, None)


def test_publishing_twice_posts_twice_like_a_real_platform(sandbox: SandboxAdapter) -> None:
    sandbox.publish(ACC, post(key="k1"))
    sandbox.publish(ACC, post(key="k1"))
    assert [o["key"] for o in lines(sandbox)] == ["k1", "k1"]


def test_unknown_posts_cannot_be_pinned_or_retracted(sandbox: SandboxAdapter) -> None:
    with pytest.raises(errors.ContentRejected):
        sandbox.retract(ACC, "sbx-99")
    with pytest.raises(errors.ContentRejected):
        sandbox.pin(ACC, Published("sbx-99"))


@pytest.mark.parametrize(
    ("spec", "plan"),
    [
        (
            "rate-limit:2,outage:1,lost-answer:1",
            [("rate-limit", 2), ("outage", 1), ("lost-answer", 1)],
        ),
        ("timeout-after-accept", [("lost-answer", 1)]),
        (" reject:1 , timeout:3 ", [("reject", 1), ("timeout", 3)]),
        ("", []),
    ],
)
def test_parse_fail(spec: str, plan: list) -> None:
    assert parse_fail(spec) == plan


@pytest.mark.parametrize("spec", ["meteor:1", "outage:x", "outage:-1"])
def test_bad_fail_specs_are_config_errors(spec: str) -> None:
    with pytest.raises(errors.ConfigError):
        parse_fail(spec)


def test_failures_happen_in_order_then_stop(
    sandbox: SandboxAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_FAIL, "rate-limit:2,outage:1,timeout:1,lost-answer:1,reject:1")
    seen = []
    for i in range(7):
        try:
            sandbox.publish(ACC, post(key=f"k{i}"))
            seen.append("ok")
        except errors.AdapterError as exc:
            seen.append((type(exc).__name__, getattr(exc, "maybe_sent", None)))
    assert seen == [
        ("RateLimited", False),
        ("RateLimited", False),
        ("TransientError", False),
        ("TransientError", False),
        ("TransientError", True),
        ("ContentRejected", None),
        "ok",
    ]
    # only the lost answer and the final success reached the outbox
    assert [o["key"] for o in lines(sandbox)] == ["k4", "k6"]


def test_deliver_through_injected_failures_posts_once(
    sandbox: SandboxAdapter, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(ENV_FAIL, "rate-limit:1,outage:1,lost-answer:1")
    waits: list[float] = []
    result = deliver(sandbox, ACC, post(key="k1"), sleep=waits.append)
    assert waits[0] == 1.0 and len(waits) == 3
    assert [o["key"] for o in lines(sandbox) if o["op"] == "publish"] == ["k1"]
    assert result.platform_post_id == lines(sandbox)[0]["id"]


CHILD = """
import sys
from launcher.adapters.base import AccountRef, OutgoingPost
from launcher.adapters.sandbox import SandboxAdapter
from launcher import errors
a = SandboxAdapter({"outbox": sys.argv[1], "stands_for": "x"})
acc = AccountRef(platform="x", handle=sys.argv[2], locale="it")
failed = 0
for i in range(int(sys.argv[3])):
    try:
        a.publish(acc, OutgoingPost(key=f"{sys.argv[2]}-{i}", text="t" * 2000, locale="it"))
    except errors.TransientError:
        failed += 1
print(failed)
"""


def test_two_processes_share_the_outbox_and_the_failure_counters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Lines never interleave, ids stay unique, and injected failures are consumed once
    across processes."""
    outbox = tmp_path / "outbox.jsonl"
    monkeypatch.setenv(ENV_FAIL, "outage:6")
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", CHILD, str(outbox), name, "40"],
            stdout=subprocess.PIPE,
            text=True,
        )
        for name in ("a", "b")
    ]
    failed = sum(int(p.communicate(timeout=60)[0]) for p in procs)
    assert all(p.returncode == 0 for p in procs)
    assert failed == 6
    records = [json.loads(x) for x in outbox.read_text().splitlines()]
    assert len(records) == 80 - 6
    assert len({r["id"] for r in records}) == len(records)
