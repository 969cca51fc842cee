"""Watcher pass: 10 USGS summary documents of 1,000 events each, 3 of which concern a mission.

Measured: from the fetch answers (the documents' bytes in hand) to the 3 proposals committed
in the ledger (parse, dedupe against the ledger, match the shipped playbooks' triggers, render
each proposal's whole plan, commit), against parsing the same documents with the bare library
(``json.loads``) in the same run. Median of 5 rounds, each on a fresh ledger.

    python bench/feeds.py
"""

from __future__ import annotations

import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from launcher.feeds import store  # noqa: E402
from launcher.feeds.base import Fetch, ReadContext  # noqa: E402
from launcher.feeds.context import FeedContext  # noqa: E402
from launcher.feeds.usgs import USGSWatcher  # noqa: E402
from launcher.feeds.watch import PassReport, Source, _act, _may_match  # noqa: E402
from launcher.ledger import Ledger  # noqa: E402
from launcher.plan.build import load_content  # noqa: E402
from launcher.settings import Settings  # noqa: E402

T0 = datetime(2026, 5, 22, 8, 30, tzinfo=UTC)
SOURCES, ENTRIES = 10, 1000
NEAR = {0: (42.79, 13.09), 4: (38.32, 38.27), 7: (35.7, 139.7)}  # Norcia, Malatya, Tokyo


def documents() -> list[bytes]:
    docs = []
    for s in range(SOURCES):
        features = []
        for i in range(ENTRIES):
            hit = i == 500 and s in NEAR
            lat, lon = NEAR[s] if hit else (-60.0 + (i % 50), -170.0 + (i % 300))
            ms = int((T0 - timedelta(minutes=i)).timestamp() * 1000)
            fid = f"us{s:02d}{i:05d}"
            features.append(
                {
                    "type": "Feature",
                    "id": fid,
                    "properties": {
                        "mag": 6.4 if hit else 4.5 + (i % 15) / 10,
                        "place": "Test region" if hit else f"{i} km S of Nowhere Ridge",
                        "time": ms,
                        "updated": ms + 60000,
                        "alert": None,
                        "status": "automatic",
                        "tsunami": 0,
                        "ids": f",{fid},",
                        "type": "earthquake",
                        "title": f"M x - {fid}",
                        "url": f"https://earthquake.usgs.gov/earthquakes/eventpage/{fid}",
                    },
                    "geometry": {"type": "Point", "coordinates": [lon, lat, 10.0]},
                }
            )
        docs.append(json.dumps({"type": "FeatureCollection", "features": features}).encode())
    return docs


def watcher_pass(docs: list[bytes], content, playbook) -> float:
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger(f"sqlite:///{tmp}/ledger.sqlite3")
        ctx = FeedContext(ROOT, content, Settings({}), ledger, "bench", lambda: T0.timestamp())
        triggers = [(playbook, t) for t in playbook.triggers if t.source == "usgs"]
        missions = list(content.registry.missions.values())
        report = PassReport()
        start = time.perf_counter()
        for n, body in enumerate(docs):
            watcher = USGSWatcher()
            fetch = Fetch(key=f"usgs bench {n}", url=f"https://example.org/{n}.geojson")
            src = Source(watcher, fetch, triggers)
            events = watcher.parse(body, fetch, ReadContext(get=bytes, known=lambda a: False))
            known = store.known_aliases(ledger, [a for ev in events for a in ev.aliases])
            for ev in events:
                if known.isdisjoint(ev.aliases) and not _may_match(src, ev, missions):
                    continue
                _act(ctx, src, ev, report)
        elapsed = time.perf_counter() - start
        made = len(store.list_proposals(ledger))
        ledger.close()
    assert made == len(NEAR), f"{made} proposals, expected {len(NEAR)}: {report.lines()}"
    return elapsed


def bare(docs: list[bytes]) -> float:
    start = time.perf_counter()
    for body in docs:
        json.loads(body)
    return time.perf_counter() - start


def main() -> None:
    from launcher.content.playbook import load_playbook

    content = load_content(ROOT)
    playbook = load_playbook(ROOT, "earthquake")
    docs = documents()
    watcher_pass(docs, content, playbook)  # warm: templates compiled, catalogs loaded
    rounds = []
    for _ in range(5):
        b = bare(docs)
        w = watcher_pass(docs, content, playbook)
        rounds.append((b, w))
    b = statistics.median(r[0] for r in rounds)
    w = statistics.median(r[1] for r in rounds)
    size = sum(len(d) for d in docs) / 1e6
    print(f"{SOURCES} documents x {ENTRIES} events ({size:.1f} MB), {len(NEAR)} matching")
    print(f"bare json.loads            median {b * 1000:8.1f} ms")
    print(f"watcher pass to proposals  median {w * 1000:8.1f} ms  (3 plans rendered, committed)")
    print(
        f"ratio                      {w / b:8.1f}x  (rounds: "
        + ", ".join(f"{r[1] / r[0]:.1f}x" for r in rounds)
        + ")"
    )


if __name__ == "__main__":
    main()
