"""The adapters' HTTP transport: proxy and CA settings read from the environment once, and a
request sent straight to requests' transport with what ``Session.request`` would have sent."""

from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import responses

from launcher.adapters.http import HostSession, _Transport


def test_proxy_settings_come_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.org:3128")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    t = _Transport("https://social.example.org")
    assert t.proxies.get("https") == "http://proxy.example.org:3128"


def test_no_proxy_is_honoured(monkeypatch) -> None:
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.org:3128")
    monkeypatch.setenv("NO_PROXY", "social.example.org")
    assert "https" not in _Transport("https://social.example.org").proxies


def test_senders_starting_together_scan_the_environment_once(monkeypatch) -> None:
    """A large launch starts its sending threads at once, each with its own transport: the
    environment (a thousand accounts' credentials in it) is scanned for proxies once per
    host, not once per thread."""
    import time

    import requests

    scans: list[str] = []
    real = requests.utils.get_environ_proxies

    def slow_scan(url: str, no_proxy: str | None = None) -> dict[str, str]:
        scans.append(url)
        time.sleep(0.05)  # the scan is slow: the others arrive while it runs
        return real(url, no_proxy)

    monkeypatch.setattr(requests.utils, "get_environ_proxies", slow_scan)
    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example.org:3128")
    start = threading.Barrier(16)
    proxies: list[dict[str, str]] = []

    def sender() -> None:
        start.wait()
        proxies.append(_Transport("https://together.example.org").proxies)

    threads = [threading.Thread(target=sender) for _ in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert scans == ["https://together.example.org"]
    assert len(proxies) == 16
    assert all(p.get("https") == "http://proxy.example.org:3128" for p in proxies)


def test_ca_bundle_from_the_environment(monkeypatch, tmp_path) -> None:
    bundle = tmp_path / "ca.pem"
    bundle.write_text("-----BEGIN CERTIFICATE-----\n")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    assert _Transport("https://social.example.org").verify == str(bundle)


@responses.activate
def test_a_request_carries_its_query_body_and_headers() -> None:
    """What ``requests.Session.request`` would have sent: the query string, the JSON body
    and its type, the caller's headers over the defaults (None removes one), no cookie."""
    responses.post("https://social.example.org/api/v1/statuses", json={"id": "1"})
    session = HostSession("https://social.example.org")
    resp = session.request(
        "post",
        "https://social.example.org/api/v1/statuses",
        params={"a": "1 2"},
        json={"status": "héllo"},
        headers={"Authorization": "Bearer t", "Accept-Encoding": None},
        timeout=(1, 2),
    )
    assert resp.json() == {"id": "1"}
    sent = responses.calls[0].request
    assert sent.method == "POST"
    assert sent.url == "https://social.example.org/api/v1/statuses?a=1+2"
    assert json.loads(sent.body) == {"status": "héllo"}
    assert sent.headers["Content-Type"] == "application/json"
    assert sent.headers["Authorization"] == "Bearer t"
    assert sent.headers["User-Agent"].startswith("launcher/")
    assert "Accept-Encoding" not in sent.headers
    assert "Cookie" not in sent.headers


def test_each_thread_keeps_its_connection_alive() -> None:
    """Against a real server on 127.0.0.1: the requests of one thread share one connection,
    another thread opens its own."""
    peers: list[tuple[str, int]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *args: object) -> None:
            return None

        def do_GET(self) -> None:
            peers.append(self.client_address)
            body = b'{"ok": true}'
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        base = f"http://127.0.0.1:{server.server_address[1]}"
        session = HostSession(base)
        for _ in range(3):
            assert session.request("GET", f"{base}/x", timeout=(2, 2)).json() == {"ok": True}
        other = threading.Thread(target=lambda: session.request("GET", f"{base}/y", timeout=(2, 2)))
        other.start()
        other.join()
    finally:
        server.shutdown()
        server.server_close()
    assert len(peers) == 4
    assert len(set(peers[:3])) == 1  # one kept-alive connection for the first thread
    assert peers[3] != peers[0]


class _Recorder(BaseHTTPRequestHandler):
    """Answers every GET with JSON naming this server, and records the request line, the
    Cookie header and the peer; the first answer sets a cookie."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args: object) -> None:
        return None

    def do_GET(self) -> None:
        seen = self.server.seen  # type: ignore[attr-defined]
        seen.append((self.requestline, self.headers.get("Cookie"), self.client_address))
        body = json.dumps({"server": self.server.name}).encode()  # type: ignore[attr-defined]
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if len(seen) == 1:
            self.send_header("Set-Cookie", "session=abc; Path=/")
        self.end_headers()
        self.wfile.write(body)


def _serve(name: str) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.seen = []  # type: ignore[attr-defined]
    server.name = name  # type: ignore[attr-defined]
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _base(server: ThreadingHTTPServer) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def test_each_origin_keeps_its_own_pool_until_the_transport_is_closed(monkeypatch) -> None:
    """The transport keeps the connection pool of each origin it was asked for: requests to
    two servers from one thread each reach their own server over one kept-alive connection;
    once the transport is closed, its connections are, and the next request opens one."""
    for name in ("HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    one, two = _serve("one"), _serve("two")
    try:
        transport = _Transport(_base(one))
        get = lambda url: transport.send("GET", url, None, None, None, None, None, (2, 2))  # noqa: E731
        answers = [get(f"{_base(s)}/n/{i}").json()["server"] for i in range(2) for s in (one, two)]
        transport.adapter.close()
        answers.append(get(f"{_base(one)}/after").json()["server"])
    finally:
        for s in (one, two):
            s.shutdown()
            s.server_close()
    assert answers == ["one", "two", "one", "two", "one"]
    lines = [line for line, _, _ in one.seen]  # type: ignore[attr-defined]
    assert lines == ["GET /n/0 HTTP/1.1", "GET /n/1 HTTP/1.1", "GET /after HTTP/1.1"]
    peers = [peer for _, _, peer in one.seen]  # type: ignore[attr-defined]
    assert peers[0] == peers[1] != peers[2]  # kept alive, then a new connection


def test_no_cookie_is_kept_from_an_answer() -> None:
    """A platform that sets a cookie: the answer shows none, and no later request sends it."""
    server = _serve("one")
    try:
        session = HostSession(_base(server))
        first = session.request("GET", f"{_base(server)}/a", timeout=(2, 2))
        second = session.request("GET", f"{_base(server)}/b", timeout=(2, 2))
    finally:
        server.shutdown()
        server.server_close()
    assert first.headers["Set-Cookie"].startswith("session=")  # the platform did set one
    assert len(first.cookies) == 0 and second.status_code == 200
    assert [cookie for _, cookie, _ in server.seen] == [None, None]  # type: ignore[attr-defined]


def test_a_proxied_request_goes_through_the_proxy_with_its_whole_address(monkeypatch) -> None:
    """With HTTP_PROXY set, the request is sent to the proxy, its request line the whole
    address (requests' own proxy path); without it, the same transport code sends the path
    alone to the server itself."""
    proxy = _serve("proxy")
    try:
        monkeypatch.setenv("HTTP_PROXY", _base(proxy))
        for name in ("NO_PROXY", "no_proxy", "http_proxy"):
            monkeypatch.delenv(name, raising=False)
        session = HostSession("http://platform.example.org")
        resp = session.request("GET", "http://platform.example.org/api/v1/x?q=1", timeout=(2, 2))
        monkeypatch.delenv("HTTP_PROXY")
        direct = _Transport(_base(proxy))
        assert direct.proxies == {}
        direct.send("GET", f"{_base(proxy)}/own/path?q=2", None, None, None, None, None, (2, 2))
    finally:
        proxy.shutdown()
        proxy.server_close()
    assert resp.json() == {"server": "proxy"}
    lines = [line for line, _, _ in proxy.seen]  # type: ignore[attr-defined]
    assert lines == ["GET http://platform.example.org/api/v1/x?q=1 HTTP/1.1",
                     "GET /own/path?q=2 HTTP/1.1"]  # fmt: skip
