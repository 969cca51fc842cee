"""Rendering a reply template: a playbook's approved answer, for one inbox item.

The same planning as a launch's posts, for one text: the reply template (``replies:`` in the
playbook, :mod:`launcher.content.replies`) rendered in one locale with the mission's data and
the launch's facts, the locale's catalog complete for it, the platform's length rule applied
(with the text the platform needs in front, e.g. Mastodon's ``@author``), and the guardrails
run on it as on any post (links, tone, numbers, forbidden terms, untranslated English). An
answer that fails any of it is refused with the reason, never sent "mostly right".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from ..content.bidi import isolate_facts
from ..content.i18n import Formatter, check_entries, load_catalog
from ..content.params import resolve_facts
from ..content.render import RenderError, environment, locale_vars, render_template, template_msgids
from ..errors import ContentError, InputError, Problem
from ..models import Event, MessageSpec, Mission, Plan, PlannedPost, Playbook, Schedule
from ..places.platforms import platform_names
from . import textrules
from .build import Content, _format_locale, _mission_vars
from .guard import policy_of

#: what validate reserves in front of a Mastodon reply for the author's @name
MASTODON_MENTION_ROOM = "@" + "x" * 30 + " "
_SPACED_TIME = re.compile(r"^(\d{4}-\d\d-\d\d) (\d\d:\d\d)")


@dataclass(frozen=True)
class RenderedReply:
    reply_id: str
    locale: str
    platform: str
    text: str  # what is published: prefix + the rendered template
    length: int
    limit: int
    warnings: tuple[str, ...] = ()


def launch_facts(playbook: Playbook, facts: Mapping[str, Any], *, now: datetime, tz: str) -> dict:
    """A launch's facts as recorded (JSON) typed again for rendering; the bounds were decided
    when the launch was approved, so they are not enforced a second time."""
    raw: dict[str, str] = {}
    names = {p.name for p in playbook.parameters}
    for name, value in facts.items():
        if value is None or name not in names:
            continue
        if isinstance(value, bool):
            raw[name] = "true" if value else "false"
        else:
            raw[name] = _SPACED_TIME.sub(r"\1T\2", str(value))
    return resolve_facts(
        playbook.parameters, raw, now=now, tz=tz, playbook_id=playbook.id, out_of_bounds=[]
    )


def render_reply(
    content: Content,
    playbook: Playbook,
    mission: Mission,
    facts: Mapping[str, Any],
    now: datetime,
    *,
    reply_id: str,
    locale: str,
    platform: str,
    prefix: str = "",
    guarded: bool = True,
) -> RenderedReply:
    """Render reply ``reply_id`` for ``platform`` in ``locale``; ContentError/InputError with
    every problem when it cannot be published as it is."""
    spec = playbook.reply(reply_id)
    if spec is None:
        known = ", ".join(r.id for r in playbook.replies) or "none"
        raise InputError(
            f"playbook {playbook.id} has no reply '{reply_id}'",
            field="--with",
            hint=f"its replies: {known} (see `launcher show {playbook.id}`)",
        )
    if spec.platforms is not None and platform not in spec.platforms:
        raise InputError(
            f"reply '{reply_id}' is not for {platform} (only {', '.join(spec.platforms)})",
            field="--with",
        )
    root = content.root
    catalog, problems = load_catalog(root, locale)
    if catalog is None:
        raise ContentError(problems)
    try:
        used = template_msgids(root, spec.template)
    except RenderError as exc:
        raise ContentError([exc.problem]) from None
    problems = check_entries(catalog, used)
    if problems:
        raise ContentError(problems)
    org = content.registry.organisation
    variables = {
        "event": isolate_facts(facts),  # typed text is isolated where it is written
        "event_kind": playbook.kind,
        "org": {"website": org.website, "crisis_line": org.crisis_line, "id": org.id},
        "now": now,
        "banned_platform_name": None,
        "locale": locale,
        "mission": _mission_vars(mission, locale),
        **locale_vars(catalog, Formatter(_format_locale(locale, mission), mission.timezone)),
        "platform": platform,
        "platform_name": platform_names(catalog).get(platform, platform),
        "limit": textrules.rule(platform).limit,
        "at": now,
        "update_number": 1,
        "updates_total": 1,
    }
    try:
        body = render_template(environment(root), spec.template, variables)
    except RenderError as exc:
        raise ContentError([exc.problem]) from None
    field = f"{playbook.id}: replies.{reply_id} (locale {locale}, platform {platform})"
    if not body.strip():
        raise ContentError(
            [Problem("reply renders to empty text", file=f"templates/{spec.template}", field=field)]
        )
    text = prefix + body
    rule = textrules.rule(platform)
    over = textrules.over_limit(platform, text)
    if over is not None:
        length, limit = over
        raise ContentError(
            [
                Problem(
                    f"reply is too long for {platform}: {length} > {limit} ({rule.unit})"
                    + (f", with {prefix.strip()!r} in front" if prefix else ""),
                    file=playbook.file,
                    line=spec.line,
                    field=field,
                    hint=f"shorten templates/{spec.template} for this locale",
                )
            ]
        )
    warnings: tuple[str, ...] = ()
    if guarded:
        warnings = _guardrails(content, playbook, mission, facts, now, spec, locale, platform, body)
    return RenderedReply(
        reply_id, locale, platform, text, textrules.count(platform, text), rule.limit, warnings
    )


def free_text_reply(
    content: Content,
    playbook: Playbook,
    mission: Mission,
    facts: Mapping[str, Any],
    now: datetime,
    *,
    text: str,
    locale: str,
    platform: str,
    prefix: str = "",
) -> RenderedReply:
    """A reply typed by a person: the platform's length rule and the guardrails, as for a
    template (it then waits for a second person: it is not approved content), except that a
    typed figure is a warning for that person, not an error."""
    body = text.strip()
    if not body:
        raise InputError("the answer is empty", field="--text", hint='e.g. --text "..."')
    full = prefix + body
    rule = textrules.rule(platform)
    over = textrules.over_limit(platform, full)
    if over is not None:
        raise InputError(
            f"the answer is too long for {platform}: {over[0]} > {over[1]} ({rule.unit})",
            field="--text",
            hint="shorten it",
        )
    spec = _Typed(id="reply-text", template="(typed by the person answering)", line=None)
    warnings = _guardrails(content, playbook, mission, facts, now, spec, locale, platform, body)
    return RenderedReply(
        "", locale, platform, full, textrules.count(platform, full), rule.limit, warnings
    )


@dataclass(frozen=True)
class _Typed:
    id: str
    template: str
    line: int | None


def _guardrails(
    content: Content,
    playbook: Playbook,
    mission: Mission,
    facts: Mapping[str, Any],
    now: datetime,
    spec: Any,
    locale: str,
    platform: str,
    body: str,
) -> tuple[str, ...]:
    """The guardrails over the reply as a one-post plan (with its English source, for the
    untranslated-English rule): errors refuse it, warnings come back."""
    message = MessageSpec(id=spec.id, template=spec.template, schedule=Schedule(), line=spec.line)
    posts = [_post(spec.id, platform, locale, body, now)]
    locales: tuple[str, ...] = (locale,)
    if locale.split("_")[0] != "en" and not isinstance(spec, _Typed):
        try:
            english = render_reply(
                content, playbook, mission, facts, now,
                reply_id=spec.id, locale="en", platform=platform, guarded=False,
            )  # fmt: skip
        except (ContentError, InputError):
            english = None  # the English text is checked on its own when it is used
        if english is not None:
            posts.append(_post(spec.id, platform, "en", english.text, now))
            locales = (locale, "en")
    plan = Plan(
        playbook=replace(playbook, messages=(message,)),
        mission=mission,
        event=Event(playbook.kind, dict(facts), now),
        locales=locales,
        accounts=(),
        posts=tuple(posts),
    )
    from ..guardrails import findings_to_problems, lint_plan

    policy = policy_of(content.root)
    if isinstance(spec, _Typed):
        # a typed answer is read by a second person before it goes out: a figure in it
        # ("open until 18:00") is shown to that person rather than refused outright
        severities = {**policy.severities}
        if policy.severity("typed-number") == "error":
            severities["typed-number"] = "warning"
        policy = replace(policy, severities=severities)
    findings = lint_plan(
        plan,
        policy,
        link_hosts=content.registry.organisation.link_hosts,
        organisation=content.registry.organisation,
    )
    errors = findings_to_problems(findings, "error")
    if errors:
        raise ContentError(errors)
    return tuple(str(w) for w in findings_to_problems(findings, "warning"))


def _post(reply_id: str, platform: str, locale: str, text: str, now: datetime) -> PlannedPost:
    rule = textrules.rule(platform)
    return PlannedPost(
        key=f"reply-{reply_id}#1/{platform}/{locale}",
        message=reply_id,
        platform=platform,
        locale=locale,
        text=text,
        at=now,
        length=textrules.count(platform, text),
        limit=rule.limit,
        occurrence=1,
    )


def reply_problems(
    content: Content,
    playbook: Playbook,
    mission: Mission,
    facts: Mapping[str, Any],
    now: datetime,
) -> list[Problem]:
    """For ``launcher validate``: every reply of the playbook, in every locale of the
    mission, on every platform it may be used on, rendered and checked (Mastodon with room
    for the author's @name in front)."""
    out: list[Problem] = []
    for spec in playbook.replies:
        for locale in mission.locales:
            for platform in spec.platforms or playbook.platforms:
                prefix = MASTODON_MENTION_ROOM if platform == "mastodon" else ""
                try:
                    render_reply(
                        content, playbook, mission, facts, now,
                        reply_id=spec.id, locale=locale, platform=platform, prefix=prefix,
                    )  # fmt: skip
                except ContentError as exc:
                    out.extend(exc.problems)
                except InputError as exc:
                    out.append(Problem(exc.message, file=playbook.file, field=exc.field))
    return out
