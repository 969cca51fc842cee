"""Event facts: parameter declarations and turning ``--set name=value`` strings into typed facts.

Facts are data. They are validated against their declared bounds here and rendered as plain
values later; nothing in a fact is ever evaluated as a template.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from ..errors import InputError, Problem
from ..models import PLATFORMS, ParamSpec
from .relative import MomentError, bound_seconds, duration, show_seconds
from .schema import Checker, did_you_mean, known_list

TYPES = ("text", "number", "integer", "datetime", "boolean", "choice", "platform")
_TRUE = {"true", "yes", "y", "1", "on"}
_FALSE = {"false", "no", "n", "0", "off"}


def parse_param(
    chk: Checker, name: str, body: Any, path: tuple[str | int, ...]
) -> ParamSpec | None:
    spec = chk.mapping(
        body,
        path,
        required=("type",),
        optional=("required", "default", "min", "max", "max_length", "choices", "help", "example"),
        what=f"parameter '{name}'",
    )
    if spec is None or "type" not in spec:
        return None
    ptype = spec["type"]
    if ptype not in TYPES:
        chk.add(
            (*path, "type"),
            f"unknown parameter type '{ptype}'{did_you_mean(str(ptype), TYPES)}",
            hint=f"types: {', '.join(TYPES)}",
        )
        return None
    bounds: dict[str, float] = {}
    for key in ("min", "max"):
        if key not in spec:
            continue
        if ptype == "datetime":  # relative to the confirmation: min: -7d, max: +30d
            try:
                bounds[key] = bound_seconds(spec[key])
            except MomentError as exc:
                chk.add((*path, key), str(exc), hint=exc.hint)
                return None
        elif not chk.typed(spec[key], (*path, key), int, float):
            return None
        else:
            bounds[key] = spec[key]
    if "min" in bounds and "max" in bounds and bounds["min"] > bounds["max"]:
        chk.add((*path, "min"), "min is above max", hint="swap them")
        return None
    if "max_length" in spec and not chk.typed(spec["max_length"], (*path, "max_length"), int):
        return None
    choices: tuple[str, ...] = ()
    if ptype == "choice":
        raw = spec.get("choices")
        if not isinstance(raw, list) or not raw:
            chk.add((*path, "choices"), "a choice parameter needs a non-empty 'choices' list")
            return None
        choices = tuple(str(c) for c in raw)
    elif ptype == "platform":
        choices = tuple(p for p in PLATFORMS if p != "sandbox")
    result = ParamSpec(
        name=name,
        type=ptype,
        required=bool(spec.get("required", False)),
        default=spec.get("default"),
        min=bounds.get("min"),
        max=bounds.get("max"),
        max_length=spec.get("max_length"),
        choices=choices,
        help=str(spec.get("help", "")),
        example=spec.get("example"),
        line=chk.doc.positions.get(path, (None, None))[0],
    )
    if result.default is not None and not (ptype == "datetime" and result.default == "now"):
        try:
            coerce(result, str(result.default).lower() if ptype == "boolean" else result.default)
        except InputError as exc:
            chk.add((*path, "default"), f"default does not fit the parameter: {exc.message}")
    return result


class OutOfBounds(InputError):
    """A well-typed fact outside its declared bounds. ``plan`` refuses it; ``run`` may record
    the launch for a second person's approval instead (the bounds are part of approvals)."""

    def __init__(self, message: str, *, value: Any, field: str, hint: str | None = None) -> None:
        super().__init__(message, field=field, hint=hint)
        self.value = value


