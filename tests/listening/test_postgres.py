"""The listening post on a real PostgreSQL ledger: collection, an answer claimed and sent by
the dispatcher (the claim's outer join under ``FOR UPDATE OF posts SKIP LOCKED``), answering
twice once, the report. Skips like tests/ledger/test_postgres.py when no server can be had."""

from __future__ import annotations

from pathlib import Path

import pytest

from launcher.launch.lifecycle import start_launch
from launcher.ledger import Ledger, migrations
from launcher.listening.answers import answer
from launcher.listening.collect import Collector
from launcher.listening.report import build_report
from launcher.listening.store import ListeningStore
from launcher.settings import load_settings
from launcher.testing import FakeClock, plan_for
from tests.conftest import REPO
from tests.ledger.test_postgres import pg_server, pg_url  # noqa: F401 (fixtures)

from .helpers import CONFIRMED

pytestmark = pytest.mark.integration


def test_collect_answer_and_report_on_postgresql(pg_url, tmp_path: Path) -> None:  # noqa: F811
    plan = plan_for("earthquake", "rome", at=CONFIRMED, root=REPO, region="Lazio", magnitude="5")
    settings = load_settings(None, root=str(REPO))
    clock = FakeClock(CONFIRMED.timestamp())
    with Ledger(pg_url) as ledger:
        assert ledger.version == migrations.latest_version()
        lid = start_launch(
            plan, ledger=ledger, targets=settings, actor="officer", clock=clock, sleep=clock.sleep
        ).launch_id
        ours = next(p for p in ledger.posts(lid) if p.platform == "bluesky" and p.locale == "it")
        sandbox = settings.adapter_for("bluesky", "rome")
        handle = ledger.account_ids(lid)[("bluesky", "it")][0]
        sandbox.receive(
            handle, "reply", text="Il consolato è aperto?", target=ours.platform_post_id
        )
        sandbox.receive(handle, "like", target=ours.platform_post_id)
        result = Collector(ledger, settings, clock=clock).step(force=True)
        assert result.items == 1 and not result.errors
        item = ListeningStore(ledger).items(launch_id=lid)[0]
        first = answer(ledger, settings, REPO, item.id, reply_id="hotline", actor="officer",
                       clock=clock)  # fmt: skip
        again = answer(ledger, settings, REPO, item.id, reply_id="hotline", actor="officer",
                       clock=clock)  # fmt: skip
        assert first.answer.post_state == "sent" and not again.created
        sent = [r for r in sandbox.records() if r.get("key", "").startswith(f"reply-{item.id}-")]
        assert len(sent) == 1 and sent[0]["reply_to"] == item.platform_item_id
        doc = build_report(ledger, lid, now=clock())
        row = next(r for r in doc["rows"] if (r["platform"], r["locale"], r["message"]) ==
                   ("bluesky", "it", ours.message))  # fmt: skip
        assert row["likes"] == 1 and row["replies"] == 1 and row["inbox"] == 1
