"""The tamper-evident audit trail: a hash chain over the ledger's events, signed by people.

Where it sits in the flow: beside the ledger. Every audit event any stage writes (a launch
recorded, approved, halted; a post sent or failed; a notification) is linked, in the same
transaction, to the one committed before it: its link carries the hash of the previous link,
and, when a verified person acted (:mod:`launcher.people`), that person's Ed25519 signature
over the chain up to and including the event. ``launcher log --verify`` walks the chain and
names the first event that was edited, removed, reordered or inserted behind launcher's back.

- :mod:`.signer`: who signs the events of the current command (a context variable the CLI
  and the console set once a person is verified);
- :mod:`.chain`: linking at commit time (one hook on the ledger's engine) and verification
  (imported by the ledger itself, so not re-exported here).
"""

from .signer import Signer, current_signer, signing_as

__all__ = ["Signer", "current_signer", "signing_as"]
