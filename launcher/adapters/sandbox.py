"""The sandbox: a platform that lives in a file.

No network, no credentials. It behaves like a platform (ids, timestamps, delete, pin) and
appends what it "received" to an outbox, one JSON line per operation, under the data
directory (``<data_dir>/sandbox/outbox.jsonl`` unless the ``outbox`` option says otherwise).
Appends are single ``write`` calls under ``fcntl.flock``, so two processes can share it.

It can be told to fail, for demos and tests: option ``fail`` or the environment variable
``LAUNCHER_SANDBOX_FAIL``, e.g. ``rate-limit:2,outage:1,lost-answer:1`` = the next two
publish calls are rate-limited, the one after that meets an outage, the next one is recorded
in the outbox and then its answer is "lost" (``TransientError(maybe_sent=True)``). Kinds:

=================  =======================================================================
``rate-limit``     ``RateLimited(retry_after=<retry_after option, default 1 s>)``
``outage``         ``TransientError`` (HTTP 503-like), nothing recorded
``timeout``        ``TransientError`` before sending, nothing recorded
``lost-answer``    recorded, then ``TransientError(maybe_sent=True)``
                   (alias ``timeout-after-accept``)
``reject``         ``ContentRejected`` (a permanent error)
=================  =======================================================================

How many failures were consumed is kept in ``<outbox dir>/failures.json`` so separate
processes (CLI, daemon) see them used up. Like X, Facebook and Telegram it has no idempotency
key: a repeated publish posts twice, so callers reconcile (``find_published`` scans the
outbox for the post's identity: its launch and key, which every record carries).

Its audience (replies, likes, follows, a moderator's removal) lives in a file beside the
outbox, for listening drills: :mod:`launcher.adapters.sandbox_listen`.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar

from ..errors import ConfigError, ContentRejected, RateLimited, TransientError
from .base import (
    AccountRef,
    Adapter,
    Capabilities,
    Option,
    OutgoingPost,
    ProfileUpdate,
    Provisioned,
    Published,
    Revoked,
)
from .sandbox_listen import LISTENING, SandboxListening, read_jsonl

ENV_FAIL = "LAUNCHER_SANDBOX_FAIL"
FAIL_KINDS = ("rate-limit", "outage", "timeout", "lost-answer", "timeout-after-accept", "reject")


def _limit(platform: str, fallback: int) -> int:
    try:
        from ..plan.textrules import rule

        return int(rule(platform).limit)
    except Exception:
        return fallback


def parse_fail(spec: str) -> list[tuple[str, int]]:
    """``"rate-limit:2,outage"`` → ``[("rate-limit", 2), ("outage", 1)]``; ConfigError if bad."""
    out: list[tuple[str, int]] = []
    for raw in spec.split(","):
        item = raw.strip()
        if not item:
            continue
        kind, _, count = item.partition(":")
        kind = kind.strip()
        if kind not in FAIL_KINDS:
            raise ConfigError(
                f"sandbox failure {kind!r} is unknown; known: {', '.join(FAIL_KINDS)}",
                hint="write e.g. 'rate-limit:2,outage:1,lost-answer:1'",
            )
        try:
            n = int(count) if count.strip() else 1
        except ValueError:
            raise ConfigError(f"sandbox failure count {count!r} is not a number") from None
        if n < 0:
            raise ConfigError(f"sandbox failure count {n} is negative")
        out.append(("lost-answer" if kind == "timeout-after-accept" else kind, n))
    return out


def _utcnow() -> datetime:
    return datetime.now(UTC)


class SandboxAdapter(SandboxListening, Adapter):
    name: ClassVar[str] = "sandbox"
    platform: ClassVar[str] = "sandbox"
    title: ClassVar[str] = "Sandbox (local outbox)"
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=_limit("sandbox", 1000),
        counting="the rules of the platform it stands in for",
        profile_fields=frozenset({"display_name", "bio", "links", "avatar"}),
        create_accounts=True,
        pin=True,
        delete=True,
        idempotency="reconcile",
        images=True,
        language_tag=True,
        threads=True,
        revoke="outbox",
        listening=LISTENING,
    )
    options: ClassVar[tuple[Option, ...]] = (
        Option("outbox", "outbox file (JSON lines)", default="<data_dir>/sandbox/outbox.jsonl"),
        Option("fail", f"failures to inject, e.g. 'rate-limit:2,lost-answer:1' (env {ENV_FAIL})"),
        Option("retry_after", "seconds the injected rate limit asks to wait", default=1.0),
        Option("stands_for", "the platform it stands in for (set by the settings)"),
        Option("data_dir", "data directory (set by the settings)"),
    )

    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        super().__init__(settings)
        outbox = self.settings.get("outbox")
        if outbox:
            self.outbox = Path(str(outbox)).expanduser()
        else:
            from ..paths import data_dir

            self.outbox = data_dir(self.settings.get("data_dir")) / "sandbox" / "outbox.jsonl"
        self.stands_for = str(self.settings.get("stands_for") or "sandbox")
        self.retry_after = float(self.settings.get("retry_after") or 1.0)
        self.clock = _utcnow
        if self.settings.get("fail"):
            parse_fail(str(self.settings["fail"]))  # fail early on a bad spec

    def __repr__(self) -> str:
        return f"<SandboxAdapter sandbox for {self.stands_for}>"

    # -- storage -------------------------------------------------------------------------
    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        self.outbox.parent.mkdir(parents=True, exist_ok=True)
        with open(self.outbox.with_suffix(".lock"), "a") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock, fcntl.LOCK_UN)

    def records(self) -> list[dict[str, Any]]:
        """Everything in the outbox, oldest first. Read without the lock (a reconciliation
        reads while other processes append), so a last line still being written, without its
        newline yet, is not a record yet."""
        try:
            data = self.outbox.read_bytes()
        except FileNotFoundError:
            return []
        except OSError as exc:
            raise ConfigError(
                f"the sandbox outbox {self.outbox} cannot be read:"
                f" {exc.strerror or type(exc).__name__}",
                hint="make it a readable file, or point the sandbox's outbox option elsewhere",
            ) from exc
        complete = data[: data.rfind(b"\n") + 1]  # whole lines, whole characters
        return read_jsonl(self.outbox, complete)

    def _append(self, record: dict[str, Any]) -> dict[str, Any]:
        """Append one line (caller holds the lock); assign ``id`` when asked with ``id=None``."""
        if "id" in record and record["id"] is None:
            record["id"] = f"sbx-{len(self.records()) + 1}"
        record.setdefault("platform", self.stands_for)
        record["at"] = self.clock().isoformat()
        line = json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n"
        try:
            fd = os.open(self.outbox, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, line.encode("utf-8"))
            finally:
                os.close(fd)
        except OSError as exc:  # the outbox is where the sandbox "publishes": nothing was
            raise ConfigError(
                f"the sandbox outbox {self.outbox} cannot be written:"
                f" {exc.strerror or type(exc).__name__}",
                hint="make it a writable file (or remove what is in its way), or point the"
                " sandbox's outbox option elsewhere; then `launcher retry LAUNCH`",
            ) from exc
        return record

    def _record(self, **record: Any) -> dict[str, Any]:
        with self._locked():
            return self._append(record)

    # -- failure injection ---------------------------------------------------------------
    def _next_failure(self) -> str | None:
        """Consume and return the next injected failure, if any (caller holds the lock)."""
        sources = []
        env = os.environ.get(ENV_FAIL, "").strip()
        if env:
            sources.append(("env", env))
        if self.settings.get("fail"):
            sources.append((f"option:{self.stands_for}", str(self.settings["fail"])))
        if not sources:
            return None
        state_file = self.outbox.parent / "failures.json"
        try:
            state = json.loads(state_file.read_text(encoding="utf-8"))
        except (FileNotFoundError, ValueError):
            state = {}
        found = None
        for origin, spec in sources:
            slot = state.get(origin)
            if not slot or slot.get("spec") != spec:
                slot = {"spec": spec, "consumed": 0}
            plan = [kind for kind, n in parse_fail(spec) for _ in range(n)]
            if slot["consumed"] < len(plan):
                found = plan[slot["consumed"]]
                slot["consumed"] += 1
            state[origin] = slot
            if found:
                break
        tmp = state_file.with_suffix(".tmp")
        tmp.write_text(json.dumps(state), encoding="utf-8")
        tmp.replace(state_file)
        return found

    # -- operations ----------------------------------------------------------------------
    def provision(self, account: AccountRef, profile: ProfileUpdate) -> Provisioned:
        rec = self._record(
            op="provision",
            handle=account.handle,
            locale=account.locale,
            standby=account.standby,
            display_name=profile.display_name,
            bio=profile.bio,
            links=[list(link) for link in profile.links],
            avatar=str(profile.avatar) if profile.avatar else None,
            account_id=account.account_id or f"sbx-acct-{account.handle}",
        )
        credentials = dict(account.credentials)
        if not account.standby:  # like a platform that creates accounts: a token of its own
            credentials["token"] = f"file:{self._issue_token(account.handle)}"
        ref = AccountRef(
            platform=account.platform,
            handle=account.handle,
            locale=account.locale,
            account_id=rec["account_id"],
            credentials=credentials,
            standby=account.standby,
        )
        return Provisioned(account=ref, created=not account.standby, checklist=())

    def _issue_token(self, handle: str) -> Path:
        """An owner-only token file for an account the sandbox created (as Mastodon's
        adapter keeps the token a new account gets), under the data directory."""
        import secrets

        from ..credentials import remember
        from ..paths import data_dir

        token = "sbx-token-" + secrets.token_urlsafe(12)
        remember(token)
        folder = data_dir(self.settings.get("data_dir")) / "credentials"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / f"sandbox-{self.stands_for}-{handle}.token"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write(token + "\n")
        return path

    def revoke(self, account: AccountRef) -> Revoked:
        """Records the revocation of every credential the account holds (the sandbox has no
        server: what it "revoked" is in the outbox)."""
        names = tuple(sorted(account.credentials))
        self._record(op="revoke", handle=account.handle, credentials=list(names))
        return Revoked(names=names)

    def update_profile(self, account: AccountRef, profile: ProfileUpdate) -> None:
        self._record(
            op="update_profile",
            handle=account.handle,
            locale=account.locale,
            display_name=profile.display_name,
            bio=profile.bio,
            links=[list(link) for link in profile.links],
            avatar=str(profile.avatar) if profile.avatar else None,
        )

    def publish(self, account: AccountRef, post: OutgoingPost) -> Published:
        with self._locked():
            failure = self._next_failure()
            kw = {"platform": self.name, "operation": "publish"}
            if failure == "rate-limit":
                raise RateLimited("rate limited (injected)", retry_after=self.retry_after, **kw)
            if failure == "outage":
                raise TransientError("service unavailable (injected outage)", status=503, **kw)
            if failure == "timeout":
                raise TransientError("connect timeout (injected)", maybe_sent=False, **kw)
            if failure == "reject":
                raise ContentRejected("content rejected (injected)", status=422, **kw)
            rec = self._append(
                {
                    "op": "publish",
                    "id": None,
                    **({"launch": post.launch} if post.launch else {}),
                    "key": post.key,
                    "handle": account.handle,
                    "locale": post.locale,
                    "text": post.text,
                    "reply_to": post.reply_to,
                    "image": str(post.image) if post.image else None,
                    "image_alt": post.image_alt or None,
                }
            )
        if failure == "lost-answer":
            raise TransientError(
                "answer lost after the post was accepted (injected)", maybe_sent=True, **kw
            )
        return self._published(rec)

    def _published(self, rec: Mapping[str, Any]) -> Published:
        return Published(
            platform_post_id=rec["id"],
            url=f"sandbox://{rec.get('platform')}/{rec.get('handle')}/{rec['id']}",
            published_at=datetime.fromisoformat(rec["at"]),
            extra={"outbox": str(self.outbox)},
        )

    def find_published(self, account: AccountRef, post: OutgoingPost) -> Published | None:
        retracted = set()
        found = None
        for rec in self.records():
            if rec.get("op") == "retract":
                retracted.add(rec.get("target"))
            elif (
                rec.get("op") == "publish"
                and rec.get("key") == post.key
                and (rec.get("launch") or "") == post.launch
                and rec.get("platform") == self.stands_for
                and rec.get("handle") == account.handle
            ):
                found = found or rec
        if found and found["id"] not in retracted:
            return self._published(found)
        return None

    def _known(self, platform_post_id: str) -> dict[str, Any] | None:
        for rec in self.records():
            if rec.get("op") == "publish" and rec.get("id") == platform_post_id:
                return rec
        return None

    def retract(self, account: AccountRef, platform_post_id: str) -> None:
        if self._known(platform_post_id) is None:
            raise ContentRejected(
                f"no post {platform_post_id} in the sandbox outbox",
                platform=self.name,
                operation="retract",
                status=404,
            )
        self._record(op="retract", handle=account.handle, target=platform_post_id)

    def pin(self, account: AccountRef, published: Published) -> str | None:
        """Like Bluesky, one pinned post per account: returns the one pinned before."""
        if self._known(published.platform_post_id) is None:
            raise ContentRejected(
                f"no post {published.platform_post_id} in the sandbox outbox",
                platform=self.name,
                operation="pin",
                status=404,
            )
        previous = self.pinned(account.handle)
        self._record(op="pin", handle=account.handle, target=published.platform_post_id)
        return previous

    def pinned(self, handle: str) -> str | None:
        """The post currently pinned on an account (the last pin or unpin says)."""
        current = None
        for rec in self.records():
            if rec.get("platform") == self.stands_for and rec.get("handle") == handle:
                if rec.get("op") == "pin":
                    current = rec.get("target")
                elif rec.get("op") == "unpin" and current == rec.get("target"):
                    current = rec.get("restore")
        return current

    def unpin(
        self, account: AccountRef, platform_post_id: str, *, restore: str | None = None
    ) -> bool:
        if self.pinned(account.handle) != platform_post_id:
            return False  # pinned another post meanwhile: leave the profile alone
        gone = {r.get("target") for r in self.records() if r.get("op") == "retract"}
        if restore is not None and (self._known(restore) is None or restore in gone):
            restore = None
        self._record(op="unpin", handle=account.handle, target=platform_post_id, restore=restore)
        return True
