"""The preview page as HTML: escaped facts, lang and dir on every card, links built from
segments, line breaks kept, nothing loaded from anywhere, warnings next to their posts."""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from launcher.plan.build import build_plan
from launcher.preview.page import Segment, render_preview, segments, summary_line
from tests.conftest import REPO

from .pages import Element, parse

AT = datetime(2026, 5, 22, 8, 30, tzinfo=UTC)  # 11:30 in Beirut (UTC+03:00)
SCRIPT_FACT = "<script>window.__pwned=1</script>Bekaa"


def mini_plan(root: Path, region: str = SCRIPT_FACT, **facts: str):
    return build_plan(
        "quake", "beirut", {"region": region, "magnitude": "5.8", **facts}, now=AT, root=root
    )


@pytest.fixture
def page(mini_root: Path) -> tuple[str, Element]:
    plan = mini_plan(mini_root)
    html = render_preview(plan)
    return html, parse(html)


def posts(doc: Element) -> list[Element]:
    return doc.find_all("article", "post")


def test_segments_keep_every_character_and_find_links_mentions_and_tags() -> None:
    text = (
        "Register: https://help.example.org/register/beirut. Ask @exl_rome_it or "
        "rome@example.org #Earthquake2026 #1\nNext line"
    )
    segs = segments(text)
    assert "".join(s.text for s in segs) == text
    url = "https://help.example.org/register/beirut"
    assert Segment("link", url, url) in segs
    assert Segment("mention", "@exl_rome_it") in segs
    assert Segment("tag", "#Earthquake2026") in segs
    assert not any(s.kind != "text" and "example.org" in s.text and "@" in s.text for s in segs)
    assert not any(s.text == "#1" and s.kind == "tag" for s in segs)  # a number, not a tag


def test_a_link_in_right_to_left_text_stops_at_the_isolate() -> None:
    segs = segments("أبلغونا: \u2066https://help.example.org/register/beirut\u2069.")
    links = [s for s in segs if s.kind == "link"]
    assert [s.href for s in links] == ["https://help.example.org/register/beirut"]


def test_a_fact_with_a_script_tag_is_shown_as_text_never_as_markup(page) -> None:
    html, doc = page
    assert "<script>window" not in html
    assert "&lt;script&gt;window.__pwned=1&lt;/script&gt;Bekaa" in html
    scripts = doc.find_all("script")
    assert len(scripts) == 1 and "__pwned" not in scripts[0].text()
    fact = doc.find("td", "fact")
    assert fact.text() == SCRIPT_FACT
    assert any(SCRIPT_FACT in p.find("p", "text").text() for p in posts(doc))


def test_every_card_carries_lang_and_an_explicit_direction(page) -> None:
    _, doc = page
    cards = doc.find_all("article")
    assert len(cards) == 9 + 45  # 3 platforms x 3 locales; the fixture plan's posts
    for card in cards:
        locale = card.attrs["data-locale"]
        assert card.attrs["lang"] == locale
        assert card.attrs["dir"] == ("rtl" if locale == "ar" else "ltr")
    assert {c.attrs["data-locale"] for c in cards} == {"ar", "fr", "en"}
    html = doc.find("html")
    assert html.attrs["lang"] == "en" and html.attrs["dir"] == "ltr"


def test_one_card_per_post_with_name_handle_time_length_and_limit(mini_root: Path) -> None:
    plan = mini_plan(mini_root, region="Bekaa")
    doc = parse(render_preview(plan))
    cards = posts(doc)
    assert [c.attrs["data-key"] for c in cards] == [p.key for p in plan.posts]
    first, post = cards[0], plan.posts[0]
    assert first.attrs["data-platform"] == post.platform == "mastodon"
    assert first.find(cls="name").text() == "سفارة تستلاند في بيروت"
    assert first.find(cls="handle").text() == "@tl_beirut_ar"
    assert first.find("time").text() == "11:30"
    assert first.find(cls="len").text() == f"{post.length}/{post.limit}"
    bar = first.find(cls="bar").find("span")
    assert bar.attrs["style"] == f"width: {round(100 * post.length / post.limit)}%"
    assert first.find(cls="pinned") is not None and post.pin
    x_card = next(c for c in cards if c.attrs["data-platform"] == "x")
    assert x_card.find(cls="handle").text() == "@tl_beirut_ar"
    bsky = next(c for c in cards if c.attrs["data-platform"] == "bluesky")
    assert bsky.find(cls="handle").text() == "@tl-beirut-ar.example.org"


