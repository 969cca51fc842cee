"""The preview in a real browser: headless Chromium renders a page made by the real CLI.

Uses Debian's ``chromium`` and ``chromedriver`` (packages ``chromium`` and ``chromium-driver``;
``.ci/run`` installs them when absent), driven by selenium with both paths given, so nothing
is ever downloaded; the browser runs with a fresh profile and its background networking off.
Skips, saying so, only when Chromium or its driver is not installed. Screenshots go to
``$LAUNCHER_TEST_ARTIFACTS`` (default ``tests/artifacts/``, not committed).
"""

from __future__ import annotations

import os
import shutil
import struct
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from launcher.plan.build import build_plan
from tests.conftest import REPO, invoke

CHROMIUM = os.environ.get("LAUNCHER_TEST_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("LAUNCHER_TEST_CHROMEDRIVER", "/usr/bin/chromedriver")
ARTIFACTS = Path(os.environ.get("LAUNCHER_TEST_ARTIFACTS") or REPO / "tests" / "artifacts")

SCRIPT_FACT = "<script>window.__pwned=1</script>Bekaa"
FACTS = {"region": SCRIPT_FACT, "magnitude": "5.8"}
AT = "2026-05-22T08:30:00Z"

pytestmark = pytest.mark.integration

# Text lines of an element, as laid out: per line (rounded top), its leftmost and rightmost
# edge, next to the element's own box. Read in one call for every card.
LINES_JS = """
return Array.from(document.querySelectorAll(arguments[0])).map(function (card) {
  var p = card.querySelector("p.text"), box = p.getBoundingClientRect();
  var range = document.createRange(); range.selectNodeContents(p);
  var lines = {};
  Array.from(range.getClientRects()).forEach(function (r) {
    if (r.width < 1) return;
    var k = Math.round(r.top);
    lines[k] = lines[k] || [r.left, r.right];
    lines[k] = [Math.min(lines[k][0], r.left), Math.max(lines[k][1], r.right)];
  });
  var avatar = card.querySelector(".who .avatar").getBoundingClientRect();
  return {key: card.dataset.key, direction: getComputedStyle(card).direction,
          lang: card.lang, left: box.left, right: box.right, lines: Object.values(lines),
          avatarLeft: avatar.left, avatarRight: avatar.right};
});
"""


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not shutil.which(path)]
    if missing:
        pytest.skip(
            f"headless Chromium is not installed ({', '.join(missing)} not found): install"
            " Debian's chromium and chromium-driver (.ci/run does) to run the browser test"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-default-apps",
        "--disable-extensions",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
        "--window-size=1400,1000",
        "--lang=en-GB",
    ):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def shipped_plan():
    return build_plan(
        "earthquake", "beirut", FACTS, now=datetime(2026, 5, 22, 8, 30, tzinfo=UTC), root=REPO
    )


@pytest.fixture(scope="module")
def loaded(browser, shipped_plan, tmp_path_factory: pytest.TempPathFactory):
    """The page of `launcher preview earthquake --mission beirut ...`, open in the browser."""
    page = tmp_path_factory.mktemp("preview") / "preview.html"
    args = [f"--set={k}={v}" for k, v in FACTS.items()]
    result = invoke("preview", "earthquake", "--mission", "beirut", *args, "--at", AT,
                    "-o", str(page), root=REPO)  # fmt: skip
    assert result.exit_code == 0, result.output
    browser.get(page.as_uri())
    return browser


def visible_posts(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('article.post'))"
        ".filter(function (c) { return c.checkVisibility() && c.offsetHeight > 0; })"
        ".map(function (c) { return c.dataset.key; });"
    )


def test_every_post_card_is_displayed(loaded, shipped_plan) -> None:
    from selenium.webdriver.common.by import By

    cards = loaded.find_elements(By.CSS_SELECTOR, "article.post")
    assert len(cards) == len(shipped_plan.posts) > 200
    for card in cards:
        assert card.is_displayed(), card.get_attribute("data-key")
        size = card.size
        assert size["width"] > 100 and size["height"] > 50, card.get_attribute("data-key")
    profiles = loaded.find_elements(By.CSS_SELECTOR, "article.profile")
    assert len(profiles) == len(shipped_plan.accounts)
    assert all(p.is_displayed() for p in profiles)


