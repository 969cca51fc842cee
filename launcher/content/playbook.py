"""Playbooks: YAML files under ``playbooks/`` describing one event kind's response.

Loading collects every structural problem with file, line and field; template existence,
syntax, catalogs and lengths are checked later by :mod:`launcher.checks.validate`, which renders.
"""

from __future__ import annotations

import re
from datetime import time, timedelta
from pathlib import Path
from typing import Any

from ..errors import ContentError, InputError, Problem
from ..models import INTRO_MESSAGE, PLATFORMS, MessageSpec, ParamSpec, Playbook, Schedule
from .params import parse_param
from .relative import Moment, MomentError, parse_moment
from .replies import parse_replies
from .schema import Checker, did_you_mean, known_list
from .series import TooManyOccurrences, series, span, too_many
from .sunset import parse_sunset
from .triggers import parse_triggers
from .yamlsrc import load_yaml

_DURATION = re.compile(r"^\s*(\d+)\s*(s|m|h|d)\s*$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days"}
_CLOCK = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")

TOP_REQUIRED = ("id", "kind", "title", "version", "parameters", "platforms", "profile", "messages")
TOP_OPTIONAL = (
    "description",
    "banned_platform",
    "post_on_banned_platform",
    "allow_emergency",
    "crisis",
    "triggers",
    "sunset",
    "replies",
)
MSG_REQUIRED = ("id", "template")
MSG_OPTIONAL = (
    "at",
    "every",
    "until",
    "phases",
    "daily_at",
    "days",
    "quiet",
    "platforms",
    "thread",
    "pin",
    "when",
    "tone",
    "expires",
)
#: a one-off post still worth sending this long after its time (an outage delays it)
DEFAULT_ONE_OFF_LIFE = timedelta(hours=24)
TONES = ("neutral", "solemn", "urgent")


def playbook_ids(root: Path) -> list[str]:
    return sorted(p.stem for p in (root / "playbooks").glob("*.yaml"))


def load_playbook(root: Path, playbook_id: str) -> Playbook:
    path = root / "playbooks" / f"{playbook_id}.yaml"
    if not path.exists():  # a directory there is a problem of the content: parsing says so
        known = playbook_ids(root)
        if not known:
            from ..paths import MAKE_OR_SELECT

            raise InputError(
                f"unknown playbook '{playbook_id}': {root / 'playbooks'} has no playbooks",
                field="PLAYBOOK",
                hint=MAKE_OR_SELECT,
            )
        raise InputError(
            f"unknown playbook '{playbook_id}'{did_you_mean(playbook_id, known)}",
            field="PLAYBOOK",
            hint=f"known playbooks: {known_list(known)} (run: launcher list)",
        )
    key = (path.resolve(), path.stat().st_mtime_ns)
    hit = _parsed.get(key)
    if hit is None:
        playbook, problems = parse_playbook_file(path, root)
        if problems or playbook is None:
            raise ContentError(problems)
        hit = _parsed[key] = playbook
    return hit


#: parsed playbooks by (path, mtime): a daemon or benchmark plans many times per file
_parsed: dict[tuple[Path, int], Playbook] = {}


