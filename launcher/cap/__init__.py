"""CAP 1.2 out: the organisation's launches as Common Alerting Protocol alerts.

At the end of the flow, beside the platforms: the ledger says what a launch published and
what became of it, and :mod:`.writer` states it as CAP messages for alerting systems and
aggregators (``launcher cap LAUNCH``, ``launcher cap --feed``). A launch is one CAP
``incidents`` value; its first message is an ``Alert`` (when it went out), every revision of
its facts and every correction an ``Update``, a halt or retraction a ``Cancel``, each
referencing the messages before it. Every document written is validated against the OASIS
CAP 1.2 schema shipped beside this module (``CAP-v1.2.xsd``).
"""
