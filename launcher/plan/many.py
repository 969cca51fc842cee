"""The plans of a launch group (``run --missions ...``), built side by side.

Fifty missions are fifty independent plans, 15,000 posts rendered and checked: seconds of
CPU that one Python process spends on one core. The first plan is built here (it compiles
the catalogs and templates every other plan reuses), then the others are shared between
this process and forked children (:func:`launcher.processes.run_forked`), which inherit the
loaded content and send their plans back.

The missions are handed out one at a time, from a counter the processes share, not cut in
fixed parts: a process that is slower (a mission with more locales, a busy core, or this
process's own ``warm_up``, the caller's work that does not need the plans: its settings
checks, opening the ledger) simply plans fewer, and all of them finish together. The result
is exactly the sequential one: the plans in the missions' order, and on bad input the error
of the first mission that has one, with its message. A mission a process could not plan
(its error, or a child that died) is planned again here at the end, in order, where the
first failing one raises.
"""

from __future__ import annotations

import logging
import multiprocessing
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar

from ..models import Plan
from ..processes import run_forked, usable_cpus
from .build import Content, build_plan

log = logging.getLogger("launcher")

T = TypeVar("T")

#: fewer missions than this are planned one after the other: a fork costs more than it saves
SHARE_FROM = 4


def build_plans(
    playbook_id: str,
    mission_ids: Sequence[str],
    raw_facts: Mapping[str, str],
    *,
    content: Content,
    processes: int | None = None,
    warm_up: Callable[[], object] | None = None,
    **options: Any,
) -> list[Plan]:
    """:func:`launcher.plan.build.build_plan` for each mission, in order; ``processes``: how
    many processes may share the work (None: one per CPU; 1: this one alone). ``warm_up``:
    run here while the children plan, when they do (else not at all); it only fills caches
    for what the caller does next, so an error in it is left for that step to meet, in its
    place. ``options`` are build_plan's (``now``, ``locales``, ``lenient_bounds``...)."""
    pairs = build_plans_deriving(
        playbook_id, mission_ids, raw_facts, content=content, processes=processes,
        warm_up=warm_up, derive=None, **options,
    )  # fmt: skip
    return [plan for plan, _ in pairs]


def build_plans_deriving(
    playbook_id: str,
    mission_ids: Sequence[str],
    raw_facts: Mapping[str, str],
    *,
    content: Content,
    derive: Callable[[Plan], T] | None,
    processes: int | None = None,
    warm_up: Callable[[], object] | None = None,
    **options: Any,
) -> list[tuple[Plan, T | None]]:
    """:func:`build_plans`, each plan with ``derive(plan)`` worked out by the process that
    built it (None without ``derive``): what the caller needs of every plan next and is
    pure, such as the JSON text a launch records, is then done side by side too instead of
    after all the plans, in this process alone. An error in ``derive`` gives None for that
    plan: the caller works it out again, in its place, and meets the error there."""

    def derived(plan: Plan) -> T | None:
        if derive is None:
            return None
        try:
            return derive(plan)
        except Exception as exc:
            log.debug("deriving from a plan: %s", type(exc).__name__)
            return None

    def plan(mission_id: str) -> tuple[Plan, T | None]:
        built = build_plan(playbook_id, mission_id, raw_facts, content=content, **options)
        return built, derived(built)

    ids = list(mission_ids)
    n = usable_cpus() if processes is None else max(1, processes)
    if n == 1 or len(ids) < SHARE_FROM:
        return [plan(m) for m in ids]
    first = plan(ids[0])  # catalogs compiled and templates parsed once, before the fork
    rest = ids[1:]
    handed = multiprocessing.get_context("fork").Value("i", 0)  # the next mission of ``rest``

    def take() -> Iterator[int]:
        while True:
            with handed.get_lock():
                i = handed.value
                handed.value = i + 1
            if i >= len(rest):
                return
            yield i

    def share(warm: Callable[[], object] | None) -> dict[int, tuple[Plan, T | None]]:
        if warm is not None:
            try:
                warm()
            except Exception as exc:  # the caller's next step meets it again, in its place
                log.debug("warming up while planning: %s", type(exc).__name__)
        done: dict[int, tuple[Plan, T | None]] = {}
        for i in take():
            try:
                done[i] = plan(rest[i])
            except Exception:  # planned again below, in the missions' order, where it raises
                break
        return done

    jobs: list[Callable[[], dict[int, tuple[Plan, T | None]]]] = [lambda: share(warm_up)]
    jobs += [lambda: share(None) for _ in range(n - 1)]
    planned: dict[int, tuple[Plan, T | None]] = {}
    for got in run_forked(jobs, stop_children_on_error=True):
        planned.update(got or {})
    return [first] + [planned[i] if i in planned else plan(m) for i, m in enumerate(rest)]
