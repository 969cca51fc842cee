"""Tests for launcher.plan.textrules: each platform's length rule and thread splitting."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import regex
import yaml
from twitter_text import parse_tweet

from launcher.models import PLATFORMS
from launcher.plan.textrules import count, over_limit, rule, split_thread, valid

CONFORMANCE = yaml.safe_load(
    (Path(__file__).parent / "data" / "twitter_text_conformance.yml").read_text("utf-8")
)["tests"]


def _cases(section: str) -> list[pytest.param]:
    return [
        pytest.param(case["text"], case["expected"], id=case["description"][:60])
        for case in CONFORMANCE[section]
    ]


# A URL as the splitter protects it: the scheme, then ASCII up to a space or other script.
URL_RE = re.compile(r"https?://[!-~]+")


def _non_space(text: str) -> str:
    return "".join(text.split())


def _strip_numbering(parts: list[str]) -> list[str]:
    n = len(parts)
    out = []
    for i, part in enumerate(parts, 1):
        suffix = f" ({i}/{n})"
        assert part.endswith(suffix), f"part {i} lacks {suffix!r}: {part[-30:]!r}"
        out.append(part[: -len(suffix)])
    return out


# --- X: twitter-text v3 conformance ------------------------------------------------------


def test_conformance_file_has_the_copied_sections():
    """The copied conformance data holds every section the tests rely on."""
    assert len(CONFORMANCE["WeightedTweetsWithDiscountedEmojiCounterTest"]) == 20
    assert len(CONFORMANCE["UnicodeDirectionalMarkerCounterTest"]) == 2


@pytest.mark.parametrize(
    ("text", "expected"),
    _cases("WeightedTweetsWithDiscountedEmojiCounterTest")
    + _cases("UnicodeDirectionalMarkerCounterTest"),
)
def test_x_weighted_length_matches_twitter_text(text, expected):
    """count('x') and valid('x') agree with twitter-text's published v3 expectations."""
    assert count("x", text) == expected["weightedLength"]
    assert valid("x", text) is expected["valid"]


@pytest.mark.parametrize(
    ("text", "expected"),
    _cases("WeightedTweetsWithDiscountedEmojiCounterTest")
    + _cases("UnicodeDirectionalMarkerCounterTest"),
)
def test_conformance_data_was_copied_intact(text, expected):
    """Every field of each copied case (ranges, permillage) matches twitter-text's parser."""
    assert parse_tweet(text).asdict() == expected


@pytest.mark.parametrize(("text", "expected"), _cases("lengths"))
def test_x_lengths_conformance(text, expected):
    """URLs with and without a scheme count 23 on X, as in twitter-text's length cases."""
    assert count("x", text) == expected


@pytest.mark.parametrize(("text", "expected"), _cases("tweets"))
def test_x_tweet_validity_conformance(text, expected):
    """Texts twitter-text calls valid are valid here, and the empty text is not."""
    assert valid("x", text) is expected


def test_x_normalises_to_nfc_before_counting():
    """A decomposed 'Á' (A + combining acute) counts as one character."""
    assert count("x", "A\u0301B") == 2


def test_x_over_limit_reports_weighted_length():
    """141 CJK characters weigh 282 on X, over the 280 limit."""
    assert over_limit("x", "の" * 141) == (282, 280)
    assert over_limit("x", "の" * 140) is None


# --- Mastodon ------------------------------------------------------------------------------


def test_mastodon_url_counts_23_whatever_its_length():
    """Every http(s) URL counts 23 characters on Mastodon."""
    url = "https://example.org/" + "a" * 200
    assert count("mastodon", f"See {url}") == 4 + 23
    assert count("mastodon", "See https://e.org") == 4 + 23


def test_mastodon_url_without_scheme_counts_its_characters():
    """Mastodon recognises URLs only with http(s)://, unlike X."""
    assert count("mastodon", "example.org") == 11
    assert count("x", "example.org") == 23


def test_mastodon_url_trailing_full_stop_is_not_part_of_the_url():
    """The full stop after a URL counts as a character of its own."""
    assert count("mastodon", "https://example.org/path.") == 24


def test_mastodon_remote_mention_counts_only_the_username():
    """'@user@domain' counts as '@user'."""
    assert count("mastodon", "hi @embassy@social.example.org") == len("hi @embassy")
    assert count("mastodon", "hi @embassy") == len("hi @embassy")


def test_mastodon_email_address_is_not_a_mention():
    """An e-mail address keeps its full length."""
    assert count("mastodon", "help@example.org") == len("help@example.org")


def test_mastodon_counts_graphemes():
    """A family emoji (ZWJ sequence) counts once on Mastodon."""
    assert count("mastodon", "\U0001f468\u200d\U0001f469\u200d\U0001f467") == 1


