"""``launcher cap --feed``: an Atom feed of the organisation's CAP messages, for others.

Following the OASIS "CAP feeds" practice: one Atom entry per CAP message, newest first, each
linking to its CAP document (``type="application/cap+xml"``), written beside the feed as
``<identifier>.xml``. Alert, Update and Cancel are all entries, so a consumer sees every
change; launcher's own CAP watcher reads such a feed back as a source. At most
:data:`MAX_ENTRIES` entries keep the feed well under the 900 KB aggregators accept.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lxml import etree

from .writer import alert_xml, cap_time, messages, sender_of

ATOM = "http://www.w3.org/2005/Atom"
MAX_ENTRIES = 100
FEED_FILE = "alerts.atom"


def write_feed(
    ledger: Any, content: Any, out: Path, *, base_url: str, status: str = "Actual"
) -> tuple[Path, int]:
    """Write every launch's CAP messages and the feed listing them; (feed path, entries)."""
    out.mkdir(parents=True, exist_ok=True)
    base = base_url.rstrip("/") + "/"
    entries = []
    for launch_id in ledger.launch_ids():
        launch = ledger.resolve(launch_id)
        zone = launch.timezone or "UTC"
        for msg in messages(ledger, launch.id):
            ident = f"{launch.id}-{msg.number}"
            data = alert_xml(ledger, content, launch.id, number=msg.number, status=status)
            (out / f"{ident}.xml").write_bytes(data)
            entries.append((msg.sent, ident, msg.msg_type, launch, cap_time(msg.sent, zone)))
    entries.sort(key=lambda e: (e[0], e[1]), reverse=True)
    entries = entries[:MAX_ENTRIES]
    org = content.registry.organisation
    feed = etree.Element(f"{{{ATOM}}}feed", nsmap={None: ATOM})
    _sub(feed, "id", base + FEED_FILE)
    _sub(feed, "title", f"{org.id}: alerts")
    _sub(feed, "updated", entries[0][4] if entries else "1970-01-01T00:00:00+00:00")
    author = etree.SubElement(feed, f"{{{ATOM}}}author")
    _sub(author, "name", sender_of(org))
    link = etree.SubElement(feed, f"{{{ATOM}}}link")
    link.set("rel", "self")
    link.set("href", base + FEED_FILE)
    for _sent, ident, msg_type, launch, when in entries:
        entry = etree.SubElement(feed, f"{{{ATOM}}}entry")
        _sub(entry, "id", base + f"{ident}.xml")
        _sub(entry, "title", f"{msg_type}: {launch.playbook} ({launch.mission})")
        _sub(entry, "updated", when)
        el = etree.SubElement(entry, f"{{{ATOM}}}link")
        for name, value in (("rel", "alternate"), ("type", "application/cap+xml")):
            el.set(name, value)
        el.set("href", base + f"{ident}.xml")
    path = out / FEED_FILE
    path.write_bytes(
        etree.tostring(feed, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    )
    return path, len(entries)


def _sub(parent: etree._Element, name: str, text: str) -> None:
    etree.SubElement(parent, f"{{{ATOM}}}{name}").text = text
