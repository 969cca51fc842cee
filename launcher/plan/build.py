"""Planning: playbook + mission + event facts → a complete, checked :class:`Plan`.

Pure: it reads content files and returns data; it sends nothing and writes nothing. Every
problem found while rendering (missing translation, template error, over-long post) is
collected, so one run reports them all.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import regex
from jinja2 import meta

from ..content.bidi import isolate_facts
from ..content.i18n import (
    Formatter,
    LoadedCatalog,
    check_entries,
    load_catalog,
    locale_problem,
    plural_problems,
    regional_locale,
)
from ..content.missions import Organisation
from ..content.params import resolve_facts
from ..content.playbook import load_playbook
from ..content.render import (
    RenderError,
    environment,
    locale_vars,
    playbook_msgids,
    render_template,
    template_msgids,
)
from ..errors import ContentError, InputError, Problem, dedupe
from ..models import INTRO_MESSAGE, Event, Mission, Plan, PlannedAccount, PlannedPost, Playbook
from ..places import load_gazetteer, localize
from ..places.platforms import NAMES_TEMPLATE, PLATFORM_NAMES, platform_names
from . import handles, textrules
from .content import Content, load_content
from .guard import guard, script_problems
from .intro import intro_posts
from .problems import merge_locales, text_source
from .timing import expiries, message_times

#: (display name, bio) limits in graphemes, from each platform's documentation (platforms.md)
PROFILE_LIMITS: dict[str, tuple[int, int]] = {
    "mastodon": (30, 500),
    "bluesky": (64, 256),
    "x": (50, 160),
    "facebook": (75, 255),
    "telegram": (128, 255),
    "sandbox": (64, 500),
}
PROFILE_BLOCKS = ("display_name", "bio", "pinned_intro", "links")
#: variables whose use makes a template's output depend on the platform
_PLATFORM_VARS = frozenset({"platform", "platform_name", "limit"})


def build_plan(
    playbook_id: str,
    mission_id: str,
    raw_facts: Mapping[str, str],
    *,
    now: datetime | None = None,
    root: str | Path | None = None,
    locales: Sequence[str] | None = None,
    content: Content | None = None,
    guarded: bool = True,
    lenient_bounds: bool = False,
) -> Plan:
    """Render every account and post of a launch. Raises ContentError/InputError.

    ``guarded``: run the guardrails (errors stop the plan); ``launcher lint`` turns it off
    to report the findings itself. ``lenient_bounds``: facts outside their declared bounds are
    kept and listed in ``plan.out_of_bounds`` (``run`` then waits for a second person)."""
    content = content or load_content(root)
    mission = content.registry.get(mission_id)
    playbook = load_playbook(content.root, playbook_id)
    now = (now or datetime.now(UTC)).astimezone(UTC)
    out_of_bounds: list[str] | None = [] if lenient_bounds else None
    facts = resolve_facts(
        playbook.parameters,
        raw_facts,
        now=now,
        tz=mission.timezone,
        playbook_id=playbook.id,
        out_of_bounds=out_of_bounds,
    )
    plan = plan_from(content, playbook, mission, facts, now, locales=locales)
    if not guarded:  # guard() says it as the fact-script finding otherwise
        plan = replace(plan, warnings=(*plan.warnings, *script_problems(content, plan)))
    if out_of_bounds:
        plan = replace(plan, out_of_bounds=tuple(out_of_bounds))
    return guard(content, plan) if guarded else plan


def plan_from(
    content: Content,
    playbook: Playbook,
    mission: Mission,
    facts: dict[str, Any],
    now: datetime,
    *,
    locales: Sequence[str] | None = None,
) -> Plan:
    root = content.root
    plan_locales = _select_locales(mission, locales, content.registry.draft_locales)
    problems: list[Problem] = []
    catalogs: dict[str, LoadedCatalog] = {}
    used = playbook_msgids(root, playbook, problems)
    if (root / "templates" / NAMES_TEMPLATE).is_file():  # the platforms' names per locale
        try:
            used.update(template_msgids(root, NAMES_TEMPLATE))
        except RenderError as exc:
            problems.append(exc.problem)
    gazetteer, gaz_problems = load_gazetteer(root)
    problems.extend(gaz_problems)
    for loc in plan_locales:
        cat, cat_problems = load_catalog(root, loc)
        problems.extend(cat_problems)
        if cat is not None:
            problems.extend(plural_problems(cat))
            problems.extend(check_entries(cat, used))
            catalogs[loc] = cat
    if problems:
        raise ContentError(problems)

    banned = facts.get(playbook.banned_platform_param) if playbook.banned_platform_param else None
    skipped = (banned,) if banned and not playbook.post_on_banned_platform else ()
    platforms = tuple(p for p in playbook.platforms if p not in skipped)
    event = Event(playbook.kind, facts, now)
    org = content.registry.organisation

    accounts: list[PlannedAccount] = []
    posts: list[PlannedPost] = []
    intros: list[tuple[str, str, str]] = []  # (platform, locale, pinned_intro text)
    base_vars = {
        "event": {k: v for k, v in facts.items() if "." not in k},
        "event_kind": playbook.kind,
        "org": {"website": org.website, "crisis_line": org.crisis_line, "id": org.id},
        "now": now,
        "banned_platform_name": PLATFORM_NAMES.get(banned) if banned else None,
    }
    notes: list[Problem] = []
    schedules = message_times(playbook, mission, facts, now, base_vars, problems, notes)
    texts = [p.name for p in playbook.parameters if p.type == "text"]
    for loc in plan_locales:
        env = environment(root)
        names = platform_names(catalogs[loc])
        # place.uk is place in the uk posts; a place has its name and forms in each locale
        event_loc, _known = localize(facts, texts, loc, gazetteer)
        loc_vars = {
            **base_vars,
            # typed text (a place's forms too) is isolated where it is written
            "event": isolate_facts(event_loc),
            "banned_platform_name": names.get(banned) if banned else None,
            "_platform_names": names,
            "locale": loc,
            "mission": _mission_vars(mission, loc),
            **locale_vars(catalogs[loc], Formatter(_format_locale(loc, mission), mission.timezone)),
        }
        for platform in platforms:
            made = _account(env, playbook, mission, org, platform, loc, loc_vars, problems)
            if made is not None:
                accounts.append(made[0])
                intros.append((platform, loc, made[1]))
        for order, spec in enumerate(playbook.messages):
            times = schedules.get(spec.id)
            if not times:  # not planned for this event: its template must still be sound
                _check_unplanned(env, playbook, spec, platforms, loc_vars, problems)
                continue
            targets = [p for p in (spec.platforms or platforms) if p in platforms]
            per_platform = _depends_on_platform(env, spec.template)
            total = len(times)
            lives = expiries(spec, times, now, facts)
            for occ, at in enumerate(times):
                shared: str | None = None
                for platform in targets:
                    variables = {
                        **loc_vars,
                        "platform": platform,
                        "platform_name": names[platform],
                        "limit": textrules.rule(platform).limit,
                        "at": at,
                        "update_number": occ + 1,
                        "updates_total": total,
                    }
                    try:
                        if per_platform or shared is None:
                            text = render_template(env, spec.template, variables)
                            shared = text
                        else:
                            text = shared
                    except RenderError as exc:
                        problems.append(_with_context(exc.problem, playbook, spec.id, loc))
                        break
                    posts.extend(
                        replace(p, expires_at=lives[occ])
                        for p in _posts_for(
                            playbook,
                            spec,
                            order,
                            occ,
                            at,
                            platform,
                            loc,
                            text,
                            problems,
                            source=lambda spec=spec, loc=loc, text=text: text_source(
                                root, catalogs[loc], spec.template, text
                            ),
                            format_locale=_format_locale(loc, mission),
                        )
                    )
    posts.extend(intro_posts(playbook, intros, posts, now, problems))
    if problems:
        raise ContentError(merge_locales(dedupe(problems)))
    loc_rank = {loc: i for i, loc in enumerate(plan_locales)}
    plat_rank = {p: i for i, p in enumerate(platforms)}
    msg_rank = {INTRO_MESSAGE: -1, **{m.id: i for i, m in enumerate(playbook.messages)}}
    posts.sort(
        key=lambda p: (p.at, msg_rank[p.message], plat_rank[p.platform], loc_rank[p.locale], p.part)
    )
    accounts.sort(key=lambda a: (plat_rank[a.platform], loc_rank[a.locale]))
    return Plan(
        playbook=playbook,
        mission=mission,
        event=event,
        locales=plan_locales,
        accounts=tuple(accounts),
        posts=tuple(posts),
        skipped_platforms=tuple(skipped),
        warnings=tuple(notes),
    )


def _check_unplanned(
    env: Any,
    playbook: Playbook,
    spec: Any,
    platforms: Sequence[str],
    loc_vars: dict[str, Any],
    problems: list[Problem],
) -> None:
    """Render a message this event does not plan (``when:`` false, a fact not given) once,
    with example values for the facts not given: a typo in it is found now, not on the day
    of the event that needs it."""
    from ..content.params import example_value

    now = loc_vars["now"]
    event = dict(loc_vars["event"])
    for param in playbook.parameters:
        if event.get(param.name) is None:
            event[param.name] = example_value(param, now)
    platform = next((p for p in (spec.platforms or platforms) if p in platforms), None)
    if platform is None:
        return
    variables = {
        **loc_vars,
        "event": event,
        "platform": platform,
        "platform_name": loc_vars["_platform_names"][platform],
        "limit": textrules.rule(platform).limit,
        "at": now,
        "update_number": 1,
        "updates_total": 1,
    }
    try:
        render_template(env, spec.template, variables)
    except RenderError as exc:
        problem = _with_context(exc.problem, playbook, spec.id, loc_vars["locale"])
        note = " (a message not planned for these facts: rendered with example facts)"
        problems.append(replace(problem, message=problem.message + note))


def _select_locales(
    mission: Mission, wanted: Sequence[str] | None, drafts: Sequence[str] = ()
) -> tuple[str, ...]:
    """The plan's locales: the mission's, or those asked for; never a draft (a language
    still being translated, ``draft_locales`` in missions.yaml)."""
    if not wanted:
        return tuple(loc for loc in mission.locales if loc not in drafts)
    out = []
    for loc in wanted:
        bad = locale_problem(loc)
        if bad:
            raise InputError(bad, field="--locale", hint="use a code such as it, fr, ja")
        if loc in drafts:
            raise InputError(
                f"locale '{loc}' is a draft (still being translated): no plan publishes in it",
                field="--locale",
                hint=f"finish it (launcher i18n status --locale {loc}), then take it off"
                " draft_locales in missions.yaml",
            )
        if loc not in mission.locales:
            raise InputError(
                f"locale '{loc}' is not one of mission {mission.id}'s locales",
                field="--locale",
                hint=f"{mission.id} publishes in: {', '.join(mission.locales)}",
            )
        out.append(loc)
    return tuple(out)


_platform_dependence: dict[tuple[int, str, float], bool] = {}


def _depends_on_platform(env: Any, name: str) -> bool:
    """True if the template reads platform variables, so it must be rendered per platform.

    Rendering once per locale instead of once per platform is the main saving of a plan."""
    try:
        source, filename, _uptodate = env.loader.get_source(env, name)
        key = (id(env), name, Path(filename).stat().st_mtime)
        hit = _platform_dependence.get(key)
        if hit is None:
            used = meta.find_undeclared_variables(env.parse(source))
            hit = _platform_dependence[key] = bool(used & _PLATFORM_VARS)
        return hit
    except Exception:  # missing/broken template: render per platform and let rendering report
        return True


def _format_locale(loc: str, mission: Mission) -> str:
    """Regional formats for the mission's own languages (es_MX); the organisation's languages
    keep their usual conventions (English readers expect 6.1 even about Italy)."""
    return regional_locale(loc, mission.country) if loc in mission.languages else loc


def _mission_vars(mission: Mission, loc: str) -> dict[str, Any]:
    c = mission.contacts
    fmt = Formatter(_format_locale(loc, mission), mission.timezone)
    return {
        "id": mission.id,
        "name": mission.names.get(loc, mission.names.get("en", mission.id)),
        "city": mission.city_names.get(loc, mission.city),
        "country": mission.country,
        "country_name": fmt.country_name(mission.country),
        "timezone": mission.timezone,
        "contacts": {
            "emergency_phone": c.emergency_phone,
            "phone": c.phone,
            "email": c.email,
            "website": c.website,
            "registration_url": c.registration_url,
        },
    }


def _account(
    env: Any,
    playbook: Playbook,
    mission: Mission,
    org: Organisation,
    platform: str,
    loc: str,
    loc_vars: dict[str, Any],
    problems: list[Problem],
) -> tuple[PlannedAccount, str] | None:
    """The account and its introduction's text (the ``pinned_intro`` block)."""
    variables = {
        **loc_vars,
        "platform": platform,
        "platform_name": loc_vars["_platform_names"][platform],
        "limit": textrules.rule(platform).limit,
        "at": loc_vars["now"],
        "update_number": 1,
        "updates_total": 1,
    }
    fields: dict[str, str] = {}
    try:
        for block in PROFILE_BLOCKS:
            fields[block] = render_template(env, playbook.profile_template, variables, block=block)
    except RenderError as exc:
        problems.append(_with_context(exc.problem, playbook, "profile", loc))
        return None
    handle = handles.make_handle(
        platform,
        prefix=org.handle_prefix,
        slug=mission.slug,
        locale=loc,
        domain=org.handle_domain,
    )
    bad = handles.handle_problem(platform, handle)
    if bad:
        problems.append(
            Problem(
                f"generated handle '{handle}' is invalid: {bad}",
                file="missions.yaml",
                field=f"missions.{mission.id}.slug",
                hint="shorten the mission slug or the organisation handle_prefix",
            )
        )
    name_limit, bio_limit = PROFILE_LIMITS[platform]
    for key, limit in (("display_name", name_limit), ("bio", bio_limit)):
        n = len(regex.findall(r"\X", fields[key]))
        if n > limit:
            problems.append(
                Problem(
                    f"profile {key} is {n} characters, {platform} allows {limit}",
                    file=f"templates/{playbook.profile_template}",
                    field=f"{key} (locale {loc}, platform {platform})",
                    hint="shorten the text or branch on platform in the template",
                )
            )
    links = []
    for line in fields["links"].splitlines():
        label, sep, url = line.partition("|")
        if sep and url.strip():
            links.append((label.strip(), url.strip()))
        elif line.strip():
            problems.append(
                Problem(
                    f"link line '{line.strip()}' is not 'Label | URL'",
                    file=f"templates/{playbook.profile_template}",
                    field=f"links (locale {loc})",
                )
            )
    account = PlannedAccount(
        platform=platform,
        locale=loc,
        handle=handle,
        display_name=fields["display_name"],
        bio=fields["bio"],
        links=tuple(links),
    )
    return account, fields["pinned_intro"]


