"""A crisis sequence with places, through the real CLI on a real content repository (the
shipped content, copied and approved with a key of the test's own) and the sandbox adapter:
two earthquakes in the Kyiv mission's country in one day, one typed in Cyrillic, one in
Latin, then a correction of the first one's place that the gazetteer does not know, given
per locale. Every locale's posts must name the place in its own script and grammar."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
import regex
import yaml

from tests.conftest import REPO, invoke

CYRILLIC = regex.compile(r"\p{Script=Cyrillic}")
T1, T2, T3 = "2026-05-22T06:00:00Z", "2026-05-22T09:30:00Z", "2026-05-22T11:00:00Z"


@pytest.fixture
def approved_copy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "content"
    root.mkdir()
    for name in ("missions.yaml", "guardrails.yaml", "babel.cfg", "places.yaml"):
        shutil.copyfile(REPO / name, root / name)
    for name in ("playbooks", "templates", "locales"):
        shutil.copytree(REPO / name, root / name, ignore=shutil.ignore_patterns("*.mo"))
    key = tmp_path / "keys" / "approval.key"
    made = invoke("approve", "keygen", "--out", str(key), "--owner", "Press office")
    assert made.exit_code == 0, made.output
    entry = yaml.safe_load(made.stdout.split("repository:\n", 1)[1])
    (root / "approval-keys.yaml").write_text(yaml.safe_dump(entry), encoding="utf-8")
    monkeypatch.setenv("LAUNCHER_APPROVAL_KEY", f"file:{key}")
    ok = invoke("approve", "content", "earthquake", "--as", "Press office", root=root)
    assert ok.exit_code == 0, ok.output
    return root


def _published(launch: str) -> dict[str, list[str]]:
    """locale -> texts the sandbox platform received for ``launch``."""
    path = Path(os.environ["LAUNCHER_DATA_DIR"]) / "sandbox" / "outbox.jsonl"
    out: dict[str, list[str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        rec = json.loads(line)
        if rec.get("op") == "publish" and rec.get("launch") == launch:
            # the isolates around typed facts (FSI ... PDI) are not what is asserted here
            text = regex.sub("[\u2066-\u2069]", "", rec["text"])
            out.setdefault(rec["locale"], []).append(text)
    return out


def _run(root: Path, at: str, *facts: str) -> str:
    args = ["run", "earthquake", "--mission", "kyiv", "--at", at, "--now", at, "--yes"]
    for fact in facts:
        args += ["--set", fact]
    r = invoke(*args, "--json", root=root)
    assert r.exit_code == 0, r.output
    doc = json.loads(r.stdout)
    assert doc["state"] != "awaiting-approval", doc["state"]
    return doc["launch"]


def _condolences(texts: list[str], marker: str) -> str:
    return next(t for t in texts if marker in t)


def test_two_earthquakes_then_a_correction_name_the_place_per_locale(approved_copy) -> None:
    # 06:00 UTC: typed in Ukrainian, as the State Emergency Service wrote it
    first = _published(_run(approved_copy, T1, "region=Закарпаття", "magnitude=6.1"))
    assert set(first) == {"uk", "en", "fr"}, first
    assert any("у Закарпатській області. Ми подумки" in t for t in first["uk"])
    assert any("struck Zakarpattia Oblast" in t for t in first["en"])
    assert any("qui a frappé l'oblast de Transcarpatie" in t for t in first["fr"])
    for loc in ("en", "fr"):  # no Cyrillic leaks into the Latin-script posts
        assert not any(CYRILLIC.search(t) for t in first[loc]), first[loc]

    # 09:30 UTC: a second one, typed in Latin from a USGS page, with one confirmed death
    second_id = _run(approved_copy, T2, "region=Kyiv Oblast", "magnitude=5.2", "deaths=1")
    done = invoke("daemon", "--once", "--now", "2026-05-22T10:00:00Z", root=approved_copy)
    assert done.exit_code == 0, done.output  # the deaths post, 20 minutes after
    second = _published(second_id)
    uk = second["uk"]
    assert any("від землетрусу в Київській області" in t for t in uk), uk
    assert not any("Kyiv Oblast" in t for t in uk)  # no Latin leaks into the uk posts
    assert any("унаслідок землетрусу в Київській області загинула одна людина" in t for t in uk)
    en = second["en"]
    assert any("one person has lost their life in the earthquake in Kyiv Oblast" in t for t in en)
    assert any("dans l'oblast de Kyiv" in t for t in second["fr"])

    # 11:00 UTC: the first one's place was Tiachiv, a district the gazetteer does not know;
    # the duty officer gives its Ukrainian name per locale
    third = _published(
        _run(approved_copy, T3, "region=Tiachiv", "region.uk=Тячів", "magnitude=6.1")
    )
    assert any("у регіоні «Тячів»" in t for t in third["uk"]), third["uk"]
    assert not any("Tiachiv" in t for t in third["uk"])
    assert any("struck Tiachiv on" in t for t in third["en"])
    assert any("dans la région de Tiachiv" in t for t in third["fr"])
    for loc in ("en", "fr"):
        assert not any(CYRILLIC.search(t) for t in third[loc]), third[loc]
