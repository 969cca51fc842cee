"""Cheap plans for guardrail tests, built straight from the dataclasses of launcher.models."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from launcher.guardrails import Finding, Policy, lint_plan
from launcher.models import (
    Contacts,
    Event,
    MessageSpec,
    Mission,
    Plan,
    PlannedAccount,
    PlannedPost,
    Playbook,
    Schedule,
)

NOW = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)
HOSTS = ("example.org", "www.example.org", "help.example.org", "tokyo.example.org")

MISSION = Mission(
    id="tokyo",
    city="Tokyo",
    country="JP",
    timezone="Asia/Tokyo",
    languages=("ja", "ar", "th", "uk", "es", "it"),
    names={
        "ja": "駐日エグザンプルランド大使館",
        "en": "Embassy of Exampleland in Tokyo",
        "fr": "Ambassade d'Exampleland à Tokyo",
        "ar": "سفارة إكزامبلاند في طوكيو",
        "th": "สถานเอกอัครราชทูตเอ็กแซมเปิลแลนด์",
        "uk": "Посольство Екзамплленду",
        "es": "Embajada de Exampleland",
        "it": "Ambasciata di Exampleland",
    },
    city_names={"ja": "東京", "en": "Tokyo", "fr": "Tokyo"},
    contacts=Contacts(
        emergency_phone="+44 20 7946 0160",
        phone="+44 20 7946 0161",
        email="tokyo@example.org",
        website="https://tokyo.example.org",
        registration_url="https://help.example.org/register/tokyo",
    ),
    slug="tokyo",
)


def post(
    text: str,
    *,
    message: str = "news",
    locale: str = "en",
    platform: str = "mastodon",
    at: datetime | None = None,
    occurrence: int = 1,
    part: int = 1,
    parts: int = 1,
) -> PlannedPost:
    key = f"{message}#{occurrence}/{platform}/{locale}" + (f"#p{part}" if parts > 1 else "")
    return PlannedPost(
        key, message, platform, locale, text, at or NOW, len(text), 500, occurrence, part, parts
    )


def plan(
    posts: Iterable[PlannedPost],
    *,
    facts: dict[str, Any] | None = None,
    tones: dict[str, str] | None = None,
    accounts: Iterable[PlannedAccount] = (),
) -> Plan:
    posts = tuple(posts)
    tones = tones or {}
    ids = list(dict.fromkeys(p.message for p in posts))
    messages = tuple(
        MessageSpec(
            id=mid,
            template=f"messages/test/{mid}.j2",
            schedule=Schedule(),
            tone=tones.get(mid, "neutral"),
        )
        for mid in ids
    )
    playbook = Playbook(
        id="test",
        kind="earthquake",
        title="Test",
        description="",
        version=1,
        parameters=(),
        platforms=("mastodon", "x"),
        profile_template="profiles/crisis.j2",
        messages=messages,
    )
    locales = tuple(dict.fromkeys(p.locale for p in posts))
    return Plan(
        playbook,
        MISSION,
        Event("earthquake", dict(facts or {}), NOW),
        locales,
        tuple(accounts),
        posts,
    )


def lint(
    posts: Iterable[PlannedPost] | Plan, policy: Policy | None = None, **kw: Any
) -> list[Finding]:
    """Findings for ``posts`` (or a plan) under ``policy`` (default: built-in defaults)."""
    p = posts if isinstance(posts, Plan) else plan(posts, **kw)
    return lint_plan(p, policy or Policy(), link_hosts=HOSTS)


def rules(findings: Iterable[Finding]) -> list[str]:
    return [f.rule for f in findings]


def only(findings: Iterable[Finding], rule: str) -> list[Finding]:
    return [f for f in findings if f.rule == rule]


HOUR = timedelta(hours=1)


def policy_for(rule: str, **kw: Any) -> Policy:
    """A policy running ``rule`` alone (as an error), with settings ``kw``."""
    from launcher.guardrails import RULES

    severities = {r: "off" for r in RULES}
    severities[rule] = "error"
    return Policy(severities=severities, **kw)
