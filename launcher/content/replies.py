"""A playbook's ``replies:``: approved answers for the listening post's inbox.

::

    replies:
      - id: hotline                          # what `launcher answer ITEM --with` names
        template: messages/earthquake/replies/hotline.j2
        description: the 24/7 emergency line   # shown in `launcher inbox` and the docs
        platforms: [mastodon, bluesky]         # optional: where it may be used (default all)

A reply template is content like a message template: Jinja2 with gettext strings, rendered
in the inbox item's locale with the mission's and the launch's facts, translated in every
locale the playbook publishes in, covered by the playbook's approval (so an approved reply
goes out at once), checked by ``launcher validate`` on every platform's length rules.
Parsed here, with file, line and field for every problem; hooked into
:func:`launcher.content.playbook.parse_playbook_file`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from ..models import PLATFORMS
from .schema import Checker, did_you_mean

REPLY_REQUIRED = ("id", "template")
REPLY_OPTIONAL = ("description", "platforms")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")


@dataclass(frozen=True)
class ReplySpec:
    id: str
    template: str
    description: str = ""
    platforms: tuple[str, ...] | None = None  # None: every platform of the playbook
    line: int | None = None


def parse_replies(chk: Checker, raw: Any, platforms: tuple[str, ...]) -> tuple[ReplySpec, ...]:
    """The ``replies`` section (absent: none); problems go to ``chk``."""
    if raw is None:
        return ()
    if not isinstance(raw, list):
        chk.add(("replies",), "expected a list of reply templates", hint="e.g. - id: hotline")
        return ()
    out: list[ReplySpec] = []
    seen: set[str] = set()
    for i, body in enumerate(raw):
        path: tuple[str | int, ...] = ("replies", i)
        r = chk.mapping(
            body, path, required=REPLY_REQUIRED, optional=REPLY_OPTIONAL, what="a reply"
        )
        if r is None or any(k not in r for k in REPLY_REQUIRED):
            continue
        rid = str(r["id"])
        if not _ID.match(rid):
            chk.add((*path, "id"), f"reply id '{rid}' must be lower-case letters, digits, '-'")
        if rid in seen:
            chk.add((*path, "id"), f"reply id '{rid}' is used twice")
        seen.add(rid)
        if not isinstance(r["template"], str) or not r["template"].strip():
            chk.add((*path, "template"), "expected a template path under templates/")
            continue
        subset = None
        if "platforms" in r:
            raw_list = r["platforms"]
            if not isinstance(raw_list, list) or not raw_list:
                chk.add((*path, "platforms"), "expected a non-empty list of platforms")
            else:
                subset = []
                for j, p in enumerate(raw_list):
                    if p not in platforms:
                        chk.add(
                            (*path, "platforms", j),
                            f"platform '{p}' is not among the playbook's platforms"
                            + did_you_mean(str(p), PLATFORMS),
                            hint=f"the playbook posts to: {', '.join(platforms)}",
                        )
                    else:
                        subset.append(str(p))
                subset = tuple(subset)
        out.append(
            ReplySpec(
                id=rid,
                template=str(r["template"]).strip(),
                description=str(r.get("description") or "").strip(),
                platforms=subset,
                line=chk.doc.positions.get(path, (None, None))[0],
            )
        )
    return tuple(out)
