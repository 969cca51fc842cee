"""Running the outbox: once after a command that acted, and in a thread beside the daemon.

A command sends what its own action caused right after its work is done (the launch is
recorded, its first posts are out), within a time budget; the daemon's notifier thread
sends the rest and retries. Either way notifications run apart from the posts: a mail
server that hangs costs a notification its attempt, never a post its time.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .config import config_of
from .outbox import Collected, Delivery, collect, deliver

log = logging.getLogger("launcher.notify")

#: seconds a command may spend sending its notifications before leaving them to the daemon
COMMAND_BUDGET = 20.0


def flush(
    ledger: Any,
    root: Path,
    settings: Any,
    *,
    clock: Callable[[], float] = time.time,
    budget: float = COMMAND_BUDGET,
    sender: Callable[[str, str, str], str | None] | None = None,
) -> tuple[Collected, Delivery] | None:
    """Collect and deliver; None when nothing can be notified (no people.yaml and no
    notification settings)."""
    from ..people.registry import load_people

    people = load_people(root)
    config = config_of(settings)
    if people is None and not config.configured:
        return None
    now = clock()
    got = collect(ledger, people, config, now=now)
    kw = {"sender": sender} if sender else {}
    sent = deliver(ledger, config, now=now, clock=clock, deadline=clock() + budget, **kw)
    return got, sent


class Notifier(threading.Thread):
    """Collects and delivers every ``every`` seconds until ``stop`` is set (the daemon's)."""

    def __init__(
        self,
        ledger: Any,
        root: Path,
        settings: Any,
        stop: threading.Event,
        *,
        every: float = 5.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(name="notifier", daemon=True)
        self.ledger, self.root, self.settings = ledger, root, settings
        self.stop, self.every, self.clock = stop, every, clock

    def run(self) -> None:
        while not self.stop.is_set():
            self.once()
            self.stop.wait(self.every)

    def once(self) -> None:
        try:
            result = flush(self.ledger, self.root, self.settings, clock=self.clock)
        except Exception:  # the ledger away for a moment: try again at the next round
            log.exception("notifications: pass failed; trying again")
            return
        if result is None:
            return
        _, sent = result
        for person, where in sent.sent:
            log.info("notified %s (%s)", person or "channel", where)
        for person, where, error in sent.failed:
            log.warning("notification to %s (%s) failed: %s", person or "channel", where, error)


def describe(result: tuple[Collected, Delivery] | None) -> list[tuple[str, str | None]]:
    """Lines for a command's output: (text, colour)."""
    if result is None:
        return []
    got, sent = result
    lines: list[tuple[str, str | None]] = []
    if sent.sent:
        who = ", ".join(f"{p or 'channel'} ({w})" for p, w in sent.sent)
        lines.append((f"notified: {who}", None))
    for person, where, error in sent.failed:
        lines.append(
            (
                f"notification to {person or 'channel'} ({where}) failed: {error}; it is tried"
                " again (by `launcher daemon`)",
                "yellow",
            )
        )
    if sent.left:
        lines.append((f"{sent.left} notification(s) left to `launcher daemon`", "yellow"))
    for who in got.unreachable:
        lines.append((f"not notified, no usable contact: {who}", "yellow"))
    return lines
