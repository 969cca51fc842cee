"""Facebook Pages (Graph API).

- Publish: ``POST /{page-id}/feed`` (``message``), ``POST /{page-id}/photos`` (multipart
  ``source`` + ``message``) for an image, ``POST /{post-id}/comments`` for the next part of
  a thread. ``{"id": "{page-id}_{post-id}"}``.
- Delete ``DELETE /{post-id}``; pin ``POST /{post-id}`` with ``is_pinned=true``; profile
  ``POST /{page-id}`` with ``about`` and ``website``.
- The Page token is sent as an ``Authorization: Bearer`` header, never in the URL (error pages
  and logs quote URLs); ``appsecret_proof`` stays a parameter when an app secret is set.
- Errors are dispatched on ``error.code``: 1/2 transient; 4/17/32/341/613/80001 throttling
  (hint from ``X-Business-Use-Case-Usage`` ``estimated_time_to_regain_access``, minutes);
  190 and 10/200-299 auth; 368 blocked; 506 duplicate post.
- No idempotency key: a lost answer is reconciled from ``GET /{page-id}/posts`` (or the
  comments of the thread's previous part) since the first attempt, every page (``since`` and
  the ``after`` cursor); a post is adopted only if its text is the post's and the ledger holds
  it for no other post.
- Pages cannot be created through the API: provisioning a standby Page sets its profile and
  returns the steps left by hand (Page name, picture).
- Rate limits: the Pages limit (4,800 calls a day per engaged user, at least one) is declared
  in ``limits``; the usage headers (``X-Business-Use-Case-Usage``, ``X-Page-Usage``,
  ``X-App-Usage``, in percent) hold the Page (or the app) back once one reaches 100 %.
  Throttling codes carry their scope: 4 the app, 17/32/613/80001 the Page.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import datetime
from typing import Any, ClassVar

import requests

from ..budget import Limit, Observation
from ..errors import (
    AdapterError,
    AuthFailed,
    ConfigError,
    ContentRejected,
    DuplicateContent,
    RateLimited,
    TransientError,
    Unsupported,
)
from .base import (
    AccountRef,
    Capabilities,
    Option,
    OutgoingPost,
    ProfileUpdate,
    Provisioned,
    Published,
)
from .facebook_listen import LISTENING, FacebookListening
from .http import N_, HttpAdapter, json_body, normalize_text, retry_after_header, text_rule

THROTTLING = {4, 17, 32, 341, 613, 80001}
#: reconciliation reads at most this many pages of 100 posts back to the first attempt
MAX_RECONCILE_PAGES = 20
TRANSIENT = {1, 2}
DEFAULT_THROTTLE_WAIT = 60.0

CHECKLIST_CREATE = (
    N_("Create the Facebook Page {handle} in Meta Business Suite"),
    N_(
        "Create a Meta app with the permissions pages_manage_posts, pages_read_engagement, "
        "pages_show_list and pages_manage_metadata (App Review where required)"
    ),
    N_(
        "Obtain a long-lived Page access token (or a System User token) for the Page, store it "
        "in a file readable only by you (chmod 600) and add the Page to the settings under "
        "platforms.facebook.accounts with account_id (the Page id) and "
        "credentials.page_token: file:/path"
    ),
)
CHECKLIST_PROFILE = (
    N_("Set the name of the Page {handle} to: {display_name}"),
    N_("Upload the profile picture {avatar} for the Page {handle}"),
)


_LIMIT, _COUNTING = text_rule("facebook", 63206, "characters (Unicode code points)")


class FacebookAdapter(FacebookListening, HttpAdapter):
    name: ClassVar[str] = "facebook"
    platform: ClassVar[str] = "facebook"
    title: ClassVar[str] = "Facebook Pages"
    default_base_url = "https://graph.facebook.com"
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=_LIMIT,
        counting=_COUNTING,
        profile_fields=frozenset({"bio", "links"}),
        create_accounts=False,
        pin=True,
        delete=True,
        idempotency="reconcile",
        images=True,
        language_tag=False,
        threads=True,
        listening=LISTENING,
    )
    limits: ClassVar[tuple[Limit, ...]] = (
        Limit("page calls", 4800, 86400.0, per="account", unit="calls",
              source="Graph API Business Use Case limits, Pages: 4,800 calls per 24 h per"
              " engaged user (one at least)"),
    )  # fmt: skip
    options: ClassVar[tuple[Option, ...]] = (
        Option("base_url", "Graph API host", default="https://graph.facebook.com"),
        Option("api_version", "Graph API version to pin", default="v25.0"),
        Option(
            "page_token", "Page access token (per Page under accounts.credentials)", credential=True
        ),
        Option("app_secret", "app secret, to send appsecret_proof", credential=True),
        Option("timeout", "read timeout in seconds", default=30),
    )

    @property
    def base_url(self) -> str:
        version = str(self.settings.get("api_version") or "v25.0").strip("/")
        return f"{super().base_url}/{version}"

    def _auth(self, account: AccountRef) -> tuple[dict[str, str], dict[str, str]]:
        """(headers, params) of an authenticated call: the Page token as a bearer header, and
        ``appsecret_proof`` when an app secret is configured."""
        token = self.credential(account, "page_token").reveal()
        params: dict[str, str] = {}
        secret = self.credential(account, "app_secret", required=False)
        if secret:
            proof = hmac.new(secret.reveal().encode(), token.encode(), hashlib.sha256).hexdigest()
            params["appsecret_proof"] = proof
        return {"Authorization": f"Bearer {token}"}, params

    def call(
        self, method: str, path: str, account: AccountRef, *, operation: str, **kw: Any
    ) -> requests.Response:
        headers, params = self._auth(account)
        return self.request(
            method,
            path,
            operation=operation,
            headers=headers,
            params={**params, **(kw.pop("params", None) or {})},
            account=account,
            **kw,
        )

    def rate_observations(self, resp: requests.Response) -> list[Observation]:
        """Usage in percent of the limit: at 100 % nothing is left until Facebook says
        (``estimated_time_to_regain_access``, minutes), else for a minute."""
        out = []
        for header, scope in (
            ("X-Business-Use-Case-Usage", "account"),
            ("X-Page-Usage", "account"),
            ("X-App-Usage", "app"),
        ):
            raw = resp.headers.get(header)
            if not raw:
                continue
            doc = json.loads(raw)
            entries = (
                [e for v in doc.values() for e in (v or [])]
                if header.startswith("X-Bus")
                else [doc]
            )
            for entry in entries:
                if not isinstance(entry, dict):
                    continue
                used = max(
                    float(entry.get(k) or 0) for k in ("call_count", "total_cputime", "total_time")
                )
                if used >= 100:
                    minutes = float(entry.get("estimated_time_to_regain_access") or 0)
                    out.append(Observation(scope, 0, minutes * 60 if minutes > 0 else 60.0))
        return out

    def _page(self, account: AccountRef) -> str:
        if not account.account_id:
            raise ConfigError(
                f"facebook: no Page id for {account.handle}",
                hint="add the Page under platforms.facebook.accounts with its account_id",
            )
        return account.account_id

    # -- errors --------------------------------------------------------------------------
    def error_for(self, resp: requests.Response, *, operation: str, create: bool) -> AdapterError:
        body = json_body(resp)
        err = body.get("error") if isinstance(body, dict) else None
        if not isinstance(err, dict):
            return super().error_for(resp, operation=operation, create=create)
        code = err.get("code")
        message = str(err.get("error_user_msg") or err.get("message") or "error")
        kw: dict[str, Any] = {
            "platform": self.name,
            "operation": operation,
            "status": resp.status_code,
        }
        if code == 506:
            return DuplicateContent(message, **kw)
        if code in THROTTLING:
            scope = "app" if code == 4 else "account"  # 4: the app's limit; else the Page's
            return RateLimited(message, retry_after=self._throttle_wait(resp), scope=scope, **kw)
        if code in TRANSIENT or err.get("is_transient"):
            return TransientError(message, maybe_sent=create, **kw)
        if code == 190:
            return AuthFailed(message, hint="the Page access token is invalid or expired", **kw)
        if code == 10 or (isinstance(code, int) and 200 <= code <= 299):
            return AuthFailed(message, hint="the token lacks a permission on this Page", **kw)
        if code == 368:
            return ContentRejected(message, hint="the Page is temporarily blocked", **kw)
        if resp.status_code >= 500:
            return TransientError(message, maybe_sent=create, **kw)
        return ContentRejected(message, **kw)

    def _throttle_wait(self, resp: requests.Response) -> float:
        hint = retry_after_header(resp.headers.get("Retry-After"), self.clock())
        if hint is not None:
            return hint
        usage = resp.headers.get("X-Business-Use-Case-Usage")
        minutes = 0.0
        if usage:
            try:
                for entries in json.loads(usage).values():
                    for entry in entries or []:
                        minutes = max(
                            minutes, float(entry.get("estimated_time_to_regain_access") or 0)
                        )
            except (ValueError, AttributeError, TypeError):
                minutes = 0.0
        return minutes * 60.0 if minutes > 0 else DEFAULT_THROTTLE_WAIT

    # -- provisioning --------------------------------------------------------------------
    def provision(self, account: AccountRef, profile: ProfileUpdate) -> Provisioned:
        values = {
            "handle": account.handle,
            "display_name": profile.display_name,
            "avatar": str(profile.avatar or ""),
        }
        if not account.standby:
            raise Unsupported(
                "Facebook Pages cannot be created through the API",
                platform=self.name,
                operation="provision",
                checklist=self.steps(CHECKLIST_CREATE, **values),
            )
        self.update_profile(account, profile)
        todo = [CHECKLIST_PROFILE[0]] + ([CHECKLIST_PROFILE[1]] if profile.avatar else [])
        return Provisioned(account=account, created=False, checklist=self.steps(todo, **values))

    def update_profile(self, account: AccountRef, profile: ProfileUpdate) -> None:
        data = {"about": profile.bio}
        if profile.links:
            data["website"] = profile.links[0][1]
        self.call("POST", f"/{self._page(account)}", account, operation="update_profile", data=data)

    # -- posts ---------------------------------------------------------------------------
    def publish(self, account: AccountRef, post: OutgoingPost) -> Published:
        page = self._page(account)
        if post.reply_to:
            path, files = f"/{post.reply_to}/comments", None
            data: dict[str, str] = {"message": post.text}
        elif post.image:
            path = f"/{page}/photos"
            files = {"source": (post.image.name, post.image.read_bytes())}
            data = {"message": post.text}
            if post.image_alt:
                data["alt_text_custom"] = post.image_alt
        else:
            path, files, data = f"/{page}/feed", None, {"message": post.text}
        resp = self.call(
            "POST", path, account, operation="publish", create=True, data=data, files=files
        )
        body = json_body(resp) or {}
        return self._published(str(body.get("post_id") or body.get("id")))

    @staticmethod
    def _published(post_id: str, created: str | None = None) -> Published:
        when = None
        if created:
            try:
                when = datetime.strptime(created, "%Y-%m-%dT%H:%M:%S%z")
            except ValueError:
                when = None
        return Published(
            platform_post_id=post_id, url=f"https://www.facebook.com/{post_id}", published_at=when
        )

    def find_published(self, account: AccountRef, post: OutgoingPost) -> Published | None:
        edge = f"/{post.reply_to}/comments" if post.reply_to else f"/{self._page(account)}/posts"
        want = normalize_text(post.text)
        params: dict[str, Any] = {"fields": "id,message,created_time", "limit": 100}
        if post.not_before is not None:
            params["since"] = int(post.not_before.timestamp())
        found: dict[str, Any] | None = None
        for _ in range(MAX_RECONCILE_PAGES):
            resp = self.call("GET", edge, account, operation="find_published", params=params)
            body = json_body(resp) or {}
            for item in body.get("data") or []:
                if str(item.get("id")) in post.known_ids:
                    continue
                if normalize_text(item.get("message") or "") == want:
                    found = item  # newest first: the last match is the earliest
            after = ((body.get("paging") or {}).get("cursors") or {}).get("after")
            if not after or not (body.get("paging") or {}).get("next") or not post.not_before:
                break
            params = {**params, "after": after}
        if found is None:
            return None
        return self._published(str(found.get("id")), found.get("created_time"))

    def retract(self, account: AccountRef, platform_post_id: str) -> None:
        self.call("DELETE", f"/{platform_post_id}", account, operation="retract")

    def pin(self, account: AccountRef, published: Published) -> str | None:
        self.call(
            "POST",
            f"/{published.platform_post_id}",
            account,
            operation="pin",
            data={"is_pinned": "true"},
        )
        return None

    def unpin_post(self, account: AccountRef, platform_post_id: str) -> bool:
        self.call(
            "POST", f"/{platform_post_id}", account, operation="unpin", data={"is_pinned": "false"}
        )
        return True
