"""The console in the real headless Chromium, phone-sized: at 03:10 the deputy, at home, signs
in with password and one-time code, sees the launch the duty officer ran at 02:55 with its
full preview, approves it, watches its status change as the posts go out, then halts it.

Debian's chromium and chromedriver, driven by selenium with both paths given (see
tests/preview/test_browser.py); skipped, saying so, only when they are not installed.
Screenshots go to ``$LAUNCHER_TEST_ARTIFACTS`` (default ``tests/artifacts/``).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator

import pytest

from tests.console.conftest import PASSWORDS, Site
from tests.console.test_refusals import SCRIPT, run_held, state_of
from tests.identities import published
from tests.preview.test_browser import ARTIFACTS, CHROMEDRIVER, CHROMIUM

pytestmark = pytest.mark.integration

PHONE = (390, 844)


@pytest.fixture
def phone(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
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
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        "--disable-default-apps", "--disable-extensions", "--lang=en-GB",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}",
        f"--window-size={PHONE[0]},{PHONE[1]}",
    ):  # fmt: skip
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def shot(driver, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(ARTIFACTS / f"console-{name}.png"))


def follow(driver, element) -> None:
    """Click what leads to another page and wait until that page replaced this one."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.expected_conditions import staleness_of
    from selenium.webdriver.support.wait import WebDriverWait

    old = driver.find_element(By.TAG_NAME, "html")
    element.click()
    WebDriverWait(driver, 60).until(staleness_of(old))


def fits_the_phone(driver) -> bool:
    return driver.execute_script(
        "return document.documentElement.scrollWidth <= window.innerWidth + 1;"
    )


def test_an_approver_signs_in_on_a_phone_approves_and_halts(site: Site, phone) -> None:
    from selenium.webdriver.common.by import By

    driver = phone
    launch = run_held(site, "d.officer")
    driver.get(site.url + "/launches")
    assert driver.current_url.endswith("/signin")  # nothing without a session
    driver.find_element(By.ID, "person").send_keys("a.deputy")
    driver.find_element(By.ID, "password").send_keys(PASSWORDS["a.deputy"])
    driver.find_element(By.ID, "code").send_keys(site.code("a.deputy"))
    shot(driver, "1-signin")
    follow(driver, driver.find_element(By.ID, "signin"))
    assert driver.current_url.endswith("/launches")
    card = driver.find_element(By.CSS_SELECTOR, f'article.waiting[data-launch="{launch}"]')
    assert "playbook quake has no approval" in card.text and "D. Officer" in card.text
    assert fits_the_phone(driver)
    shot(driver, "2-waiting")
    follow(driver, card.find_element(By.LINK_TEXT, "Review and decide"))

    # the launch: its facts as typed, the decision, the full preview in its frame
    assert driver.find_element(By.ID, "state").text == "awaiting-approval"
    facts = driver.find_element(By.ID, "facts").text
    assert SCRIPT in facts  # shown as text
    assert driver.execute_script("return window.__pwned === undefined;")
    assert fits_the_phone(driver)
    frame = driver.find_element(By.ID, "preview")
    assert frame.get_attribute("sandbox") == "allow-scripts"
    driver.switch_to.frame(frame)
    cards = driver.find_elements(By.CSS_SELECTOR, "article.post")
    assert len(cards) >= 10  # every post of the launch, as each platform shows it
    assert SCRIPT in driver.find_element(By.TAG_NAME, "body").text
    assert driver.execute_script("return window.__pwned === undefined;")
    assert driver.execute_script("return document.getElementById('shown').textContent").endswith(
        "posts shown"
    )  # the preview's own script ran, in the sandbox
    driver.switch_to.default_content()
    shot(driver, "3-review")

    follow(driver, driver.find_element(By.ID, "approve"))
    flash = driver.find_element(By.CSS_SELECTOR, ".flash").text
    assert flash.startswith("Approved by A. Deputy (a.deputy):") and "sent now" in flash
    assert driver.find_element(By.ID, "state").text in ("active", "complete")
    assert published()  # the posts due at 02:55 went out at once
    counts = driver.find_element(By.ID, "counts").text
    assert "sent" in counts and "scheduled" in counts
    shot(driver, "4-approved")

    follow(driver, driver.find_element(By.ID, "halt"))
    assert driver.find_element(By.CSS_SELECTOR, ".flash").text.startswith("Halted by A. Deputy")
    assert driver.find_element(By.ID, "state").text == "halted"
    assert state_of(site, launch) == "halted"
    assert fits_the_phone(driver)
    shot(driver, "5-halted")

    follow(driver, driver.find_element(By.LINK_TEXT, "Audit log"))
    chain = driver.find_element(By.ID, "chain").text
    assert chain.startswith("Audit chain intact:")
    events = driver.find_element(By.ID, "events").text
    assert "launch.approved" in events and "launch.halted" in events and "signed" in events
    shot(driver, "6-log")
