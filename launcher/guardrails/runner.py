"""``launcher lint``: the guardrails over one plan, or over every playbook x mission with the
example facts ``launcher validate`` renders."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..errors import ContentError, InputError, Problem
from ..missions import Organisation
from ..models import Plan
from .checks import Finding, lint_plan
from .policy import Policy, load_policy


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
    mission: str | None = None,
    raw_facts: Mapping[str, str] | None = None,
    now: datetime | None = None,
) -> LintReport:
    """Lint one plan (``playbook`` and ``mission`` given, with ``raw_facts`` and ``now``) or
    every playbook x mission (either may narrow it) with example facts. Raises ContentError
    for a bad guardrails.yaml, InputError for unknown names."""
    from ..params import example_value
    from ..planner import build_plan, load_content, plan_from
    from ..playbook import load_playbook, playbook_ids
    from ..validate import EXAMPLE_NOW

    content = load_content(root)
    policy, problems = load_policy(content.root)
    if problems:
        raise ContentError(problems)
    org = content.registry.organisation
    report = LintReport()
    if playbook and mission:
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
    missions = (
        [content.registry.get(mission)] if mission else list(content.registry.missions.values())
    )
    at = now or EXAMPLE_NOW
    for pid in ids:
        pb = load_playbook(content.root, pid)
        for m in missions:
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


@dataclass(frozen=True)
class Group:
    """Findings that differ only by platform or mission, shown once."""

    first: Finding
    platforms: tuple[str, ...]
    missions: tuple[str, ...]
    count: int

    def to_problem(self) -> Problem:
        f = self.first
        what = f.message_id or "plan"
        field = f"{f.playbook}: {what}" if f.playbook else what
        ctx = []
        if f.locale:
            ctx.append(f"locale {f.locale}")
        if self.platforms:
            word = "platform" if len(self.platforms) == 1 else "platforms"
            ctx.append(f"{word} {', '.join(self.platforms)}")
        if self.missions:
            word = "mission" if len(self.missions) == 1 else "missions"
            ctx.append(f"{word} {', '.join(self.missions)}")
        if ctx:
            field += f" ({'; '.join(ctx)})"
        return Problem(f.message, file=f.file, field=f"{field} [rule {f.rule}]", hint=f.hint)


def group_findings(findings: list[Finding]) -> list[Group]:
    """Merge findings that are the same but for platform and mission, keeping order."""
    groups: dict[tuple[object, ...], list[Finding]] = {}
    for f in findings:
        key = (f.severity, f.rule, f.playbook, f.message_id, f.locale, f.fragment, f.file)
        groups.setdefault(key, []).append(f)
    out = []
    for items in groups.values():
        platforms = tuple(dict.fromkeys(f.platform for f in items if f.platform))
        missions = tuple(dict.fromkeys(f.mission for f in items if f.mission))
        out.append(Group(items[0], platforms, missions, len(items)))
    return out


def findings_to_problems(findings: list[Finding], severity: str = "error") -> list[Problem]:
    """The findings of ``severity`` as located problems, one per group (platforms merged):
    what ``validate``, ``plan`` and ``run`` report (errors in a ContentError, warnings shown)."""
    return [g.to_problem() for g in group_findings(findings) if g.first.severity == severity]
