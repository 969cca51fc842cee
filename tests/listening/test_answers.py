"""Answers: approved replies at once, free text after a second person, twice is once, and a
crash or a lost answer in between never doubles the reply."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from launcher.errors import ContentError, InputError, LedgerError
from launcher.launch.dispatch import Dispatcher
from launcher.listening.answer_store import AnswerStore
from launcher.listening.answers import answer, approve_answer, reject_answer
from launcher.listening.collect import Collector
from launcher.listening.store import ListeningStore
from tests.conftest import REPO

from .helpers import launch


def _inbox(la, platform: str = "bluesky", locale: str = "it", text: str = "Il consolato è aperto?"):
    la.reply(platform, locale, text)
    Collector(la.ledger, la.settings, clock=la.clock).step(force=True)
    return next(i for i in ListeningStore(la.ledger).items() if i.text == text)


def _publishes(la, platform: str, key_part: str) -> list[dict]:
    sandbox = la.sandbox(platform)
    return [
        r
        for r in sandbox.records()
        if r.get("op") == "publish" and key_part in r.get("key", "") and r["platform"] == platform
    ]


def _answer(la, item, **kw):
    return answer(la.ledger, la.settings, REPO, item.id, actor="officer", clock=la.clock, **kw)


def test_an_approved_reply_goes_out_at_once_threaded_under_the_item(tmp_path: Path) -> None:
    la = launch(tmp_path)
    item = _inbox(la)
    out = _answer(la, item, reply_id="hotline")
    assert out.created and out.answer.state == "queued" and out.answer.post_state == "sent"
    sent = _publishes(la, "bluesky", f"reply-{item.id}-hotline")
    assert len(sent) == 1
    assert sent[0]["reply_to"] == item.platform_item_id  # under the item, not our thread
    assert sent[0]["handle"] == la.handle("bluesky", "it")
    from launcher.plan.build import load_content

    rome = load_content(REPO).registry.get("rome")
    assert rome.contacts.emergency_phone in sent[0]["text"]
    assert ListeningStore(la.ledger).item(item.id).state == "answered"
    post = la.ledger.post(out.answer.post_id)
    assert post.message == "reply:hotline" and post.locale == "it" and post.expires_at


def test_answering_twice_posts_once(tmp_path: Path) -> None:
    la = launch(tmp_path)
    item = _inbox(la)
    first = _answer(la, item, reply_id="registration")
    second = _answer(la, item, reply_id="registration")
    assert not second.created and second.answer.id == first.answer.id
    assert len(_publishes(la, "bluesky", f"reply-{item.id}-registration")) == 1
    assert len(AnswerStore(la.ledger).of_item(item.id)) == 1


def test_a_second_different_answer_needs_again(tmp_path: Path) -> None:
    la = launch(tmp_path)
    item = _inbox(la)
    _answer(la, item, reply_id="hotline")
    with pytest.raises(InputError, match="answered already"):
        _answer(la, item, reply_id="where-to-follow")
    out = _answer(la, item, reply_id="where-to-follow", again=True)
    assert out.answer.post_state == "sent"


def test_free_text_waits_for_a_second_person(tmp_path: Path) -> None:
    la = launch(tmp_path)
    item = _inbox(la)
    out = _answer(la, item, text="Sì, fino alle 18.")
    assert out.answer.state == "awaiting-approval" and out.answer.post_id is None
    assert _publishes(la, "bluesky", f"reply-{item.id}-") == []
    for same in ("officer", "Officer", "offi\u200dcer"):  # one person however typed
        with pytest.raises(LedgerError, match="four eyes"):
            approve_answer(la.ledger, la.settings, out.answer.id, actor=same, clock=la.clock)
    done = approve_answer(la.ledger, la.settings, out.answer.id, actor="chief", clock=la.clock)
    assert done.state == "queued" and done.post_state == "sent" and done.decided_by == "chief"
    assert _publishes(la, "bluesky", f"reply-{item.id}-text-")[0]["text"] == "Sì, fino alle 18."


def test_a_rejected_answer_is_never_sent_and_the_item_is_open_again(tmp_path: Path) -> None:
    la = launch(tmp_path)
    item = _inbox(la)
    out = _answer(la, item, text="Forse.")
    rejected = reject_answer(la.ledger, out.answer.id, actor="chief", reason="too vague")
    assert rejected.state == "rejected" and rejected.post_id is None
    assert ListeningStore(la.ledger).item(item.id).state == "new"
    assert _publishes(la, "bluesky", f"reply-{item.id}-") == []
    with pytest.raises(LedgerError):
        approve_answer(la.ledger, la.settings, out.answer.id, actor="chief2", clock=la.clock)


def test_guardrails_run_on_answers(tmp_path: Path) -> None:
    """A link to a host that is not the organisation's is an error: nothing recorded; a typed
    figure is a warning shown to the second person."""
    la = launch(tmp_path)
    item = _inbox(la)
    with pytest.raises(ContentError, match="link-host"):
        _answer(la, item, text="Informazioni: https://bad.example.net/info")
    assert AnswerStore(la.ledger).of_item(item.id) == []
    out = _answer(la, item, text="Chiamate il +39 333 1234567")
    assert out.answer.state == "awaiting-approval"
    assert any("typed-number" in w for w in out.warnings)


def test_a_halted_launch_answers_nothing_until_resumed(tmp_path: Path) -> None:
    la = launch(tmp_path)
    item = _inbox(la)
    la.ledger.halt(la.launch_id, actor="chief", now=la.clock())
    with pytest.raises(InputError, match="halted"):
        _answer(la, item, reply_id="hotline")
    la.ledger.resume_launch(la.launch_id, actor="chief", now=la.clock())
    assert _answer(la, item, reply_id="hotline").answer.post_state == "sent"


def test_mastodon_answers_address_the_author_first(tmp_path: Path) -> None:
    la = launch(tmp_path)
    la.reply("mastodon", "it", "Aiuto", author="anna@other.example")
    Collector(la.ledger, la.settings, clock=la.clock).step(force=True)
    item = next(i for i in ListeningStore(la.ledger).items() if i.platform == "mastodon")
    # the sandbox has no mention refs; the platform's item does: give it one as Mastodon would
    with la.ledger.writer.begin() as conn:
        from launcher.ledger.schema import inbox_items

        conn.execute(
            inbox_items.update()
            .where(inbox_items.c.id == item.id)
            .values(refs=json.dumps({"mention": "@anna@other.example", "visibility": "direct"}))
        )
    item = ListeningStore(la.ledger).item(item.id)
    out = _answer(la, item, reply_id="hotline")
    assert out.answer.text.startswith("@anna@other.example ")
    stored = json.loads(
        la.ledger.engine.connect()
        .execute(
            __import__("sqlalchemy").text("select target_refs from answers where id=:i"),
            {"i": out.answer.id},
        )
        .scalar()
    )
    assert stored["visibility"] == "direct" and stored["lang"] == "it"


def test_an_english_question_to_the_italian_account_is_answered_in_english(tmp_path) -> None:
    la = launch(tmp_path)
    item = _inbox(la, text="Is the embassy open tomorrow? My brother is in Modena.")
    assert item.language == "en" and item.answer_locale == "en" and item.locale == "it"
    out = _answer(la, item, reply_id="hotline")
    assert out.answer.locale == "en" and "Thank you for your message." in out.answer.text
    post = la.ledger.post(out.answer.post_id)
    assert post.locale == "it"  # from the account that was addressed
    assert _publishes(la, "bluesky", f"reply-{item.id}-hotline")[0]["handle"] == la.handle(
        "bluesky", "it"
    )


def test_a_crash_after_recording_the_answer_is_sent_once_by_the_daemon(tmp_path: Path) -> None:
    la = launch(tmp_path)
    item = _inbox(la)
    recorded = _answer(la, item, reply_id="hotline", send=False)  # the process dies here
    assert recorded.answer.post_state == "scheduled"
    again = _answer(la, item, reply_id="hotline")  # someone runs it again meanwhile
    assert not again.created
    Dispatcher(la.ledger, la.settings, actor="daemon", clock=la.clock).run_due()
    assert len(_publishes(la, "bluesky", f"reply-{item.id}-hotline")) == 1
    assert AnswerStore(la.ledger).get(recorded.answer.id).post_state == "sent"


def test_a_lost_answer_on_the_reply_is_reconciled_not_doubled(tmp_path, monkeypatch) -> None:
    la = launch(tmp_path)
    item = _inbox(la)
    monkeypatch.setenv("LAUNCHER_SANDBOX_FAIL", "lost-answer:1")
    out = _answer(la, item, reply_id="hotline")
    monkeypatch.delenv("LAUNCHER_SANDBOX_FAIL")
    post = la.ledger.post(out.answer.post_id)
    if post.state != "sent":  # the run rode out the blip itself, or left it to the daemon
        la.clock.advance(600)
        Dispatcher(la.ledger, la.settings, actor="daemon", clock=la.clock).run_due()
    assert la.ledger.post(out.answer.post_id).state == "sent"
    assert len(_publishes(la, "bluesky", f"reply-{item.id}-hotline")) == 1


def test_an_unknown_reply_names_the_ones_there_are(tmp_path: Path) -> None:
    la = launch(tmp_path)
    item = _inbox(la)
    with pytest.raises(InputError) as info:
        _answer(la, item, reply_id="hotlime")
    assert "hotline" in str(info.value) and "registration" in str(info.value)
    with pytest.raises(InputError, match="one of the two"):
        _answer(la, item)
