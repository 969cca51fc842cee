"""``status --watch``: how a large launch (or a launch group) is going out, as it goes.

On a terminal, a live display (rich): one bar per launch for the posts due by now, with what
is sent, failed, in flight and retrying, and the accounts ready. Elsewhere (a pipe, a log
file, a CI job), plain lines: one per launch whenever its counts change. It stops when
nothing due is left to send (posts waiting for a platform's next attempt are named, and
`launcher status` follows them), when nothing has moved for ``stall`` seconds (no process is
sending: is `launcher daemon` running?), or at Ctrl-C; it only reads the ledger.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TextIO

DONE = ("sent", "failed", "expired", "halted", "retracted")
ACCOUNT_READY = ("active", "manual")


@dataclass(frozen=True)
class Progress:
    """One launch, as far as what is due by now goes."""

    launch: str
    due: int
    sent: int
    failed: int
    in_flight: int
    retrying: int
    waiting: int  # due, not yet claimed
    accounts: int
    accounts_ready: int
    accounts_pending: int  # not yet set up (pending, provisioning, retrying)

    @property
    def done(self) -> int:
        return self.due - self.in_flight - self.retrying - self.waiting

    @property
    def finished(self) -> bool:
        """Nothing due is left to send now (a post waiting for its next attempt counts as
        left to the platform: the watch ends, `status` shows when it is tried again)."""
        return not (self.in_flight or self.waiting or self.accounts_pending)

    def line(self) -> str:
        text = (
            f"{self.launch}: {self.done}/{self.due} due posts done ({self.sent} sent"
            + (f", {self.failed} failed" if self.failed else "")
            + f"), {self.in_flight} sending"
            + (f", {self.retrying} retrying" if self.retrying else "")
            + (f", {self.waiting} waiting" if self.waiting else "")
            + f"; accounts {self.accounts_ready}/{self.accounts} ready"
        )
        return text


def measure(counts: Mapping[str, Mapping[str, Mapping[str, int]]]) -> list[Progress]:
    out = []
    for lid, c in counts.items():
        p, a = c["posts"], c["accounts"]
        out.append(
            Progress(
                launch=lid,
                due=sum(p.values()),
                sent=p.get("sent", 0),
                failed=p.get("failed", 0) + p.get("expired", 0),
                in_flight=p.get("sending", 0),
                retrying=p.get("retrying", 0),
                waiting=p.get("scheduled", 0),
                accounts=sum(a.values()),
                accounts_ready=sum(a.get(s, 0) for s in ACCOUNT_READY),
                accounts_pending=sum(a.get(s, 0) for s in ("pending", "provisioning")),
            )
        )
    return out


def watch(
    read: Callable[[], list[Progress]],
    *,
    out: TextIO,
    tty: bool,
    interval: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
    max_rounds: int | None = None,
    stall: float = 15.0,
) -> list[Progress]:
    """Show ``read()`` until every launch is finished, or nothing moved for ``stall``
    seconds; return the last reading."""
    seen: list[Any] = [None, 0.0]

    def stalled(now: list[Progress]) -> bool:
        if now != seen[0]:
            seen[0], seen[1] = now, 0.0
            return False
        seen[1] += interval
        return seen[1] >= stall

    return (_live if tty else _plain)(read, out, interval, sleep, max_rounds, stalled)


def _plain(
    read: Callable[[], list[Progress]],
    out: TextIO,
    interval: float,
    sleep: Callable[[float], None],
    max_rounds: int | None,
    stalled: Callable[[list[Progress]], bool],
) -> list[Progress]:
    shown: dict[str, str] = {}
    rounds = 0
    while True:
        now = read()
        stamp = datetime.now(UTC).strftime("%H:%M:%SZ")
        for p in now:
            text = p.line()
            if shown.get(p.launch) != text:
                shown[p.launch] = text
                out.write(f"{stamp} {text}\n")
        out.flush()
        rounds += 1
        if _over(now, rounds, max_rounds, stalled):
            return now
        sleep(interval)


def _live(
    read: Callable[[], list[Progress]],
    out: TextIO,
    interval: float,
    sleep: Callable[[float], None],
    max_rounds: int | None,
    stalled: Callable[[list[Progress]], bool],
) -> list[Progress]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, TextColumn
    from rich.progress import Progress as Bars

    console = Console(file=out, force_terminal=True)
    bars = Bars(
        TextColumn("{task.description}", justify="left"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("{task.fields[detail]}"),
        console=console,
        transient=False,
        auto_refresh=False,
    )
    tasks: dict[str, Any] = {}
    rounds = 0
    with bars:
        while True:
            now = read()
            for p in now:
                detail = (
                    f"{p.sent} sent"
                    + (f" [red]{p.failed} failed[/]" if p.failed else "")
                    + f", {p.in_flight} sending"
                    + (f", [yellow]{p.retrying} retrying[/]" if p.retrying else "")
                    + f"; accounts {p.accounts_ready}/{p.accounts}"
                )
                if p.launch not in tasks:
                    tasks[p.launch] = bars.add_task(p.launch, total=max(p.due, 1), detail="")
                bars.update(tasks[p.launch], total=max(p.due, 1), completed=p.done, detail=detail)
            bars.refresh()
            rounds += 1
            if _over(now, rounds, max_rounds, stalled):
                return now
            sleep(interval)


def _over(
    now: list[Progress],
    rounds: int,
    max_rounds: int | None,
    stalled: Callable[[list[Progress]], bool],
) -> bool:
    finished = all(p.finished for p in now)
    return finished or (max_rounds is not None and rounds >= max_rounds) or stalled(now)


def summary(progress: Sequence[Progress]) -> str:
    due = sum(p.due for p in progress)
    done = sum(p.done for p in progress)
    failed = sum(p.failed for p in progress)
    retrying = sum(p.retrying for p in progress)
    return (
        f"{done}/{due} due posts done across {len(progress)} launch(es)"
        + (f", {failed} failed or expired" if failed else "")
        + (f", {retrying} retrying (see `launcher status LAUNCH`)" if retrying else "")
        + (
            "; due posts are waiting and nothing is sending them: is `launcher daemon` running?"
            if any(not p.finished for p in progress)
            else ""
        )
    )