def coerce(spec: ParamSpec, raw: Any, tz: str = "UTC", now: datetime | None = None) -> Any:
    """One raw value (CLI string or YAML value) to its typed, bounds-checked fact."""
    field = f"--set {spec.name}"
    text = str(raw).strip()
    if spec.type == "text":
        if not text:
            raise InputError("must not be empty", field=field, hint=f"give --set {spec.name}=...")
        from .bidi import is_terminal_control  # not at import: `list` needs no text rules

        control = next((c for c in text if is_terminal_control(c)), None)
        if control is not None:
            raise InputError(
                f"holds the control character U+{ord(control):04X}, which would be published"
                " unseen (and can rewrite a reviewer's terminal)",
                field=field,
                hint="type the value again without it (a pasted text can carry one)",
            )
        if spec.max_length is not None and len(text) > spec.max_length:
            raise OutOfBounds(
                f"is {len(text)} characters long, the limit is {spec.max_length}",
                value=text,
                field=field,
                hint="shorten it: it appears in posts with strict length limits",
            )
        return text
    if spec.type in ("number", "integer"):
        try:
            value: float | int = int(text) if spec.type == "integer" else float(text)
        except ValueError:
            kind = "a whole number" if spec.type == "integer" else "a number"
            raise InputError(
                f"'{text}' is not {kind}",
                field=field,
                hint=f"e.g. --set {spec.name}={'12' if spec.type == 'integer' else '6.1'}"
                " (use a dot for decimals)",
            ) from None
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(f"'{text}' is not a finite number", field=field)
        _bounds(spec, value, field)
        return value
    if spec.type == "boolean":
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise InputError(f"'{text}' is not true or false", field=field, hint="use true or false")
    if spec.type in ("choice", "platform"):
        if text not in spec.choices:
            known = ", ".join(spec.choices)
            raise InputError(
                f"'{text}' is not one of: {known}{did_you_mean(text, spec.choices)}", field=field
            )
        return text
    if spec.type == "datetime":
        value = parse_datetime(text, tz, field, now)
        if now is not None and (spec.min is not None or spec.max is not None):
            _moment_bounds(spec, value, now, field)
        return value
    raise AssertionError(spec.type)  # parse_param admits only TYPES


def _moment_bounds(spec: ParamSpec, value: datetime, now: datetime, field: str) -> None:
    """A datetime fact within its bounds relative to the confirmation (min: -7d, max: +30d):
    a deadline typed with last year's date is refused, not planned."""
    delta = (value - now).total_seconds()
    lo, hi = spec.min, spec.max
    if (lo is None or delta >= lo) and (hi is None or delta <= hi):
        return
    earliest = "" if lo is None else (now + timedelta(seconds=lo)).strftime("%Y-%m-%dT%H:%MZ")
    latest = "" if hi is None else (now + timedelta(seconds=hi)).strftime("%Y-%m-%dT%H:%MZ")
    span = (
        f"between {earliest} and {latest}"
        if lo is not None and hi is not None
        else (f"no earlier than {earliest}" if lo is not None else f"no later than {latest}")
    )
    relative = ", ".join(
        f"{k} {show_seconds(b)}" for k, b in (("min", lo), ("max", hi)) if b is not None
    )
    raise OutOfBounds(
        f"{value.strftime('%Y-%m-%dT%H:%MZ')} is out of bounds: must be {span}"
        f" ({relative} from the confirmation)",
        value=value,
        field=field,
        hint="check the date (and the year)",
    )


def parse_datetime(text: str, tz: str, field: str, now: datetime | None = None) -> datetime:
    """A datetime fact: ISO 8601; without an offset, the mission's local time; a bare "22:00"
    is that time on the day of ``now`` (the confirmation) in the mission's time zone. Local
    times that do not exist or exist twice (DST) are refused (:mod:`launcher.content.moments`)."""
    from .moments import parse_moment

    return parse_moment(text, tz, field, today=now)


def _bounds(spec: ParamSpec, value: float, field: str) -> None:
    lo, hi = spec.min, spec.max
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        span = (
            f"between {_fmt(lo)} and {_fmt(hi)}"
            if lo is not None and hi is not None
            else (f"at least {_fmt(lo)}" if lo is not None else f"at most {_fmt(hi)}")
        )
        raise OutOfBounds(
            f"{_fmt(value)} is out of bounds: must be {span}", value=value, field=field
        )


def _fmt(x: float | None) -> str:
    return f"{x:g}" if isinstance(x, float) else str(x)


