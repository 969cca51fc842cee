"""Canary secrets against a hostile server: no credential ever leaves launcher.

A real HTTP server on 127.0.0.1 plays all five platforms (Mastodon, Bluesky, X, Facebook,
Telegram) and answers errors (401, 403, 422, 500) whose body echoes the request it received:
URL, headers and body, the way a proxy, a misconfigured instance or a hostile server would.
Every credential is a canary: the configured ones, the token and session the server hands
out, and the password launcher generates for a new Mastodon account. The real CLI runs as
separate processes (each must register its secrets itself): `run`s with everything refused,
with account creation refused, and with setup accepted and publishing refused, `daemon --once`
with debug logs in JSON and in text, `status`, `status --json`, `log` and `log --json`.

The canaries, in every form text quotes them in (as is, JSON-escaped, percent-encoded,
HTML-escaped), must appear nowhere: stdout, stderr, logs, the audit trail, the raw bytes of
every file in the data directory: the ledger (after the processes end, what was in its WAL
is in the file; the WAL of an open ledger is scanned by tests/ledger/test_boundaries.py) and
the sandbox outbox (one mission's X posts go to the sandbox). Only ``<data dir>/credentials/``
holds the created account's token and password, as designed (owner-only files).
"""

from __future__ import annotations

import html
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import quote, quote_plus, urlsplit

import pytest

CANARIES = {
    "CANARY_MASTODON_APP": "mastodon-app-CANARY-3f9a+Zq/Xw==",
    "CANARY_MASTODON": "mastodon-user-it-CANARY-0b1d+Gg/Hh==",
    "CANARY_X": "x-user-CANARY-51e2+aa/Bb==",
    "CANARY_FB": "fb-page-CANARY-c0ff+ee/Cc==",
    "CANARY_FB_SECRET": "fb-appsecret-CANARY-77d1",
    "CANARY_TG": "7777777:tg-bot-CANARY-beef",
    "CANARY_BSKY": 'bsky-pw-CANARY-"42"+Dd/&',
}
#: what the server hands out: a Mastodon user token, a Bluesky session
RETURNED = {
    "mastodon_user": "mastodon-user-CANARY-9d2e+Ee/Ff==",
    "bsky_access": "bsky-access-CANARY-jwt.a1b2",
    "bsky_refresh": "bsky-refresh-CANARY-jwt.c3d4",
}
T0 = "2026-07-01T08:00:00Z"


def forms(secret: str) -> set[str]:
    """The secret as text quotes it: as is, JSON-escaped once or twice, percent-encoded,
    HTML-escaped."""
    escaped = {json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)[1:-1]}
    twice = {json.dumps(e)[1:-1] for e in escaped}
    return {secret, *escaped, *twice, quote(secret, safe=""), quote(secret), quote_plus(secret),
            html.escape(secret)}  # fmt: skip


class EchoServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.mode = "deny"  # deny | refuse-accounts | setup-ok
        self.seen: list[str] = []  # every request, as echoed

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class Handler(BaseHTTPRequestHandler):
    server: EchoServer

    def log_message(self, *args: object) -> None:
        pass

    def _handle(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace")
        echo = f"Cannot {self.command} {self.path} headers={dict(self.headers)} body={body}"
        self.server.seen.append(echo)
        platform, _, rest = self.path.lstrip("/").partition("/")
        answer = None if self.server.mode == "deny" else self._setup(platform, "/" + rest, body)
        if answer is None:
            answer = self._refusal(platform, echo)
        status, doc = answer
        data = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Retry-After", "0")  # no waiting between retries
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

    @staticmethod
    def _refusal(platform: str, echo: str) -> tuple[int, dict]:
        """An error that quotes the request, in the shape each platform's errors have."""
        status = {"mastodon": 401, "x": 403, "fb": 403, "tg": 401, "bsky": 500}[platform]
        doc = {
            "mastodon": {"error": echo},
            "x": {"detail": echo, "title": "Forbidden"},
            "fb": {"error": {"message": echo, "code": 200, "type": "OAuthException"}},
            "tg": {"ok": False, "error_code": status, "description": echo},
            "bsky": {"error": "InternalServerError", "message": echo},
        }[platform]
        return status, doc

    def _setup(self, platform: str, path: str, body: str) -> tuple[int, dict] | None:
        """The answers that let accounts be set up (publishing is always refused)."""
        route = urlsplit(path).path
        if platform == "mastodon":
            if route == "/api/v2/instance":
                return 200, {"registrations": {"enabled": True, "approval_required": False}}
            if route == "/api/v1/accounts":
                if self.server.mode == "refuse-accounts":
                    return 422, {"error": f"Validation failed: {body}"}
                return 200, {"access_token": RETURNED["mastodon_user"], "token_type": "Bearer"}
            if route in (
                "/api/v1/accounts/update_credentials",
                "/api/v1/accounts/verify_credentials",
            ):
                return 200, {"id": "1"}
        if platform == "fb" and route == "/v25.0/1048576":
            return 200, {"success": True}
        if platform == "tg" and route.endswith(("/setChatTitle", "/setChatDescription")):
            return 200, {"ok": True, "result": True}
        if platform == "bsky":
            if route == "/xrpc/com.atproto.server.createSession":
                return 200, {
                    "did": "did:plc:canary",
                    "handle": "tl-rome-it.test",
                    "accessJwt": RETURNED["bsky_access"],
                    "refreshJwt": RETURNED["bsky_refresh"],
                }
            if route == "/xrpc/com.atproto.repo.getRecord":
                return 400, {"error": "RecordNotFound", "message": "no profile yet"}
            if route == "/xrpc/com.atproto.repo.putRecord" and '"app.bsky.actor.profile"' in body:
                return 200, {"uri": "at://did:plc:canary/app.bsky.actor.profile/self", "cid": "c1"}
        return None


@pytest.fixture
def server() -> Iterator[EchoServer]:
    srv = EchoServer()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        srv.server_close()


def settings_file(tmp_path: Path, base: str) -> Path:
    cfg = tmp_path / "launcher.yaml"
    cfg.write_text(
        f"""\
platforms:
  mastodon:
    adapter: mastodon
    options: {{base_url: "{base}/mastodon", app_token: env:CANARY_MASTODON_APP}}
    # it: a standby account with its own token; en, fr: created with the app token
    accounts: [{{locale: it, credentials: {{token: env:CANARY_MASTODON}}}}]
  x:
    adapter: x
    options: {{base_url: "{base}/x", access_token: env:CANARY_X}}
    accounts: [{{account_id: "2244994945"}}]
  facebook:
    adapter: facebook
    options:
      base_url: "{base}/fb"
      page_token: env:CANARY_FB
      app_secret: env:CANARY_FB_SECRET
    accounts: [{{account_id: "1048576"}}]
  telegram:
    adapter: telegram
    options: {{base_url: "{base}/tg", bot_token: env:CANARY_TG}}
    accounts: [{{account_id: "@tl_rome"}}]
  bluesky:
    adapter: bluesky
    options: {{base_url: "{base}/bsky", password: env:CANARY_BSKY, handle_domain: .test}}
    accounts: [{{}}]
missions:
  beirut:  # its X posts go to the sandbox, so there is an outbox to scan too
    platforms:
      x: {{adapter: sandbox}}
"""
    )
    return cfg


def every_platform(root: Path) -> None:
    """The test playbook posts to all five platforms (it is then not approved: the runs are
    emergency overrides, which send at once)."""
    pb = root / "playbooks" / "quake.yaml"
    text = pb.read_text()
    assert "platforms: [mastodon, x, bluesky]" in text
    pb.write_text(
        text.replace(
            "platforms: [mastodon, x, bluesky]",
            "platforms: [mastodon, x, bluesky, facebook, telegram]",
        )
    )


def test_no_canary_leaves_through_any_output_or_file(
    server: EchoServer, mini_root: Path, tmp_path: Path
) -> None:
    every_platform(mini_root)
    cfg = settings_file(tmp_path, server.base)
    data = Path(os.environ["LAUNCHER_DATA_DIR"])
    env = {**os.environ, **CANARIES, "LAUNCHER_DATA_DIR": str(data), "LAUNCHER_ACTOR": "drill"}
    env.pop("LAUNCHER_DEBUG", None)

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        argv = [sys.executable, "-m", "launcher", "--root", str(mini_root), "--config", str(cfg)]
        return subprocess.run(
            [*argv, *args], env=env, capture_output=True, text=True, timeout=120, check=False
        )

    run = ("run", "quake", "-m", "rome", "--set", "region=Lazio", "--set", "magnitude=6.1",
           "--at", T0, "--now", T0, "--really", "--again", "--emergency", "--reason",
           "canary drill", "--yes")  # fmt: skip
    outputs: dict[str, subprocess.CompletedProcess[str]] = {}
    for mode in ("deny", "refuse-accounts", "setup-ok"):
        server.mode = mode
        outputs[f"run ({mode})"] = cli(*run)
    outputs["run --json (setup-ok)"] = cli(*run, "--json")
    outputs["run beirut (setup-ok)"] = cli(*[("beirut" if a == "rome" else a) for a in run])
    outputs["daemon json"] = cli(
        "daemon", "--once", "--now", "2026-07-01T11:05:00Z", "--really",
        "--log-level", "debug", "--log-format", "json",
    )  # fmt: skip
    outputs["daemon text"] = cli(
        "daemon", "--once", "--now", "2026-07-01T17:05:00Z", "--really",
        "--log-level", "debug", "--log-format", "text",
    )  # fmt: skip
    launches = [x["launch"] for x in json.loads(cli("status", "--json").stdout)["launches"]]
    assert len(launches) == 5
    for args in (("status",), ("status", "--json"), ("log",), ("log", "--json")):
        outputs[" ".join(args)] = cli(*args)
    for mode in ("deny", "refuse-accounts", "setup-ok"):  # with their accounts' and posts' errors
        lid = outputs[f"run ({mode})"].stdout.strip().splitlines()[-1]
        assert lid in launches
        for args in (("status", lid), ("status", lid, "--json")):
            outputs[" ".join(args)] = cli(*args)

    # the canaries really were sent, and the server echoed them back
    generated = _generated_password(server)
    secrets = [*CANARIES.values(), *RETURNED.values(), generated]
    sent = "\n".join(server.seen)
    for secret in [*CANARIES.values(), RETURNED["mastodon_user"], RETURNED["bsky_access"]]:
        if secret == CANARIES["CANARY_FB_SECRET"]:
            continue  # never sent at all: only its HMAC of the token (appsecret_proof) is
        assert any(f in sent for f in forms(secret)), f"the server never received {secret!r}"
    assert generated in sent

    # accounts were refused, then set up, and every platform's publishing was refused
    for endpoint in ("POST /mastodon/api/v1/statuses", "POST /x/2/tweets", "/1048576/feed",
                     "/sendMessage", '"collection": "app.bsky.feed.post"'):  # fmt: skip
        assert endpoint in sent, f"nothing was published through {endpoint}"
    for name, proc in outputs.items():
        assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, name
    assert outputs["run (deny)"].returncode == 1
    assert "ACCOUNT FAILED" in outputs["run (deny)"].stdout
    status_all = "\n".join(outputs[k].stdout for k in outputs if k.startswith(("status", "log")))
    assert "[redacted]" in status_all  # the echoes reached the ledger, scrubbed
    daemon_logs = outputs["daemon json"].stderr + outputs["daemon text"].stderr
    assert "[redacted]" in daemon_logs
    assert '"level": "debug"' in outputs["daemon json"].stderr

    for name, proc in outputs.items():
        for stream, text in (("stdout", proc.stdout), ("stderr", proc.stderr)):
            _assert_clean(text, secrets, f"{name} {stream}")

    credentials = data / "credentials"
    files = [p for p in data.rglob("*") if p.is_file() and credentials not in p.parents]
    assert {"ledger.sqlite3", "outbox.jsonl"} <= {p.name for p in files}
    for path in files:  # the ledger (and -wal, -shm), the sandbox outbox, anything else
        _assert_clean(path.read_bytes().decode("utf-8", "replace"), secrets, str(path))
    # the created account's token and password are kept, owner-only, where they belong
    kept = sorted(credentials.iterdir())
    assert {p.suffix for p in kept} == {".token", ".password"}
    assert all(p.stat().st_mode & 0o077 == 0 for p in kept)


def _generated_password(server: EchoServer) -> str:
    """The password launcher made up for the new Mastodon account, as the server received it."""
    from urllib.parse import parse_qs

    for echo in server.seen:
        if echo.startswith("Cannot POST /mastodon/api/v1/accounts "):
            form = parse_qs(echo.split(" body=", 1)[1])
            return form["password"][0]
    raise AssertionError("no account was requested")


def _assert_clean(text: str, secrets: list[str], where: str) -> None:
    for secret in secrets:
        for form in forms(secret):
            assert form not in text, f"canary {secret!r} ({form!r}) leaked in {where}"
