"""Tests for launcher.plan.handles: valid, deterministic, distinct handles on every platform."""

from __future__ import annotations

import itertools

import pytest

from launcher.models import PLATFORMS
from launcher.plan.handles import handle_problem, make_handle

MISSIONS = ("rome", "mexico", "bangkok", "rio-de-janeiro", "addis_ababa", "kinshasa-consulate")
LOCALES = ("it", "fr", "en", "es", "th", "pt-BR", "zh-Hant", "am")


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("slug", MISSIONS)
def test_every_handle_made_is_valid(platform, slug):
    """make_handle's output passes handle_problem on every platform, mission and locale."""
    for locale in LOCALES:
        handle = make_handle(platform, prefix="exl", slug=slug, locale=locale)
        assert handle_problem(platform, handle) is None, handle


@pytest.mark.parametrize("platform", PLATFORMS)
def test_handles_are_distinct_across_missions_and_locales(platform):
    """No two (mission, locale) pairs share a handle on one platform."""
    pairs = list(itertools.product(MISSIONS, LOCALES))
    handles = [make_handle(platform, prefix="exl", slug=s, locale=loc) for s, loc in pairs]
    assert len(set(handles)) == len(pairs)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_handles_are_deterministic(platform):
    """The same inputs give the same handle."""
    first = make_handle(platform, prefix="exl", slug="bangkok", locale="th")
    again = make_handle(platform, prefix="exl", slug="bangkok", locale="th")
    assert first == again


@pytest.mark.parametrize(
    ("platform", "expected"),
    [
        ("mastodon", "exl_rome_it"),
        ("sandbox", "exl_rome_it"),
        ("x", "exl_rome_it"),
        ("bluesky", "exl-rome-it.example.org"),
        ("telegram", "exl_rome_it"),
        ("facebook", "exl.rome.it"),
    ],
)
def test_short_handles_read_naturally(platform, expected):
    """Short inputs keep their separators: prefix, slug, locale."""
    assert make_handle(platform, prefix="exl", slug="rome", locale="it") == expected


def test_x_handle_is_shortened_deterministically():
    """On X a long handle loses its separators, then the end of the slug; locale stays."""
    assert make_handle("x", prefix="exl", slug="bangkok", locale="en") == "exl_bangkok_en"
    assert make_handle("x", prefix="exl", slug="mexico", locale="pt-BR") == "exlmexico_ptbr"
    long = make_handle("x", prefix="exl", slug="rio-de-janeiro", locale="fr")
    assert long == "exlriodejaneifr"
    assert len(long) == 15


def test_mastodon_long_slug_fits_30():
    """A long slug is shortened to fit Mastodon's 30 characters."""
    handle = make_handle(
        "mastodon", prefix="exl", slug="saint-vincent-and-the-grenadines", locale="en"
    )
    assert len(handle) <= 30
    assert handle.startswith("exl")
    assert handle.endswith("en")


def test_bluesky_uses_the_domain_in_lower_case():
    """The Bluesky handle is <label>.<domain>, all lower case."""
    handle = make_handle(
        "bluesky", prefix="EXL", slug="Rome", locale="it", domain="Social.Example.ORG"
    )
    assert handle == "exl-rome-it.social.example.org"


def test_telegram_handle_starts_with_a_letter():
    """A prefix starting with a digit still gives a Telegram username starting with a letter."""
    handle = make_handle("telegram", prefix="112", slug="rome", locale="it")
    assert handle[0].isalpha()
    assert handle_problem("telegram", handle) is None


def test_short_inputs_are_padded_to_the_minimum():
    """Telegram needs 5 characters: short inputs are padded, not rejected."""
    handle = make_handle("telegram", prefix="a", slug="", locale="it")
    assert len(handle) >= 5
    assert handle_problem("telegram", handle) is None


def test_unknown_platform_lists_the_known_ones():
    """An unknown platform raises ValueError naming the known ones."""
    with pytest.raises(ValueError, match=r"unknown platform 'myspace'.*mastodon"):
        make_handle("myspace", prefix="exl", slug="rome", locale="it")
    with pytest.raises(ValueError, match="known platforms"):
        handle_problem("myspace", "exl_rome_it")


def test_locale_without_letters_is_refused():
    """A locale with nothing usable cannot make distinct handles: ValueError."""
    with pytest.raises(ValueError, match="locale"):
        make_handle("mastodon", prefix="exl", slug="rome", locale="--")


@pytest.mark.parametrize(
    ("platform", "handle", "words"),
    [
        ("mastodon", "exl-rome-it", "letters A-Z, digits and underscores"),
        ("mastodon", "e" * 31, "31 characters"),
        ("mastodon", "", "0 characters"),
        ("sandbox", "exl.rome", "underscores"),
        ("x", "exl", "4 to 15"),
        ("x", "exl_bangkok_fr_x", "16 characters"),
        ("x", "exl_rome_ité", "letters A-Z"),
        ("telegram", "exl", "5 to 32"),
        ("telegram", "1exl_rome", "start with a letter"),
        ("telegram", "exl_rome_", "end with an underscore"),
        ("telegram", "exl__rome", "two underscores"),
        ("facebook", "exl_rome_it", "letters, digits and periods"),
        ("facebook", ".exlrome", "period"),
        ("facebook", "exl..rome", "two periods"),
        ("facebook", "exl", "5 to 50"),
        ("bluesky", "exl-rome-it", "<name>.<domain>"),
        ("bluesky", "Exl-rome.example.org", "lower case"),
        ("bluesky", "-exl.example.org", "must not start or end with '-'"),
        ("bluesky", "exl-.example.org", "must not start or end with '-'"),
        ("bluesky", "exl_rome.example.org", "a-z, 0-9 and '-'"),
        ("bluesky", "exl..example.org", "1 to 63"),
        ("bluesky", "a" * 64 + ".example.org", "has 64"),
        ("bluesky", ".".join(["a" * 60] * 5), "at most 253"),
        ("bluesky", "exl.example.123", "must not start with a digit"),
        ("bluesky", "exl.local", ".local is not allowed"),
    ],
)
def test_handle_problem_says_what_is_wrong(platform, handle, words):
    """Each kind of bad handle gets a message naming the handle and the broken rule."""
    problem = handle_problem(platform, handle)
    assert problem is not None
    assert words in problem
    assert repr(handle) in problem or len(handle) > 200


@pytest.mark.parametrize(
    ("platform", "handle"),
    [
        ("mastodon", "Exl_Rome_IT"),
        ("x", "exl_"),
        ("telegram", "exl_rome_it"),
        ("facebook", "exl.rome.it"),
        ("bluesky", "exl-rome-it.example.org"),
        ("bluesky", "a" * 63 + ".example.org"),
    ],
)
def test_handle_problem_accepts_valid_handles(platform, handle):
    """Valid handles at the edges of the rules pass."""
    assert handle_problem(platform, handle) is None
