"""Telegram: HTML escaping, error table (retry_after in parameters), photos, profile."""

from __future__ import annotations

from pathlib import Path

import pytest
import responses
from responses import matchers

from launcher import errors
from launcher.adapters.base import AccountRef, ProfileUpdate
from launcher.adapters.telegram import TelegramAdapter, escape_html

from .case_telegram import BASE, TOKEN
from .conftest import NOW, post

ACCOUNT = AccountRef(platform="telegram", handle="embassy_rome_it", locale="it", standby=True)


@pytest.fixture
def adapter(monkeypatch: pytest.MonkeyPatch) -> TelegramAdapter:
    monkeypatch.setenv("T_TG_TOKEN", TOKEN)
    a = TelegramAdapter({"bot_token": "env:T_TG_TOKEN"})
    a.clock = lambda: NOW
    return a


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("a < b > c & d", "a &lt; b &gt; c &amp; d"),
        ("<b>not bold</b>", "&lt;b&gt;not bold&lt;/b&gt;"),
        ("&amp; stays literal", "&amp;amp; stays literal"),
        (
            "See https://example.org/q?a=1&b=2.",
            'See <a href="https://example.org/q?a=1&amp;b=2">https://example.org/q?a=1&amp;b=2</a>.',
        ),
        (
            "(https://example.org/x)",
            '(<a href="https://example.org/x">https://example.org/x</a>)',
        ),
        ("quote \" and ' stay", "quote \" and ' stay"),
    ],
)
def test_html_escaping(text: str, html: str) -> None:
    assert escape_html(text) == html


def _err(code: int, description: str, **params) -> dict:
    body = {"ok": False, "error_code": code, "description": description}
    if params:
        body["parameters"] = params
    return body


TABLE = [
    (
        429,
        {},
        _err(429, "Too Many Requests: retry after 12", retry_after=12),
        errors.RateLimited,
        12.0,
    ),
    (
        429,
        {"Retry-After": "3"},
        _err(429, "Too Many Requests: retry after 3"),
        errors.RateLimited,
        3.0,
    ),
    (400, {}, _err(400, "Bad Request: can't parse entities"), errors.ContentRejected, None),
    (400, {}, _err(400, "Bad Request: message is too long"), errors.ContentRejected, None),
    (
        400,
        {},
        _err(400, "Bad Request: group chat was upgraded", migrate_to_chat_id=-1009),
        errors.ContentRejected,
        None,
    ),
    (401, {}, _err(401, "Unauthorized"), errors.AuthFailed, None),
    (404, {}, _err(404, "Not Found"), errors.AuthFailed, None),
    (
        403,
        {},
        _err(403, "Forbidden: bot is not a member of the channel chat"),
        errors.AuthFailed,
        None,
    ),
    (502, {}, "<html>Bad Gateway</html>", errors.TransientError, None),
    (500, {}, _err(500, "Internal Server Error: restart"), errors.TransientError, None),
]


@pytest.mark.parametrize(("status", "headers", "body", "error", "retry_after"), TABLE)
def test_error_table(adapter, status, headers, body, error, retry_after) -> None:
    with responses.RequestsMock() as rsps:
        kw = {"json": body} if isinstance(body, dict) else {"body": body}
        rsps.post(f"{BASE}/sendMessage", status=status, headers=headers, **kw)
        with pytest.raises(error) as info:
            adapter.publish(ACCOUNT, post())
    exc = info.value
    assert type(exc) is error
    if isinstance(body, dict):
        assert exc.message == body["description"]
    if isinstance(exc, errors.TransientError):
        assert exc.retry_after == retry_after
    assert TOKEN not in str(exc) and TOKEN not in repr(exc)


def test_photo_with_caption(adapter, tmp_path: Path) -> None:
    img = tmp_path / "map.png"
    img.write_bytes(b"\x89PNG")
    p = post(image=img, text="Map & shelters", reply_to="40")
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.post(
            f"{BASE}/sendPhoto",
            json={
                "ok": True,
                "result": {"message_id": 43, "chat": {"id": -100, "username": "embassy_rome_it"}},
            },
        )
        result = adapter.publish(ACCOUNT, p)
        body = rsps.calls[0].request.body
    assert result.platform_post_id == "43" and result.url == "https://t.me/embassy_rome_it/43"
    assert b'name="photo"' in body and b"Map &amp; shelters" in body
    assert b'{"message_id":40}' in body and b"HTML" in body


def test_long_caption_is_refused_before_sending(adapter, tmp_path: Path) -> None:
    img = tmp_path / "map.png"
    img.write_bytes(b"\x89PNG")
    with pytest.raises(errors.ContentRejected, match="1024"):
        adapter.publish(ACCOUNT, post(image=img, text="x" * 1025))


def test_numeric_chat_id_is_used_when_configured(adapter) -> None:
    acc = AccountRef(
        platform="telegram",
        handle="embassy_rome_it",
        locale="it",
        account_id="-1001234567890",
        standby=True,
    )
    with responses.RequestsMock() as rsps:
        rsps.post(
            f"{BASE}/deleteMessage",
            json={"ok": True, "result": True},
            match=[matchers.json_params_matcher({"chat_id": "-1001234567890", "message_id": 7})],
        )
        adapter.retract(acc, "7")


def test_unchanged_description_is_not_an_error(adapter) -> None:
    with responses.RequestsMock(assert_all_requests_are_fired=True) as rsps:
        rsps.post(f"{BASE}/setChatTitle", json={"ok": True, "result": True})
        rsps.post(
            f"{BASE}/setChatDescription",
            status=400,
            json=_err(400, "Bad Request: chat description is not modified"),
        )
        adapter.update_profile(ACCOUNT, ProfileUpdate("Embassy Rome", "Bio"))


def test_channel_checklist_names_the_bot_rights(adapter) -> None:
    with pytest.raises(errors.Unsupported) as info:
        adapter.provision(
            AccountRef(platform="telegram", handle="embassy_milan", locale="it"),
            ProfileUpdate("n", "b"),
        )
    text = "\n".join(info.value.checklist)
    for right in (
        "can_post_messages",
        "can_edit_messages",
        "can_delete_messages",
        "can_change_info",
    ):
        assert right in text
    assert "@embassy_milan" in text and "@BotFather" in text