def test_mastodon_limit_is_500():
    """501 graphemes break Mastodon's limit of 500."""
    assert over_limit("mastodon", "a" * 500) is None
    assert over_limit("mastodon", "a" * 501) == (501, 500)


# --- Bluesky -------------------------------------------------------------------------------

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 25 UTF-8 bytes


@pytest.mark.parametrize(
    ("text", "graphemes", "size"),
    [
        pytest.param(FAMILY, 1, 25, id="emoji ZWJ sequence"),
        pytest.param("e\u0301", 1, 3, id="combining acute"),
        pytest.param("\U0001f1ee\U0001f1f9", 1, 8, id="flag"),
        pytest.param("กรุงเทพ", 6, 21, id="Thai with a vowel mark"),
        pytest.param("سفارة", 5, 10, id="Arabic"),
        pytest.param("مَرْحَبًا", 5, 18, id="Arabic with harakat"),
    ],
)
def test_bluesky_counts_graphemes_not_code_points(text, graphemes, size):
    """Bluesky counts grapheme clusters; the byte size is UTF-8."""
    assert count("bluesky", text) == graphemes
    assert len(text.encode("utf-8")) == size


def test_bluesky_grapheme_limit():
    """301 graphemes are over Bluesky's limit even when few bytes."""
    assert over_limit("bluesky", "a" * 300) is None
    assert over_limit("bluesky", "a" * 301) == (301, 300)


def test_bluesky_byte_limit_with_few_graphemes():
    """121 family emoji are 121 graphemes but 3025 bytes: the byte limit is reported."""
    text = FAMILY * 121
    assert count("bluesky", text) == 121
    assert over_limit("bluesky", text) == (3025, 3000)
    assert over_limit("bluesky", FAMILY * 120) is None


# --- Telegram, Facebook, sandbox ---------------------------------------------------------


def test_telegram_counts_code_points():
    """Telegram counts code points: a family emoji is 7, a combining mark 1."""
    assert count("telegram", FAMILY) == 7
    assert count("telegram", "e\u0301") == 2
    assert count("telegram", "\U0001f431") == 1


def test_telegram_limit_is_4096_code_points():
    """4097 code points are too long for Telegram."""
    assert over_limit("telegram", "ж" * 4096) is None
    assert over_limit("telegram", "ж" * 4097) == (4097, 4096)


def test_facebook_limit():
    """Facebook allows 63206 characters."""
    assert rule("facebook").limit == 63206
    assert over_limit("facebook", "a" * 63207) == (63207, 63206)


def test_sandbox_counts_graphemes_up_to_1000():
    """The sandbox counts graphemes with a limit of 1000."""
    assert count("sandbox", FAMILY * 3) == 3
    assert over_limit("sandbox", "a" * 1001) == (1001, 1000)


# --- rule() ----------------------------------------------------------------------------------


def test_every_known_platform_has_a_rule():
    """Each platform in models.PLATFORMS has a rule with a positive limit and a unit."""
    for platform in PLATFORMS:
        r = rule(platform)
        assert r.platform == platform
        assert r.limit > 0
        assert r.unit


def test_unknown_platform_lists_the_known_ones():
    """An unknown platform raises ValueError naming the known platforms."""
    with pytest.raises(ValueError, match=r"unknown platform 'myspace'.*bluesky.*x"):
        rule("myspace")
    with pytest.raises(ValueError):
        count("myspace", "hi")


def test_rule_is_cached():
    """rule() returns the same object each time (it is called per post)."""
    assert rule("x") is rule("x")


# --- split_thread ----------------------------------------------------------------------------

LATIN = (
    "The embassy is open as usual. If you need urgent help, call +39 06 0000 0000 at any "
    "hour! Register your stay at https://example.org/register/rome?lang=en&from=crisis so "
    "we can reach you. Follow local authorities' instructions and avoid the affected area. "
)
THAI = (
    "สถานทูตเปิดทำการตามปกติ หากต้องการความช่วยเหลือเร่งด่วนโปรดโทรหาเรา "
    "ลงทะเบียนที่ https://example.org/register/bangkok?lang=th "
    "ปฏิบัติตามคำแนะนำของเจ้าหน้าที่ท้องถิ่น "
)
JAPANESE = (
    "大使館は通常どおり開いています。緊急の場合は、二十四時間いつでもお電話ください。"
    "登録はこちら https://example.org/register/tokyo?lang=ja から行ってください。"
    "現地当局の指示に従い、被災地域には近づかないでください。"
)
ARABIC = (
    "السفارة مفتوحة كالمعتاد. إذا كنت بحاجة إلى مساعدة عاجلة، اتصل بنا في أي وقت! "
    "سجّل إقامتك على https://example.org/register/cairo?lang=ar حتى نتمكن من الوصول إليك. "
    "اتبع تعليمات السلطات المحلية وتجنب المنطقة المتضررة. "
)
SPLIT_CASES = [
    pytest.param(platform, name, text * reps, id=f"{name}-{platform}")
    for name, text, reps in (
        ("latin", LATIN, 8),
        ("thai", THAI, 8),
        ("japanese", JAPANESE, 8),
        ("arabic", ARABIC, 8),
    )
    for platform in ("x", "mastodon", "bluesky", "sandbox")
]


