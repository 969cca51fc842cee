"""Pinning one sent post, recording what became of the pin (``post.pinned``,
``-unsupported``, ``-failed``) in the audit trail.

The dispatcher pins a post right after the ledger records it sent; the daemon's chore
(:mod:`.pins`) pins what a crashed sender left undone. Both call :func:`pin_post`, which
imports neither of them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from ..adapters.base import AccountRef, Adapter, Published
from ..errors import AdapterError, Unsupported, redact
from ..ledger import Ledger, PostRecord
from .retry import RetryPolicy, Stopping, call_with_retry

log = logging.getLogger("launcher.launch.dispatch")  # where pin failures were always logged


def pin_post(
    ledger: Ledger,
    adapter: Adapter,
    account: AccountRef,
    published: Published,
    post: PostRecord,
    *,
    actor: str,
    clock: Callable[[], float],
    policy: RetryPolicy,
    sleep: Callable[[float], None] | None,
    log_extra: Mapping[str, Any],
) -> None:
    """Pin ``post`` (on the platform as ``published``) and record the outcome in the audit
    trail; a platform that cannot pin, or a pin that fails, is recorded, never raised."""
    try:
        previous = call_with_retry(
            lambda: adapter.pin(account, published), policy=policy, sleep=sleep
        )
    except Unsupported as exc:
        ledger.record_event(
            at=clock(), actor=actor, action="post.pin-unsupported", launch_id=post.launch_id,
            post_id=post.id, reason=exc.message,
        )  # fmt: skip
        return
    except (AdapterError, Stopping) as exc:
        ledger.record_event(
            at=clock(), actor=actor, action="post.pin-failed", launch_id=post.launch_id,
            post_id=post.id, reason=redact(str(exc)),
        )  # fmt: skip
        log.warning("pin failed: %s", exc, extra=dict(log_extra))
        return
    ledger.record_event(
        at=clock(),
        actor=actor,
        action="post.pinned",
        launch_id=post.launch_id,
        post_id=post.id,
        # pinned again after a crash (the pin made, its event not): not its own previous
        previous=previous
        if isinstance(previous, str) and previous != published.platform_post_id
        else None,
    )
