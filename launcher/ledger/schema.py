"""The ledger's tables, in SQLAlchemy Core.

Times are stored as UTC epoch seconds (floats): the same on SQLite and PostgreSQL, sortable,
and free of time-zone conversions. The planner computes UTC due times (DST handled there);
the ledger stores and honours them.

Launch states: ``active`` ⇄ ``halted``; → ``retracted``. A launch whose content is not
covered by a valid approval is recorded ``awaiting-approval`` (nothing of it reaches a
platform: no account, no profile, no post) → ``active`` | ``rejected``. ``provisioning`` is
the state of launches recorded before schema v4 while their accounts were set up. ``note``
says why a launch waits or was halted (approval reasons, ``content freeze``);
``override_reason`` is set when it was sent as an emergency override; ``kind`` is ``crisis``
or ``routine`` (a crisis launch freezes the routine launches of its mission); ``repeat_key``
identifies playbook + mission + given facts, so the same launch run twice is noticed.

Post states::

    scheduled → sending → sent
                        → retrying (retry_at, error) → sending …   a platform fault: try later
                        → failed                                   a person must act (retry)
    scheduled | retrying → expired       its useful life (expires_at) ended before it went out
    scheduled | retrying ⇄ halted;  sent → retracted

A ``sending`` post holds a claim (``claimed_by``, ``claim_until``): the lease a daemon renews
while it works, and that another daemon may take over, after checking the platform, once it
has expired. ``reconcile`` marks a post whose last attempt may have reached the platform: it is
looked for there before it is sent again. ``first_attempt_at`` bounds that search.

Account states: ``pending`` → ``provisioning`` (claimed, like a post) → ``active`` |
``manual`` (a checklist for a person) | ``retrying`` (a platform fault) | ``failed``. A post is
sent only once its account is ``active`` or ``manual``.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

POST_STATES = (
    "scheduled",
    "sending",
    "sent",
    "retrying",
    "failed",
    "expired",
    "halted",
    "retracted",
)
LAUNCH_STATES = (
    "provisioning",
    "awaiting-approval",
    "active",
    "halted",
    "rejected",
    "retracted",
)
LAUNCH_KINDS = ("crisis", "routine")
ACCOUNT_STATES = ("pending", "provisioning", "active", "manual", "retrying", "failed")
#: accounts whose posts may go out
READY_ACCOUNT_STATES = ("active", "manual")

metadata = MetaData()

schema_version = Table(
    "schema_version",
    metadata,
    Column("version", Integer, primary_key=True),
    Column("applied_at", Float, nullable=False),
    Column("description", String(200), nullable=False, default=""),
)

launches = Table(
    "launches",
    metadata,
    Column("id", String(120), primary_key=True),
    Column("playbook", String(100), nullable=False),
    Column("mission", String(100), nullable=False),
    Column("facts", Text, nullable=False),  # JSON
    Column("created_by", String(200), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("confirmed_at", Float, nullable=False),
    Column("state", String(24), nullable=False),
    Column("plan_hash", String(64), nullable=False),
    Column("plan", Text, nullable=True),  # JSON, as `launcher plan --json` prints it
    Column("updated_at", Float, nullable=False),
    Column("timezone", String(64), nullable=True),  # the mission's IANA zone (schema v2)
    Column("kind", String(16), nullable=False, default="crisis"),  # schema v3
    Column("note", Text, nullable=True),  # JSON list: why it waits or was halted (v3)
    Column("override_reason", Text, nullable=True),  # emergency override (v3)
    Column("repeat_key", String(64), nullable=True),  # playbook+mission+given facts (v4)
)

accounts = Table(
    "accounts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("launch_id", String(120), ForeignKey("launches.id"), nullable=False),
    Column("platform", String(40), nullable=False),
    Column("locale", String(20), nullable=False),
    Column("handle", String(200), nullable=False),
    Column("display_name", String(400), nullable=False, default=""),
    Column("account_id", String(200), nullable=True),
    Column("state", String(16), nullable=False),
    Column("created", Boolean, nullable=False, default=False),
    Column("checklist", Text, nullable=False, default="[]"),  # JSON list of manual steps
    Column("error", Text, nullable=True),
    Column("updated_at", Float, nullable=False),
    # schema v4: the profile to set (so any process can provision), and claims like posts'
    Column("bio", Text, nullable=True),
    Column("links", Text, nullable=True),  # JSON list of [label, url]
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_by", String(200), nullable=True),
    Column("claim_until", Float, nullable=True),
    Column("retry_at", Float, nullable=True),
    # credential *references* an account got when launcher created it (``file:`` paths of
    # owner-only files, never a secret), so whichever process sends its posts can use them
    Column("credentials", Text, nullable=True),  # JSON {name: reference}
    UniqueConstraint("launch_id", "platform", "locale", name="uq_accounts_launch_target"),
)

posts = Table(
    "posts",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("launch_id", String(120), ForeignKey("launches.id"), nullable=False),
    Column("key", String(300), nullable=False),
    Column("message", String(100), nullable=False),
    Column("platform", String(40), nullable=False),
    Column("locale", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("due_at", Float, nullable=False),
    Column("state", String(12), nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_by", String(200), nullable=True),
    Column("claim_until", Float, nullable=True),
    Column("sent_at", Float, nullable=True),
    Column("platform_post_id", String(300), nullable=True),
    Column("url", String(1000), nullable=True),
    Column("extra", Text, nullable=True),  # JSON: platform data needed later (Bluesky cid)
    Column("error", Text, nullable=True),
    Column("reply_to_post_id", Integer, ForeignKey("posts.id"), nullable=True),
    Column("part", Integer, nullable=False, default=1),
    Column("parts", Integer, nullable=False, default=1),
    Column("pin", Boolean, nullable=False, default=False),
    Column("updated_at", Float, nullable=False),
    # schema v4: outages and stale posts
    Column("retry_at", Float, nullable=True),  # retrying: the next attempt
    Column("expires_at", Float, nullable=True),  # never sent after this
    Column("reconcile", Boolean, nullable=False, default=False),  # look before sending again
    Column("first_attempt_at", Float, nullable=True),  # reconciliation looks back to here
    UniqueConstraint("launch_id", "key", name="uq_posts_launch_key"),
    Index("ix_posts_state_due", "state", "due_at"),
    Index("ix_posts_state_retry", "state", "retry_at"),
    Index("ix_posts_launch", "launch_id", "due_at"),
    Index("ix_posts_reply_to", "reply_to_post_id"),
)

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", Float, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("launch_id", String(120), nullable=True),
    Column("post_id", Integer, nullable=True),
    Column("action", String(60), nullable=False),
    Column("detail", Text, nullable=False, default="{}"),  # JSON, never a secret
    Index("ix_events_launch", "launch_id", "id"),
)

# -- schema v8: the audit chain and the notification outbox -----------------------------------
#: one link per event, in commit order (see launcher.audit.chain): the event's digest, the
#: previous link's hash, and the signature of the person who acted, when verified
event_chain = Table(
    "event_chain",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("event_id", Integer, nullable=False, unique=True),
    Column("digest", String(64), nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
    Column("key_id", String(64), nullable=True),
    Column("signature", String(120), nullable=True),
)

#: named positions: ``chain`` (the chain's head: last link, its hash, the newest event linked),
#: ``notified`` (the last link the notifier has turned into notifications)
audit_marks = Table(
    "audit_marks",
    metadata,
    Column("name", String(40), primary_key=True),
    Column("seq", Integer, nullable=False),
    Column("hash", String(64), nullable=False),
    Column("event_id", Integer, nullable=False),
)

#: notifications to send (launcher.notify): one row per destination, retried until sent or
#: given up; ``destination`` is an e-mail address or a credential *reference*, never a URL
#: with its token
notifications = Table(
    "notifications",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("topic", String(40), nullable=False),
    Column("launch_id", String(120), nullable=True),
    Column("seq", Integer, nullable=True),  # the chain link that caused it
    Column("person", String(100), nullable=True),
    Column("destination", String(400), nullable=False),
    Column("subject", Text, nullable=False),
    Column("body", Text, nullable=False),
    Column("state", String(12), nullable=False),  # pending | sending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_at", Float, nullable=False),
    Column("claim_until", Float, nullable=True),
    Column("error", Text, nullable=True),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Index("ix_notifications_state", "state", "next_at"),
)
