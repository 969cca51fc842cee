"""Notifications: the people who must act hear about it, by e-mail, Signal, Matrix, ntfy...

Where it sits in the flow: beside the ledger, reading the audit chain. Nothing in the launch
path waits for it: an event that needs a person (a launch awaiting approval, posts that
failed or expired, an account that could not be set up, an emergency override, a proposal
from a feed) is turned into notifications *after* it is committed (:mod:`.outbox`: one row
per destination, in the ledger), and they are sent by the command that caused them once its
work is done and by the daemon's notifier thread, retried, with every failure in the audit
log. Messages go through apprise (:mod:`.send`), a well-kept library that speaks a hundred
services by URL; destinations are people's contacts in people.yaml and the settings'
``notifications`` section (:mod:`.config`), always as credential references, never URLs.
"""

from .outbox import collect, deliver, enqueue, notify_duty_officers

__all__ = ["collect", "deliver", "enqueue", "notify_duty_officers"]
