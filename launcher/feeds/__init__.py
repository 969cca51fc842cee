"""Event feeds: the front of the flow, where events reach launcher without a person typing them.

::

    feeds (USGS, CAP, OONI, IODA) ─► proposals ─► plan ─► approvals ─► launch (ledger) ─► dispatch
         source revisions (Update/Cancel/end) ─► corrections, halts (proposed, never automatic)

Watchers (one per source type, declared as data in :mod:`.base`, found through the entry
point group ``launcher.feeds``: :mod:`.registry`) poll their sources politely (:mod:`.poll`:
conditional requests, backoff; a failed fetch cancels nothing) and turn documents into source
events. :mod:`.watch` records each event once, whatever ids it was published under
(:mod:`.store`), matches it against the playbooks' ``triggers:`` (:mod:`.match`) and records a
*proposal* in the ledger: the whole plan rendered with the mapped facts, why it matched, the
source link. A person accepts or dismisses it (:mod:`.proposals`); ``auto: true`` accepts an
approved, in-bounds one by itself, loudly. A watcher never posts: an accepted proposal goes
through the same plan → approvals → ledger → dispatch path as ``launcher run``. A revision of
the source updates the facts of the launch's later posts and proposes corrections; a
cancellation proposes a halt (:mod:`.revisions`). The same crisis reported by a second source
is attached to the first one's proposal as evidence, and a source that says its event is over
tells the duty officer of the launches made from it (:mod:`.evidence`).
"""
