"""Who signs the audit events of the current command.

A command that acts for a verified person (the CLI with ``LAUNCHER_KEY``, the console after
sign-in) runs inside :func:`signing_as`; the chain (:mod:`.chain`) then signs every event it
links whose actor is that person. A context variable rather than a parameter: the ledger's
many writing methods stay as they are, and a web server's concurrent requests each see their
own person (context variables are per thread and per task).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Signer:
    """A verified person's signing capability: their id as the ledger records it, the id of
    the key, and a function returning the detached Ed25519 signature of some bytes."""

    person: str
    key_id: str
    sign: Callable[[bytes], bytes]

    def __repr__(self) -> str:  # never the key material
        return f"Signer({self.person}, {self.key_id})"


_current: ContextVar[Signer | None] = ContextVar("launcher_signer", default=None)


def current_signer() -> Signer | None:
    return _current.get()


#: stands for "the calling context's signer" where a signer may be given (an event that another
#: thread writes, e.g. the group commit's committer, carries its caller's signer instead)
CONTEXT_SIGNER: Any = object()


@contextmanager
def signing_as(signer: Signer | None) -> Iterator[Signer | None]:
    """Sign the events recorded under ``signer.person`` until the block ends (None: unsigned)."""
    token = _current.set(signer)
    try:
        yield signer
    finally:
        _current.reset(token)
