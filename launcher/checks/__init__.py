"""Checks of a whole content repository: every playbook for every mission, offline.

Above planning in the flow: ``validate`` (structure, templates, catalogs, settings) and
``lint`` (the guardrails over every plan a repository can produce) build plans to look at
them, so planning itself never imports this package; it runs only the per-plan guardrails.
"""