def test_line_breaks_are_kept(mini_root: Path) -> None:
    plan = mini_plan(mini_root, region="Bekaa")
    html = render_preview(plan)
    doc = parse(html)
    texts = [c.find("p", "text").text() for c in posts(doc)]
    assert texts == [p.text for p in plan.posts]
    assert any("\n" in t for t in texts)
    assert "white-space: pre-wrap" in doc.find("style").text()


def test_links_in_posts_and_profiles_are_anchors_to_the_same_url(mini_root: Path) -> None:
    doc = parse(render_preview(mini_plan(mini_root, region="Bekaa")))
    update = next(c for c in posts(doc) if c.attrs["data-key"].startswith("update#1/mastodon/ar"))
    link = update.find("a")
    assert link.attrs["href"] == link.text() == "https://help.example.org/register/beirut"
    assert link.attrs["dir"] == "ltr" and "noopener" in link.attrs["rel"]
    profile = doc.find("article", "profile")
    assert profile.find("a").attrs["href"] == "https://help.example.org/register/beirut"


def test_the_page_loads_nothing_from_anywhere(page) -> None:
    html, doc = page
    assert "<link" not in html and "@import" not in html and "url(" not in html
    assert not re.search(r"""\ssrc\s*=""", html, re.IGNORECASE)
    for el in doc.iter():
        if "href" in el.attrs:
            assert el.tag == "a" and el.attrs["href"].startswith("https://"), el
        for name, value in el.attrs.items():
            assert not value.strip().lower().startswith("javascript:"), (name, value)
    meta = next(m for m in doc.find_all("meta") if m.attrs.get("http-equiv"))
    policy = meta.attrs["content"]
    assert "default-src 'none'" in policy
    script = doc.find("script").text()
    digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
    assert f"script-src 'sha256-{digest}'" in policy


def test_header_shows_mission_zone_offset_facts_and_confirmation(page) -> None:
    _, doc = page
    summary = doc.find("dl", "summary").text()
    assert "Asia/Beirut, UTC+03:00 (EEST)" in summary
    assert "Fri 22 May 2026 11:30 UTC+03:00" in summary and "2026-05-22T08:30:00Z" in summary
    rows = doc.find("section", "facts").find_all("tr")
    facts = {tr.find("th").text(): tr.find("td").text() for tr in rows}
    assert facts["magnitude"] == "5.8" and facts["deaths"] == "—"


def test_timeline_groups_posts_by_local_day_and_send_time(mini_root: Path) -> None:
    plan = mini_plan(mini_root, region="Bekaa")
    doc = parse(render_preview(plan))
    days = doc.find_all("section", "day")
    assert [d.find("h3").text() for d in days] == ["Friday 22 May 2026", "Saturday 23 May 2026"]
    slots = doc.find_all("section", "slot")
    assert len(slots) == len({p.at for p in plan.posts})
    heads = [s.find("h4").text() for s in slots]
    assert heads[0].startswith("11:30 UTC+03:00 · at once · 18 posts")  # intros, condolences
    assert heads[1].startswith("14:30 UTC+03:00 · +3 h")
    assert sum(len(s.find_all("article")) for s in slots) == len(plan.posts)


def test_the_switch_lists_every_locale_and_platform_and_is_hidden_without_script(page) -> None:
    _, doc = page
    nav = doc.find("nav", "switch")
    assert "hidden" in nav.attrs  # the script shows it; without it every card is shown
    values = {(b.attrs["data-filter"], b.attrs["data-value"]) for b in nav.find_all("button")}
    assert values == {
        ("locale", ""), ("locale", "ar"), ("locale", "fr"), ("locale", "en"),
        ("platform", ""), ("platform", "mastodon"), ("platform", "x"), ("platform", "bluesky"),
    }  # fmt: skip
    assert not any("hidden" in a.attrs for a in doc.find_all("article"))


