"""A third-party launcher adapter: posts are "sent" by appending them to a loft file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import ClassVar

from launcher.adapters.base import (
    AccountRef,
    Adapter,
    Capabilities,
    Option,
    OutgoingPost,
    Published,
)

__version__ = "0.1.0"


class PigeonAdapter(Adapter):
    name: ClassVar[str] = "pigeon"
    platform: ClassVar[str] = "sandbox"
    title: ClassVar[str] = "Carrier pigeon"
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=140,
        counting="characters",
        profile_fields=frozenset(),
        create_accounts=False,
        pin=False,
        delete=False,
        idempotency="reconcile",
        images=False,
    )
    options: ClassVar[tuple[Option, ...]] = (
        Option("loft", "file the pigeons carry posts to", required=True),
    )

    def _loft(self) -> Path:
        return Path(self.settings["loft"])

    def _sent(self) -> list[dict]:
        if not self._loft().exists():
            return []
        return [json.loads(x) for x in self._loft().read_text().splitlines() if x]

    def publish(self, account: AccountRef, post: OutgoingPost) -> Published:
        pid = f"pigeon-{len(self._sent()) + 1}"
        with self._loft().open("a") as fh:
            fh.write(
                json.dumps({"id": pid, "key": post.key, "to": account.handle, "text": post.text})
                + "\n"
            )
        return Published(platform_post_id=pid)

    def find_published(self, account: AccountRef, post: OutgoingPost) -> Published | None:
        for rec in self._sent():
            if rec["key"] == post.key:
                return Published(platform_post_id=rec["id"])
        return None