@pytest.mark.parametrize(("platform", "name", "text"), SPLIT_CASES)
def test_split_thread_parts_fit_and_keep_every_character(platform, name, text):
    """Each part with its numbering fits; joined, the parts keep every character in order."""
    parts = split_thread(platform, text)
    assert len(parts) > 1
    for part in parts:
        assert over_limit(platform, part) is None, (len(parts), part[-40:])
    bodies = _strip_numbering(parts)
    assert _non_space("".join(bodies)) == _non_space(text)
    assert all(body.strip() for body in bodies)


@pytest.mark.parametrize(("platform", "name", "text"), SPLIT_CASES)
def test_split_thread_never_cuts_a_url(platform, name, text):
    """Every URL of the text appears whole in one part."""
    urls = URL_RE.findall(text)
    bodies = _strip_numbering(split_thread(platform, text))
    found = [u for body in bodies for u in URL_RE.findall(body)]
    assert found == urls


@pytest.mark.parametrize(("platform", "name", "text"), SPLIT_CASES)
def test_split_thread_never_cuts_a_grapheme(platform, name, text):
    """The parts' grapheme clusters are exactly the text's: no cluster was cut in two."""
    bodies = _strip_numbering(split_thread(platform, text))
    for body in bodies:
        assert not regex.match(r"[\p{M}\u200d]", body)
    got = [g for body in bodies for g in regex.findall(r"\X", body) if not g.isspace()]
    assert got == [g for g in regex.findall(r"\X", text) if not g.isspace()]


def test_split_thread_latin_cuts_at_sentence_ends():
    """Latin text is cut after a full stop, an exclamation or a question mark."""
    bodies = _strip_numbering(split_thread("bluesky", LATIN * 4))
    for body in bodies[:-1]:
        assert body.rstrip()[-1] in ".!?", body[-30:]


def test_split_thread_japanese_cuts_at_full_stops():
    """Japanese text (no spaces) is cut after 。 rather than mid-sentence."""
    bodies = _strip_numbering(split_thread("x", JAPANESE * 4))
    for body in bodies[:-1]:
        assert body.endswith("。"), body[-10:]


def test_split_thread_japanese_without_punctuation_cuts_between_graphemes():
    """A Japanese text with no punctuation or spaces is cut between characters, all kept."""
    text = "あ" * 500
    parts = split_thread("x", text)
    bodies = _strip_numbering(parts)
    assert "".join(bodies) == text
    assert all(count("x", p) <= 280 for p in parts)
    assert len(parts) == 4


def test_split_thread_thai_cuts_at_spaces():
    """Thai has no sentence punctuation: cuts fall on the spaces between phrases."""
    text = THAI * 6
    phrases = set(text.split())
    for body in _strip_numbering(split_thread("bluesky", text)):
        assert set(body.split()) <= phrases


def test_split_thread_arabic_keeps_words_whole():
    """Arabic is cut between words, never inside one."""
    text = ARABIC * 6
    words = set(text.split())
    for body in _strip_numbering(split_thread("bluesky", text)):
        assert set(body.split()) <= words


def test_mastodon_url_ends_where_another_script_begins():
    """A URL written straight before Japanese text ends at the first non-ASCII character."""
    assert count("mastodon", "https://example.org/aから") == 23 + 2


def test_split_thread_url_followed_by_japanese_without_space():
    """A URL glued to Japanese text stays whole; the cut falls in the Japanese."""
    url = "https://example.org/register/tokyo?lang=ja"
    text = ("登録は" + url + "から行ってください" + "あ" * 100 + "。") * 6
    bodies = _strip_numbering(split_thread("bluesky", text))
    assert [u for b in bodies for u in URL_RE.findall(b)] == [url] * 6
    assert "".join(bodies) == text


def test_split_thread_within_limit_is_unchanged():
    """A text that fits comes back alone and without numbering."""
    assert split_thread("x", "Short message.") == ["Short message."]


def test_split_thread_numbering_is_consistent():
    """Parts are numbered 1..n with the same n; n grows past 9 when needed."""
    text = "Word " * 600
    parts = split_thread("bluesky", text)
    n = len(parts)
    assert n >= 10
    for i, part in enumerate(parts, 1):
        assert part.endswith(f" ({i}/{n})")
        assert over_limit("bluesky", part) is None


