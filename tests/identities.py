"""People for tests: a people.yaml with real Ed25519 keys, written into a content root."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner, Result
from nacl.signing import SigningKey

#: the cast of the tests: who they are and what they may do
CAST: dict[str, dict[str, Any]] = {
    "d.officer": {"name": "D. Officer", "roles": ["launcher"]},
    "a.deputy": {"name": "A. Deputy", "roles": ["launcher", "launch-approver"]},
    "e.chief": {"name": "E. Chief", "roles": ["launcher", "emergency"]},
    "p.press": {"name": "P. Press", "roles": ["author", "content-approver"]},
}


def write_key(path: Path) -> SigningKey:
    key = SigningKey.generate()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.b64encode(bytes(key)).decode() + "\n")
    return key


def public(key: SigningKey) -> str:
    return base64.b64encode(bytes(key.verify_key)).decode()


class Cast:
    """people.yaml of a content root and each person's private key file."""

    def __init__(self, root: Path, keys_dir: Path, cast: dict[str, dict[str, Any]] | None = None):
        self.root, self.keys_dir = root, keys_dir
        self.people: dict[str, dict[str, Any]] = {}
        self.key_files: dict[str, Path] = {}
        self.extra: dict[str, Any] = {}
        for pid, spec in (cast or CAST).items():
            self.add(pid, **spec)

    def add(self, pid: str, *, name: str, roles: list[str], contacts: Any = None) -> Path:
        path = self.keys_dir / f"{pid}.key"
        key = write_key(path)
        entry: dict[str, Any] = {"id": pid, "name": name, "roles": list(roles)}
        entry["keys"] = [{"public_key": public(key), "note": "laptop"}]
        if contacts:
            entry["contacts"] = contacts
        self.people[pid] = entry
        self.key_files[pid] = path
        self.save()
        return path

    def add_key(self, pid: str, label: str, *, revoked: str | None = None) -> Path:
        """Another key of ``pid`` (a phone, a console); returns its private file."""
        path = self.keys_dir / f"{pid}-{label}.key"
        key = write_key(path)
        entry: dict[str, Any] = {"public_key": public(key), "note": label}
        if revoked:
            entry["revoked"] = revoked
        self.people[pid]["keys"].append(entry)
        self.save()
        return path

    def revoke(self, pid: str, when: str = "2020-01-01T00:00:00Z") -> None:
        for k in self.people[pid]["keys"]:
            k["revoked"] = when
        self.save()

    def set(self, pid: str, **fields: Any) -> None:
        self.people[pid].update(fields)
        self.save()

    def save(self) -> None:
        doc = {**self.extra, "people": list(self.people.values())}
        (self.root / "people.yaml").write_text(
            yaml.safe_dump(doc, sort_keys=False, allow_unicode=True), encoding="utf-8"
        )

    def env(self, pid: str | None) -> dict[str, str]:
        """The environment that makes ``pid`` act (no key for None)."""
        return {"LAUNCHER_KEY": f"file:{self.key_files[pid]}"} if pid else {}


# -- the CLI as a person -------------------------------------------------------------------
AT = "2026-03-28T02:55:00Z"  # the earthquake, at night
HOUR_LATER = "2026-03-28T03:55:00Z"


def run_args(*extra: str) -> list[str]:
    return ["run", "quake", "--mission", "rome", "--set", "region=Umbria", "--set",
            "magnitude=5", "--at", AT, "--now", AT, "--yes", "--json", *extra]  # fmt: skip


def act(cast: Cast, who: str | None, *args: str, env: dict[str, str] | None = None) -> Result:
    """The real CLI as ``who`` (their LAUNCHER_KEY; None: no key at all)."""
    from launcher.cli import cli

    environ: dict[str, str | None] = {"LAUNCHER_KEY": None, **cast.env(who), **(env or {})}
    return CliRunner().invoke(
        cli, ["--root", str(cast.root), *args], env=environ, catch_exceptions=False
    )


def published() -> list[dict]:
    path = Path(os.environ["LAUNCHER_DATA_DIR"]) / "sandbox" / "outbox.jsonl"
    if not path.exists():
        return []
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return [r for r in rows if r.get("op") == "publish"]


def held_launch(cast: Cast, who: str | None = "d.officer", *extra: str) -> str:
    result = act(cast, who, *run_args(*extra))
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["state"] == "awaiting-approval"
    return doc["launch"]