def parse_playbook_file(path: Path, root: Path) -> tuple[Playbook | None, list[Problem]]:
    display = _display(path, root)
    doc, problems = load_yaml(path, display)
    if doc is None:
        return None, problems
    chk = Checker(doc, problems)
    top = chk.mapping(doc.data, (), required=TOP_REQUIRED, optional=TOP_OPTIONAL, what="a playbook")
    if top is None or any(k not in top for k in TOP_REQUIRED):
        return None, problems
    if top["id"] != path.stem:
        chk.add(
            ("id",),
            f"id '{top['id']}' differs from the file name '{path.stem}'",
            hint=f"set id: {path.stem} or rename the file",
        )
    chk.typed(top["version"], ("version",), int)
    params = _parameters(chk, top["parameters"])
    platforms = _platform_list(chk, top["platforms"], ("platforms",))
    messages = _messages(chk, top["messages"], platforms, params)
    replies = parse_replies(chk, top.get("replies"), platforms)  # the listening post's answers
    banned = top.get("banned_platform")
    if banned is not None:
        spec = next((p for p in params if p.name == banned), None)
        if spec is None or spec.type != "platform":
            chk.add(
                ("banned_platform",),
                f"'{banned}' is not a parameter of type platform",
                hint="name the parameter that holds the blocked platform, e.g. platform",
            )
    for key in ("post_on_banned_platform", "allow_emergency", "crisis"):
        if key in top:
            chk.typed(top[key], (key,), bool)
    triggers = parse_triggers(chk, top.get("triggers"), params)
    sunset = None
    if "sunset" in top:  # the wind-down: launcher.content.sunset
        sunset = parse_sunset(
            chk, top["sunset"], platforms, {m.id for m in messages}, duration=_duration,
            platform_list=_platform_list, tones=TONES,
        )  # fmt: skip
    if problems:
        return None, problems
    return (
        Playbook(
            id=str(top["id"]),
            kind=str(top["kind"]),
            title=str(top["title"]),
            description=str(top.get("description", "")).strip(),
            version=int(top["version"]),
            parameters=tuple(params),
            platforms=platforms,
            profile_template=str(top["profile"]),
            messages=tuple(messages),
            banned_platform_param=banned,
            post_on_banned_platform=bool(top.get("post_on_banned_platform", False)),
            allow_emergency=bool(top.get("allow_emergency", True)),
            crisis=bool(top.get("crisis", True)),
            file=display,
            triggers=triggers,
            sunset=sunset,
            replies=replies,
        ),
        problems,
    )


def _display(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root.resolve()))
    except ValueError:
        return str(path)


def _parameters(chk: Checker, raw: Any) -> list[ParamSpec]:
    if raw is None:
        return []
    if not isinstance(raw, dict):
        chk.typed(raw, ("parameters",), dict)
        return []
    out = []
    for name, body in raw.items():
        if not re.match(r"^[a-z][a-z0-9_]*$", str(name)):
            chk.add(("parameters", name), f"parameter name '{name}' must be lower_snake_case")
            continue
        spec = parse_param(chk, str(name), body, ("parameters", name))
        if spec is not None:
            out.append(spec)
    return out


def _platform_list(chk: Checker, raw: Any, path: tuple[str | int, ...]) -> tuple[str, ...]:
    if not isinstance(raw, list) or not raw:
        chk.add(
            path,
            "expected a non-empty list of platforms",
            hint=f"e.g. [{', '.join(PLATFORMS[:3])}]",
        )
        return ()
    out = []
    for i, item in enumerate(raw):
        if item not in PLATFORMS:
            chk.add(
                (*path, i),
                f"unknown platform '{item}'{did_you_mean(str(item), PLATFORMS)}",
                hint=f"known platforms: {', '.join(PLATFORMS)}",
            )
        elif item in out:
            chk.add((*path, i), f"platform '{item}' is listed twice")
        else:
            out.append(str(item))
    return tuple(out)


