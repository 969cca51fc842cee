"""Work shared between forked processes, for the parts of a large launch group that are CPU.

Python runs one thread at a time, so a ``run`` of fifty missions would keep the machine's
other cores idle while it renders and checks 15,000 posts and then builds and reads
thousands of requests. :func:`run_forked` runs each job but the first in a forked child
(which inherits everything already loaded: the content, the settings, the person whose key
signs), the first in this process, and returns their results in order. A child that fails
or dies gives None for its job; the caller then does that job itself, and meets the error,
if there is one, with its own message and exit code. Nothing here knows what a job is:
planning (:mod:`launcher.plan.many`) and sending (:mod:`launcher.launch.shards`) use it.
"""

from __future__ import annotations

import gc
import logging
import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

log = logging.getLogger("launcher")

T = TypeVar("T")

#: never more processes than this, whatever the CPU count
MAX_PROCESSES = 8


def usable_cpus() -> int:
    """The CPUs this process may run on (its affinity), at most :data:`MAX_PROCESSES`; 1
    where the affinity cannot be read (not Linux: macOS's system libraries do not survive
    a fork reliably, so the work stays in one process there)."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return 1
    return max(1, min(MAX_PROCESSES, cpus))


def run_forked(jobs: Sequence[Callable[[], T]], *, stop_children_on_error: bool) -> list[T | None]:
    """Each job's result, in order: ``jobs[0]`` here, the others in forked children (None for
    a child that raised or died). If this process's own job raises, the children are stopped
    (``stop_children_on_error``: their work is worthless without ours, e.g. plans) or waited
    for (work that must end cleanly, e.g. posts being sent), and the error goes on."""
    ctx = multiprocessing.get_context("fork")
    parent = os.getpid()
    children: list[tuple[Any, Any]] = []
    results: list[T | None] = []
    failed = True
    # what is alive now (the content, the plans, the settings) outlives the jobs: frozen, it
    # is skipped by every process's garbage collections, and a child's collections leave
    # its pages alone (shared with this process, not copied). 50 missions' sending: the
    # child's collections 0.38 s before, 0.17 s after
    gc.freeze()
    try:
        for job in jobs[1:]:
            here, there = ctx.Pipe(duplex=False)
            proc = ctx.Process(
                target=_child, args=(job, there, parent), daemon=stop_children_on_error
            )
            proc.start()
            there.close()
            children.append((proc, here))
        results.append(jobs[0]())
        failed = False
    finally:
        if failed and stop_children_on_error:
            for proc, _ in children:
                proc.terminate()
        for proc, conn in children:
            got = None
            if not (failed and stop_children_on_error):
                try:
                    got = conn.recv()
                except (EOFError, OSError):  # it died before answering
                    got = None
            conn.close()
            proc.join()
            results.append(got)
        gc.unfreeze()  # here, they may become garbage again once the jobs are done
    return results


def _follow_parent(parent: int) -> None:
    """Linux: this child is killed (SIGKILL) when the thread that forked it ends. Killing a
    ``run`` must stop all of it, as one process would stop: what the children held is then a
    dead process's, taken over by the next run or daemon after a platform check."""
    import ctypes
    import signal

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the child lives on and finishes its job
        return
    if os.getppid() != parent:  # the parent died before the line above
        os._exit(1)


def _child(job: Callable[[], Any], conn: Any, parent: int) -> None:
    _follow_parent(parent)
    got = None
    try:
        got = job()
    except BaseException as exc:  # the parent redoes the job, and reports what it meets
        log.debug("a forked job stopped: %s", type(exc).__name__)
    try:
        conn.send(got)
    except Exception as exc:  # an answer that cannot be pickled: the parent redoes the job
        log.debug("a forked job's answer could not be sent back: %s", type(exc).__name__)
        conn.send(None)
    finally:
        conn.close()