def _posts_for(
    playbook: Playbook,
    spec: Any,
    order: int,
    occ: int,
    at: datetime,
    platform: str,
    loc: str,
    text: str,
    problems: list[Problem],
    source: Any = None,
    format_locale: str | None = None,
) -> list[PlannedPost]:
    """The post(s) of one rendered text: one post, or a thread numbered the way the locale
    (``format_locale``, for its digits: ar_LB writes 1/2, ar ١/٢) numbers parts."""
    rule = textrules.rule(platform)
    key = f"{spec.id}#{occ + 1}/{platform}/{loc}"
    if not text:
        problems.append(
            Problem(
                "message renders to empty text",
                file=f"templates/{spec.template}",
                field=f"{playbook.id}: {spec.id} (locale {loc})",
            )
        )
        return []
    over = textrules.over_limit(platform, text)
    if over is None:
        return [
            PlannedPost(
                key,
                spec.id,
                platform,
                loc,
                text,
                at,
                textrules.count(platform, text),
                rule.limit,
                occ + 1,
                1,
                1,
                spec.pin,
            )
        ]
    length, limit = over
    if not spec.thread:
        file, line = source() if source else (f"templates/{spec.template}", None)
        where = f"{file}:{line}" if line else file
        problems.append(
            Problem(
                f"post is too long for {platform}: {length} > {limit} ({rule.unit})",
                file=file,
                line=line,
                field=f"{playbook.id}: messages.{spec.id} (locale {loc}, platform {platform})",
                hint=f"shorten the text in {where} (the {loc} wording of"
                f" templates/{spec.template}), or set 'thread: true' on the message"
                f" ({playbook.file}:{spec.line}) to split it into numbered parts",
            )
        )
        return []
    try:
        parts = textrules.split_thread(platform, text, locale=format_locale or loc)
    except ValueError as exc:  # e.g. a single URL longer than the limit
        problems.append(
            Problem(
                f"post is too long for {platform} and cannot be split: {exc}",
                file=playbook.file,
                line=spec.line,
                field=f"messages.{spec.id} (locale {loc}, platform {platform})",
                hint=f"shorten templates/{spec.template}",
            )
        )
        return []
    n = len(parts)
    return [
        PlannedPost(
            f"{key}#p{i}",
            spec.id,
            platform,
            loc,
            part,
            at,
            textrules.count(platform, part),
            rule.limit,
            occ + 1,
            i,
            n,
            spec.pin and i == 1,
        )
        for i, part in enumerate(parts, start=1)
    ]


def _with_context(problem: Problem, playbook: Playbook, what: str, loc: str) -> Problem:
    field = f"{playbook.id}: {what} (locale {loc})"
    return Problem(
        problem.message,
        file=problem.file,
        line=problem.line,
        column=problem.column,
        field=field,
        hint=problem.hint,
    )
