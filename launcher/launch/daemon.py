"""The posting daemon: APScheduler drives the clock, the ledger is the truth.

Each pass sets up the accounts that are waiting (a launch just approved, a ``run`` that died
halfway, an account whose platform was down) and sends the posts that are due, including those
a platform fault delayed (``retrying``), whose next attempt time is in the ledger.

The scheduler holds no posts. One job asks the ledger what is due, at least every ``poll``
seconds (0.5 by default, so a halt or a newly recorded launch is seen within a second), and a
one-shot job wakes it exactly at the next due time, so posts are not late by a poll interval.
Jobs run on a single worker thread: one dispatcher per process, never two at once.

Between passes, when nothing is due, the listening post collects replies and counts
(``background``); it gives way before each of its platform calls as soon as a post or an
account is due, so posting is never late for it.

SIGTERM/SIGINT: stop claiming, let the post in flight finish (retry waits are cut short and
the post released for reconciliation), release the rest of the batch, exit 0.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from types import FrameType
from typing import Any, Protocol

from .dispatch import Dispatcher, DispatchResult

log = logging.getLogger("launcher.launch.daemon")

#: platform calls one daemon makes at once: accounts are set up side by side and each
#: account's posts are sent in order by one worker, so more workers overlap the round trips
#: of more accounts (the rate budget keeps each platform within its limits)
DEFAULT_WORKERS = 32


class Chore(Protocol):
    """Work a daemon does each pass besides posts (e.g. :class:`launcher.sunset.SunsetWorker`)."""

    def run_due(self) -> int: ...

    def next_due(self) -> float | None: ...


class _QuietSkips(logging.Filter):
    """A pass still running when the next poll comes due is normal: the poll is skipped
    (one dispatcher per process) and the running pass picks the new work up itself."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "maximum number of running instances" not in record.getMessage()


logging.getLogger("apscheduler.scheduler").addFilter(_QuietSkips())


class Daemon:
    def __init__(
        self,
        dispatcher: Dispatcher,
        *,
        poll: float = 0.5,
        clock: Callable[[], float] | None = None,
        chores: Sequence[Chore] = (),
        background: Any = None,
    ) -> None:
        self.dispatcher = dispatcher
        #: more due work each pass, after the posts (a sunset's steps): ``run_due()``, and
        #: ``next_due()`` so the daemon wakes for it
        self.chores = tuple(chores)
        #: work done when nothing is due, that gives way as soon as something is: the
        #: listening post's collector (``step(should_yield)``, ``due_soon()``)
        self.background = background
        self.poll = poll
        self.clock = clock or dispatcher.clock
        self.stop = dispatcher.stop
        self.totals = DispatchResult()
        self._scheduler = None
        self._ticks = 0

    # -- one pass --------------------------------------------------------------------------
    def tick(self, wait_up_to: float = 0.0) -> DispatchResult:
        """Deliver everything due now, then arrange to wake at the next due time."""
        result = DispatchResult()
        started = self.clock()
        try:
            result = self.dispatcher.run_due(wait_up_to=wait_up_to)
            self.totals += result
            for chore in self.chores:
                if not self.stop.is_set():
                    chore.run_due()
            self._ticks += 1
            work = self.background
            if work is not None and not self.stop.is_set() and work.due_soon():
                work.step(self.stop.is_set, yield_to_posting=True)  # gives way to posting
            if not self.stop.is_set():
                self._wake_at_next_due(progress=result.total > 0, since=started)
        except Exception:  # the ledger unreachable for a moment: log, try again next poll
            log.exception("dispatch pass failed; retrying at the next poll")
        return result

    def _wake_at_next_due(self, *, progress: bool = True, since: float | None = None) -> None:
        """Arrange the next pass at the next due time, if it comes before the poll.

        ``since`` is when the pass that just ended started: work that came due after that
        moment (while a slow pass ran, on a loaded machine) was never looked at, so the daemon
        wakes at once for it instead of waiting a whole poll."""
        ledger = self.dispatcher.ledger
        due = [
            t
            for t in (
                ledger.next_due(),
                ledger.next_account_due(),
                *(c.next_due() for c in self.chores),
            )
            if t is not None
        ]
        if not due or self._scheduler is None:
            return
        nxt = min(due)
        delay = nxt - self.clock()
        if delay >= self.poll:
            return  # the poll job will get there
        looked = since is None or nxt <= since
        if delay <= 0 and not progress and looked:
            return  # due but not claimable yet (a thread part whose first part another
            # daemon is still sending): the poll looks again, no busy loop
        run_date = datetime.now(UTC) + timedelta(seconds=max(0.0, delay))
        self._scheduler.add_job(
            self.tick,
            "date",
            run_date=run_date,
            id="wake",
            replace_existing=True,
            misfire_grace_time=None,
        )

    # -- the service -----------------------------------------------------------------------
    def run_once(self, wait_up_to: float = 0.0) -> DispatchResult:
        """Deliver what is due now and return (``launcher daemon --once``, cron).

        ``wait_up_to``: also wait (at most this many seconds) for posts whose next attempt
        comes that soon: a blip met in this very pass (a lost answer looked for again a
        moment later, a second's rate limit and the posts deferred with it) is ridden out
        instead of left to the next pass."""
        return self.tick(wait_up_to)

    def request_stop(self, *_: object) -> None:
        if not self.stop.is_set():
            log.info("stopping: no new claims; finishing the post in flight")
        self.stop.set()

    def run(self, *, install_signals: bool = True, max_seconds: float | None = None) -> int:
        """Run until stopped (signal or :meth:`request_stop`); return the exit code."""
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.background import BackgroundScheduler

        scheduler = BackgroundScheduler(
            timezone=UTC,
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": None},
        )
        self._scheduler = scheduler
        scheduler.add_job(
            self.tick,
            "interval",
            seconds=self.poll,
            id="poll",
            next_run_time=datetime.now(UTC),
        )
        previous: dict[int, object] = {}
        if install_signals and threading.current_thread() is threading.main_thread():
            for sig in (signal.SIGTERM, signal.SIGINT):
                previous[sig] = signal.signal(sig, self._on_signal)
        log.info(
            "daemon started",
            extra={"worker": self.dispatcher.worker},
        )
        scheduler.start()
        started = time.monotonic()
        try:
            while not self.stop.wait(0.2):
                if max_seconds is not None and time.monotonic() - started > max_seconds:
                    self.request_stop()
        finally:
            scheduler.shutdown(wait=True)  # the pass in flight finishes or releases
            self.dispatcher.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)  # type: ignore[arg-type]
            self._scheduler = None
        log.info(
            "daemon stopped: %d sent, %d failed, %d halted, %d released",
            len(self.totals.sent),
            len(self.totals.failed),
            len(self.totals.halted),
            len(self.totals.released),
            extra={"worker": self.dispatcher.worker},
        )
        return 0

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s received", signal.Signals(signum).name)
        self.request_stop()
