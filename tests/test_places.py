"""Places and platform names per locale (places.yaml, launcher.places): matching a typed value
in any script, the forms each locale's translations ask for, the generic frames for a value
the gazetteer does not know, validate's report of a missing form, and clear errors."""

from __future__ import annotations

import operator
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from launcher.places import load_gazetteer
from launcher.places.gazetteer import normalize
from launcher.places.names import expand_forms, finish, frame, parse_display_name
from launcher.plan.build import build_plan, load_content
from tests.conftest import REPO, invoke

NOW = datetime(2026, 5, 22, 6, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def gazetteer():
    gaz, problems = load_gazetteer(REPO)
    assert problems == []
    return gaz


@pytest.fixture(scope="module")
def content():
    return load_content(REPO)


@pytest.fixture
def repo_copy(tmp_path: Path) -> Path:
    """A private copy of the shipped content, safe to break."""
    root = tmp_path / "content"
    for name in ("missions.yaml", "guardrails.yaml", "babel.cfg", "places.yaml"):
        shutil.copyfile(REPO / name, root / name if root.exists() else _mk(root) / name)
    for name in ("playbooks", "templates", "locales"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("*.mo"))
    return root


def _mk(root: Path) -> Path:
    root.mkdir(parents=True)
    return root


# -- matching ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "place"),
    [
        ("Zakarpattia", "zakarpattia"),
        ("Закарпаття", "zakarpattia"),
        ("ZAKARPATTIA OBLAST", "zakarpattia"),
        ("@zakarpattia", "zakarpattia"),
        ("kahramanmaras", "kahramanmaras"),  # no diacritics
        ("Kahramanmaraş", "kahramanmaras"),
        ("الشوف", "chouf"),
        ("Chouf", "chouf"),
        ("Emilia Romagna", "emilia-romagna"),  # no hyphen
        ("Émilie-Romagne", "emilia-romagna"),  # the French name finds the place too
        ("เชียงราย", "chiang-rai"),
        ("Chiang Rai", "chiang-rai"),
        ("Oaxaca", "oaxaca"),
        ("Київщина", "kyiv-oblast"),
        ("Kahramanmaraş and Hatay provinces", None),  # two places: not one of them
        ("Atlantis", None),
    ],
)
def test_a_typed_value_is_matched_in_any_script_and_case(gazetteer, typed, place) -> None:
    found = gazetteer.match(typed)
    assert (found.id if found else None) == place


@pytest.mark.parametrize(
    ("typed", "locale", "name", "forms"),
    [
        ("Zakarpattia", "uk", "Закарпатська область", {"in": "у Закарпатській області"}),
        ("Закарпаття", "en", "Zakarpattia Oblast", {"in": "in Zakarpattia Oblast"}),
        ("Закарпаття", "fr", "oblast de Transcarpatie", {"the": "l'oblast de Transcarpatie"}),
        ("Emilia-Romagna", "fr", "Émilie-Romagne", {"the": "l'Émilie-Romagne"}),
        ("Emilia-Romagna", "it", "Emilia-Romagna", {"the": "l'Emilia-Romagna"}),
        ("Lazio", "it", "Lazio", {"in": "nel Lazio", "the": "il Lazio"}),
        ("Kahramanmaraş", "tr", "Kahramanmaraş", {"in": "Kahramanmaraş ilinde"}),
        ("Oaxaca", "es", "Oaxaca", {"in": "en el estado de Oaxaca"}),  # a state, not a región
        ("Oaxaca", "fr", "Oaxaca", {"in": "dans l'État d'Oaxaca"}),
        ("Bekaa", "ar", "البقاع", {"the": "محافظة البقاع", "in": "في محافظة البقاع"}),
        ("Chiang Rai", "th", "จังหวัดเชียงราย", {"in": "ในจังหวัดเชียงราย"}),
        ("Kanto", "ja", "関東地方", {"in": "関東地方"}),
        ("Zakarpattia", "uk", "Закарпатська область", {"kind": "область"}),
        ("Kahramanmaraş", "tr", "Kahramanmaraş", {"kind": "il"}),
    ],
)
def test_each_locale_gets_its_name_and_forms(gazetteer, typed, locale, name, forms) -> None:
    named, known = gazetteer.named(typed, locale)
    assert known and str(named) == name
    for form, text in forms.items():
        assert named.form(form) == text


