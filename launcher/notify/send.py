"""Sending one notification through apprise, keeping its cause when it fails.

apprise is the multi-channel library the issue names as the reference (e-mail, Matrix,
Signal, Slack, Teams, ntfy and a hundred more, each by URL), well kept and widely deployed;
launcher adds what it lacks for this use: destinations given as credential references, the
resolved URL registered as a secret (so no boundary ever prints its token), and the reason
for a failure (apprise's ``notify()`` only says that it failed: its log says why, so the log
is captured for the audit trail, redacted).
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from ..errors import ConfigError, redact, register_secret

EMAIL_PREFIX = "email:"
#: URL parameters that are addresses or options, not secrets (the rest may be tokens)
_PLAIN_PARAMETERS = {"to", "from", "cc", "bcc", "name", "format", "overflow", "mode", "smtp"}


def destination_for_email(address: str) -> str:
    return f"{EMAIL_PREFIX}{address}"


def label(destination: str) -> str:
    """How a destination is named in messages and the audit log (never a resolved URL)."""
    if destination.startswith(EMAIL_PREFIX):
        return f"e-mail {destination[len(EMAIL_PREFIX) :]}"
    return destination  # a reference: env:NAME or file:/path, not a secret itself


def resolve_url(destination: str, email_sender: str | None) -> str:
    """The apprise URL of a destination. ConfigError (naming the reference, never the URL)
    when it cannot be had."""
    from ..credentials import resolve

    if destination.startswith(EMAIL_PREFIX):
        if not email_sender:
            raise ConfigError(
                "e-mail needs a sender: notifications.email in the settings",
                hint="set it to a reference to an apprise mailto:// or mailtos:// URL of your"
                " mail server (docs/operations.md, Notifications)",
            )
        base = resolve(email_sender, what="notifications.email").reveal()
        parts = urlsplit(base)
        query = [(k, v) for k, v in parse_qsl(parts.query) if k != "to"]
        query.append(("to", destination[len(EMAIL_PREFIX) :]))
        url = urlunsplit(parts._replace(query=urlencode(query)))
    else:
        url = resolve(destination, what=f"notification destination {destination}").reveal()
    _register(url)
    return url


def _register(url: str) -> None:
    """The URL and the secret parts of it (password, tokens in the path or query)."""
    register_secret(url)
    parts = urlsplit(url)
    if parts.password:
        register_secret(parts.password)
    for segment in parts.path.split("/"):
        if len(segment) >= 12:  # tokens travel in paths (Slack, Telegram, Discord...)
            register_secret(segment)
    for key, value in parse_qsl(parts.query):
        if key.lower() not in _PLAIN_PARAMETERS and len(value) >= 8:
            register_secret(value)


def send(url: str, subject: str, body: str) -> str | None:
    """Send; None on success, else why not (redacted: never the URL or its token)."""
    import apprise

    app = apprise.Apprise()
    scheme = url.split("://", 1)[0] if "://" in url else "?"
    if not app.add(url):
        return f"apprise does not understand this destination (scheme {scheme}://)"
    with apprise.LogCapture(level=logging.WARNING, fmt="%(message)s") as captured:
        try:
            ok = bool(app.notify(body=body, title=subject))
        except Exception as exc:  # a plugin's own bug must not stop the others
            return redact(f"{scheme}: {type(exc).__name__}: {exc}")
        log = captured.getvalue() if hasattr(captured, "getvalue") else ""
    if ok:
        return None
    lines = [line.strip() for line in str(log).splitlines() if line.strip()]
    return redact("; ".join(lines[-3:]) or f"{scheme}: the service did not accept it")
