"""Recording a sunset: the farewell posts as a launch of kind ``sunset`` on the same accounts
(already set up: nothing is provisioned again), its date steps, and the ``sunsets`` row, in one
transaction; then what is due at once is sent and carried out from this process, the rest by
the daemon. A sunset whose content is not covered by a valid approval is recorded
``awaiting-approval``: nothing of it reaches a platform until a second person approves it
(``launcher approve launch SUNSET``), exactly as for a launch.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import InputError
from ..launch.dispatch import DispatchResult, Targets
from ..launch.lifecycle import send_due
from ..ledger import LaunchRecord, Ledger, ts
from ..plan.fingerprint import plan_fingerprint
from .plan import SunsetPlan
from .steps import SunsetWorker

#: a launch in one of these states cannot be wound down
NOT_WOUND = ("awaiting-approval", "rejected", "retracted", "ended")


@dataclass
class SunsetOutcome:
    sunset_id: str
    state: str
    archive: str | None = None
    sent_now: DispatchResult = field(default_factory=DispatchResult)
    steps_now: int = 0


def check_can_sunset(ledger: Ledger, launch: LaunchRecord) -> None:
    """Refuse what cannot be wound down, saying what to do instead."""
    if launch.kind == "sunset":
        of = getattr(ledger.sunset(launch.id), "launch_id", "")
        raise InputError(
            f"{launch.id} is itself a sunset",
            field="LAUNCH",
            hint=f"give the launch it winds down: {of}",
        )
    if launch.state in NOT_WOUND:
        raise InputError(
            f"launch {launch.id} is {launch.state}: there is nothing of it to wind down",
            field="LAUNCH",
            hint="`launcher status` lists the launches and their states",
        )
    earlier = ledger.sunset_of(launch.id)
    if earlier is not None:
        raise InputError(
            f"launch {launch.id} has a sunset already: {earlier.id} ({earlier.state})",
            field="LAUNCH",
            hint=f"see it with `launcher status {earlier.id}`; to plan another one, retract"
            f" that one first (`launcher retract {earlier.id}`)",
        )


def sunset_id_for(ledger: Ledger, launch_id: str) -> str:
    base = f"{launch_id}-sunset"
    taken = set(ledger.launch_ids())
    n, candidate = 1, base
    while candidate in taken:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def post_rows(plan: SunsetPlan) -> list[dict[str, Any]]:
    """The farewell posts as ledger rows: each later farewell of an account replies to the
    last part of the one before (a first part that answers a post that never went out is sent
    on its own); thread parts reply to the part before."""
    rows = []
    last: dict[tuple[str, str], str] = {}
    for p in sorted(plan.posts, key=lambda p: (p.at, p.part)):
        account = (p.platform, p.locale)
        prev = last.get(account)
        rows.append(
            {
                "key": p.key, "message": p.message, "platform": p.platform, "locale": p.locale,
                "text": p.text, "due_at": ts(p.at),
                "expires_at": ts(p.expires_at) if p.expires_at else None,
                "part": p.part, "parts": p.parts, "pin": p.pin, "prev_key": prev,
            }
        )  # fmt: skip
        last[account] = p.key
    return rows


def account_rows(ledger: Ledger, plan: SunsetPlan) -> list[dict[str, Any]]:
    """The launch's accounts, as they are: ready (no provisioning), with their ids and the
    credential references launcher stored for them."""
    refs = ledger.account_refs(plan.launch.id)
    profiles = {(a.platform, a.locale): a for a in plan.plan.accounts}
    out = []
    for a in plan.accounts:
        _h, account_id, creds = refs.get((a.platform, a.locale), (a.handle, None, {}))
        restored = profiles.get((a.platform, a.locale))
        out.append(
            {
                "platform": a.platform, "locale": a.locale, "handle": a.handle,
                "display_name": restored.display_name if restored else a.display_name,
                "bio": restored.bio if restored else a.bio,
                "links": [list(x) for x in (restored.links if restored else a.links)],
                "account_id": account_id, "state": a.state, "created": a.created,
                "credentials": json.dumps(creds, sort_keys=True) if creds else None,
            }
        )  # fmt: skip
    return out


def record_sunset(
    ledger: Ledger,
    plan: SunsetPlan,
    *,
    actor: str,
    now: float,
    hold: Sequence[str] = (),
    no_archive: bool = False,
    sunset_id: str | None = None,
) -> str:
    sunset_id = sunset_id or sunset_id_for(ledger, plan.launch.id)
    digest, doc = plan_fingerprint(plan.plan)
    doc = {**doc, "sunset": {
        "winds_down": plan.launch.id, "on": plan.on.isoformat(),
        "successors": dict(plan.successors), "notes": list(plan.notes),
        "steps": [s.as_row() for s in plan.steps],
    }}  # fmt: skip
    also = ledger.sunset_writer(
        sunset_id=sunset_id, launch_id=plan.launch.id, on_at=ts(plan.on),
        successors=plan.successors, steps=[s.as_row() for s in plan.steps],
        no_archive=no_archive, actor=actor, now=now,
    )  # fmt: skip
    ledger.create_launch(
        launch_id=sunset_id,
        playbook=plan.launch.playbook,
        mission=plan.launch.mission,
        facts={**dict(plan.launch.facts), "sunset_on": plan.on.isoformat()},
        actor=actor,
        now=now,
        confirmed_at=now,
        plan_hash=digest,
        plan_doc=doc,
        account_rows=account_rows(ledger, plan),
        post_rows=post_rows(plan),
        state="awaiting-approval" if hold else "active",
        timezone=plan.launch.timezone,
        kind="sunset",
        note=hold,
        also=also,
    )
    return sunset_id


def start_sunset(
    ledger: Ledger,
    plan: SunsetPlan,
    *,
    targets: Targets,
    actor: str,
    clock: Callable[[], float] = time.time,
    hold: Sequence[str] = (),
    no_archive: bool = False,
    archive_to: Path | None = None,
    archive_base: Path | None = None,
    root: Path | None = None,
) -> SunsetOutcome:
    """Archive the launch (unless ``no_archive``: recorded), record the sunset, then send
    the farewells due now and carry out the steps due now. If the archive cannot be written,
    nothing is recorded (:class:`~launcher.errors.ArchiveError`)."""
    archive = None
    if not no_archive:
        from ..archive import default_dir, new_archive_id, write_archive
        from ..paths import data_dir

        archive_id = new_archive_id(plan.launch.id, clock())
        target = archive_to or default_dir(archive_base or data_dir(), archive_id)
        archive = str(
            write_archive(
                ledger, plan.launch.id, out=target, actor=actor, now=clock(), reason="sunset",
                root=root, archive_id=archive_id,
            ).path
        )  # fmt: skip
    sunset_id = record_sunset(
        ledger, plan, actor=actor, now=clock(), hold=hold, no_archive=no_archive
    )
    if no_archive:
        ledger.record_no_archive(plan.launch.id, actor=actor, now=clock(), what="sunset", posts=0)
    out = SunsetOutcome(sunset_id, "awaiting-approval" if hold else "active", archive)
    if not hold:
        out.sent_now, out.steps_now = carry_on(
            ledger, targets, sunset_id, actor=actor, clock=clock, archive_base=archive_base,
            root=root,
        )  # fmt: skip
    return out


def carry_on(
    ledger: Ledger,
    targets: Targets,
    sunset_id: str,
    *,
    actor: str,
    clock: Callable[[], float] = time.time,
    archive_base: Path | None = None,
    root: Path | None = None,
) -> tuple[DispatchResult, int]:
    """Send the sunset's due farewells and carry out its due steps, from this process."""
    sent = send_due(ledger, targets, sunset_id, actor=actor, clock=clock)
    worker = SunsetWorker(
        ledger, targets, actor=actor, clock=clock, archive_base=archive_base, root=root
    )
    return sent, worker.run_due(sunset_id=sunset_id)