@pytest.mark.parametrize(
    ("typed", "locale", "form", "text"),
    [
        # a value the gazetteer does not know: generic frames, in the typed script
        ("Alep", "fr", "in", "dans la région d'Alep"),  # elision before a vowel
        ("Gaziantep", "fr", "in", "dans la région de Gaziantep"),
        ("Hat Yai", "th", "in", "ในพื้นที่ Hat Yai"),  # a Latin name in Thai gets its spaces
        ("หาดใหญ่", "th", "in", "ในพื้นที่หาดใหญ่"),  # a Thai one does not
        ("Тячів", "uk", "in", "у регіоні «Тячів»"),
        ("Adana", "tr", "in", "Adana bölgesinde"),
        ("صور", "ar", "in", "في منطقة صور"),
        ("Ischia", "it", "in", "nella zona di Ischia"),
        ("Juchitán", "es", "in", "en la zona de Juchitán"),
    ],
)
def test_a_value_the_gazetteer_does_not_know_gets_the_generic_frames(
    gazetteer, typed, locale, form, text
) -> None:
    named, known = gazetteer.named(typed, locale)
    assert not known and str(named) == typed
    assert named.form(form) == text


@pytest.mark.parametrize(
    ("text", "want"),
    [
        ("землетрусу \ue000Закарпатській області", "землетрусу в Закарпатській області"),
        ("2026 р. \ue000Закарпатській області", "2026 р. у Закарпатській області"),
        ("магнітудою 6,1 \ue000Закарпатській", "магнітудою 6,1 у Закарпатській"),
        ("землетрусу \ue000Вінницькій області", "землетрусу у Вінницькій області"),
        ("\ue000Закарпатській області", "У Закарпатській області"),
        # a typed place keeps its isolates; the preposition stays outside them
        ("землетрусу \ue000\u2068Вінницькій\u2069", "землетрусу у \u2068Вінницькій\u2069"),
        ("дізналися \ue000\u2068Києві\u2069", "дізналися в \u2068Києві\u2069"),
    ],
)
def test_ukrainian_u_and_v_alternate_before_an_inserted_place(text, want) -> None:
    assert finish(text) == want


@pytest.mark.parametrize(
    ("entry", "name", "forms"),
    [
        ("X", "X", {}),
        ("منصة إكس (X)", "منصة إكس (X)", {}),
        ("X | in=X'te | to=X'e", "X", {"in": "X'te", "to": "X'e"}),
        ("Facebook | in=Facebook'ta | bogus=1", "Facebook", {"in": "Facebook'ta"}),
    ],
)
def test_platform_name_entries_give_the_name_and_its_forms(entry, name, forms) -> None:
    assert parse_display_name(entry) == (name, forms)


def test_a_translation_asks_for_a_form_with_a_dotted_placeholder(gazetteer) -> None:
    named, _ = gazetteer.named("Zakarpattia", "uk")
    translation = "землетрусу %(region.in)s, %(region)s, %(region.of)s"
    text = operator.mod(translation, expand_forms({"region": named}))  # as gettext is filled
    assert finish(text) == (
        "землетрусу в Закарпатській області, Закарпатська область, Закарпатської області"
    )
    assert frame("ใน{name}", name="Chiang Rai") == "ใน Chiang Rai"


# -- in rendered posts -------------------------------------------------------------------------
def _post(content, mission: str, region: str, locale: str, message: str, **facts) -> str:
    plan = build_plan(
        "earthquake",
        mission,
        {"region": region, "magnitude": "6.1", **facts},
        now=NOW,
        content=content,
        locales=[locale],
    )
    text = next(p.text for p in plan.posts if p.message == message and p.platform == "mastodon")
    return re.sub("[\u2066-\u2069]", "", text)  # without the isolates around typed facts


@pytest.mark.parametrize(
    ("mission", "region", "locale", "fragment"),
    [
        ("kyiv", "Zakarpattia", "uk", "у регіоні"),  # Latin typed: no generic frame in uk
        ("kyiv", "Закарпаття", "en", "Закарпат"),  # local script typed: none in en
        ("kyiv", "Закарпаття", "fr", "la région de Закарпат"),
        ("rome", "Emilia-Romagna", "fr", "la région de Emilia"),
        ("rome", "Emilia-Romagna", "it", "la zona di Emilia-Romagna"),
        ("ankara", "Kahramanmaraş", "tr", "Kahramanmaraş bölgesinde"),
        ("mexico-city", "Oaxaca", "es", "la región de Oaxaca"),
        ("beirut", "البقاع", "fr", "البقاع"),
        ("bangkok", "Chiang Rai", "th", "Chiang Rai"),
    ],
)
def test_what_the_review_found_no_longer_appears(content, mission, region, locale, fragment):
    texts = [_post(content, mission, region, locale, m) for m in ("condolences", "intro", "update")]
    assert not any(fragment in t for t in texts), texts


