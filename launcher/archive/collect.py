"""What an archive holds, read from the ledger (and the content repository's approvals).

Each section is a JSON document: the launch, every post as sent (text, locale, platform, URL,
times), the profiles as set, the audit trail, the approvals that covered the content, the
sunset if there is one, and what listening collected (replies, metrics). Listening lives in
its own package: it contributes through the entry-point group ``launcher.archive_sections``
(see :func:`listening`), so this module never needs to know its tables.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from ..ledger import Ledger, iso

log = logging.getLogger("launcher.archive")

#: entry-point group of the archive's extra sections: ``name = "package.module:function"``,
#: a function ``(ledger, launch_id) -> mapping | None`` (None: nothing for this launch)
SECTIONS_GROUP = "launcher.archive_sections"


def launch_doc(ledger: Ledger, launch_id: str) -> dict[str, Any]:
    rec = ledger.resolve(launch_id)
    return {
        "id": rec.id,
        "playbook": rec.playbook,
        "mission": rec.mission,
        "kind": rec.kind,
        "state": rec.state,
        "facts": dict(rec.facts),
        "created_by": rec.created_by,
        "created_at": iso(rec.created_at),
        "confirmed_at": iso(rec.confirmed_at),
        "timezone": rec.timezone,
        "plan_sha256": rec.plan_hash,
        "note": list(rec.note),
        "emergency_override": rec.override_reason,
    }


def posts_doc(ledger: Ledger, launch_id: str) -> list[dict[str, Any]]:
    handles = {k: v[0] for k, v in ledger.account_ids(launch_id).items()}
    out = []
    for p in ledger.posts(launch_id):
        out.append(
            {
                "id": p.id,
                "key": p.key,
                "message": p.message,
                "platform": p.platform,
                "locale": p.locale,
                "account": handles.get((p.platform, p.locale)),
                "text": p.text,
                "state": p.state,
                "due_at": iso(p.due_at),
                "sent_at": iso(p.sent_at),
                "expires_at": iso(p.expires_at),
                "platform_post_id": p.platform_post_id,
                "url": p.url,
                "part": p.part,
                "parts": p.parts,
                "reply_to_post": p.reply_to_post_id,
                "pin": bool(p.pin),
                "attempts": p.attempts,
                "error": p.error,
            }
        )
    return out


def profiles_doc(ledger: Ledger, launch_id: str) -> list[dict[str, Any]]:
    return [
        {
            "platform": a.platform,
            "locale": a.locale,
            "handle": a.handle,
            "account_id": a.account_id,
            "state": a.state,
            "created_by_launcher": a.created,
            "display_name": a.display_name,
            "bio": a.bio,
            "links": [{"label": label, "url": url} for label, url in a.links],
            "checklist": list(a.checklist),
            "error": a.error,
        }
        for a in ledger.accounts(launch_id)
    ]


def audit_doc(ledger: Ledger, launch_id: str) -> list[dict[str, Any]]:
    return [e.as_dict() for e in ledger.events(launch_id)]


def approvals_doc(ledger: Ledger, launch_id: str, root: Path | None) -> dict[str, Any]:
    """The content approvals of the launch's playbook made before it was launched (each
    entry as signed, with what it says about the content today), and the four-eyes
    decisions and overrides of the launch itself (from the audit trail)."""
    rec = ledger.resolve(launch_id)
    decisions = [
        e.as_dict()
        for e in ledger.events(launch_id)
        if e.action
        in ("launch.awaiting-approval", "launch.approved", "launch.rejected",
            "launch.emergency-override")
    ]  # fmt: skip
    doc: dict[str, Any] = {"playbook": rec.playbook, "launch_decisions": decisions}
    if root is None:
        doc["content_approvals"] = []
        doc["note"] = "no content repository given: content approvals not read"
        return doc
    from datetime import datetime

    from ..approvals import load_approvals, load_keys, statuses
    from ..errors import UserError

    try:
        keys = load_keys(root)
        entries = [a for a in load_approvals(root) if a.playbook == rec.playbook]
        found = statuses(root, entries, keys)
    except UserError as exc:
        doc["content_approvals"] = []
        doc["note"] = f"approvals could not be read: {exc.message}"
        return doc
    launched = rec.created_at
    covering = []
    for st in found:
        a = st.approval
        try:
            before = datetime.fromisoformat(a.approved_at.replace("Z", "+00:00")).timestamp()
        except ValueError:
            before = None
        if before is not None and before > launched:
            continue  # approved after the launch: it did not cover it
        covering.append(
            {
                **a.to_yaml_dict(),
                "status_now": st.state,
                "changed_since": list(st.changes),
            }
        )
    doc["content_approvals"] = covering
    doc["content_root"] = str(root)
    return doc


def sunset_doc(ledger: Ledger, launch_id: str) -> dict[str, Any] | None:
    """The launch's sunset (or, for a sunset launch, its own plan): steps and their fate."""
    record = ledger.sunset(launch_id) or ledger.sunset_of(launch_id)
    if record is None:
        return None
    return {
        "sunset": record.id,
        "winds_down": record.launch_id,
        "on": iso(record.on_at),
        "successors": dict(record.successors),
        "state": record.state,
        "no_archive": record.no_archive,
        "planned_by": record.created_by,
        "planned_at": iso(record.created_at),
        "steps": [s.as_status() for s in ledger.steps(record.id)],
        "farewells": posts_doc(ledger, record.id),
    }


def _section_sources() -> dict[str, Callable[..., Any]]:
    out: dict[str, Callable[..., Any]] = {}
    for ep in entry_points(group=SECTIONS_GROUP):
        try:
            out[ep.name] = ep.load()
        except Exception as exc:  # a broken plug-in must not stop an archive: say so in it
            log.warning("archive section %s cannot be loaded: %s", ep.name, exc)
            out[ep.name] = _broken(str(exc))
    return out


def _broken(why: str) -> Callable[..., Any]:
    def section(_ledger: Ledger, _launch: str) -> Mapping[str, Any]:
        return {"available": False, "why": f"the source cannot be loaded: {why}"}

    return section


def listening(
    ledger: Ledger, launch_id: str, sources: Mapping[str, Callable[..., Any]] | None = None
) -> dict[str, Any]:
    """Replies and metrics collected for the launch's posts, where a listening source has
    them: every function registered under :data:`SECTIONS_GROUP` is asked (``sources``
    replaces the registered ones in tests). Without one, the section says so: an archive
    never pretends there were no replies."""
    found = _section_sources() if sources is None else dict(sources)
    doc: dict[str, Any] = {"sources": sorted(found)}
    if not found:
        doc["available"] = False
        doc["why"] = (
            "no listening source is installed (entry-point group "
            f"{SECTIONS_GROUP}): replies and metrics were not collected by launcher"
        )
        return doc
    for name, fn in sorted(found.items()):
        try:
            value = fn(ledger, launch_id)
        except Exception as exc:  # recorded in the archive, never a crash of the archive
            log.warning("archive section %s failed: %s", name, exc)
            value = {"available": False, "why": f"{type(exc).__name__}: {exc}"}
        doc[name] = value if value is not None else {"available": False, "why": "nothing"}
    return doc
