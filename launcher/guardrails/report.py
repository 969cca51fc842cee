"""Findings as people read them: merged across platforms and missions, turned into located
problems for ``validate``, ``plan`` and ``run`` (errors stop, warnings are shown)."""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import Problem
from .checks import Finding


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
