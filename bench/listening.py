"""Listening: collecting the counts of 10,000 sent Bluesky posts, 25 URIs a call.

A minimal XRPC server (a PDS with its AppView, as far as this needs) runs on 127.0.0.1 in its
own process: ``createSession`` answers a session, ``app.bsky.feed.getPosts`` a view of every
URI asked (at most 25) with its counts, ``listNotifications`` and ``getProfile`` a little; it
counts every call. Then, against the same server, in the same run:

1. baseline: one ``requests.Session`` making the same ``getPosts`` calls, 25 URIs each, back
   to back, parsing each answer;
2. listening: a ledger holding the 10,000 posts as sent an hour ago, and one
   ``Collector.step`` (the daemon's pass: the inbox, the ``1h`` snapshot of every post, the
   account's followers), through the real Bluesky adapter and the ledger writes.

Printed: the ``getPosts`` calls the collector made against the minimum (⌈10,000 / 25⌉ =
400), the sessions it created (one: sessions are reused), and its wall time as a ratio to the
baseline's (rounds interleaved, so a busy machine hurts both alike).

Run: ``python bench/listening.py [--n 10000] [--rounds 3] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import math
import multiprocessing as mp
import os
import socket
import statistics
import sys
import tempfile
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlparse

DID = "did:plc:benchbenchbenchbenchbench"
HANDLE = "bench-en.example.org"
TOKEN = "bench-access-jwt"


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    calls: ClassVar[dict[str, int]] = {}

    def setup(self) -> None:
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _send(self, body: dict) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _count(self, nsid: str) -> None:
        Handler.calls[nsid] = Handler.calls.get(nsid, 0) + 1

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        nsid = urlparse(self.path).path.removeprefix("/xrpc/")
        self._count(nsid)
        if nsid == "com.atproto.server.createSession":
            self._send({"accessJwt": TOKEN, "refreshJwt": "r", "handle": HANDLE, "did": DID})
        else:
            self._send({})

    def do_GET(self) -> None:
        url = urlparse(self.path)
        nsid = url.path.removeprefix("/xrpc/")
        self._count(nsid)
        if nsid == "bench.calls":
            self._send(dict(Handler.calls))
            return
        q = parse_qs(url.query)
        if nsid == "app.bsky.feed.getPosts":
            uris = q.get("uris") or []
            assert len(uris) <= 25
            self._send(
                {
                    "posts": [
                        {"uri": u, "cid": "c", "likeCount": i, "repostCount": 1,
                         "replyCount": 0, "quoteCount": 0, "author": {"did": DID},
                         "record": {}, "indexedAt": "2026-01-01T00:00:00Z"}
                        for i, u in enumerate(uris)
                    ]
                }
            )  # fmt: skip
        elif nsid == "app.bsky.notification.listNotifications":
            self._send({"notifications": []})
        elif nsid == "app.bsky.actor.getProfile":
            self._send({"did": DID, "handle": HANDLE, "followersCount": 7})
        else:
            self._send({})

    def log_message(self, *args: object) -> None:
        pass


def serve(port_q: mp.Queue) -> None:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    port_q.put(server.server_address[1])
    server.serve_forever()


def uris(n: int) -> list[str]:
    return [f"at://{DID}/app.bsky.feed.post/3kbench{i:07d}" for i in range(n)]


def baseline(base: str, n: int) -> tuple[float, int]:
    import requests

    s = requests.Session()
    all_uris = uris(n)
    t = time.perf_counter()
    calls = 0
    for start in range(0, n, 25):
        r = s.get(
            base + "/xrpc/app.bsky.feed.getPosts",
            params={"uris": all_uris[start : start + 25]},
            headers={"Authorization": f"Bearer {TOKEN}"},
            timeout=(5, 30),
        )
        r.raise_for_status()
        r.json()
        calls += 1
    return time.perf_counter() - t, calls


def calls_so_far(base: str) -> dict[str, int]:
    import requests

    return requests.get(base + "/xrpc/bench.calls", timeout=5).json()


def listening(base: str, n: int) -> tuple[float, int, dict[str, int]]:
    """One collector pass over n posts sent an hour ago; (seconds, snapshots, calls)."""
    from sqlalchemy import update

    from launcher.launch.lifecycle import record_posts
    from launcher.ledger import Ledger
    from launcher.ledger.schema import accounts, posts
    from launcher.listening.collect import Collector
    from launcher.settings import Settings

    # a credential is redacted wherever it appears in the ledger: it must not be a part of
    # the handle or the DID (as no real password is)
    os.environ["BENCH_BSKY_PASSWORD"] = "pw-0000-not-in-any-id"
    settings = Settings(
        {
            "platforms": {
                "bluesky": {
                    "adapter": "bluesky",
                    "options": {"base_url": base, "password": "env:BENCH_BSKY_PASSWORD"},
                }
            }
        }
    )
    now = time.time()
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger(f"sqlite:///{tmp}/ledger.sqlite3")
        all_uris = uris(n)
        record_posts(
            ledger,
            "L",
            [
                {"key": f"p{i}", "due_at": now - 3700, "platform": "bluesky", "locale": "en"}
                for i in range(n)
            ],
            accounts=[{"platform": "bluesky", "locale": "en", "handle": HANDLE}],
            now=now - 3700,
        )
        with ledger.writer.begin() as conn:
            conn.execute(update(accounts).values(state="active", account_id=DID, created=True))
            ids = [p.id for p in ledger.posts("L")]
            for pid, uri in zip(ids, all_uris, strict=True):
                conn.execute(
                    update(posts)
                    .where(posts.c.id == pid)
                    .values(state="sent", sent_at=now - 3660, platform_post_id=uri)
                )
        before = calls_so_far(base)
        collector = Collector(ledger, settings, actor="bench")
        t = time.perf_counter()
        result = collector.step()
        elapsed = time.perf_counter() - t
        after = calls_so_far(base)
        ledger.close()
    made = {k: after.get(k, 0) - before.get(k, 0) for k in after if k != "bench.calls"}
    assert result.snapshots == n, (result.snapshots, result.errors)
    return elapsed, result.snapshots, made


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    q: mp.Queue = mp.Queue()
    server = mp.Process(target=serve, args=(q,), daemon=True)
    server.start()
    base = f"http://127.0.0.1:{q.get(timeout=10)}"
    rounds = []
    made: dict[str, int] = {}
    try:
        baseline(base, 500)  # warm-up
        for _ in range(args.rounds):
            b, bcalls = baseline(base, args.n)
            c, _, made = listening(base, args.n)
            rounds.append((b, c, bcalls))
    finally:
        server.terminate()
    minimum = math.ceil(args.n / 25)
    out = {
        "posts": args.n,
        "get_posts_calls": made.get("app.bsky.feed.getPosts", 0),
        "get_posts_minimum": minimum,
        "calls_ratio": round(made.get("app.bsky.feed.getPosts", 0) / minimum, 3),
        "sessions_created": made.get("com.atproto.server.createSession", 0),
        "other_calls": {k: v for k, v in made.items() if k != "app.bsky.feed.getPosts"},
        "rounds": [
            {"baseline_s": round(b, 3), "collector_s": round(c, 3), "ratio": round(c / b, 3)}
            for b, c, _ in rounds
        ],
        "time_ratio_median": round(statistics.median(c / b for b, c, _ in rounds), 3),
    }
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k:>18}: {v}")


if __name__ == "__main__":
    sys.exit(main())
