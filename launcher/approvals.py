"""Pre-approved content: approve before the crisis, launch at once during it.

An approval pins the exact content a playbook can produce: the playbook's id and version, the
declared bounds of its parameters, the source of every template it renders, and for each
approved locale the translations of every string those templates use. Each piece is hashed
separately, so ``launcher approvals`` can say *what* changed since (which template, which
locale) and a launch can say why it must wait.

Approvals live in ``approvals.yaml`` in the content repository: reviewable in a pull request,
one entry per approval. Entries are signed with Ed25519 (PyNaCl) by a key the organisation
controls; the public keys are listed in ``approval-keys.yaml`` beside it. An entry edited by
hand no longer verifies; an entry copied onto other content names other fingerprints (and its
signature covers the playbook id), so it approves nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import yaml

from .content.i18n import load_catalog, split_key
from .content.playbook import load_playbook
from .content.render import _parents, template_msgids
from .errors import ConfigError, InputError, UserError
from .models import Playbook
from .people.registry import key_id_of  # how approvals and people name a key: one rule

APPROVALS_FILE = "approvals.yaml"
KEYS_FILE = "approval-keys.yaml"
KEY_ENV = "LAUNCHER_APPROVAL_KEY"


# ---------------------------------------------------------------- fingerprints


@dataclass(frozen=True)
class Fingerprint:
    """Hashes of every piece of content a playbook renders, per piece."""

    playbook: str
    version: int
    source: str  # hash of the playbook file (schedule, platforms: any edit)
    params: str  # hash of the declared parameters and their bounds
    templates: dict[str, str]  # template name -> hash of its source
    locales: dict[str, str]  # locale -> hash of the translations the templates use

    def core(self) -> dict[str, Any]:
        return {
            "playbook": self.playbook,
            "version": self.version,
            "source": self.source,
            "params": self.params,
            "templates": dict(sorted(self.templates.items())),
        }


def _h(data: bytes | str) -> str:
    if isinstance(data, str):
        data = data.encode("utf-8")
    return hashlib.sha256(data).hexdigest()[:32]


def _templates_of(root: Path, playbook: Playbook) -> list[str]:
    from .places.platforms import NAMES_TEMPLATE

    seen: list[str] = []
    todo = list(playbook.templates)  # profile, messages and the sunset's
    if (root / "templates" / NAMES_TEMPLATE).is_file():  # the platforms' names per locale
        todo.append(NAMES_TEMPLATE)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.append(name)
        path = root / "templates" / name
        if path.is_file():
            # bytes that are not UTF-8 are reported by planning; the hash is of the bytes
            todo.extend(_parents(path.read_text(encoding="utf-8", errors="replace")))
    return sorted(seen)


def fingerprint(root: Path, playbook_id: str, locales: Iterable[str]) -> Fingerprint:
    """Fingerprint the content of ``playbook_id`` for ``locales`` as it is on disk now."""
    playbook = load_playbook(root, playbook_id)
    params = [
        [p.name, p.type, p.required, p.min, p.max, p.max_length, list(p.choices), str(p.default)]
        for p in playbook.parameters
    ]
    templates = {}
    msgids: dict[str, tuple[str, int]] = {}
    for name in _templates_of(root, playbook):
        path = root / "templates" / name
        templates[name] = _h(path.read_bytes()) if path.is_file() else "missing"
        if path.is_file():
            msgids.update(template_msgids(root, name))
    from .places import PLACES_FILE

    if (root / PLACES_FILE).is_file():  # the places' names and forms are published text too
        templates[f"../{PLACES_FILE}"] = _h((root / PLACES_FILE).read_bytes())
    locale_hashes = {}
    for loc in sorted(set(locales)):
        catalog, problems = load_catalog(root, loc)
        if catalog is None:
            raise UserError(
                f"cannot approve locale '{loc}': {problems[0].message}", hint=problems[0].hint
            )
        entries = []
        for msgid in sorted(msgids):
            text, context = split_key(msgid)  # a message with a context too (pgettext)
            msg = catalog.catalog.get(text, context=context)
            string = None if msg is None else msg.string
            fuzzy = bool(msg is not None and msg.fuzzy)
            entries.append(
                [
                    msgid,
                    list(string) if isinstance(string, tuple) else string,
                    fuzzy,
                    catalog.catalog.plural_expr if isinstance(string, tuple) else None,
                ]
            )
        locale_hashes[loc] = _h(json.dumps(entries, ensure_ascii=False, sort_keys=True))
    return Fingerprint(
        playbook.id,
        playbook.version,
        _h((root / "playbooks" / f"{playbook.id}.yaml").read_bytes()),
        _h(json.dumps(params, sort_keys=True)),
        templates,
        locale_hashes,
    )


# ---------------------------------------------------------------- entries and signing


@dataclass(frozen=True)
class Approval:
    playbook: str
    version: int
    source: str
    params: str
    templates: dict[str, str]
    locales: dict[str, str]
    approved_by: str
    approved_at: str
    expires_at: str | None
    key_id: str
    signature: str = ""
    line: int | None = None

    def payload(self) -> bytes:
        """The canonical bytes that are signed: every field but the signature."""
        body = {
            "playbook": self.playbook,
            "version": self.version,
            "source": self.source,
            "params": self.params,
            "templates": dict(sorted(self.templates.items())),
            "locales": dict(sorted(self.locales.items())),
            "approved_by": self.approved_by,
            "approved_at": self.approved_at,
            "expires_at": self.expires_at,
            "key_id": self.key_id,
        }
        return json.dumps(body, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode(
            "utf-8"
        )

    def to_yaml_dict(self) -> dict[str, Any]:
        return {
            "playbook": self.playbook,
            "version": self.version,
            "approved_by": self.approved_by,
            "approved_at": self.approved_at,
            "expires_at": self.expires_at,
            "locales": dict(sorted(self.locales.items())),
            "source": self.source,
            "params": self.params,
            "templates": dict(sorted(self.templates.items())),
            "key_id": self.key_id,
            "signature": self.signature,
        }


def _signing_key(ref: str | None):
    import os

    from nacl.signing import SigningKey

    from .credentials import resolve

    ref = ref or os.environ.get(KEY_ENV)
    if not ref:
        raise ConfigError(
            "no approval signing key",
            hint=f"set {KEY_ENV}=file:/path/to/approval.key (create one with "
            "`launcher approve keygen`), or pass --key",
        )
    secret = resolve(ref, what="approval signing key")
    try:
        return SigningKey(base64.b64decode(secret.reveal().strip()))
    except Exception:  # wrong length or encoding: never echo the key material
        raise ConfigError(
            "the approval signing key is not a base64 Ed25519 seed",
            hint="create a new one with `launcher approve keygen`",
        ) from None


def generate_key(out: Path, owner: str) -> dict[str, str]:
    """Write a new private key to ``out`` (mode 0600, never overwriting, as people's keys);
    return its public key entry."""
    from .people.keys import generate_key as write_new_key

    key_id, public = write_new_key(out)
    return {"id": key_id, "owner": owner, "public_key": public}


def load_keys(root: Path) -> dict[str, dict[str, str]]:
    path = root / KEYS_FILE
    out: dict[str, dict[str, str]] = {}
    from .content.files import not_a_file

    unreadable = not_a_file(path, KEYS_FILE)  # a directory is not "no keys"
    if unreadable is not None:
        from .errors import ContentError

        raise ContentError(unreadable)
    if path.is_file():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        keys = data.get("keys", []) if isinstance(data, dict) else []
        out = {str(k["id"]): k for k in keys if isinstance(k, dict) and "id" in k}
    return {**out, **_people_keys(root)}


def _people_keys(root: Path) -> dict[str, dict[str, str]]:
    """The keys of the content approvers declared in people.yaml (revoked ones marked)."""
    from .people.registry import load_people

    people = load_people(root)
    if people is None:
        return {}
    return {
        k.key_id: {
            "id": k.key_id,
            "owner": p.label(),
            "public_key": base64.b64encode(k.public).decode(),
            **({"revoked": k.revoked_at.isoformat()} if k.revoked_at else {}),
        }
        for p in people.with_role("content-approver")
        for k in p.keys
    }


def load_approvals(root: Path) -> list[Approval]:
    path = root / APPROVALS_FILE
    if not path.exists():  # a directory is a problem (load_yaml says so), not "no approvals"
        return []
    from .content.yamlsrc import load_yaml_or_raise

    doc = load_yaml_or_raise(path, APPROVALS_FILE)
    raw = doc.data.get("approvals", []) if isinstance(doc.data, dict) else []
    out = []
    for i, e in enumerate(raw or []):
        try:
            out.append(
                Approval(
                    playbook=str(e["playbook"]),
                    version=int(e["version"]),
                    source=str(e.get("source", "")),
                    params=str(e["params"]),
                    templates={str(k): str(v) for k, v in (e.get("templates") or {}).items()},
                    locales={str(k): str(v) for k, v in (e.get("locales") or {}).items()},
                    approved_by=str(e["approved_by"]),
                    approved_at=str(e["approved_at"]),
                    expires_at=None if e.get("expires_at") is None else str(e["expires_at"]),
                    key_id=str(e.get("key_id", "")),
                    signature=str(e.get("signature", "")),
                    line=doc.positions.get(("approvals", i), (None, None))[0],
                )
            )
        except (KeyError, TypeError, ValueError) as exc:
            from .errors import ContentError, Problem

            raise ContentError(
                Problem(f"malformed approval entry: {exc}", **doc.where(("approvals", i)))
            ) from None
    return out


def approve_content(
    root: Path,
    playbook_id: str,
    *,
    locales: Sequence[str],
    approver: str,
    key_ref: str | None = None,
    expires_in: timedelta | None = None,
    now: datetime | None = None,
) -> Approval:
    """Sign and append an approval of the playbook's current content for ``locales``."""
    from nacl.signing import SigningKey

    if not approver.strip():
        raise InputError("who approves must be named", field="--as")
    key: SigningKey = _signing_key(key_ref)
    kid = key_id_of(bytes(key.verify_key))
    if kid not in load_keys(root):
        raise ConfigError(
            f"signing key {kid} is not listed in {KEYS_FILE}",
            hint=f"add its public key entry to {KEYS_FILE} (printed by `launcher approve keygen`)",
        )
    fp = fingerprint(root, playbook_id, locales)
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    entry = Approval(
        playbook=fp.playbook,
        version=fp.version,
        source=fp.source,
        params=fp.params,
        templates=fp.templates,
        locales=fp.locales,
        approved_by=approver.strip(),
        approved_at=now.isoformat().replace("+00:00", "Z"),
        expires_at=None
        if expires_in is None
        else (now + expires_in).isoformat().replace("+00:00", "Z"),
        key_id=kid,
    )
    signed = Approval(
        **{
            **entry.__dict__,
            "signature": base64.b64encode(key.sign(entry.payload()).signature).decode(),
        }
    )
    _append(root / APPROVALS_FILE, signed)
    return signed


def _append(path: Path, entry: Approval) -> None:
    header = (
        "# Approvals of content, signed with Ed25519 (see README: Approvals).\n"
        "# Do not edit entries by hand: an edited entry no longer verifies and approves nothing.\n"
        "# Record new ones with: launcher approve content PLAYBOOK --as NAME\n"
        "approvals:\n"
    )
    text = path.read_text(encoding="utf-8") if path.is_file() else header
    if not text.endswith("\n"):
        text += "\n"
    block = yaml.safe_dump([entry.to_yaml_dict()], allow_unicode=True, sort_keys=False, width=100)
    text += "".join("  " + line if line.strip() else line for line in block.splitlines(True))
    tmp = path.with_suffix(".yaml.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


# ---------------------------------------------------------------- verification and status


@dataclass
class ApprovalStatus:
    approval: Approval
    state: str  # valid | stale | expired | tampered | unknown-key | revoked-key
    changes: list[str] = field(default_factory=list)
    valid_locales: list[str] = field(default_factory=list)


def verify(approval: Approval, keys: dict[str, dict[str, str]]) -> str | None:
    """None if the signature is good, else why not."""
    from nacl.exceptions import BadSignatureError
    from nacl.signing import VerifyKey

    key = keys.get(approval.key_id)
    if key is None:
        return "unknown-key"
    if key.get("revoked"):  # a lost or stolen key: what it signed no longer counts
        return "revoked-key"
    try:
        VerifyKey(base64.b64decode(key["public_key"])).verify(
            approval.payload(), base64.b64decode(approval.signature)
        )
    except (BadSignatureError, ValueError, TypeError):
        return "tampered"
    return None


def statuses(
    root: Path,
    approvals: Sequence[Approval],
    keys: dict[str, dict[str, str]],
    now: datetime | None = None,
) -> list[ApprovalStatus]:
    """The status of each entry; the content is fingerprinted once per playbook, not once per
    entry (an approvals file grows by one entry at every re-approval)."""
    locales: dict[str, set[str]] = {}
    for a in approvals:
        locales.setdefault(a.playbook, set()).update(a.locales)
    current: dict[str, Fingerprint | None] = {}
    for playbook, locs in locales.items():
        try:
            current[playbook] = fingerprint(root, playbook, locs)
        except UserError:  # let each entry report its own problem
            current[playbook] = None
    return [status_of(root, a, keys, now, current=current[a.playbook]) for a in approvals]


def status_of(
    root: Path,
    approval: Approval,
    keys: dict[str, dict[str, str]],
    now: datetime | None = None,
    *,
    current: Fingerprint | None = None,
) -> ApprovalStatus:
    bad = verify(approval, keys)
    if bad:
        return ApprovalStatus(
            approval,
            bad,
            [
                "signature does not match the entry (edited by hand, or copied)"
                if bad == "tampered"
                else f"signed with key {approval.key_id}, revoked in people.yaml"
                if bad == "revoked-key"
                else f"signed with key {approval.key_id}, not in {KEYS_FILE} nor a content"
                " approver's key in people.yaml"
            ],
        )
    now = now or datetime.now(UTC)
    if approval.expires_at and datetime.fromisoformat(approval.expires_at) <= now:
        return ApprovalStatus(approval, "expired", [f"expired at {approval.expires_at}"])
    if current is None:
        try:
            current = fingerprint(root, approval.playbook, approval.locales)
        except UserError as exc:
            return ApprovalStatus(approval, "stale", [str(exc.message)])
    changes = []
    if current.version != approval.version:
        changes.append(f"playbook version {approval.version} -> {current.version}")
    if current.params != approval.params:
        changes.append("parameters or their bounds changed")
    elif current.source != approval.source:
        changes.append(f"playbooks/{approval.playbook}.yaml changed")
    for name in sorted(set(current.templates) | set(approval.templates)):
        if current.templates.get(name) != approval.templates.get(name):
            changes.append(f"template {name} changed")
    core_ok = not changes
    valid_locales = []
    for loc, digest in sorted(approval.locales.items()):
        if current.locales.get(loc) != digest:
            changes.append(f"translations for '{loc}' changed")
        elif core_ok:
            valid_locales.append(loc)
    state = "valid" if core_ok and valid_locales == sorted(approval.locales) else "stale"
    return ApprovalStatus(approval, state, changes, valid_locales)


@dataclass
class Decision:
    """Whether a launch may go out at once, and if not, why."""

    approved: bool
    reasons: list[str]
    approvals: list[str] = field(default_factory=list)  # who approved what was used


def decide(
    root: Path, playbook_id: str, locales: Sequence[str], now: datetime | None = None
) -> Decision:
    """A launch goes out at once only if every locale it publishes is covered by a valid
    approval of the playbook's current content (facts are bounds-checked at planning)."""
    keys = load_keys(root)
    found = statuses(
        root, [a for a in load_approvals(root) if a.playbook == playbook_id], keys, now
    )
    covered: dict[str, str] = {}
    for st in found:
        for loc in st.valid_locales:
            covered.setdefault(loc, f"{st.approval.approved_by} at {st.approval.approved_at}")
    reasons = []
    if not found:
        reasons.append(f"playbook {playbook_id} has no approval")
    for loc in locales:
        if loc not in covered:
            why = sorted({c for st in found for c in st.changes}) or ["not approved"]
            reasons.append(f"locale {loc}: " + "; ".join(why))
    return Decision(not reasons, reasons, sorted(set(covered.values())))
