"""Contract case: Telegram Bot API (sendMessage, deleteMessage, pinChatMessage, setChat*)."""

from __future__ import annotations

from pathlib import Path

import requests
from responses import matchers

from launcher.adapters.base import AccountRef, OutgoingPost
from launcher.adapters.telegram import TelegramAdapter, escape_html

from .conftest import Case, Ctx

TOKEN = "123456:AAH-telegram-bot-token-S3CR3T"
BASE = f"https://api.telegram.org/bot{TOKEN}"
CHAT = "@embassy_rome_it"


def build(tmp: Path) -> TelegramAdapter:
    return TelegramAdapter({"bot_token": "env:T_TG_TOKEN"})


def _message(mid: int, post: OutgoingPost) -> dict:
    return {
        "ok": True,
        "result": {
            "message_id": mid,
            "date": 1782909000,
            "chat": {"id": -1001234567890, "type": "channel", "username": "embassy_rome_it"},
            "text": post.text,
        },
    }


def publish(ctx: Ctx, post: OutgoingPost) -> str:
    body = {"chat_id": CHAT, "text": escape_html(post.text), "parse_mode": "HTML"}
    if post.reply_to:
        body["reply_parameters"] = {"message_id": int(post.reply_to)}
    ctx.rsps.post(
        f"{BASE}/sendMessage",
        json=_message(42, post),
        match=[
            matchers.header_matcher({"Content-Type": "application/json"}),
            matchers.json_params_matcher(body),
        ],
    )
    return "42"


def rate_limited(ctx: Ctx, post: OutgoingPost) -> float:
    ctx.rsps.post(
        f"{BASE}/sendMessage",
        status=429,
        headers={"Retry-After": "5"},
        json={
            "ok": False,
            "error_code": 429,
            "description": "Too Many Requests: retry after 5",
            "parameters": {"retry_after": 5},
        },
    )
    publish(ctx, post)
    return 5.0


def lost_answer(ctx: Ctx, post: OutgoingPost) -> None:
    # bots cannot read a channel's history: the adapter must stop, never send again
    ctx.rsps.post(f"{BASE}/sendMessage", body=requests.ReadTimeout("read timed out"))
    return None


def auth_failure(ctx: Ctx, post: OutgoingPost) -> None:
    ctx.rsps.post(
        f"{BASE}/sendMessage",
        status=401,
        json={"ok": False, "error_code": 401, "description": "Unauthorized"},
    )


def retract(ctx: Ctx, pid: str) -> None:
    ctx.rsps.post(
        f"{BASE}/deleteMessage",
        json={"ok": True, "result": True},
        match=[matchers.json_params_matcher({"chat_id": CHAT, "message_id": int(pid)})],
    )


def pin(ctx: Ctx, pid: str) -> None:
    ctx.rsps.post(
        f"{BASE}/pinChatMessage",
        json={"ok": True, "result": True},
        match=[
            matchers.json_params_matcher(
                {"chat_id": CHAT, "message_id": int(pid), "disable_notification": True}
            )
        ],
    )


def activate(ctx: Ctx) -> None:
    ctx.rsps.post(
        f"{BASE}/setChatTitle",
        json={"ok": True, "result": True},
        match=[matchers.json_params_matcher({"chat_id": CHAT, "title": "Embassy Rome"})],
    )
    ctx.rsps.post(
        f"{BASE}/setChatDescription",
        json={"ok": True, "result": True},
        match=[
            matchers.json_params_matcher(
                {
                    "chat_id": CHAT,
                    "description": "Official crisis information.\nWebsite: https://example.org",
                }
            )
        ],
    )


CASE = Case(
    name="telegram",
    build=build,
    env={"T_TG_TOKEN": TOKEN},
    account=AccountRef(platform="telegram", handle="embassy_rome_it", locale="it", standby=True),
    publish=publish,
    rate_limited=rate_limited,
    lost_answer=lost_answer,
    auth_failure=auth_failure,
    retract=retract,
    pin=pin,
    activate=activate,
    create_call=("POST", "/sendMessage"),
)
