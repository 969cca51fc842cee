"""The listening commands through the real CLI, on the shipped content and the sandbox: a
launch, people answering it, `listen --once`, the inbox, an answer, the status of a removed
post, the report in its three forms, and bad input."""

from __future__ import annotations

import csv
import io
import json
import os
from pathlib import Path

import pytest

from launcher.adapters.sandbox import SandboxAdapter
from tests.conftest import REPO, invoke

AT = "2026-05-22T08:30:00Z"
LATER = "2026-05-22T09:45:00Z"


def _sandbox(platform: str) -> SandboxAdapter:
    return SandboxAdapter({"data_dir": os.environ["LAUNCHER_DATA_DIR"], "stands_for": platform})


@pytest.fixture
def launched() -> dict:
    r = invoke(
        "run", "earthquake", "--mission", "rome", "--set", "region=Emilia-Romagna",
        "--set", "magnitude=6.1", "--at", AT, "--now", AT, "--yes", "--json", root=REPO,
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    posts = {(p["platform"], p["locale"], p["message"]): p for p in doc["posts"]}
    handles = {(a["platform"], a["locale"]): a["handle"] for a in doc["accounts"]}
    return {"launch": doc["launch"], "posts": posts, "handles": handles}


def _audience(launched: dict) -> None:
    ours = launched["posts"][("bluesky", "it", "condolences")]["platform_post_id"]
    bsky = _sandbox("bluesky")
    handle = launched["handles"][("bluesky", "it")]
    bsky.receive(handle, "reply", author="luca", text="Mio fratello è a Modena, come faccio?",
                 target=ours)  # fmt: skip
    bsky.receive(handle, "like", author="a", target=ours)
    bsky.receive(handle, "like", author="b", target=ours)
    bsky.receive(handle, "repost", author="c", target=ours)
    bsky.receive(handle, "follow", author="c")
    arabic = launched["handles"][("mastodon", "en")]
    _sandbox("mastodon").receive(arabic, "mention", author="layla", text="هل السفارة مفتوحة غدا؟")


def test_listen_inbox_answer_and_report(launched: dict, tmp_path: Path) -> None:
    _audience(launched)
    lid = launched["launch"]
    r = invoke("listen", "--once", "--now", LATER, root=REPO)
    assert r.exit_code == 0, r.output
    assert "2 new inbox item(s)" in r.stdout
    r = invoke("inbox", lid, "--json", root=REPO)
    items = json.loads(r.stdout)["items"]
    assert [i["kind"] for i in items] and {i["language"] for i in items} == {"it", "ar"}
    reply = next(i for i in items if i["language"] == "it")
    assert reply["answers_message"] == "condolences" and reply["state"] == "new"
    replies = json.loads(invoke("inbox", "--json", root=REPO).stdout)["replies"][lid]
    assert {r["id"] for r in replies} == {"hotline", "registration", "where-to-follow"}
    text = invoke("inbox", lid, "--locale", "ar", root=REPO).stdout
    assert "هل السفارة مفتوحة غدا؟" in text and "Mio fratello" not in text

    r = invoke("answer", str(reply["id"]), "--with", "hotline", "--now", LATER, "--json", root=REPO)
    assert r.exit_code == 0, r.output
    answered = json.loads(r.stdout)
    assert answered["post_state"] == "sent" and answered["created"]
    r = invoke("answer", str(reply["id"]), "--with", "hotline", root=REPO)
    assert r.exit_code == 0 and "nothing sent again" in r.stdout
    sent = [x for x in _sandbox("bluesky").records() if x.get("key", "").startswith("reply-")]
    assert (
        len(sent) == 1 and sent[0]["reply_to"] == reply["platform_id"]
        if "platform_id" in reply
        else len(sent) == 1
    )

    other = next(i for i in items if i["language"] == "ar")
    r = invoke(
        "answer", str(other["id"]), "--text", "نعم، من التاسعة", "--as", "officer", root=REPO
    )
    assert r.exit_code == 0 and "AWAITS APPROVAL" in r.stdout
    pending = invoke("pending", root=REPO).stdout
    assert f"approve answer {answered['answer'] + 1}" in pending
    r = invoke("approve", "answer", str(answered["answer"] + 1), "--as", "officer", root=REPO)
    assert r.exit_code == 2 and "four eyes" in r.output
    r = invoke("approve", "answer", str(answered["answer"] + 1), "--as", "chief", root=REPO)
    assert r.exit_code == 0 and "post #" in r.stdout and "sent" in r.stdout

    r = invoke("report", lid, "--now", LATER, "--json", root=REPO)
    doc = json.loads(r.stdout)
    row = next(
        x for x in doc["rows"]
        if (x["locale"], x["platform"], x["message"]) == ("it", "bluesky", "condolences")
    )  # fmt: skip
    assert (row["replies"], row["likes"], row["reposts"], row["inbox"]) == (1, 2, 1, 1)
    assert row["reach"] is None
    assert any(u["metric"] == "reach" and u["platform"] == "bluesky" for u in doc["unavailable"])
    gained = next(f for f in doc["followers"] if (f["platform"], f["locale"]) == ("bluesky", "it"))
    assert gained["gained"] == 1 and gained["created"]
    rows = list(csv.DictReader(io.StringIO(invoke("report", lid, "--csv", root=REPO).stdout)))
    assert any(r["message"] == "condolences" and r["likes"] == "2" for r in rows)
    out = tmp_path / "page.html"
    r = invoke("report", lid, "-o", str(out), "--now", LATER, root=REPO)
    assert r.exit_code == 0 and out.read_text().startswith("<!DOCTYPE html>")
    assert "<script" not in out.read_text()


def test_a_removed_post_shows_loudly_in_status(launched: dict) -> None:
    lid = launched["launch"]
    gone = launched["posts"][("x", "it", "condolences")]
    _sandbox("x").receive(
        launched["handles"][("x", "it")], "remove", target=gone["platform_post_id"]
    )
    r = invoke("listen", "--once", lid, "--now", LATER, root=REPO)
    assert "1 post(s) REMOVED" in r.stdout
    status = invoke("status", lid, root=REPO).stdout
    assert "REMOVED FROM THE PLATFORM" in status and f"#{gone['id']}" in status
    doc = json.loads(invoke("status", lid, "--json", root=REPO).stdout)
    assert [x["post"] for x in doc["removed"]] == [gone["id"]]


def test_dismiss_and_an_unknown_item(launched: dict) -> None:
    _audience(launched)
    invoke("listen", "--once", root=REPO)
    items = json.loads(invoke("inbox", "--json", root=REPO).stdout)["items"]
    r = invoke("dismiss", str(items[0]["id"]), "--reason", "spam", root=REPO)
    assert r.exit_code == 0
    assert (
        json.loads(invoke("inbox", "--state", "dismissed", "--json", root=REPO).stdout)["items"][0][
            "note"
        ]
        == "spam"
    )
    r = invoke("answer", "99999", "--with", "hotline", root=REPO)
    assert r.exit_code == 2 and "no inbox item 99999" in r.output
    r = invoke("answer", "abc", "--with", "hotline", root=REPO)
    assert r.exit_code == 2 and "not an inbox item number" in r.output
    r = invoke("answer", str(items[1]["id"]), "--with", "nope", root=REPO)
    assert r.exit_code == 2 and "has no reply 'nope'" in r.output and "hotline" in r.output


def test_the_daemon_listens_between_posts_and_not_with_no_listen(launched: dict) -> None:
    _audience(launched)
    r = invoke("daemon", "--once", "--no-listen", "--now", "2026-05-22T08:31:00Z", root=REPO)
    assert r.exit_code == 0, r.output
    assert json.loads(invoke("inbox", "--json", root=REPO).stdout)["items"] == []
    r = invoke("daemon", "--once", "--now", "2026-05-22T08:31:00Z", root=REPO)
    assert r.exit_code == 0, r.output
    assert len(json.loads(invoke("inbox", "--json", root=REPO).stdout)["items"]) == 2


def test_the_capability_table_shows_what_each_platform_can_listen_to() -> None:
    r = invoke("adapters", root=REPO)
    assert "Listening" in r.stdout and "25 posts a call" in r.stdout
    assert "no inbox, replies" not in r.stdout
    assert "discussion group" in r.stdout and "Bot API gives no views" in r.stdout
    doc = json.loads(invoke("adapters", "--json", root=REPO).stdout)
    tg = next(a for a in doc["adapters"] if a["name"] == "telegram")
    assert tg["listening"]["inbox"] == [] and "inbox" in tg["listening"]["unavailable"]


def test_a_bad_listening_section_names_the_file_line_and_key(tmp_path: Path) -> None:
    conf = tmp_path / "launcher.yaml"
    conf.write_text("listening:\n  snapshots: [1h, soon]\n  reserve: 2\n  every: 5m\n")
    r = invoke("--config", str(conf), "validate", root=REPO)
    assert r.exit_code == 2
    assert f"{conf}:2" in r.output and "'soon' is not an age" in r.output
    assert "reserve must be a share between 0 and 1" in r.output
    assert "unknown key 'every'" in r.output


def test_a_reply_cannot_drive_the_operators_terminal(launched: dict) -> None:
    """Anyone may reply. A reply (and its author's name) holding terminal escapes (clear the
    screen, set the window title, a carriage return that overwrites the line, a direction
    override) is listed with those characters as visible markers, the words around them
    intact; --json keeps the text exactly as received."""
    ours = launched["posts"][("bluesky", "it", "condolences")]["platform_post_id"]
    handle = launched["handles"][("bluesky", "it")]
    hostile = "aiuto\x1b[2J\x1b]0;pwned\x07 subito\rOK \u202eevil"
    _sandbox("bluesky").receive(handle, "reply", author="x\x1b[31m", text=hostile, target=ours)
    assert invoke("listen", "--once", "--now", LATER, root=REPO).exit_code == 0
    text = invoke("inbox", launched["launch"], root=REPO).stdout
    assert not any(c in text for c in "\x1b\x07\r\u202e")
    assert "aiuto⟨U+001B⟩[2J⟨U+001B⟩]0;pwned⟨U+0007⟩ subito⟨U+000D⟩OK ⟨U+202E⟩evil" in text
    assert "from x⟨U+001B⟩[31m" in text
    items = json.loads(invoke("inbox", "--json", root=REPO).stdout)["items"]
    assert [i["text"] for i in items if i["kind"] == "reply"] == [hostile]


def test_a_report_into_a_directory_that_does_not_exist_names_the_option(
    launched: dict, tmp_path: Path
) -> None:
    r = invoke("report", launched["launch"], "-o", str(tmp_path / "nope" / "r.html"), root=REPO)
    assert r.exit_code == 2 and "--output" in r.stderr and "does not exist" in r.stderr
    assert not (tmp_path / "nope").exists()


def test_an_answer_approved_an_hour_later_in_a_drill_keeps_the_drills_time(
    launched: dict,
) -> None:
    """A drill: a free-text answer at 09:45, approved by a second person at 10:45 (--now).
    The approval sends the answer and what of the launch is due by 10:45, and nothing of the
    launch is expired by the real clock (months after the drill's moment)."""
    _audience(launched)
    lid = launched["launch"]
    assert invoke("listen", "--once", "--now", LATER, root=REPO).exit_code == 0
    items = json.loads(invoke("inbox", lid, "--json", root=REPO).stdout)["items"]
    item = next(i for i in items if i["language"] == "ar")
    r = invoke("answer", str(item["id"]), "--text", "نعم، من التاسعة", "--as", "officer",
               "--now", LATER, "--json", root=REPO)  # fmt: skip
    assert r.exit_code == 0, r.output
    answer = json.loads(r.stdout)["answer"]
    hour_later = "2026-05-22T10:45:00Z"
    r = invoke("approve", "answer", str(answer), "--as", "chief", "--now", hour_later,
               "--json", root=REPO)  # fmt: skip
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["post_state"] == "sent"
    posts = json.loads(invoke("status", lid, "--json", root=REPO).stdout)["posts"]
    assert not [p for p in posts if p["state"] == "expired"]
    due = [p for p in posts if p["due_at"] <= hour_later and p["key"].count("/") >= 2]
    assert due and all(p["state"] == "sent" for p in due)
    assert any(p["state"] == "scheduled" for p in posts)  # the rest keeps its time


def test_a_reports_local_now_is_the_missions_time(launched: dict) -> None:
    """`report --now 2026-05-22T11:45` (no offset) is 11:45 in Rome, where the launch is:
    it was refused ("no mission says whose local time it is") though the launch has one."""
    r = invoke("report", launched["launch"], "--now", "2026-05-22T11:45", "--json", root=REPO)
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["generated_at"].startswith("2026-05-22T09:45")
