"""Does a source event meet a trigger, which missions does it concern, and which facts does it
give the playbook?

Every answer comes with its reasons in words ("properties.mag 6.4 >= 6.0", "epicentre 38 km
from rome's area"): they are recorded with the proposal, so the duty officer sees why it was
made, and a refusal of auto-launch says which condition did not hold.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ..content.areas import Region, distance_to_area, inside
from ..content.triggers import Condition, Trigger
from ..models import Mission, Playbook
from .base import FieldSpec, SourceEvent, Watcher


def field_value(watcher: type[Watcher], ev: SourceEvent, name: str) -> tuple[FieldSpec | None, Any]:
    spec = watcher.field(name)
    return spec, (ev.fields.get(spec.path) if spec else None)


def holds(cond: Condition, spec: FieldSpec | None, value: Any) -> bool:
    """One condition on one value. A missing value (PAGER not run yet) never holds, except
    for ``not_in``: an alert that has no level is not one of the excluded levels."""
    op, want = cond.op, cond.value
    if value is None:
        return op == "not_in"
    if op in ("min", "max"):
        if isinstance(value, bool) or not isinstance(value, int | float):
            return False
        return value >= want if op == "min" else value <= want
    if op in ("at_least", "at_most"):
        levels = [lv.lower() for lv in (spec.levels if spec else ())]
        have, need = str(value).lower(), str(want).lower()
        if have not in levels or need not in levels:
            return False
        diff = levels.index(have) - levels.index(need)
        return diff >= 0 if op == "at_least" else diff <= 0
    values = value if isinstance(value, list) else [value]
    norm = [str(v).lower() for v in values]
    if op == "equals":
        return str(want).lower() in norm if isinstance(value, list) else norm == [str(want).lower()]
    if op == "in":
        return any(str(w).lower() in norm for w in want)
    if op == "not_in":
        return not any(str(w).lower() in norm for w in want)
    if op == "contains":
        words = [want] if isinstance(want, str) else list(want)
        return any(str(w).lower() in v for w in words for v in norm)
    return False


_SYMBOL = {"min": ">=", "max": "<=", "at_least": "at least", "at_most": "at most"}


def conditions_met(
    trigger: Trigger, watcher: type[Watcher], ev: SourceEvent
) -> tuple[bool, list[str]]:
    """Whether every condition holds, and each one in words (met or not)."""
    ok, said = True, []
    for cond in trigger.conditions:
        spec, value = field_value(watcher, ev, cond.field)
        met = holds(cond, spec, value)
        ok = ok and met
        shown = "not given" if value is None else _show(value)
        said.append(
            f"{cond.field} {shown} {'meets' if met else 'does not meet'} "
            f"{_SYMBOL.get(cond.op, cond.op)} {_show(cond.value)}"
        )
    return ok, said


def missions_concerned(
    trigger: Trigger, ev: SourceEvent, missions: Iterable[Mission]
) -> list[tuple[Mission, str]]:
    """The missions the event concerns, each with the reason: its country is the event's,
    or the event is within ``where.within_km`` (default 0: inside) of the mission's area."""
    within = trigger.within_km or 0.0
    out = []
    for m in missions:
        if trigger.missions and m.id not in trigger.missions:
            continue
        if trigger.countries and m.country not in trigger.countries:
            continue
        if ev.countries and m.country in ev.countries:
            out.append((m, f"the event is in {m.country}, {m.id}'s country"))
            continue
        d = event_distance(ev, m.area)
        if d is not None and d <= within:
            where = "inside" if d == 0 else f"{d:.0f} km from"
            out.append((m, f"the event is {where} {m.id}'s area (limit {within:g} km)"))
    return out


def event_distance(ev: SourceEvent, area: tuple[Region, ...]) -> float | None:
    """Kilometres between the event's location (points, polygons, circles) and a mission's
    area; None when either has no geometry."""
    if not area:
        return None
    best: float | None = None
    for point in ev.points:
        d = distance_to_area(area, point)
        best = d if best is None or (d is not None and d < best) else best
    for region in ev.regions:
        if region.center is not None:
            d = distance_to_area(area, region.center)
            d = None if d is None else max(0.0, d - region.radius_km)
        else:
            ds = [distance_to_area(area, p) for p in region.points]
            d = min((x for x in ds if x is not None), default=None)
            if any(inside(_anchor(r), region.points) for r in area):
                d = 0.0  # the alert's polygon covers the mission's area
        if d is not None and (best is None or d < best):
            best = d
    return best


def _anchor(region: Region) -> tuple[float, float]:
    if region.center is not None:
        return region.center
    lats = [p[0] for p in region.points]
    lons = [p[1] for p in region.points]
    return (sum(lats) / len(lats), sum(lons) / len(lons))


def mapped_facts(
    trigger: Trigger, watcher: type[Watcher], ev: SourceEvent, playbook: Playbook
) -> dict[str, str]:
    """The playbook's facts from the event, as the strings ``--set`` takes (typed and
    bounds-checked by the same code as a duty officer's input). A field the source left
    empty is left out: the parameter's default applies, or planning says it is required."""
    out: dict[str, str] = {}
    for fm in trigger.facts:
        if fm.field is None:
            value = fm.value
        else:
            _spec, value = field_value(watcher, ev, fm.field)
        if value is None or value == [] or value == "":
            continue
        out[fm.param] = as_fact(value)
    return out


def as_fact(value: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}" if abs(value) < 1e15 else repr(value)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value).strip()


def _show(value: Any) -> str:
    if isinstance(value, datetime):
        return as_fact(value)
    if isinstance(value, list):
        return "[" + ", ".join(str(v) for v in value) + "]"
    return str(value)
