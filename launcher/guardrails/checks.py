"""Running the guardrails over a rendered :class:`~launcher.models.Plan`.

Each rule looks at the text that would be published (posts, and the accounts' profiles) and
returns findings that name the post, the rule, the offending fragment and the fix.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from ..content.missions import Organisation
from ..models import Plan
from .crossposts import english_sources, repeated, untranslated
from .facts import fact_sanity
from .findings import Ctx, EnglishKey, Finding, Item, plan_items
from .policy import Policy
from .rules import NOT_ON_PROFILES, TEXT_RULES, fact_placeholders

__all__ = ["EnglishKey", "Finding", "english_sources", "lint_plan"]


def lint_plan(
    plan: Plan,
    policy: Policy,
    *,
    link_hosts: Sequence[str],
    source_english: Mapping[EnglishKey, str] | None = None,
    organisation: Organisation | None = None,
) -> list[Finding]:
    """Every guardrail finding for ``plan``, errors and warnings, in plan order.

    ``link_hosts`` are the organisation's hosts (``Organisation.link_hosts``);
    ``source_english`` maps (message, occurrence, platform, part) to the English text of the
    same post, for plans that do not include ``en`` (default: the plan's own en posts).
    ``organisation`` (``Registry.organisation``) lets its data count as data too: the
    ministry's crisis line and website are not typed numbers.
    A finding repeated by every occurrence of a repeated message is reported once.
    """
    org_data = (organisation.crisis_line, organisation.website) if organisation else ()
    ctx = Ctx(plan, policy, link_hosts, org_data)
    items = plan_items(plan, policy)
    rules = [(rid, fn) for rid, fn in TEXT_RULES.items() if policy.enabled(rid)]
    found: list[Finding] = []
    cache: dict[tuple[object, ...], list[Finding]] = {}
    for item in items:
        for rid, fn in rules:
            if item.profile and rid in NOT_ON_PROFILES:
                continue
            # same text, locale and rule: same findings (texts repeat across platforms)
            key = (
                rid,
                item.text,
                item.locale,
                item.solemn,
                item.at,
                item.message_id,
                item.occurrence,
            )
            hit = cache.get(key)
            if hit is None:
                hit = cache[key] = list(fn(ctx, item))
                found.extend(hit)
            else:
                found.extend(_retarget(f, item) for f in hit)
    if policy.enabled("placeholder-in-fact"):
        found.extend(fact_placeholders(ctx))
    if policy.enabled("fact-sanity"):
        found.extend(fact_sanity(ctx))
    if policy.enabled("repeated-text"):
        found.extend(repeated(ctx, items))
    if policy.enabled("untranslated-english"):
        english = source_english if source_english is not None else english_sources(plan)
        if english:
            found.extend(untranslated(ctx, items, english))
    return _dedupe(found)


def _retarget(f: Finding, item: Item) -> Finding:
    return replace(f, post_key=item.post_key, platform=item.platform)


def _dedupe(findings: list[Finding]) -> list[Finding]:
    seen: set[tuple[object, ...]] = set()
    out = []
    for f in findings:
        key = (f.rule, f.message_id, f.locale, f.platform, f.fragment)
        if key not in seen:
            seen.add(key)
            out.append(f)
    return out