def test_split_thread_of_only_white_space_keeps_nothing_to_number():
    """A text too long only because of white space yields one empty part, not a thread."""
    assert split_thread("telegram", " " * 5000) == [""]
    assert split_thread("bluesky", "Hi." + " " * 400) == ["Hi."]


def test_split_thread_custom_numbering():
    """A caller's numbering format is used for every part."""
    parts = split_thread("x", LATIN * 3, numbering="\n{i}/{n}")
    n = len(parts)
    assert [p.rsplit("\n", 1)[1] for p in parts] == [f"{i}/{n}" for i in range(1, n + 1)]


def test_split_thread_x_counts_urls_as_23():
    """On X a long URL costs 23, so a part may hold more raw characters than 280."""
    url = "https://example.org/" + "p" * 300
    text = f"Register here {url} today. " + "More text follows here. " * 20
    parts = split_thread("x", text)
    assert any(url in p for p in parts)
    assert all(count("x", p) <= 280 for p in parts)


def test_split_thread_bluesky_respects_bytes():
    """Bluesky parts stay within 3000 bytes even when the graphemes would fit."""
    text = " ".join([FAMILY * 5] * 60)  # 300 graphemes of words, 7559 bytes
    parts = split_thread("bluesky", text)
    assert all(len(p.encode("utf-8")) <= 3000 for p in parts)
    assert _non_space("".join(_strip_numbering(parts))) == _non_space(text)


def test_split_thread_url_longer_than_limit_is_an_error():
    """A URL that alone exceeds the limit cannot be split without cutting it: ValueError."""
    with pytest.raises(ValueError, match="cannot split"):
        split_thread("bluesky", "https://example.org/" + "a" * 400)


def test_count_does_not_mix_platforms_up():
    """The same text counts differently on each platform, also when asked again."""
    assert count("telegram", FAMILY) == 7
    assert count("bluesky", FAMILY) == 1
    assert count("x", FAMILY) == 2
    assert count("telegram", FAMILY) == 7


# --- property: random mixed-script texts ----------------------------------------------------

try:
    from hypothesis import given, settings
    from hypothesis import strategies as st
except ImportError:  # pragma: no cover - hypothesis is a test extra
    given = None

TOKENS = [
    "help",
    "embassy",
    "Register.",
    "now!",
    "why?",
    "é",
    "e\u0301",
    FAMILY,
    "\U0001f1ee\U0001f1f9",
    "สถานทูต",
    "ช่วยเหลือ",
    "大使館は開いています。",
    "緊急、",
    "السفارة",
    "مَرْحَبًا.",
    "https://example.org/a?b=c",
    "example.com",
    "@consul@social.example.org",
    "\n",
    "  ",
]

if given is not None:

    @settings(max_examples=60, deadline=None)
    @given(
        platform=st.sampled_from(["x", "mastodon", "bluesky"]),
        tokens=st.lists(st.sampled_from(TOKENS), min_size=20, max_size=300),
        spaced=st.booleans(),
    )
    def test_split_thread_property(platform, tokens, spaced):
        """Any mix of scripts, emoji and URLs splits into fitting parts losing nothing."""
        text = (" " if spaced else "").join(tokens)
        parts = split_thread(platform, text)
        if over_limit(platform, text) is None:
            assert parts == [text]
            return
        for part in parts:
            assert over_limit(platform, part) is None
        bodies = _strip_numbering(parts) if len(parts) > 1 else parts
        assert _non_space("".join(bodies)) == _non_space(text)
        got = [g for b in bodies for g in regex.findall(r"\X", b) if not g.isspace()]
        assert got == [g for g in regex.findall(r"\X", text) if not g.isspace()]
        urls = URL_RE.findall(text)
        found = [u for b in bodies for u in URL_RE.findall(b)]
        assert found == urls

else:  # pragma: no cover

    @pytest.mark.skip(reason="hypothesis is not installed")
    def test_split_thread_property():
        """Skipped: install the test extras (hypothesis) to run the property test."""


@pytest.mark.parametrize(
    "start", [0x0000, 0x0900, 0x0E00, 0x1100, 0x2000, 0xAC00, 0x1F1E0, 0x1F300]
)
def test_grapheme_fast_path_matches_full_segmentation(start: int) -> None:
    """The one-cluster-per-code-point shortcut never disagrees with real segmentation."""
    import regex

    from launcher.plan.textrules import _graphemes

    for cp in range(start, start + 0x300):
        for text in (chr(cp) + "a", "a" + chr(cp), chr(cp) * 2, f"x{chr(cp)}\u0301"):
            assert _graphemes(text) == len(regex.findall(r"\X", text)), hex(cp)
