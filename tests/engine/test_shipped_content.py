"""The content that ships: valid, rendered in the right language and script everywhere."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime
from pathlib import Path

import pytest

from launcher.plan.build import build_plan, load_content
from tests.conftest import REPO, invoke

NOW = datetime(2026, 5, 22, 8, 30, tzinfo=UTC)
MISSIONS = {
    "ankara": ("tr",),
    "bangkok": ("th",),
    "rome": ("it",),
    "kyiv": ("uk",),
    "beirut": ("ar", "fr"),
    "tokyo": ("ja",),
    "mexico-city": ("es",),
}
#: a character class each locale's text must mostly be written in
SCRIPTS = {
    "th": "THAI",
    "uk": "CYRILLIC",
    "ar": "ARABIC",
    "ja": ("HIRAGANA", "KATAKANA", "CJK"),
}
FACTS = {
    "earthquake": {"region": "Emilia-Romagna", "magnitude": "6.1", "deaths": "21"},
    "coup": {},
    "platform-ban": {"platform": "x"},
}


@pytest.fixture(scope="module")
def content():
    return load_content(REPO)


def test_validate_passes_on_shipped_content() -> None:
    result = invoke("validate", root=REPO)
    assert result.exit_code == 0, result.output
    assert "7 missions" in result.stdout and "9 catalogs" in result.stdout


def test_missions_registry_has_the_sample_missions(content) -> None:
    reg = content.registry
    for mid, langs in MISSIONS.items():
        mission = reg.missions[mid]
        assert mission.languages == langs
        assert mission.locales[-2:] == ("en", "fr") or mission.locales[-1] == "en"
        for phone in (mission.contacts.emergency_phone, mission.contacts.phone):
            assert re.fullmatch(r"\+44 20 7946 0\d{3}", phone), phone  # Ofcom drama range
        for url in (mission.contacts.website, mission.contacts.registration_url):
            assert re.match(r"https://([a-z0-9-]+\.)*example\.org/", url + "/"), url
    text = (REPO / "missions.yaml").read_text(encoding="utf-8").lower()
    assert "sample" in text and "fictional" in text


def _script_share(text: str, names) -> float:
    names = (names,) if isinstance(names, str) else names
    text = re.sub(r"https?://\S+|\S+@\S+|#\S+|@\S+", "", text)  # links, e-mail, tags
    letters = [c for c in text if c.isalpha()]
    hits = [c for c in letters if any(n in unicodedata.name(c, "") for n in names)]
    return len(hits) / max(1, len(letters))


@pytest.mark.parametrize("playbook", sorted(FACTS))
@pytest.mark.parametrize("mission", sorted(MISSIONS))
def test_every_locale_is_really_in_its_language(content, playbook: str, mission: str) -> None:
    plan = build_plan(playbook, mission, FACTS[playbook], now=NOW, content=content)
    english = {
        (p.message, p.occurrence, p.platform, p.part): p.text
        for p in plan.posts
        if p.locale == "en"
    }
    assert english
    for post in plan.posts:
        # paragraphs must not run together ("...endommagés.Numéro d'urgence")
        joined = re.search(r"[.!?][A-ZÀ-ÖØ-ÞА-ЯІЇЄҐ]", post.text)
        assert not joined, f"{post.key}: paragraphs run together: {post.text!r}"
        if post.locale == "en":
            continue
        key = (post.message, post.occurrence, post.platform, post.part)
        assert post.text != english.get(key), f"{post.key} is English"
        if post.locale in SCRIPTS:
            share = _script_share(post.text, SCRIPTS[post.locale])
            assert share > 0.6, f"{post.key}: only {share:.0%} in {SCRIPTS[post.locale]}"
        assert post.length <= post.limit


def _deaths_text(content, mission: str, locale: str, n: int) -> str:
    facts = {"region": "X", "magnitude": "6", "deaths": str(n)}
    plan = build_plan("earthquake", mission, facts, now=NOW, content=content, locales=[locale])
    text = next(p.text for p in plan.posts if p.message == "deaths" and p.platform == "mastodon")
    return re.sub(r"\d+", "N", text)


@pytest.mark.parametrize(
    ("locale", "mission", "groups"),
    [
        # counts in one group share a CLDR plural category; groups must read differently;
        # exactly one death has its own message (ja and th have one plural form: "1人" is
        # not "方々"), and French, Spanish, Italian say "1 000 000 de personnes"
        ("ar", "beirut", [[1], [2], [3, 10, 103], [11, 99], [100, 102]]),
        ("uk", "kyiv", [[1], [21, 31], [3, 22], [5, 11, 100]]),
        ("fr", "rome", [[1], [2, 100], [1000000]]),
        ("it", "rome", [[1], [2, 100], [1000000]]),
        ("en", "tokyo", [[1], [2, 21]]),
        ("es", "mexico-city", [[1], [2, 100], [1000000]]),
        ("ja", "tokyo", [[1], [2, 100]]),
        ("th", "bangkok", [[1], [2, 100]]),
    ],
)
def test_deaths_use_each_languages_plural_forms(content, locale, mission, groups) -> None:
    texts = [{_deaths_text(content, mission, locale, n) for n in group} for group in groups]
    assert all(len(t) == 1 for t in texts), texts  # same category, same wording
    flat = [next(iter(t)) for t in texts]
    assert len(set(flat)) == len(flat), flat  # different categories, different wording


def test_platform_ban_never_posts_on_the_banned_platform(content) -> None:
    plan = build_plan("platform-ban", "ankara", {"platform": "x"}, now=NOW, content=content)
    assert plan.skipped_platforms == ("x",)
    assert not any(p.platform == "x" for p in plan.posts)
    assert not any(a.platform == "x" for a in plan.accounts)
    assert {p.platform for p in plan.posts} >= {"mastodon", "bluesky", "telegram"}


def test_issue_commands_work_and_coup_json_is_deterministic() -> None:
    r = invoke(
        "plan",
        "earthquake",
        "--mission",
        "rome",
        "--set",
        "region=Emilia-Romagna",
        "--set",
        "magnitude=6.1",
        root=REPO,
    )
    assert r.exit_code == 0, r.output
    r = invoke(
        "plan", "platform-ban", "--mission", "ankara", "--set", "platform=x", "--json", root=REPO
    )
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["skipped_platforms"] == ["x"]
    args = ("plan", "coup", "--mission", "bangkok", "--at", "2026-05-22T08:30:00Z", "--json")
    first, second = invoke(*args, root=REPO), invoke(*args, root=REPO)
    assert first.exit_code == 0 and first.stdout_bytes == second.stdout_bytes
    doc = json.loads(first.stdout)
    assert doc["locales"] == ["th", "en", "fr"]
    times = sorted({p["at"] for p in doc["posts"]})
    assert times[0] == "2026-05-22T08:30:00Z"
    assert datetime.fromisoformat(times[-1]) - datetime.fromisoformat(times[0]) > (
        datetime(2026, 1, 2) - datetime(2026, 1, 1)
    )


def test_every_cli_command_is_documented_in_the_readme() -> None:
    from launcher.cli import cli

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    for name in cli.commands:
        assert f"launcher {name}" in readme, f"`launcher {name}` is not in the README"


def test_list_and_show(tmp_path: Path) -> None:
    r = invoke("list", root=REPO)
    assert r.exit_code == 0
    for pid in ("earthquake", "coup", "platform-ban"):
        assert pid in r.stdout
    r = invoke("show", "earthquake", root=REPO)
    assert r.exit_code == 0
    assert "magnitude" in r.stdout and "0..10" in r.stdout and "required" in r.stdout
    assert "every" in r.stdout


def test_shipped_content_is_approved_so_the_readme_launch_goes_out_at_once() -> None:
    """The sample content ships with a signed approval (a sample key, not in the repository).
    If this fails, content changed after approval: an organisation re-approves with its own
    key (launcher approve keygen, then approve content; see README "Approvals")."""
    from launcher.approvals import decide

    for playbook in FACTS:
        decision = decide(REPO, playbook, ["ar", "en", "es", "fr", "it", "ja", "th", "tr", "uk"])
        assert decision.approved, decision.reasons


def test_unknown_platform_on_the_command_line_is_a_clear_error() -> None:
    result = invoke("plan", "platform-ban", "--mission", "ankara", "--set", "platform=telegam",
                    root=REPO)  # fmt: skip
    assert result.exit_code == 2
    assert "--set platform" in result.stderr and "did you mean 'telegram'" in result.stderr
    assert "mastodon, bluesky, x, facebook, telegram" in result.stderr


def test_thai_dates_use_the_buddhist_era(content) -> None:
    plan = build_plan("earthquake", "bangkok", {"region": "เชียงใหม่", "magnitude": "6"},
                      now=NOW, content=content, locales=["th"])  # fmt: skip
    texts = " ".join(p.text for p in plan.posts)
    assert "พ.ศ. 2569" in texts  # 22 May 2026
    assert "ค.ศ." not in texts and "2026" not in texts
    update = next(p.text for p in plan.posts if p.message == "update")
    # the date policy: the long date with the full Buddhist year, the time as Thai texts
    # write it, and the zone
    assert "พ.ศ. 2569 เวลา " in update and " น. (UTC+7)" in update
    assert "/69" not in update
