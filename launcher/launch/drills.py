"""Drills: ``--now`` moves launcher's clock, never the real world's.

``launcher run --now`` and ``launcher daemon --once --now`` act as if it were another
moment: what would be due then is sent now, and the ledger records that moment as the send
time. Against the sandbox that is a rehearsal. Against a real platform it would publish
tomorrow's posts today and write a fictional ``sent_at`` into the record, so a drill is
refused whenever a real platform could be reached, unless the operator says ``--really``;
then the override is written to the audit trail with the real time and the drill time.

"Could be reached": for ``run``, the platforms of the plan as the settings serve them for
its mission; for the daemon, which serves every launch in the ledger, every platform under
every mission override of the settings (a platform the settings do not name is served by
the sandbox).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import TYPE_CHECKING

from ..errors import InputError
from ..models import PLATFORMS

if TYPE_CHECKING:
    from ..ledger import Ledger
    from ..settings import Settings

__all__ = ["daemon_targets", "real_targets", "record_really", "refuse_real_drill"]


def real_targets(settings: Settings, pairs: Iterable[tuple[str, str | None]]) -> list[str]:
    """``platform (adapter)`` for each (platform, mission) served by a non-sandbox adapter;
    a mission override is named as ``platform@mission``. Sorted, without repeats."""
    from ..adapters.registry import resolve
    from ..adapters.sandbox import SandboxAdapter

    found: set[str] = set()
    for platform, mission in pairs:
        name = str(settings.platform_config(platform, mission)["adapter"])
        if not issubclass(resolve(name), SandboxAdapter):
            base = str(settings.platform_config(platform)["adapter"])
            where = platform if mission is None or name == base else f"{platform}@{mission}"
            found.add(f"{where} ({name})")
    return sorted(found)


def daemon_targets(settings: Settings) -> list[tuple[str, str | None]]:
    """Every (platform, mission) a daemon might send to: all platforms, with the settings'
    defaults and under each mission override."""
    raw = settings.raw.get("missions")
    missions = [str(m) for m in raw] if isinstance(raw, Mapping) else []
    return [(p, m) for p in PLATFORMS for m in (None, *missions)]


def refuse_real_drill(targets: list[str], *, now: datetime, command: str) -> None:
    """Raise (exit 2) if a drill could reach a real platform."""
    if not targets:
        return
    raise InputError(
        f"--now {now:%Y-%m-%dT%H:%M:%SZ} is a drill, but {command} could send to real"
        f" platforms: {', '.join(targets)}. A drill would publish what is due at that moment"
        " now, for real, and record the fictional moment as its send time",
        field="--now",
        hint="drill against the sandbox (a settings file without these adapters, e.g."
        " --config drill.yaml), or add --really if publishing for real is intended"
        " (recorded in the audit trail)",
    )


def record_really(
    ledger: Ledger,
    *,
    actor: str,
    now: datetime,
    command: str,
    targets: list[str],
    launch_id: str | None = None,
) -> None:
    """Write the ``--really`` override to the audit trail at the real time (never the drill's)."""
    ledger.record_event(
        at=time.time(),
        actor=actor,
        action="drill.really",
        launch_id=launch_id,
        command=command,
        drill_now=now.strftime("%Y-%m-%dT%H:%M:%SZ"),
        real_platforms=targets,
    )
