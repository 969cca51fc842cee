"""A person's signing key: created once, kept off the repository, referenced by LAUNCHER_KEY.

The private half is a base64 Ed25519 seed in an owner-only file (``file:`` reference, mode
0600) or an environment variable (``env:``); the public half goes into people.yaml. The key
type is the one content approvals use (PyNaCl), so one person can use one key for both.
"""

from __future__ import annotations

import base64
import os
from pathlib import Path

from ..errors import ConfigError, InputError
from .registry import key_id_of

KEY_ENV = "LAUNCHER_KEY"


def load_signing_key(ref: str, *, what: str = "your signing key (LAUNCHER_KEY)"):  # -> SigningKey
    """The key a reference points at; ConfigError, never echoing the material, otherwise."""
    from nacl.signing import SigningKey

    from ..credentials import resolve

    secret = resolve(ref, what=what)
    try:
        seed = base64.b64decode(secret.reveal().strip(), validate=True)
        return SigningKey(seed)
    except Exception:  # wrong length or encoding: never echo the key material
        raise ConfigError(
            f"{what}: {ref} does not hold a base64 Ed25519 key",
            hint="create one with `launcher people keygen --out PATH` and add its public key"
            " to people.yaml",
        ) from None


def generate_key(out: Path) -> tuple[str, str]:
    """Write a new private key to ``out`` (mode 0600, never overwriting); return
    (key id, base64 public key)."""
    from nacl.signing import SigningKey

    if out.exists():
        raise InputError(f"{out} exists; refusing to overwrite a key", field="--out")
    key = SigningKey.generate()
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(base64.b64encode(bytes(key)).decode() + "\n")
    public = bytes(key.verify_key)
    return key_id_of(public), base64.b64encode(public).decode()
