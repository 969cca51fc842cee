"""Planning: content + an event → a checked plan, every profile and post rendered.

The second stage of the flow (content → plan → ledger → dispatch → adapters): ``build``
renders a playbook for a mission and an event into a :class:`launcher.models.Plan` (accounts
with their ``handles``, posts with their ``schedule`` and life, the account's ``intro``),
counts each post the platform's way (``textrules``, ``xtext``) and runs the per-plan
guardrails; ``view`` turns a plan into the text and JSON people read. Pure: a plan sends and
records nothing.
"""
