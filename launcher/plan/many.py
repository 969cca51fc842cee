"""The plans of a launch group (``run --missions ...``), built side by side.

Fifty missions are fifty independent plans, 15,000 posts rendered and checked: seconds of
CPU that one Python process spends on one core. The first plan is built here (it compiles
the catalogs and templates every other plan reuses), then the others are shared between
this process and forked children (:func:`launcher.processes.run_forked`), which inherit the
loaded content and send their plans back. The result is exactly the sequential one: the
plans in the missions' order, and on bad input the error of the first mission that has
one, with its message (a child's failure is redone here, where it raises).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ..models import Plan
from ..processes import run_forked, usable_cpus
from .build import Content, build_plan

#: fewer missions than this are planned one after the other: a fork costs more than it saves
SHARE_FROM = 4


def build_plans(
    playbook_id: str,
    mission_ids: Sequence[str],
    raw_facts: Mapping[str, str],
    *,
    content: Content,
    processes: int | None = None,
    **options: Any,
) -> list[Plan]:
    """:func:`launcher.plan.build.build_plan` for each mission, in order; ``processes``: how
    many processes may share the work (None: one per CPU; 1: this one alone). ``options``
    are build_plan's (``now``, ``locales``, ``lenient_bounds``...)."""

    def plan(mission_id: str) -> Plan:
        return build_plan(playbook_id, mission_id, raw_facts, content=content, **options)

    ids = list(mission_ids)
    n = usable_cpus() if processes is None else max(1, processes)
    if n == 1 or len(ids) < SHARE_FROM:
        return [plan(m) for m in ids]
    first = plan(ids[0])  # catalogs compiled and templates parsed once, before the fork
    parts = _parts(ids[1:], n)
    jobs: list[Callable[[], list[Plan]]] = [lambda p=p: [plan(m) for m in p] for p in parts]
    plans = [first]
    for part, got in zip(parts, run_forked(jobs, stop_children_on_error=True), strict=True):
        plans += got if got is not None else [plan(m) for m in part]  # redone: raises here
    return plans


def _parts(ids: list[str], n: int) -> list[list[str]]:
    """``ids`` in ``n`` consecutive parts as even as possible (the first the largest)."""
    size, extra = divmod(len(ids), n)
    parts, start = [], 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        if end > start:
            parts.append(ids[start:end])
        start = end
    return parts
