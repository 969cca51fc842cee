"""Launching at network speed: the three figures of fanning out, against the same run's baselines.

A local stand-in for each of the five platforms (``bench/standins.py``: Mastodon, Bluesky XRPC,
X v2, Facebook Graph, Telegram Bot API) answers on 127.0.0.1 after ``--latency`` seconds (250
ms) and answers 429 like the platform past its documented limits. Every account is a standby
account with its own credentials, as an organisation would register them.

1. **one mission, all five platforms** (beirut: 3 locales, 15 accounts): a real ``launcher run
   earthquake --yes`` process; wall time from its start to the last due-now post committed in
   the ledger, against (the longest chain of requests one account needed, as the stand-ins
   counted it, × latency + the same run's plan time: from the process start to the launch
   recorded). Target: ratio ≤ 1.5.
2. **50 missions in one command** (``--missions all`` over a generated missions.yaml): wall
   time to the last due-now post committed (target ≤ 10 s) and the 429s the stand-ins sent
   (target 0).
3. **the daemon, 2,000 posts due at once across 200 accounts** (Mastodon stand-in), against a
   bare loop of as many threads as the daemon has workers, each posting with its own
   ``requests.Session``: throughput ratio (target ≥ 0.8), rounds interleaved.

Run: ``python bench/fanout.py [--latency 0.25] [--missions 50] [--posts 2000] [--json]``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
PLATFORMS = ("mastodon", "bluesky", "x", "facebook", "telegram")
FACTS = ["--set", "region=Bekaa", "--set", "magnitude=5.8"]


def start_server(latency: float) -> tuple[mp.Process, object, str]:
    from standins import serve_forever

    here, there = mp.Pipe()
    proc = mp.Process(target=serve_forever, args=(latency, there), daemon=True)
    proc.start()
    return proc, here, here.recv()


def ask(conn: object, what: str) -> object:
    conn.send(what)  # type: ignore[attr-defined]
    return conn.recv()  # type: ignore[attr-defined]


# -- content and settings ------------------------------------------------------------------
def content_root(tmp: Path, missions: int | None) -> Path:
    """A copy of the shipped content; with ``missions``, that many missions cloned from the
    shipped ones (same languages and contacts, ids m01, m02, ...)."""
    root = tmp / "content"
    root.mkdir()
    for name in ("playbooks", "templates", "locales"):
        shutil.copytree(ROOT / name, root / name, ignore=shutil.ignore_patterns("*.mo"))
    names = ("approvals.yaml", "approval-keys.yaml", "guardrails.yaml", "babel.cfg", "places.yaml")
    for name in names:
        shutil.copy(ROOT / name, root / name)
    doc = yaml.safe_load((ROOT / "missions.yaml").read_text(encoding="utf-8"))
    if missions:
        shipped = list(doc["missions"].values())
        doc["missions"] = {
            f"m{i:02d}": {**shipped[(i - 1) % len(shipped)], "slug": f"m{i:02d}"}
            for i in range(1, missions + 1)
        }
    (root / "missions.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), "utf-8")
    return root


def settings(base: str, root: Path, env: dict[str, str]) -> dict:
    """Every (mission, locale) of every platform a standby account with its own secret."""
    from launcher.content.missions import load_registry

    registry, _ = load_registry(root)
    assert registry is not None
    accounts: dict[str, list] = {p: [] for p in PLATFORMS}
    for mid, m in registry.missions.items():
        for loc in m.locales:
            tag = f"{mid}_{loc}".upper().replace("-", "_")
            for p in PLATFORMS:
                env[f"B_{p.upper()}_{tag}"] = f"{p}-secret-{mid}-{loc}"
            ref = {p: f"env:B_{p.upper()}_{tag}" for p in PLATFORMS}
            accounts["mastodon"].append(
                {"mission": mid, "locale": loc, "credentials": {"token": ref["mastodon"]}}
            )
            accounts["bluesky"].append(
                {"mission": mid, "locale": loc, "credentials": {"password": ref["bluesky"]}}
            )  # fmt: skip
            accounts["x"].append(
                {"mission": mid, "locale": loc, "account_id": f"x-{mid}-{loc}",
                 "credentials": {"access_token": ref["x"]}}
            )  # fmt: skip
            accounts["facebook"].append(
                {"mission": mid, "locale": loc, "account_id": f"p{mid}{loc}",
                 "credentials": {"page_token": ref["facebook"]}}
            )  # fmt: skip
            accounts["telegram"].append(  # one bot per mission, one channel per locale
                {"mission": mid, "locale": loc, "account_id": f"@{mid}_{loc}",
                 "credentials": {"bot_token": f"env:B_TELEGRAM_{mid.upper().replace('-', '_')}"}}
            )  # fmt: skip
            env[f"B_TELEGRAM_{mid.upper().replace('-', '_')}"] = f"123:bot-{mid}"
    env["B_BSKY"] = "bluesky-default-secret"  # required at the platform level; accounts' win
    opts = {
        "mastodon": {"base_url": f"{base}/mastodon"},
        "bluesky": {"base_url": f"{base}/bluesky", "web_url": "", "password": "env:B_BSKY"},
        "x": {"base_url": f"{base}/x"},
        "facebook": {"base_url": f"{base}/facebook"},
        "telegram": {"base_url": f"{base}/telegram"},
    }
    return {
        "platforms": {
            p: {"adapter": p, "options": opts[p], "accounts": accounts[p]} for p in PLATFORMS
        }
    }


def prepare(tmp: Path, base: str, missions: int | None) -> dict[str, str]:
    root = content_root(tmp, missions)
    env = {k: v for k, v in os.environ.items() if not k.startswith("LAUNCHER_")}
    cfg = tmp / "launcher.yaml"
    cfg.write_text(yaml.safe_dump(settings(base, root, env)), "utf-8")
    os.chmod(cfg, 0o600)
    env.update(LAUNCHER_ROOT=str(root), LAUNCHER_CONFIG=str(cfg), LAUNCHER_DATA_DIR=str(tmp / "d"))
    return env


def timed_run(env: dict[str, str], *select: str) -> dict:
    """One real ``launcher run --yes`` process; times read back from its ledger."""
    from launcher.ledger import Ledger

    argv = [sys.executable, "-m", "launcher", "run", "earthquake", *select, *FACTS, "--yes"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.time()
    proc = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=600)
    exited = time.time()
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"run failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}")
    with Ledger(f"sqlite:///{env['LAUNCHER_DATA_DIR']}/ledger.sqlite3") as led:
        launches = [led.resolve(lid) for lid in led.launch_ids()]
        due = [p for rec in launches for p in led.posts(rec.id) if p.due_at <= rec.created_at]
    not_sent = [p for p in due if p.state != "sent"]
    if not_sent:
        raise SystemExit(f"{len(not_sent)} due posts not sent: {not_sent[0].state}")
    last = max(p.sent_at for p in due)
    return {
        "launches": len(launches),
        "due_posts": len(due),
        "wall_s": last - t0,
        "plan_s": min(r.created_at for r in launches) - t0,
        "process_s": exited - t0,
        # the run's own CPU time (user + system): one process, so its wall time is at least
        # this once the waits on the platforms overlap
        "cpu_s": cpu,
    }


# -- figure 3: the daemon against a bare concurrent loop ---------------------------------------
def bare_loop(base: str, tokens: list[str], n: int, threads: int) -> float:
    import requests

    todo = list(range(n))
    lock = threading.Lock()

    def work() -> None:
        s = requests.Session()
        while True:
            with lock:
                if not todo:
                    return
                i = todo.pop()
            r = s.post(
                f"{base}/mastodon/api/v1/statuses",
                json={"status": f"post {i}", "visibility": "public", "language": "en"},
                headers={"Authorization": f"Bearer {tokens[i % len(tokens)]}",
                         "Idempotency-Key": f"bare-{i}"},
                timeout=(5, 30),
            )  # fmt: skip
            r.raise_for_status()
            r.json()

    pool = [threading.Thread(target=work) for _ in range(threads)]
    t = time.perf_counter()
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    return n / (time.perf_counter() - t)


def daemon_round(base: str, tokens: list[str], n: int, workers: int) -> float:
    from launcher.launch.daemon import Daemon
    from launcher.launch.dispatch import Dispatcher
    from launcher.launch.lifecycle import record_posts
    from launcher.ledger import Ledger
    from launcher.settings import Settings

    accounts = [
        {"locale": f"l{i}", "credentials": {"token": f"env:B_DAEMON_{i}"}}
        for i in range(len(tokens))
    ]
    for i, tok in enumerate(tokens):
        os.environ[f"B_DAEMON_{i}"] = tok
    conf = {"platforms": {"mastodon": {"adapter": "mastodon",
                                       "options": {"base_url": f"{base}/mastodon"},
                                       "accounts": accounts}}}  # fmt: skip
    with tempfile.TemporaryDirectory() as tmp:
        ledger = Ledger(f"sqlite:///{tmp}/ledger.sqlite3")
        now = time.time()
        posts = [  # the way a plan orders them: message by message, every account each time
            {"key": f"p{i}", "due_at": now, "platform": "mastodon",
             "locale": f"l{i % len(tokens)}", "text": f"post {i}"}
            for i in range(n)
        ]  # fmt: skip
        record_posts(ledger, "L", posts, now=now)
        dispatcher = Dispatcher(ledger, Settings(conf), actor="bench", workers=workers, batch=200)
        daemon = Daemon(dispatcher, poll=0.5)
        th = threading.Thread(target=daemon.run, kwargs={"install_signals": False})
        t0 = time.time()
        th.start()
        while len(daemon.totals.sent) < n and th.is_alive():
            time.sleep(0.02)
        daemon.request_stop()
        th.join()
        sent = [p.sent_at for p in ledger.posts("L") if p.state == "sent"]
        ledger.close()
    assert len(sent) == n, f"{n - len(sent)} posts not sent"
    return n / (max(sent) - t0)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--latency", type=float, default=0.25)
    ap.add_argument("--missions", type=int, default=50)
    ap.add_argument("--posts", type=int, default=2000)
    ap.add_argument("--accounts", type=int, default=200)
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--only", choices=("one", "many", "daemon"), action="append")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    only = set(args.only or ("one", "many", "daemon"))
    server, conn, base = start_server(args.latency)
    out: dict[str, object] = {"latency_s": args.latency}
    try:
        if "one" in only:
            with tempfile.TemporaryDirectory() as tmp:
                env = prepare(Path(tmp), base, None)
                ask(conn, "reset")
                run = timed_run(env, "--mission", "beirut")
                stats = ask(conn, "stats")
            chain = max(stats["per_account"].values())  # type: ignore[index]
            bound = chain * args.latency + run["plan_s"]
            out["one_mission"] = {
                **{k: round(v, 3) for k, v in run.items()},
                "requests": stats["requests"],  # type: ignore[index]
                "longest_chain_requests": chain,
                "bound_s": round(bound, 3),
                "ratio": round(run["wall_s"] / bound, 3),
                "throttled": stats["throttled_total"],  # type: ignore[index]
                "verify_credentials": sum(
                    n
                    for r, n in stats["routes"].items()
                    if "verify_credentials" in r  # type: ignore[index]
                ),
            }
        if "many" in only:
            with tempfile.TemporaryDirectory() as tmp:
                env = prepare(Path(tmp), base, args.missions)
                ask(conn, "reset")
                run = timed_run(env, "--missions", "all")
                stats = ask(conn, "stats")
            chain = max(stats["per_account"].values())  # type: ignore[index]
            out["many_missions"] = {
                "missions": args.missions,
                **{k: round(v, 3) if isinstance(v, float) else v for k, v in run.items()},
                "requests": stats["requests"],  # type: ignore[index]
                "longest_chain_requests": chain,
                "throttled_429": stats["throttled_total"],  # type: ignore[index]
                "server_cpu_s": stats["server_cpu_s"],  # type: ignore[index]
                # what the platforms alone would allow: the longest chain of one account
                "chain_floor_s": round(chain * args.latency, 3),
                "target_wall_s": 10.0,
            }
        if "daemon" in only:
            tokens = [f"daemon-token-{i}" for i in range(args.accounts)]
            rounds = []
            for _ in range(args.rounds):  # interleaved: a busy machine slows both alike
                b = bare_loop(base, tokens, args.posts, args.accounts)
                d = daemon_round(base, tokens, args.posts, args.accounts)
                rounds.append(
                    {"baseline_posts_per_s": round(b, 1), "daemon_posts_per_s": round(d, 1),
                     "ratio": round(d / b, 3)}
                )  # fmt: skip
            out["daemon"] = {
                "posts": args.posts,
                "accounts": args.accounts,
                "concurrency": args.accounts,
                "rounds": rounds,
                "ratio_median": round(statistics.median(r["ratio"] for r in rounds), 3),
                "throttled_429": ask(conn, "stats")["throttled_total"],  # type: ignore[index]
            }
    finally:
        ask(conn, "stop")
        server.join(5)
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k}: {json.dumps(v)}")


if __name__ == "__main__":
    sys.exit(main())
