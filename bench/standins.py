"""Stand-ins for the five platforms' APIs as launcher uses them, on 127.0.0.1, for benchmarks.

One HTTP/1.1 server (keep-alive, one thread per connection) serves, each under its own prefix:

- ``/mastodon``: ``PATCH /api/v1/accounts/update_credentials``, ``GET .../verify_credentials``,
  ``POST /api/v1/statuses``, ``POST /api/v1/statuses/:id/pin``;
- ``/bluesky``: XRPC ``createSession``, ``refreshSession``, ``getRecord``, ``putRecord``
  (``swapRecord`` honoured: a create over an existing record is ``InvalidSwap``);
- ``/x``: ``GET /2/users/me``, ``POST /2/tweets``;
- ``/facebook``: ``POST /v25.0/{page}`` (profile), ``/{page}/feed``, ``/{post}`` (pin);
- ``/telegram``: ``setChatTitle``, ``setChatDescription``, ``sendMessage``, ``pinChatMessage``.

Every answer comes after ``latency`` seconds. Rate limits answer 429 the way each platform does
(Mastodon ``X-RateLimit-*`` with an ISO reset, Bluesky ``RateLimit-*`` with an epoch reset and
a policy, X ``x-rate-limit-*``, Telegram ``retry_after``, Facebook error 80001 with
``X-Business-Use-Case-Usage``), counted in fixed windows aligned on the clock like Mastodon's
rate limiter, with the platforms' documented numbers; every answer carries its headers. The
server counts requests per account and per route and every 429 it sent (``stats``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import socket
import threading
import time
from collections import Counter, defaultdict
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

# (platform, rule) -> (limit, window seconds): the documented limits (shared/platforms.md)
LIMITS = {
    ("mastodon", "requests"): (300, 300),  # per token
    ("mastodon", "statuses"): (300, 3 * 3600),  # per account
    ("bluesky", "requests"): (3000, 300),  # per IP
    ("bluesky", "logins"): (30, 300),  # per account
    ("bluesky", "points"): (5000, 3600),  # write points per DID
    ("x", "posts"): (100, 900),  # per user
    ("telegram", "bot"): (30, 1),  # messages per second per bot
    ("telegram", "chat"): (20, 60),  # messages per minute per chat
    ("facebook", "page"): (4800, 86400),  # calls per page
}


def _jwt(sub: str, kind: str, exp: float) -> str:
    def b64(doc: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(doc).encode()).decode().rstrip("=")

    return f"{b64({'alg': 'HS256'})}.{b64({'sub': sub, 'scope': kind, 'exp': int(exp)})}.sig"


class State:
    """What the stand-ins know and count; shared by the request threads."""

    def __init__(self, latency: float) -> None:
        self.latency = latency
        self.lock = threading.Lock()
        self.windows: dict[tuple[str, str, str], tuple[float, int]] = {}
        self.requests: Counter[str] = Counter()  # account key -> requests
        self.routes: Counter[str] = Counter()  # "platform METHOD route" -> requests
        self.throttled: Counter[str] = Counter()  # platform rule -> 429s sent
        self.ids = 0
        self.records: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.sessions: dict[str, str] = {}  # access or refresh token -> did
        self.cpu_since = time.process_time()  # the server's own CPU time since the reset

    def next_id(self) -> int:
        with self.lock:
            self.ids += 1
            return self.ids

    def hit(
        self, platform: str, rule: str, key: str, cost: int = 1
    ) -> tuple[bool, int, int, float]:
        """Count a request in a fixed window; (allowed, limit, remaining, reset epoch)."""
        limit, window = LIMITS[(platform, rule)]
        now = time.time()
        start = now - now % window
        with self.lock:
            began, used = self.windows.get((platform, rule, key), (start, 0))
            if began != start:
                used = 0
            allowed = used + cost <= limit
            if allowed:
                used += cost
            else:
                self.throttled[f"{platform} {rule}"] += 1
            self.windows[(platform, rule, key)] = (start, used)
        return allowed, limit, max(0, limit - used), start + window

    def stats(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": sum(self.routes.values()),
                "routes": dict(self.routes),
                "per_account": dict(self.requests),
                "throttled": dict(self.throttled),
                "throttled_total": sum(self.throttled.values()),
                "server_cpu_s": round(time.process_time() - self.cpu_since, 3),
            }


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: StandinServer

    def setup(self) -> None:
        super().setup()
        self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args: object) -> None:
        pass

    # -- plumbing ------------------------------------------------------------------------
    def _body(self) -> dict[str, Any]:
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        kind = self.headers.get("Content-Type") or ""
        if not raw:
            return {}
        if "json" in kind:
            return json.loads(raw)
        if "form" in kind:
            return {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        return {}

    def _send(self, status: int, doc: Any, headers: dict[str, str] | None = None) -> None:
        body = json.dumps(doc).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(body)

    def _token(self) -> str:
        auth = self.headers.get("Authorization") or ""
        return auth.removeprefix("Bearer ").strip()

    def _handle(self, method: str) -> None:
        state = self.server.state
        parts = urlsplit(self.path)
        platform, _, rest = parts.path.lstrip("/").partition("/")
        body = self._body() if method in ("POST", "PATCH", "PUT") else {}
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        time.sleep(state.latency)
        route = getattr(self, f"_{platform}", None)
        if route is None:
            self._send(404, {"error": "unknown platform"})
            return
        with state.lock:
            state.routes[f"{platform} {method} {_shape(rest)}"] += 1
        route(state, method, "/" + rest, body, query)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    # -- Mastodon --------------------------------------------------------------------------
    def _mastodon(self, state: State, method: str, path: str, body: Any, query: Any) -> None:
        token = self._token()
        account = "m" + hashlib.sha256(token.encode()).hexdigest()[:10]
        with state.lock:
            state.requests[f"mastodon/{account}"] += 1
        ok, limit, left, reset = state.hit("mastodon", "requests", token)
        headers = {
            "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": str(left),
            "X-RateLimit-Reset": datetime.fromtimestamp(reset, UTC).isoformat(),
        }
        if ok and method == "POST" and path == "/api/v1/statuses":
            ok, *_ = state.hit("mastodon", "statuses", account)
        if not ok:
            self._send(429, {"error": "Too many requests"}, headers)
            return
        if path.startswith("/api/v1/accounts/"):
            self._send(200, {"id": account, "username": account}, headers)
        elif path == "/api/v1/statuses":
            n = state.next_id()
            now = datetime.now(UTC).isoformat()
            self._send(200, {"id": str(n), "url": f"http://m/{n}", "created_at": now}, headers)
        elif path.endswith("/pin"):
            self._send(200, {"id": path.split("/")[-2], "pinned": True}, headers)
        else:
            self._send(404, {"error": "Record not found"}, headers)

    # -- Bluesky ---------------------------------------------------------------------------
    def _bluesky(self, state: State, method: str, path: str, body: Any, query: Any) -> None:
        nsid = path.removeprefix("/xrpc/")
        ok, limit, left, reset = state.hit("bluesky", "requests", self.client_address[0])
        headers = {
            "RateLimit-Limit": str(limit),
            "RateLimit-Remaining": str(left),
            "RateLimit-Reset": str(int(reset)),
            "RateLimit-Policy": f"{limit};w=300",
        }
        if not ok:
            self._send(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"},
                       headers)  # fmt: skip
            return
        if nsid == "com.atproto.server.createSession":
            handle = str(body.get("identifier"))
            did = "did:plc:" + hashlib.sha256(handle.encode()).hexdigest()[:24]
            ok, *_ = state.hit("bluesky", "logins", did)
            if not ok:
                self._send(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"})
                return
            self._session(state, did, handle, headers)
            return
        if nsid == "com.atproto.server.refreshSession":
            did = state.sessions.get(self._token())
            if did is None:
                self._send(400, {"error": "ExpiredToken", "message": "Token has been revoked"})
                return
            self._session(state, did, did, headers)
            return
        did = state.sessions.get(self._token())
        if did is None:
            self._send(400, {"error": "ExpiredToken", "message": "Token has expired"}, headers)
            return
        with state.lock:
            state.requests[f"bluesky/{did}"] += 1
        if nsid == "com.atproto.repo.getRecord":
            key = (query["repo"], query["collection"], query["rkey"])
            rec = state.records.get(key)
            if rec is None:
                self._send(400, {"error": "RecordNotFound", "message": "Could not locate record"},
                           headers)  # fmt: skip
            else:
                self._send(200, rec, headers)
        elif nsid == "com.atproto.repo.putRecord":
            if not state.hit("bluesky", "points", did, 3)[0]:
                self._send(429, {"error": "RateLimitExceeded", "message": "Rate Limit Exceeded"})
                return
            key = (body["repo"], body["collection"], body["rkey"])
            with state.lock:
                have = state.records.get(key)
                if "swapRecord" in body and (have["cid"] if have else None) != body["swapRecord"]:
                    swap = True
                else:
                    swap = False
                    uri = f"at://{key[0]}/{key[1]}/{key[2]}"
                    cid = "bafy" + hashlib.sha256(json.dumps(body["record"]).encode()).hexdigest()
                    state.records[key] = {"uri": uri, "cid": cid[:40], "value": body["record"]}
            if swap:
                self._send(400, {"error": "InvalidSwap", "message": "Record was at another cid"},
                           headers)  # fmt: skip
            else:
                self._send(200, {"uri": uri, "cid": cid[:40]}, headers)
        else:
            self._send(501, {"error": "MethodNotImplemented", "message": nsid}, headers)

    def _session(self, state: State, did: str, handle: str, headers: dict[str, str]) -> None:
        n = state.next_id()
        access = _jwt(did, f"access{n}", time.time() + 7200)
        refresh = _jwt(did, f"refresh{n}", time.time() + 90 * 86400)
        with state.lock:
            state.sessions[access] = state.sessions[refresh] = did
            state.requests[f"bluesky/{did}"] += 1
        doc = {"did": did, "handle": handle, "accessJwt": access, "refreshJwt": refresh}
        self._send(200, doc, headers)

    # -- X -----------------------------------------------------------------------------------
    def _x(self, state: State, method: str, path: str, body: Any, query: Any) -> None:
        user = "x" + hashlib.sha256(self._token().encode()).hexdigest()[:10]
        with state.lock:
            state.requests[f"x/{user}"] += 1
        if path == "/2/users/me":
            self._send(200, {"data": {"id": user}})
            return
        ok, limit, left, reset = state.hit("x", "posts", user)
        headers = {
            "x-rate-limit-limit": str(limit),
            "x-rate-limit-remaining": str(left),
            "x-rate-limit-reset": str(int(reset)),
        }
        if not ok:
            self._send(429, {"title": "Too Many Requests", "status": 429}, headers)
            return
        n = state.next_id()
        self._send(201, {"data": {"id": str(n), "text": body.get("text", "")}}, headers)

    # -- Facebook --------------------------------------------------------------------------
    def _facebook(self, state: State, method: str, path: str, body: Any, query: Any) -> None:
        page = path.split("/")[2].split("_")[0] if path.count("/") >= 2 else "?"
        with state.lock:
            state.requests[f"facebook/{page}"] += 1
        ok, limit, left, _reset = state.hit("facebook", "page", page)
        pct = int(100 * (limit - left) / limit)
        usage = {page: [{"type": "pages", "call_count": pct, "total_cputime": 1,
                         "total_time": 1, "estimated_time_to_regain_access": 0}]}  # fmt: skip
        headers = {"X-Business-Use-Case-Usage": json.dumps(usage)}
        if not ok:
            err = {"message": "Page request limit reached", "code": 80001, "type": "OAuthException"}
            self._send(400, {"error": err}, headers)
            return
        if path.endswith("/feed") or path.endswith("/comments"):
            self._send(200, {"id": f"{page}_{state.next_id()}"}, headers)
        else:
            self._send(200, {"success": True}, headers)

    # -- Telegram --------------------------------------------------------------------------
    def _telegram(self, state: State, method: str, path: str, body: Any, query: Any) -> None:
        bot, _, name = path.lstrip("/").partition("/")
        chat = str(body.get("chat_id"))
        with state.lock:
            state.requests[f"telegram/{chat}"] += 1
        if name in ("sendMessage", "sendPhoto"):
            for rule, key in (("bot", bot), ("chat", chat)):
                ok, _limit, _left, reset = state.hit("telegram", rule, key)
                if not ok:
                    wait = max(1, int(reset - time.time() + 0.999))
                    doc = {"ok": False, "error_code": 429,
                           "description": f"Too Many Requests: retry after {wait}",
                           "parameters": {"retry_after": wait}}  # fmt: skip
                    self._send(429, doc, {"Retry-After": str(wait)})
                    return
            n = state.next_id()
            channel = {"id": -1000 - abs(hash(chat)) % 10**6, "username": chat.lstrip("@")}
            msg = {"message_id": n, "date": int(time.time()), "chat": channel}
            self._send(200, {"ok": True, "result": msg})
        else:
            self._send(200, {"ok": True, "result": True})


def _shape(path: str) -> str:
    """A route with its ids taken out, for counting."""
    return "/".join("{id}" if any(c.isdigit() for c in p) else p for p in path.split("/"))


class StandinServer(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 1024

    def __init__(self, latency: float) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.state = State(latency)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


def serve_in_thread(latency: float) -> StandinServer:
    server = StandinServer(latency)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def serve_forever(latency: float, conn: Any) -> None:
    """For a server process: send the base URL, then answer ``stats``/``stop`` requests."""
    server = serve_in_thread(latency)
    conn.send(server.base)
    while True:
        msg = conn.recv()
        if msg == "stats":
            conn.send(server.state.stats())
        elif msg == "reset":
            with server.state.lock:
                server.state.requests.clear()
                server.state.routes.clear()
                server.state.throttled.clear()
                server.state.windows.clear()  # each figure starts with the platforms' limits whole
                server.state.cpu_since = time.process_time()
            conn.send(True)
        else:
            server.shutdown()
            conn.send(True)
            return


__all__ = ["LIMITS", "StandinServer", "defaultdict", "serve_forever", "serve_in_thread"]
