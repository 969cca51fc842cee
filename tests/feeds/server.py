"""A stand-in feed server on 127.0.0.1 (http.server in a thread): serves what a test sets,
with the validators real feeds use (ETag / 304), and the failures they have (500, 429, an
answer that never comes)."""

from __future__ import annotations

import contextlib
import hashlib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Doc:
    body: bytes | Callable[[dict[str, str]], bytes]  # or built from the query
    status: int = 200
    content_type: str = "application/json"
    delay: float = 0.0  # seconds before answering (a timeout, for a short client timeout)
    etag: bool = True


@dataclass
class FeedServer:
    docs: dict[str, Doc] = field(default_factory=dict)
    requests: list[tuple[str, str, dict[str, str]]] = field(default_factory=list)

    def start(self) -> FeedServer:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                owner.requests.append((parts.path, parts.query, dict(self.headers)))
                doc = (
                    owner.docs.get(parts.path)
                    or next(
                        (  # "/prefix/*": every path under it (one per country)
                            d
                            for k, d in owner.docs.items()
                            if k.endswith("*") and parts.path.startswith(k[:-1])
                        ),
                        None,
                    )
                )
                if doc is None:
                    self.send_response(404)
                    self.end_headers()
                    return
                if doc.delay:
                    time.sleep(doc.delay)
                query = {**dict(parse_qsl(parts.query)), "_path": parts.path}
                body = doc.body(query) if callable(doc.body) else doc.body
                tag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                if doc.status == 200 and doc.etag and self.headers.get("If-None-Match") == tag:
                    self.send_response(304)
                    self.send_header("ETag", tag)
                    self.end_headers()
                    return
                self.send_response(doc.status)
                self.send_header("Content-Type", doc.content_type)
                if doc.status == 200 and doc.etag:
                    self.send_header("ETag", tag)
                if doc.status == 429:
                    self.send_header("Retry-After", "120")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def log_message(self, *_args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()
        return self

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def hits(self, path: str) -> list[dict[str, str]]:
        return [h for p, _q, h in self.requests if p == path]
