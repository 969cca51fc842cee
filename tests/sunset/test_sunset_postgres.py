"""A sunset on a PostgreSQL ledger (a real server: see tests/ledger/test_postgres.py): its
steps are claimed with FOR UPDATE SKIP LOCKED there, and the whole wind-down goes through."""

from __future__ import annotations

import json

import pytest

from tests.conftest import REPO, invoke
from tests.ledger.test_postgres import pg_server, pg_url  # noqa: F401  (fixtures)

from .helpers import QUAKE, T0

pytestmark = pytest.mark.integration


def test_a_sunset_on_postgresql(pg_url, tmp_path) -> None:  # noqa: F811
    cfg = tmp_path / "launcher.yaml"
    cfg.write_text(f"database_url: {pg_url}\n", encoding="utf-8")
    args = ("--config", str(cfg))
    run = invoke(*args, "run", *QUAKE, "--at", T0, "--now", T0, "--yes", "--json", root=REPO)
    assert run.exit_code == 0, run.output
    launch = json.loads(run.stdout)["launch"]
    planned = invoke(*args, "sunset", launch, "--on", "2026-05-23T08:00:00Z", "--now",
                     "2026-05-22T08:00:00Z", "--yes", "--json", root=REPO)  # fmt: skip
    assert planned.exit_code == 0, planned.output
    sid = json.loads(planned.stdout)["sunset"]
    done = invoke(*args, "daemon", "--once", "--now", "2026-05-23T08:00:01Z", root=REPO)
    assert done.exit_code == 0, done.output
    doc = json.loads(invoke(*args, "status", sid, "--json", root=REPO).stdout)
    assert {s["state"] for s in doc["sunset"]["steps"]} == {"done"}
    crisis = json.loads(invoke(*args, "status", launch, "--json", root=REPO).stdout)
    assert crisis["state"] == "ended"
