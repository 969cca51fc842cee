"""A launch as one self-contained HTML page, for communications staff to review visually.

Pure: :func:`render_preview` turns a :class:`~launcher.models.Plan` into an HTML string and
touches nothing else (``launcher preview`` writes it). The page needs no network to be
viewed: CSS and the one small script are inline, there are no fonts, images or scripts from
elsewhere, and a Content-Security-Policy forbids every load. It shows:

- a header: playbook, mission, the event's facts, the confirmation time in the mission's time
  zone, skipped platforms and the guardrail warnings;
- every account's profile card, styled after its platform;
- every post as a card (name, handle, local send time, text with its links, thread part,
  pin, length against the platform's limit with a bar, the warnings that concern it),
  grouped by local day and send time along a timeline in the mission's time zone;
- a switch between locales and platforms (the script filters cards; without it, or before
  it runs, everything is shown).

Every text from content or facts is escaped by the template's autoescaping (a fact holding
``<script>`` is shown, never executed); links are built from text segments, never by marking
text safe. Each card carries ``lang`` and an explicit ``dir`` (``rtl`` for Arabic, ...).
The page is byte-identical for the same plan.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from importlib import resources
from itertools import groupby
from typing import Any
from zoneinfo import ZoneInfo

import regex
from markupsafe import Markup

from .. import __version__
from ..content.bidi import marker, reveal, stray
from ..content.i18n import is_rtl
from ..models import Plan, PlannedAccount, PlannedPost
from ..plan.build import PLATFORM_NAMES, PROFILE_LIMITS

__all__ = ["NEAR_LIMIT", "Segment", "render_preview", "segments", "summary_line"]

#: a post using this share of its platform's limit or more is flagged "near the limit"
NEAR_LIMIT = 0.9

_ASSETS = "assets"

# What a platform turns into a link or highlights. URLs: http(s) only, ASCII only (text
# written right after a URL in Arabic or Japanese is not part of it), without trailing
# punctuation; the same shape textrules counts.
_TOKENS = regex.compile(
    r"""(?P<link>https?://[\x21-\x7e]+?(?=[.,:;!?'")\]]*(?:[^\x21-\x7e]|$)))"""
    r"|(?P<mention>(?<![\w@/.])@[A-Za-z0-9_]+(?:@[A-Za-z0-9.-]*[A-Za-z0-9])?)"
    r"|(?P<tag>(?<![\w&#/])#(?=\w*[^\W\d_])\w+)",
    regex.IGNORECASE,
)
_WORD = regex.compile(r"\p{L}[\p{L}\p{M}]*")
_GRAPHEME = regex.compile(r"\X")


@dataclass(frozen=True)
class Segment:
    """A run of post text: plain ``text``, a ``link`` (with ``href``), a ``mention``, a
    ``tag``. The template escapes each one; only ``link`` becomes an element with a URL."""

    kind: str
    text: str
    href: str = ""


def segments(text: str, *, rtl: bool = False) -> list[Segment]:
    """``text`` cut into plain runs, links, mentions and hashtags, in order, losing nothing.

    A direction control that is not launcher's own isolate (:func:`launcher.content.bidi.stray`) is
    a ``bidi`` segment: the page shows it as a visible marker such as ``⟨U+202E⟩`` instead of
    letting it reorder the text (``rtl``: the text is in a right-to-left locale)."""
    out: list[Segment] = []
    pos = 0
    controls = stray(text, rtl=rtl)

    def plain(a: int, b: int) -> None:
        for i in (c for c in controls if a <= c < b):
            if i > a:
                out.append(Segment("text", text[a:i]))
            out.append(Segment("bidi", marker(text[i])))
            a = i + 1
        if b > a:
            out.append(Segment("text", text[a:b]))

    for m in _TOKENS.finditer(text):
        if m.start() > pos:
            plain(pos, m.start())
        kind = m.lastgroup or "text"
        out.append(Segment(kind, m.group(), m.group() if kind == "link" else ""))
        pos = m.end()
    if pos < len(text):
        plain(pos, len(text))
    return out


def _http(url: str) -> str:
    """``url`` if it is an http(s) URL fit for an href, else "" (shown as text only)."""
    return url if regex.fullmatch(r"https?://[\x21-\x7e]+", url, regex.IGNORECASE) else ""


