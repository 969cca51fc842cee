"""X (API v2).

- Publish: ``POST /2/tweets`` (JSON ``text``, ``reply.in_reply_to_tweet_id``,
  ``media.media_ids``) with an OAuth 2.0 user token (``tweet.write users.read tweet.read``;
  ``media.write`` for images via ``POST /2/media/upload``). 201 ``{"data": {"id", "text"}}``.
- Delete: ``DELETE /2/tweets/{id}``. No pinning in v2; no account creation; profile fields
  only through the v1.1 OAuth 1.0a endpoints, which this adapter does not use: provisioning
  a standby account returns a checklist of the profile fields to set by hand.
- No idempotency key: a lost answer is reconciled by reading the account's posts since the
  first attempt (``GET /2/users/{id}/tweets`` with ``start_time``, every page) and adopting one
  only if its text (links are t.co-wrapped there) and reply parent are the post's and the
  ledger holds it for no other post. X may still process a request queued past our timeout
  *after* such a check, so the check waits ``reconcile_after`` (90 s) after a lost answer; a
  request held longer than that by X could still appear twice — X offers no way to rule it
  out. 403 "duplicate content" is recognised as :class:`DuplicateContent`.
- Rate limits: ``x-rate-limit-reset`` (epoch seconds); the 24-hour user limit
  (``x-user-limit-24hour-*``) when that is the one exhausted. The documented limits are
  declared in ``limits`` (posts 100 per 15 min per user and 10,000 a day per app, deletes 50
  per 15 min, media uploads) and the ``x-rate-limit-*`` headers of every answer followed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

import requests

from ..budget import Limit, Observation
from ..errors import AdapterError, AuthFailed, DuplicateContent, Unsupported
from .base import (
    AccountRef,
    Capabilities,
    Option,
    OutgoingPost,
    ProfileUpdate,
    Provisioned,
    Published,
)
from .http import (
    N_,
    HttpAdapter,
    epoch_reset,
    json_body,
    normalize_text,
    retry_after_header,
    text_rule,
)
from .x_listen import LISTENING, XListening

CHECKLIST_CREATE = (
    N_("Create the X account @{handle} in the X app or web site (phone and e-mail verified)"),
    N_(
        "In the X developer console, create a Project and App, set user authentication to "
        "Read and write, and authorize the app for @{handle} (OAuth 2.0 with the scopes "
        "tweet.read tweet.write users.read media.write offline.access)"
    ),
    N_(
        "Store the account's access token in a file readable only by you (chmod 600) and add "
        "@{handle} to the settings under platforms.x.accounts with account_id (the user id) "
        "and credentials.access_token: file:/path"
    ),
)
CHECKLIST_PROFILE = (
    N_("On X, set the display name of @{handle} to: {display_name}"),
    N_("On X, set the bio of @{handle} to: {bio}"),
    N_("On X, set the website of @{handle} to: {link}"),
    N_("On X, upload the profile picture {avatar} for @{handle}"),
)


#: reconciliation reads at most this many pages of 100 posts back to the first attempt
MAX_RECONCILE_PAGES = 20

_LIMIT, _COUNTING = text_rule("x", 280, "twitter-text v3 weighted: links 23, emoji and CJK 2")


class XAdapter(XListening, HttpAdapter):
    """X has no idempotency key, so "never twice" rests on reconciliation, which has a gap:
    a request X queued but had not yet processed when the read timeout expired can still be
    processed after launcher looked for the post and found nothing. The post is then sent
    again and appears twice (or X refuses the second as duplicate content). Waiting before
    looking narrows that window; nothing on X's side can close it (docs/operations.md)."""

    name: ClassVar[str] = "x"
    platform: ClassVar[str] = "x"
    title: ClassVar[str] = "X"
    default_base_url = "https://api.x.com"
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=_LIMIT,
        counting=_COUNTING,
        profile_fields=frozenset(),
        create_accounts=False,
        pin=False,
        delete=True,
        idempotency="reconcile",
        images=True,
        language_tag=False,
        threads=True,
        reconcile_after=90.0,
        listening=LISTENING,
        setup_requests=0,  # a checklist for the profile (users/me only without a registered id)
    )
    limits: ClassVar[tuple[Limit, ...]] = (
        Limit("posts", 100, 900.0, per="account", methods=frozenset({"POST"}),
              path=r"/2/tweets$", unit="posts",
              source="X API v2 rate limits: POST /2/tweets 100 per 15 min per user"),
        Limit("posts per app", 10000, 86400.0, per="app", methods=frozenset({"POST"}),
              path=r"/2/tweets$", unit="posts",
              source="X API v2 rate limits: POST /2/tweets 10,000 per 24 h per app"),
        Limit("deletes", 50, 900.0, per="account", methods=frozenset({"DELETE"}),
              path=r"/2/tweets/[^/]+$", unit="deletes",
              source="X API v2 rate limits: DELETE /2/tweets/:id 50 per 15 min per user"),
        Limit("media", 500, 900.0, per="account", methods=frozenset({"POST"}),
              path=r"/2/media/upload$", unit="uploads",
              source="X API v2 rate limits: POST /2/media/upload 500 per 15 min per user"),
        Limit("media per app", 50000, 86400.0, per="app", methods=frozenset({"POST"}),
              path=r"/2/media/upload$", unit="uploads",
              source="X API v2 rate limits: POST /2/media/upload 50,000 per 24 h per app"),
    )  # fmt: skip
    options: ClassVar[tuple[Option, ...]] = (
        Option("base_url", "API base URL", default="https://api.x.com"),
        Option("access_token", "OAuth 2.0 user access token", credential=True),
        Option("timeout", "read timeout in seconds", default=30),
    )

    def _auth(self, account: AccountRef) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.credential(account, 'access_token').reveal()}"}

    def rate_observations(self, resp: requests.Response) -> list[Observation]:
        """``x-rate-limit-*`` is per endpoint (only a declared limit of the same size
        follows it); the 24-hour user and app post limits when X reports them."""
        h, now, out = resp.headers, self.clock(), []
        for prefix, scope in (
            ("x-rate-limit", "account"),
            ("x-user-limit-24hour", "account"),
            ("x-app-limit-24hour", "app"),
        ):
            remaining, reset = h.get(f"{prefix}-remaining"), h.get(f"{prefix}-reset")
            reset_in = epoch_reset(reset, now) if reset else None
            if remaining is None or reset_in is None:
                continue
            limit = h.get(f"{prefix}-limit")
            out.append(
                Observation(
                    scope,
                    int(remaining),
                    reset_in,
                    int(limit) if limit is not None else None,
                    exact=prefix == "x-rate-limit",
                )
            )
        return out

    def error_for(self, resp: requests.Response, *, operation: str, create: bool) -> AdapterError:
        now = self.clock()
        h = resp.headers
        hint = retry_after_header(h.get("Retry-After"), now)
        if hint is None and resp.status_code == 429:
            if h.get("x-user-limit-24hour-remaining") == "0":
                hint = epoch_reset(h.get("x-user-limit-24hour-reset"), now)
            elif h.get("x-app-limit-24hour-remaining") == "0":
                hint = epoch_reset(h.get("x-app-limit-24hour-reset"), now)
            else:
                hint = epoch_reset(h.get("x-rate-limit-reset"), now)
        message = self.error_message(resp)
        kw: dict[str, Any] = {"platform": self.name, "operation": operation, "status": 403}
        if resp.status_code == 403 and "duplicate" in message.lower():
            return DuplicateContent(message, **kw)
        err = self.generic_error(
            resp, operation=operation, create=create, message=message, retry_after=hint
        )
        if isinstance(err, AuthFailed) and resp.status_code == 401:
            err.hint = "the access token is invalid or expired (OAuth 2.0 tokens last 2 hours)"
        return err

    def error_message(self, resp: requests.Response) -> str:
        body = json_body(resp)
        if isinstance(body, dict):
            if isinstance(body.get("detail"), str):
                return body["detail"]
            errors = body.get("errors")
            if isinstance(errors, list) and errors and isinstance(errors[0], dict):
                first = errors[0]
                return str(first.get("message") or first.get("detail") or first)
            if isinstance(body.get("title"), str):
                return body["title"]
        return super().error_message(resp)

    # -- provisioning --------------------------------------------------------------------
    def provision(self, account: AccountRef, profile: ProfileUpdate) -> Provisioned:
        values = {
            "handle": account.handle,
            "display_name": profile.display_name,
            "bio": profile.bio,
            "link": profile.links[0][1] if profile.links else "",
            "avatar": str(profile.avatar or ""),
        }
        if not account.standby:
            raise Unsupported(
                "X accounts cannot be created through the API",
                platform=self.name,
                operation="provision",
                checklist=self.steps(CHECKLIST_CREATE, **values),
            )
        ref = account
        if not account.account_id:
            ref = AccountRef(
                platform=account.platform,
                handle=account.handle,
                locale=account.locale,
                account_id=self._me(account),
                credentials=account.credentials,
                standby=True,
            )
        todo = [CHECKLIST_PROFILE[0], CHECKLIST_PROFILE[1]]
        if values["link"]:
            todo.append(CHECKLIST_PROFILE[2])
        if profile.avatar:
            todo.append(CHECKLIST_PROFILE[3])
        return Provisioned(account=ref, created=False, checklist=self.steps(todo, **values))

    def update_profile(self, account: AccountRef, profile: ProfileUpdate) -> None:
        raise Unsupported(
            "X profiles can only be changed through API v1.1 (OAuth 1.0a), not used here",
            platform=self.name,
            operation="update_profile",
            checklist=self.steps(
                CHECKLIST_PROFILE[:2],
                handle=account.handle,
                display_name=profile.display_name,
                bio=profile.bio,
            ),
        )

    def _me(self, account: AccountRef) -> str:
        resp = self.request(
            "GET", "/2/users/me", operation="users_me", headers=self._auth(account), account=account
        )
        return str(((json_body(resp) or {}).get("data") or {}).get("id"))

    # -- posts ---------------------------------------------------------------------------
    def _upload(self, account: AccountRef, post: OutgoingPost) -> str:
        assert post.image is not None
        resp = self.request(
            "POST",
            "/2/media/upload",
            operation="upload_media",
            files={"media": (post.image.name, post.image.read_bytes())},
            data={"media_category": "tweet_image"},
            headers=self._auth(account),
            account=account,
        )
        media_id = str(((json_body(resp) or {}).get("data") or {}).get("id"))
        if post.image_alt:
            self.request(
                "POST",
                "/2/media/metadata",
                operation="upload_media",
                json={"id": media_id, "metadata": {"alt_text": {"text": post.image_alt[:1000]}}},
                headers=self._auth(account),
                account=account,
            )
        return media_id

    def publish(self, account: AccountRef, post: OutgoingPost) -> Published:
        body: dict[str, Any] = {"text": post.text}
        if post.reply_to:
            body["reply"] = {"in_reply_to_tweet_id": post.reply_to}
        if post.image:
            body["media"] = {"media_ids": [self._upload(account, post)]}
        resp = self.request(
            "POST",
            "/2/tweets",
            operation="publish",
            create=True,
            json=body,
            headers=self._auth(account),
            account=account,
        )
        data = (json_body(resp) or {}).get("data") or {}
        return self._published(account, data)

    def _published(self, account: AccountRef, data: Mapping[str, Any]) -> Published:
        tweet_id = str(data.get("id"))
        when = None
        if isinstance(data.get("created_at"), str):
            when = datetime.fromisoformat(data["created_at"].replace("Z", "+00:00"))
        return Published(
            platform_post_id=tweet_id,
            url=f"https://x.com/{account.handle}/status/{tweet_id}",
            published_at=when,
        )

    def find_published(self, account: AccountRef, post: OutgoingPost) -> Published | None:
        user_id = account.account_id or self._me(account)
        want = normalize_text(post.text)
        params: dict[str, Any] = {
            "max_results": 100,
            "tweet.fields": "created_at,referenced_tweets",
        }
        if post.not_before is not None:
            params["start_time"] = post.not_before.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        found: Mapping[str, Any] | None = None
        for _ in range(MAX_RECONCILE_PAGES):
            resp = self.request(
                "GET",
                f"/2/users/{user_id}/tweets",
                operation="find_published",
                params=params,
                headers=self._auth(account),
                account=account,
            )
            body = json_body(resp) or {}
            for tweet in body.get("data") or []:
                if str(tweet.get("id")) in post.known_ids:
                    continue
                if normalize_text(tweet.get("text") or "") != want:
                    continue
                if post.reply_to:
                    refs = tweet.get("referenced_tweets") or []
                    if not any(
                        r.get("type") == "replied_to" and r.get("id") == post.reply_to for r in refs
                    ):
                        continue
                found = tweet  # newest first: the last match is the earliest
            token = (body.get("meta") or {}).get("next_token")
            if not token or post.not_before is None:
                break
            params = {**params, "pagination_token": token}
        return self._published(account, found) if found else None

    def retract(self, account: AccountRef, platform_post_id: str) -> None:
        self.request(
            "DELETE",
            f"/2/tweets/{platform_post_id}",
            operation="retract",
            headers=self._auth(account),
            ok=(404,),
            account=account,
        )
