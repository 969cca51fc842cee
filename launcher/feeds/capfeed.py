"""CAP 1.2 alerts published through an Atom or RSS feed (national civil protection, GDACS,
launcher's own ``launcher cap --feed``).

The feed is read with feedparser (any Atom or RSS dialect); each entry links to one CAP
message (``application/cap+xml``, or the entry's link), fetched once: a CAP message never
changes, an update is a new message. A message that cannot be fetched or read (a 404, no
sender, a point off the globe) is skipped and named by its own URL (:meth:`ReadContext.skip`):
the feed's other messages still count, the feed has not failed, and the message is fetched
again at the feed's next poll. Messages are parsed with defusedxml (no entity expansion,
no DTD), so a hostile document is refused rather than obeyed. A feed URL that answers a CAP
``<alert>`` itself is read as one message.

One event is the chain of messages that reference each other: an ``Update`` or ``Cancel``
names the earlier messages in ``references`` (``sender,identifier,sent`` triples), so it
joins the event of the ``Alert`` it updates. ``sent`` orders revisions; ``Cancel`` withdraws
the event. Only ``status: Actual`` messages count unless the trigger's ``statuses`` option
says otherwise (an exercise never proposes a real launch).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any
from xml.etree.ElementTree import Element

import feedparser
from defusedxml import ElementTree as SafeET
from defusedxml.common import DefusedXmlException

from ..content.areas import Region
from ..errors import FeedError
from ..models import Mission
from .base import COMMON_OPTIONS, Fetch, FieldSpec, OptionSpec, ReadContext, SourceEvent, Watcher

NAMESPACES = ("urn:oasis:names:tc:emergency:cap:1.2", "urn:oasis:names:tc:emergency:cap:1.1")
URGENCY = ("Unknown", "Past", "Future", "Expected", "Immediate")
SEVERITY = ("Unknown", "Minor", "Moderate", "Severe", "Extreme")
CERTAINTY = ("Unknown", "Unlikely", "Possible", "Likely", "Observed")
MSG_TYPES = ("Alert", "Update", "Cancel", "Ack", "Error")
STATUSES = ("Actual", "Exercise", "System", "Test", "Draft")


class CAPWatcher(Watcher):
    name = "cap"
    title = "CAP 1.2 alerts over Atom or RSS"
    description = "civil-protection alerts: Alert, Update and Cancel messages, per language"
    poll = 60.0
    fields = (
        FieldSpec("identifier", "text", "the message's id"),
        FieldSpec("sender", "text", "who issued it"),
        FieldSpec("sent", "datetime", "when this message was issued"),
        FieldSpec("status", "level", "Actual, Exercise, System, Test, Draft", STATUSES),
        FieldSpec("msgType", "level", "Alert, Update, Cancel", MSG_TYPES),
        FieldSpec("references", "list", "earlier messages it updates or cancels"),
        FieldSpec("info.language", "text", "language of the info block read"),
        FieldSpec("info.category", "list", "Geo, Met, Safety, Security, Rescue, Fire, ..."),
        FieldSpec("info.event", "text", "the kind of event, in words"),
        FieldSpec("info.urgency", "level", "Past < Future < Expected < Immediate", URGENCY),
        FieldSpec("info.severity", "level", "Minor < Moderate < Severe < Extreme", SEVERITY),
        FieldSpec("info.certainty", "level", "Unlikely < Possible < Likely < Observed", CERTAINTY),
        FieldSpec("info.headline", "text", "the headline"),
        FieldSpec("info.description", "text", "the description"),
        FieldSpec("info.instruction", "text", "what to do"),
        FieldSpec("info.senderName", "text", "the issuer's name"),
        FieldSpec("info.onset", "datetime", "when it begins"),
        FieldSpec("info.expires", "datetime", "when it expires"),
        FieldSpec("info.web", "text", "more information"),
        FieldSpec("info.areaDesc", "text", "the areas, in words"),
        FieldSpec("info.parameter.*", "any", "a <parameter> by its valueName (text)"),
    )
    options = (
        OptionSpec("url", str, None, "the Atom or RSS feed (or one CAP document)"),
        OptionSpec("country", str, None, "ISO country code of a national feed's alerts"),
        OptionSpec("language", str, None, "read this language's info block first (e.g. it)"),
        OptionSpec("statuses", list, ["Actual"], "message statuses that count", STATUSES),
        *COMMON_OPTIONS,
    )

    @classmethod
    def field(cls, name: str) -> FieldSpec | None:
        if name.startswith("info.parameter.") and len(name) > len("info.parameter."):
            return FieldSpec(name, "any", "a <parameter> of the info block")
        return super().field(name)

    def fetches(self, options: Mapping[str, Any], missions: Sequence[Mission]) -> list[Fetch]:
        opts = self.option_values(options)
        url = str(opts["url"])
        return [
            Fetch(
                key=f"cap {url}",
                url=url,
                context={
                    "country": opts["country"],
                    "language": opts["language"],
                    "statuses": tuple(opts["statuses"] or ("Actual",)),
                },
                poll=opts["poll"],
            )
        ]

    def parse(self, body: bytes, fetch: Fetch, ctx: ReadContext) -> list[SourceEvent]:
        head = body.lstrip()[:400]
        if b"<alert" in head and b"emergency:cap" in head:  # the URL is one CAP message
            return [e for e in [read_alert(body, fetch.url, fetch.context)] if e is not None]
        parsed = feedparser.parse(body)
        if parsed.bozo and not parsed.entries:
            raise FeedError(f"not an Atom or RSS feed: {parsed.bozo_exception}", source=fetch.url)
        if not parsed.get("version") and not parsed.entries:
            raise FeedError("not an Atom or RSS feed", source=fetch.url)
        out = []
        for entry in parsed.entries:
            link = _cap_link(entry)
            if link is None or ctx.known(f"cap-url:{link}"):
                continue  # a CAP message never changes: read once
            try:
                event = read_alert(ctx.get(link), link, fetch.context)
            except FeedError as exc:  # that message (named by its URL), not the feed
                ctx.skip(exc)  # not known yet, so fetched again at the next poll
                continue
            if event is not None:
                out.append(event)
        return out


def _cap_link(entry: Any) -> str | None:
    links = entry.get("links") or []
    for link in links:
        if "cap" in str(link.get("type", "")).lower() and link.get("href"):
            return str(link["href"])
    for link in links:
        href = str(link.get("href", ""))
        if href.endswith((".xml", ".cap")):
            return href
    return entry.get("link") or None


def read_alert(body: bytes, url: str, context: Mapping[str, Any]) -> SourceEvent | None:
    """One CAP message as a source event (None: a status or type that does not count)."""
    try:
        root = SafeET.fromstring(body)
    except DefusedXmlException as exc:
        raise FeedError(f"CAP message refused: {type(exc).__name__}", source=url) from None
    except (SafeET.ParseError, LookupError, ValueError) as exc:  # Lookup: encoding="foo"
        raise FeedError(f"not XML: {exc}", source=url) from None
    ns = root.tag[1:].split("}")[0] if root.tag.startswith("{") else ""
    if ns not in NAMESPACES or root.tag.split("}")[-1] != "alert":
        raise FeedError("not a CAP 1.2 <alert>", source=url)

    def text(el: Element | None, name: str) -> str | None:
        child = el.find(f"{{{ns}}}{name}") if el is not None else None
        return child.text.strip() if child is not None and child.text else None

    def texts(el: Element, name: str) -> list[str]:
        return [c.text.strip() for c in el.findall(f"{{{ns}}}{name}") if c.text]

    identifier, sender, sent = text(root, "identifier"), text(root, "sender"), text(root, "sent")
    status, msg_type = text(root, "status"), text(root, "msgType")
    required = {"identifier": identifier, "sender": sender, "sent": sent, "msgType": msg_type}
    if missing := [name for name, value in required.items() if not value]:
        raise FeedError(
            "a CAP alert needs identifier, sender, sent and msgType "
            f"(missing: {', '.join(missing)})",
            source=url,
        )
    assert identifier and sender and sent and msg_type  # for the type checker: all given
    if status not in context.get("statuses", ("Actual",)) or msg_type in ("Ack", "Error"):
        return None
    sent_at = _cap_time(sent, url)
    refs = (text(root, "references") or "").split()
    infos = root.findall(f"{{{ns}}}info")
    lang = context.get("language")
    infos.sort(key=lambda i: not (lang and (text(i, "language") or "").startswith(str(lang))))
    info = infos[0] if infos else None
    regions: list[Region] = []
    countries = [str(context["country"]).upper()] if context.get("country") else []
    areas = []
    for area in info.findall(f"{{{ns}}}area") if info is not None else []:
        areas.append(text(area, "areaDesc") or "")
        for poly in texts(area, "polygon"):
            points = _pairs(poly, url, "polygon")
            if len(points) >= 3:
                regions.append(Region(points=tuple(points)))
        for circle in texts(area, "circle"):
            centre, _, radius = circle.partition(" ")
            point = _pairs(centre, url, "circle")
            km = _float(radius)
            if point and km is not None:
                if km < 0:
                    raise FeedError(f"<circle>: '{circle[:60]}' has a negative radius", source=url)
                regions.append(Region(center=point[0], radius_km=km))
        for code in area.findall(f"{{{ns}}}geocode"):
            name, value = text(code, "valueName") or "", text(code, "value") or ""
            if "ISO3166" in name.upper().replace("-", "").replace(" ", "") and len(value) >= 2:
                countries.append(value[:2].upper())
    fields: dict[str, Any] = {
        "identifier": identifier,
        "sender": sender,
        "sent": sent_at,
        "status": status,
        "msgType": msg_type,
        "references": refs,
        "info.language": text(info, "language") or "en-US",
        "info.category": texts(info, "category") if info is not None else [],
        "info.event": text(info, "event"),
        "info.urgency": text(info, "urgency"),
        "info.severity": text(info, "severity"),
        "info.certainty": text(info, "certainty"),
        "info.headline": text(info, "headline"),
        "info.description": text(info, "description"),
        "info.instruction": text(info, "instruction"),
        "info.senderName": text(info, "senderName"),
        "info.onset": _maybe_time(text(info, "onset")),
        "info.expires": _maybe_time(text(info, "expires")),
        "info.web": text(info, "web"),
        "info.areaDesc": "; ".join(a for a in areas if a) or None,
    }
    for param in info.findall(f"{{{ns}}}parameter") if info is not None else []:
        name, value = text(param, "valueName"), text(param, "value")
        if name and value is not None:
            fields[f"info.parameter.{name}"] = value
    triples = [r.split(",") for r in refs if r.count(",") >= 2]
    referenced = [f"cap:{t[0]},{t[1]}" for t in triples if t[0] and t[1]]  # ",,": no one
    return SourceEvent(
        aliases=(f"cap:{sender},{identifier}", *referenced, f"cap-url:{url}"),
        revision=sent,
        revision_at=sent_at.timestamp(),
        title=fields["info.headline"] or fields["info.event"] or identifier,
        fields=fields,
        link=fields["info.web"] or url,
        cancelled=msg_type == "Cancel",
        note=f"CAP Cancel from {sender} ({sent}): {text(root, 'note') or 'no note'}"
        if msg_type == "Cancel"
        else "",
        regions=tuple(regions),
        countries=tuple(dict.fromkeys(countries)),
    )


def _cap_time(value: str, url: str) -> datetime:
    moment = _maybe_time(value)
    if moment is None:
        raise FeedError(f"'{value}' is not a CAP date-time", source=url)
    return moment


def _maybe_time(value: str | None) -> datetime | None:
    """A CAP date-time, or None. One that UTC cannot hold (``0001-01-01T00:00:00+14:00``) is
    None too: the facts are written in UTC, and converting it there would raise."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            return None
        moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    return moment


def _pairs(text: str, url: str, element: str) -> list[tuple[float, float]]:
    """The ``lat,lon`` pairs of a polygon or circle. A pair of numbers off the globe refuses
    the message: it places the alert nowhere, and measuring a mission's distance to it
    would raise."""
    out = []
    for pair in text.split():
        lat, _, lon = pair.partition(",")
        a, b = _float(lat), _float(lon)
        if a is None or b is None:
            continue
        if not (-90 <= a <= 90 and -180 <= b <= 180):
            raise FeedError(f"<{element}>: '{pair[:40]}' is not a latitude,longitude", source=url)
        out.append((a, b))
    return out


def _float(value: str) -> float | None:
    """A finite number, or None (``nan`` and ``inf`` parse as floats and would compare false
    with every distance: a circle of radius ``nan`` would hold every mission)."""
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None
