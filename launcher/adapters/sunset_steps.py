"""The manual steps of a sunset, for what a platform's API cannot do (translated for the
operator like every checklist: the strings are marked ``N_`` and extracted from here)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from .http import N_

#: the access token could not be revoked through the API
REVOKE_BY_HAND = (
    N_(
        "End launcher's access to {handle} on {platform}: revoke its token in the account's"
        " settings (Mastodon: Preferences > Account > Authorized apps; Bluesky: Settings >"
        " Privacy and security > App passwords)"
    ),
)
#: launcher keeps the password of an account it created (Mastodon): a person takes it over
PASSWORD = (
    N_(
        "The password of {handle} is in {password_file}: put it in the organisation's password"
        " safe, then delete that file"
    ),
)
#: Mastodon moves followers through its web interface only (no API)
MOVE = (
    N_(
        "On the successor {successor}: Preferences > Account > Moving from a different account,"
        " add {handle} as an alias"
    ),
    N_(
        "On {handle}: Preferences > Account > Move to a different account, move to {successor}"
        " (its followers then follow the successor)"
    ),
)
RETIRE = (
    N_(
        "{handle} on {platform} is retired: keep it as long as the records rules require, then"
        " close it in the platform's settings"
    ),
)
UNPIN_BY_HAND = (N_("Unpin the crisis post {post} from {handle} on {platform} by hand"),)
PROFILE_BY_HAND = (
    N_("Set the profile of {handle} on {platform} by hand: name '{display_name}', bio '{bio}'"),
)


def steps(adapter: Any, msgids: Sequence[str], **values: Any) -> tuple[str, ...]:
    """Translate (the adapter's operator language, else English), then fill."""
    gettext: Callable[[str], str] = getattr(adapter, "gettext", None) or (lambda s: s)
    return tuple(gettext(m).format(**values) for m in msgids)
