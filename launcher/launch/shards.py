"""A large launch sent from several processes, a share of the platforms each.

Python runs one thread at a time, and a launch of fifty missions spends its seconds in the
CPU (building requests, reading answers, writing the ledger), not in waiting for the
platforms: one process does not go faster however many sending threads it has. So
:func:`launcher.launch.lifecycle.send_due` hands a large launch to :func:`send_in_shares`,
which splits its platforms between processes (at most one per CPU, heaviest platforms
first) and lets each claim, send and record only its own platforms' accounts and posts, on
its own connection to the same ledger.

Splitting by platform keeps every guarantee of one process. An account lives on one
platform, so its chain (set up, first post, pin, thread parts) stays in one process and in
order. A platform's rate budget (per account, app and host) is counted whole by the one
process that talks to it. Claims, leases and reconciliation are the ledger's, as between a
``run`` and a daemon: a sender that dies leaves claims held by a dead process, which the
parent takes over at once and finishes itself. A halt reaches every process through the
ledger, as it reaches every thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from ..ledger import DueWork, Ledger
from ..ledger.groupcommit import SHARED_WAIT
from ..processes import run_forked, usable_cpus
from .dispatch import DispatchResult

log = logging.getLogger("launcher.launch.dispatch")

#: below this many accounts to set up and posts due, one process sends it all: a fork costs
#: more than it saves, and small launches keep one process's simple story
SHARE_FROM = 200

#: sends what is due on some platforms (None: all) from a ledger
Send = Callable[[Ledger, frozenset[str] | None, int], DispatchResult]


def split(work: Mapping[str, int], n: int) -> list[frozenset[str]]:
    """``n`` shares of the platforms, as even as whole platforms allow: the heaviest platform
    goes to the lightest share (longest-processing-time first). Deterministic: ties go by
    name. The first share is the heaviest (this process sends it)."""
    shares: list[tuple[int, list[str]]] = [(0, []) for _ in range(max(1, min(n, len(work))))]
    for platform in sorted(work, key=lambda p: (-work[p], p)):
        i = min(range(len(shares)), key=lambda k: (shares[k][0], k))
        load, names = shares[i]
        shares[i] = (load + work[platform], [*names, platform])
    shares.sort(key=lambda s: -s[0])
    return [frozenset(names) for _, names in shares if names]


@dataclass(frozen=True)
class PlatformCost:
    """What one platform's work costs a sender, as its adapter declares it."""

    setup_requests: int = 1  # requests to set up one account (Capabilities.setup_requests)
    grouped_posts: bool = False  # its sent posts are recorded in groups (a resend is safe)


def cost(work: DueWork, platform: PlatformCost) -> int:
    """``work`` in units a sender spends about the same CPU on: a platform request, or a ledger
    write of its own. Each account takes its setup requests and the write of its outcome;
    each post its request and, unless its platform's posts are recorded in groups, its own
    write; each pin a request and the write of its event. (Measured on the fan-out benchmark,
    with 150 accounts and 300 posts each: shares even in this cost finished within 0.6 s of
    each other; shares even in accounts and posts, 1.6 s apart.)"""
    post = 1 if platform.grouped_posts else 2
    return work.accounts * (platform.setup_requests + 1) + work.posts * post + work.pins * 2


def send_in_shares(
    ledger: Ledger,
    launch_ids: Sequence[str],
    send: Send,
    *,
    now: float,
    processes: int | None = None,
    costs: Callable[[str], PlatformCost] = lambda platform: PlatformCost(),
) -> DispatchResult:
    """Send what is due in ``launch_ids``: from this process alone when the work is small or
    on one platform, else from up to ``processes`` processes (None: one per CPU), this one
    included, one share of the platforms each, as even in :func:`cost` as whole platforms
    allow (``costs``: what a platform's requests and writes are, from its adapter)."""
    wanted = usable_cpus() if processes is None else processes
    due = ledger.due_work(launch_ids, now=now)
    if wanted <= 1 or len(due) <= 1 or sum(w.items for w in due.values()) < SHARE_FROM:
        return send(ledger, None, 1)
    shares = split({p: cost(w, costs(p)) for p, w in due.items()}, wanted)
    log.info("sending from %d processes: %s", len(shares),
             "; ".join(",".join(sorted(s)) for s in shares))  # fmt: skip
    n = len(shares)
    jobs = [lambda: _sharing(ledger, lambda: send(ledger, shares[0], n))]
    jobs += [lambda share=share: _own_connection(ledger, share, send, n) for share in shares[1:]]
    result = DispatchResult()
    # a child stopped halfway would only leave claims for a dead process: let them finish
    for share, got in zip(shares, run_forked(jobs, stop_children_on_error=False), strict=True):
        if got is None:  # that process ended early: its claims are a dead one's, taken over
            log.warning("a sender for %s ended early: its share is finished here",
                        ",".join(sorted(share)))  # fmt: skip
            got = send(ledger, share, 1)
        result += got
    return result


def _own_connection(parent: Ledger, share: frozenset[str], send: Send, n: int) -> DispatchResult:
    """In a child: its own connection to the ledger (a connection must not cross a fork)."""
    for engine in (parent.engine, parent.writer):
        engine.dispose(close=False)  # the parent's pooled connections stay the parent's
    with Ledger(parent.url) as ledger:
        return _sharing(ledger, lambda: send(ledger, share, n))


def _sharing(ledger: Ledger, job: Callable[[], DispatchResult]) -> DispatchResult:
    """``job`` with the ledger's group commit keeping groups open longer, as suits writers
    of several processes taking turns on one SQLite file (:data:`SHARED_WAIT`)."""
    writer = ledger.writer
    before = getattr(writer, "max_wait", None)
    if before is None:  # not SQLite's group commit (PostgreSQL): nothing to tune
        return job()
    writer.max_wait = SHARED_WAIT  # type: ignore[attr-defined]
    try:
        return job()
    finally:
        writer.max_wait = before  # type: ignore[attr-defined]
