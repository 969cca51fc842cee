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
A launch whose sunset was carried out is ``ended`` (nothing of it is sent any more); the sunset
itself is a launch of kind ``sunset`` holding the farewell posts (tables ``sunsets`` and
``sunset_steps``, schema v6).

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

A launch group (``launch_groups``, ``launch_group_members``, schema v7) is the launches one
``run`` made for several missions at once: one launch per mission, each haltable alone, and
all of them at once with ``halt --group``.

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
    "ended",
)
LAUNCH_KINDS = ("crisis", "routine", "sunset")
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
    # schema v7: an account's posts in order (does an earlier one wait for its next attempt?)
    Index("ix_posts_account", "launch_id", "platform", "locale", "due_at"),
)

#: schema v7: the launches one ``run`` made for several missions
launch_groups = Table(
    "launch_groups",
    metadata,
    Column("id", String(120), primary_key=True),
    Column("playbook", String(100), nullable=False),
    Column("selector", Text, nullable=False, default=""),  # how the missions were chosen
    Column("created_by", String(200), nullable=False),
    Column("created_at", Float, nullable=False),
)

launch_group_members = Table(
    "launch_group_members",
    metadata,
    Column("group_id", String(120), ForeignKey("launch_groups.id"), nullable=False),
    Column("launch_id", String(120), ForeignKey("launches.id"), nullable=False),
    Column("position", Integer, nullable=False, default=0),
    UniqueConstraint("launch_id", name="uq_group_members_launch"),
    Index("ix_group_members_group", "group_id", "position"),
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

# -- schema v5: event feeds (launcher/feeds) -------------------------------------------------
#: proposals: what a watcher found, waiting for a person (or ``auto``) to decide
PROPOSAL_KINDS = ("launch", "correction", "halt")
PROPOSAL_STATES = ("open", "accepted", "dismissed", "withdrawn", "superseded")

#: polling state per fetched document: conditional requests and backoff survive restarts
feed_state = Table(
    "feed_state",
    metadata,
    Column("source", String(1000), primary_key=True),  # watcher name + URL
    Column("etag", String(400), nullable=True),
    Column("last_modified", String(100), nullable=True),
    Column("checked_at", Float, nullable=True),
    Column("ok_at", Float, nullable=True),
    Column("failures", Integer, nullable=False, default=0),
    Column("next_at", Float, nullable=True),
    Column("error", Text, nullable=True),
)

#: one row per event a source published, whatever ids it had; ``revision_at`` orders revisions
source_events = Table(
    "source_events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("watcher", String(100), nullable=False),
    Column("key", String(400), nullable=False),  # the first id it was seen under
    Column("revision", String(200), nullable=False),
    Column("revision_at", Float, nullable=False),
    Column("status", String(16), nullable=False),  # active | cancelled
    Column("title", Text, nullable=False, default=""),
    Column("link", String(2000), nullable=True),
    Column("data", Text, nullable=False),  # JSON: the fields as the watcher read them
    Column("first_seen", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    # the revision whose consequences (proposals, revised posts, halts) are recorded: a crash
    # between recording a revision and acting on it is finished at the next poll
    Column("handled", String(200), nullable=True),
)

#: every id an event was ever published under (USGS ``ids``, CAP ``references``): dedupe
source_aliases = Table(
    "source_aliases",
    metadata,
    Column("alias", String(600), primary_key=True),
    Column("event_id", Integer, ForeignKey("source_events.id"), nullable=False),
    Index("ix_source_aliases_event", "event_id"),
)

#: the history of each event: every revision seen, in order
source_revisions = Table(
    "source_revisions",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("event_id", Integer, ForeignKey("source_events.id"), nullable=False),
    Column("revision", String(200), nullable=False),
    Column("revision_at", Float, nullable=False),
    Column("change", String(16), nullable=False),  # new | update | cancel
    Column("data", Text, nullable=False),
    Column("seen_at", Float, nullable=False),
    Index("ix_source_revisions_event", "event_id", "id"),
)

proposals = Table(
    "proposals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("kind", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("playbook", String(100), nullable=False),
    Column("mission", String(100), nullable=False),
    Column("trigger", String(100), nullable=False),
    Column("event_id", Integer, ForeignKey("source_events.id"), nullable=False),
    Column("revision", String(200), nullable=False),
    Column("facts", Text, nullable=False),  # JSON: parameter -> value as mapped from the source
    Column("reasons", Text, nullable=False),  # JSON list: why it matched, what was measured
    Column("link", String(2000), nullable=True),
    Column("plan", Text, nullable=True),  # JSON: the rendered plan (launch), or the posts
    Column("plan_hash", String(64), nullable=True),
    Column("problems", Text, nullable=True),  # JSON list: why it cannot be accepted as it is
    Column("launch_id", String(120), nullable=True),  # the launch it made or concerns
    Column("auto", Boolean, nullable=False, default=False),
    Column("created_at", Float, nullable=False),
    Column("decided_at", Float, nullable=True),
    Column("decided_by", String(200), nullable=True),
    Column("note", Text, nullable=True),  # the decision's reason
    Index("ix_proposals_state", "state", "id"),
    Index("ix_proposals_event", "event_id"),
)

#: a launch made from a source event remembers it: which event, which revision, which facts
launch_sources = Table(
    "launch_sources",
    metadata,
    Column("launch_id", String(120), ForeignKey("launches.id"), primary_key=True),
    Column("event_id", Integer, ForeignKey("source_events.id"), nullable=False),
    Column("playbook", String(100), nullable=False),
    Column("trigger", String(100), nullable=False),
    Column("revision", String(200), nullable=False),
    Column("facts", Text, nullable=False),  # JSON: the mapped facts now in force
    Column("proposal_id", Integer, nullable=True),
    Column("updated_at", Float, nullable=False),
    Index("ix_launch_sources_event", "event_id"),
)


# -- schema v6: archives and sunsets ------------------------------------------------------
#: an archive written of a launch (``launcher archive``, a retraction, a sunset): where, its
#: BagIt tag manifest's SHA-256 (so a re-hashed archive is still found out) and which posts it
#: holds as sent, so nothing is deleted that no archive holds
archives = Table(
    "archives",
    metadata,
    Column("id", String(160), primary_key=True),
    Column("launch_id", String(120), ForeignKey("launches.id"), nullable=False),
    Column("path", Text, nullable=False),
    Column("manifest_sha256", String(64), nullable=False),
    Column("posts", Text, nullable=False, default="[]"),  # JSON list of post ids, as sent
    Column("reason", String(40), nullable=False),  # archive | retract | sunset
    Column("created_by", String(200), nullable=False),
    Column("created_at", Float, nullable=False),
    Index("ix_archives_launch", "launch_id"),
)

#: a launch's wind-down: its farewell posts are the posts of the launch ``id`` (kind
#: ``sunset``); the date's steps are rows of ``sunset_steps``
sunsets = Table(
    "sunsets",
    metadata,
    Column("id", String(120), ForeignKey("launches.id"), primary_key=True),
    Column("launch_id", String(120), ForeignKey("launches.id"), nullable=False),
    Column("on_at", Float, nullable=False),  # the sunset date (UTC epoch)
    Column("successors", Text, nullable=False, default="{}"),  # JSON {platform: handle}
    Column("state", String(16), nullable=False),  # planned | done
    Column("no_archive", Boolean, nullable=False, default=False),
    Column("created_by", String(200), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("updated_at", Float, nullable=False),
    Index("ix_sunsets_launch", "launch_id"),
)

#: one step of a sunset, carried out by whichever process claims it (like a post):
#: ``scheduled`` → ``running`` (claimed) → ``done`` | ``manual`` (a checklist for a person)
#: | ``retrying`` (a platform fault) | ``failed`` | ``skipped``
sunset_steps = Table(
    "sunset_steps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("sunset_id", String(120), ForeignKey("sunsets.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("action", String(24), nullable=False),
    Column("platform", String(40), nullable=True),  # None: the whole launch
    Column("locale", String(20), nullable=True),
    Column("due_at", Float, nullable=False),
    Column("state", String(12), nullable=False),
    Column("detail", Text, nullable=False, default="{}"),  # JSON: what to do
    Column("result", Text, nullable=True),  # JSON: what was done, the checklist
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_by", String(200), nullable=True),
    Column("claim_until", Float, nullable=True),
    Column("retry_at", Float, nullable=True),
    Column("error", Text, nullable=True),
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("sunset_id", "seq", name="uq_sunset_steps_seq"),
    Index("ix_sunset_steps_state", "state", "due_at"),
)


# -- the listening post (schema v7) ------------------------------------------------------
#: inbox item states: new → answered (an answer is queued or awaits approval) | dismissed
INBOX_STATES = ("new", "answered", "dismissed")
#: answer states: awaiting-approval (free text, edited content) → queued (a post exists) |
#: rejected
ANSWER_STATES = ("awaiting-approval", "queued", "rejected")

#: replies, mentions, quotes and comments addressed to a launch's accounts
inbox_items = Table(
    "inbox_items",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("launch_id", String(120), ForeignKey("launches.id"), nullable=False),
    Column("platform", String(40), nullable=False),
    Column("locale", String(20), nullable=False),  # the locale of the account addressed
    Column("handle", String(200), nullable=False),  # the account addressed
    Column("kind", String(16), nullable=False),  # mention | reply | quote | comment
    Column("platform_item_id", String(300), nullable=False),
    Column("author", String(300), nullable=False),
    Column("author_id", String(300), nullable=True),
    Column("text", Text, nullable=False),
    Column("url", String(1000), nullable=True),
    Column("created_at", Float, nullable=True),  # as the platform dates it
    Column("collected_at", Float, nullable=False),
    Column("in_reply_to", String(300), nullable=True),  # platform id of the post it answers
    Column("post_id", Integer, ForeignKey("posts.id"), nullable=True),  # ours, if it is
    Column("language", String(20), nullable=True),  # detected from the text
    Column("language_score", Float, nullable=True),
    Column("platform_language", String(20), nullable=True),  # as the author's client said
    Column("answer_locale", String(20), nullable=False),  # what an answer is rendered in
    Column("state", String(16), nullable=False, default="new"),
    Column("refs", Text, nullable=True),  # JSON: what a threaded answer needs
    Column("note", Text, nullable=True),  # why it was dismissed
    Column("updated_at", Float, nullable=False),
    UniqueConstraint("platform", "handle", "platform_item_id", name="uq_inbox_items_platform"),
    Index("ix_inbox_items_launch", "launch_id", "created_at"),
)

#: counts of a post (or followers of an account) at a moment; ``age`` names the scheduled
#: snapshot (``1h``, ``24h``, ``7d``) or is empty for a refresh between them
metric_snapshots = Table(
    "metric_snapshots",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("launch_id", String(120), ForeignKey("launches.id"), nullable=False),
    Column("post_id", Integer, ForeignKey("posts.id"), nullable=True),  # None: an account
    Column("platform", String(40), nullable=False),
    Column("locale", String(20), nullable=False),
    Column("handle", String(200), nullable=True),
    Column("age", String(16), nullable=False, default=""),
    Column("taken_at", Float, nullable=False),
    Column("replies", Integer, nullable=True),
    Column("reposts", Integer, nullable=True),
    Column("likes", Integer, nullable=True),
    Column("quotes", Integer, nullable=True),
    Column("reach", Integer, nullable=True),
    Column("followers", Integer, nullable=True),
    Column("removed", Boolean, nullable=False, default=False),
    Column("unavailable", Text, nullable=True),  # JSON {metric: why}
    Index("ix_metric_snapshots_launch", "launch_id", "taken_at"),
    Index("ix_metric_snapshots_post", "post_id", "age"),
)

#: where collection of each account's inbox stands, per (platform, mission, handle)
listen_cursors = Table(
    "listen_cursors",
    metadata,
    Column("platform", String(40), primary_key=True),
    Column("mission", String(100), primary_key=True),
    Column("handle", String(200), primary_key=True),
    Column("cursor", Text, nullable=True),
    Column("checked_at", Float, nullable=True),
    Column("next_at", Float, nullable=True),
    Column("error", Text, nullable=True),
)

#: answers to inbox items: a post of the launch (``post_id``) once queued, threaded under
#: the item on its platform (``target_id``, ``target_refs``)
answers = Table(
    "answers",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("item_id", Integer, ForeignKey("inbox_items.id"), nullable=False),
    Column("launch_id", String(120), ForeignKey("launches.id"), nullable=False),
    Column("reply_id", String(100), nullable=True),  # the playbook's reply template; None: text
    Column("answer_key", String(120), nullable=False),
    Column("text", Text, nullable=False),
    Column("locale", String(20), nullable=False),
    Column("platform", String(40), nullable=False),
    Column("state", String(24), nullable=False),
    Column("requested_by", String(200), nullable=False),
    Column("requested_at", Float, nullable=False),
    Column("decided_by", String(200), nullable=True),
    Column("decided_at", Float, nullable=True),
    Column("reasons", Text, nullable=True),  # JSON list: why it waits for a second person
    Column("post_id", Integer, ForeignKey("posts.id"), nullable=True),
    Column("target_id", String(300), nullable=False),
    Column("target_refs", Text, nullable=True),  # JSON
    UniqueConstraint("item_id", "answer_key", name="uq_answers_item_key"),
    Index("ix_answers_post", "post_id"),
)

# -- schema v9: the audit chain and the notification outbox -----------------------------------
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
