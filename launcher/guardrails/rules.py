"""The guardrail rules that look at one text at a time."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import lru_cache

import regex

from . import inflection, numbers, text
from .findings import Ctx, Finding, Item, edit_hint
from .policy import POLICY_FILE

PLACEHOLDER_RES: tuple[tuple[regex.Pattern[str], str], ...] = (
    (regex.compile(r"%\(\w+\)[sdifr]"), "a gettext placeholder"),
    (regex.compile(r"(?<![\w%])%[sd](?!\w)"), "a printf placeholder"),
    (regex.compile(r"\{\{|\}\}|\{%|%\}|\{#|#\}"), "template syntax"),
    (regex.compile(r"\$?\{[A-Za-z_]\w*\}"), "a {name} placeholder"),
    (regex.compile(r"\[\[[^\]\n]*\]\]"), "a [[...]] placeholder"),
    (regex.compile(r"<[A-Z][A-Z0-9_]{2,}>"), "a <PLACEHOLDER>"),
    (regex.compile(r"\b(?:TODO|FIXME|XXX|TBD|TKTK)\b"), "a to-do marker"),
    (regex.compile(r"(?i)\blorem\s+ipsum\b"), "filler text"),
)


def _link_host(ctx: Ctx, item: Item) -> Iterable[Finding]:
    found = [(u, text.url_host(u)) for u in text.urls(item.text)]
    if item.message_id == "profile.links":
        found = [(u, text.url_host(u)) for u in item.text.split() if "." in u and "/" in u]
    for url, host in found:
        if host not in ctx.hosts:
            yield ctx.finding(
                "link-host",
                item,
                f"link to '{host}' ({text.short(url)}): the host is not on the allow-list",
                f"link only to the organisation's hosts (organisation.link_hosts in "
                f"missions.yaml); fix the URL in {edit_hint(item)} or in missions.yaml, or, if "
                f"'{host}' is trusted, add it to link_hosts in {POLICY_FILE}",
                url,
            )
    for address, domain in text.emails(item.text):
        if domain not in ctx.hosts:
            yield ctx.finding(
                "link-host",
                item,
                f"e-mail address '{address}': the domain '{domain}' is not on the allow-list",
                f"use the mission's address from missions.yaml, or add '{domain}' to "
                f"link_hosts in {POLICY_FILE}",
                address,
            )


def _mentions(ctx: Ctx, item: Item) -> Iterable[Finding]:
    for name in text.mentions(item.text):
        if name.casefold() not in ctx.mentions:
            yield ctx.finding(
                "undeclared-mention",
                item,
                f"mention '@{name}' is not declared",
                f"check the account is the right one and add '{name}' to mentions in "
                f"{POLICY_FILE}, or remove it from {edit_hint(item)}",
                f"@{name}",
            )


def _hashtags(ctx: Ctx, item: Item) -> Iterable[Finding]:
    for tag in text.hashtags(item.text):
        if text.match_form(tag).casefold() not in ctx.hashtags:
            yield ctx.finding(
                "undeclared-hashtag",
                item,
                f"hashtag '#{tag}' is not declared",
                f"check what the hashtag is used for right now, then add '{tag}' to hashtags "
                f"in {POLICY_FILE}, or remove it from {edit_hint(item)}",
                f"#{tag}",
            )


def _placeholders(ctx: Ctx, item: Item) -> Iterable[Finding]:
    """Left-overs of the template or its translation. What lies inside a fact is the fact's
    own text (data, published as typed): :func:`fact_placeholders` speaks about that."""
    seen: set[str] = set()
    for pattern, what in PLACEHOLDER_RES:
        for m in pattern.finditer(item.text):
            frag = m.group(0)
            if frag in seen or ctx.fact_at(item.text, m.start(), m.end()):
                continue
            seen.add(frag)
            yield ctx.finding(
                "leftover-placeholder",
                item,
                f"left-over {what} '{frag}' in the text: "
                f'"{text.snippet(item.text, m.start(), m.end())}"',
                f"finish the text in {edit_hint(item)}: a placeholder must be a Jinja variable "
                "inside {% trans %} (translations must keep %(name)s placeholders exactly)",
                frag,
            )


def fact_placeholders(ctx: Ctx) -> Iterable[Finding]:
    """Template syntax or a placeholder in a fact given with ``--set``. Facts are data:
    rendered in a sandbox, never evaluated, so ``{{ 7*7 }}`` is published as typed. Said
    once per fact, naming its option (a warning by default; ``error`` refuses such facts)."""
    pb, mission = ctx.plan.playbook.id, ctx.plan.mission.id
    for name, value in ctx.facts.items():
        found = [
            (what, m.group(0)) for pattern, what in PLACEHOLDER_RES for m in pattern.finditer(value)
        ]
        if not found:
            continue
        kinds = ", ".join(dict.fromkeys(what for what, _ in found))
        frags = ", ".join(f"'{f}'" for f in dict.fromkeys(frag for _, frag in found))
        yield Finding(
            rule="placeholder-in-fact",
            severity=ctx.policy.severity("placeholder-in-fact"),
            message=f"fact {name} contains {kinds} ({frags}): it is published literally,"
            f' as typed: "{text.short(value)}"',
            hint=f"if that is not the {name} to publish, give --set {name}=... again with the"
            " plain text (facts are never evaluated as templates); to refuse such facts, set"
            f" placeholder-in-fact: error in {POLICY_FILE}",
            message_id=f"--set {name}",
            playbook=pb,
            mission=mission,
            fragment=found[0][1],
        )


def _typed_numbers(ctx: Ctx, item: Item) -> Iterable[Finding]:
    allowed = ctx.number_keys(item.locale)
    extra = {str(item.occurrence), str(ctx.occurrences.get(item.message_id, 0))}
    extra |= {str(item.part), str(item.parts)}
    if item.at is not None:
        extra |= numbers.time_keys(item.at, item.locale, ctx.plan.mission.timezone)
    body = text.blank_tags(item.text)
    reported: set[str] = set()
    for m in text.NUMBER_RE.finditer(body):
        written, digits = m.group(0), text.ascii_digits(m.group(0))
        if digits in allowed or digits in extra:
            continue
        parts = text.space_parts(written)
        if len(parts) > 1 and all(d in allowed or d in extra for _w, d in parts):
            continue  # e.g. a date and a time side by side: "2026/3/29 8:30"
        if written in reported:
            continue
        reported.add(written)
        yield ctx.finding(
            "typed-number",
            item,
            f"number '{written}' comes from neither the event facts nor mission data: "
            f'"{text.snippet(body, m.start(), m.end())}"',
            f"take the figure from an event fact (a playbook parameter, --set) or from "
            f"missions.yaml instead of typing it into {edit_hint(item)}; if it is a constant "
            f"such as 24 in 24/7, add {digits} to number_allowlist in "
            f"{POLICY_FILE}",
            written,
        )


@lru_cache(maxsize=256)
def _terms(terms: tuple[str, ...]) -> regex.Pattern[str] | None:
    return text.term_pattern(terms)


def _forbidden(ctx: Ctx, item: Item) -> Iterable[Finding]:
    """Terms as written (whole words; inside the text in Thai and Japanese), and in any
    inflected form where the locale has a stemmer (:mod:`launcher.guardrails.inflection`)."""
    terms = ctx.policy.terms_for(item.locale)
    pattern = _terms(terms)
    if pattern is None:
        return
    form = text.match_form(item.text)
    found = [(m.start(), m.end(), None) for m in pattern.finditer(form)]
    exact = {(a, b) for a, b, _t in found}
    found += [
        (a, b, term)
        for a, b, term in inflection.inflected(item.locale, terms, form)
        if not any(x <= a and b <= y for x, y in exact)
    ]
    seen: set[str] = set()
    for start, end, term in sorted(found, key=lambda f: f[0]):
        frag = form[start:end]
        if frag.casefold() in seen:
            continue
        seen.add(frag.casefold())
        named = f"'{frag}'" if term is None else f"'{term}' (as '{frag}')"
        yield ctx.finding(
            "forbidden-term",
            item,
            f'forbidden term {named} for locale {item.locale}: "{text.snippet(form, start, end)}"',
            f"reword {edit_hint(item)} (or the event fact it comes from); the list is "
            f"forbidden_terms in {POLICY_FILE}",
            frag,
        )


def _shouting(ctx: Ctx, item: Item) -> Iterable[Finding]:
    p = ctx.policy
    allow = {a.casefold() for a in p.shouting_allow}
    body = ctx.data.sub(" ", text.blank_tags(item.text))
    cased = text.CASED_WORD_RE.findall(body)
    loud = [
        w
        for w in cased
        if not any(c.islower() for c in w)
        and sum(c.isupper() for c in w) > 4
        and w.casefold() not in allow
    ]
    if not loud:
        return
    percent = 100 * len(loud) / len(cased)
    if len(loud) >= p.shouting_min_words or percent > p.shouting_max_percent:
        shown = ", ".join(dict.fromkeys(loud[:5]))
        yield ctx.finding(
            "shouting",
            item,
            f"{len(loud)} of {len(cased)} words in capitals ({percent:.0f}%): {shown}",
            f"write in sentence case in {edit_hint(item)}; acronyms of up to 4 letters are fine, "
            f"longer ones go in shouting.allow in {POLICY_FILE}",
            shown,
        )


def _exclamations(ctx: Ctx, item: Item) -> Iterable[Finding]:
    limit = 0 if item.solemn else ctx.policy.max_exclamations
    runs = [m.group(0) for m in text.EXCLAMATION_RUN_RE.finditer(item.text)]
    count = sum(item.text.count(c) for c in text.EXCLAMATION_CLOSE)
    if runs:
        yield ctx.finding(
            "exclamations",
            item,
            f"run of exclamation marks '{runs[0]}'",
            f"use one exclamation mark at most in {edit_hint(item)}",
            runs[0],
        )
    elif count > limit:
        tone = "a solemn message (condolences) takes none" if item.solemn else f"at most {limit}"
        yield ctx.finding(
            "exclamations",
            item,
            f"{count} exclamation marks in one post: {tone}",
            f"end sentences with a full stop in {edit_hint(item)}",
            "!" * count,
        )


def _emoji(ctx: Ctx, item: Item) -> Iterable[Finding]:
    if not item.solemn:
        return
    found = text.emoji(item.text)
    if found:
        shown = "".join(dict.fromkeys(found))
        yield ctx.finding(
            "emoji-in-condolences",
            item,
            f"emoji '{shown}' in a solemn message (condolences)",
            f"remove the emoji from {edit_hint(item)}: condolences are written in words only",
            shown,
        )


def _bidi(ctx: Ctx, item: Item) -> Iterable[Finding]:
    """Direction controls that launcher did not put there itself (see :mod:`launcher.content.bidi`):
    the post can display in another order than reviewers read it."""
    from ..content.bidi import has_controls, marker, name, reveal, stray
    from ..content.i18n import is_rtl

    rtl = is_rtl(item.locale)
    found = stray(item.text, rtl=rtl)
    facts = [
        (key, value)
        for key, value in ctx.plan.event.facts.items()
        if isinstance(value, str) and has_controls(value) and value in item.text
    ]
    if not found and not facts:
        return
    positions = found or [item.text.index(facts[0][1])]
    chars = sorted(
        {item.text[i] for i in found} or {c for _k, v in facts for c in v if has_controls(c)}
    )
    shown = ", ".join(f"{marker(c)} ({name(c)})" for c in chars)
    visible = reveal(item.text, rtl=rtl)
    at = len(reveal(item.text[: positions[0]], rtl=rtl))
    where = text.snippet(visible, at, at + len(marker(chars[0])))
    if facts:
        names = ", ".join(f"--set {key}" for key, _v in facts)
        hint = (
            f"remove the control character(s) from the fact ({names}): they came in with the"
            " pasted value and are invisible in a terminal"
        )
    else:
        hint = (
            f"remove them from {edit_hint(item)}; a phone number or link inside"
            " right-to-left text keeps its order with the |ltr filter, which isolates it"
        )
    yield ctx.finding(
        "bidi-control",
        item,
        f"invisible direction control {shown} in the text: the post can display in another"
        f' order than reviewers read it: "{where}"',
        hint,
        "".join(marker(c) for c in chars),
    )


TEXT_RULES: dict[str, Callable[[Ctx, Item], Iterable[Finding]]] = {
    "link-host": _link_host,
    "undeclared-mention": _mentions,
    "undeclared-hashtag": _hashtags,
    "leftover-placeholder": _placeholders,
    "typed-number": _typed_numbers,
    "forbidden-term": _forbidden,
    "shouting": _shouting,
    "exclamations": _exclamations,
    "emoji-in-condolences": _emoji,
    "bidi-control": _bidi,
}
NOT_ON_PROFILES = {"exclamations", "emoji-in-condolences"}