# -- the page's data ----------------------------------------------------------------------


@dataclass(frozen=True)
class Lang:
    code: str
    lang: str  # BCP 47, for the lang attribute
    dir: str  # "rtl" | "ltr"
    name: str  # in English
    native: str  # in the language itself


@dataclass(frozen=True)
class Who:
    """The account a card is shown as."""

    platform: str
    platform_name: str
    display_name: str
    handle: str
    initials: str


@dataclass(frozen=True)
class PostCard:
    post: PlannedPost
    who: Who
    lang: Lang
    time: str  # local, e.g. 14:30
    text: list[Segment]
    percent: int  # of the limit, for the bar (capped at 100)
    level: str  # ok | near | over
    notes: list[str]


@dataclass(frozen=True)
class MessageGroup:
    message: str
    occurrence: int
    total: int  # occurrences of this message in the plan
    tone: str
    pin: bool
    thread: bool
    cards: list[PostCard]


@dataclass(frozen=True)
class Slot:
    """One send time."""

    time: str  # local, e.g. 14:30
    offset: str  # UTC+03:00
    utc: str
    after: str  # after the confirmation, e.g. +3 h
    groups: list[MessageGroup]

    @property
    def count(self) -> int:
        return sum(len(g.cards) for g in self.groups)


@dataclass(frozen=True)
class Day:
    label: str
    slots: list[Slot]


@dataclass(frozen=True)
class ProfileCard:
    account: PlannedAccount
    who: Who
    lang: Lang
    bio: list[Segment]
    links: list[tuple[str, str, str]]  # (label, url, href or "")
    lengths: list[str]
    notes: list[str]


@dataclass(frozen=True)
class Page:
    plan: Plan
    title: str
    version: str
    zone: str
    confirmed_local: str
    confirmed_utc: str
    facts: list[tuple[str, str]]
    langs: list[Lang]
    platforms: list[tuple[str, str]]
    skipped: list[str]
    warnings: list[str]
    profiles: list[tuple[str, str, list[ProfileCard]]]  # (platform, name, cards)
    days: list[Day]
    send_times: int
    near_limit: int
    style: Markup
    script: Markup
    csp: str
    counts: dict[str, int]  # accounts, posts


def render_preview(plan: Plan) -> str:
    """The whole page for ``plan``, as one HTML document."""
    return _template().render(page=page_data(plan))


def page_data(plan: Plan) -> Page:
    """What the template shows, computed once in Python (the template only lays it out)."""
    zone = ZoneInfo(plan.mission.timezone)
    confirmed = plan.event.confirmed_at.astimezone(zone)
    langs = {loc: _lang(loc) for loc in plan.locales}
    accounts = {(a.platform, a.locale): a for a in plan.accounts}
    platforms = _platforms(plan)
    findings = list(plan.findings)

    cards = [_post_card(plan, p, accounts, langs, zone, findings) for p in plan.posts]
    style, script = _assets()
    pb, m = plan.playbook, plan.mission
    return Page(
        plan=plan,
        title=f"Preview: {pb.id} for {m.id}",
        version=__version__,
        zone=f"{m.timezone}, {_offset(confirmed)} ({confirmed:%Z})",
        confirmed_local=f"{confirmed:%a %d %b %Y %H:%M} {_offset(confirmed)}",
        confirmed_utc=_utc(plan.event.confirmed_at),
        facts=[(k, _fact(v, zone)) for k, v in plan.event.facts.items()],
        langs=list(langs.values()),
        platforms=[(p, PLATFORM_NAMES.get(p, p)) for p in platforms],
        skipped=[PLATFORM_NAMES.get(p, p) for p in plan.skipped_platforms],
        warnings=[str(w) for w in plan.warnings]
        + [f"{f}: outside its declared bounds (needs a second person)" for f in plan.out_of_bounds],
        profiles=_profiles(plan, langs, findings),
        days=_timeline(plan, cards, zone),
        send_times=len({p.at for p in plan.posts}),
        near_limit=sum(1 for c in cards if c.level != "ok"),
        style=Markup(style),
        script=Markup(script),
        csp=_csp(script),
        counts={"accounts": len(plan.accounts), "posts": len(plan.posts)},
    )