def resolve_facts(
    params: tuple[ParamSpec, ...],
    raw: Mapping[str, str],
    *,
    now: datetime,
    tz: str,
    playbook_id: str,
    out_of_bounds: list[str] | None = None,
) -> dict[str, Any]:
    """All declared facts, typed: given values, defaults, ``None`` for absent optional ones.

    Every problem is reported at once. With ``out_of_bounds`` (a list to fill), a fact outside
    its declared bounds is kept and described there instead of being an error.
    """
    from .localfacts import locale_error, split_key

    problems: list[Problem] = []
    names = [p.name for p in params]
    localized: dict[str, str] = {}
    for key in list(raw):
        name, loc = split_key(key)
        if loc is None:
            continue
        spec = next((p for p in params if p.name == name), None)
        bad = locale_error(loc)
        if spec is None or spec.type != "text" or bad:
            texts = [p.name for p in params if p.type == "text"]
            problems.append(
                Problem(
                    bad
                    or (
                        f"unknown parameter '{name}'{did_you_mean(name, names)}"
                        if spec is None
                        else f"'{name}' is a {spec.type} parameter: only text facts have a"
                        " value per locale"
                    ),
                    field=f"--set {key}",
                    hint=f"NAME.LOCALE gives a text fact in one locale, e.g. --set"
                    f" {texts[0] if texts else 'place'}.uk=...; text parameters of"
                    f" {playbook_id}: {known_list(texts) or 'none'}",
                )
            )
            continue
        localized[key] = raw[key]
    for key in raw:
        if key not in names and key not in localized and split_key(key)[1] is None:
            problems.append(
                Problem(
                    f"unknown parameter '{key}'{did_you_mean(key, names)}",
                    field=f"--set {key}",
                    hint=f"{playbook_id} takes: {known_list(names) or 'no parameters'}"
                    f" (see: launcher show {playbook_id})",
                )
            )
    facts: dict[str, Any] = {}
    for spec in params:
        try:
            if spec.name in raw:
                facts[spec.name] = coerce(spec, raw[spec.name], tz, now)
            elif spec.required:
                raise InputError(
                    "is required",
                    field=f"--set {spec.name}",
                    hint=f"add --set {spec.name}=...  ({spec.help or spec.type})",
                )
            elif spec.default == "now" and spec.type == "datetime":
                facts[spec.name] = now
            elif spec.default is not None:
                facts[spec.name] = coerce(spec, spec.default, tz, now)
            else:
                facts[spec.name] = None
        except OutOfBounds as exc:
            if out_of_bounds is None:
                problems.append(Problem(exc.message, field=exc.field, hint=exc.hint))
            else:
                facts[spec.name] = exc.value
                out_of_bounds.append(f"fact {spec.name}: {exc.message}")
        except InputError as exc:
            problems.append(Problem(exc.message, field=exc.field, hint=exc.hint))
    for key, value in localized.items():
        spec = next(p for p in params if p.name == split_key(key)[0])
        try:
            facts[key] = coerce(spec, value, tz, now)
        except OutOfBounds as exc:
            if out_of_bounds is None:
                problems.append(Problem(exc.message, field=f"--set {key}", hint=exc.hint))
            else:
                facts[key] = exc.value
                out_of_bounds.append(f"fact {key}: {exc.message}")
        except InputError as exc:
            problems.append(Problem(exc.message, field=f"--set {key}", hint=exc.hint))
    if problems:
        from ..errors import ContentError

        raise ContentError(problems)
    return facts


def example_value(spec: ParamSpec, now: datetime) -> Any:
    """The playbook's ``example``, else a plausible value, for validation renders."""
    if spec.example is not None:
        if spec.type == "datetime" and isinstance(spec.example, str):
            try:  # example: +2d, relative to the confirmation
                return now + duration(spec.example)
            except MomentError:
                pass
        return coerce(spec, spec.example, now=now)
    if spec.type == "text":
        base = "Example Region"
        return base[: spec.max_length] if spec.max_length else base
    if spec.type == "number":
        lo = spec.min if spec.min is not None else 0.0
        hi = spec.max if spec.max is not None else lo + 10
        return float(round((lo + hi) * 0.6, 1))
    if spec.type == "integer":
        lo = int(spec.min) if spec.min is not None else 0
        hi = int(spec.max) if spec.max is not None else lo + 100
        return min(max(lo, 12), hi)
    if spec.type == "datetime":
        if spec.min is None and spec.max is None:
            return now
        day = 86400.0  # a day after the confirmation, inside the bounds
        lo = spec.min if spec.min is not None else -math.inf
        hi = spec.max if spec.max is not None else math.inf
        return now + timedelta(seconds=min(max(day, lo), hi))
    if spec.type == "boolean":
        return True
    return spec.choices[-1] if spec.choices else None
