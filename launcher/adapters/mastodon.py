"""Mastodon (REST API v1/v2).

- Provision: with an *app* token (scope ``write:accounts``) and open registrations,
  ``POST /api/v1/accounts`` creates the account; the new user token and password are written
  to owner-only files under ``<data_dir>/credentials/`` and referenced as ``file:``. The
  e-mail confirmation (and moderator approval, where required) stays manual. A standby
  account (settings ``accounts``) is activated: its profile is set.
- Profile: ``PATCH /api/v1/accounts/update_credentials`` with ``display_name``, ``note``,
  ``fields_attributes[N][name|value]`` and ``avatar`` (multipart).
- Publish: ``POST /api/v1/statuses`` (JSON: ``status``, ``visibility``, ``language``,
  ``in_reply_to_id``, ``media_ids``) with ``Idempotency-Key`` derived from the post's identity
  (launch id + post key), so a repeat within the hour returns the original status instead of
  posting twice, and two launches never share a key.
- Reconciliation (a lost answer more than an hour ago, when the key is forgotten): the
  account's statuses are read page by page back to the first attempt; a status is adopted only
  if it was created after that attempt began, has the post's exact text (and reply parent) and
  is not a post the ledger already holds for another post.
- Rate limits: 429 with ``X-RateLimit-Reset`` as ISO 8601. The documented limits are
  declared in ``limits`` (per token, statuses, deletes, media, sign-ups per IP) and the
  ``X-RateLimit-*`` headers of every answer are followed (:mod:`launcher.budget`).
- Round trips: activating an account is one ``update_credentials`` call; the account it
  returns gives the account id (no ``verify_credentials`` after it).
- Listening (mentions, counts, followers) and answers: :mod:`launcher.adapters.mastodon_listen`.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlparse

import requests

from ..budget import Limit, Observation
from ..errors import AdapterError, AuthFailed, ConfigError, TransientError, Unsupported
from .base import (
    AccountRef,
    Capabilities,
    Option,
    OutgoingPost,
    ProfileUpdate,
    Provisioned,
    Published,
    Revoked,
)
from .http import (
    N_,
    HttpAdapter,
    iso_reset,
    json_body,
    normalize_text,
    retry_after_header,
    text_rule,
)
from .mastodon_listen import LISTENING, MastodonListening, narrower
from .sunset_steps import REVOKE_BY_HAND, steps

CHECKLIST_CREATE_MANUAL = (
    N_("Registrations on {instance} are closed: create the account @{handle} on the web site"),
    N_("Confirm its e-mail address"),
    N_(
        "Create an application in Preferences > Development with the scopes "
        "write:statuses write:media write:accounts read:accounts read:statuses"
    ),
    N_(
        "Store its access token in a file readable only by you (chmod 600) and add it to "
        "the settings under platforms.mastodon.accounts as credentials.token: file:/path"
    ),
)
CHECKLIST_CONFIRM = (
    N_("Confirm the e-mail sent to {email} for @{handle} on {instance}"),
    N_("Its password is in {password_file} (readable only by you)"),
)
CHECKLIST_APPROVAL = (N_("Wait for a moderator of {instance} to approve @{handle}"),)
CHECKLIST_PROFILE_LATER = (
    N_("After confirmation, run the provisioning again to set the profile of @{handle}"),
)


#: reconciliation reads at most this many pages of 40 statuses back to the first attempt
MAX_RECONCILE_PAGES = 50


def language_code(locale: str) -> str:
    """ISO 639-1 from a locale tag: ``pt-BR`` → ``pt``."""
    return locale.replace("_", "-").split("-")[0].lower()


_LIMIT, _COUNTING = text_rule(
    "mastodon", 500, "grapheme clusters; every http(s) link counts 23; @user@domain counts as @user"
)


class MastodonAdapter(MastodonListening, HttpAdapter):
    name: ClassVar[str] = "mastodon"
    platform: ClassVar[str] = "mastodon"
    title: ClassVar[str] = "Mastodon"
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=_LIMIT,
        counting=_COUNTING,
        profile_fields=frozenset({"display_name", "bio", "links", "avatar"}),
        create_accounts=True,
        pin=True,
        delete=True,
        idempotency="idempotency-key",
        images=True,
        language_tag=True,
        threads=True,
        idempotency_window=3600.0,
        revoke="token",
        listening=LISTENING,
    )
    limits: ClassVar[tuple[Limit, ...]] = (
        Limit(
            "requests", 300, 300.0, per="account",
            source="docs.joinmastodon.org/api/rate-limits (300 per 5 min per account; per"
            " access token in the code)",
        ),
        Limit(
            "statuses", 300, 3 * 3600.0, per="account", methods=frozenset({"POST"}),
            path=r"/api/v1/statuses$", unit="posts",
            source="Mastodon's rate limiter: 300 statuses per 3 h per account",
        ),
        Limit(
            "deletes", 30, 1800.0, per="account", methods=frozenset({"DELETE"}),
            path=r"/api/v1/statuses/[^/]+$", unit="deletes",
            source="docs.joinmastodon.org/api/rate-limits (status deletion: 30 per 30 min)",
        ),
        Limit(
            "media", 30, 1800.0, per="account", methods=frozenset({"POST"}),
            path=r"/api/v\d+/media$", unit="uploads",
            source="docs.joinmastodon.org/api/rate-limits (media uploads: 30 per 30 min)",
        ),
        Limit(
            "sign-ups", 5, 1800.0, per="host", methods=frozenset({"POST"}),
            path=r"/api/v1/accounts$", unit="sign-ups",
            source="docs.joinmastodon.org/api/rate-limits (account creation: 5 per 30 min"
            " per IP)",
        ),
    )  # fmt: skip
    options: ClassVar[tuple[Option, ...]] = (
        Option("base_url", "instance URL, e.g. https://social.example.org", required=True),
        Option(
            "token", "user access token (per account under accounts.credentials)", credential=True
        ),
        Option(
            "app_token", "app token with scope write:accounts, to create accounts", credential=True
        ),
        Option("email", "e-mail for new accounts, with {handle}", default="{handle}@example.org"),
        Option("reason", "why the accounts are requested (instances with approval)"),
        Option("visibility", "public | unlisted | private | direct", default="public"),
        Option("timeout", "read timeout in seconds", default=30),
        Option("data_dir", "where created account tokens are kept (set by the settings)"),
        Option(
            "client_id",
            "id of the application behind app_token, to revoke created accounts' tokens at"
            " their sunset (POST /oauth/revoke)",
            credential=True,
        ),
        Option("client_secret", "secret of that application", credential=True),
    )

    def __init__(self, settings: Mapping[str, Any] | None = None) -> None:
        super().__init__(settings)
        vis = self.settings.get("visibility") or "public"
        if vis not in ("public", "unlisted", "private", "direct"):
            raise ConfigError(
                f"mastodon visibility {vis!r} is not one of public, unlisted, private"
            )
        self.visibility = vis
        self.sleep: Callable[[float], None] = time.sleep

    @property
    def instance(self) -> str:
        return urlparse(self.base_url).netloc or self.base_url

    def _auth(self, account: AccountRef | None, name: str = "token") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credential(account, name).reveal()}"}

    # -- the rate budget -------------------------------------------------------------------
    def account_key(self, account: AccountRef) -> str:
        """Mastodon counts per access token: accounts sharing one token share its limits."""
        ref = account.credentials.get("token") or self.settings.get("token")
        return f"token:{ref}" if ref else account.handle

    def rate_observations(self, resp: requests.Response) -> list[Observation]:
        h = resp.headers
        remaining, reset = h.get("X-RateLimit-Remaining"), h.get("X-RateLimit-Reset")
        if remaining is None or reset is None:
            return []
        reset_in = iso_reset(reset, self.clock())
        if reset_in is None:
            return []
        limit = h.get("X-RateLimit-Limit")
        return [
            Observation(
                "account", int(remaining), reset_in, int(limit) if limit is not None else None
            )
        ]

    # -- errors --------------------------------------------------------------------------
    def error_for(self, resp: requests.Response, *, operation: str, create: bool) -> AdapterError:
        now = self.clock()
        hint = retry_after_header(resp.headers.get("Retry-After"), now)
        if hint is None and resp.status_code == 429:
            hint = iso_reset(resp.headers.get("X-RateLimit-Reset"), now)
        err = self.generic_error(
            resp,
            operation=operation,
            create=create,
            message=self.error_message(resp),
            retry_after=hint,
        )
        if isinstance(err, AuthFailed) and resp.status_code == 401:
            err.hint = "the access token is invalid or revoked; create a new one"
        return err

    def error_message(self, resp: requests.Response) -> str:
        body = json_body(resp)
        if isinstance(body, dict) and isinstance(body.get("error"), str):
            msg = body["error"]
            details = body.get("details")
            if isinstance(details, dict):
                codes = [
                    f"{field}: {d.get('error')}"
                    for field, items in details.items()
                    for d in (items or [])
                    if isinstance(d, dict)
                ]
                if codes:
                    msg += " (" + ", ".join(codes) + ")"
            return msg
        return super().error_message(resp)

    # -- provisioning --------------------------------------------------------------------
    def provision(self, account: AccountRef, profile: ProfileUpdate) -> Provisioned:
        values = {"instance": self.instance, "handle": account.handle}
        shared_token = self.settings.get("token") and not self.settings.get("app_token")
        if account.standby or account.credentials.get("token") or shared_token:
            me = self._update(account, profile)
            return Provisioned(account=self._with_id(account, me), created=False, checklist=())
        if not self.settings.get("app_token"):
            raise Unsupported(
                "no app token configured to create Mastodon accounts",
                platform=self.name,
                operation="provision",
                checklist=self.steps(CHECKLIST_CREATE_MANUAL, **values),
                hint="set platforms.mastodon.options.app_token, or register standby accounts",
            )
        info = json_body(self.request("GET", "/api/v2/instance", operation="provision")) or {}
        reg = info.get("registrations") or {}
        if not reg.get("enabled", False):
            raise Unsupported(
                f"registrations on {self.instance} are closed",
                platform=self.name,
                operation="provision",
                checklist=self.steps(CHECKLIST_CREATE_MANUAL, **values),
            )
        email = str(self.settings.get("email") or "{handle}@example.org").format(
            handle=account.handle
        )
        from ..credentials import remember

        # the generated password and the token the instance returns are secrets from the
        # moment they exist: an error that quotes them (an instance echoing the request) is
        # redacted like any configured credential
        password = secrets.token_urlsafe(24)
        remember(password)
        form = {
            "username": account.handle,
            "email": email,
            "password": password,
            "agreement": "true",
            "locale": language_code(account.locale),
        }
        if reg.get("reason_required") or reg.get("approval_required"):
            form["reason"] = str(self.settings.get("reason") or "Crisis information account")
        resp = self.request(
            "POST",
            "/api/v1/accounts",
            operation="provision",
            data=form,
            headers=self._auth(None, "app_token"),
        )
        token = (json_body(resp) or {}).get("access_token")
        if isinstance(token, str):
            remember(token)
        if not token:
            raise TransientError(
                "no token in the answer", platform=self.name, operation="provision"
            )
        token_file = self._store(account.handle, "token", token)
        pw_file = self._store(account.handle, "password", password)
        ref = AccountRef(
            platform=account.platform,
            handle=account.handle,
            locale=account.locale,
            credentials={**account.credentials, "token": f"file:{token_file}"},
        )
        values.update(email=email, password_file=str(pw_file))
        checklist = list(self.steps(CHECKLIST_CONFIRM, **values))
        if reg.get("approval_required"):
            checklist += self.steps(CHECKLIST_APPROVAL, **values)
        try:
            ref = self._with_id(ref, self._update(ref, profile))
        except AuthFailed:  # 403 until the e-mail is confirmed
            checklist += self.steps(CHECKLIST_PROFILE_LATER, **values)
        return Provisioned(account=ref, created=True, checklist=tuple(checklist))

    def _store(self, handle: str, kind: str, value: str) -> Path:
        from ..paths import data_dir

        folder = data_dir(self.settings.get("data_dir")) / "credentials"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / f"mastodon-{self.instance}-{handle}.{kind}"
        fd = os_open(path)
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write(value + "\n")
        return path

    def _with_id(self, account: AccountRef, me: Mapping[str, Any] | None = None) -> AccountRef:
        """The account with its id: from the account ``update_credentials`` returned, else
        (an instance that answered without one) from ``verify_credentials``."""
        if account.account_id:
            return account
        found = (me or {}).get("id")
        me_id = str(found) if found not in (None, "") else self._me(account)
        return AccountRef(
            platform=account.platform,
            handle=account.handle,
            locale=account.locale,
            account_id=me_id,
            credentials=account.credentials,
            standby=account.standby,
        )

    def _me(self, account: AccountRef) -> str:
        resp = self.request(
            "GET",
            "/api/v1/accounts/verify_credentials",
            operation="verify_credentials",
            headers=self._auth(account),
            account=account,
        )
        return str((json_body(resp) or {}).get("id"))

    # -- profile -------------------------------------------------------------------------
    def update_profile(self, account: AccountRef, profile: ProfileUpdate) -> None:
        self._update(account, profile)

    def _update(self, account: AccountRef, profile: ProfileUpdate) -> dict[str, Any]:
        """``update_credentials``; returns the account Mastodon answers with (its id)."""
        data: dict[str, str] = {"display_name": profile.display_name, "note": profile.bio}
        for i, (label, url) in enumerate(profile.links):
            data[f"fields_attributes[{i}][name]"] = label
            data[f"fields_attributes[{i}][value]"] = url
        files = None
        if profile.avatar:
            files = {"avatar": (profile.avatar.name, profile.avatar.read_bytes())}
        resp = self.request(
            "PATCH",
            "/api/v1/accounts/update_credentials",
            operation="update_profile",
            data=data,
            files=files,
            headers=self._auth(account),
            account=account,
        )
        body = json_body(resp)
        return body if isinstance(body, dict) else {}

    # -- posts ---------------------------------------------------------------------------
    @staticmethod
    def idempotency_key(post: OutgoingPost) -> str:
        return "launcher-" + hashlib.sha256(post.identity.encode("utf-8")).hexdigest()[:40]

    def _upload(self, account: AccountRef, post: OutgoingPost) -> str:
        assert post.image is not None
        resp = self.request(
            "POST",
            "/api/v2/media",
            operation="upload_media",
            files={"file": (post.image.name, post.image.read_bytes())},
            data={"description": post.image_alt} if post.image_alt else None,
            headers=self._auth(account),
            account=account,
        )
        media = json_body(resp) or {}
        media_id = str(media.get("id"))
        if resp.status_code == 202:  # still processing: wait until it has a URL
            for _ in range(10):
                self.sleep(1.0)
                check = self.request(
                    "GET",
                    f"/api/v1/media/{media_id}",
                    operation="upload_media",
                    headers=self._auth(account),
                    ok=(206,),
                    account=account,
                )
                if check.status_code == 200:
                    break
            else:
                raise TransientError(
                    "the image is still being processed", platform=self.name, operation="publish"
                )
        return media_id

    def publish(self, account: AccountRef, post: OutgoingPost) -> Published:
        body: dict[str, Any] = {
            "status": post.text,
            # an answer is never more public than what it answers (a direct mention)
            "visibility": narrower(self.visibility, post.reply_refs.get("visibility")),
            "language": language_code(post.reply_refs.get("lang") or post.locale),
        }
        if post.reply_to:
            body["in_reply_to_id"] = post.reply_to
        if post.image:
            body["media_ids"] = [self._upload(account, post)]
        headers = {**self._auth(account), "Idempotency-Key": self.idempotency_key(post)}
        resp = self.request(
            "POST",
            "/api/v1/statuses",
            operation="publish",
            create=True,
            json=body,
            headers=headers,
            account=account,
        )
        return self._published(json_body(resp) or {})

    @staticmethod
    def _published(status: Mapping[str, Any]) -> Published:
        from datetime import datetime

        created = status.get("created_at")
        when = None
        if isinstance(created, str):
            try:
                when = datetime.fromisoformat(created.replace("Z", "+00:00"))
            except ValueError:
                when = None
        return Published(
            platform_post_id=str(status.get("id")), url=status.get("url"), published_at=when
        )

    def find_published(self, account: AccountRef, post: OutgoingPost) -> Published | None:
        account_id = account.account_id or self._me(account)
        want = normalize_text(short_mentions(post.text))
        params: dict[str, Any] = {"limit": 40, "exclude_reblogs": "true"}
        found: Mapping[str, Any] | None = None
        for _ in range(MAX_RECONCILE_PAGES):
            resp = self.request(
                "GET",
                f"/api/v1/accounts/{account_id}/statuses",
                operation="find_published",
                params=params,
                headers=self._auth(account),
                account=account,
            )
            page = json_body(resp) or []
            if not isinstance(page, list) or not page:
                break
            for status in page:
                if not isinstance(status, dict):
                    continue
                created = self._published(status).published_at
                if post.not_before and created and created < post.not_before:
                    return self._published(found) if found else None  # older than our attempt
                if str(status.get("id")) in post.known_ids:
                    continue  # another post's, as the ledger knows
                if post.reply_to and str(status.get("in_reply_to_id")) != str(post.reply_to):
                    continue
                html = status.get("content") or ""
                if normalize_text(short_mentions(html), html_content=True) == want:
                    found = status  # keep looking back: the oldest match is our first attempt
            if post.not_before is None:  # no bound to page back to: the newest page only
                break
            params = {**params, "max_id": str(page[-1].get("id"))}
        return self._published(found) if found else None

    def retract(self, account: AccountRef, platform_post_id: str) -> None:
        self.request(
            "DELETE",
            f"/api/v1/statuses/{platform_post_id}",
            operation="retract",
            headers=self._auth(account),
            ok=(404,),  # already gone: the goal is reached
            account=account,
        )

    def pin(self, account: AccountRef, published: Published) -> str | None:
        resp = self.request(
            "POST",
            f"/api/v1/statuses/{published.platform_post_id}/pin",
            operation="pin",
            headers=self._auth(account),
            ok=(422,),
            account=account,
        )
        if resp.status_code == 422:
            message = self.error_message(resp)
            if "duplicate" not in message.lower():  # "Duplicate record": already pinned
                raise self.error_for(resp, operation="pin", create=False)
        return None  # Mastodon keeps several pins: deleting one leaves the others

    def unpin_post(self, account: AccountRef, platform_post_id: str) -> bool:
        resp = self.request(
            "POST",
            f"/api/v1/statuses/{platform_post_id}/unpin",
            operation="unpin",
            headers=self._auth(account),
            ok=(404,),  # deleted meanwhile: not on the profile any more
        )
        return resp.status_code != 404

    def revoke(self, account: AccountRef) -> Revoked:
        """Revoke the access token launcher got when it created the account
        (``POST /oauth/revoke``: idempotent, 200 ``{}``). It needs the application's
        ``client_id`` and ``client_secret``; without them, a checklist."""
        values = {"handle": f"@{account.handle}@{self.instance}", "platform": self.title}
        if not account.credentials.get("token"):
            return Revoked()
        client_id = self.credential(None, "client_id", required=False)
        client_secret = self.credential(None, "client_secret", required=False)
        if not client_id or not client_secret:
            raise Unsupported(
                "revoking a token needs the application's client_id and client_secret",
                platform=self.name,
                operation="revoke",
                checklist=steps(self, REVOKE_BY_HAND, **values),
                hint="set platforms.mastodon.options.client_id and client_secret",
            )
        self.request(
            "POST",
            "/oauth/revoke",
            operation="revoke",
            data={
                "client_id": client_id.reveal(),
                "client_secret": client_secret.reveal(),
                "token": self.credential(account, "token").reveal(),
            },
        )
        return Revoked(names=("token",))


_MENTION = re.compile(r"(?<![\w/])@(\w+)@[\w.-]*\w")


def short_mentions(text: str) -> str:
    """``@user@domain`` → ``@user``: how a status's HTML shows a mention, so an answer that
    addresses its author is recognised during reconciliation."""
    return _MENTION.sub(r"@\1", text)


def os_open(path: Path) -> int:
    import os

    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