def summary_line(plan: Plan) -> str:
    """One line for the terminal: what the page holds."""
    near = sum(1 for p in plan.posts if _level(p) != "ok")
    platforms = _platforms(plan)
    times = len({p.at for p in plan.posts})
    return (
        f"{len(plan.accounts)} accounts, {len(plan.posts)} posts at {times} send times;"
        f" locales {', '.join(plan.locales)}; platforms {', '.join(platforms)};"
        f" {_n(len(plan.warnings), 'warning')}, {_n(near, 'post')} near a limit"
        + (f"; skipped {', '.join(plan.skipped_platforms)}" if plan.skipped_platforms else "")
    )


# -- pieces -------------------------------------------------------------------------------


def _platforms(plan: Plan) -> list[str]:
    """The plan's platforms in its order: those with accounts, then any only posted to."""
    return list(
        dict.fromkeys([*(a.platform for a in plan.accounts), *(p.platform for p in plan.posts)])
    )


def _post_card(
    plan: Plan,
    post: PlannedPost,
    accounts: dict[tuple[str, str], PlannedAccount],
    langs: dict[str, Lang],
    zone: ZoneInfo,
    findings: Sequence[Any],
) -> PostCard:
    notes = [_finding(f) for f in findings if getattr(f, "post_key", None) == post.key]
    level = _level(post)
    rule_name = PLATFORM_NAMES.get(post.platform, post.platform)
    share = round(100 * post.length / post.limit) if post.limit else 0
    if level == "over":
        notes.append(f"over {rule_name}'s limit: {post.length} of {post.limit}")
    elif level == "near":
        notes.append(f"near {rule_name}'s limit: {share}% ({post.length} of {post.limit})")
    return PostCard(
        post=post,
        who=_who(post.platform, accounts.get((post.platform, post.locale)), plan),
        lang=langs.get(post.locale) or _lang(post.locale),
        time=f"{post.at.astimezone(zone):%H:%M}",
        text=segments(post.text, rtl=is_rtl(post.locale)),
        percent=min(100, share),
        level=level,
        notes=notes,
    )


def _level(post: PlannedPost) -> str:
    if post.limit and post.length > post.limit:
        return "over"
    if post.limit and post.length >= NEAR_LIMIT * post.limit:
        return "near"
    return "ok"


def _timeline(plan: Plan, cards: list[PostCard], zone: ZoneInfo) -> list[Day]:
    specs = {m.id: m for m in plan.playbook.messages}
    totals: dict[str, int] = {}
    for p in plan.posts:
        totals[p.message] = max(totals.get(p.message, 0), p.occurrence)
    confirmed = plan.event.confirmed_at
    days: list[Day] = []
    ordered = sorted(cards, key=lambda c: c.post.at)  # stable: the plan's order within a time
    for day, day_cards in groupby(ordered, key=lambda c: c.post.at.astimezone(zone).date()):
        slots = []
        for at, slot_cards in groupby(day_cards, key=lambda c: c.post.at):
            local = at.astimezone(zone)
            groups: dict[tuple[str, int], list[PostCard]] = {}
            for c in slot_cards:
                groups.setdefault((c.post.message, c.post.occurrence), []).append(c)
            slots.append(
                Slot(
                    time=f"{local:%H:%M}",
                    offset=_offset(local),
                    utc=_utc(at),
                    after=_after(at - confirmed),
                    groups=[
                        MessageGroup(
                            message=message,
                            occurrence=occ,
                            total=totals.get(message, 1),
                            tone=specs[message].tone if message in specs else "neutral",
                            pin=any(c.post.pin for c in group),
                            thread=any(c.post.parts > 1 for c in group),
                            cards=group,
                        )
                        for (message, occ), group in groups.items()
                    ],
                )
            )
        days.append(Day(label=f"{day:%A %d %B %Y}", slots=slots))
    return days