def test_arabic_cards_are_laid_out_right_to_left(loaded, shipped_plan) -> None:
    arabic = loaded.execute_script(LINES_JS, 'article.post[data-locale="ar"]')
    assert len(arabic) == sum(1 for p in shipped_plan.posts if p.locale == "ar") > 50
    for card in arabic:
        assert card["direction"] == "rtl" and card["lang"] == "ar", card["key"]
        assert card["lines"], card["key"]
        for _left, right in card["lines"]:  # every line starts at the right edge
            assert abs(right - card["right"]) < 2, card
        assert card["avatarRight"] > card["right"] - 60  # the avatar sits on the right
    # short lines end well before the left edge: right-aligned, not just full
    assert any(left - card["left"] > 40 for card in arabic for left, _ in card["lines"])

    english = loaded.execute_script(LINES_JS, 'article.post[data-locale="en"]')
    for card in english:
        assert card["direction"] == "ltr", card["key"]
        for left, _right in card["lines"]:
            assert abs(left - card["left"]) < 2, card
        assert card["avatarLeft"] < card["left"] + 60


def test_a_fact_with_a_script_tag_is_shown_and_never_run(loaded) -> None:
    from selenium.webdriver.common.by import By

    assert loaded.execute_script("return typeof window.__pwned") == "undefined"
    fact = loaded.find_element(By.CSS_SELECTOR, "td.fact")
    assert fact.is_displayed() and fact.text == SCRIPT_FACT
    first_post = loaded.find_element(By.CSS_SELECTOR, "article.post p.text")
    assert "<script>window.__pwned=1</script>Bekaa" in first_post.text
    assert len(loaded.find_elements(By.TAG_NAME, "script")) == 1


def test_nothing_was_blocked_or_failed(loaded) -> None:
    """The inline script ran under the page's Content-Security-Policy (its hash matches) and
    the page asked for nothing the policy refused."""
    from selenium.webdriver.common.by import By

    assert loaded.find_element(By.ID, "switch").is_displayed()
    problems = [e for e in loaded.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert problems == []
    resources = loaded.execute_script(
        "return performance.getEntriesByType('resource').map(function (e) { return e.name; })"
    )
    assert resources == []


def test_the_switch_shows_one_locale_and_one_platform(loaded, shipped_plan) -> None:
    from selenium.webdriver.common.by import By

    def press(kind: str, value: str) -> None:
        loaded.find_element(
            By.CSS_SELECTOR, f'button[data-filter="{kind}"][data-value="{value}"]'
        ).click()

    def expected(locale: str = "", platform: str = "") -> list[str]:
        return [
            p.key
            for p in shipped_plan.posts
            if (not locale or p.locale == locale) and (not platform or p.platform == platform)
        ]

    shown = loaded.find_element(By.ID, "shown")
    total = len(shipped_plan.posts)
    try:
        press("locale", "ar")
        assert visible_posts(loaded) == expected("ar")
        assert shown.text == f"{len(expected('ar'))} of {total} posts shown"
        profiles = loaded.find_elements(By.CSS_SELECTOR, "article.profile")
        assert {p.get_attribute("data-locale") for p in profiles if p.is_displayed()} == {"ar"}
        press("platform", "x")
        assert visible_posts(loaded) == expected("ar", "x")
        first_slot = loaded.find_element(By.CSS_SELECTOR, ".slot .count")
        assert first_slot.text == "2 posts"  # the intro and the condolences to @exl_beirut_ar
        save_screenshot(loaded, "preview-beirut-ar-x.png", scroll_to="#timeline")
        press("locale", "")
        assert visible_posts(loaded) == expected(platform="x")
        x = loaded.find_element(By.CSS_SELECTOR, 'button[data-filter="platform"][data-value="x"]')
        assert x.get_attribute("aria-pressed") == "true"
    finally:
        press("locale", "")
        press("platform", "")
    assert visible_posts(loaded) == expected()
    assert shown.text == f"{total} of {total} posts shown"


def test_a_screenshot_is_saved_as_a_test_artifact(loaded) -> None:
    path = save_screenshot(loaded, "preview-beirut.png")
    width, height = png_size(path)
    assert (width, height) == tuple(loaded.execute_script(
        "return [window.innerWidth * devicePixelRatio, window.innerHeight * devicePixelRatio]"
    ))  # fmt: skip
    assert path.stat().st_size > 20_000  # a rendered page, not a blank image


def save_screenshot(driver, name: str, scroll_to: str | None = None) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    if scroll_to:
        driver.execute_script("document.querySelector(arguments[0]).scrollIntoView()", scroll_to)
    else:
        driver.execute_script("window.scrollTo(0, 0)")
    path = ARTIFACTS / name
    assert driver.save_screenshot(str(path)), f"could not save {path}"
    return path


def png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", f"{path} is not a PNG"
    width, height = struct.unpack(">II", head[16:24])
    return width, height
