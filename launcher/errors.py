"""The one exception tree of launcher.

Every error a user can cause or meet carries a message written for that user, where it
happened (file, line, column, field) and what to do about it. The CLI maps the tree to exit
codes in one place (``cli.py``); library code never prints and never exits.

::

    LauncherError                      exit 1 unless a subclass says otherwise
    ├── UserError                      exit 2: bad input or content, fixable by the user
    │   ├── InputError                 CLI arguments: unknown playbook, mission, bad --set
    │   ├── ContentError               playbooks, templates, catalogs, missions (many Problems)
    │   ├── ConfigError                the settings file, credentials references
    │   │   └── SettingsError          the settings cannot serve a launch (many Problems)
    │   └── Refused                    not this person: a missing role, four eyes, a key that
    │       │                          does not verify
    │       └── KeyRefused             a key no one in people.yaml holds, or one revoked: it
    │                                  can no longer act at all (a console session made with
    │                                  it ends)
    ├── LedgerError                    exit 2: unknown launch, bad state change
    │   ├── NotFound                   no launch, group or answer by that id (or prefix)
    │   ├── LedgerUnavailable          exit 1: the database cannot be reached, read or written
    │   │   └── LedgerDamaged          the ledger file is not a sound ledger (says how to restore)
    │   └── AuditBroken                exit 1: the audit chain does not verify (names the link)
    ├── FeedError                      exit 1: a source could not be fetched or read (never a
    │   │                              cancellation of anything: the watcher tries again later)
    │   └── FeedItemError              one item of a document (a USGS feature, a CAP message)
    │                                  cannot be read: skipped and said, the rest is read
    ├── ArchiveError                   exit 1: an archive cannot be written, or does not verify
    │   └── NotArchived                a deletion refused: no archive holds what it would delete
    └── AdapterError                   a platform call failed (carries platform, operation)
        ├── TransientError             worth retrying: connection, timeout, 5xx, 429
        │   └── RateLimited            429 or throttling, with the platform's retry hint
        │       └── OverBudget         held back by launcher's own rate budget: nothing sent
        └── PermanentError             never retried
            ├── AuthFailed             credentials refused or expired beyond refresh
            ├── ContentRejected        the platform refused the content (its own message)
            │   └── DuplicateContent   the platform says it already has this post
            └── Unsupported            the platform cannot do this operation at all

Messages never contain secrets. Every credential launcher resolves, generates or receives is
registered (:func:`register_secret`); :func:`redact` replaces it, and the forms it takes in
JSON, URLs and HTML, with ``[redacted]``. Redaction is structural, at the three boundaries
where text leaves the process: the ledger's engine redacts every value written
(:mod:`launcher.ledger.engine`), the log handlers carry a redacting filter
(:mod:`launcher.logging_setup`), and the CLI redacts every error it prints.
"""

from __future__ import annotations

import html
import json
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, quote_plus


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the content or the input, pinned to where it is."""

    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    field: str | None = None
    hint: str | None = None

    def where(self) -> str:
        parts = []
        if self.file:
            loc = self.file
            if self.line is not None:
                loc += f":{self.line}"
                if self.column is not None:
                    loc += f":{self.column}"
            parts.append(loc)
        if self.field:
            parts.append(self.field)
        return ": ".join(parts)

    def __str__(self) -> str:
        where = self.where()
        text = f"{where}: {self.message}" if where else self.message
        if self.hint:
            text += f"\n    fix: {self.hint}"
        return text


class LauncherError(Exception):
    """Base of every error launcher raises on purpose."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        if self.hint:
            return f"{self.message}\n    fix: {self.hint}"
        return self.message


class UserError(LauncherError):
    """Bad input or content: the user can fix it, so the CLI exits with 2."""

    exit_code = 2


