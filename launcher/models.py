"""The nouns of launcher as frozen dataclasses.

Data flows one way: ``Playbook`` + ``Mission`` + ``Event`` → ``Plan`` (accounts and posts) →
ledger → dispatch → adapters. Everything here is immutable so a plan can be shared, cached and
compared without defensive copies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

#: Platforms whose text rules launcher knows. Adapters map onto one of these.
PLATFORMS: tuple[str, ...] = ("mastodon", "bluesky", "x", "facebook", "telegram", "sandbox")

#: The organisation's own working languages: every plan carries them after the local ones.
ORG_LOCALES: tuple[str, ...] = ("en", "fr")

#: The message id of each account's introduction (the profile's ``pinned_intro`` block),
#: published as the first post of the account (:mod:`launcher.plan.intro`); reserved in playbooks.
INTRO_MESSAGE = "intro"


@dataclass(frozen=True)
class ParamSpec:
    """One typed event fact a playbook accepts, with its bounds."""

    name: str
    type: str  # text | number | integer | datetime | boolean | choice | platform
    required: bool = False
    default: Any = None  # "now" for datetimes means the confirmation time
    min: float | None = None
    max: float | None = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()
    help: str = ""
    example: Any = None  # used by `validate` to render the playbook
    line: int | None = None


@dataclass(frozen=True)
class Contacts:
    emergency_phone: str
    phone: str
    email: str
    website: str
    registration_url: str


@dataclass(frozen=True)
class Mission:
    """An office abroad. Sample data only: reserved numbers and example.org domains."""

    id: str
    city: str
    country: str  # ISO 3166-1 alpha-2
    timezone: str  # IANA
    languages: tuple[str, ...]  # the local languages, most used first
    names: dict[str, str]  # locale -> the mission's name in that language
    city_names: dict[str, str]  # locale -> the city's name in that language
    contacts: Contacts
    slug: str  # short ASCII slug used in handles
    file: str = ""
    line: int | None = None
    #: the region it serves (circles, polygons: :mod:`launcher.content.areas`), for feeds
    area: tuple[Any, ...] = ()
    #: region tags (``europe``, ``mena``): ``run --missions europe`` launches them all
    regions: tuple[str, ...] = ()

    @property
    def locales(self) -> tuple[str, ...]:
        """Local languages first, then the organisation's own, without repeats."""
        out: list[str] = []
        for loc in (*self.languages, *ORG_LOCALES):
            if loc not in out:
                out.append(loc)
        return tuple(out)


@dataclass(frozen=True)
class Schedule:
    """When a message goes out, relative to the moment the event was confirmed.

    ``offset`` is the first send; ``every``/``until`` repeat it; ``daily_at`` sends at a local
    wall-clock time each day for ``days`` days; ``quiet`` = (start, end) local times during
    which nothing is sent (a send falling inside is moved to the end of the quiet period).
    """

    offset: timedelta = timedelta(0)
    every: timedelta | None = None
    until: timedelta | None = None
    #: ``at``/``until`` relative to a datetime fact instead of the confirmation
    #: (``at: event.deadline - 2h``: at_fact "deadline", offset -2h); see content/relative.py
    at_fact: str | None = None
    until_fact: str | None = None
    phases: tuple[tuple[timedelta, timedelta], ...] = ()  # (every, until) pairs, in order
    daily_at: time | None = None
    days: int = 1
    quiet: tuple[time, time] | None = None


@dataclass(frozen=True)
class MessageSpec:
    id: str
    template: str
    schedule: Schedule
    platforms: tuple[str, ...] | None = None  # None: all of the playbook's platforms
    thread: bool = False  # split an over-long text into a numbered thread
    pin: bool = False
    when: str | None = None  # a Jinja expression on the facts; the message is sent if true
    tone: str = "neutral"  # neutral | solemn (condolences: no emoji, no exclamations) | urgent
    #: how long after its send time a post is still worth sending (an outage delays it);
    #: None: until the message's next occurrence, or 24 h for a one-off post
    expires: timedelta | None = None
    line: int | None = None


@dataclass(frozen=True)
class Playbook:
    id: str
    kind: str
    title: str
    description: str
    version: int
    parameters: tuple[ParamSpec, ...]
    platforms: tuple[str, ...]
    profile_template: str
    messages: tuple[MessageSpec, ...]
    #: name of the parameter holding a platform the event made unreachable (platform-ban)
    banned_platform_param: str | None = None
    #: post on the banned platform anyway (e.g. to reach the diaspora outside the country)
    post_on_banned_platform: bool = False
    allow_emergency: bool = True
    #: a crisis launch freezes the mission's routine launches; routine playbooks set false
    crisis: bool = True
    file: str = ""
    #: source events that propose this playbook (:mod:`launcher.content.triggers`)
    triggers: tuple[Any, ...] = ()
    #: the wind-down after the crisis (``sunset:``): a launcher.content.sunset.SunsetSpec
    sunset: Any = None
    #: approved answers for the listening post (``launcher.content.replies.ReplySpec``)
    replies: tuple[Any, ...] = ()

    def param(self, name: str) -> ParamSpec | None:
        return next((p for p in self.parameters if p.name == name), None)

    def reply(self, reply_id: str) -> Any | None:
        return next((r for r in self.replies if r.id == reply_id), None)

    @property
    def templates(self) -> tuple[str, ...]:
        """Every template the playbook can publish: profile, messages, trigger corrections,
        its sunset's and its replies' (what approvals pin and catalogs must translate)."""
        corrections = [t.correction for t in self.triggers if t.correction]
        extra = self.sunset.templates if self.sunset is not None else ()
        names = [
            self.profile_template,
            *(m.template for m in self.messages),
            *corrections,
            *extra,
            *(r.template for r in self.replies),
        ]
        return tuple(dict.fromkeys(names))


@dataclass(frozen=True)
class Event:
    """What happened: its kind, its typed facts and when it was confirmed (UTC)."""

    kind: str
    facts: dict[str, Any]
    confirmed_at: datetime


@dataclass(frozen=True)
class PlannedAccount:
    platform: str
    locale: str
    handle: str
    display_name: str
    bio: str
    links: tuple[tuple[str, str], ...] = ()  # (label, url)


@dataclass(frozen=True)
class PlannedPost:
    """One post to one account at one time. ``key`` identifies it across runs and retries."""

    key: str
    message: str
    platform: str
    locale: str
    text: str
    at: datetime  # UTC
    length: int
    limit: int
    occurrence: int = 0
    part: int = 1
    parts: int = 1
    pin: bool = False
    #: after this instant (UTC) the post is stale: never sent, recorded as ``expired``
    expires_at: datetime | None = None


@dataclass(frozen=True)
class Plan:
    playbook: Playbook
    mission: Mission
    event: Event
    locales: tuple[str, ...]
    accounts: tuple[PlannedAccount, ...]
    posts: tuple[PlannedPost, ...]
    skipped_platforms: tuple[str, ...] = field(default=())
    #: guardrail findings of severity "warning" (errors stop planning): shown, not blocking
    warnings: tuple[Any, ...] = field(default=())
    #: the same warnings one by one (guardrail ``Finding``s: post key, locale, platform), for
    #: views that show each next to the post or profile it is about (``launcher preview``)
    findings: tuple[Any, ...] = field(default=())
    #: facts outside their declared bounds (only when planned for `run`): need a second person
    out_of_bounds: tuple[str, ...] = field(default=())
