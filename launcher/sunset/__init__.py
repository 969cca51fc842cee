"""Sunset: winding a launch down when the crisis is over.

Where it sits in the flow: after a launch (content → plan → launch → ... → sunset → archive
→ standby). :mod:`.plan` turns a launch, its playbook's ``sunset:`` section and a date into a
pure plan: farewell posts (checked and shown like any plan), the profiles the accounts get
back, and the date's steps. :mod:`.record` archives the launch, then records the farewells as a
launch of kind ``sunset`` (so they go through approvals, the ledger and the dispatcher:
claims, retrying, expiry, halt and resume) with its steps; :mod:`.steps` carries the steps out
(from ``launcher sunset`` for what is due at once, else the daemon): the final archive, unpin,
restore the profiles, retire or make dormant, revoke what launcher stored, end the launch and
its content freeze. Every step is in the audit trail and goes on where a halt stopped it.
"""

from .plan import SunsetPlan, build_sunset, parse_successors, sunset_moment
from .record import SunsetOutcome, check_can_sunset, start_sunset
from .steps import SunsetWorker

__all__ = [
    "SunsetOutcome",
    "SunsetPlan",
    "SunsetWorker",
    "build_sunset",
    "check_can_sunset",
    "parse_successors",
    "start_sunset",
    "sunset_moment",
]
