"""Typed facts are isolated (FSI … PDI) in every locale, and only where that is harmless."""

from __future__ import annotations

import gettext
from datetime import UTC, datetime

import pytest

from launcher.content.bidi import Fact, isolate_facts, stray, unisolate_links, wants_isolate
from launcher.content.i18n import Formatter
from launcher.content.render import environment, locale_vars, render_template
from launcher.plan.textrules import count

FSI, LRI, PDI, RLO = "\u2068", "\u2066", "\u2069", "\u202e"


@pytest.mark.parametrize(
    ("value", "wrapped"),
    [
        ("Chiang Rai", True),
        ("תל אביב", True),  # Hebrew
        ("البقاع", True),  # Arabic
        ("Закарпатська область", True),
        ("東京都", True),
        ("+52 55 1234 5678", False),  # a phone number
        ("https://example.org/quake", False),
        ("www.example.org", False),
        ("consul@example.org", False),
        ("@embassy@social.example.org", False),
        ("@embassy.bsky.social", False),
        (f"Laz{RLO}io", False),  # holds a control: the guardrail names it as typed
        ("   ", False),
    ],
)
def test_which_facts_are_wrapped(value: str, wrapped: bool) -> None:
    assert wants_isolate(value) is wrapped
    out = isolate_facts({"v": value, "n": 7, "when": datetime(2026, 5, 22, tzinfo=UTC)})
    assert isinstance(out["v"], Fact) is wrapped
    assert out["v"] == value  # templates compare and test the value as typed
    assert out["n"] == 7 and isinstance(out["when"], datetime)


def test_nested_values_are_facts_too() -> None:
    out = isolate_facts({"region": {"name": "Emilia-Romagna", "loc": "in Emilia-Romagna"}})
    assert isinstance(out["region"]["loc"], Fact)


def _render(tmp_path, source: str, locale: str, **event) -> str:
    (tmp_path / "templates").mkdir(exist_ok=True)
    (tmp_path / "templates" / "t.j2").write_text(source, "utf-8")

    class Catalog:
        translations = gettext.NullTranslations()

    Catalog.locale = locale
    variables = {
        "event": isolate_facts(event),
        "locale": locale,
        **locale_vars(Catalog(), Formatter(locale, "UTC")),  # type: ignore[arg-type]
    }
    return render_template(environment(tmp_path), "t.j2", variables)


@pytest.mark.parametrize("locale", ["fr", "en", "ar", "ja", "th", "uk", "es", "it", "tr"])
def test_a_hebrew_place_in_any_locale_is_isolated(tmp_path, locale: str) -> None:
    src = "{% trans region=event.region %}Séisme à {{ region }}, 3 blessés.{% endtrans %}\n"
    out = _render(tmp_path, src, locale, region="תל אביב")
    # the Hebrew run is closed before ", 3": the number and the comma stay in the French order
    assert f"{FSI}תל אביב{PDI}, 3" in out
    assert stray(out, rtl=locale == "ar") == []


def test_facts_written_outside_trans_are_isolated_too(tmp_path) -> None:
    out = _render(tmp_path, "Région : {{ event.region }}.\n", "fr", region="البقاع")
    assert out == f"Région : {FSI}البقاع{PDI}."


def test_links_phones_and_handles_reach_the_platform_bare(tmp_path) -> None:
    src = (
        "{% trans phone=event.phone, url=event.url %}Call {{ phone }} or see {{ url }}."
        "{% endtrans %}\n\nhttps://example.org/{{ event.slug }} @{{ event.account }}\n"
    )
    out = _render(
        tmp_path,
        src,
        "en",
        phone="+52 55 1234 5678",
        url="https://example.org/q",
        slug="oaxaca-2026",
        account="embajada",
    )
    assert out == (
        "Call +52 55 1234 5678 or see https://example.org/q.\n"
        "https://example.org/oaxaca-2026 @embajada"
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (f"https://example.org/{FSI}slug{PDI}/x", "https://example.org/slug/x"),
        (f"@{FSI}embassy{PDI} now", "@embassy now"),
        (f"write to {FSI}consul{PDI}@example.org", "write to consul@example.org"),
        # a fact beside punctuation or other words keeps its isolates
        (f"à {FSI}Paris{PDI}.", f"à {FSI}Paris{PDI}."),
        (f"連絡先：{FSI}東京{PDI}の@embassy", f"連絡先：{FSI}東京{PDI}の@embassy"),
        # launcher's LRI around a link in Arabic is untouched
        (f"{LRI}https://example.org{PDI}", f"{LRI}https://example.org{PDI}"),
    ],
)
def test_unisolate_links(text: str, expected: str) -> None:
    assert unisolate_links(text) == expected


def test_counts_are_of_the_text_as_sent() -> None:
    # platforms count the isolates as characters; launcher counts the text exactly as sent
    text = f"Séisme à {FSI}תל אביב{PDI}."
    assert count("mastodon", text) == len("Séisme à תל אביב.") + 2
    assert count("x", text) > count("x", "Séisme à תל אביב.")
