"""Content: what a playbook, a mission and a translation are, and how they are read.

The first stage of the flow (content → plan → ledger → dispatch → adapters): YAML playbooks
and the missions registry read with file and line (``yamlsrc``, ``schema``, ``playbook``,
``missions``), typed event facts and the moments they name (``params``, ``moments``), Jinja2
rendering in a bounded sandbox (``render``, ``renderlimits``), gettext catalogs and Babel
formatting (``i18n``, ``plurals``, ``translations/``) and direction controls in text
(``bidi``); moments relative to the event (``relative``: ``at: event.deadline - 2h``), facts
per locale (``localfacts``) and a new content repository from the sample (``newrepo``,
``launcher init``). Nothing here knows about plans, the ledger or platforms.
"""
