"""The adapter contract: what launcher asks of a platform, and how a platform describes itself.

An adapter declares its capabilities as data (class attributes), so ``launcher adapters``,
``validate`` and the docs are generated from the declarations rather than written by hand.
Operations raise the typed errors of :mod:`launcher.errors`; they never return False.
Retrying is *not* done here: :mod:`launcher.retry` wraps adapter calls in one place.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

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
    profile_fields: frozenset[str]  # of: display_name, bio, links, avatar, pinned_intro
    create_accounts: bool
    pin: bool
    delete: bool
    #: "idempotency-key" | "client-record-key" | "reconcile": how a lost answer is made safe
    idempotency: str
    images: bool = True
    language_tag: bool = False
    threads: bool = True


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
    """A post ready to send. ``key`` is stable across retries and restarts of the same post;
    adapters derive idempotency keys and record keys from it."""

    key: str
    text: str
    locale: str
    reply_to: str | None = None  # platform post id of the previous part of a thread
    image: Path | None = None
    image_alt: str = ""


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

    def pin(self, account: AccountRef, published: Published) -> None:
        raise Unsupported("pinning posts is not supported", platform=self.name)
