"""When each message of a playbook goes out for one event, and until when each post is worth
sending: the schedule (:mod:`launcher.plan.schedule`) with the event's facts, ``when:``
tested on every occurrence, and the moments a fact puts an end to (a deadline).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from ..content.playbook import DEFAULT_ONE_OFF_LIFE
from ..content.relative import duration
from ..content.series import TooManyOccurrences, span, too_many
from ..errors import Problem
from ..models import Mission, Playbook
from .schedule import MissingFact, send_times, stop_moment


def _fact_moment(schedule: Any, facts: dict[str, Any]) -> str:
    name = schedule.until_fact or schedule.at_fact
    value = facts.get(name)
    return f"event.{name} = {value.isoformat() if isinstance(value, datetime) else value}"


def _series_words(spec: Any, facts: dict[str, Any]) -> str:
    """message 'update': every 1h until event.deadline = 2026-07-22T08:30:00+00:00"""
    s = spec.schedule
    runs = []
    if s.every is not None and s.until is not None:
        end = _fact_moment(s, facts) if s.until_fact else f"+{span(s.until)}"
        runs.append(f"every {span(s.every)} until {end}")
    runs += [f"every {span(e)} until +{span(u)}" for e, u in s.phases]
    return f"message '{spec.id}': " + ", then ".join(runs)


def _sooner(spec: Any) -> str:
    """How to end a message's series sooner, in the words of its schedule."""
    fact = spec.schedule.until_fact
    return f"event.{fact} earlier (--set {fact}=...)" if fact else "'until' shorter"


def message_times(
    playbook: Playbook,
    mission: Mission,
    facts: dict[str, Any],
    now: datetime,
    base_vars: dict[str, Any],
    problems: list[Problem],
    notes: list[Problem],
) -> dict[str, list[datetime]]:
    """Each message's send times; ``notes`` gets the messages a fact leaves nothing of."""
    out: dict[str, list[datetime]] = {}
    for spec in playbook.messages:
        try:
            times = send_times(spec.schedule, now, mission.timezone, facts)
        except TooManyOccurrences as exc:  # an 'until' over a fact far away
            message, hint = too_many(exc.count, _series_words(spec, facts), _sooner(spec))
            problems.append(
                Problem(
                    message,
                    file=playbook.file,
                    line=spec.line,
                    field=f"messages.{spec.id}",
                    hint=hint,
                )
            )
            continue
        except MissingFact as exc:
            if spec.when and not _when(spec, base_vars, None, 0, 0, problems, playbook):
                continue  # the message is not wanted for this event anyway
            problems.append(
                Problem(
                    f"the schedule of {spec.id} counts from event.{exc.fact}, which was not given",
                    file=playbook.file,
                    line=spec.line,
                    field=f"messages.{spec.id}",
                    hint=f"give --set {exc.fact}=..., or plan the message only when it is"
                    f" known: when: event.{exc.fact} is not none",
                )
            )
            continue
        if not times:
            notes.append(
                Problem(
                    f"{spec.id} is not planned: its deadline"
                    f" ({_fact_moment(spec.schedule, facts)}) is not after the confirmation",
                    file=playbook.file,
                    line=spec.line,
                    field=f"messages.{spec.id}",
                    hint="check the fact; nothing of this message would still be useful",
                )
            )
            continue
        if spec.when:
            times = [
                t
                for i, t in enumerate(times)
                if _when(spec, base_vars, t, i + 1, len(times), problems, playbook)
            ]
            if not times:
                continue
        out[spec.id] = times
    return out


def _when(
    spec: Any,
    base_vars: dict[str, Any],
    at: datetime | None,
    number: int,
    total: int,
    problems: list[Problem],
    playbook: Playbook,
) -> bool:
    """``when:`` for one occurrence (``at``, ``update_number``, ``updates_total`` are the
    occurrence's). An error in the expression is reported once per message."""
    variables = {
        **base_vars,
        "at": at,
        "update_number": number,
        "updates_total": total,
        "duration": duration,  # at < event.deadline - duration('2h')
    }
    try:
        return bool(_compiled_when(spec.when)(**variables))
    except Exception as exc:  # any Jinja error in the expression is a content problem
        problem = Problem(
            f"cannot evaluate 'when: {spec.when}': {exc}",
            file=playbook.file,
            line=spec.line,
            field=f"messages.{spec.id}.when",
            hint="write a Jinja expression on the facts and the occurrence's time,"
            " e.g. event.deaths is not none, or at < event.deadline - duration('2h')",
        )
        if problem not in problems:
            problems.append(problem)
        return False


_when_cache: dict[str, Any] = {}


def _compiled_when(expression: str) -> Any:
    hit = _when_cache.get(expression)
    if hit is None:
        hit = _when_cache[expression] = _expr_env().compile_expression(expression)
    return hit


def _expr_env():
    from jinja2 import StrictUndefined
    from jinja2.sandbox import ImmutableSandboxedEnvironment

    return ImmutableSandboxedEnvironment(undefined=StrictUndefined)


def expiries(
    spec: Any,
    times: Sequence[datetime],
    now: datetime | None = None,
    facts: dict[str, Any] | None = None,
) -> list[datetime]:
    """When each occurrence of a message stops being worth sending: ``expires`` after its
    time if the playbook says so; else when the next occurrence is due (the last one of a
    series lives as long as the gap before it), or 24 h for a one-off post; and never later
    than ``stop``, the fact its schedule runs up to ("every 6 h until event.deadline", "at
    event.deadline - 2h": a reminder of the last departure is stale once it has left). A post
    delayed by an outage past this moment is recorded as expired, never sent stale."""
    stop = stop_moment(spec.schedule, now, facts) if now is not None else None
    if stop is not None:
        return [min(t, stop) for t in expiries(spec, times)]  # the same, capped
    if spec.expires is not None:
        return [t + spec.expires for t in times]
    out = []
    for i, t in enumerate(times):
        if i + 1 < len(times):
            out.append(times[i + 1])
        elif i > 0:
            out.append(t + (t - times[i - 1]))
        else:
            out.append(t + DEFAULT_ONE_OFF_LIFE)
    return out
