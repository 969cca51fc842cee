"""Launching: a plan → the ledger → the platforms, and the life of a launch after that.

The third stage of the flow (content → plan → ledger → dispatch → adapters): ``lifecycle``
records a plan as a launch and sends what is due now (run, approve, retry, retract);
``dispatch`` claims due accounts and posts from the ledger and makes one platform call per
claim, rescheduling faults (``retry``: when to try again); ``daemon`` drives it on a clock;
``drills`` says what a ``--now`` drill could reach. The ledger, not this package's memory, is
the truth.
"""
