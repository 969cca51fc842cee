"""The listening post: what people answer, ask and fear, and what each launch achieved.

Where it sits in the flow: after dispatch, on the platforms' side. The collector
(:mod:`.collect`) reads, through the adapters' optional listening capabilities, the replies
and mentions addressed to each launched account (the inbox) and the counts of each sent post
at fixed ages (snapshots) and of each account's followers, into the ledger; the daemon runs it
when no post is due (posting has priority) and ``launcher listen --once`` runs it by hand.
Answers (:mod:`.answers`) close the loop the only way anything reaches a platform: an approved
reply template rendered for the item (plan, guardrails), checked against the approvals, recorded
as a post of the launch, sent by dispatch. Reports (:mod:`.report`, :mod:`.page`) read the
ledger only.

::

    platforms ─► adapters (listening) ─► collect ─► ledger: inbox items, snapshots
                                                      │            │
              plan ◄─ reply templates ◄─ answers ◄────┘            └─► report (HTML/JSON/CSV)
               └─► approvals ─► ledger (posts) ─► dispatch ─► adapters ─► platforms
"""
