"""A playbook's ``triggers:`` section: which source events propose this playbook.

Content, like the rest of a playbook: read here with file and line for every problem, and used
by :mod:`launcher.feeds` (which watches the sources and proposes launches). What a source
publishes (its fields, its options, the order of its alert levels) is declared by its watcher,
so the checks that need it run there (:func:`launcher.feeds.check.trigger_problems`, part of
``launcher validate``); here is everything a playbook can get wrong by itself: the shape, the
parameters named, the values, a required parameter no trigger fills.

::

    triggers:
      - id: usgs-strong              # unique in the playbook; proposals name it
        source: usgs                 # a watcher (entry point launcher.feeds)
        options: {feeds: [significant_hour, 4.5_hour]}
        where: {within_km: 150}      # which missions an event concerns
        when:                        # conditions on the source's fields, all must hold
          properties.mag: {min: 6.0}
        facts:                       # playbook parameter <- source field (or {value: ...})
          magnitude: properties.mag
          region: properties.place
          occurred_at: properties.time
        auto: false                  # true: approved, in-bounds proposals launch by themselves
        correction: messages/earthquake/correction.j2
        evidence: false              # true: never proposes; shown with the other proposals
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from .schema import Checker, did_you_mean

TRIGGER_REQUIRED = ("id", "source")
TRIGGER_OPTIONAL = (
    "options",
    "where",
    "when",
    "facts",
    "auto",
    "correction",
    "description",
    "evidence",
)
WHERE_KEYS = ("within_km", "missions", "countries")
#: condition operators: bounds, ordered levels (the watcher declares the order), sets, text
OPERATORS = ("min", "max", "at_least", "at_most", "equals", "in", "not_in", "contains")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_FIELD = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


@dataclass(frozen=True)
class Condition:
    """``field op value``: ``properties.mag min 6.0`` holds for a magnitude of 6.0 or more."""

    field: str
    op: str
    value: Any
    line: int | None = None


@dataclass(frozen=True)
class FactMap:
    """A playbook parameter filled from a source field, or a constant (``{value: x}``)."""

    param: str
    field: str | None = None
    value: Any = None
    line: int | None = None


@dataclass(frozen=True)
class Trigger:
    id: str
    source: str
    options: dict[str, Any] = field(default_factory=dict)
    within_km: float | None = None
    missions: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    conditions: tuple[Condition, ...] = ()
    facts: tuple[FactMap, ...] = ()
    auto: bool = False
    correction: str | None = None
    description: str = ""
    #: never proposes: its events are shown with the playbook's proposals for the missions
    #: they concern (an IODA outage beside an OONI block)
    evidence: bool = False
    file: str = ""
    line: int | None = None
    #: line of each option key (``options.feeds``), for the watcher's own checks
    option_lines: dict[str, int | None] = field(default_factory=dict)


def parse_triggers(chk: Checker, raw: Any, params: list[Any]) -> tuple[Trigger, ...]:
    """The ``triggers:`` list, every problem added to ``chk`` with its line."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        chk.add(("triggers",), "expected a list of triggers", hint="see docs/content-format.md")
        return ()
    names = {p.name: p for p in params}
    out: list[Trigger] = []
    seen: set[str] = set()
    for i, body in enumerate(raw):
        path: tuple[str | int, ...] = ("triggers", i)
        t = chk.mapping(
            body, path, required=TRIGGER_REQUIRED, optional=TRIGGER_OPTIONAL, what="a trigger"
        )
        if t is None or any(k not in t for k in TRIGGER_REQUIRED):
            continue
        tid = str(t["id"])
        if not _ID.match(tid):
            chk.add((*path, "id"), f"trigger id '{tid}' must be lower-case letters, digits, '-'")
        if tid in seen:
            chk.add((*path, "id"), f"trigger id '{tid}' is used twice")
        seen.add(tid)
        if not isinstance(t["source"], str) or not t["source"]:
            chk.add((*path, "source"), "expected the name of a source, e.g. usgs, cap, ooni")
            continue
        options = t.get("options") or {}
        if not isinstance(options, dict):
            chk.typed(options, (*path, "options"), dict)
            options = {}
        within, missions, countries = _where(chk, t.get("where"), (*path, "where"))
        conditions = _conditions(chk, t.get("when"), (*path, "when"))
        facts = _facts(chk, t.get("facts"), (*path, "facts"), names)
        evidence = t.get("evidence", False)
        if not chk.typed(evidence, (*path, "evidence"), bool):
            evidence = False
        for key in ("facts", "auto", "correction") if evidence else ():
            if t.get(key):
                chk.add(
                    (*path, key),
                    f"an evidence trigger never proposes a launch: '{key}' does not apply",
                    hint="remove it, or remove 'evidence: true'",
                )
        for name, spec in names.items():
            if evidence:
                break  # fills nothing: its events only support other triggers' proposals
            if spec.required and spec.default is None and all(f.param != name for f in facts):
                chk.add(
                    (*path, "facts"),
                    f"required parameter '{name}' is not filled from the source",
                    hint=f"add '{name}: <source field>' (or {{value: ...}}) under facts",
                )
        auto = t.get("auto", False)
        if not chk.typed(auto, (*path, "auto"), bool):
            auto = False
        correction = t.get("correction")
        if correction is not None and (not isinstance(correction, str) or not correction):
            chk.add((*path, "correction"), "expected a template path, e.g. messages/x/y.j2")
            correction = None
        out.append(
            Trigger(
                id=tid,
                source=t["source"],
                options=dict(options),
                within_km=within,
                missions=missions,
                countries=countries,
                conditions=conditions,
                facts=facts,
                auto=bool(auto),
                correction=correction,
                description=str(t.get("description", "")).strip(),
                evidence=bool(evidence),
                file=chk.doc.file,
                line=chk.doc.positions.get(path, (None, None))[0],
                option_lines={
                    str(k): chk.doc.positions.get((*path, "options", k), (None, None))[0]
                    for k in options
                },
            )
        )
    return tuple(out)