class InputError(UserError):
    """A command-line argument is wrong (unknown playbook, mission, parameter value)."""

    def __init__(self, message: str, *, hint: str | None = None, field: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field

    def __str__(self) -> str:
        text = f"{self.field}: {self.message}" if self.field else self.message
        return f"{text}\n    fix: {self.hint}" if self.hint else text


class ContentError(UserError):
    """One or more problems in playbooks, templates, catalogs or missions.

    Carries every problem found, so a user fixes them all in one round.
    """

    def __init__(self, problems: Sequence[Problem] | Problem) -> None:
        if isinstance(problems, Problem):
            problems = [problems]
        self.problems: list[Problem] = list(problems)
        n = len(self.problems)
        super().__init__(f"{n} problem{'s' if n != 1 else ''} found")

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class ConfigError(UserError):
    """The settings file or a credential reference is wrong."""


class SettingsError(ConfigError):
    """Problems in the settings file (each with file, line and field), reported together.

    ``run`` raises it before anything is recorded when the settings cannot serve the launch.
    """

    def __init__(self, problems: Sequence[Problem], *, intro: str, hint: str | None = None):
        self.problems: list[Problem] = list(problems)
        n = len(self.problems)
        super().__init__(f"{intro} ({n} problem{'s' if n != 1 else ''})", hint=hint)

    def __str__(self) -> str:
        text = "\n".join([self.message, *(str(p) for p in self.problems)])
        return f"{text}\n    fix: {self.hint}" if self.hint else text


class Refused(UserError):
    """The person may not do this: a role they lack, their own launch to approve (four eyes),
    an action that needs a verified key, a key people.yaml does not list or has revoked."""


class KeyRefused(Refused):
    """The key itself can no longer act: people.yaml does not list it, or lists it revoked.
    Unlike a missing role or four eyes (refused for this action only), nothing done with
    this key will be taken, so whoever holds a session made with it is signed out."""


class LedgerError(LauncherError):
    """The ledger refused an operation (unknown launch, impossible state change)."""

    exit_code = 2


class NotFound(LedgerError):
    """No launch, launch group or answer by that id: a typo or another ledger, not a state
    the thing is in (the web console answers 404, not 409)."""


class ArchiveError(LauncherError):
    """An archive could not be written, or ``--verify`` found it changed (names each file)."""

    def __init__(
        self, message: str, *, hint: str | None = None, details: Sequence[str] = ()
    ) -> None:
        super().__init__(message, hint=hint)
        self.details = list(details)

    def __str__(self) -> str:
        text = "\n".join([self.message, *(f"  {d}" for d in self.details)])
        return f"{text}\n    fix: {self.hint}" if self.hint else text


class NotArchived(ArchiveError):
    """Something would be deleted that no archive holds (and ``--no-archive`` was not given)."""


class LedgerUnavailable(LedgerError):
    """The database cannot be reached, opened, read or written (server down, permissions,
    disk full). Operational, so exit 1. ``ledger`` names the file or the (password-less) URL."""

    exit_code = 1

    def __init__(self, message: str, *, hint: str | None = None, ledger: str | None = None):
        super().__init__(message, hint=hint)
        self.ledger = ledger


class LedgerDamaged(LedgerUnavailable):
    """The ledger file is not a sound ledger: not a database, corrupted pages, a missing
    table, a row that does not parse. Its message says how to restore it, never "what was
    done is in the ledger"."""


class AuditBroken(LedgerError):
    """``log --verify`` found the audit chain broken: an event edited, removed, moved or
    written behind launcher's back. Exit 1: the ledger's record is not what was recorded."""

    exit_code = 1


def dedupe(problems: Iterable[Problem]) -> list[Problem]:
    """Problems in order, each once: rendering every mission and locale finds the same missing
    translation many times (its "(used in ...)" note may name different templates)."""
    seen: set[tuple[object, ...]] = set()
    out = []
    for p in problems:
        key = (p.message.split(" (used in")[0], p.file, p.line, p.field)
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out


@dataclass
class ProblemCollector:
    """Gathers problems from a validation pass instead of stopping at the first one."""

    problems: list[Problem] = field(default_factory=list)

    def add(self, message: str, **where: object) -> None:
        self.problems.append(Problem(message, **where))  # type: ignore[arg-type]

    def extend(self, problems: Iterable[Problem]) -> None:
        self.problems.extend(problems)

    def raise_if_any(self) -> None:
        if self.problems:
            raise ContentError(self.problems)

    def __bool__(self) -> bool:
        return bool(self.problems)


class FeedError(LauncherError):
    """An event source could not be fetched or its document not read (``source`` names it).

    A failed fetch tells nothing about the events: it never counts as a cancellation."""

    def __init__(self, message: str, *, source: str = "", hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.source = source

    def __str__(self) -> str:
        text = f"{self.source}: {self.message}" if self.source else self.message
        return f"{text}\n    fix: {self.hint}" if self.hint else text


class FeedItemError(FeedError):
    """One item of a document cannot be read (``item``: which one, ``field``: what in it).

    Only that item is skipped: a document is many events, and one hostile or broken feature
    must not hide the others, nor stop the watcher's other sources. The document itself was
    read, so its backoff does not grow."""

    def __init__(
        self, message: str, *, source: str = "", item: str = "", field: str | None = None
    ) -> None:
        super().__init__(message, source=source)
        self.item = item
        self.field = field

    def __str__(self) -> str:
        where = [x for x in (self.source, self.item, self.field) if x]
        return ": ".join([*where, self.message])


class AdapterError(LauncherError):
    """A platform operation failed. ``platform`` and ``operation`` say which."""

    retryable = False

    def __init__(
        self,
        message: str,
        *,
        platform: str = "",
        operation: str = "",
        status: int | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message, hint=hint)
        self.platform = platform
        self.operation = operation
        self.status = status

    def __str__(self) -> str:
        head = " ".join(x for x in (self.platform, self.operation) if x)
        text = f"{head}: {self.message}" if head else self.message
        return f"{text}\n    fix: {self.hint}" if self.hint else text


class TransientError(AdapterError):
    """Worth retrying later: connection error, timeout, 5xx, rate limit.

    ``maybe_sent`` is true when the request may have reached the platform before the answer
    was lost (read timeout, connection reset after sending): a create must then be reconciled
    or sent with the same idempotency key, never blindly repeated.
    """

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        retry_after: float | None = None,
        maybe_sent: bool = False,
        **kw: object,
    ) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.retry_after = retry_after
        self.maybe_sent = maybe_sent


class RateLimited(TransientError):
    """The platform asked us to slow down; ``retry_after`` is its hint in seconds.

    ``scope`` says what the limit was counted per, when the platform says so: ``account``
    (the default: a 429 slows that account only), ``app`` (a credential the organisation's
    accounts share) or ``host`` (the whole platform, as seen from this machine).
    """

    def __init__(self, message: str, *, scope: str = "account", **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.scope = scope


class OverBudget(RateLimited):
    """Not sent: launcher's own rate budget for the platform (its documented limits, what its
    rate-limit headers said is left, a 429 just answered) has no room before ``retry_after``.
    Like a 429 that cost no round trip: nothing reached the platform."""


class PermanentError(AdapterError):
    """Retrying will not help: the cause must be fixed first."""


class AuthFailed(PermanentError):
    """Credentials refused, expired beyond refresh, or lacking a permission."""


class ContentRejected(PermanentError):
    """The platform refused the content; ``message`` is the platform's own reason."""


class DuplicateContent(ContentRejected):
    """The platform says it already has this post (X 403 duplicate, Facebook 506)."""


class Unsupported(PermanentError):
    """The platform cannot do this operation through its API.

    ``checklist`` lists the manual steps a person must take instead (for provisioning).
    """

    def __init__(self, message: str, *, checklist: Sequence[str] = (), **kw: object) -> None:
        super().__init__(message, **kw)  # type: ignore[arg-type]
        self.checklist = list(checklist)


#: mask that replaces a secret in any text leaving the process
MASK = "[redacted]"
#: shorter values are not treated as secrets (they would mask ordinary words)
MIN_SECRET = 4

_secrets: set[str] = set()
_lock = threading.Lock()
_UNCHANGED = re.compile(r"[A-Za-z0-9_.~-]+")  # left alone by JSON, percent and HTML escaping
#: the index of the secrets by pieces of their core: a text is searched once for every secret
#: (its runs of unchanged characters, a window at a time) instead of once per secret, which
#: with a thousand accounts' credentials was the largest cost of writing to the ledger. An
#: entry is (core, forms): ``core`` the longest piece every written form contains (the
#: unchanged characters: a quick test before the forms are looked for), ``forms`` the written
#: forms, longest first.
#:
#: A core of at least ``_WINDOW + _STRIDE - 1`` characters is indexed under the ``_STRIDE``
#: windows of one stretch of it, so a text is looked up only every ``_STRIDE`` characters:
#: wherever the core sits in a text, one of those lookups lands on one of its windows. The
#: stretch is the one whose windows the fewest other secrets share: credentials of one kind
#: often share a prefix (Facebook's ``EAA``..., one organisation's naming), and a window that
#: every secret has would make each text that contains it test them all.
_WINDOW = 8
_STRIDE = 4
_LONG = re.compile(rf"[A-Za-z0-9_.~-]{{{_WINDOW},}}")
_Entry = tuple[str, tuple[str, ...]]
_index: dict[str, list[_Entry]] = {}  # looked up every _STRIDE characters of a run
_narrow: dict[str, list[_Entry]] = {}  # cores too short for a stride: looked up everywhere
_short: tuple[_Entry, ...] = ()  # cores shorter than a window, looked for one by one
#: the length of the shortest written form of any secret: a shorter text holds none. At
#: least ``_WINDOW`` while no secret is in ``_short`` (every form holds its secret's core)
_shortest = 0


def _rarest_stretch(core: str, span: int) -> int:
    """Where the ``span`` characters of ``core`` start whose windows the fewest indexed
    secrets share (the latest such place: a token's end is its most random part)."""

    # each window's count once, then a running sum over the windows of each stretch: a
    # session token of a few hundred characters is registered at every login
    counts = [len(_index.get(core[i : i + _WINDOW], ())) for i in range(len(core) - _WINDOW + 1)]
    per_stretch = span - _WINDOW + 1
    best_at = last = len(core) - span
    best = total = sum(counts[last : last + per_stretch])
    for at in range(last - 1, -1, -1):
        total += counts[at] - counts[at + per_stretch]
        if total < best:
            best, best_at = total, at
    return best_at


def _json(value: str) -> set[str]:
    return {json.dumps(value)[1:-1], json.dumps(value, ensure_ascii=False)[1:-1]}


def _written_forms(value: str) -> tuple[str, ...]:
    """The ways a secret appears in text that quotes it: as is, JSON-escaped (ASCII or not;
    once, or twice: an error that quotes a JSON request body, stored in a JSON column),
    percent-encoded (a query string, a path), HTML-escaped (an error page)."""
    forms = {value, quote(value, safe=""), quote(value), quote_plus(value), html.escape(value)}
    once = _json(value)
    forms |= once
    for form in once:
        forms |= _json(form)
    return tuple(sorted((f for f in forms if len(f) >= MIN_SECRET), key=len, reverse=True))


def register_secret(value: str) -> None:
    """Remember a secret (resolved, generated or received) so :func:`redact` scrubs it from
    every text that leaves the process: ledger rows, log lines, terminal output."""
    if not isinstance(value, str) or len(value) < MIN_SECRET or value in _secrets:
        return
    runs = sorted(_UNCHANGED.findall(value), key=len, reverse=True)
    core = runs[0] if runs and len(runs[0]) >= MIN_SECRET else ""
    global _short, _shortest
    entry = (core, _written_forms(value))
    with _lock:
        _secrets.add(value)
        shortest = len(entry[1][-1])  # the forms are longest first
        _shortest = min(_shortest, shortest) if _shortest else shortest
        # a secret that contains another is masked first (:func:`redact` orders them by
        # length), so no part of it survives
        span = _WINDOW + _STRIDE - 1
        if len(core) >= span:
            at = _rarest_stretch(core, span)
            for window in {core[i : i + _WINDOW] for i in range(at, at + _STRIDE)}:
                _index.setdefault(window, []).append(entry)
        elif len(core) >= _WINDOW:
            _narrow.setdefault(core[-_WINDOW:], []).append(entry)
        else:
            _short = tuple(sorted([*_short, entry], key=_order))


def _order(entry: _Entry) -> int:
    return -len(entry[1][0])


def has_secrets() -> bool:
    return bool(_secrets)


def redact(text: str) -> str:
    """``text`` with every registered secret, in any of its written forms, masked."""
    if not _secrets or not isinstance(text, str):
        return text
    if len(text) < _shortest:  # no secret fits (most ledger values: states, locales, platforms)
        return text
    runs = _LONG.findall(text)
    found = [
        entry
        for run in runs
        for i in range(0, len(run) - _WINDOW + 1, _STRIDE)
        for entry in _index.get(run[i : i + _WINDOW], ())
    ]
    if _narrow:
        found += [
            entry
            for run in runs
            for i in range(len(run) - _WINDOW + 1)
            for entry in _narrow.get(run[i : i + _WINDOW], ())
        ]
    if not found:
        if not _short:
            return text
        candidates: Iterable[_Entry] = _short
    else:
        candidates = sorted({*found, *_short}, key=_order)
    for core, forms in candidates:
        if core and core not in text:
            continue
        for form in forms:
            if form in text:
                text = text.replace(form, MASK)
    return text


#: values that hold no text: handed back as they are, before any other test
_NO_TEXT = frozenset({int, float, bool, type(None)})


def redact_value(value: Any) -> Any:
    """:func:`redact` through str, bytes, and the plain lists, tuples and dicts holding them.
    A dict, list or tuple in which nothing was masked is handed back itself, not copied (the
    ledger's boundary passes every row of every write through here)."""
    if not _secrets:
        return value
    kind = type(value)
    if kind in _NO_TEXT:
        return value
    if kind is str or isinstance(value, str):
        return redact(value)
    if isinstance(value, bytes):
        try:
            return redact(value.decode("utf-8")).encode("utf-8")
        except UnicodeDecodeError:
            return value
    if kind is dict:
        items = [(k, v, redact_value(k), redact_value(v)) for k, v in value.items()]
        if all(k is rk and v is rv for k, v, rk, rv in items):
            return value
        return {rk: rv for _k, _v, rk, rv in items}
    if kind is list or kind is tuple:
        redacted = [redact_value(v) for v in value]
        if all(a is b for a, b in zip(value, redacted, strict=True)):
            return value
        return kind(redacted)
    return value
