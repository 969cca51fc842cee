"""The plan as a launch records it: ``launcher plan --json``'s document, its JSON text and
the text's SHA-256 (the launch's ``plan_hash``, which a preview compares a plan against).

Here, in the plan layer, and light to import: a launch group's planning processes work out
each plan's text beside the plan (:func:`launcher.plan.many.build_plans_deriving`) before
the modules that record and send are loaded.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping
from typing import Any

from ..models import Plan

log = logging.getLogger("launcher")


def plan_fingerprint(plan: Plan) -> tuple[str, dict[str, Any]]:
    """The plan's document and its SHA-256. The posts themselves are in the ``posts`` table
    either way."""
    doc = plan_doc(plan)
    return _digest(doc)[0], doc


def recorded_plan(plan: Plan) -> tuple[str, str]:
    """The plan's SHA-256 and the JSON text the ledger records: the text that was hashed,
    written once."""
    return _digest(plan_doc(plan))


def plan_doc(plan: Plan) -> dict[str, Any]:
    """``launcher plan --json``'s document; the essentials if the overview fails (it must
    never stop a launch)."""
    try:
        from .view import plan_to_dict

        return plan_to_dict(plan)
    except Exception:
        log.warning("plan overview unavailable; recording the posts only", exc_info=True)
        return {
            "playbook": plan.playbook.id,
            "mission": plan.mission.id,
            "posts": [
                {
                    "key": p.key,
                    "platform": p.platform,
                    "locale": p.locale,
                    "text": p.text,
                    "at": p.at.isoformat(),
                }
                for p in plan.posts
            ],
        }


def _digest(doc: Mapping[str, Any]) -> tuple[str, str]:
    text = json.dumps(doc, sort_keys=True, default=str, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest(), text
