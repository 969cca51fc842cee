"""Who is acting: a verified person (their key, listed in people.yaml) or only a name.

``LAUNCHER_KEY`` (a credential reference to the person's private key) makes the actor a
verified person: the key's public half must be one of that person's keys in people.yaml and
not revoked. Without a key the actor is a name, as before identities existed (``--as``, else
``LAUNCHER_ACTOR``, else the OS user); in a content root with people.yaml that name may not
be a declared person's (acting as them takes their key), and it never counts for four eyes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..actor import resolve_actor as resolve_name
from ..audit.signer import Signer
from ..errors import ConfigError, InputError, KeyRefused, Refused
from .keys import KEY_ENV, load_signing_key
from .registry import PEOPLE_FILE, People, Person, PersonKey, key_id_of, load_people


@dataclass(frozen=True)
class Actor:
    """Who acts: ``name`` is what the ledger records (the person's id when verified)."""

    name: str
    person: Person | None = None
    key: PersonKey | None = None
    signer: Signer | None = None
    people: People | None = None  # None: the content root declares no people (names only)

    @property
    def verified(self) -> bool:
        return self.person is not None

    def describe(self) -> str:
        if self.person is not None:
            return f"{self.person.label()}, key {self.key.key_id if self.key else '?'}"
        return f"{self.name} (no key: not verified)"


def signer_for(person: Person, key, key_id: str) -> Signer:  # key: nacl SigningKey
    return Signer(person.id, key_id, lambda data: key.sign(data).signature)


def verified_actor(people: People, key, *, at: datetime | None = None) -> Actor:
    """The person whose key ``key`` (a nacl SigningKey) is; KeyRefused for a key no one
    holds or one revoked."""
    kid = key_id_of(bytes(key.verify_key))
    found = people.by_key(kid)
    if found is None:
        raise KeyRefused(
            f"the key {kid} is not the key of anyone in {PEOPLE_FILE}",
            hint=f"point {KEY_ENV} at your own key, or add its public key to your entry in"
            f" {PEOPLE_FILE} (`launcher people keygen` printed it)",
        )
    person, pkey = found
    if pkey.revoked(at):
        assert pkey.revoked_at is not None
        raise KeyRefused(
            f"the key {kid} of {person.label()} was revoked at "
            f"{pkey.revoked_at.isoformat().replace('+00:00', 'Z')}: it can no longer act",
            hint=f"use your current key ({PEOPLE_FILE} lists it), or have a new one added",
        )
    return Actor(person.id, person, pkey, signer_for(person, key, kid), people)


def resolve(
    root: Path,
    as_name: str | None = None,
    *,
    key_ref: str | None = None,
    people: People | None = None,
    at: datetime | None = None,
) -> Actor:
    """Who acts in a command run against content root ``root``."""
    people = people if people is not None else load_people(root)
    ref = key_ref or os.environ.get(KEY_ENV)
    if ref:
        if people is None:
            raise ConfigError(
                f"{KEY_ENV} is set, but the content root {root} has no {PEOPLE_FILE} to check"
                " the key against",
                hint=f"declare the people and their keys in {PEOPLE_FILE} (docs/operations.md:"
                f" People and roles), or unset {KEY_ENV} to act by name",
            )
        actor = verified_actor(people, load_signing_key(ref), at=at or datetime.now(UTC))
        assert actor.person is not None
        if as_name and as_name.strip() not in (actor.person.id, actor.person.name):
            raise InputError(
                f"{as_name!r}: your key ({KEY_ENV}) is the key of {actor.person.label()}; --as"
                " cannot name someone else",
                field="--as",
                hint="leave --as out (the key says who you are), or act with that person's key",
            )
        return actor
    name = resolve_name(as_name)
    if people is not None:
        claimed = people.find(name)
        if claimed is not None:
            raise Refused(
                f"{name!r} is {claimed.label()}, declared in {PEOPLE_FILE}: acting as them"
                f" needs their key",
                hint=f"set {KEY_ENV}=file:/path/to/your.key (the key listed for you in"
                f" {PEOPLE_FILE}), or give another name with --as",
            )
    return Actor(name, people=people)
