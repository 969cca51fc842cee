"""people.yaml: who may act, with which keys and roles, and how to reach them.

The file sits in the content repository beside ``approval-keys.yaml``, so a change to who may
approve is reviewed like a change to content. Format::

    require_signatures: false          # true: acting without LAUNCHER_KEY is refused (not halt)
    people:
      - id: d.officer                  # what the ledger records; lower case, digits, . _ -
        name: D. Officer
        roles: [launcher, emergency]
        keys:                          # Ed25519 public keys (`launcher people keygen`)
          - public_key: 6HGyzw4p3lKHcfdLOyM3JEUtCa/X8SHZQin0BMPc2Pg=
            note: laptop
          - public_key: ...
            revoked: 2026-05-01T00:00:00Z   # a lost key: refused from then on
        contacts:
          email: d.officer@example.org      # one address or a list
          notify: env:DOFFICER_NTFY_URL     # apprise URLs hold tokens: references only

Every problem is reported at once with its file, line and field. One key under two people
is refused (one person with two names would otherwise pass four eyes alone).
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from difflib import get_close_matches
from pathlib import Path
from typing import Any

from ..errors import ContentError, Problem

PEOPLE_FILE = "people.yaml"
#: author: writes content (grants no command); content-approver: `approve content`;
#: launcher: runs launches and operates them; launch-approver: the second pair of eyes
#: (`approve launch`, `reject`); emergency: may override a missing approval
ROLES = ("author", "content-approver", "launcher", "launch-approver", "emergency")
#: roles whose console sign-in needs a one-time code as well as the password
TOTP_ROLES = ("content-approver", "launch-approver", "emergency")
TOP_KEYS = ("require_signatures", "people")
PERSON_KEYS = ("id", "name", "roles", "keys", "contacts")
KEY_KEYS = ("public_key", "id", "revoked", "note")
CONTACT_KEYS = ("email", "notify")
_ID = re.compile(r"^[a-z0-9][a-z0-9._-]{0,63}$")
_EMAIL = re.compile(r"^[^@\s<>,;\"']+@[^@\s<>,;\"']+\.[^@\s<>,;\"']+$")


def key_id_of(public: bytes) -> str:
    """``ed25519:`` and 16 hex digits of the key's SHA-256: how approvals name keys too."""
    return "ed25519:" + hashlib.sha256(public).hexdigest()[:16]


@dataclass(frozen=True)
class PersonKey:
    key_id: str
    public: bytes
    revoked_at: datetime | None = None
    note: str = ""

    def revoked(self, at: datetime | None = None) -> bool:
        return self.revoked_at is not None and (at or datetime.now(UTC)) >= self.revoked_at


@dataclass(frozen=True)
class Person:
    id: str
    name: str
    roles: frozenset[str]
    keys: tuple[PersonKey, ...] = ()
    emails: tuple[str, ...] = ()
    notify: tuple[str, ...] = ()  # credential references to apprise URLs

    def has(self, *roles: str) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def needs_totp(self) -> bool:
        return self.has(*TOTP_ROLES)

    def label(self) -> str:
        return f"{self.name} ({self.id})" if self.name != self.id else self.id


@dataclass(frozen=True)
class People:
    """The people of one content root."""

    file: Path
    persons: dict[str, Person]
    require_signatures: bool = False
    _by_key: dict[str, tuple[Person, PersonKey]] = field(default_factory=dict, repr=False)

    def person(self, person_id: str) -> Person | None:
        return self.persons.get(person_id)

    def by_key(self, key_id: str) -> tuple[Person, PersonKey] | None:
        return self._by_key.get(key_id)

    def find(self, name: str) -> Person | None:
        """A person by id or, failing that, by display name (case-insensitive)."""
        if name in self.persons:
            return self.persons[name]
        folded = name.casefold().strip()
        for p in self.persons.values():
            if p.name.casefold() == folded:
                return p
        return None

    def with_role(self, *roles: str) -> list[Person]:
        return [p for p in self.persons.values() if p.has(*roles)]

    def public_keys(self) -> dict[str, Any]:
        """Every key (revoked ones too, with their revocation time) for the audit chain."""
        from ..audit.chain import PublicKey

        return {
            k.key_id: PublicKey(
                k.key_id, p.id, k.public, k.revoked_at.timestamp() if k.revoked_at else None
            )
            for p, k in self._by_key.values()
        }


def load_people(root: Path) -> People | None:
    """The people declared in ``root``/people.yaml; None when the file does not exist (the
    content root then works by names, as before identities existed)."""
    path = Path(root) / PEOPLE_FILE
    if not path.exists():  # a directory there is a problem (load_yaml says so)
        return None
    from ..content.yamlsrc import load_yaml

    doc, problems = load_yaml(path, PEOPLE_FILE)
    if doc is None:
        raise ContentError(problems)
    problems = list(problems)
    data = doc.data if doc.data is not None else {}

    def add(message: str, where: tuple[Any, ...], hint: str | None = None) -> None:
        problems.append(Problem(message, hint=hint, **doc.where(where)))

    if not isinstance(data, dict):
        add("people.yaml must be a mapping with 'people' (a list)", ())
        raise ContentError(problems)
    for key in data:
        if key not in TOP_KEYS:
            add(f"unknown key {key!r}; known: {', '.join(TOP_KEYS)}", (key,))
    require = data.get("require_signatures", False)
    if not isinstance(require, bool):
        add("require_signatures must be true or false", ("require_signatures",))
    raw = data.get("people") or []
    if not isinstance(raw, list):
        add("people must be a list of people", ("people",))
        raw = []
    persons: dict[str, Person] = {}
    by_key: dict[str, tuple[Person, PersonKey]] = {}
    for i, entry in enumerate(raw):
        person = _person(entry, ("people", i), add)
        if person is None:
            continue
        if person.id in persons:
            add(f"person {person.id!r} is declared twice", ("people", i, "id"))
            continue
        for k in person.keys:
            if k.key_id in by_key:
                other = by_key[k.key_id][0].id
                add(
                    f"key {k.key_id} is declared for both {other!r} and {person.id!r}",
                    ("people", i, "keys"),
                    hint="a key belongs to one person: one person under two names would pass"
                    " four eyes alone; remove it from one of them",
                )
            else:
                by_key[k.key_id] = (person, k)
        persons[person.id] = person
    if problems:
        raise ContentError(problems)
    return People(path, persons, bool(require), by_key)


