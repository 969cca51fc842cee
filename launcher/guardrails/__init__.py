"""Guardrails: checks that catch the embarrassing post before it leaves.

Per plan: :func:`lint_plan` runs inside planning (``plan``, ``run``, ``validate``); the lint
of a whole content repository, which builds plans, sits above planning in
:mod:`launcher.checks.lint` (``launcher lint``).
Rules (ids): ``link-host``, ``undeclared-mention``, ``undeclared-hashtag``,
``leftover-placeholder``, ``placeholder-in-fact``, ``untranslated-english``, ``typed-number``,
``forbidden-term``, ``repeated-text``, ``shouting``, ``exclamations``,
``emoji-in-condolences``, ``bidi-control``, ``fact-sanity`` (facts that contradict each
other or the confirmation time: :mod:`launcher.guardrails.facts`), ``fact-script`` (a typed
fact in another script than a locale's, that places.yaml does not name there). Their severities
(``error`` stops a launch, ``warning`` is shown, ``off``) and settings live in
``guardrails.yaml`` at the content root; see docs/guardrails.md. Forbidden terms are matched
in inflected forms per language (:mod:`launcher.guardrails.inflection`).
"""

from __future__ import annotations

from .checks import Finding, english_sources, lint_plan
from .policy import DEFAULT_SEVERITIES, POLICY_FILE, RULES, Policy, load_policy
from .report import Group, findings_to_problems, group_findings

__all__ = [
    "DEFAULT_SEVERITIES",
    "POLICY_FILE",
    "RULES",
    "Finding",
    "Group",
    "Policy",
    "english_sources",
    "errors_of",
    "findings_to_problems",
    "group_findings",
    "lint_plan",
    "load_policy",
]


def errors_of(findings: list[Finding]) -> list[Finding]:
    """The findings that stop a launch."""
    return [f for f in findings if f.severity == "error"]
