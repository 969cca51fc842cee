"""The wind-down plan of a launch: pure, like ``plan``. It reads the launch from the ledger
and the content, and returns data: the farewell posts (a :class:`~launcher.models.Plan`, so
they are checked, shown and recorded like any post), the profiles the accounts get back, and
the steps of the date. Nothing is sent and nothing is written.

A farewell is due ``before`` the sunset date; farewells whose time has already passed are
collapsed into one, the latest, sent at once (three farewells in one minute would read as
noise). Each later farewell of an account replies to the one before it, so the hand-over
reads as one thread; the successor is named (``@handle``) in every one, as a mention where the
platform makes one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import regex

from ..content.bidi import isolate_facts
from ..content.i18n import Formatter, load_catalog, plural_problems
from ..content.render import RenderError, environment, locale_vars, render_template
from ..content.sunset import SunsetSpec
from ..errors import ContentError, InputError, Problem, dedupe
from ..ledger import LaunchRecord, Ledger, ts
from ..models import Event, MessageSpec, Plan, PlannedAccount, PlannedPost, Playbook, Schedule
from ..places.platforms import platform_names
from ..plan.build import (
    PROFILE_LIMITS,
    Content,
    _format_locale,
    _mission_vars,
    _posts_for,
)
from ..plan.textrules import rule

#: a bare date given as ``--on`` is this local time of that day (office hours)
DEFAULT_HOUR = time(10, 0)
#: a farewell sent at once (its time had passed) still goes out within this
CATCH_UP_LIFE = timedelta(hours=24)
#: accounts in these states were set up by the launch: they are wound down
SET_UP = ("active", "manual")


@dataclass(frozen=True)
class PlannedStep:
    seq: int
    action: str  # archive | unpin | profile | retire | credentials | end-launch | end-freeze
    platform: str | None
    locale: str | None
    due_at: datetime
    detail: Mapping[str, Any]

    def as_row(self) -> dict[str, Any]:
        return {
            "seq": self.seq,
            "action": self.action,
            "platform": self.platform,
            "locale": self.locale,
            "due_at": ts(self.due_at),
            "detail": dict(self.detail),
        }


@dataclass(frozen=True)
class SunsetPlan:
    launch: LaunchRecord
    spec: SunsetSpec
    on: datetime  # UTC
    successors: Mapping[str, str]  # platform -> handle as typed ("*": every other platform)
    plan: Plan  # the farewell posts; accounts: the profiles restored
    steps: tuple[PlannedStep, ...]
    accounts: tuple[Any, ...]  # the launch's AccountRecords wound down
    notes: tuple[str, ...] = ()

    @property
    def posts(self) -> tuple[PlannedPost, ...]:
        return self.plan.posts

    def successor(self, platform: str) -> str | None:
        return self.successors.get(platform) or self.successors.get("*")


def parse_successors(values: Sequence[str]) -> dict[str, str]:
    """``--successor HANDLE`` (every platform) or ``--successor PLATFORM=HANDLE``."""
    from ..models import PLATFORMS

    out: dict[str, str] = {}
    for raw in values:
        text = raw.strip()
        platform, sep, handle = text.partition("=")
        if not sep or "://" in platform:
            platform, handle = "*", text
        platform, handle = platform.strip(), handle.strip()
        if platform != "*" and platform not in PLATFORMS:
            raise InputError(
                f"unknown platform {platform!r} in --successor {raw!r}",
                field="--successor",
                hint=f"write PLATFORM=HANDLE with one of {', '.join(PLATFORMS)}, or a bare"
                " HANDLE for every platform",
            )
        if not handle or any(c.isspace() for c in handle) or len(handle) > 200:
            raise InputError(
                f"--successor {raw!r} is not a handle",
                field="--successor",
                hint="e.g. --successor @embassy@social.example.org, or bluesky=embassy.example.org",
            )
        if platform in out:
            raise InputError(f"--successor gives {platform} twice", field="--successor")
        out[platform] = handle
    return out


def display_handle(handle: str) -> str:
    """How a successor is named in a post: ``@name`` (a mention), or a link as given."""
    if handle.startswith(("http://", "https://")):
        return handle
    return "@" + handle.lstrip("@")


def sunset_moment(value: datetime | None, zone: str, typed: str | None) -> datetime:
    """``--on``: a bare date is :data:`DEFAULT_HOUR` local time that day."""
    if value is None:
        raise InputError("--on is required", field="--on", hint="e.g. --on 2026-07-01")
    if typed and len(typed.strip()) == 10:  # YYYY-MM-DD
        local = value.astimezone(ZoneInfo(zone))
        value = datetime.combine(local.date(), DEFAULT_HOUR, tzinfo=ZoneInfo(zone))
    return value.astimezone(UTC)


def build_sunset(
    ledger: Ledger,
    launch: LaunchRecord,
    content: Content,
    playbook: Playbook,
    *,
    on: datetime,
    now: datetime,
    successors: Mapping[str, str],
    guarded: bool = True,
) -> SunsetPlan:
    """Everything a sunset of ``launch`` on ``on`` would do. Raises ContentError/InputError."""
    spec = playbook.sunset
    if spec is None:
        raise InputError(
            f"playbook {playbook.id} declares no sunset",
            field="LAUNCH",
            hint=f"add a sunset: section to playbooks/{playbook.id}.yaml (docs/content-format.md"
            " 'Sunset'), and approve it",
        )
    if on < now:
        raise InputError(
            f"the sunset date {on.isoformat()} is in the past",
            field="--on",
            hint="give a date from now on (the farewells are sent before it)",
        )
    mission = content.registry.get(launch.mission)
    wound = [a for a in ledger.accounts(launch.id) if a.state in SET_UP]
    notes = [
        f"{a.platform}/{a.locale} {a.handle}: {a.state}, never set up: nothing to wind down"
        for a in ledger.accounts(launch.id)
        if a.state not in SET_UP
    ]
    plan = farewell_plan(
        content, playbook, mission, wound, facts=launch.facts,
        launched_at=datetime.fromtimestamp(launch.confirmed_at, UTC), on=on, now=now,
        successors=successors, guarded=guarded,
    )  # fmt: skip
    profiles = plan.accounts
    steps = _steps(ledger, launch, spec, wound, on, successors, profiles, notes)
    skipped = [
        f"{fw.id} (due {(on - fw.before).isoformat()}) is past: folded into the next farewell"
        for fw in spec.messages
        if fw not in {f for f, _ in _farewell_times(spec, on, now)}
    ]
    return SunsetPlan(
        launch, spec, on, dict(successors), plan, tuple(steps), tuple(wound),
        tuple(notes + skipped),
    )  # fmt: skip


def farewell_plan(
    content: Content,
    playbook: Playbook,
    mission: Any,
    accounts: Sequence[Any],
    *,
    facts: Mapping[str, Any],
    launched_at: datetime,
    on: datetime,
    now: datetime,
    successors: Mapping[str, str],
    guarded: bool = True,
) -> Plan:
    """The farewell posts and restored profiles of ``accounts`` (anything with ``platform``,
    ``locale`` and ``handle``), checked: lengths, profile limits, the guardrails. ``launcher
    validate`` renders it for every mission with made-up accounts."""
    spec = playbook.sunset
    locales = tuple(dict.fromkeys(a.locale for a in accounts))
    problems: list[Problem] = []
    catalogs = {}
    for loc in locales:
        cat, found = load_catalog(content.root, loc)
        problems.extend(found)
        if cat is not None:
            problems.extend(plural_problems(cat))
            catalogs[loc] = cat
    if problems:
        raise ContentError(problems)
    org = content.registry.organisation
    all_facts = {**dict(facts), "sunset_on": on}
    shown = {p: display_handle(h) for p, h in successors.items()}
    if shown:
        all_facts["successors"] = dict(shown)
    base = {
        "event": isolate_facts(facts),  # typed text is isolated where it is written
        "event_kind": playbook.kind,
        "org": {"website": org.website, "crisis_line": org.crisis_line, "id": org.id},
        "now": now,
        "sunset_on": on,
        "launched_at": launched_at,
    }
    env = environment(content.root)
    posts: list[PlannedPost] = []
    profiles: list[PlannedAccount] = []
    times = _farewell_times(spec, on, now)
    for a in accounts:
        successor = shown.get(a.platform) or shown.get("*")
        fmt = Formatter(_format_locale(a.locale, mission), mission.timezone)
        variables = {
            **base,
            "locale": a.locale,
            "mission": _mission_vars(mission, a.locale),
            **locale_vars(catalogs[a.locale], fmt),
            "platform": a.platform,
            "platform_name": platform_names(catalogs[a.locale]).get(a.platform, a.platform),
            "limit": rule(a.platform).limit,
            "successor": successor,
        }
        profile = _profile(env, spec, playbook, a, variables, problems)
        if profile is not None:
            profiles.append(profile)
        for order, (fw, at) in enumerate(times):
            if fw.platforms is not None and a.platform not in fw.platforms:
                continue
            try:
                text = render_template(env, fw.template, {**variables, "at": at})
            except RenderError as exc:
                problems.append(
                    replace(exc.problem, field=f"{playbook.id}: sunset {fw.id} (locale {a.locale})")
                )
                continue
            life = fw.expires or _life(times, order, at, on, now)
            made = _posts_for(
                playbook,
                fw,
                order,
                0,
                at,
                a.platform,
                a.locale,
                text,
                problems,
                format_locale=_format_locale(a.locale, mission),
            )
            posts.extend(replace(post, expires_at=at + life) for post in made)
    if problems:
        raise ContentError(dedupe(problems))
    posts.sort(key=lambda p: (p.at, p.platform, p.locale, p.part))
    view = replace(
        playbook,
        messages=tuple(
            MessageSpec(
                fw.id,
                fw.template,
                Schedule(),
                thread=fw.thread,
                pin=fw.pin,
                tone=fw.tone,
                line=fw.line,
            )
            for fw in spec.messages
        ),
        profile_template=spec.profile_template,
    )
    plan = Plan(
        playbook=view,
        mission=mission,
        event=Event(playbook.kind, all_facts, now),
        locales=locales,
        accounts=tuple(profiles),
        posts=tuple(posts),
    )
    return _guard(content, plan, successors) if guarded else plan


def check_sunset(content: Content, playbook: Playbook, mission: Any, facts: Mapping[str, Any],
                 now: datetime) -> list[Problem]:  # fmt: skip
    """``launcher validate``: the sunset of ``playbook`` rendered for ``mission`` on every
    platform and locale, with a successor and without; every problem, none raised."""
    from types import SimpleNamespace

    from ..plan import handles

    org = content.registry.organisation
    accounts = [
        SimpleNamespace(
            platform=p, locale=loc,
            handle=handles.make_handle(p, prefix=org.handle_prefix, slug=mission.slug,
                                       locale=loc, domain=org.handle_domain),
        )
        for p in playbook.platforms
        for loc in mission.locales
    ]  # fmt: skip
    problems: list[Problem] = []
    for successors in ({}, {"*": "successor.example.org"}):
        try:
            farewell_plan(
                content, playbook, mission, accounts, facts=facts, launched_at=now,
                on=now + timedelta(days=45), now=now, successors=successors,
            )  # fmt: skip
        except ContentError as exc:
            problems.extend(exc.problems)
    return dedupe(problems)


def _farewell_times(spec: SunsetSpec, on: datetime, now: datetime) -> list[tuple[Any, datetime]]:
    """(farewell, when): future farewells at their time; of those already past, only the
    latest, now."""
    future = [(fw, on - fw.before) for fw in spec.messages if on - fw.before >= now]
    past = [fw for fw in spec.messages if on - fw.before < now]
    if past:
        latest = min(past, key=lambda fw: fw.before)
        return [(latest, now), *future]
    return future


def _life(
    times: list[tuple[Any, datetime]], order: int, at: datetime, on: datetime, now: datetime
) -> timedelta:
    """Until the next farewell, or the date for the last one (at least a day when sent at
    once): a hand-over post is never sent after the account was wound down."""
    if order + 1 < len(times):
        return max(times[order + 1][1] - at, timedelta(minutes=5))
    return max(on - at, CATCH_UP_LIFE if at == now else timedelta(minutes=5))


def _profile(
    env: Any,
    spec: SunsetSpec,
    playbook: Playbook,
    account: Any,
    variables: dict[str, Any],
    problems: list[Problem],
) -> PlannedAccount | None:
    fields: dict[str, str] = {}
    for block in ("display_name", "bio", "links"):
        try:
            fields[block] = render_template(env, spec.profile_template, variables, block=block)
        except RenderError as exc:
            problems.append(
                replace(
                    exc.problem,
                    field=f"{playbook.id}: sunset profile {block} (locale {account.locale})",
                )
            )
            return None
    limits = PROFILE_LIMITS.get(account.platform, (64, 500))
    for key, limit in zip(("display_name", "bio"), limits, strict=True):
        n = len(regex.findall(r"\X", fields[key]))
        if n > limit:
            problems.append(
                Problem(
                    f"profile {key} is {n} characters, {account.platform} allows {limit}",
                    file=f"templates/{spec.profile_template}",
                    field=f"{key} (locale {account.locale}, platform {account.platform})",
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
                    file=f"templates/{spec.profile_template}",
                    field=f"links (locale {account.locale})",
                )
            )
    return PlannedAccount(
        account.platform, account.locale, account.handle, fields["display_name"],
        fields["bio"], tuple(links),
    )  # fmt: skip


def _guard(content: Content, plan: Plan, successors: Mapping[str, str]) -> Plan:
    """The guardrails, as for a launch; the successors named with --successor are declared
    mentions for this plan (a person typed them, like a fact)."""
    from ..guardrails import findings_to_problems, lint_plan
    from ..plan.guard import policy_of

    policy = policy_of(content.root)
    names = tuple(h.lstrip("@") for h in successors.values() if "://" not in h)
    policy = replace(policy, mentions=(*policy.mentions, *names))
    findings = lint_plan(
        plan,
        policy,
        link_hosts=content.registry.organisation.link_hosts,
        organisation=content.registry.organisation,
    )
    errors = findings_to_problems(findings, "error")
    if errors:
        raise ContentError(errors)
    return replace(
        plan,
        warnings=tuple(findings_to_problems(findings, "warning")),
        findings=tuple(f for f in findings if f.severity == "warning"),
    )


def _steps(
    ledger: Ledger,
    launch: LaunchRecord,
    spec: SunsetSpec,
    wound: Sequence[Any],
    on: datetime,
    successors: Mapping[str, str],
    profiles: Sequence[PlannedAccount],
    notes: list[str],
) -> list[PlannedStep]:
    """The date's steps, in order: the final archive; per account: unpin, profile, retire,
    credentials; then the launch is ended and its content freeze lifted."""
    seq = iter(range(1, 10_000))
    steps = [PlannedStep(next(seq), "archive", None, None, on, {"launch": launch.id})]
    pinned = _pinned(ledger, launch.id)
    refs = ledger.account_refs(launch.id)
    by_account = {(p.platform, p.locale): p for p in profiles}
    for a in wound:
        key = (a.platform, a.locale)
        if spec.unpin and pinned.get(key):
            steps.append(
                PlannedStep(next(seq), "unpin", a.platform, a.locale, on, {"posts": pinned[key]})
            )
        profile = by_account.get(key)
        if profile is not None:
            steps.append(
                PlannedStep(
                    next(seq), "profile", a.platform, a.locale, on,
                    {"display_name": profile.display_name, "bio": profile.bio,
                     "links": [list(x) for x in profile.links]},
                )
            )  # fmt: skip
        if a.created and spec.created_accounts == "retire":
            action = spec.retire_action(a.platform)
            successor = successors.get(a.platform) or successors.get("*")
            if action == "move" and not successor:
                notes.append(
                    f"{a.platform}/{a.locale}: retiring means moving its followers, and no"
                    f" successor is given for {a.platform} (--successor {a.platform}=HANDLE):"
                    " a checklist instead"
                )
                action = "checklist"
            steps.append(
                PlannedStep(
                    next(seq), "retire", a.platform, a.locale, on,
                    {"action": action, "successor": successor},
                )
            )  # fmt: skip
        if a.created:
            names = sorted(refs.get(key, ("", None, {}))[2])
            steps.append(
                PlannedStep(next(seq), "credentials", a.platform, a.locale, on, {"names": names})
            )
    steps.append(PlannedStep(next(seq), "end-launch", None, None, on, {"launch": launch.id}))
    if launch.kind == "crisis":
        steps.append(
            PlannedStep(next(seq), "end-freeze", None, None, on, {"mission": launch.mission})
        )
    return steps


def _pinned(ledger: Ledger, launch_id: str) -> dict[tuple[str, str], list[list[Any]]]:
    """(platform, locale) -> [post id, platform post id] of the launch's posts that were
    pinned and are still published."""
    pinned = ledger.pinned_before(launch_id)
    out: dict[tuple[str, str], list[list[Any]]] = {}
    for p in ledger.posts(launch_id):
        if p.id in pinned and p.state == "sent" and p.platform_post_id:
            out.setdefault((p.platform, p.locale), []).append([p.id, p.platform_post_id])
    return out
