"""Credentials are references, never values.

A reference is ``env:NAME`` (an environment variable) or ``file:/path`` (a file readable only
by its owner, mode 0600 or stricter). Settings and playbooks hold references; adapters resolve
them at the moment of a call and keep the value out of every repr, log line, error message,
JSON output and ledger row. Every value resolved here is registered with
:func:`launcher.errors.register_secret`, so the redacting boundaries (ledger, logs, CLI)
scrub it from any text.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import ConfigError, redact, register_secret
from .logging_setup import RedactingFilter, install_log_filter

PREFIXES = ("env:", "file:")
_MASK = "***"  # what repr() shows instead of a value
#: the shortest credential value accepted: platform tokens and app passwords are far longer
MIN_CREDENTIAL = 8

__all__ = [
    "PREFIXES",
    "RedactingFilter",
    "Secret",
    "check",
    "install_log_filter",
    "is_reference",
    "redact",
    "remember",
    "resolve",
]


class Secret:
    """A resolved credential. ``str()`` and ``repr()`` never show the value; ``reveal()`` does."""

    __slots__ = ("_ref", "_value")

    def __init__(self, value: str, ref: str = "") -> None:
        self._value = value
        self._ref = ref
        remember(value)

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret({self._ref or _MASK!s})"

    __str__ = __repr__

    def __bool__(self) -> bool:
        return bool(self._value)


def is_reference(value: object) -> bool:
    return isinstance(value, str) and value.startswith(PREFIXES) and len(value) > 4


def check(ref: object, *, what: str = "credential") -> str | None:
    """The problem with a reference, or None. Never reads or echoes the value itself."""
    if not is_reference(ref):
        return (
            f"{what} must be a reference like 'env:NAME' or 'file:/path' "
            "(the value itself never goes into a settings file)"
        )
    assert isinstance(ref, str)
    kind, _, target = ref.partition(":")
    if kind == "env":
        if not target.replace("_", "").isalnum():
            return f"{what}: {ref!r} is not a valid environment variable name"
        if not os.environ.get(target):
            return f"{what}: environment variable {target} is not set"
        return None
    path = Path(target).expanduser()
    try:
        st = path.stat()
    except OSError:
        return f"{what}: file {path} does not exist or cannot be read"
    if not stat.S_ISREG(st.st_mode):
        return f"{what}: {path} is not a regular file"
    if st.st_mode & 0o077:
        mode = f"{stat.S_IMODE(st.st_mode):o}"
        return f"{what}: {path} is readable by others (mode {mode}); chmod 600 it"
    return None


def resolve(ref: object, *, what: str = "credential") -> Secret:
    """Read the value a reference points at. Raises ConfigError (without the value) on failure."""
    problem = check(ref, what=what)
    if problem:
        raise ConfigError(problem, hint="see docs/adapters.md, 'Credentials'")
    assert isinstance(ref, str)
    kind, _, target = ref.partition(":")
    if kind == "env":
        value = os.environ[target]
    else:
        value = Path(target).expanduser().read_text(encoding="utf-8").strip()
    if not value:
        raise ConfigError(f"{what}: {ref} is empty")
    if len(value) < MIN_CREDENTIAL:
        # every credential is masked wherever it appears; one this short would also mask
        # ordinary words of posts and handles in the ledger, and guesses in seconds anyway
        raise ConfigError(
            f"{what}: {ref} holds only {len(value)} characters, fewer than the"
            f" {MIN_CREDENTIAL} launcher accepts",
            hint="use the platform's full token or app password (see docs/adapters.md,"
            " 'Credentials')",
        )
    return Secret(value, ref)


def remember(value: str) -> None:
    """Register a secret obtained another way (a session token a platform returned, a
    password launcher generated) so every redacting boundary scrubs it."""
    register_secret(value)
