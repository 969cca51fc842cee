"""The watcher contract: a source type declared as data, and the events it reads.

A watcher says what it polls (:meth:`Watcher.fetches`, from a trigger's ``options`` and the
missions concerned), how a document becomes events (:meth:`Watcher.parse`), and, as class
attributes, what a playbook may name: its ``fields`` (with types, and the order of alert
levels for ``at_least``), its ``options`` and its polling interval. ``launcher validate`` and
the docs read those declarations; nothing else about a source is hard-wired elsewhere.

A third-party package adds a source with an entry point::

    [project.entry-points."launcher.feeds"]
    gdacs = "my_package.gdacs:GDACSWatcher"
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from ..content.areas import Point, Region
from ..errors import FeedError
from ..models import Mission

FIELD_TYPES = ("number", "integer", "text", "datetime", "level", "list", "boolean", "any")


@dataclass(frozen=True)
class FieldSpec:
    """A field of the source's events that triggers may test and map."""

    path: str  # properties.mag
    type: str  # one of FIELD_TYPES
    help: str = ""
    #: for ``level`` fields: the levels, lowest first (``at_least: orange``)
    levels: tuple[str, ...] = ()


@dataclass(frozen=True)
class OptionSpec:
    """A trigger option (``options:``) this source takes."""

    name: str
    type: type | tuple[type, ...]
    default: Any = None
    help: str = ""
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class Fetch:
    """One document to poll. ``key`` names its polling state (ETag, backoff) in the ledger;
    ``context`` is what the watcher needs to read the answer (the country it asked about)."""

    key: str
    url: str
    params: Mapping[str, str] = field(default_factory=dict)
    context: Mapping[str, Any] = field(default_factory=dict)
    poll: float = 60.0  # seconds between polls of this document


@dataclass(frozen=True)
class SourceEvent:
    """An event as one document of a source states it.

    ``aliases``: every id it is known under (the first is its key). ``revision`` and
    ``revision_at`` order its versions (USGS ``updated``, CAP ``sent``). ``cancelled``: the
    source withdrew it (CAP Cancel, USGS ``status: deleted``): never inferred from absence.
    """

    aliases: tuple[str, ...]
    revision: str
    revision_at: float
    title: str
    fields: dict[str, Any]
    link: str | None = None
    cancelled: bool = False
    note: str = ""
    #: where it happened: points, areas, countries (ISO 3166-1 alpha-2)
    points: tuple[Point, ...] = ()
    regions: tuple[Region, ...] = ()
    countries: tuple[str, ...] = ()
    #: what was measured, in words, for the proposal (OONI: counts over the window)
    measured: str = ""
    #: the source says it is over (an OONI finding's ``end_time``): not a cancellation, the
    #: event happened; the duty officer of a launch made from it is told (:mod:`.evidence`)
    ended: bool = False


@dataclass
class ReadContext:
    """What :meth:`Watcher.parse` may use besides the document: linked documents (a CAP
    message an Atom entry points to) and the ids the ledger already knows.

    ``skipped`` collects the items of the document that could not be read (:meth:`skip`): a
    watcher leaves such an item out and reads the others, where raising would lose the whole
    document's events for one bad feature. The watch pass reports each one, and reads the
    document again in full at its next poll (a missing CAP message may have arrived)."""

    get: Callable[[str], bytes]
    known: Callable[[str], bool]
    now: datetime = field(default_factory=lambda: datetime.now(UTC))
    skipped: list[FeedError] = field(default_factory=list)

    def skip(self, error: FeedError) -> None:
        """Leave one item out, saying why (its error names it: URL, item, field)."""
        self.skipped.append(error)


class Watcher:
    """Base class of every source type. Subclasses declare the class attributes."""

    name: ClassVar[str] = ""
    title: ClassVar[str] = ""
    description: ClassVar[str] = ""
    fields: ClassVar[tuple[FieldSpec, ...]] = ()
    options: ClassVar[tuple[OptionSpec, ...]] = ()
    #: seconds between polls unless the trigger's ``poll`` option says otherwise
    poll: ClassVar[float] = 60.0
    #: request timeout, seconds: a slow source costs at most this per document
    timeout: ClassVar[float] = 20.0

    def fetches(self, options: Mapping[str, Any], missions: Sequence[Mission]) -> list[Fetch]:
        """The documents to poll for a trigger with ``options`` concerning ``missions``."""
        raise NotImplementedError

    def parse(self, body: bytes, fetch: Fetch, ctx: ReadContext) -> list[SourceEvent]:
        """The events one answer states. Raise :class:`~launcher.errors.FeedError` for a
        document that cannot be read: that is a failed fetch, never an empty feed. An item
        of it that cannot be read (one feature, one linked message) is left out through
        :meth:`ReadContext.skip`, so the other items still count."""
        raise NotImplementedError

    # -- declarations, for triggers --------------------------------------------------------
    @classmethod
    def field(cls, name: str) -> FieldSpec | None:
        """A field by its path, or by its last part when that is unambiguous (``time``)."""
        for spec in cls.fields:
            if spec.path == name:
                return spec
        tails = [s for s in cls.fields if s.path.rsplit(".", 1)[-1] == name]
        return tails[0] if len(tails) == 1 else None

    @classmethod
    def option(cls, name: str) -> OptionSpec | None:
        return next((o for o in cls.options if o.name == name), None)

    @classmethod
    def option_values(cls, given: Mapping[str, Any]) -> dict[str, Any]:
        """The trigger's options over the declared defaults."""
        return {o.name: given.get(o.name, o.default) for o in cls.options} | {
            "poll": given.get("poll", cls.poll)
        }


#: options every watcher takes
COMMON_OPTIONS = (OptionSpec("poll", (int, float), None, "seconds between polls"),)


def epoch_ms(value: Any) -> datetime | None:
    """A milliseconds-since-epoch value (USGS ``time``/``updated``) as an aware datetime;
    None for anything else, a number beyond the years a datetime holds (``1e30``) included:
    a document's value must never be able to raise out of the reading of it."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return datetime.fromtimestamp(value / 1000, UTC)
    except (OverflowError, OSError, ValueError):  # out of range, or NaN
        return None
