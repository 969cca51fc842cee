"""Bluesky sessions kept between processes, so a ``run`` after the daemon (or the daemon after a
restart) refreshes the session instead of logging in again: ``createSession`` is limited to 30
per 5 minutes and 300 a day per account.

A session is a secret: it is kept where launcher keeps the tokens of the accounts it creates,
an owner-only file (mode 0600, in a 0700 folder) under the data directory,
``credentials/bluesky-<PDS host>-<handle>.session.token``, never in the ledger, and both its
tokens are registered with the redactor as soon as they are read. A refresh token works once:
two processes refreshing the same session at the same moment would make one of them log in
again, so a refresh happens under an exclusive lock (``locks/``, holding no secret), and a
process that finds the file already refreshed by another adopts that one instead.
"""

from __future__ import annotations

import base64
import contextlib
import fcntl
import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..credentials import remember


def jwt_expiry(token: str) -> float | None:
    """The ``exp`` claim of a JWT (epoch seconds), read without verifying it: only to refresh
    a session before it expires rather than after a refused call. None if unreadable."""
    try:
        payload = token.split(".")[1]
        payload += "=" * (-len(payload) % 4)
        exp = json.loads(base64.urlsafe_b64decode(payload)).get("exp")
        return float(exp) if isinstance(exp, int | float) else None
    except (IndexError, ValueError, TypeError, AttributeError):
        return None


def _safe(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("._") or "_"


class SessionStore:
    """Sessions of one PDS, one file per account, under the data directory ``data``."""

    def __init__(self, data: Path, pds: str) -> None:
        self.folder = data / "credentials"
        self.locks = data / "locks"
        self.host = _safe(pds.split("://", 1)[-1])

    def _path(self, handle: str) -> Path:
        return self.folder / f"bluesky-{self.host}-{_safe(handle.lower())}.session.token"

    def _ensure(self) -> None:
        self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.locks.mkdir(mode=0o700, parents=True, exist_ok=True)

    def load(self, handle: str) -> dict[str, Any] | None:
        """The stored session of ``handle`` (tokens registered as secrets), or None."""
        try:
            doc = json.loads(self._path(handle).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(doc, dict) or not all(
            isinstance(doc.get(k), str) and doc.get(k)
            for k in ("did", "handle", "accessJwt", "refreshJwt")
        ):
            return None
        remember(doc["accessJwt"])
        remember(doc["refreshJwt"])
        return doc

    def save(self, handle: str, session: dict[str, Any]) -> None:
        """Write atomically, owner-only; a failure to write only costs a later login."""
        doc = {k: session[k] for k in ("did", "handle", "accessJwt", "refreshJwt")}
        path = self._path(handle)
        try:
            self._ensure()
            tmp = path.with_name(f"{path.name}.{os.getpid()}.token")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with open(fd, "w", encoding="utf-8") as fh:
                json.dump(doc, fh)
            os.replace(tmp, path)
        except OSError:
            return

    def forget(self, handle: str) -> None:
        with contextlib.suppress(OSError):
            self._path(handle).unlink()

    @contextlib.contextmanager
    def locked(self, handle: str) -> Iterator[None]:
        """An exclusive lock on one account's session, across processes."""
        try:
            self._ensure()
            lock = open(self.locks / f"{self._path(handle).name}.lock", "a")  # noqa: SIM115
        except OSError:
            yield
            return
        with lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)
