"""``launcher lint``: the guardrails over one plan, or over every playbook x mission with the
example facts ``launcher validate`` renders."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..content.missions import Organisation
from ..errors import ContentError, InputError, Problem
from ..guardrails.checks import Finding, lint_plan
from ..guardrails.policy import Policy, load_policy
from ..models import Plan


@dataclass
class LintReport:
    findings: list[Finding] = field(default_factory=list)
    #: content problems that stopped a plan from being rendered at all
    problems: list[Problem] = field(default_factory=list)
    plans: int = 0

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors and not self.problems


def lint_content(
    root: str | Path | None = None,
    *,
    playbook: str | None = None,
    missions: Sequence[str] = (),
    raw_facts: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> LintReport:
    """Lint the plans of ``playbook`` for ``missions`` (both given: with ``raw_facts`` and
    ``now``, one plan per mission) or every playbook x mission (either may narrow it) with
    example facts. Raises ContentError for a bad guardrails.yaml, InputError for unknown
    names."""
    from ..content.params import example_value
    from ..content.playbook import load_playbook, playbook_ids
    from ..plan.build import build_plan, load_content, plan_from
    from .validate import EXAMPLE_NOW

    content = load_content(root)
    policy, problems = load_policy(content.root)
    if problems:
        raise ContentError(problems)
    org = content.registry.organisation
    report = LintReport()
    if playbook and missions:
        if now is None and len(missions) > 1:  # one moment of confirmation for all of them
            now = datetime.now(UTC)
        for mission in missions:
            plan = build_plan(
                playbook, mission, raw_facts or {}, now=now, content=content, guarded=False
            )
            _add(report, plan, policy, org)
        return report
    if raw_facts:
        raise InputError(
            "--set needs both a playbook and --mission",
            field="--set",
            hint="without them lint uses each playbook's example facts",
        )
    ids = [playbook] if playbook else playbook_ids(content.root)
    chosen = (
        [content.registry.get(m) for m in missions]
        if missions
        else list(content.registry.missions.values())
    )
    at = now or EXAMPLE_NOW
    for pid in ids:
        pb = load_playbook(content.root, pid)
        for m in chosen:
            for variant in ("all facts", "required facts only"):
                facts = {
                    p.name: example_value(p, at)
                    if (variant == "all facts" or p.required)
                    else (at if p.default == "now" else p.default)
                    for p in pb.parameters
                }
                try:
                    plan = plan_from(content, pb, m, facts, at)
                except ContentError as exc:
                    report.problems.extend(exc.problems)
                    continue
                _add(report, plan, policy, org)
    report.findings = _unique(report.findings)
    return report


def _add(report: LintReport, plan: Plan, policy: Policy, org: Organisation) -> None:
    report.plans += 1
    report.findings.extend(lint_plan(plan, policy, link_hosts=org.link_hosts, organisation=org))


def _unique(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[object, ...]] = set()
    out = []
    for f in findings:
        key = (f.rule, f.playbook, f.mission, f.message_id, f.locale, f.platform, f.fragment)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
