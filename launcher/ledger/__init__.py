"""The ledger: the single source of truth about launches, accounts, posts and who did what.

SQLAlchemy Core over SQLite by default (``ledger.sqlite3`` under ``LAUNCHER_DATA_DIR``), or
any database URL (PostgreSQL). The schema is versioned (:mod:`.migrations`).
"""

from .engine import default_url
from .records import (
    AccountRecord,
    Claim,
    DueWork,
    EventRecord,
    LaunchRecord,
    LaunchSummary,
    PostRecord,
    iso,
    overall_state,
    ts,
)
from .schema import POST_STATES
from .store import Ledger

__all__ = [
    "POST_STATES",
    "AccountRecord",
    "Claim",
    "DueWork",
    "EventRecord",
    "LaunchRecord",
    "LaunchSummary",
    "Ledger",
    "PostRecord",
    "default_url",
    "iso",
    "overall_state",
    "ts",
]
