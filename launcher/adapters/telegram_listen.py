"""Telegram's listening half: the channel's member count, and what the Bot API cannot give.

- Followers: ``getChatMemberCount`` (a channel's subscribers).
- Views, forwards and reactions of channel posts are not in the Bot API; views need an
  MTProto user session (``messages.getMessagesViews``), which launcher does not hold. Post
  counts are therefore "unavailable", never 0, and a deleted channel post cannot be noticed.
- Comments exist only in a discussion group linked to the channel, which a bot reads through
  ``getUpdates`` or a webhook, not run by launcher: no inbox.
"""

from __future__ import annotations

from .base import AccountMetrics, AccountRef, Listening
from .listen_common import count

NO_VIEWS = (
    "the Telegram Bot API gives no views, reactions or forwards of channel posts (views"
    " need an MTProto user session)"
)
NO_INBOX = (
    "Telegram channel comments live in a linked discussion group, which a bot reads only"
    " through getUpdates or a webhook; launcher runs neither"
)

LISTENING = Listening(
    followers=True,
    unavailable=(
        ("inbox", NO_INBOX),
        ("replies", NO_VIEWS),
        ("reposts", NO_VIEWS),
        ("likes", NO_VIEWS),
        ("quotes", NO_VIEWS),
        ("reach", NO_VIEWS),
    ),
)


class TelegramListening:
    """Mixin of :class:`~launcher.adapters.telegram.TelegramAdapter`."""

    def fetch_account_metrics(self, account: AccountRef) -> AccountMetrics:
        result = self.call(  # type: ignore[attr-defined]
            account,
            "getChatMemberCount",
            operation="followers",
            chat_id=self.chat(account),  # type: ignore[attr-defined]
        )
        members = count(result)
        if members is None:
            return AccountMetrics(unavailable="Telegram gave no member count")
        return AccountMetrics(followers=members)
