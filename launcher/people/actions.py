"""The decisions people take on launches, one function each, for the CLI and the console alike.

Each checks the actor's role (:mod:`.roles`), four eyes where it applies, and records the
decision in the ledger while the actor's key signs its audit events. Library code: no
printing; errors are :class:`~launcher.errors.Refused` or ledger errors with their hints.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..audit.signer import signing_as
from .identity import Actor
from .roles import authorize, check_four_eyes


def approve_launch(
    ledger: Any, targets: Any, actor: Actor, launch: Any, *, clock: Callable[[], float]
) -> Any:
    """Release ``launch`` (a LaunchRecord) awaiting approval: its accounts are set up and its
    due posts go out now. Returns the launch's outcome (:class:`LaunchOutcome`)."""
    from ..launch.lifecycle import outcome, send_due

    check_four_eyes(actor, ledger, launch)  # the role first, then the second person
    with signing_as(actor.signer):
        ledger.approve_launch(launch.id, actor=actor.name, now=clock())
        result = send_due(ledger, targets, launch.id, actor=actor.name, clock=clock)
        return outcome(ledger, launch.id, result)


def reject_launch(ledger: Any, actor: Actor, launch: Any, *, reason: str, now: float) -> int:
    """Refuse ``launch``: nothing of it is ever sent. Returns the posts that never will be."""
    authorize(actor, "reject")
    with signing_as(actor.signer):
        return int(ledger.reject_launch(launch.id, actor=actor.name, now=now, reason=reason))


def halt_launch(
    ledger: Any, actor: Actor, launch_id: str | tuple[str, ...] | None, *, now: float
) -> tuple[dict[str, int], dict[str, int]]:
    """Halt one launch, the launches of a group (a tuple: one transaction), or every active
    one (None): (launch -> posts stopped, launch -> in flight)."""
    authorize(actor, "halt")
    with signing_as(actor.signer):
        done = ledger.halt(launch_id, actor=actor.name, now=now)
    return done, (ledger.in_flight(done) if done else {})
