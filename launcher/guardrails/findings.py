"""What a guardrail finding is, and the texts of a plan that the rules look at."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

import regex

from ..errors import Problem
from ..models import INTRO_MESSAGE, Plan
from . import numbers, text
from .policy import Policy

EnglishKey = tuple[str, int, str, int]  # (message, occurrence, platform, part)


@dataclass(frozen=True)
class Finding:
    """One guardrail finding about one post (or one profile field) of a plan."""

    rule: str
    severity: str  # "error" | "warning"
    message: str
    hint: str
    post_key: str | None = None
    message_id: str | None = None
    locale: str | None = None
    platform: str | None = None
    playbook: str | None = None
    mission: str | None = None
    file: str | None = None  # the template to edit
    fragment: str = ""

    def where(self) -> str:
        what = self.message_id or "plan"
        field = f"{self.playbook}: {what}" if self.playbook else what
        ctx = []
        if self.locale:
            ctx.append(f"locale {self.locale}")
        if self.platform:
            ctx.append(f"platform {self.platform}")
        if ctx:
            field += f" ({', '.join(ctx)})"
        return f"{field} [rule {self.rule}]"

    def to_problem(self) -> Problem:
        return Problem(self.message, file=self.file, field=self.where(), hint=self.hint)

    def as_dict(self) -> dict[str, object]:
        return {
            "rule": self.rule,
            "severity": self.severity,
            "message": self.message,
            "hint": self.hint,
            "playbook": self.playbook,
            "mission": self.mission,
            "post_key": self.post_key,
            "message_id": self.message_id,
            "locale": self.locale,
            "platform": self.platform,
            "file": self.file,
            "fragment": self.fragment,
        }


@dataclass(frozen=True)
class Item:
    """One text the plan would publish."""

    text: str
    message_id: str
    locale: str
    platform: str
    template: str
    post_key: str | None = None
    at: datetime | None = None
    occurrence: int = 0
    part: int = 1
    parts: int = 1
    solemn: bool = False
    profile: bool = False

    @property
    def english_key(self) -> EnglishKey:
        return (self.message_id, self.occurrence, self.platform, self.part)


class Ctx:
    def __init__(
        self, plan: Plan, policy: Policy, link_hosts: Sequence[str], org_data: Sequence[str]
    ) -> None:
        self.org_data = tuple(org_data)
        self.plan = plan
        self.policy = policy
        self.hosts = {h.lower().rstrip(".") for h in (*link_hosts, *policy.link_hosts)}
        own = set()
        for acc in plan.accounts:
            own.add(acc.handle.casefold())
        self.mentions = {m.casefold() for m in policy.mentions} | own
        self.hashtags = {text.match_form(h).casefold() for h in policy.hashtags}
        self.allow_numbers = set(policy.number_allowlist)
        self.occurrences: dict[str, int] = defaultdict(int)
        for post in plan.posts:
            self.occurrences[post.message] = max(self.occurrences[post.message], post.occurrence)
        self._numbers: dict[str, set[str]] = {}
        self.data = data_pattern(plan)
        #: text facts by name: data the duty officer typed (``--set``), published as typed
        self.facts = {
            name: value
            for name, value in plan.event.facts.items()
            if isinstance(value, str) and value.strip()
        }

    def fact_at(self, text: str, start: int, end: int) -> str | None:
        """The fact whose value, as it appears in ``text``, covers ``text[start:end]``."""
        for name, value in self.facts.items():
            at = text.find(value)
            while at != -1:
                if at <= start and end <= at + len(value):
                    return name
                at = text.find(value, at + 1)
        return None

    def number_keys(self, locale: str) -> set[str]:
        hit = self._numbers.get(locale)
        if hit is None:
            c = self.plan.mission.contacts
            hit = self._numbers[locale] = numbers.plan_keys(
                self.plan, locale, (c.phone, *self.org_data, *self.hosts)
            ) | set(self.allow_numbers)
        return hit

    def finding(self, rule: str, item: Item, message: str, hint: str, fragment: str) -> Finding:
        return Finding(
            rule=rule,
            severity=self.policy.severity(rule),
            message=message,
            hint=hint,
            post_key=item.post_key,
            message_id=item.message_id,
            locale=item.locale,
            platform=item.platform,
            playbook=self.plan.playbook.id,
            mission=self.plan.mission.id,
            file=f"templates/{item.template}",
            fragment=fragment,
        )


def edit_hint(item: Item) -> str:
    """Where the wording of ``item`` lives."""
    lang = item.locale.replace("-", "_").split("_")[0]
    if lang == "en":
        return f"templates/{item.template} (English wording: locales/en/LC_MESSAGES/messages.po)"
    return f"the {item.locale} translation in locales/{item.locale}/LC_MESSAGES/messages.po"


def plan_items(plan: Plan, policy: Policy) -> list[Item]:
    specs = {m.id: m for m in plan.playbook.messages}
    out: list[Item] = []
    for acc in plan.accounts:
        fields = (
            ("display_name", acc.display_name),
            ("bio", acc.bio),
            ("links", "\n".join(f"{label} {url}" for label, url in acc.links)),
        )
        for name, value in fields:
            if value:
                out.append(
                    Item(
                        value,
                        f"profile.{name}",
                        acc.locale,
                        acc.platform,
                        plan.playbook.profile_template,
                        profile=True,
                        at=plan.event.confirmed_at,
                    )
                )
    for post in plan.posts:
        spec = specs.get(post.message)
        solemn = post.message in policy.solemn_messages or (
            spec is not None and spec.tone == "solemn"
        )
        if spec is not None:
            template = spec.template
        elif post.message == INTRO_MESSAGE:  # the profile template's pinned_intro block
            template = plan.playbook.profile_template
        else:
            template = f"messages/{plan.playbook.id}/{post.message}.j2"
        out.append(
            Item(
                post.text,
                post.message,
                post.locale,
                post.platform,
                template,
                post_key=post.key,
                at=post.at,
                occurrence=post.occurrence,
                part=post.part,
                parts=post.parts,
                solemn=solemn,
            )
        )
    return out


def is_english(locale: str) -> bool:
    return locale.replace("-", "_").split("_")[0] == "en"


def data_pattern(plan: Plan) -> regex.Pattern[str]:
    """Strings that come from facts and mission data: the same in every locale by nature."""
    m = plan.mission
    strings = {
        m.city,
        m.id,
        *m.names.values(),
        *m.city_names.values(),
        *(str(v) for v in plan.event.facts.values() if isinstance(v, str)),
    }
    strings = {s for s in strings if s and s.strip()}
    if not strings:
        return regex.compile(r"(?!x)x")
    alts = []
    for s in sorted(strings, key=len, reverse=True):
        # whole words only: the fact "x" (a platform) is not inside "Exampleland"
        head = r"\b" if regex.match(r"\w", s) else ""
        tail = r"\b" if regex.search(r"\w$", s) else ""
        alts.append(f"{head}{regex.escape(s)}{tail}")
    return regex.compile("(?w)(?:" + "|".join(alts) + ")")