def _where(
    chk: Checker, raw: Any, path: tuple[str | int, ...]
) -> tuple[float | None, tuple[str, ...], tuple[str, ...]]:
    if raw is None:
        return None, (), ()
    w = chk.mapping(raw, path, optional=WHERE_KEYS, what="where")
    if w is None:
        return None, (), ()
    within = w.get("within_km")
    if within is not None and (
        not chk.typed(within, (*path, "within_km"), int, float) or within < 0
    ):
        if isinstance(within, int | float) and not isinstance(within, bool):
            chk.add((*path, "within_km"), "must be 0 or more (kilometres)")
        within = None
    lists = []
    for key in ("missions", "countries"):
        value = w.get(key, [])
        if not isinstance(value, list):
            chk.typed(value, (*path, key), list)
            value = []
        if key == "countries":
            for j, cc in enumerate(value):
                if not isinstance(cc, str) or not _COUNTRY.match(cc):
                    chk.add((*path, key, j), f"'{cc}' is not an ISO 3166 country code like IT")
        lists.append(tuple(str(v) for v in value))
    return (float(within) if within is not None else None), lists[0], lists[1]


def _conditions(chk: Checker, raw: Any, path: tuple[str | int, ...]) -> tuple[Condition, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        chk.typed(raw, path, dict)
        return ()
    out = []
    for name, body in raw.items():
        p = (*path, name)
        if not _FIELD.match(str(name)):
            chk.add(p, f"'{name}' is not a source field path like properties.mag")
            continue
        ops = chk.mapping(body, p, optional=OPERATORS, what="a condition")
        if ops is None:
            continue
        if not ops:
            chk.add(p, "a condition needs an operator", hint=f"operators: {', '.join(OPERATORS)}")
        line = chk.doc.positions.get(p, (None, None))[0]
        for op, value in ops.items():
            if op not in OPERATORS:
                continue
            if op in ("min", "max") and not chk.typed(value, (*p, op), int, float):
                continue
            if op in ("in", "not_in") and (not isinstance(value, list) or not value):
                chk.add((*p, op), f"'{op}' takes a non-empty list, e.g. [orange, red]")
                continue
            if op == "contains" and not isinstance(value, str | list):
                chk.add((*p, op), "'contains' takes a text or a list of texts")
                continue
            out.append(Condition(str(name), op, value, line))
    return tuple(out)


def _facts(
    chk: Checker, raw: Any, path: tuple[str | int, ...], params: dict[str, Any]
) -> tuple[FactMap, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, dict):
        chk.typed(raw, path, dict)
        return ()
    out = []
    for name, body in raw.items():
        p = (*path, name)
        line = chk.doc.positions.get(p, (None, None))[0]
        if name not in params:
            chk.add(
                p,
                f"'{name}' is not a parameter of this playbook{did_you_mean(str(name), params)}",
                hint=f"parameters: {', '.join(params) or 'none'}",
            )
            continue
        if isinstance(body, str):
            if not _FIELD.match(body):
                chk.add(p, f"'{body}' is not a source field path like properties.place")
                continue
            out.append(FactMap(str(name), field=body, line=line))
        elif isinstance(body, dict):
            m = chk.mapping(body, p, required=("value",), what="a constant fact")
            if m is not None and "value" in m:
                out.append(FactMap(str(name), value=m["value"], line=line))
        else:
            chk.add(p, "expected a source field (properties.mag) or {value: ...}")
    return tuple(out)
