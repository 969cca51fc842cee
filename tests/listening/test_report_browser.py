"""The impact report in a real browser: headless Chromium renders the page the real CLI made
from a ledger with a day of collected counts; its charts are there and drawn, its numbers
are the ledger's (computed here straight from the tables), Arabic is right to left, and the
page loads nothing."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text

from launcher.listening.collect import Collector
from tests.conftest import REPO, invoke
from tests.preview.test_browser import ARTIFACTS, browser  # noqa: F401 (the fixture)

from .helpers import launch

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def ledger_day(tmp_path_factory: pytest.TempPathFactory):
    """Beirut's earthquake launch, people answering it in Arabic and English over a day, the
    counts collected at 1 h, 2 h and 24 h."""
    tmp = tmp_path_factory.mktemp("report")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LAUNCHER_DATA_DIR", str(tmp / "data"))
        yield _a_day(tmp)


def _a_day(tmp: Path):
    la = launch(tmp, mission="beirut", region="Bekaa", magnitude="5.8")
    collector = Collector(la.ledger, la.settings, clock=la.clock)
    for step, (minutes, audience) in enumerate([(61, 3), (60, 5), (22 * 60, 9)]):
        for n in range(audience):
            la.reply("bluesky", "ar", "", kind="like", author=f"fan{step}{n}")
        la.reply("bluesky", "en", "", kind="repost", author=f"rp{step}")
        la.sandbox("bluesky").receive(la.handle("bluesky", "ar"), "follow", author=f"f{step}")
        la.reply("bluesky", "ar", f"هل السفارة مفتوحة غدا؟ {step}", author=f"layla{step}")
        la.clock.advance(timedelta(minutes=minutes))
        collector.step(force=True)
    page = tmp / "report.html"
    url = f"sqlite:///{tmp / 'ledger.sqlite3'}"
    conf = tmp / "launcher.yaml"
    conf.write_text(f"database_url: {url}\n")
    r = invoke("--config", str(conf), "report", la.launch_id, "-o", str(page), root=REPO)
    assert r.exit_code == 0, r.output
    r = invoke("--config", str(conf), "report", la.launch_id, "--json", root=REPO)
    return la, page, json.loads(r.stdout)


@pytest.fixture(scope="module")
def loaded(browser, ledger_day):  # noqa: F811
    _, page, _ = ledger_day
    browser.get(page.as_uri())
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    browser.save_screenshot(str(ARTIFACTS / "report.png"))
    return browser


def _latest_per_group(la) -> dict[tuple[str, str, str], dict[str, int]]:
    """Straight from the tables: each sent post's latest snapshot, summed per group."""
    q = text(
        "select p.locale, p.platform, p.message, s.likes, s.reposts, s.replies"
        " from posts p join metric_snapshots s on s.post_id = p.id"
        " where p.launch_id = :lid and s.taken_at = (select max(taken_at) from"
        " metric_snapshots x where x.post_id = p.id)"
    )
    out: dict[tuple[str, str, str], dict[str, int]] = {}
    with la.ledger.engine.connect() as conn:
        for loc, plat, msg, likes, reposts, replies in conn.execute(q, {"lid": la.launch_id}):
            slot = out.setdefault((loc, plat, msg), {"likes": 0, "reposts": 0, "replies": 0})
            slot["likes"] += likes or 0
            slot["reposts"] += reposts or 0
            slot["replies"] += replies or 0
    return out


def test_the_charts_are_drawn_with_the_curve_of_the_day(loaded, ledger_day) -> None:
    from selenium.webdriver.common.by import By

    _, _, doc = ledger_day
    charts = loaded.find_elements(By.CSS_SELECTOR, "svg.chart")
    assert len(charts) == 4
    for chart in charts:
        assert chart.is_displayed() and chart.size["width"] > 300 and chart.size["height"] > 100
    lines = loaded.find_elements(By.CSS_SELECTOR, "#chart-engagement-platform polyline")
    assert lines
    bluesky = loaded.execute_script(
        "return Array.from(document.querySelectorAll("
        "'#chart-engagement-platform g[data-series=\"bluesky\"] circle'))"
        ".map(function (c) { return [parseFloat(c.dataset.hours), parseInt(c.dataset.value)]; });"
    )
    expected = doc["series"]["engagement_by_platform"]["bluesky"]
    assert [v for _, v in bluesky] == [int(v) for _, v in expected]
    assert [v for _, v in bluesky] == sorted(v for _, v in bluesky)  # it grows over the day
    assert len(bluesky) == 3 and bluesky[-1][1] > bluesky[0][1]


def test_the_numbers_are_the_ledgers(loaded, ledger_day) -> None:
    la, _, _ = ledger_day
    want = _latest_per_group(la)
    rows = loaded.execute_script(
        "return Array.from(document.querySelectorAll('#table tbody tr')).map(function (tr) {"
        " var v = {}; tr.querySelectorAll('td[data-metric]').forEach(function (td) {"
        "   v[td.dataset.metric] = td.dataset.value; });"
        " return [tr.dataset.locale, tr.dataset.platform, tr.dataset.message, v]; });"
    )
    assert rows
    seen = 0
    for loc, plat, msg, values in rows:
        if (loc, plat, msg) not in want:
            continue
        seen += 1
        for metric in ("likes", "reposts", "replies"):
            assert int(values[metric]) == want[(loc, plat, msg)][metric], (loc, plat, msg, metric)
    assert seen == len(want)
    total_likes = sum(v["likes"] for v in want.values())
    shown = loaded.execute_script(
        "return document.querySelector('#totals li[data-metric=\"likes\"]').dataset.value"
    )
    assert int(shown) == total_likes == 17
    gained = loaded.execute_script(
        'return document.querySelector(\'#followers tr[data-platform="bluesky"][data-locale'
        '="ar"] td[data-metric="gained"]\').dataset.value'
    )
    assert int(gained) == 3


def test_arabic_is_right_to_left(loaded) -> None:
    found = loaded.execute_script(
        "return Array.from(document.querySelectorAll('[lang=\"ar\"]')).map(function (e) {"
        " var box = e.getBoundingClientRect(); var parent = e.parentElement"
        ".getBoundingClientRect(); return [getComputedStyle(e).direction, e.tagName,"
        " box.right, parent.right, getComputedStyle(e).textAlign]; });"
    )
    assert found
    assert all(direction == "rtl" for direction, *_ in found)
    said = [f for f in found if f[1] == "P"]
    assert len(said) == 3
    for _, _, right, parent_right, align in said:  # what people wrote hugs the right edge
        assert align in ("right", "start") and abs(right - parent_right) < 2


def test_the_page_loads_nothing_and_runs_nothing(ledger_day) -> None:
    _, page, _ = ledger_day
    html = Path(page).read_text(encoding="utf-8")
    assert "<script" not in html and 'http-equiv="Content-Security-Policy"' in html
    assert "default-src 'none'" in __import__("html").unescape(html)
