"""Shared steps of the sunset tests: a launch on the sandbox through the real CLI, the
outbox, the ledger."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from launcher.ledger import Ledger
from tests.conftest import REPO, invoke

T0 = "2026-05-22T06:00:00Z"
QUAKE = ("earthquake", "--mission", "rome", "--set", "region=Lazio", "--set", "magnitude=6.1")


def data_dir() -> Path:
    return Path(os.environ["LAUNCHER_DATA_DIR"])


def ledger() -> Ledger:
    return Ledger(f"sqlite:///{data_dir() / 'ledger.sqlite3'}")


def outbox() -> list[dict[str, Any]]:
    path = data_dir() / "sandbox" / "outbox.jsonl"
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]


def run_quake(root: Path = REPO, *extra: str) -> str:
    """The shipped earthquake response for Rome, on the sandbox, at T0; its launch id."""
    result = invoke("run", *QUAKE, "--at", T0, "--now", T0, "--yes", "--json", *extra, root=root)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)["launch"]


def daemon(at: str, root: Path = REPO) -> None:
    result = invoke("daemon", "--once", "--now", at, root=root)
    assert result.exit_code == 0, result.output


def sunset(launch: str, *args: str, root: Path = REPO) -> Any:
    return invoke("sunset", launch, *args, root=root)
