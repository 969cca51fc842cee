"""Writing an archive as a BagIt bag (RFC 8493), and verifying it later.

BagIt is what archivists and records offices use to keep a set of files with the digests that
prove them (the Library of Congress's ``bagit`` package writes and validates it): the payload
under ``data/`` (the JSON sections and ``index.html``), ``manifest-sha256.txt`` with the
SHA-256 of every payload file, ``bag-info.txt`` (who, what, when) and
``tagmanifest-sha256.txt`` with the digests of those. ``sha256sum -c`` or any BagIt tool
checks it without launcher. The ledger keeps the SHA-256 of the tag manifest, so an archive
whose files were changed *and* re-hashed is still found out where the ledger is at hand.

An archive is written into a sibling temporary directory and renamed into place when it is
complete: a crash never leaves a half archive under the final name.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import secrets
import shutil
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bagit

from ..errors import ArchiveError, InputError
from ..ledger import Ledger, iso
from . import collect

log = logging.getLogger("launcher.archive")
logging.getLogger("bagit").setLevel(logging.WARNING)  # it narrates every file at INFO

TAG_MANIFEST = "tagmanifest-sha256.txt"
ID_FIELD = "Launcher-Archive-Id"
LAUNCH_FIELD = "External-Identifier"
ASSETS = Path(__file__).resolve().parent / "assets"


@dataclass(frozen=True)
class Archive:
    """An archive written: where, its id, its tag manifest's digest, the posts it holds."""

    id: str
    launch_id: str
    path: Path
    manifest_sha256: str
    posts: tuple[int, ...]  # ids of the posts it holds as sent
    files: tuple[str, ...]


@dataclass
class Verification:
    path: Path
    archive_id: str | None
    launch_id: str | None
    files: int = 0
    problems: list[str] = field(default_factory=list)
    ledger: str = "not checked"  # matches | differs | unknown | not checked

    @property
    def ok(self) -> bool:
        return not self.problems

    def as_dict(self) -> dict[str, Any]:
        return {
            "path": str(self.path),
            "archive": self.archive_id,
            "launch": self.launch_id,
            "files": self.files,
            "ok": self.ok,
            "problems": list(self.problems),
            "ledger": self.ledger,
        }


def new_archive_id(launch_id: str, now: float) -> str:
    stamp = datetime.fromtimestamp(now, UTC).strftime("%Y%m%dT%H%M%SZ")
    return f"{launch_id}-archive-{stamp}-{secrets.token_hex(2)}"


def default_dir(base: Path, archive_id: str) -> Path:
    return base / "archives" / archive_id


def _dumps(doc: Any) -> str:
    return json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True, default=str) + "\n"


def _groups(posts: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    out: dict[str, list[dict[str, Any]]] = {}
    for p in posts:
        out.setdefault(f"{p['platform']} / {p['locale']} ({p['account'] or '-'})", []).append(p)
    return sorted(out.items())


def _page(sections: dict[str, Any], meta: dict[str, str]) -> str:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(ASSETS)),
        autoescape=select_autoescape(["html", "j2"]),
        undefined=StrictUndefined,
    )
    posts = sections["posts"]
    return env.get_template("archive.html.j2").render(
        launch=sections["launch"],
        posts=posts,
        counts=dict(Counter(p["state"] for p in posts)),
        groups=_groups(posts),
        profiles=sections["profiles"],
        audit=sections["audit"],
        approvals=sections["approvals"],
        listening=sections["listening"],
        sunset=sections.get("sunset"),
        **meta,
    )


def write_archive(
    ledger: Ledger,
    launch_id: str,
    *,
    out: Path,
    actor: str,
    now: float,
    reason: str = "archive",
    root: Path | None = None,
    archive_id: str | None = None,
) -> Archive:
    """Write the archive of a launch into ``out`` (which must not exist, or be empty) and
    record it in the ledger. Raises :class:`ArchiveError` when it cannot be written."""
    launch = ledger.resolve(launch_id)
    archive_id = archive_id or new_archive_id(launch.id, now)
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(
            f"{out} already exists and is not an empty directory",
            field="-o",
            hint="give a new directory: an archive is never written over another",
        )
    sections: dict[str, Any] = {
        "launch": collect.launch_doc(ledger, launch.id),
        "posts": collect.posts_doc(ledger, launch.id),
        "profiles": collect.profiles_doc(ledger, launch.id),
        "audit": collect.audit_doc(ledger, launch.id),
        "approvals": collect.approvals_doc(ledger, launch.id, root),
        "listening": collect.listening(ledger, launch.id),
    }
    sunset = collect.sunset_doc(ledger, launch.id)
    if sunset is not None:
        sections["sunset"] = sunset
    meta = {"written_at": iso(now) or "", "written_by": actor, "reason": reason}
    held = [*sections["posts"], *(sunset or {}).get("farewells", [])]
    sent = tuple(p["id"] for p in held if p["state"] == "sent")
    tmp = out.parent / f".{out.name}.partial-{secrets.token_hex(3)}"
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.mkdir(mode=0o700)
        for name, doc in sections.items():
            (tmp / f"{name}.json").write_text(_dumps(doc), encoding="utf-8")
        (tmp / "index.html").write_text(_page(sections, meta), encoding="utf-8")
        bag = bagit.make_bag(
            str(tmp),
            {
                "Source-Organization": "launcher",
                LAUNCH_FIELD: launch.id,
                ID_FIELD: archive_id,
                "Bagging-Date": (iso(now) or "")[:10],
                "Internal-Sender-Description": f"launch {launch.id} ({launch.playbook} for"
                f" {launch.mission}), archived by {actor} for {reason} at {meta['written_at']}",
            },
            checksums=["sha256"],
        )
        files = tuple(sorted(bag.payload_entries()))
        digest = hashlib.sha256((tmp / TAG_MANIFEST).read_bytes()).hexdigest()
        if out.exists():
            out.rmdir()  # empty, checked above
        os.replace(tmp, out)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if not isinstance(exc, OSError | bagit.BagError):
            raise
        where = getattr(exc, "filename", None) or out
        raise ArchiveError(
            f"the archive of {launch.id} could not be written to {out}: "
            f"{getattr(exc, 'strerror', None) or exc} ({where})",
            hint="free space or fix the permissions there, or give another directory",
        ) from None
    ledger.record_archive(
        archive_id,
        launch_id=launch.id,
        path=str(out.resolve()),
        manifest_sha256=digest,
        post_ids=sent,
        reason=reason,
        actor=actor,
        now=now,
    )
    log.info("archive %s written to %s (%d files)", archive_id, out, len(files))
    return Archive(archive_id, launch.id, out, digest, sent, files)


