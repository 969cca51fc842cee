"""The guardrails run on a finished plan: error findings stop it, warnings ride along.

Planning renders (build.py); this module judges what was rendered, with the content's
guardrails.yaml (read once per file version) and the place-script check of typed facts.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import regex

from ..content.localfacts import script_warnings
from ..errors import ContentError, Problem
from ..models import Plan
from ..places import load_gazetteer, localize
from .content import Content


def guard(content: Content, plan: Plan) -> Plan:
    """Run the guardrails: error findings stop the plan, warnings ride along on it."""
    from ..guardrails import findings_to_problems, lint_plan

    policy = policy_of(content.root)
    findings = lint_plan(
        plan,
        policy,
        link_hosts=content.registry.organisation.link_hosts,
        organisation=content.registry.organisation,
    )
    if policy.enabled("fact-script"):
        findings.extend(_script_findings(content, plan, policy))
    errors = findings_to_problems(findings, "error")
    if errors:
        raise ContentError(errors)
    return replace(
        plan,
        warnings=(*plan.warnings, *findings_to_problems(findings, "warning")),
        findings=tuple(f for f in findings if f.severity == "warning"),
    )


def script_problems(content: Content, plan: Plan) -> list[Problem]:
    """Text facts with no letter of a locale's script, that places.yaml did not name there."""
    texts = [p.name for p in plan.playbook.parameters if p.type == "text"]
    facts = {k: v for k, v in plan.event.facts.items() if k not in ("previous", "revised")}
    gazetteer, _ = load_gazetteer(content.root)  # its problems stopped plan_from already
    named = {(t, loc) for loc in plan.locales for t in localize(facts, texts, loc, gazetteer)[1]}
    return script_warnings(facts, texts, plan.locales, known=named)


def _script_findings(content: Content, plan: Plan, policy: Any) -> list[Any]:
    """:func:`script_problems` as ``fact-script`` findings (a warning by default; ``error``
    in guardrails.yaml refuses a fact the readers of a locale could not read)."""
    from ..guardrails import Finding

    return [
        Finding(
            rule="fact-script",
            severity=policy.severity("fact-script"),
            message=p.message,
            hint=p.hint or "",
            message_id=p.field,
            locale=next(iter(regex.findall(r"that locale (\S+) is written in", p.message)), None),
            playbook=plan.playbook.id,
            mission=plan.mission.id,
        )
        for p in script_problems(content, plan)
    ]


_policies: dict[tuple[Path, int], Any] = {}


def policy_of(root: Path) -> Any:
    """The content's guardrail policy, read once per version of guardrails.yaml (the plans,
    replies and sunsets of one command share it)."""
    from ..guardrails import POLICY_FILE, load_policy

    path = root / POLICY_FILE
    key = (root, path.stat().st_mtime_ns if path.exists() else 0)
    if key not in _policies:
        policy, problems = load_policy(root)
        if problems:
            raise ContentError(problems)
        _policies[key] = policy
    return _policies[key]
