"""A launch as CAP 1.2 messages, from the ledger alone.

The messages of a launch are read from its audit trail, so they are the same whenever they
are written: ``launch.created`` (active) or ``launch.approved``/``activated`` is the
``Alert``; ``launch.facts-revised`` and ``launch.posts-added`` (a correction) are ``Update``s;
``launch.halted``, ``launch.retracting`` are ``Cancel``s; ``launch.resumed`` is an ``Update``
after a cancel. Message n's identifier is ``<launch>-<n>``; ``references`` lists every earlier
message as ``sender,identifier,sent``; ``incidents`` is the launch id.

Each message has one ``<info>`` per locale of the launch: the pinned (else the first) post of
that locale as headline and description, the mission's name as ``senderName``, its website
and emergency line, and one ``<area>`` naming the country (``geocode`` ISO3166-1) and the
region fact, with the mission's circles and polygons. Times are the mission's local time with
its offset, as CAP wants them: no ``Z``, no fractions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import urlparse
from zoneinfo import ZoneInfo

from lxml import etree

from ..errors import LauncherError

NS = "urn:oasis:names:tc:emergency:cap:1.2"
XSD = Path(__file__).with_name("CAP-v1.2.xsd")
#: CAP category per playbook kind (anything else: Other)
CATEGORIES = {
    "earthquake": "Geo",
    "tsunami": "Geo",
    "flood": "Met",
    "storm": "Met",
    "coup": "Security",
    "unrest": "Security",
    "platform-ban": "Infra",
    "outage": "Infra",
}
STARTS = {"launch.approved", "launch.activated"}
UPDATES = {"launch.facts-revised", "launch.posts-added", "launch.resumed"}
CANCELS = {"launch.halted", "launch.retracting"}


@dataclass(frozen=True)
class Message:
    number: int
    msg_type: str  # Alert | Update | Cancel
    sent: float
    why: str


def messages(ledger: Any, launch_id: str) -> list[Message]:
    """The CAP messages a launch has issued so far, oldest first (none while it awaits
    approval, none if it was rejected)."""
    events = ledger.events(launch_id)
    held = {e.at for e in events if e.action == "launch.awaiting-approval"}
    out: list[Message] = []
    for ev in events:
        action = ev.action
        if not out:
            if (action == "launch.created" and ev.at not in held) or action in STARTS:
                out.append(Message(1, "Alert", ev.at, "launched"))
        elif action in UPDATES:
            out.append(Message(len(out) + 1, "Update", ev.at, action.split(".", 1)[1]))
        elif action in CANCELS and out[-1].msg_type != "Cancel":
            out.append(Message(len(out) + 1, "Cancel", ev.at, action.split(".", 1)[1]))
    return out


def sender_of(org: Any) -> str:
    host = urlparse(org.website).hostname or "example.org"
    return f"{org.id}@{host.removeprefix('www.')}"


def cap_time(ts: float, zone: str) -> str:
    """CAP's date-time: local time with its offset, seconds, no ``Z`` and no fractions."""
    moment = datetime.fromtimestamp(int(ts), UTC).astimezone(ZoneInfo(zone))
    return moment.isoformat(timespec="seconds")


def alert_xml(
    ledger: Any,
    content: Any,
    launch_id: str,
    *,
    number: int | None = None,
    status: str = "Actual",
) -> bytes:
    """Message ``number`` (default: the latest) of a launch, as a validated CAP document."""
    launch = ledger.resolve(launch_id)
    issued = messages(ledger, launch.id)
    if not issued:
        raise LauncherError(
            f"launch {launch.id} has issued nothing yet ({launch.state}): no CAP message",
            hint="a launch awaiting approval or rejected has published nothing",
        )
    if number is not None and not 1 <= number <= len(issued):
        raise LauncherError(f"launch {launch.id} has CAP messages 1 to {len(issued)}")
    msg = issued[(number or len(issued)) - 1]
    root = _alert(ledger, content, launch, issued, msg, status)
    data = etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    problems = validate(data)
    if problems:  # a bug, never the user's input: say so rather than publish it
        raise LauncherError("the CAP document does not validate: " + "; ".join(problems[:3]))
    return data