def _profiles(
    plan: Plan, langs: dict[str, Lang], findings: Sequence[Any]
) -> list[tuple[str, str, list[ProfileCard]]]:
    out: list[tuple[str, str, list[ProfileCard]]] = []
    for platform, accounts in groupby(plan.accounts, key=lambda a: a.platform):
        cards = []
        for a in accounts:
            name_limit, bio_limit = PROFILE_LIMITS.get(a.platform, (0, 0))
            lengths = [
                f"name {_graphemes(a.display_name)}/{name_limit}",
                f"bio {_graphemes(a.bio)}/{bio_limit}",
            ]
            notes = [
                _finding(f)
                for f in findings
                if str(getattr(f, "message_id", "") or "").startswith("profile.")
                and getattr(f, "locale", None) == a.locale
                and getattr(f, "platform", None) == a.platform
            ]
            cards.append(
                ProfileCard(
                    account=a,
                    who=_who(a.platform, a, plan),
                    lang=langs.get(a.locale) or _lang(a.locale),
                    bio=segments(a.bio, rtl=is_rtl(a.locale)),
                    links=[(label, url, _http(url)) for label, url in a.links],
                    lengths=lengths,
                    notes=notes,
                )
            )
        out.append((platform, PLATFORM_NAMES.get(platform, platform), cards))
    return out


def _who(platform: str, account: PlannedAccount | None, plan: Plan) -> Who:
    name = account.display_name if account else plan.mission.names.get("en", plan.mission.id)
    handle = account.handle if account else ""
    return Who(
        platform=platform,
        platform_name=PLATFORM_NAMES.get(platform, platform),
        display_name=name,
        handle=_handle(platform, handle),
        initials=_initials(name),
    )


def _handle(platform: str, handle: str) -> str:
    """The handle the way the platform shows it."""
    if not handle:
        return ""
    if platform == "facebook":
        return f"facebook.com/{handle}"
    if platform == "telegram":
        return f"t.me/{handle}"
    return f"@{handle}"


def _initials(name: str) -> str:
    words = _WORD.findall(name)
    if not words:
        return "?"
    picked = [words[0], words[-1]] if len(words) > 1 else [words[0]]
    return "".join(_GRAPHEME.match(w).group() for w in picked).upper()  # type: ignore[union-attr]


def _graphemes(text: str) -> int:
    return len(_GRAPHEME.findall(text))


def _finding(f: Any) -> str:
    rule = getattr(f, "rule", "")
    message = getattr(f, "message", str(f))
    hint = getattr(f, "hint", "")
    text = f"{rule}: {message}" if rule else message
    return f"{text} (fix: {hint})" if hint else text


@cache
def _lang(locale: str) -> Lang:
    from babel import Locale, UnknownLocaleError

    try:
        loc = Locale.parse(locale)
        name = loc.get_display_name("en") or locale
        native = loc.get_display_name(loc) or locale
    except (UnknownLocaleError, ValueError):
        name = native = locale
    return Lang(
        code=locale,
        lang=locale.replace("_", "-"),
        dir="rtl" if is_rtl(locale) else "ltr",
        name=name,
        native=native,
    )


def _fact(value: Any, zone: ZoneInfo) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        local = value.astimezone(zone)
        return f"{local:%a %d %b %Y %H:%M} {_offset(local)} ({_utc(value)})"
    return reveal(str(value), rtl=False)  # a fact's direction controls are shown, not applied


def _offset(dt: datetime) -> str:
    z = dt.strftime("%z")  # +0300
    return f"UTC{z[:3]}:{z[3:]}" if z else "UTC"


def _utc(dt: datetime) -> str:
    from ..plan.view import iso

    return iso(dt)


def _after(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes <= 0:
        return "at once"
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    parts = [(days, "d"), (hours, "h"), (mins, "min")]
    return "+" + " ".join(f"{n} {unit}" for n, unit in parts if n)


def _n(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# -- the template and its assets ----------------------------------------------------------


def _read(name: str) -> str:
    return resources.files("launcher.preview").joinpath(_ASSETS, name).read_text(encoding="utf-8")


@cache
def _assets() -> tuple[str, str]:
    return _read("style.css"), _read("filter.js")


def _csp(script: str) -> str:
    """No loads of any kind: inline styles, the one inline script by its hash, data: images."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    return (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:;"
        f" script-src 'sha256-{digest}'; base-uri 'none'; form-action 'none'"
    )


@cache
def _template():
    from jinja2 import Environment, StrictUndefined

    env = Environment(
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env.from_string(_read("page.html.j2"))