def _messages(
    chk: Checker, raw: Any, platforms: tuple[str, ...], params: list[ParamSpec]
) -> list[MessageSpec]:
    if not isinstance(raw, list) or not raw:
        chk.add(("messages",), "expected a non-empty list of messages")
        return []
    out: list[MessageSpec] = []
    seen: set[str] = set()
    for i, body in enumerate(raw):
        path: tuple[str | int, ...] = ("messages", i)
        m = chk.mapping(body, path, required=MSG_REQUIRED, optional=MSG_OPTIONAL, what="a message")
        if m is None or any(k not in m for k in MSG_REQUIRED):
            continue
        mid = str(m["id"])
        if not _ID.match(mid):
            chk.add((*path, "id"), f"message id '{mid}' must be lower-case letters, digits, '-'")
        if mid in seen:
            chk.add((*path, "id"), f"message id '{mid}' is used twice")
        if mid == INTRO_MESSAGE:
            chk.add(
                (*path, "id"),
                f"message id '{mid}' is reserved: it is each account's introduction, the"
                " profile template's pinned_intro block, published as the first post",
                hint="give this message another id",
            )
        seen.add(mid)
        datetimes = [p.name for p in params if p.type == "datetime"]
        schedule = _schedule(chk, m, path, datetimes)
        subset = None
        if "platforms" in m:
            subset = _platform_list(chk, m["platforms"], (*path, "platforms"))
            for j, p in enumerate(subset):
                if p not in platforms:
                    chk.add(
                        (*path, "platforms", j),
                        f"platform '{p}' is not among the playbook's platforms",
                        hint=f"add it to the top-level platforms: [{', '.join(platforms)}]",
                    )
        for key in ("thread", "pin"):
            if key in m:
                chk.typed(m[key], (*path, key), bool)
        when = m.get("when")
        if when is not None and not isinstance(when, str):
            chk.typed(when, (*path, "when"), str)
            when = None
        if when is not None:
            for message, hint in when_problems(when, [p.name for p in params]):
                chk.add((*path, "when"), message, hint=hint)
        tone = str(m.get("tone", "neutral"))
        if tone not in TONES:
            chk.add(
                (*path, "tone"),
                f"unknown tone '{tone}'{did_you_mean(tone, TONES)}",
                hint=f"tones: {', '.join(TONES)} (solemn: condolences, no emoji or '!')",
            )
        expires = None
        if "expires" in m:
            expires = _duration(chk, m["expires"], (*path, "expires"))
            if expires is not None and expires <= timedelta(0):
                chk.add((*path, "expires"), "must be longer than 0")
        if schedule is None:
            continue
        out.append(
            MessageSpec(
                id=mid,
                template=str(m["template"]),
                schedule=schedule,
                platforms=subset,
                thread=bool(m.get("thread", False)),
                pin=bool(m.get("pin", False)),
                when=when,
                tone=tone,
                expires=expires,
                line=chk.doc.positions.get(path, (None, None))[0],
            )
        )
    return out


def _schedule(
    chk: Checker, m: dict[str, Any], path: tuple[str | int, ...], datetimes: list[str]
) -> Schedule | None:
    before = len(chk.problems)
    start = _moment(chk, m.get("at", "0m"), (*path, "at"), datetimes)
    offset = start.offset if start else None
    every = _duration(chk, m["every"], (*path, "every")) if "every" in m else None
    stop = _moment(chk, m["until"], (*path, "until"), datetimes) if "until" in m else None
    until = stop.offset if stop else None
    if ("every" in m) != ("until" in m):
        chk.add(path, "'every' and 'until' go together", hint="e.g. every: 4h, until: 72h")
    if every is not None and every <= timedelta(0):
        chk.add((*path, "every"), "must be longer than 0")
    phases: list[tuple[timedelta, timedelta]] = []
    if "phases" in m:
        raw = m["phases"]
        if not isinstance(raw, list) or not raw:
            chk.add((*path, "phases"), "expected a list of {every: ..., until: ...}")
        elif start is not None and start.fact is not None:
            chk.add(
                (*path, "phases"),
                "phases count from the confirmation: they cannot follow an 'at' over a fact",
                hint="write at: as an offset (e.g. 1h), or use every/until with until: event...",
            )
        else:
            last = offset
            for j, ph in enumerate(raw):
                pp = (*path, "phases", j)
                body = chk.mapping(ph, pp, required=("every", "until"), what="a phase")
                if body is None or "every" not in body or "until" not in body:
                    continue
                e = _duration(chk, body["every"], (*pp, "every"))
                u = _duration(chk, body["until"], (*pp, "until"))
                if e is not None and u is not None:
                    if e <= timedelta(0) or u <= last:
                        chk.add(pp, "each phase needs every > 0 and an 'until' later than before")
                    phases.append((e, u))
                    last = u
    daily_at = None
    if "daily_at" in m:
        daily_at = _clock(chk, m["daily_at"], (*path, "daily_at"))
        if "every" in m or "phases" in m:
            chk.add((*path, "daily_at"), "daily_at cannot be combined with every/phases")
    days = m.get("days", 1)
    if chk.typed(days, (*path, "days"), int) and not 1 <= days <= 366:
        chk.add((*path, "days"), "days must be between 1 and 366")
    quiet = None
    if "quiet" in m:
        q = str(m["quiet"])
        parts = q.split("-")
        if len(parts) != 2:
            chk.add((*path, "quiet"), f"'{q}' is not a window like \"00:00-06:00\"")
        else:
            a = _clock(chk, parts[0].strip(), (*path, "quiet"))
            b = _clock(chk, parts[1].strip(), (*path, "quiet"))
            if a is not None and b is not None:
                quiet = (a, b)
    if len(chk.problems) > before or offset is None or start is None:
        return None
    if start.fact is None and (stop is None or stop.fact is None):  # offsets: count it now
        try:
            series(offset, timedelta(0), every, until, phases)
        except TooManyOccurrences as exc:
            runs = [(every, until)] if every and until else []
            what = ", then ".join(f"every {span(e)} until +{span(u)}" for e, u in runs + phases)
            message, hint = too_many(
                exc.count, f"message '{m.get('id')}': {what}", "'until' shorter"
            )
            chk.add((*path, "every" if every else "phases"), message, hint=hint)
            return None
    return Schedule(
        offset=offset,
        every=every,
        until=until,
        at_fact=start.fact,
        until_fact=stop.fact if stop else None,
        phases=tuple(phases),
        daily_at=daily_at,
        days=days if isinstance(days, int) else 1,
        quiet=quiet,
    )


