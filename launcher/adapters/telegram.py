"""Telegram (Bot API): a channel is the "account", a bot posts into it.

- Requests: ``POST https://api.telegram.org/bot<token>/<method>`` with JSON (multipart for
  files). The token is in the path, so URLs are never logged or put in messages.
- Publish: ``sendMessage`` with ``parse_mode: "HTML"``: the text is escaped (``<``, ``>``,
  ``&``) and links become ``<a href="...">``; ``sendPhoto`` with a caption (≤ 1024) for an
  image; ``reply_parameters`` for threads.
- Delete ``deleteMessage`` (messages younger than 48 h), pin ``pinChatMessage``, profile
  ``setChatTitle``/``setChatDescription``/``setChatPhoto``.
- Errors: ``{"ok": false, "error_code", "description", "parameters": {"retry_after"}}``.
- Rate limits (``limits``): about 30 messages a second per bot and 20 a minute per chat
  (channels included), from Telegram's published guidance (its short bursts above one message
  a second per chat are allowed); a 429's ``retry_after`` holds that chat back.
- Channels and bots cannot be created through the API (checklist). Bots cannot read a
  channel's history, so a post whose answer was lost cannot be reconciled automatically:
  ``find_published`` refuses rather than risk posting twice.
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime
from typing import Any, ClassVar

import requests

from ..budget import Limit
from ..errors import (
    AdapterError,
    AuthFailed,
    ContentRejected,
    PermanentError,
    RateLimited,
    Unsupported,
)
from .base import (
    AccountRef,
    Capabilities,
    Option,
    OutgoingPost,
    ProfileUpdate,
    Provisioned,
    Published,
)
from .http import N_, HttpAdapter, json_body, retry_after_header, text_rule
from .telegram_listen import LISTENING, TelegramListening

CAPTION_LIMIT = 1024
URL_RE = re.compile(r"https?://[^\s<>\"]+")
TRAILING = ".,;:!?)]}'"

CHECKLIST_CREATE = (
    N_("Create a bot with @BotFather (/newbot) and store its token in a file readable only by you"),
    N_("Create the public channel @{handle} in a Telegram client"),
    N_(
        "Add the bot to @{handle} as an administrator with the rights can_post_messages, "
        "can_edit_messages, can_delete_messages and can_change_info"
    ),
    N_(
        "Add the channel to the settings under platforms.telegram.accounts with account_id "
        "@{handle} (or its -100... id) and credentials.bot_token: file:/path"
    ),
)


def escape_html(text: str) -> str:
    """Plain text → Telegram HTML: escape ``<``, ``>``, ``&``; wrap links in ``<a href>``."""
    out: list[str] = []
    pos = 0
    for m in URL_RE.finditer(text):
        url = m.group(0)
        while url and url[-1] in TRAILING:
            url = url[:-1]
        if not url:
            continue
        start, end = m.start(), m.start() + len(url)
        out.append(html.escape(text[pos:start], quote=False))
        out.append(f'<a href="{html.escape(url, quote=True)}">{html.escape(url, quote=False)}</a>')
        pos = end
    out.append(html.escape(text[pos:], quote=False))
    return "".join(out)


_LIMIT, _COUNTING = text_rule("telegram", 4096, "characters after entity parsing (captions 1024)")


class TelegramAdapter(TelegramListening, HttpAdapter):
    name: ClassVar[str] = "telegram"
    platform: ClassVar[str] = "telegram"
    title: ClassVar[str] = "Telegram channel (Bot API)"
    default_base_url = "https://api.telegram.org"
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=_LIMIT,
        counting=_COUNTING,
        profile_fields=frozenset({"display_name", "bio", "links", "avatar"}),
        create_accounts=False,
        pin=True,
        delete=True,
        idempotency="reconcile",
        images=True,
        language_tag=False,
        threads=True,
        listening=LISTENING,
        setup_requests=2,  # setChatTitle and setChatDescription
    )
    limits: ClassVar[tuple[Limit, ...]] = (
        Limit("messages", 30, 1.0, per="app", operations=frozenset({"publish"}), unit="messages",
              source="Telegram Bots FAQ: about 30 messages per second per bot"),
        Limit("messages per chat", 20, 60.0, per="account", operations=frozenset({"publish"}),
              unit="messages",
              source="Telegram Bots FAQ: 20 messages per minute per group (channels too)"),
    )  # fmt: skip
    options: ClassVar[tuple[Option, ...]] = (
        Option("base_url", "Bot API server", default="https://api.telegram.org"),
        Option("bot_token", "bot token from @BotFather", credential=True),
        Option("link_preview", "show link previews (true/false)", default=True),
        Option("timeout", "read timeout in seconds", default=30),
    )

    def _url(self, account: AccountRef, method: str) -> str:
        return f"{self.base_url}/bot{self.credential(account, 'bot_token').reveal()}/{method}"

    @staticmethod
    def chat(account: AccountRef) -> str:
        return account.account_id or f"@{account.handle.lstrip('@')}"

    def account_key(self, account: AccountRef) -> str:
        return self.chat(account)

    def app_key(self, account: AccountRef | None) -> str:
        """The bot: every chat it posts to shares its 30 messages a second."""
        ref = (account.credentials.get("bot_token") if account else None) or self.settings.get(
            "bot_token"
        )
        return f"bot:{ref}" if ref else ""

    def call(
        self,
        account: AccountRef,
        method: str,
        *,
        operation: str,
        create: bool = False,
        files: Any = None,
        ok: tuple[int, ...] = (),
        **payload: Any,
    ) -> Any:
        kw: dict[str, Any] = {"data": payload, "files": files} if files else {"json": payload}
        resp = self.request(
            "POST",
            self._url(account, method),
            operation=operation,
            create=create,
            ok=ok,
            account=account,
            **kw,
        )
        body = json_body(resp) or {}
        if not body.get("ok", False):
            if resp.status_code in ok and "not modified" in str(body.get("description")).lower():
                return None  # setting what is already set
            raise self.error_for(resp, operation=operation, create=create)
        return body.get("result")

    # -- errors --------------------------------------------------------------------------
    def error_for(self, resp: requests.Response, *, operation: str, create: bool) -> AdapterError:
        body = json_body(resp)
        body = body if isinstance(body, dict) else {}
        params = body.get("parameters") or {}
        description = str(body.get("description") or f"HTTP {resp.status_code}")
        hint = params.get("retry_after")
        if hint is None:
            hint = retry_after_header(resp.headers.get("Retry-After"), self.clock())
        kw: dict[str, Any] = {
            "platform": self.name,
            "operation": operation,
            "status": resp.status_code,
        }
        if resp.status_code == 429:
            return RateLimited(
                description, retry_after=float(hint) if hint is not None else None, **kw
            )
        if params.get("migrate_to_chat_id"):
            return ContentRejected(
                description,
                hint=f"the chat moved: set its account_id to {params['migrate_to_chat_id']}",
                **kw,
            )
        if resp.status_code in (401, 404):
            return AuthFailed(description, hint="the bot token is invalid or revoked", **kw)
        if resp.status_code == 403:
            return AuthFailed(
                description, hint="add the bot to the channel as an administrator", **kw
            )
        return self.generic_error(
            resp, operation=operation, create=create, message=description, retry_after=hint
        )

    # -- provisioning and profile --------------------------------------------------------
    def provision(self, account: AccountRef, profile: ProfileUpdate) -> Provisioned:
        if not account.standby:
            raise Unsupported(
                "Telegram channels cannot be created through the Bot API",
                platform=self.name,
                operation="provision",
                checklist=self.steps(CHECKLIST_CREATE, handle=account.handle.lstrip("@")),
            )
        self.update_profile(account, profile)
        return Provisioned(account=account, created=False, checklist=())

    def update_profile(self, account: AccountRef, profile: ProfileUpdate) -> None:
        chat = self.chat(account)
        self.call(
            account,
            "setChatTitle",
            operation="update_profile",
            chat_id=chat,
            title=profile.display_name[:128],
            ok=(400,),
        )
        description = profile.bio
        for label, url in profile.links:
            line = f"\n{label}: {url}"
            if len(description) + len(line) <= 255:
                description += line
        self.call(
            account,
            "setChatDescription",
            operation="update_profile",
            chat_id=chat,
            description=description[:255],
            ok=(400,),
        )
        if profile.avatar:
            self.call(
                account,
                "setChatPhoto",
                operation="update_profile",
                files={"photo": (profile.avatar.name, profile.avatar.read_bytes())},
                chat_id=chat,
            )

    # -- posts ---------------------------------------------------------------------------
    def publish(self, account: AccountRef, post: OutgoingPost) -> Published:
        chat = self.chat(account)
        text = escape_html(post.text)
        extra: dict[str, Any] = {}
        if post.reply_to:
            extra["reply_parameters"] = {"message_id": int(post.reply_to)}
        if post.image:
            if len(post.text) > CAPTION_LIMIT:
                raise ContentRejected(
                    f"an image caption takes at most {CAPTION_LIMIT} characters",
                    platform=self.name,
                    operation="publish",
                )
            if "reply_parameters" in extra:
                extra["reply_parameters"] = _json(extra["reply_parameters"])
            message = self.call(
                account,
                "sendPhoto",
                operation="publish",
                create=True,
                files={"photo": (post.image.name, post.image.read_bytes())},
                chat_id=chat,
                caption=text,
                parse_mode="HTML",
                **extra,
            )
        else:
            if self.settings.get("link_preview") is False:
                extra["link_preview_options"] = {"is_disabled": True}
            message = self.call(
                account,
                "sendMessage",
                operation="publish",
                create=True,
                chat_id=chat,
                text=text,
                parse_mode="HTML",
                **extra,
            )
        return self._published(account, message or {})

    def _published(self, account: AccountRef, message: dict[str, Any]) -> Published:
        mid = str(message.get("message_id"))
        chat = message.get("chat") or {}
        username = chat.get("username") or (
            account.handle.lstrip("@") if not (account.account_id or "").startswith("-") else None
        )
        when = None
        if isinstance(message.get("date"), int):
            when = datetime.fromtimestamp(message["date"], UTC)
        return Published(
            platform_post_id=mid,
            url=f"https://t.me/{username}/{mid}" if username else None,
            published_at=when,
            extra={"chat_id": str(chat.get("id") or self.chat(account))},
        )

    def find_published(self, account: AccountRef, post: OutgoingPost) -> Published | None:
        raise PermanentError(
            "the answer to this post was lost and Telegram bots cannot read a channel's "
            "history, so launcher cannot tell whether it was posted",
            platform=self.name,
            operation="reconcile",
            hint=f"look in {self.chat(account)} and mark the post as sent or retry it by hand",
        )

    def retract(self, account: AccountRef, platform_post_id: str) -> None:
        self.call(
            account,
            "deleteMessage",
            operation="retract",
            chat_id=self.chat(account),
            message_id=int(platform_post_id),
        )

    def pin(self, account: AccountRef, published: Published) -> str | None:
        self.call(
            account,
            "pinChatMessage",
            operation="pin",
            chat_id=self.chat(account),
            message_id=int(published.platform_post_id),
            disable_notification=True,
        )
        return None  # a channel keeps several pins: deleting one shows the one before

    def unpin_post(self, account: AccountRef, platform_post_id: str) -> bool:
        self.call(
            account,
            "unpinChatMessage",
            operation="unpin",
            chat_id=self.chat(account),
            message_id=int(platform_post_id),
        )
        return True


def _json(value: Any) -> str:
    import json

    return json.dumps(value, separators=(",", ":"))
