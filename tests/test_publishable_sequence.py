"""An earthquake in every mission, through the real CLI on the shipped content and the
sandbox: the launch at once, then the daemon a few hours later for the first update. Every
post of every locale, as the platform received it, is checked for what a press officer would
correct: the date policy, doubled punctuation, isolated facts, threads split at paragraphs with
each locale's numbering.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import regex

from tests.conftest import invoke

# 03:30 UTC: 12:30 in Tokyo, 10:30 in Bangkok, 06:30 in Istanbul, Beirut and Kyiv, 05:30 in
# Rome, 21:30 the day before in Mexico City (whose first update waits for the end of its
# quiet hours, 06:00 local)
AT = "2026-05-22T03:30:00Z"
LATER = "2026-05-22T12:30:00Z"
FSI, LRI, PDI = "\u2068", "\u2066", "\u2069"
REGION = "Chiang Rai"
#: the zone each mission's updates name
ZONES = {
    "tokyo": "UTC+9",
    "bangkok": "UTC+7",
    "ankara": "UTC+3",
    "beirut": "UTC+3",
    "kyiv": "UTC+3",
    "rome": "UTC+2",
    "mexico-city": "UTC-6",
}
NUMBERING = {"ja": r"\n（(\d)/(\d)）$", "ar": rf"\n{LRI}\((\d)/(\d)\){PDI}$"}


def _published() -> list[dict]:
    path = Path(os.environ["LAUNCHER_DATA_DIR"]) / "sandbox" / "outbox.jsonl"
    records = [json.loads(line) for line in path.read_text("utf-8").splitlines() if line.strip()]
    return [r for r in records if r["op"] == "publish"]


def test_an_earthquake_everywhere_reads_as_a_press_officer_would_write_it(shipped_root) -> None:
    run = invoke(
        "run", "earthquake", "--missions", "all", "--set", f"region={REGION}",
        "--set", "magnitude=7.1", "--set", "deaths=12",
        "--at", AT, "--now", AT, "--yes", "--json", root=shipped_root,
    )  # fmt: skip
    assert run.exit_code == 0, run.output
    at_once = _published()
    assert at_once, "the launch posted nothing"
    daemon = invoke("daemon", "--once", "--now", LATER, root=shipped_root)
    assert daemon.exit_code == 0, daemon.output
    posts = _published()
    updates = [p for p in posts if p["key"].startswith("update#")]
    assert len(posts) > len(at_once) and updates, "no update went out a few hours later"

    locales = {p["locale"] for p in posts}
    assert locales == {"ar", "en", "es", "fr", "it", "ja", "th", "tr", "uk"}
    for p in posts:
        text, where = p["text"], f"{p['key']} ({p['locale']}): {p['text']!r}"
        # the date policy: no numeric date, no two-digit year, no 12-hour clock
        assert not regex.search(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b", text), where
        assert not regex.search(r"\b(?:AM|PM|a\.\s?m\.|p\.\s?m\.)|\d [صم]\b", text), where
        # no doubled punctuation after a value
        assert not regex.search(r"(?<![.…])\.[\u2066-\u2069]*\.(?![.…])|。。", text), where
        # the region is isolated in every locale (with its form: "in Chiang Rai Province",
        # places.yaml), and Thai puts spaces around it
        if REGION in text:
            assert regex.search(rf"{FSI}[^{PDI}]*{REGION}[^{PDI}]*{PDI}", text), where
        if p["locale"] == "th" and REGION in text:
            assert not regex.search(rf"\p{{Thai}}{FSI}{REGION}|{REGION}{PDI}\p{{Thai}}", text)

    assert {m for p in updates for m in ZONES if p["launch"].startswith(f"{m}-")} == set(ZONES)
    for p in updates:
        zone = next(z for m, z in ZONES.items() if p["launch"].startswith(f"{m}-earthquake"))
        assert zone in p["text"], (zone, p["text"])

    # threads: numbered in each locale's own way, on a line of its own, never a contact alone
    threads: dict[str, list[dict]] = {}
    for p in posts:
        if "#p" in p["key"]:
            threads.setdefault(p["key"].rsplit("#p", 1)[0] + p["handle"], []).append(p)
    assert threads, "no message was split into a thread"
    for parts in threads.values():
        parts.sort(key=lambda p: int(p["key"].rsplit("#p", 1)[1]))
        locale = parts[0]["locale"]
        pattern = NUMBERING.get(locale, r"\n\((\d)/(\d)\)$")
        for i, part in enumerate(parts, 1):
            found = regex.search(pattern, part["text"])
            assert found, (locale, part["text"])
            assert (int(found[1]), int(found[2])) == (i, len(parts))
        last = regex.sub(pattern, "", parts[-1]["text"])
        contact = regex.search(r"https?://\S+|\+\d[\d ]{6,}\d", last)
        if contact:  # a contact in the last part is not alone: another sentence or line
            ends = regex.findall(r"[.!?。！？](?=\s|$)", last.strip())
            assert len(ends) >= 2 or "\n" in last.strip(), (locale, last)
