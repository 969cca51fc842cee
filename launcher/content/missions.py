"""The missions registry (``missions.yaml``): the organisation and its offices abroad."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError

from ..errors import ContentError, Problem
from ..models import Contacts, Mission
from .areas import parse_area
from .schema import Checker, did_you_mean, known_list
from .yamlsrc import load_yaml

SLUG_RE = re.compile(r"^[a-z0-9]{1,8}$")
REGION_RE = re.compile(r"^[a-z][a-z0-9-]{0,39}$")
PREFIX_RE = re.compile(r"^[a-z][a-z0-9]{0,5}$")
CONTACT_KEYS = ("emergency_phone", "phone", "email", "website", "registration_url")


@dataclass(frozen=True)
class Organisation:
    id: str
    handle_prefix: str
    website: str
    link_hosts: tuple[str, ...]
    crisis_line: str
    handle_domain: str = "example.org"


@dataclass(frozen=True)
class Registry:
    organisation: Organisation
    missions: dict[str, Mission]
    file: str
    #: missions with problems, by id: a plan for one of them is refused with its problems,
    #: while every other mission plans as usual (``validate`` reports them all)
    broken: dict[str, list[Problem]] = field(default_factory=dict)
    #: locales being translated (``draft_locales``): reported, never planned
    draft_locales: tuple[str, ...] = ()
    #: every locale some mission (broken ones too) publishes in
    locales_in_use: frozenset[str] = frozenset()

    def get(self, mission_id: str) -> Mission:
        if mission_id in self.broken:
            raise ContentError(self.broken[mission_id])
        try:
            return self.missions[mission_id]
        except KeyError:
            from ..errors import InputError

            raise InputError(
                f"unknown mission '{mission_id}'{did_you_mean(mission_id, self.missions)}",
                field="--mission",
                hint=f"known missions: {known_list(self.missions)} (defined in {self.file})",
            ) from None


def load_registry(root: Path) -> tuple[Registry | None, list[Problem]]:
    path = root / "missions.yaml"
    if not path.exists():  # a directory there is a problem (load_yaml says so)
        from ..paths import MAKE_OR_SELECT

        return None, [
            Problem(
                f"file not found in the content root {root}",
                file="missions.yaml",
                hint=f"every content root has a missions.yaml: {MAKE_OR_SELECT}",
            )
        ]
    doc, problems = load_yaml(path, "missions.yaml")
    if doc is None:
        return None, problems
    chk = Checker(doc, problems)
    top = chk.mapping(
        doc.data,
        (),
        required=("organisation", "missions"),
        optional=("draft_locales",),
        what="missions.yaml",
    )
    if top is None:
        return None, problems
    org = _organisation(chk, top.get("organisation"))
    drafts = _draft_locales(chk, top.get("draft_locales"))
    missions: dict[str, Mission] = {}
    broken: dict[str, list[Problem]] = {}
    in_use: set[str] = set()
    raw = top.get("missions")
    if chk.mapping(raw, ("missions",), optional=raw or (), what="missions") is not None:
        for mid, body in raw.items():
            before = len(problems)
            mission = _mission(chk, str(mid), body, doc.file, drafts)
            if mission is not None:
                in_use.update(mission.locales)
            if len(problems) > before:
                broken[str(mid)] = problems[before:]
            elif mission is not None:
                missions[str(mid)] = mission
    if org is None:
        return None, problems
    return Registry(org, missions, doc.file, broken, drafts, frozenset(in_use)), problems


def load_registry_or_raise(root: Path) -> Registry:
    """The registry, refused only for what concerns every mission (the file, the
    organisation); a broken mission stops plans for that mission alone."""
    registry, problems = load_registry(root)
    if registry is None:
        raise ContentError(problems)
    shared = [p for p in problems if not any(p in b for b in registry.broken.values())]
    if shared:
        raise ContentError(shared)
    return registry


def _draft_locales(chk: Checker, raw: object) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list):
        chk.typed(raw, ("draft_locales",), list)
        return ()
    out = []
    for i, loc in enumerate(raw):
        try:
            Locale.parse(str(loc))
        except (UnknownLocaleError, ValueError):
            chk.add(("draft_locales", i), f"unknown locale '{loc}'", hint="e.g. sw, pt_BR")
            continue
        out.append(str(loc))
    return tuple(out)


def _organisation(chk: Checker, body: object) -> Organisation | None:
    p = ("organisation",)
    org = chk.mapping(
        body,
        p,
        required=("id", "handle_prefix", "website", "link_hosts", "crisis_line"),
        optional=("handle_domain",),
        what="organisation",
    )
    if org is None or any(k not in org for k in ("id", "handle_prefix", "website", "crisis_line")):
        return None
    prefix = str(org["handle_prefix"])
    if not PREFIX_RE.match(prefix):
        chk.add(
            (*p, "handle_prefix"),
            f"handle prefix '{prefix}' must be 1-6 lower-case letters or digits",
            hint="X handles allow 15 characters in all; keep the prefix short",
        )
    hosts = org.get("link_hosts") or []
    if not isinstance(hosts, list):
        chk.typed(hosts, (*p, "link_hosts"), list)
        hosts = []
    return Organisation(
        id=str(org["id"]),
        handle_prefix=prefix,
        website=str(org["website"]),
        link_hosts=tuple(str(h) for h in hosts),
        crisis_line=str(org["crisis_line"]),
        handle_domain=str(org.get("handle_domain", "example.org")),
    )


def _mission(
    chk: Checker, mid: str, body: object, file: str, drafts: tuple[str, ...] = ()
) -> Mission | None:
    p: tuple[str | int, ...] = ("missions", mid)
    m = chk.mapping(
        body,
        p,
        required=(
            "city",
            "country",
            "timezone",
            "languages",
            "slug",
            "names",
            "city_names",
            "contacts",
        ),
        optional=("area", "regions"),
        what=f"mission '{mid}'",
    )
    if m is None or any(k not in m for k in ("timezone", "languages", "slug", "country")):
        return None
    ok = True
    try:
        ZoneInfo(str(m["timezone"]))
    except (ZoneInfoNotFoundError, ValueError):
        chk.add(
            (*p, "timezone"),
            f"unknown time zone '{m['timezone']}'",
            hint="use an IANA name such as Europe/Rome or Asia/Tokyo",
        )
        ok = False
    langs = m.get("languages")
    if not isinstance(langs, list) or not langs:
        chk.add((*p, "languages"), "expected a non-empty list of language codes, e.g. [it]")
        return None
    for i, lang in enumerate(langs):
        try:
            Locale.parse(str(lang))
        except (UnknownLocaleError, ValueError):
            chk.add((*p, "languages", i), f"unknown language code '{lang}'", hint="use ISO 639-1")
            ok = False
    if not SLUG_RE.match(str(m.get("slug", ""))):
        chk.add((*p, "slug"), "slug must be 1-8 lower-case ASCII letters or digits")
        ok = False
    names = _per_locale(chk, m.get("names"), (*p, "names"))
    cities = _per_locale(chk, m.get("city_names"), (*p, "city_names"))
    contacts = chk.mapping(
        m.get("contacts"), (*p, "contacts"), required=CONTACT_KEYS, what="contacts"
    )
    regions = _regions(chk, m.get("regions"), (*p, "regions"), mid)
    if names is None or cities is None or contacts is None or regions is None or not ok:
        return None
    if any(k not in contacts for k in CONTACT_KEYS):
        return None
    mission = Mission(
        id=mid,
        city=str(m["city"]),
        country=str(m["country"]).upper(),
        timezone=str(m["timezone"]),
        languages=tuple(str(x) for x in langs),
        names=names,
        city_names=cities,
        contacts=Contacts(**{k: str(contacts[k]) for k in CONTACT_KEYS}),
        slug=str(m["slug"]),
        file=file,
        line=chk.doc.positions.get(p, (None, None))[0],
        area=parse_area(chk, m.get("area"), (*p, "area")),
        regions=regions,
    )
    for key, table in (("names", names), ("city_names", cities)):
        for loc in mission.locales:
            if loc not in table and loc not in drafts:  # a draft is named when it is done
                chk.add(
                    (*p, key),
                    f"no {key.replace('_', ' ')[:-1]} in '{loc}'",
                    hint=f"every plan for {mid} is in {', '.join(mission.locales)}: add '{loc}:'",
                )
    return mission


def _regions(
    chk: Checker, value: object, path: tuple[str | int, ...], mid: str
) -> tuple[str, ...] | None:
    """``regions: [europe, eu]``: tags that ``run --missions`` selects missions by."""
    if value is None:
        return ()
    if not isinstance(value, list):
        chk.add(path, "expected a list of region tags, e.g. [europe]")
        return None
    out: list[str] = []
    for i, tag in enumerate(value):
        if not isinstance(tag, str) or not REGION_RE.match(tag) or len(tag) == 2:
            chk.add(
                (*path, i),
                f"region tag {tag!r} must be a lower-case word of 3 to 40 letters, digits or"
                " hyphens (two letters are a country code)",
                hint="e.g. europe, mena, east-asia",
            )
            return None
        out.append(tag)
    return tuple(out)


def _per_locale(chk: Checker, value: object, path: tuple[str | int, ...]) -> dict[str, str] | None:
    if not isinstance(value, dict):
        chk.typed(value, path, dict)
        return None
    return {str(k): str(v) for k, v in value.items()}
