"""Stand-in notification services on 127.0.0.1: an apprise ``json://`` endpoint and an SMTP
server, each in a thread, recording what they received."""

from __future__ import annotations

import base64
import json
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class JsonSink:
    """Answers POSTs with ``status`` (200: accepted) and keeps each request."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 200
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                n = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(n)
                sink.received.append(
                    {"path": self.path, "headers": dict(self.headers), "raw": raw.decode(),
                     "json": json.loads(raw or b"{}")}
                )  # fmt: skip
                self.send_response(sink.status)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class SmtpSink:
    """Enough SMTP (EHLO, AUTH PLAIN/LOGIN, MAIL, RCPT, DATA) to receive what apprise sends."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self.logins: list[str] = []
        sink = self

        class Handler(socketserver.StreamRequestHandler):
            def reply(self, line: str) -> None:
                self.wfile.write((line + "\r\n").encode())

            def handle(self) -> None:
                self.reply("220 sink ESMTP")
                mail: dict[str, Any] = {"rcpt": []}
                while True:
                    line = self.rfile.readline().decode(errors="replace").rstrip("\r\n")
                    if not line:
                        return
                    verb = line.split(" ", 1)[0].upper()
                    if verb in ("EHLO", "HELO"):
                        self.reply("250-sink")
                        self.reply("250 AUTH PLAIN LOGIN")
                    elif verb == "AUTH":
                        parts = line.split()
                        if parts[1].upper() == "PLAIN" and len(parts) > 2:
                            sink.logins.append(base64.b64decode(parts[2]).decode())
                        elif parts[1].upper() == "LOGIN":
                            self.reply("334 VXNlcm5hbWU6")
                            user = base64.b64decode(self.rfile.readline().strip()).decode()
                            self.reply("334 UGFzc3dvcmQ6")
                            pw = base64.b64decode(self.rfile.readline().strip()).decode()
                            sink.logins.append(f"{user}:{pw}")
                        self.reply("235 ok")
                    elif verb == "MAIL":
                        mail["from"] = line
                        self.reply("250 ok")
                    elif verb == "RCPT":
                        mail["rcpt"].append(line)
                        self.reply("250 ok")
                    elif verb == "DATA":
                        self.reply("354 go on")
                        data = []
                        while True:
                            chunk = self.rfile.readline().decode(errors="replace")
                            if chunk in (".\r\n", ".\n", ""):
                                break
                            data.append(chunk)
                        mail["data"] = "".join(data)
                        sink.messages.append(mail)
                        mail = {"rcpt": []}
                        self.reply("250 queued")
                    elif verb == "QUIT":
                        self.reply("221 bye")
                        return
                    else:
                        self.reply("250 ok")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
