"""X lengths: launcher's fast path agrees with the reference twitter-text library."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from twitter_text import extract_urls_with_indices, parse_tweet

from launcher.plan import xtext
from launcher.plan.build import build_plan, load_content
from tests.conftest import REPO


def reference(text: str) -> int:
    return parse_tweet(unicodedata.normalize("NFC", text)).weightedLength


@pytest.fixture(scope="module")
def shipped_x_texts() -> list[str]:
    content = load_content(REPO)
    now = datetime(2026, 5, 22, 8, 30, tzinfo=UTC)
    facts = {"earthquake": {"region": "Emilia-Romagna", "magnitude": "6.1", "deaths": "21"},
             "coup": {"curfew_from": "20:00", "airport": "closed"},
             "platform-ban": {"platform": "mastodon"}}  # fmt: skip
    texts = set()
    for playbook, f in facts.items():
        for mission in content.registry.missions:
            plan = build_plan(playbook, mission, f, now=now, content=content, guarded=False)
            texts |= {p.text for p in plan.posts if p.platform == "x"}
    return sorted(texts)


def test_every_shipped_post_counts_as_twitter_text_counts(shipped_x_texts) -> None:
    assert len(shipped_x_texts) > 200
    for text in shipped_x_texts:
        assert xtext.weighted_length(text) == reference(text), text


def test_the_fast_path_covers_plain_crisis_posts(shipped_x_texts) -> None:
    """Every shipped post, links wrapped in bidi isolates (Arabic) or after a CJK colon
    (Japanese) included: a run of the shipped content never imports twitter-text."""
    slow = [t for t in shipped_x_texts if xtext._fast(unicodedata.normalize("NFC", t)) is None]
    assert slow == []


@pytest.mark.parametrize(
    "text",
    [
        "للمزيد: \u2066https://help.example.org/register/beirut\u2069\nشكراً",
        "詳細：https://www.example.org\n以上",
        "Info:https://www.example.org",
        "a/https://example.org b",
        "Email: rome@example.org\nFamilies",
        "メール：tokyo@example.org\n",
        "الإلكتروني: \u2066beirut@example.org\u2069\n",
    ],
)
def test_links_and_addresses_after_isolates_and_colons_take_the_fast_path(text: str) -> None:
    assert xtext._fast(unicodedata.normalize("NFC", text)) == reference(text)


PIECES = st.sampled_from([
    "Stay safe. ", "Call +44 20 7946 0101", "https://help.example.org/register/rome",
    "https://www.example.org", " example.com ", "www.example.org", "e.g. ", "6.1", "v1.2",
    "地震が発生しました。", "ภัยพิบัติ", "زلزال قوي", "Землетрус", "ÁB", "\u202a", "…", "—",
    "🐱", "👨\u200d👩\u200d👧", "☺", "🇯🇵", "1\ufe0f\u20e3", " ", "\n", "(", ")", ".", ",",
    "@exl_rome", "#Exampleland", "https://x.org/a)", "http://test.co", "Dr.Smith",
    "\u2066", "\u2069", "：", "詳細", "/", "-", "_", "$", "＃", "rome@example.org",
    "a.b@example.org", "x@mail.example.co", "@example.org", ":", "Courriel\u00a0: ",
])  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.lists(PIECES, max_size=12).map("".join))
def test_fast_path_agrees_with_the_reference_whenever_it_answers(text: str) -> None:
    fast = xtext._fast(unicodedata.normalize("NFC", text))
    if fast is not None:
        assert fast == reference(text), text
    assert xtext.weighted_length(text) == reference(text)


@settings(max_examples=200, deadline=None)
@given(st.lists(PIECES, max_size=10).map("".join))
def test_no_bare_domain_is_missed(text: str) -> None:
    """When launcher skips twitter-text's extractor, twitter-text finds no link without a
    scheme either."""
    if not xtext.might_link_bare_domains(text):
        found = [u["url"] for u in extract_urls_with_indices(text)]
        assert all(u.lower().startswith(("http://", "https://")) for u in found), found