def _alert(
    ledger: Any, content: Any, launch: Any, issued: list[Message], msg: Message, status: str
) -> etree._Element:
    from ..feeds.store import plan_doc

    org = content.registry.organisation
    mission = content.registry.missions.get(launch.mission)
    zone = launch.timezone or (mission.timezone if mission else "UTC")
    sender = sender_of(org)

    def ident(m: Message) -> str:
        return f"{launch.id}-{m.number}"

    root = etree.Element(f"{{{NS}}}alert", nsmap={None: NS})
    _sub(root, "identifier", ident(msg))
    _sub(root, "sender", sender)
    _sub(root, "sent", cap_time(msg.sent, zone))
    _sub(root, "status", status)
    _sub(root, "msgType", msg.msg_type)
    _sub(root, "scope", "Public")
    if msg.msg_type != "Alert":
        _sub(root, "note", f"{msg.why} ({launch.id})")
    earlier = [m for m in issued if m.number < msg.number]
    if earlier:
        refs = " ".join(f"{sender},{ident(m)},{cap_time(m.sent, zone)}" for m in earlier)
        _sub(root, "references", refs)
    _sub(root, "incidents", launch.id)
    doc = plan_doc(ledger, launch.id)
    posts = ledger.posts(launch.id)
    locales = doc.get("locales") or sorted({p.locale for p in posts})
    playbook = doc.get("playbook") or {}
    title = playbook.get("title") if isinstance(playbook, dict) else None
    expires = max((p.expires_at or p.due_at for p in posts), default=None)
    for loc in locales:
        info = etree.SubElement(root, f"{{{NS}}}info")
        _sub(info, "language", loc)
        _sub(info, "category", CATEGORIES.get(_kind(launch, doc), "Other"))
        _sub(info, "event", str(title or launch.playbook))
        cancelled = msg.msg_type == "Cancel"
        _sub(info, "urgency", "Past" if cancelled else "Immediate")
        _sub(info, "severity", "Severe" if launch.kind == "crisis" else "Minor")
        _sub(info, "certainty", "Observed")
        occurred = launch.facts.get("occurred_at")
        onset = _ts(occurred)
        if onset is not None:
            _sub(info, "onset", cap_time(onset, zone))
        if expires is not None:
            _sub(info, "expires", cap_time(max(expires, msg.sent), zone))
        if mission is not None:
            _sub(info, "senderName", mission.names.get(loc, mission.names.get("en", mission.id)))
        first = _first_post(posts, loc)
        if first is not None:
            _sub(info, "headline", first.splitlines()[0][:160])
            _sub(info, "description", first)
        if mission is not None:
            _sub(info, "web", mission.contacts.website)
            _sub(info, "contact", mission.contacts.emergency_phone)
        _area(info, launch, mission)
    return root


def _kind(launch: Any, doc: dict[str, Any]) -> str:
    event = doc.get("event") or {}
    return str(event.get("kind") if isinstance(event, dict) else "") or launch.playbook


def _first_post(posts: list[Any], loc: str) -> str | None:
    mine = [p for p in posts if p.locale == loc and p.part == 1]
    if not mine:
        return None
    pinned = [p for p in mine if p.pin] or mine
    best = sorted(pinned, key=lambda p: (p.due_at, -len(p.text)))[0]
    full = [p for p in posts if p.key.split("#p")[0] == best.key.split("#p")[0]]
    return "\n".join(p.text for p in sorted(full, key=lambda p: p.part))


def _area(info: etree._Element, launch: Any, mission: Any) -> None:
    area = etree.SubElement(info, f"{{{NS}}}area")
    region = launch.facts.get("region")
    country = mission.country if mission is not None else None
    desc = ", ".join(str(x) for x in (region, country) if x) or launch.mission
    _sub(area, "areaDesc", desc)
    for r in mission.area if mission is not None else ():
        if r.points:
            ring = [*r.points, r.points[0]]
            _sub(area, "polygon", " ".join(f"{lat:g},{lon:g}" for lat, lon in ring))
    for r in mission.area if mission is not None else ():
        if r.center is not None:
            _sub(area, "circle", f"{r.center[0]:g},{r.center[1]:g} {r.radius_km:g}")
    if country:
        code = etree.SubElement(area, f"{{{NS}}}geocode")
        _sub(code, "valueName", "ISO3166-1")
        _sub(code, "value", country)


def _sub(parent: etree._Element, name: str, text: str) -> etree._Element:
    el = etree.SubElement(parent, f"{{{NS}}}{name}")
    el.text = text
    return el


def _ts(value: Any) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, str) and value:
        try:
            moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment.timestamp() if moment.tzinfo else None
    return None


@cache
def _schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(XSD)))


def validate(data: bytes) -> list[str]:
    """Problems of a document against the OASIS CAP 1.2 schema (empty: valid)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    try:
        doc = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        return [f"not XML: {exc}"]
    schema = _schema()
    if schema.validate(doc):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]
