"""Golden samples: the exact posts of the shipped content, per locale, for a few fixed inputs
(a place typed in Latin script and one in the locale's own script, one death and many, a
blocked platform), as a native reviewer read and approved them.

A change of wording, of a place's form, of a date format or of the typography shows here as
a diff to review. After a reviewed change, write the samples again with
``LAUNCHER_WRITE_GOLDEN=1 python -m pytest tests/i18n/test_golden_samples.py`` and read the
diff of tests/data/golden/ before committing it.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
import regex
import yaml

from launcher.plan.build import build_plan, load_content
from tests.conftest import REPO

GOLDEN = Path(__file__).resolve().parents[1] / "data" / "golden"
AT = datetime(2026, 5, 22, 4, 0, tzinfo=UTC)
#: locale -> (mission, a place typed in Latin script, one typed in the locale's own script or,
#: for Latin-script locales, another one: known to places.yaml or not)
CASES = {
    "en": ("kyiv", "Zakarpattia", "Закарпаття"),
    "fr": ("beirut", "Bekaa", "الشوف"),
    "it": ("rome", "Emilia Romagna", "Ischia"),
    "es": ("mexico-city", "Oaxaca", "Juchitán"),
    "uk": ("kyiv", "Zakarpattia", "Закарпаття"),
    "tr": ("ankara", "Kahramanmaras", "Hatay"),
    "ar": ("beirut", "Bekaa", "الشوف"),
    "ja": ("tokyo", "Kanto", "能登"),
    "th": ("bangkok", "Chiang Rai", "เชียงใหม่"),
}
MESSAGES = ("intro", "condolences", "deaths", "update")


@pytest.fixture(scope="module")
def content():
    return load_content(REPO)


def _texts(plan, messages) -> dict[str, str]:
    out = {}
    for post in plan.posts:
        if post.platform != "mastodon" or post.message not in messages or post.occurrence > 1:
            continue
        out.setdefault(post.message, post.text)
    return out


def samples(content, locale: str) -> dict[str, dict[str, str]]:
    mission, latin, local = CASES[locale]
    out: dict[str, dict[str, str]] = {}
    for region, deaths in ((latin, "1"), (local, "1234")):
        label = "latin" if regex.fullmatch(r"[\p{Latin}\s\-]+", region) else "local"
        plan = build_plan(
            "earthquake",
            mission,
            {"region": region, "magnitude": "6.1", "deaths": deaths},
            now=AT,
            content=content,
            locales=[locale],
        )
        out[f"earthquake, {label} script: region={region}, deaths={deaths}"] = _texts(
            plan, MESSAGES
        )
    plan = build_plan(
        "platform-ban", mission, {"platform": "x"}, now=AT, content=content, locales=[locale]
    )
    out["platform-ban, platform=x"] = _texts(plan, ("intro", "where-to-follow"))
    return out


@pytest.mark.parametrize("locale", sorted(CASES))
def test_golden_sample(content, locale: str) -> None:
    path = GOLDEN / f"{locale}.yaml"
    got = samples(content, locale)
    if os.environ.get("LAUNCHER_WRITE_GOLDEN"):
        path.write_text(
            yaml.safe_dump(got, allow_unicode=True, sort_keys=True, width=1000),
            encoding="utf-8",
        )
    want = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert got == want
