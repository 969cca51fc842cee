"""The console's credentials per person: a password hash, a TOTP secret, an encrypted key.

One JSON file (``console.users`` in the settings, default ``<data dir>/console-users.json``),
owner-only (mode 0600; the server refuses a file others can read), written by
``launcher console enroll``. Per person:

- ``password``: an argon2id hash (argon2-cffi's PasswordHasher, the maintained binding of the
  reference implementation, with its current parameters; rehashed when they change);
- ``totp``: the shared secret of their authenticator app (pyotp, RFC 6238), for the approver
  and emergency roles: a stolen password alone does not sign anyone in;
- ``key``: their console signing key (Ed25519), encrypted with a key derived from their
  password (argon2id through libsodium's ``pwhash`` and ``SecretBox``, both in PyNaCl): the
  server can sign for a person only while that person is signed in, and a copy of this file
  signs nothing without the passwords. Its public half is one of the person's keys in
  people.yaml, so revoking it there ends its use at once.
"""

from __future__ import annotations

import base64
import contextlib
import json
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import ConfigError, InputError
from ..people.registry import key_id_of

VERSION = 1
MIN_PASSWORD = 12
#: a hash to verify against when the person is unknown, so timing does not tell who exists
_DUMMY: str | None = None


@dataclass(frozen=True)
class ConsoleUser:
    person: str
    password_hash: str
    totp_secret: str | None
    key_id: str
    salt: bytes
    sealed_key: bytes  # SecretBox(nonce + ciphertext) of the Ed25519 seed

    def check_password(self, password: str) -> bool:
        from argon2 import PasswordHasher
        from argon2.exceptions import InvalidHashError, VerificationError

        try:
            return PasswordHasher().verify(self.password_hash, password)
        except (VerificationError, InvalidHashError):
            return False

    def unlock(self, password: str) -> Any:  # nacl SigningKey
        """The signing key; ValueError if the password does not open it."""
        from nacl.exceptions import CryptoError
        from nacl.secret import SecretBox
        from nacl.signing import SigningKey

        try:
            seed = SecretBox(_kek(password, self.salt)).decrypt(self.sealed_key)
        except CryptoError:
            raise ValueError("the password does not open this key") from None
        return SigningKey(seed)

    def totp_step(self, code: str, at: float) -> int | None:
        """The time step a code is valid for (this one or its neighbours), else None."""
        import pyotp

        if not self.totp_secret:
            return None
        code = code.strip().replace(" ", "")
        if not code.isdigit() or len(code) != 6:
            return None
        totp = pyotp.TOTP(self.totp_secret)
        step = int(at) // totp.interval
        for candidate in (step, step - 1, step + 1):
            if totp.verify(code, for_time=candidate * totp.interval):
                return candidate
        return None


def _kek(password: str, salt: bytes) -> bytes:
    from nacl.pwhash import argon2id
    from nacl.secret import SecretBox

    return argon2id.kdf(
        SecretBox.KEY_SIZE,
        password.encode("utf-8"),
        salt,
        opslimit=argon2id.OPSLIMIT_INTERACTIVE,
        memlimit=argon2id.MEMLIMIT_INTERACTIVE,
    )


def dummy_check(password: str) -> None:
    """Spend what a real check spends, for a person who does not exist."""
    global _DUMMY
    from argon2 import PasswordHasher

    hasher = PasswordHasher()
    if _DUMMY is None:
        _DUMMY = hasher.hash("not a real password, only a timing twin")
    with contextlib.suppress(Exception):
        hasher.verify(_DUMMY, password)


def load_users(path: Path) -> dict[str, ConsoleUser]:
    """The enrolled people; {} when the file does not exist. ConfigError if others can read
    it or it is not what enrolment writes."""
    try:
        st = path.stat()
    except FileNotFoundError:
        return {}
    if st.st_mode & 0o077:
        raise ConfigError(
            f"{path} is readable by others (mode {stat.S_IMODE(st.st_mode):o}): it holds"
            " password hashes, one-time-code secrets and encrypted keys",
            hint=f"chmod 600 {path}",
        )
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
        return {
            pid: ConsoleUser(
                pid,
                str(u["password"]),
                u.get("totp"),
                str(u["key"]["key_id"]),
                base64.b64decode(u["key"]["salt"]),
                base64.b64decode(u["key"]["sealed"]),
            )
            for pid, u in doc["users"].items()
        }
    except (ValueError, KeyError, TypeError) as exc:
        raise ConfigError(
            f"{path} is not a console users file ({type(exc).__name__})",
            hint="enrol the people again with `launcher console enroll PERSON`",
        ) from None


def enroll(path: Path, person: Any, password: str) -> tuple[str, str, str | None]:
    """Create or replace ``person``'s console credentials. Returns (key id, base64 public key,
    the otpauth:// URI for their authenticator app, or None when their roles need none)."""
    import pyotp
    from argon2 import PasswordHasher
    from nacl.pwhash import argon2id
    from nacl.secret import SecretBox
    from nacl.signing import SigningKey
    from nacl.utils import random

    if len(password) < MIN_PASSWORD:
        raise InputError(
            f"the password must have at least {MIN_PASSWORD} characters",
            field="password",
            hint="a passphrase of several words is easy to type on a phone and hard to guess",
        )
    key = SigningKey.generate()
    salt = random(argon2id.SALTBYTES)
    sealed = SecretBox(_kek(password, salt)).encrypt(bytes(key))
    secret = pyotp.random_base32() if person.needs_totp else None
    users = _raw(path)
    users[person.id] = {
        "password": PasswordHasher().hash(password),
        "totp": secret,
        "key": {
            "key_id": key_id_of(bytes(key.verify_key)),
            "salt": base64.b64encode(salt).decode(),
            "sealed": base64.b64encode(bytes(sealed)).decode(),
        },
        "enrolled_at": datetime.now(UTC).isoformat(timespec="seconds"),
    }
    _write(path, {"version": VERSION, "users": users})
    public = bytes(key.verify_key)
    uri = (
        pyotp.TOTP(secret).provisioning_uri(name=person.id, issuer_name="launcher")
        if secret
        else None
    )
    return key_id_of(public), base64.b64encode(public).decode(), uri


def remove(path: Path, person_id: str) -> bool:
    users = _raw(path)
    if users.pop(person_id, None) is None:
        return False
    _write(path, {"version": VERSION, "users": users})
    return True


def _raw(path: Path) -> dict[str, Any]:
    load_users(path)  # refuses a file others can read, or one that is not ours
    if not path.exists():
        return {}
    return dict(json.loads(path.read_text(encoding="utf-8"))["users"])


def _write(path: Path, doc: dict[str, Any]) -> None:
    from ..content.i18n import write_atomically  # a temporary file of mode 0600, then replaced

    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    write_atomically(path, json.dumps(doc, indent=2, sort_keys=True).encode("utf-8"))
