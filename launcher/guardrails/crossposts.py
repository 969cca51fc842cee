"""The guardrail rules that compare posts: repeated text, untranslated English."""

from __future__ import annotations

import difflib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import timedelta

from ..errors import Problem
from ..models import Plan
from . import text
from .findings import Ctx, EnglishKey, Finding, Item, edit_hint, is_english
from .policy import POLICY_FILE


def repeated(ctx: Ctx, items: list[Item]) -> Iterable[Finding]:
    window = ctx.policy.repeat_window
    by_account: dict[tuple[str, str], list[Item]] = defaultdict(list)
    for item in items:
        if not item.profile and item.at is not None:
            by_account[(item.platform, item.locale)].append(item)
    for posts in by_account.values():
        last: dict[str, Item] = {}
        for item in sorted(posts, key=lambda i: (i.at, i.part)):
            key = " ".join(item.text.split())
            prev = last.get(key)
            if prev is not None and prev.at is not None and item.at - prev.at < window:
                gap = item.at - prev.at
                hours = gap.total_seconds() / 3600
                yield ctx.finding(
                    "repeated-text",
                    item,
                    f"the same text goes to the same account twice within {_dur(window)} "
                    f"({prev.post_key}, then {item.post_key} {hours:g}h later): "
                    f'"{text.short(item.text)}"',
                    f"make each post differ (e.g. add {{{{ update_number }}}} or "
                    f"{{{{ at|time }}}} to templates/{item.template}) or space the sends more "
                    f"than {_dur(window)} apart (repeat_window in {POLICY_FILE}); platforms "
                    "such as X refuse duplicates",
                    text.short(item.text),
                )
            last[key] = item


def repeated_across_launches(
    plan: Plan, earlier: Iterable[Mapping[str, object]], window: timedelta
) -> list[Problem]:
    """Posts of this plan whose text an earlier launch already sends to the same account
    (same mission, platform, locale) within ``window`` of it: warnings, since a launch run
    again on purpose (``run --again``) repeats its texts by design, but a reader sees the
    same words twice and platforms such as X refuse the duplicate."""
    seen: dict[tuple[str, str, str], list[Mapping[str, object]]] = defaultdict(list)
    for row in earlier:
        key = (str(row["platform"]), str(row["locale"]), " ".join(str(row["text"]).split()))
        seen[key].append(row)
    out: list[Problem] = []
    for post in plan.posts:
        rows = seen.get((post.platform, post.locale, " ".join(post.text.split())), ())
        at = post.at.timestamp()
        near = [r for r in rows if abs(float(r["at"]) - at) < window.total_seconds()]  # type: ignore[arg-type]
        if not near:
            continue
        first = near[0]
        out.append(
            Problem(
                f"repeated-text: the same text already goes to this account in launch "
                f"{first['launch']} ({first['key']}, {first['state']}): "
                f'"{text.short(post.text)}"',
                field=f"{post.key}",
                hint="a reader sees it twice and X refuses duplicates; if this is a new "
                "event, give its facts (--set), else halt or retract the earlier launch",
            )
        )
    return out


def _dur(td) -> str:
    secs = int(td.total_seconds())
    units = (("h", 3600), ("m", 60)) if secs <= 172800 else (("d", 86400), ("h", 3600))
    for unit, n in (*units, ("m", 60)):
        if secs and secs % n == 0:
            return f"{secs // n}{unit}"
    return f"{secs}s"


def english_sources(plan: Plan) -> dict[EnglishKey, str]:
    """(message, occurrence, platform, part) -> English text, from the plan's en posts."""
    out: dict[EnglishKey, str] = {}
    for post in plan.posts:
        if is_english(post.locale):
            out[(post.message, post.occurrence, post.platform, post.part)] = post.text
    for acc in plan.accounts:
        if is_english(acc.locale):
            for name, value in (
                ("display_name", acc.display_name),
                ("bio", acc.bio),
                ("links", "\n".join(f"{label} {url}" for label, url in acc.links)),
            ):
                out[(f"profile.{name}", 0, acc.platform, 1)] = value
    return out


def _tokens(ctx: Ctx, value: str, marker: str) -> list[str]:
    """Words of ``value``; data (facts, names, links) becomes a marker that matches nothing."""
    out: list[str] = []
    body = text.blank_tags(value)
    pieces = ctx.data.split(body)
    for i, piece in enumerate(pieces):
        if i:
            out.append(f"{marker}{i}")
        out.extend(text.words(piece))
    return out


def _runs(tokens: list[str], n: int) -> set[tuple[str, ...]]:
    """Every run of ``n`` consecutive tokens (a cheap test before the longest-match search)."""
    n = max(1, n)
    return {tuple(tokens[i : i + n]) for i in range(len(tokens) - n + 1)}


def untranslated(
    ctx: Ctx, items: list[Item], english: Mapping[EnglishKey, str]
) -> Iterable[Finding]:
    joined: dict[tuple[str, int, str], str] = defaultdict(str)
    for (msg, occ, platform, _part), value in sorted(english.items()):
        joined[(msg, occ, platform)] += "\n" + value
    min_words = ctx.policy.untranslated_min_words
    english_tokens: dict[str, tuple[list[str], set[tuple[str, ...]]]] = {}
    for item in items:
        if is_english(item.locale):
            continue
        source = english.get(item.english_key)
        whole = joined.get((item.message_id, item.occurrence, item.platform))
        if source is None and whole is None:
            continue
        mine = _tokens(ctx, item.text, "\x02")
        same = source is not None and " ".join(item.text.split()) == " ".join(source.split())
        if same and len([w for w in mine if not w.startswith("\x02")]) >= 2:
            yield ctx.finding(
                "untranslated-english",
                item,
                f'the {item.locale} text is the English text: "{text.short(item.text)}"',
                f"translate it in {edit_hint(item)} (and check the msgid is not marked "
                "translated with the English copied in)",
                text.short(item.text),
            )
            continue
        ref = whole or source or ""
        if ref not in english_tokens:
            theirs_ = _tokens(ctx, ref, "\x01")
            english_tokens[ref] = (theirs_, _runs(theirs_, min_words))
        theirs, their_runs = english_tokens[ref]
        if not (_runs(mine, min_words) & their_runs):  # no shared run: nothing to measure
            continue
        sm = difflib.SequenceMatcher(None, mine, theirs, autojunk=False)
        match = sm.find_longest_match(0, len(mine), 0, len(theirs))
        if match.size >= min_words:
            run = " ".join(mine[match.a : match.a + match.size])
            yield ctx.finding(
                "untranslated-english",
                item,
                f'{match.size} words in a row are the English text: "{text.short(run)}"',
                f"translate the whole text in {edit_hint(item)}; names and links are fine, "
                "sentences are not",
                run,
            )
