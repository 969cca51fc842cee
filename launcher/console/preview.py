"""The preview of a recorded launch: the page ``launcher preview`` writes, for what was run.

The launch's inputs are in the ledger (playbook, mission, the typed facts, the confirmation
time, the locales in the recorded plan), so the plan is built again from them and its hash
compared with the one recorded at ``run``: equal, the page shows exactly what the launch will
send. Different (the content changed since), the page says so, and the approver is pointed at
the ledger's own texts, which are what goes out.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ..errors import LauncherError
from ..ledger.schema import launches


@dataclass(frozen=True)
class LaunchPreview:
    html: str | None  # the page, or None when it cannot be built any more
    exact: bool  # the rebuilt plan is the recorded one (same hash)
    note: str | None = None


def launch_preview(ledger: Any, root: Path, launch: Any) -> LaunchPreview:
    from ..plan.build import build_plan
    from ..plan.fingerprint import plan_fingerprint
    from ..preview.page import render_preview

    with ledger.engine.connect() as conn:
        doc = conn.execute(select(launches.c.plan).where(launches.c.id == launch.id)).scalar()
    try:
        locales = json.loads(doc).get("locales") if doc else None
    except ValueError:
        locales = None
    facts = {k: str(v) for k, v in launch.facts.items() if v is not None}
    try:
        plan = build_plan(
            launch.playbook,
            launch.mission,
            facts,
            now=datetime.fromtimestamp(launch.confirmed_at, UTC),
            root=root,
            locales=locales or None,
            lenient_bounds=True,
        )
    except LauncherError as exc:
        return LaunchPreview(
            None,
            False,
            f"the preview cannot be built from today's content ({exc.message}): the posts"
            " below, from the ledger, are what this launch sends",
        )
    exact = plan_fingerprint(plan)[0] == launch.plan_hash
    note = (
        None
        if exact
        else "the content changed since this launch was recorded: this preview is built from"
        " today's content and may differ; the posts listed below, from the ledger, are what"
        " this launch sends"
    )
    return LaunchPreview(render_preview(plan), exact, note)