def _person(entry: Any, at: tuple[Any, ...], add: Any) -> Person | None:
    if not isinstance(entry, dict):
        add("a person must be a mapping with id, name, roles, keys, contacts", at)
        return None
    for key in entry:
        if key not in PERSON_KEYS:
            near = get_close_matches(str(key), PERSON_KEYS, 1)
            hint = f"did you mean {near[0]!r}?" if near else None
            add(f"unknown key {key!r}; known: {', '.join(PERSON_KEYS)}", (*at, key), hint)
    pid = entry.get("id")
    if not isinstance(pid, str) or not _ID.match(pid):
        add(
            "id must be lower-case letters, digits, '.', '_' or '-' (e.g. d.officer)",
            (*at, "id"),
        )
        return None
    name = entry.get("name", pid)
    if not isinstance(name, str) or not name.strip():
        add("name must be the person's name as text", (*at, "name"))
        name = pid
    roles = _strings(entry.get("roles"), (*at, "roles"), add, "roles")
    for j, role in enumerate(roles):
        if role not in ROLES:
            near = get_close_matches(role, ROLES, 1)
            hint = f"did you mean {near[0]!r}?" if near else f"roles: {', '.join(ROLES)}"
            add(f"unknown role {role!r}", (*at, "roles", j), hint)
    keys = []
    raw_keys = entry.get("keys") or []
    if not isinstance(raw_keys, list):
        add("keys must be a list of {public_key: ...}", (*at, "keys"))
        raw_keys = []
    seen: set[str] = set()
    for j, k in enumerate(raw_keys):
        key = _key(k, (*at, "keys", j), add)
        if key is not None:
            if key.key_id in seen:
                add(f"key {key.key_id} is listed twice", (*at, "keys", j))
            seen.add(key.key_id)
            keys.append(key)
    emails: list[str] = []
    notify: list[str] = []
    contacts = entry.get("contacts") or {}
    if not isinstance(contacts, dict):
        add("contacts must be a mapping with email and notify", (*at, "contacts"))
        contacts = {}
    for key in contacts:
        if key not in CONTACT_KEYS:
            add(f"unknown contact {key!r}; known: email, notify", (*at, "contacts", key))
    for j, addr in enumerate(_strings(contacts.get("email"), (*at, "contacts", "email"), add)):
        if _EMAIL.match(addr):
            emails.append(addr)
        else:
            add(f"{addr!r} is not an e-mail address", (*at, "contacts", "email", j))
    from ..credentials import is_reference

    for j, ref in enumerate(_strings(contacts.get("notify"), (*at, "contacts", "notify"), add)):
        if is_reference(ref):
            notify.append(ref)
        else:
            add(
                "a notification destination must be a reference (env:NAME or file:/path)",
                (*at, "contacts", "notify", j),
                hint="an apprise URL carries its token: put it in an environment variable or an"
                " owner-only file and write env:NAME or file:/path here",
            )
    return Person(pid, name.strip(), frozenset(roles), tuple(keys), tuple(emails), tuple(notify))


def _strings(value: Any, at: tuple[Any, ...], add: Any, what: str = "value") -> list[str]:
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    out = []
    for j, item in enumerate(items):
        if isinstance(item, str) and item.strip():
            out.append(item.strip())
        else:
            add(f"each of {what} must be text", (*at, j) if isinstance(value, list) else at)
    return out


def _key(entry: Any, at: tuple[Any, ...], add: Any) -> PersonKey | None:
    if not isinstance(entry, dict):
        add("a key must be a mapping with public_key (and optionally revoked, note)", at)
        return None
    for key in entry:
        if key not in KEY_KEYS:
            add(f"unknown key {key!r}; known: {', '.join(KEY_KEYS)}", (*at, key))
    try:
        public = base64.b64decode(str(entry.get("public_key", "")), validate=True)
    except ValueError:
        public = b""
    if len(public) != 32:
        add(
            "public_key must be a base64 Ed25519 public key (32 bytes)",
            (*at, "public_key"),
            hint="`launcher people keygen` prints one",
        )
        return None
    kid = key_id_of(public)
    if entry.get("id") is not None and str(entry["id"]) != kid:
        add(f"id {entry['id']!r} does not match the public key (its id is {kid})", (*at, "id"))
    revoked = entry.get("revoked")
    revoked_at = None
    if revoked is not None:
        revoked_at = _instant(str(revoked))
        if revoked_at is None:
            add(
                "revoked must be a date-time with its offset, e.g. 2026-05-01T00:00:00Z",
                (*at, "revoked"),
            )
    return PersonKey(kid, public, revoked_at, str(entry.get("note") or ""))


def _instant(text: str) -> datetime | None:
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None
