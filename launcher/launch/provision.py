"""Setting accounts up: the dispatcher's first job in every pass, before any post.

An account is claimed like a post (``pending``, ``retrying`` when due, or a ``provisioning``
claim whose holder died), created or activated with one platform call, and recorded:
``active``, ``manual`` (a checklist for a person), ``retrying`` (a platform fault: its posts
wait) or ``failed`` (its posts fail with it). The credential references an account got when
launcher created it are kept in the ledger, so whichever process sends its posts can use them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from ..adapters.base import ProfileUpdate
from ..errors import LauncherError, TransientError, Unsupported, redact
from ..ledger.provisioning import AccountClaim

if TYPE_CHECKING:
    from .dispatch import DispatchResult

log = logging.getLogger("launcher.launch.dispatch")


class AccountSetup:
    """The account half of :class:`launcher.launch.dispatch.Dispatcher`."""

    ledger: Any
    targets: Any
    actor: str
    worker: str
    lease: float
    batch: int
    backoff: Any
    rng: Any
    stop: Any
    clock: Any
    _lock: Any
    _accounts: dict[str, Any]
    _refs: dict[tuple[str, str, str], Any]
    platforms: frozenset[str] | None

    def _takeover(self) -> list[str]:  # provided by Dispatcher
        raise NotImplementedError

    def _provision_batch(self, launch_id: str | None, result: DispatchResult) -> bool:
        claims = self.ledger.claim_accounts(
            worker=self.worker,
            now=self.clock(),
            lease=self.lease,
            limit=self.batch,
            launch_id=launch_id,
            takeover=self._takeover(),
            platforms=self.platforms,
        )
        for i, claim in enumerate(claims):
            if self.stop.is_set():
                rest = [c.account.id for c in claims[i:]]
                self.ledger.release_accounts(rest, worker=self.worker, now=self.clock())
                break
            self.provision(claim)
            result.accounts.append(claim.account.id)
        return bool(claims)

    def provision(self, claim: AccountClaim) -> str:
        """Create or activate one claimed account and set its profile; return its state."""
        a = claim.account
        finish = self.ledger.finish_account
        common = {"worker": self.worker, "actor": self.actor}
        try:
            adapter = self.targets.adapter_for(a.platform, claim.mission)
            ref = self.targets.account_ref(a.platform, claim.mission, a.locale, a.handle)
            profile = ProfileUpdate(display_name=a.display_name, bio=a.bio, links=a.links)
            done = adapter.provision(ref, profile)
        except Unsupported as exc:
            steps = list(exc.checklist) or [exc.message]
            finish(a.id, now=self.clock(), state="manual", checklist=steps, **common)
            return "manual"
        except TransientError as exc:
            wait = self.backoff.delay(a.attempts + 1, exc, self.rng)
            error = redact(str(exc))
            retry_at = self.clock() + wait
            finish(
                a.id, now=self.clock(), state="retrying", error=error, retry_at=retry_at, **common
            )
            log.warning(
                "account %s/%s: platform fault, retrying in %.0fs: %s",
                a.platform,
                a.locale,
                wait,
                error,
                extra={"launch": a.launch_id, "platform": a.platform},
            )
            return "retrying"
        except LauncherError as exc:
            error = redact(str(exc))
            finish(a.id, now=self.clock(), state="failed", error=error, **common)
            log.error(
                "account %s/%s could not be set up: %s",
                a.platform,
                a.locale,
                error,
                extra={"launch": a.launch_id, "platform": a.platform},
            )
            return "failed"
        except Exception as exc:  # a bug in an adapter: record it, do not loop on it
            log.exception("adapter error", extra={"launch": a.launch_id, "platform": a.platform})
            error = redact(f"internal error in the {a.platform} adapter: {type(exc).__name__}")
            finish(a.id, now=self.clock(), state="failed", error=error, **common)
            return "failed"
        new_refs = {
            k: v for k, v in done.account.credentials.items() if ref.credentials.get(k) != v
        }
        finish(
            a.id,
            now=self.clock(),
            state="active",
            account_id=done.account.account_id,
            created=done.created,
            checklist=list(done.checklist),
            credentials=new_refs,
            **common,
        )
        with self._lock:  # the next post of this launch reads the fresh account id
            self._accounts.pop(a.launch_id, None)
            self._refs.pop((a.launch_id, a.platform, a.locale), None)
        return "active"

    # -- one post --------------------------------------------------------------------------
