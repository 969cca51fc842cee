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
