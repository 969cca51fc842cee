"""Checks of a playbook's triggers against the sources' declarations (part of ``validate``).

The playbook parser checks what a playbook can get wrong by itself; here, what needs the
watcher: a source that exists, options it takes (with their types and choices), fields it
publishes, operators that fit them (``at_least`` needs a field with levels), facts whose
type can fill the parameter, missions that exist, a correction template that renders for
every mission. Each problem names the playbook file and the trigger's line.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ..content.schema import did_you_mean
from ..content.triggers import Trigger
from ..errors import ConfigError, ContentError, InputError, Problem
from ..models import Playbook
from . import registry
from .base import Watcher

#: source field types that can fill a parameter of each type
FILLS = {
    "number": ("number", "integer"),
    "integer": ("integer",),
    "datetime": ("datetime",),
    "boolean": ("boolean", "integer"),
    "text": tuple(["number", "integer", "text", "datetime", "level", "list", "boolean"]),
    "choice": ("text", "level"),
    "platform": ("text",),
}


def trigger_problems(
    content: Any, playbook: Playbook, now: datetime | None = None
) -> list[Problem]:
    """Every problem of the playbook's triggers; with ``content``, the missions named and the
    correction template rendered for every mission (at ``now``, validate's fixed moment)."""
    out: list[Problem] = []
    for trigger in playbook.triggers:
        out.extend(_one(content, playbook, trigger, now or datetime.now(UTC)))
    return out


def _one(content: Any, playbook: Playbook, t: Trigger, now: datetime) -> list[Problem]:
    out: list[Problem] = []

    def add(msg: str, field: str, line: int | None = None, hint: str | None = None) -> None:
        out.append(
            Problem(
                msg,
                file=playbook.file,
                line=line or t.line,
                field=f"triggers.{t.id}.{field}",
                hint=hint,
            )
        )

    try:
        watcher = registry.resolve(t.source)
    except ConfigError as exc:
        add(exc.message, "source", hint=exc.hint)
        return out
    _options(watcher, t, add)
    for cond in t.conditions:
        spec = watcher.field(cond.field)
        if spec is None:
            add(
                f"{watcher.name} has no field '{cond.field}'"
                f"{did_you_mean(cond.field, [f.path for f in watcher.fields])}",
                f"when.{cond.field}",
                cond.line,
                hint=f"fields: {', '.join(f.path for f in watcher.fields)}",
            )
            continue
        if cond.op in ("min", "max") and spec.type not in ("number", "integer"):
            add(
                f"'{cond.op}' needs a number; {spec.path} is {spec.type}",
                f"when.{cond.field}",
                cond.line,
            )
        if cond.op in ("at_least", "at_most"):
            if not spec.levels:
                add(
                    f"'{cond.op}' needs a field with levels; {spec.path} has none",
                    f"when.{cond.field}",
                    cond.line,
                )
            elif str(cond.value).lower() not in [lv.lower() for lv in spec.levels]:
                add(
                    f"'{cond.value}' is not a level of {spec.path}",
                    f"when.{cond.field}",
                    cond.line,
                    hint=f"levels, lowest first: {', '.join(spec.levels)}",
                )
    for fm in t.facts:
        if fm.field is None:
            continue
        spec = watcher.field(fm.field)
        param = playbook.param(fm.param)
        if spec is None:
            add(
                f"{watcher.name} has no field '{fm.field}'"
                f"{did_you_mean(fm.field, [f.path for f in watcher.fields])}",
                f"facts.{fm.param}",
                fm.line,
                hint=f"fields: {', '.join(f.path for f in watcher.fields)}",
            )
        elif param is not None and spec.type not in (*FILLS.get(param.type, ()), "any"):
            add(
                f"{spec.path} is {spec.type}: it cannot fill parameter '{fm.param}' ({param.type})",
                f"facts.{fm.param}",
                fm.line,
            )
    if content is not None:
        known = content.registry.missions
        for m in t.missions:
            if m not in known:
                add(f"unknown mission '{m}'{did_you_mean(m, known)}", "where.missions")
        if t.within_km is not None and not any(
            m.area for m in known.values() if not t.missions or m.id in t.missions
        ):
            add(
                "within_km needs missions with an area, and none has one",
                "where.within_km",
                hint="give the missions an area in missions.yaml (see docs/content-format.md)",
            )
        if t.correction:
            out.extend(_correction_problems(content, playbook, t, add, now))
    return out


def _options(watcher: type[Watcher], t: Trigger, add: Any) -> None:
    for name, value in t.options.items():
        spec = watcher.option(name)
        line = t.option_lines.get(name)
        if spec is None:
            add(
                f"{watcher.name} has no option '{name}'"
                f"{did_you_mean(name, [o.name for o in watcher.options])}",
                f"options.{name}",
                line,
                hint=f"options: {', '.join(o.name for o in watcher.options)}",
            )
            continue
        types = spec.type if isinstance(spec.type, tuple) else (spec.type,)
        if (isinstance(value, bool) and bool not in types) or not isinstance(value, types):
            add(
                f"expected {' or '.join(x.__name__ for x in types)}, got {value!r}",
                f"options.{name}",
                line,
            )
            continue
        if spec.choices:
            for item in value if isinstance(value, list) else [value]:
                if str(item) not in spec.choices:
                    add(
                        f"'{item}' is not one of {watcher.name}'s {name}",
                        f"options.{name}",
                        line,
                        hint=f"choices: {', '.join(spec.choices)}",
                    )
    if watcher.name == "cap" and not t.options.get("url"):
        add("a CAP trigger needs options.url: the Atom or RSS feed", "options")


def _correction_problems(
    content: Any, playbook: Playbook, t: Trigger, add: Any, now: datetime
) -> list[Problem]:
    from .revisions import example_correction

    path = content.root / "templates" / (t.correction or "")
    if not path.is_file():
        add(
            f"correction template '{t.correction}' does not exist",
            "correction",
            hint="paths are relative to templates/",
        )
        return []
    out: list[Problem] = []
    for mission in content.registry.missions.values():
        try:
            example_correction(content, playbook, t, mission, now)
        except ContentError as exc:
            out.extend(exc.problems)
        except InputError as exc:
            out.append(Problem(exc.message, file=playbook.file, field=exc.field, hint=exc.hint))
    return out
