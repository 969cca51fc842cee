"""The console served by uvicorn on 127.0.0.1 in the test's process, with a clock the test
moves, over a content root whose people are enrolled (passwords, TOTP, console keys)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from launcher.testing import FakeClock
from tests.identities import Cast

PASSWORDS = {
    "d.officer": "officer passphrase one",
    "a.deputy": "deputy passphrase two",
    "v.viewer": "viewer passphrase three",
}
#: the console's clock: a quarter of an hour after the night's earthquake (AT)
NOW = datetime(2026, 3, 28, 3, 10, tzinfo=UTC).timestamp()


@dataclass
class Site:
    url: str
    cast: Cast
    clock: FakeClock
    console: Any
    totp: dict[str, str] = field(default_factory=dict)

    def code(self, person: str, at: float | None = None) -> str:
        import pyotp

        return pyotp.TOTP(self.totp[person]).at(at if at is not None else self.clock())


class Client:
    """Plain HTTP, as a script or an attacker would send it; cookies by hand (requests keeps
    Secure cookies for https only, and the console's are Secure)."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.http = requests.Session()
        self.cookie: str | None = None

    def _cookies(self, response: requests.Response) -> None:
        found = re.search(r"__Host-launcher=([^;]*)", response.headers.get("set-cookie", ""))
        if found:
            self.cookie = found.group(1) or None

    def get(self, path: str) -> requests.Response:
        headers = {"Cookie": f"__Host-launcher={self.cookie}"} if self.cookie else {}
        r = self.http.get(self.site.url + path, headers=headers, allow_redirects=False)
        self._cookies(r)
        return r

    def post(self, path: str, data: dict[str, str]) -> requests.Response:
        headers = {"Cookie": f"__Host-launcher={self.cookie}"} if self.cookie else {}
        r = self.http.post(self.site.url + path, data=data, headers=headers,
                           allow_redirects=False)  # fmt: skip
        self._cookies(r)
        return r

    def csrf(self, path: str = "/signin") -> str:
        found = re.search(r'name="csrf" value="([^"]+)"', self.get(path).text)
        assert found, f"no CSRF token on {path}"
        return found.group(1)

    def sign_in(self, person: str, password: str | None = None, code: str | None = None):
        token = self.csrf("/signin")
        if code is None and person in self.site.totp:
            code = self.site.code(person)
        return self.post(
            "/signin",
            {"csrf": token, "person": person, "password": password or PASSWORDS[person],
             "code": code or ""},
        )  # fmt: skip


@pytest.fixture
def site(mini_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Site]:
    import pyotp
    import uvicorn

    from launcher.console.server import build
    from launcher.console.users import enroll
    from launcher.ledger import Ledger
    from launcher.people.registry import load_people
    from launcher.settings import load_settings

    (mini_root / "approvals.yaml").unlink(missing_ok=True)
    cast = Cast(mini_root, tmp_path / "keys", cast={})
    cast.add("d.officer", name="D. Officer", roles=["launcher", "launch-approver"])
    cast.add("a.deputy", name="A. Deputy", roles=["launch-approver"])
    cast.add("v.viewer", name="V. Viewer", roles=["author"])
    settings_file = tmp_path / "launcher.yaml"
    settings_file.write_text(f"console:\n  users: {tmp_path / 'users.json'}\n", encoding="utf-8")
    monkeypatch.setenv("LAUNCHER_CONFIG", str(settings_file))
    settings = load_settings(str(settings_file))
    totp = {}
    people = load_people(mini_root)
    for pid, password in PASSWORDS.items():
        _kid, public, uri = enroll(tmp_path / "users.json", people.person(pid), password)
        cast.people[pid]["keys"].append({"public_key": public, "note": "console"})
        if uri:
            totp[pid] = pyotp.parse_uri(uri).secret
    cast.save()
    clock = FakeClock(NOW)
    ledger = Ledger(settings.database_url)
    console, app = build(mini_root, settings, ledger, clock=clock)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.02)
    assert server.started, "the console did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield Site(f"http://127.0.0.1:{port}", cast, clock, console, totp)
    finally:
        server.should_exit = True
        thread.join(30)
        ledger.close()
