"""The adapter contract: what launcher asks of a platform, and how a platform describes itself.

An adapter declares its capabilities as data (class attributes), so ``launcher adapters``,
``validate`` and the docs are generated from the declarations rather than written by hand.
Operations raise the typed errors of :mod:`launcher.errors`; they never return False.
Retrying is *not* done here: :mod:`launcher.launch.retry` wraps adapter calls in one place.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
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


#: the post metrics launcher knows, in the order reports show them
METRICS = ("replies", "reposts", "likes", "quotes", "reach")


@dataclass(frozen=True)
class Listening:
    """What an adapter can collect for the listening post, declared as data.

    ``inbox``: the kinds of inbound items it collects (``mention``, ``reply``, ``quote``,
    ``comment``); ``post_metrics``: which of :data:`METRICS` it reads, ``batch`` posts per
    call; ``followers``: whether it reads the account's followers; ``answers``: whether an
    inbox item can be answered with a threaded reply. Everything it cannot collect is in
    ``unavailable`` as ``(what, why)``, so reports say "unavailable: why", never 0.
    """

    inbox: tuple[str, ...] = ()
    post_metrics: tuple[str, ...] = ()
    followers: bool = False
    batch: int = 1
    answers: bool = False
    unavailable: tuple[tuple[str, str], ...] = ()

    def why(self, what: str) -> str | None:
        """Why ``what`` (``inbox``, a metric, ``followers``) cannot be collected, if it can't."""
        for name, reason in self.unavailable:
            if name == what:
                return reason
        if what == "inbox" and not self.inbox:
            return "this adapter does not collect replies or mentions"
        if what == "followers" and not self.followers:
            return "this adapter does not read follower counts"
        if what in METRICS and what not in self.post_metrics:
            return f"this adapter does not read {what}"
        return None


NO_LISTENING = Listening(
    unavailable=(("inbox", "this adapter declares no listening capabilities"),)
)


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
    #: what :meth:`Adapter.revoke` can end through the API when a sunset retires launcher's
    #: access to an account it created: "token" (the access token is revoked: Mastodon),
    #: "app-password" (the app password launcher made, and its sessions: Bluesky),
    #: "outbox" (the sandbox records it), "none" (a checklist for a person)
    revoke: str = "none"
    #: what the listening post can collect here (inbox, metrics), and why not the rest
    listening: Listening = field(default_factory=lambda: NO_LISTENING)
    #: requests ``provision`` makes to activate a standby account (log in, set its profile):
    #: how heavy a platform's share of a large launch is (:mod:`launcher.launch.shards`)
    setup_requests: int = 1


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
    #: an answer to a post outside our own threads (an inbox item): what the platform needs
    #: besides ``reply_to`` to thread it (Bluesky: ``root_uri``/``root_cid``/``parent_uri``/
    #: ``parent_cid``; Mastodon: ``mention`` to address, ``visibility`` not to widen)
    reply_refs: Mapping[str, str] = field(default_factory=dict)

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
class Revoked:
    """What :meth:`Adapter.revoke` ended: the credential names (keys of
    ``AccountRef.credentials``) no longer valid on the platform, whose stored references can
    now be forgotten, and what a person must still do."""

    names: tuple[str, ...] = ()
    checklist: tuple[str, ...] = ()


@dataclass(frozen=True)
class Inbound:
    """A reply, mention, quote or comment addressed to one of our accounts.

    ``platform_id`` is the inbound post's own id (Mastodon status id, ``at://`` URI, tweet
    id, Facebook comment id); ``in_reply_to`` the platform id of the post it answers, when it
    answers one; ``language`` what the platform declares (Mastodon ``language``, Bluesky
    ``langs``, X ``lang``), not a detection; ``refs`` what an answer needs to thread under it.
    """

    platform_id: str
    kind: str  # mention | reply | quote | comment
    author: str
    text: str
    created_at: datetime | None = None
    url: str | None = None
    author_id: str | None = None
    in_reply_to: str | None = None
    language: str | None = None
    refs: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class InboxPage:
    """Inbound items newer than the cursor given, and the cursor to give next time."""

    items: tuple[Inbound, ...]
    cursor: str | None


@dataclass(frozen=True)
class PostMetrics:
    """One post's counts as the platform gives them; ``None`` is "not measured", with the
    reason in ``unavailable`` (never a 0 that was not counted). ``removed``: the post is gone
    from the platform (deleted by hand or by moderation)."""

    replies: int | None = None
    reposts: int | None = None
    likes: int | None = None
    quotes: int | None = None
    reach: int | None = None
    removed: bool = False
    unavailable: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AccountMetrics:
    followers: int | None = None
    unavailable: str | None = None


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

    def unpin_post(self, account: AccountRef, platform_post_id: str) -> bool:
        """Take a pinned post that stays published off the profile (a sunset). True when
        something was changed. The default suits platforms whose profile points at one
        pinned post (Bluesky, the sandbox): the pointer is removed if it is this post."""
        return self.unpin(account, platform_post_id)

    def revoke(self, account: AccountRef) -> Revoked:
        """End the access launcher holds to an account it created (a sunset): revoke the
        tokens it stored, as far as the platform's API allows (``capabilities.revoke``)."""
        raise Unsupported(
            f"{self.title} access cannot be revoked through the API",
            platform=self.name,
            operation="revoke",
        )

    # -- listening (optional: ``capabilities.listening`` says what is supported) -----------
    def fetch_inbox(
        self, account: AccountRef, cursor: str | None, posts: Sequence[str] = ()
    ) -> InboxPage:
        """Replies and mentions addressed to ``account`` since ``cursor`` (None: the most
        recent ones), oldest first, and the cursor to resume from. ``posts`` are the platform
        ids of the account's recent posts, for platforms whose inbound items hang under each
        post (Facebook comments)."""
        raise Unsupported(
            self.capabilities.listening.why("inbox") or "no inbox",
            platform=self.name,
            operation="inbox",
        )

    def fetch_post_metrics(
        self, account: AccountRef, post_ids: Sequence[str]
    ) -> dict[str, PostMetrics]:
        """Counts for up to ``capabilities.listening.batch`` of the account's posts, by id."""
        raise Unsupported(
            "this adapter does not read post metrics", platform=self.name, operation="metrics"
        )

    def fetch_account_metrics(self, account: AccountRef) -> AccountMetrics:
        raise Unsupported(
            self.capabilities.listening.why("followers") or "no follower counts",
            platform=self.name,
            operation="followers",
        )

    def listen_headroom(self) -> float | None:
        """The share of the current rate-limit window left after the last listening call
        (0..1), where the platform says; None when unknown. Collection pauses below the
        reserve kept for posting."""
        return None
