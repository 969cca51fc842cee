"""Archives: a launch's record, kept before anything of it is deleted or changed.

Where it sits in the flow: after a launch (``ledger`` → ``archive``), and before every
deletion: ``launcher retract`` archives what it is about to delete, a sunset archives the
launch when it is planned and again on its date before profiles are restored and tokens
revoked. ``launcher archive LAUNCH -o DIR`` writes one by hand. An archive is a BagIt bag
(:mod:`.bag`): every post as sent, the profiles as set, the audit trail, the approvals that
covered the content, replies and metrics where listening has them (:mod:`.collect`), in JSON
and one readable HTML page, with a SHA-256 manifest that ``launcher archive --verify DIR``
(or any BagIt tool) checks. The ledger records each archive and the posts it holds.
"""

from .bag import Archive, Verification, default_dir, new_archive_id, verify_archive, write_archive
from .collect import SECTIONS_GROUP

__all__ = [
    "SECTIONS_GROUP",
    "Archive",
    "Verification",
    "default_dir",
    "new_archive_id",
    "verify_archive",
    "write_archive",
]