def test_the_per_locale_value_is_matched_too_and_wins_for_its_locale(content) -> None:
    # an unknown plain value, a known per-locale one: uk gets the gazetteer's forms
    uk = _post(content, "kyiv", "Tiachiv", "uk", "condolences", **{"region.uk": "Закарпаття"})
    assert "у Закарпатській області" in uk
    en = _post(content, "kyiv", "Tiachiv", "en", "condolences", **{"region.uk": "Закарпаття"})
    assert "struck Tiachiv on" in en


def test_platform_names_are_localized_with_their_forms(content) -> None:
    plan = build_plan("platform-ban", "ankara", {"platform": "x"}, now=NOW, content=content)
    tr = [p.text for p in plan.posts if p.locale == "tr" and p.message == "where-to-follow"]
    assert tr and "X'e erişilemiyor" in tr[0]
    assert any("Mastodon'da" in t for t in tr)
    plan = build_plan("platform-ban", "beirut", {"platform": "x"}, now=NOW, content=content)
    ar = [p.text for p in plan.posts if p.locale == "ar" and p.message == "where-to-follow"]
    assert ar and "منصة إكس (X)" in ar[0]
    assert not re.search(r"(?<![\w(])X(?![\w)])", ar[0])  # never a bare X


# -- errors and validate -----------------------------------------------------------------------
def test_an_unknown_place_id_is_a_clear_error_naming_the_option(shipped_root) -> None:
    r = invoke(
        "plan",
        "earthquake",
        "--mission",
        "kyiv",
        "--set",
        "region=@zakarpatia",
        "--set",
        "magnitude=6",
        "--at",
        "2026-05-22T06:00:00Z",
        root=shipped_root,
    )
    assert r.exit_code == 2, r.output
    assert "--set region" in r.stderr and "no place 'zakarpatia' in places.yaml" in r.stderr
    assert "did you mean 'zakarpattia'" in r.stderr
    assert "Traceback" not in r.output


def test_validate_fails_on_a_place_without_a_form_a_translation_uses(repo_copy: Path) -> None:
    places = repo_copy / "places.yaml"
    text = places.read_text(encoding="utf-8")
    broken = text.replace(" in: у Закарпатській області,", "", 1)
    assert broken != text
    places.write_text(broken, encoding="utf-8")
    line = next(
        i + 1
        for i, row in enumerate(broken.splitlines())
        if row.strip().startswith("uk: {name: Закарпатська область")
    )
    r = invoke("validate", root=repo_copy)
    assert r.exit_code == 2, r.output
    out = r.output
    assert f"places.yaml:{line}" in out
    assert "places.zakarpattia.names.uk.in" in out
    assert "place 'zakarpattia' has no 'in' form in uk" in out
    assert re.search(r"locales/uk/LC_MESSAGES/messages\.po:\d+", out)


def test_validate_fails_on_a_form_nobody_defined(repo_copy: Path) -> None:
    po = repo_copy / "locales" / "uk" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    po.write_text(text.replace("%(region.in)s", "%(region.loc)s", 1), encoding="utf-8")
    r = invoke("validate", root=repo_copy)
    assert r.exit_code == 2, r.output
    assert "unknown form 'loc' in %(region.loc)s" in r.output
    assert re.search(r"locales/uk/LC_MESSAGES/messages\.po:\d+", r.output)


def test_validate_fails_on_a_platform_name_without_a_form(repo_copy: Path) -> None:
    po = repo_copy / "locales" / "tr" / "LC_MESSAGES" / "messages.po"
    text = po.read_text(encoding="utf-8")
    broken = text.replace("X | in=X'te | to=X'e | of=X'in", "X | in=X'te | of=X'in", 1)
    assert broken != text
    po.write_text(broken, encoding="utf-8")
    r = invoke("validate", root=repo_copy)
    assert r.exit_code == 2, r.output
    assert "platform name 'X' has no 'to' form" in r.output


def test_normalize_ignores_case_accents_and_separators() -> None:
    assert normalize("Kahramanmaraş") == normalize("KAHRAMANMARAS") == "kahramanmaras"
    assert normalize("Emilia–Romagna") == normalize("emilia romagna")
    assert normalize("L'Aquila") == normalize("l aquila")


@pytest.mark.parametrize(
    ("locale", "n", "text"),
    [
        ("ar_LB", 1234, "1234"),  # not "1.234"
        ("ar_LB", 12345, "12\u202f345"),
        ("ar_LB", 1000000, "1\u202f000\u202f000"),
        ("fr", 1234, "1\u202f234"),
        ("en", 1234, "1,234"),
        ("it_IT", 1234, "1.234"),
    ],
)
def test_a_death_toll_is_never_written_with_a_mark_read_as_decimal(locale, n, text) -> None:
    from launcher.content.counts import format_count
    from launcher.content.i18n import Formatter

    assert format_count(n, locale, Formatter(locale, "UTC").number) == text
