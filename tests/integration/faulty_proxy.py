"""A TCP proxy on 127.0.0.1 in front of a real server, that can take the server away.

``down()`` closes the listening socket and every open connection: clients get "connection
refused", exactly as when the server's process is stopped. ``hang()`` accepts connections and
never answers (a server that stopped responding). ``up()`` serves again on the same port. The
server behind (the real PDS) keeps its data meanwhile, so a test can play an outage of
minutes in the middle of a launch without restarting anything.
"""

from __future__ import annotations

import socket
import threading
from contextlib import suppress


class FaultyProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.mode = "up"
        self._lock = threading.Lock()
        self._open: set[socket.socket] = set()
        self._listener: socket.socket | None = None
        self._listen(0)
        assert self._listener is not None
        self.port = self._listener.getsockname()[1]
        self.connections = 0  # accepted while up: proves traffic went through

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # -- control ---------------------------------------------------------------------------
    def down(self) -> None:
        """Refuse connections and cut the open ones."""
        with self._lock:
            self.mode = "down"
            listener, self._listener = self._listener, None
            if listener is not None:
                with suppress(OSError):
                    listener.shutdown(socket.SHUT_RDWR)
                listener.close()
            self._cut()

    def hang(self) -> None:
        """Accept connections, never answer."""
        with self._lock:
            self.mode = "hang"
            self._cut()
        if self._listener is None:
            self._listen(self.port)

    def up(self) -> None:
        with self._lock:
            self.mode = "up"
            self._cut()  # hung connections end; clients retry on fresh ones
        if self._listener is None:
            self._listen(self.port)

    def close(self) -> None:
        self.down()

    # -- plumbing --------------------------------------------------------------------------
    def _cut(self) -> None:
        for s in list(self._open):
            with suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()
        self._open.clear()

    def _listen(self, port: int) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(64)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return  # closed by down()
            with self._lock:
                if self.mode == "down":
                    client.close()
                    continue
                self._open.add(client)
                if self.mode == "hang":
                    continue  # held open, never answered
                self.connections += 1
            try:
                upstream = socket.create_connection(self.target, timeout=10)
            except OSError:
                client.close()
                continue
            upstream.settimeout(None)
            with self._lock:
                self._open.add(upstream)
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
                s.close()
                with self._lock:
                    self._open.discard(s)
