"""Carrying a sunset's date steps out: claim → one platform call (or a ledger change) →
record, like posts, so a halt, a restart or an outage never loses or repeats a step.

The steps, in their order (:mod:`launcher.ledger.sunsets` holds each one back until the steps
before it and its account's farewell posts are done):

- ``archive``: the launch archived again, farewells included, before anything changes
  (if it cannot be written, nothing after it runs);
- per account: ``unpin`` the launch's pinned posts, ``profile`` (the standby or dormant
  profile), ``retire`` (what retiring means on the platform: a move, a checklist),
  ``credentials`` (for accounts launcher created: revoke what it stored, forget the files);
- ``end-launch``: the launch becomes ``ended``; ``end-freeze``: the mission's routine launches
  it froze are resumed.

A platform fault makes a step ``retrying`` (capped backoff with jitter, like a post); what
the API cannot do becomes ``manual`` with a checklist; a refusal is ``failed`` with the
platform's reason (``launcher retry SUNSET`` tries again once fixed).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..adapters import sunset_steps as checklists
from ..adapters.base import AccountRef, ProfileUpdate
from ..errors import ArchiveError, LauncherError, TransientError, Unsupported, redact
from ..launch.retry import Backoff
from ..launch.workers import dead_local_claimants, new_worker_id
from ..ledger import Ledger
from ..ledger.sunsets import StepClaim

log = logging.getLogger("launcher.sunset")


class Done(Exception):
    """Internal: how a step ended other than ``done``."""

    def __init__(self, state: str, *, error: str | None = None, **result: Any) -> None:
        super().__init__(state)
        self.state = state
        self.error = error
        self.result = result


class SunsetWorker:
    """Carries out the due steps of sunsets from one ledger (a daemon's chore, and the
    ``sunset`` command itself for what is due at once)."""

    def __init__(
        self,
        ledger: Ledger,
        targets: Any,
        *,
        actor: str,
        worker: str | None = None,
        clock: Callable[[], float] = time.time,
        lease: float = 120.0,
        backoff: Backoff | None = None,
        archive_base: Path | None = None,
        root: Path | None = None,
        rng: Callable[[], float] | None = None,
    ) -> None:
        import random

        self.ledger = ledger
        self.targets = targets
        self.actor = actor
        self.worker = worker or new_worker_id("sunset")
        self.clock = clock
        self.lease = lease
        self.backoff = backoff or Backoff()
        self.archive_base = archive_base
        self.root = root
        self.rng = rng or random.random

    # -- the chore -------------------------------------------------------------------------
    def run_due(self, *, sunset_id: str | None = None, limit: int = 100) -> int:
        """Carry out every step that can go now; returns how many were attempted."""
        done = 0
        while done < limit:
            claims = self.ledger.claim_steps(
                worker=self.worker,
                now=self.clock(),
                lease=self.lease,
                limit=1,  # one at a time: the next may wait for this one
                sunset_id=sunset_id,
                takeover=dead_local_claimants(self.ledger.claimants()),
            )
            if not claims:
                break
            self.carry_out(claims[0])
            done += 1
        return done

    def next_due(self) -> float | None:
        return self.ledger.next_step_due()

    # -- one step --------------------------------------------------------------------------
    def carry_out(self, claim: StepClaim) -> str:
        step = claim.step
        ctx = {"launch": step.sunset_id, "platform": step.platform, "worker": self.worker}
        try:
            result = getattr(self, "_" + step.action.replace("-", "_"))(claim)
            state, error = "done", None
        except Done as how:
            state, error, result = how.state, how.error, how.result
        except Unsupported as exc:
            state, error = "manual", None
            result = {"checklist": list(exc.checklist) or [exc.message]}
        except TransientError as exc:
            wait = self.backoff.delay(step.attempts, exc, self.rng)
            error = redact(str(exc))
            self.ledger.finish_step(
                step.id, worker=self.worker, actor=self.actor, now=self.clock(),
                state="retrying", error=error, retry_at=self.clock() + wait,
            )  # fmt: skip
            log.warning("sunset step %s: platform fault, retrying: %s", step.action, error,
                        extra=ctx)  # fmt: skip
            return "retrying"
        except LauncherError as exc:
            state, error, result = "failed", redact(str(exc)), {}
        except Exception as exc:  # a bug: recorded, never a loop
            log.exception("sunset step %s failed", step.action, extra=ctx)
            state, error, result = "failed", f"internal error: {type(exc).__name__}: {exc}", {}
        self.ledger.finish_step(
            step.id, worker=self.worker, actor=self.actor, now=self.clock(), state=state,
            result=result, error=error,
        )  # fmt: skip
        log.info("sunset step %s: %s", step.action, state, extra=ctx)
        return state

    def _account(self, claim: StepClaim) -> tuple[Any, AccountRef, Any]:
        """(adapter, account reference, the launch's account record) of a per-account step."""
        step, sunset = claim.step, claim.sunset
        record = next(
            (
                a
                for a in self.ledger.accounts(sunset.launch_id)
                if a.platform == step.platform and a.locale == step.locale
            ),
            None,
        )
        if record is None:
            raise Done("skipped", done=f"no {step.platform}/{step.locale} account in the launch")
        refs = self.ledger.account_refs(sunset.launch_id)
        _handle, account_id, created = refs.get((record.platform, record.locale), ("", None, {}))
        adapter = self.targets.adapter_for(record.platform, claim.mission)
        ref = self.targets.account_ref(record.platform, claim.mission, record.locale, record.handle)
        if account_id and not ref.account_id:
            ref = replace(ref, account_id=account_id)
        if created:
            ref = replace(ref, credentials={**created, **ref.credentials})
        return adapter, ref, record

    def _archive(self, claim: StepClaim) -> Mapping[str, Any]:
        from ..archive import default_dir, new_archive_id, write_archive
        from ..paths import data_dir

        sunset = claim.sunset
        if sunset.no_archive:
            self.ledger.record_no_archive(
                sunset.launch_id, actor=self.actor, now=self.clock(), what="sunset", posts=0
            )
            raise Done("skipped", done="no archive (--no-archive when the sunset was planned)")
        now = self.clock()
        archive_id = new_archive_id(sunset.launch_id, now)
        base = self.archive_base or data_dir()
        try:
            done = write_archive(
                self.ledger, sunset.launch_id, out=default_dir(base, archive_id),
                actor=self.actor, now=now, reason="sunset", root=self.root,
                archive_id=archive_id,
            )  # fmt: skip
        except ArchiveError as exc:
            raise Done("failed", error=redact(str(exc))) from None
        return {"done": f"archived to {done.path}", "archive": done.id, "path": str(done.path)}

    def _unpin(self, claim: StepClaim) -> Mapping[str, Any]:
        adapter, ref, record = self._account(claim)
        changed, by_hand = [], []
        for post_id, platform_post_id in claim.step.detail.get("posts", []):
            try:
                if adapter.unpin_post(ref, str(platform_post_id)):
                    changed.append(post_id)
                    self.ledger.record_event(
                        at=self.clock(), actor=self.actor, action="post.unpinned",
                        launch_id=claim.sunset.launch_id, post_id=post_id,
                        sunset=claim.sunset.id,
                    )  # fmt: skip
            except Unsupported:
                by_hand += checklists.steps(
                    adapter, checklists.UNPIN_BY_HAND, post=platform_post_id,
                    handle=record.handle, platform=adapter.title,
                )  # fmt: skip
        n = len(claim.step.detail.get("posts", []))
        result: dict[str, Any] = {
            "done": f"{len(changed)} of {n} crisis pin(s) still on the profile, taken off"
            + (" (the others were no longer pinned)" if len(changed) < n else "")
        }
        if by_hand:
            raise Done("manual", checklist=by_hand, **result)
        return result

    def _profile(self, claim: StepClaim) -> Mapping[str, Any]:
        adapter, ref, record = self._account(claim)
        d = claim.step.detail
        profile = ProfileUpdate(
            display_name=str(d.get("display_name") or ""),
            bio=str(d.get("bio") or ""),
            links=tuple((str(a), str(b)) for a, b in d.get("links") or ()),
        )
        try:
            adapter.update_profile(ref, profile)
        except Unsupported as exc:
            steps = list(exc.checklist) or list(
                checklists.steps(
                    adapter, checklists.PROFILE_BY_HAND, handle=record.handle,
                    platform=adapter.title, display_name=profile.display_name, bio=profile.bio,
                )
            )  # fmt: skip
            raise Done("manual", checklist=steps) from None
        return {"done": "profile restored"}

    def _retire(self, claim: StepClaim) -> Mapping[str, Any]:
        adapter, _ref, record = self._account(claim)
        action = claim.step.detail.get("action", "checklist")
        values = {"handle": record.handle, "platform": adapter.title}
        if action == "keep":
            return {"done": "kept as it is"}
        if action == "move":
            successor = claim.step.detail.get("successor") or ""
            steps = checklists.steps(
                adapter, checklists.MOVE, successor=successor, **values
            ) + checklists.steps(adapter, checklists.RETIRE, **values)
            raise Done("manual", checklist=list(steps), done=f"move to {successor}")
        raise Done("manual", checklist=list(checklists.steps(adapter, checklists.RETIRE, **values)))

    def _credentials(self, claim: StepClaim) -> Mapping[str, Any]:
        adapter, ref, record = self._account(claim)
        sunset = claim.sunset
        stored = dict(self.ledger.account_refs(sunset.launch_id).get(
            (record.platform, record.locale), ("", None, {})
        )[2])  # fmt: skip
        checklist: list[str] = []
        values = {"handle": record.handle, "platform": adapter.title}
        try:
            revoked = adapter.revoke(ref)
            names = set(revoked.names)
            checklist += list(revoked.checklist)
        except Unsupported as exc:  # revoke by hand; what launcher stored is forgotten anyway
            names = set()
            checklist += list(exc.checklist) or list(
                checklists.steps(adapter, checklists.REVOKE_BY_HAND, **values)
            )
        forget = {n for n in stored if n in names or n not in ("password",)}
        deleted = [str(p) for n in sorted(forget) if (p := _own_file(stored.get(n)))]
        for path in deleted:
            Path(path).unlink(missing_ok=True)
        if forget:
            self.ledger.forget_credentials(
                sunset.launch_id, record.platform, record.locale, forget, actor=self.actor,
                now=self.clock(),
            )  # fmt: skip
        if "password" in stored:  # the way back into the account: a person takes it over
            checklist += checklists.steps(
                adapter, checklists.PASSWORD, password_file=str(_own_file(stored["password"])),
                **values,
            )  # fmt: skip
        result: dict[str, Any] = {
            "done": f"revoked: {', '.join(sorted(names)) or 'nothing through the API'};"
            f" forgotten: {', '.join(sorted(forget)) or 'nothing'}",
            "revoked": sorted(names),
            "forgotten": sorted(forget),
            "files_deleted": len(deleted),
        }
        if checklist:
            raise Done("manual", checklist=checklist, **result)
        return result

    def _end_launch(self, claim: StepClaim) -> Mapping[str, Any]:
        out = self.ledger.end_launch(
            claim.sunset.launch_id, sunset_id=claim.sunset.id, actor=self.actor, now=self.clock()
        )
        return {"done": f"launch {out['launch']} {out['state']}; {out['halted']} post(s) halted"}

    def _end_freeze(self, claim: StepClaim) -> Mapping[str, Any]:
        out = self.ledger.end_freeze(
            claim.sunset.launch_id, mission=claim.mission, sunset_id=claim.sunset.id,
            actor=self.actor, now=self.clock(),
        )  # fmt: skip
        text = f"{len(out.resumed)} routine launch(es) resumed"
        if out.kept:
            text += f"; {len(out.kept)} stay frozen by {', '.join(sorted(set(out.kept.values())))}"
        return {"done": text, "resumed": out.resumed, "kept": out.kept}


def _own_file(ref: str | None) -> Path | None:
    """The file behind a ``file:`` reference launcher wrote (under a ``credentials``
    directory); never a file of the settings."""
    if not ref or not ref.startswith("file:"):
        return None
    path = Path(ref[5:])
    return path if path.parent.name == "credentials" else None
