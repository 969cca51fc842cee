"""The adapter contract: what launcher asks of a platform, and how a platform describes itself.

An adapter declares its capabilities as data (class attributes), so ``launcher adapters``,
``validate`` and the docs are generated from the declarations rather than written by hand.
Operations raise the typed errors of :mod:`launcher.errors`; they never return False.
Retrying is *not* done here: :mod:`launcher.launch.retry` wraps adapter calls in one place.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

from ..budget.limits import Limit
from ..errors import Unsupported


@dataclass(frozen=True)
class Option:
    """One setting an adapter accepts in the configuration file."""

    name: str
    description: str
    required: bool = False
    default: Any = None
    #: a credential reference ("env:NAME" or "file:/path"), never a value
    credential: bool = False


@dataclass(frozen=True)
class Capabilities:
    """What a platform can do through its API, as data."""

    text_limit: int
    counting: str  # how length is counted, in words, e.g. "twitter-text v3 weighted"
    profile_fields: frozenset[str]  # of: display_name, bio, links, avatar
    create_accounts: bool
    pin: bool
    delete: bool
    #: "idempotency-key" | "client-record-key" | "reconcile": how a lost answer is made safe
    idempotency: str
    images: bool = True
    language_tag: bool = False
    threads: bool = True
    #: seconds the platform remembers an idempotency key (Mastodon: 1 h); after that a resend
    #: is reconciled first. None: forever (a client-chosen record key is the post's name)
    idempotency_window: float | None = None
    #: seconds to wait after a lost answer before looking for the post: a request queued on
    #: the platform past the client's timeout may still be processed (X has no key)
    reconcile_after: float = 0.0


@dataclass(frozen=True)
class AccountRef:
    """The account an operation acts on.

    ``account_id`` is the platform's own id (Mastodon account id, Bluesky DID, Telegram chat
    id, Facebook page id, X user id) once known; ``credentials`` maps credential names to
    references resolved by :mod:`launcher.credentials`. ``standby`` marks an account
    registered in advance in the settings: ``provision`` activates it instead of creating one.
    """

    platform: str
    handle: str
    locale: str
    account_id: str | None = None
    credentials: Mapping[str, str] = field(default_factory=dict)
    #: registered in advance (settings ``accounts``): provision() activates it, never creates
    standby: bool = False


@dataclass(frozen=True)
class ProfileUpdate:
    display_name: str
    bio: str
    links: tuple[tuple[str, str], ...] = ()
    avatar: Path | None = None


@dataclass(frozen=True)
class OutgoingPost:
    """A post ready to send.

    ``key`` names the post within its launch (``message#n/platform/locale``) and ``launch``
    the launch: adapters derive idempotency keys, record keys and reconciliation matches from
    :attr:`identity`, both together, so two launches on the same accounts never collide.
    ``not_before`` is when the first attempt began: a post found on the platform is only this
    one if it was created after that; ``known_ids`` are platform posts the ledger already
    holds for other posts, which are never adopted by reconciliation.
    """

    key: str
    text: str
    locale: str
    reply_to: str | None = None  # platform post id of the previous part of a thread
    image: Path | None = None
    image_alt: str = ""
    launch: str = ""
    not_before: datetime | None = None
    known_ids: frozenset[str] = frozenset()

    @property
    def identity(self) -> str:
        """The post's platform-side identity: launch id + post key."""
        return f"{self.launch}/{self.key}" if self.launch else self.key


@dataclass(frozen=True)
class Published:
    platform_post_id: str
    url: str | None = None
    published_at: datetime | None = None
    #: extra platform data needed later (e.g. Bluesky cid for pinning)
    extra: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Provisioned:
    account: AccountRef
    created: bool  # True: created now; False: a standby account was activated
    checklist: tuple[str, ...] = ()  # manual steps still needed, if any


class Adapter(ABC):
    """Base class of every platform adapter. Subclasses declare the ClassVars."""

    name: ClassVar[str]  # entry-point name, e.g. "mastodon"
    platform: ClassVar[str]  # the platform whose text rules apply
    title: ClassVar[str]  # human name, e.g. "Mastodon"
    capabilities: ClassVar[Capabilities]
    options: ClassVar[tuple[Option, ...]] = ()
    #: the platform's documented rate limits, as data (:mod:`launcher.budget`): what the
    #: request path keeps every window under; `launcher adapters` lists them
    limits: ClassVar[tuple[Limit, ...]] = ()

    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        self.settings = dict(settings or {})

    def __repr__(self) -> str:  # never echo settings: they may name credential files
        return f"<{type(self).__name__} {self.name}>"

    def provision(self, account: AccountRef, profile: ProfileUpdate) -> Provisioned:
        """Create the account, or activate a standby one registered in advance."""
        raise Unsupported(
            f"{self.title} accounts cannot be created through the API",
            platform=self.name,
            operation="provision",
        )

    def update_profile(self, account: AccountRef, profile: ProfileUpdate) -> None:
        raise Unsupported("profile updates are not supported", platform=self.name)

    @abstractmethod
    def publish(self, account: AccountRef, post: OutgoingPost) -> Published:
        """Publish one post. Must be safe to call again with the same ``post.key``
        when ``capabilities.idempotency`` says so; otherwise callers reconcile first."""

    def find_published(self, account: AccountRef, post: OutgoingPost) -> Published | None:
        """Look for ``post`` on the platform (reconciliation after a lost answer)."""
        return None

    def retract(self, account: AccountRef, platform_post_id: str) -> None:
        raise Unsupported("deleting posts is not supported", platform=self.name)

    def pin(self, account: AccountRef, published: Published) -> str | None:
        """Pin a post to the profile. Returns the id of the post pinned before, where the
        platform keeps one pinned post and says which (so a retraction can restore it)."""
        raise Unsupported("pinning posts is not supported", platform=self.name)

    def unpin(
        self, account: AccountRef, platform_post_id: str, *, restore: str | None = None
    ) -> bool:
        """After ``platform_post_id`` was deleted: make sure the profile no longer points at
        it, pinning ``restore`` (the post pinned before it) instead where that is possible.
        Returns True when something was changed. The default: deleting a post unpins it on
        the platform itself (Mastodon, Telegram, Facebook), nothing to mend."""
        return False