def _moment(
    chk: Checker, raw: Any, path: tuple[str | int, ...], datetimes: list[str]
) -> Moment | None:
    """An offset from the confirmation, or an expression over a datetime fact."""
    try:
        moment = parse_moment(raw, datetimes)
    except MomentError as exc:
        chk.add(path, str(exc), hint=exc.hint)
        return None
    if moment.fact is None and moment.offset < timedelta(0):
        chk.add(path, f"'{raw}' is before the confirmation", hint="offsets count forward: 0m, 2h")
        return None
    return moment


#: the names a message's ``when:`` can use (every occurrence is tested on its own ``at``)
WHEN_NAMES = (
    "event",
    "event_kind",
    "now",
    "at",
    "update_number",
    "updates_total",
    "org",
    "banned_platform_name",
    "duration",
)


def when_problems(expression: str, params: list[str]) -> list[tuple[str, str]]:
    """What is wrong with a ``when:`` expression: its syntax, names it cannot see, and facts
    the playbook does not declare (with did-you-mean): found when the playbook is read,
    not when the one event that needs the message happens."""
    from jinja2 import Environment, TemplateSyntaxError, nodes

    try:
        tree = Environment().parse("{{ (" + expression + ") }}")
    except TemplateSyntaxError as exc:
        return [(f"'when: {expression}' is not a Jinja expression: {exc.message}", WHEN_HINT)]
    out = []
    for node in tree.find_all(nodes.Name):
        if node.name not in WHEN_NAMES:
            out.append(
                (
                    f"'when: {expression}' uses '{node.name}'{did_you_mean(node.name, WHEN_NAMES)}",
                    f"a when: expression can use {', '.join(WHEN_NAMES)}",
                )
            )
    for node in tree.find_all(nodes.Getattr):
        named = isinstance(node.node, nodes.Name) and node.node.name == "event"
        if named and node.attr not in params:
            out.append(
                (
                    f"'when: {expression}': event.{node.attr} is not a parameter of this"
                    f" playbook{did_you_mean(node.attr, params)}",
                    f"parameters: {known_list(params) or 'none'}",
                )
            )
    return out


WHEN_HINT = (
    "write a Jinja expression on the facts and the occurrence's time, e.g."
    " event.deaths is not none, or at < event.deadline - duration('2h')"
)


def _duration(chk: Checker, raw: Any, path: tuple[str | int, ...]) -> timedelta | None:
    match = _DURATION.match(raw) if isinstance(raw, str) else None
    if not match:
        chk.add(path, f"'{raw}' is not a duration", hint="write e.g. 0m, 90s, 15m, 4h, 3d")
        return None
    return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})


def _clock(chk: Checker, raw: Any, path: tuple[str | int, ...]) -> time | None:
    match = _CLOCK.match(str(raw).strip())
    if not match:
        chk.add(path, f"'{raw}' is not a time of day", hint='write it quoted, as "09:00"')
        return None
    return time(int(match.group(1)), int(match.group(2)))
