"""The audit chain: what linking (and signing) every event costs, measured in the same run.

Every write transaction that records audit events links them into the hash chain right
before it commits (launcher/audit/chain.py). The baseline here is the same ledger with that
hook taken off, in the same process, rounds alternating (so a busy moment of the machine hits
both). Figures, on a real SQLite file (``--url`` for PostgreSQL):

1. send cycle: the ledger's part of sending one post (claim in batches of 50, check, record
   "sent" with its event: one commit per post), unchained / chained / chained and signed by
   a person's key (what ``run`` and ``approve launch`` do);
2. dispatch: posts delivered end to end by the dispatcher to the local sandbox;
3. recording a launch of 1,000 posts (one commit, one event);
4. ``log --verify`` of a chain of ``--events`` events, against reading the same events
   (``launcher log``'s query) as the baseline;
5. the four-eyes check at an approval (the runner's signed ``launch.created`` link, checked on
   its own) in that ledger.

Run: ``python bench/audit.py [--posts 500] [--rounds 3] [--events 100000] [--url URL] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path

from nacl.signing import SigningKey
from sqlalchemy import event

from launcher.audit import chain
from launcher.audit.signer import Signer, signing_as
from launcher.launch.lifecycle import record_posts
from launcher.ledger import Ledger
from launcher.people.registry import key_id_of

KEY = SigningKey.generate()
SIGNER = Signer("bench", key_id_of(bytes(KEY.verify_key)), lambda b: KEY.sign(b).signature)
MODES = ("unchained", "chained", "signed")


def _ledger(url: str, mode: str) -> Ledger:
    led = Ledger(url)
    if mode == "unchained":
        event.remove(led.engine, "commit", chain._on_commit)
    return led


def _posts(n: int, due: float, prefix: str) -> list[dict]:
    return [
        {"key": f"{prefix}{i}", "due_at": due, "text": f"post {i} " + "x" * 200} for i in range(n)
    ]


def send_cycle(url: str, mode: str, n: int, name: str) -> float:
    now = time.time()
    with _ledger(url, mode) as led, signing_as(SIGNER if mode == "signed" else None):
        record_posts(led, name, _posts(n, now - 1, "c"), now=now, actor="bench")
        t = time.perf_counter()
        done = 0
        while done < n:
            claims = led.claim_due(worker="w", now=now, lease=60.0, limit=50, launch_id=name)
            for c in claims:
                assert led.begin_send(c.post.id, worker="w", now=now, lease=60.0)
                led.mark_sent(
                    c.post.id,
                    actor="bench",
                    now=now,
                    platform_post_id=f"id-{c.post.id}",
                    launch_id=c.post.launch_id,
                )
            done += len(claims)
        return (time.perf_counter() - t) / n


def dispatch(url: str, mode: str, n: int, name: str, folder: Path) -> float:
    from launcher.launch.dispatch import Dispatcher
    from launcher.settings import Settings

    now = time.time()
    outbox = folder / f"outbox-{name}.jsonl"
    settings = Settings({"platforms": {"sandbox": {"options": {"outbox": str(outbox)}}}})
    with _ledger(url, mode) as led, signing_as(SIGNER if mode == "signed" else None):
        record_posts(led, name, _posts(n, now - 1, "d"), now=now, actor="bench")
        dispatcher = Dispatcher(led, settings, actor="bench")
        t = time.perf_counter()
        result = dispatcher.run_due(launch_id=name)
        took = time.perf_counter() - t
        dispatcher.close()
    assert len(result.sent) == n, "not everything was sent"
    return n / took


def record_launch(url: str, mode: str, name: str, n: int = 1000) -> float:
    with _ledger(url, mode) as led:
        posts = _posts(n, time.time() + 3600, "r")
        t = time.perf_counter()
        record_posts(led, name, posts)
        return time.perf_counter() - t


def verify_figures(url: str, events: int) -> dict[str, float]:
    """(seconds to verify the whole chain, seconds to read the same events, ms of one
    four-eyes check), on a ledger grown to ``events`` events."""
    from sqlalchemy import func, select

    from launcher.audit.chain import PublicKey, signed_by, verify_chain
    from launcher.ledger.schema import events as events_table

    keys = {SIGNER.key_id: PublicKey(SIGNER.key_id, "bench", bytes(KEY.verify_key))}
    with Ledger(url) as led:
        with signing_as(SIGNER):
            led.record_event(at=1.0, actor="bench", action="launch.created", launch_id="V")
        with led.engine.connect() as conn:
            have = conn.execute(select(func.count()).select_from(events_table)).scalar() or 0
        batch = 5000
        while have < events:
            rows = [
                {
                    "at": 2.0,
                    "actor": "daemon",
                    "launch_id": "V",
                    "post_id": i,
                    "action": "post.sent",
                    "detail": '{"platform_post_id": "x"}',
                }
                for i in range(min(batch, events - have))
            ]
            with led.writer.begin() as conn:
                chain.insert_events(conn, rows)
            have += len(rows)
        t = time.perf_counter()
        with led.engine.connect() as conn:
            report = verify_chain(conn, keys)
        verify = time.perf_counter() - t
        assert report.ok, report.problems[:3]
        t = time.perf_counter()
        read = len(led.events())
        baseline = time.perf_counter() - t
        assert read >= events
        t = time.perf_counter()
        for _ in range(20):
            with led.engine.connect() as conn:
                person, problem = signed_by(conn, "V", "launch.created", keys)
        four_eyes = (time.perf_counter() - t) / 20
        assert person == "bench" and problem is None
    return {"verify_s": verify, "read_events_s": baseline, "four_eyes_ms": four_eyes * 1e3}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=500)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--events", type=int, default=100_000)
    ap.add_argument("--url", help="a database URL (default: a SQLite file in a temp dir)")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    runs: dict[str, dict[str, list[float]]] = {m: {} for m in MODES}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        url = args.url or f"sqlite:///{folder / 'ledger.sqlite3'}"
        for r in range(args.rounds):
            for mode in MODES:
                name = f"{mode}-{r}"
                figures = {
                    "send_cycle_ms_per_post": send_cycle(url, mode, args.posts, "c" + name) * 1e3,
                    "dispatch_posts_per_s": dispatch(url, mode, args.posts, "d" + name, folder),
                    "record_1000_posts_ms": record_launch(url, mode, "r" + name) * 1e3,
                }
                for k, v in figures.items():
                    runs[mode].setdefault(k, []).append(v)
        verify_url = args.url or f"sqlite:///{folder / 'verify.sqlite3'}"
        chain_figures = verify_figures(verify_url, args.events)
    out = {m: {k: round(statistics.median(v), 3) for k, v in f.items()} for m, f in runs.items()}
    ratios = {m: {k: round(out[m][k] / out["unchained"][k], 2) for k in out[m]} for m in MODES[1:]}
    chain_figures = {k: round(v, 3) for k, v in chain_figures.items()}
    ratio_verify = round(chain_figures["verify_s"] / chain_figures["read_events_s"], 2)
    if args.json:
        print(
            json.dumps(
                {
                    "posts": args.posts,
                    **out,
                    "ratios": ratios,
                    "events": args.events,
                    **chain_figures,
                    "verify/read": ratio_verify,
                }
            )
        )
        return
    print(f"audit chain; {args.posts} posts per figure, median of {args.rounds} rounds")
    print(f"{'':>26} {'unchained':>10} {'chained':>10} {'signed':>10} {'ratio':>14}")
    for k in out["chained"]:
        row = " ".join(f"{out[m][k]:>10}" for m in MODES)
        print(f"{k:>26} {row}  {ratios['chained'][k]:>5}x {ratios['signed'][k]:>5}x")
    print(
        f"log --verify of {args.events} events: {chain_figures['verify_s']} s (reading them:"
        f" {chain_figures['read_events_s']} s, {ratio_verify}x); four-eyes check:"
        f" {chain_figures['four_eyes_ms']} ms"
    )


if __name__ == "__main__":
    main()