def verify_archive(path: Path, ledger: Ledger | None = None) -> Verification:
    """Check every file of an archive against its manifests (changed, missing or added
    files are each named) and, where ``ledger`` knows the archive, the tag manifest against
    the digest recorded when it was written. ``InputError`` if ``path`` is no archive."""
    path = Path(path)
    if not path.is_dir():
        raise InputError(f"{path} is not a directory", field="DIR", hint="give an archive's dir")
    try:
        bag = bagit.Bag(str(path))
    except bagit.BagError as exc:
        raise InputError(
            f"{path} is not a launcher archive (a BagIt bag): {exc}",
            field="DIR",
            hint="give the directory `launcher archive -o DIR` wrote",
        ) from None
    info = bag.info
    result = Verification(
        path, _field(info, ID_FIELD), _field(info, LAUNCH_FIELD), len(bag.payload_entries())
    )
    try:
        with _quiet_bagit():  # its log repeats, raw, what is reported below in our words
            bag.validate(processes=1)
    except bagit.BagValidationError as exc:
        # bagit stops at a size mismatch (Payload-Oxum) without naming the file: name it
        details = [_detail(d) for d in exc.details] or _compare(path, bag)
        result.problems.extend(details or [str(exc.message)])
    except bagit.BagError as exc:
        result.problems.append(str(exc))
    if ledger is not None and result.archive_id:
        known = ledger.archive_record(result.archive_id)
        recorded = ledger.archives_of(result.launch_id) if result.launch_id else []
        tag = path / TAG_MANIFEST
        if known is None and recorded:
            result.ledger = "differs"
            result.problems.append(
                f"the ledger recorded the archives of {result.launch_id} as"
                f" {', '.join(r.id for r in recorded)}, never {result.archive_id}:"
                " bag-info.txt was rewritten, or this is not an archive launcher wrote"
            )
        elif known is None:
            result.ledger = "unknown"
        elif not tag.is_file():
            result.ledger = "differs"
            result.problems.append(f"{TAG_MANIFEST}: missing (the ledger recorded its SHA-256)")
        else:
            digest = hashlib.sha256(tag.read_bytes()).hexdigest()
            if digest == known.manifest_sha256:
                result.ledger = "matches"
            else:
                result.ledger = "differs"
                result.problems.append(
                    f"{TAG_MANIFEST}: its SHA-256 is not the one the ledger recorded when the"
                    f" archive was written ({known.manifest_sha256}): the manifests were"
                    " rewritten since"
                )
    return result


@contextlib.contextmanager
def _quiet_bagit() -> Iterator[None]:
    log = logging.getLogger("bagit")
    level = log.level
    log.setLevel(logging.CRITICAL)
    try:
        yield
    finally:
        log.setLevel(level)


def _compare(path: Path, bag: bagit.Bag) -> list[str]:
    """Every file of the bag against its manifest entry, in launcher's words."""
    out = []
    listed = dict(bag.entries)
    for rel, hashes in sorted(listed.items()):
        want = hashes.get("sha256")
        file = path / rel
        if not file.is_file():
            out.append(f"{rel}: missing")
            continue
        found = hashlib.sha256(file.read_bytes()).hexdigest()
        if want and found != want:
            out.append(f"{rel}: changed (SHA-256 recorded {want}, now {found})")
    for rel in sorted(set(bag.payload_files()) - set(listed)):
        out.append(f"{rel}: not in the manifest (added after the archive was written)")
    return out


def _field(info: dict[str, Any], name: str) -> str | None:
    value = info.get(name)
    if isinstance(value, list):
        value = value[0] if value else None
    return str(value) if value else None


def _detail(d: Any) -> str:
    kind = type(d).__name__
    if kind == "ChecksumMismatch":
        return f"{d.path}: changed (SHA-256 recorded {d.expected}, now {d.found})"
    if kind == "FileMissing":
        return f"{d.path}: missing"
    if kind == "UnexpectedFile":
        return f"{d.path}: not in the manifest (added after the archive was written)"
    return str(d)