def test_guardrail_warnings_sit_on_the_posts_they_concern(mini_root: Path) -> None:
    po = mini_root / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
    po.write_text(
        po.read_text(encoding="utf-8").replace(
            'msgstr "Ligne d\'urgence : %(phone)s"', 'msgstr "Ligne d\'urgence !! : %(phone)s"'
        ),
        encoding="utf-8",
    )
    plan = mini_plan(mini_root, region="Bekaa")
    assert plan.warnings and plan.findings
    doc = parse(render_preview(plan))
    flagged = {c.attrs["data-key"] for c in posts(doc) if c.find_all("ul", "notes")}
    # the line is in the condolences and in the intro (the profile's pinned_intro block)
    assert flagged == {
        f"{m}#1/{p}/fr" for m in ("condolences", "intro") for p in ("mastodon", "x", "bluesky")
    }
    card = next(c for c in posts(doc) if c.attrs["data-key"] == "condolences#1/x/fr")
    assert "exclamations" in card.find("ul", "notes").text()
    assert "exclamations" in doc.find("section", "warnings").text()


def test_posts_near_the_limit_are_flagged(shipped_root: Path) -> None:
    plan = build_plan(
        "earthquake", "beirut", {"region": "Bekaa", "magnitude": "5.8"}, now=AT, root=shipped_root
    )
    near = {p.key for p in plan.posts if p.length >= 0.9 * p.limit}
    assert near, "the shipped Beirut plan has posts near X's limit"
    doc = parse(render_preview(plan))
    flagged = {c.attrs["data-key"] for c in posts(doc) if "level-near" in c.classes}
    assert flagged == near
    card = next(c for c in posts(doc) if c.attrs["data-key"] in near)
    assert "near X's limit" in card.find("ul", "notes").text()
    assert f"{len(near)} posts near a limit" in summary_line(plan)


def test_profiles_show_name_handle_bio_links_and_lengths(mini_root: Path) -> None:
    plan = mini_plan(mini_root, region="Bekaa")
    doc = parse(render_preview(plan))
    cards = doc.find_all("article", "profile")
    assert len(cards) == len(plan.accounts)
    for card, account in zip(cards, plan.accounts, strict=True):
        assert card.find(cls="name").text() == account.display_name
        assert card.find(cls="bio").text() == account.bio
        assert [a.attrs["href"] for a in card.find("ul", "links").find_all("a")] == [
            url for _, url in account.links
        ]
        assert card.find_all(cls="intro") == []  # the intro is a post: see the next test
        assert f"bio {len(account.bio)}/" in card.find("footer").text()


def test_the_intro_is_each_account_s_first_post_pinned_where_it_can_stay(mini_root) -> None:
    """The profile's pinned_intro block: a post card per account in the first slot, with the
    pinned mark on Mastodon (several pins) only: X cannot pin, Bluesky keeps the
    condolences, the playbook's own pinned message."""
    plan = mini_plan(mini_root, region="Bekaa")
    doc = parse(render_preview(plan))
    first = doc.find_all("section", "slot")[0]
    intros = [c for c in first.find_all("article") if c.attrs["data-key"].startswith("intro#")]
    assert len(intros) == len(plan.accounts)
    for card in intros:
        pinned = bool(card.find_all(cls="pinned"))
        assert pinned == (card.attrs["data-platform"] == "mastodon"), card.attrs["data-key"]
    texts = {c.attrs["data-locale"]: c.find("p", "text").text() for c in intros}
    assert texts["en"].startswith("Emergency line: ")


def test_the_page_is_the_same_for_the_same_plan(mini_root: Path) -> None:
    assert render_preview(mini_plan(mini_root)) == render_preview(mini_plan(mini_root))


def test_the_page_template_ships_with_the_package() -> None:
    """The template, CSS and script are package data (pyproject), not files of the checkout."""
    text = (REPO / "pyproject.toml").read_text(encoding="utf-8")
    assert '"launcher.preview" = ["assets/*"]' in text
    assets = REPO / "launcher" / "preview" / "assets"
    assert {p.name for p in assets.iterdir()} >= {"page.html.j2", "style.css", "filter.js"}
