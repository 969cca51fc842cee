"""The ``fact-sanity`` rule: facts that contradict the confirmation time or their scale.

A duty officer types facts under pressure: an ``occurred_at`` eight hours after the ``--at``
of the confirmation (a zone mixed up), an earthquake from last month (a wrong year), a
magnitude of 78 (the decimal point lost), a negative count. Each is a finding naming the
``--set`` option, shown by ``plan`` and ``run`` (a warning by default: ``fact-sanity: error``
in guardrails.yaml refuses them). Facts that contradict each other beyond these (a curfew's
end before its start is an overnight curfew, not a contradiction) are not guessed at.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from .findings import Ctx, Finding
from .policy import POLICY_FILE

#: an event time this far after the confirmation is a typing or zone error
AHEAD = timedelta(minutes=15)
#: an event this long before its confirmation is not the event of a crisis launch
BEHIND = timedelta(days=7)
#: facts that are a moment magnitude, checked against the scale whatever the playbook allows
MAGNITUDE_NAMES = ("magnitude", "mag")


def _show(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC")


def fact_sanity(ctx: Ctx) -> Iterable[Finding]:
    plan = ctx.plan
    facts = plan.event.facts
    at = plan.event.confirmed_at
    specs = {p.name: p for p in plan.playbook.parameters}

    def finding(name: str, message: str, hint: str) -> Finding:
        return Finding(
            rule="fact-sanity",
            severity=ctx.policy.severity("fact-sanity"),
            message=message,
            hint=f"{hint}; if the fact is right, this warning can be ignored (fact-sanity in"
            f" {POLICY_FILE})",
            message_id=f"--set {name}",
            playbook=plan.playbook.id,
            mission=plan.mission.id,
        )

    for name, value in facts.items():
        spec = specs.get(name)
        if spec is None:
            continue
        if isinstance(value, datetime) and spec.default == "now" and at is not None:
            # a moment that defaults to the confirmation is when the event happened
            moment = value.astimezone(at.tzinfo)
            if moment - at > AHEAD:
                yield finding(
                    name,
                    f"{name} is {_hours(moment - at)} after the confirmation time"
                    f" ({_show(moment)} > {_show(at)}): an event is confirmed after it happens",
                    f"check the time zone of --set {name} (without an offset it is the"
                    " mission's local time) and the --at of the confirmation",
                )
            elif at - moment > BEHIND:
                yield finding(
                    name,
                    f"{name} is {(at - moment).days} days before the confirmation time"
                    f" ({_show(moment)}): is it this event?",
                    f"check the date of --set {name} (the year, the month)",
                )
        if isinstance(value, int | float) and not isinstance(value, bool):
            if name in MAGNITUDE_NAMES and not 0 <= value <= 10:
                yield finding(
                    name,
                    f"{name} {value} is outside the moment magnitude scale (0 to 10)",
                    f"check --set {name} (a decimal point lost? 78 for 7.8)",
                )
            elif spec.type == "integer" and value < 0:
                yield finding(
                    name,
                    f"{name} is negative ({value}): a count is 0 or more",
                    f"give --set {name} as the count the authorities confirmed",
                )


def _hours(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"
