"""The pins a crashed sender left undone, made by the daemon.

A post that asks to be pinned is pinned right after the ledger records it sent, in the
memory of the process that sent it (:meth:`Dispatcher._pin`, :func:`.pinning.pin_post`).
A sender killed between the two (``kill -9`` of a ``run``, a daemon's host lost) leaves a
sent post unpinned, with no trace but the missing ``post.pinned`` event. The daemon's chore
here (:class:`PinsLeftBehind`) looks for such posts once a minute (every pass of ``daemon
--once``) and pins them: the audit trail then says what became of every pin. It sits after
dispatch in the flow (ledger -> adapters) and only reads the ledger and calls ``pin``; a
post sent less than ``grace`` seconds ago is left to the process that sent it, which may be
pinning it right now.
"""

from __future__ import annotations

import logging
import time

from ..adapters.base import Published
from ..errors import LauncherError
from ..ledger import Claim
from .dispatch import Dispatcher, account_for

log = logging.getLogger(__name__)

#: a post sent this recently is its sender's to pin (it pins right after the commit)
PIN_GRACE = 300.0


class PinsLeftBehind:
    """A daemon chore (:class:`launcher.launch.daemon.Chore`): pin what a dead sender did
    not. ``every``: seconds between looks (0: every pass)."""

    def __init__(
        self, dispatcher: Dispatcher, *, every: float = 60.0, grace: float = PIN_GRACE
    ) -> None:
        self.dispatcher = dispatcher
        self.every = every
        self.grace = grace
        self._looked = -1e18

    def run_due(self) -> int:
        if time.monotonic() - self._looked < self.every:
            return 0
        self._looked = time.monotonic()
        d = self.dispatcher
        left = d.ledger.pins_left_behind(sent_before=d.clock() - self.grace, platforms=d.platforms)
        refs: dict[str, dict] = {}
        for post, mission in left:
            try:
                adapter = d.targets.adapter_for(post.platform, mission)
                known = refs.setdefault(post.launch_id, d.ledger.account_refs(post.launch_id))
                account = account_for(d.targets, known, mission, post)
            except LauncherError as exc:  # not configured now: its pin waits for the fix
                log.warning("pin of post %s left undone: %s", post.id, exc.message)
                continue
            assert post.platform_post_id is not None  # sent
            published = Published(post.platform_post_id, post.url, extra=post.extra)
            claim = Claim(post=post, mission=mission, launch_state="active", reply_to=None,
                          reconcile=False)  # fmt: skip
            d._pin(claim, adapter, account, published)
        if left:
            log.info("pinned %d post(s) a stopped sender had left unpinned", len(left))
        return len(left)

    def next_due(self) -> float | None:
        return None  # looked for on the passes the posts bring
