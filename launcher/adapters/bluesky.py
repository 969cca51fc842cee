"""Bluesky (AT Protocol) adapter: XRPC over HTTP to the account's PDS.

- **Session**: ``createSession`` once per account (it is rate-limited: 30 per 5 min), cached
  in the adapter; on ``400 ExpiredToken`` or ``401`` the session is refreshed with the
  refresh JWT and the call repeated once; only if refreshing fails is a new session created.
  Tokens never appear in logs, errors or reprs.
- **Never double-post**: each post is written with ``putRecord`` under a record key derived
  from the post's identity, launch id + post key (:func:`tid_for_key`), and
  ``swapRecord: null`` ("create only if absent"). Two launches on the same account never
  share a record key, so neither adopts nor deletes the other's posts.
  The reference PDS answers a repeat with identical content as a no-op and a repeat with
  other content (a new ``createdAt``) with ``400 InvalidSwap``; both mean the post is there,
  and the adapter then returns the stored record instead of writing again.
- **Facets**: links, mentions (resolved to DIDs) and hashtags with UTF-8 byte offsets
  (:mod:`launcher.adapters.facets`); ``langs`` is the post's locale as a BCP-47 tag.
- **Profile** is the ``app.bsky.actor.profile`` record ``self``: read, merged, written back
  with ``swapRecord`` set to the cid read; pinning sets its ``pinnedPost`` strong reference
  (and reports the one it replaced); after a pinned post is deleted, ``unpin`` points the
  profile back at the post pinned before it, or removes ``pinnedPost``.
- **Accounts it creates** post with an app password of their own, kept in an owner-only file
  (``credentials.app_password``); a sunset revokes it (:meth:`BlueskyAdapter.revoke`).
- **Answers** to inbox items thread under the item with the strong refs collected with it
  (``OutgoingPost.reply_refs``: its root and itself as parent); listening is in
  :mod:`launcher.adapters.bluesky_listen`.
- **Round trips**: the profile record this adapter last wrote is remembered with its cid, so
  pinning right after setting the profile writes at once (``swapRecord`` still guards it: a
  profile changed elsewhere meanwhile is read again); sessions outlive the process
  (:mod:`.bluesky_sessions`).
- **Rate limits** (``limits``): 3,000 requests per 5 minutes per IP, ``createSession`` 30 per
  5 minutes and 300 a day per account, ``createAccount`` 100 per 5 minutes per IP, and the
  write points of each account (5,000 an hour, 35,000 a day; a create or an update counts 3,
  as a create may be one, a delete 1).
- **Post ids** are ``at://`` URIs (``Published.extra`` adds ``cid`` and the thread root);
  where a post id is expected, a bare record key stands for a post of the account's repo.
"""

from __future__ import annotations

import logging
import mimetypes
from dataclasses import replace
from datetime import datetime
from typing import Any, ClassVar
from urllib.parse import urlparse

from ..budget import Limit
from ..credentials import remember
from ..errors import AdapterError, AuthFailed, ConfigError, ContentRejected, PermanentError
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
from .bluesky_listen import LISTENING, BlueskyListening
from .bluesky_xrpc import (
    POST,
    PROFILE,
    XrpcClient,
    _Session,
    _TokenExpired,
    lang_tag,
    parse_at_uri,
    tid_for_key,
)
from .facets import detect_facets
from .sunset_steps import REVOKE_BY_HAND, steps

log = logging.getLogger("launcher.adapters.bluesky")

#: the name of the app password launcher makes for an account it creates
APP_PASSWORD = "launcher"

__all__ = ["BlueskyAdapter", "lang_tag", "parse_at_uri", "tid_for_key"]


class BlueskyAdapter(BlueskyListening, XrpcClient):
    name: ClassVar[str] = "bluesky"
    platform: ClassVar[str] = "bluesky"
    title: ClassVar[str] = "Bluesky"
    default_base_url = "https://bsky.social"
    capabilities: ClassVar[Capabilities] = Capabilities(
        text_limit=300,
        counting="graphemes (Unicode extended grapheme clusters), at most 3000 UTF-8 bytes",
        profile_fields=frozenset({"display_name", "bio", "links", "avatar"}),
        create_accounts=True,
        pin=True,
        delete=True,
        idempotency="client-record-key",
        language_tag=True,
        revoke="app-password",
        listening=LISTENING,
        setup_requests=3,  # createSession, getRecord and putRecord of the profile
    )
    limits: ClassVar[tuple[Limit, ...]] = (
        Limit("requests", 3000, 300.0, per="host",
              source="PDS rate limits: 3,000 requests per 5 min per IP"),
        Limit("logins", 30, 300.0, per="account", path=r"/com\.atproto\.server\.createSession$",
              unit="logins", source="PDS rate limits: createSession 30 per 5 min per account"),
        Limit("logins per day", 300, 86400.0, per="account",
              path=r"/com\.atproto\.server\.createSession$", unit="logins",
              source="PDS rate limits: createSession 300 per day per account"),
        Limit("sign-ups", 100, 300.0, per="host", path=r"/com\.atproto\.server\.createAccount$",
              unit="sign-ups", source="PDS rate limits: createAccount 100 per 5 min per IP"),
        Limit("write points", 5000, 3600.0, per="account", cost=3, unit="points",
              path=r"/com\.atproto\.repo\.(createRecord|putRecord|applyWrites)$",
              source="PDS write points per account: 5,000 per hour; a create 3, an update 2"),
        Limit("write points", 5000, 3600.0, per="account", cost=1, unit="points",
              path=r"/com\.atproto\.repo\.deleteRecord$",
              source="PDS write points per account: a delete 1"),
        Limit("write points per day", 35000, 86400.0, per="account", cost=3, unit="points",
              path=r"/com\.atproto\.repo\.(createRecord|putRecord|applyWrites)$",
              source="PDS write points per account: 35,000 per day"),
        Limit("write points per day", 35000, 86400.0, per="account", cost=1, unit="points",
              path=r"/com\.atproto\.repo\.deleteRecord$",
              source="PDS write points per account: 35,000 per day"),
    )  # fmt: skip
    options: ClassVar[tuple[Option, ...]] = (
        Option("base_url", "URL of the PDS that hosts the accounts", default="https://bsky.social"),
        Option(
            "handle_domain",
            "domain the PDS serves handles under, e.g. 'social.example.org'; accounts launcher"
            " creates get <name>.<this domain> instead of the organisation's handle_domain"
            " (missions.yaml). Default: the organisation's handle_domain",
        ),
        Option("password", "account password or app password", required=True, credential=True),
        Option("email_domain", "domain of the e-mail address new accounts are created with"),
        Option("invite_code", "invite code, if the PDS requires one", credential=True),
        Option("web_url", "web app for post links ('' for none)", default="https://bsky.app"),
        Option("timeout", "read timeout in seconds", default=30),
        Option("data_dir", "where sessions are kept between processes (set by the settings)"),
    )

    def __init__(self, settings: Any = None) -> None:
        super().__init__(settings)
        self._refs: dict[str, tuple[str, dict[str, str]]] = {}  # uri -> (cid, root strongRef)
        #: DID -> the profile record as this adapter last wrote it: {"cid", "value"}
        self._profiles: dict[str, dict[str, Any]] = {}

    def provision(self, account: AccountRef, profile: ProfileUpdate) -> Provisioned:
        if account.standby:  # registered in advance: log in, set the profile
            session = self._session(account)
            done = replace(account, handle=session.handle, account_id=session.did)
            self.update_profile(done, profile)
            return Provisioned(account=done, created=False)
        handle = self.full_handle(account)
        password = self.credential(account, "password")
        email_domain = str(self.settings.get("email_domain") or "").lstrip("@")
        if not email_domain:
            raise ConfigError(
                "bluesky: creating accounts needs an e-mail address domain",
                hint="set platforms.bluesky.options.email_domain, e.g. 'example.org'",
            )
        body: dict[str, Any] = {
            "handle": handle,
            "email": f"{handle.split('.', 1)[0]}@{email_domain}",
            "password": password.reveal(),
        }
        invite = self.credential(account, "invite_code", required=False)
        if invite:
            body["inviteCode"] = invite.reveal()
        created = True
        try:
            session = self._store(
                self._call(
                    "POST",
                    "com.atproto.server.createAccount",
                    operation="provision",
                    create=True,
                    json=body,
                )
            )
        except ContentRejected as exc:
            if "already taken" not in exc.message.lower() or "handle" not in exc.message.lower():
                raise
            # An earlier attempt may have created it and lost the answer: ours if we can log in.
            try:
                session = self._login(replace(account, account_id=None))
            except AuthFailed as refused:
                raise self._taken_error(handle, exc, refused) from None
            created = False
        done = replace(account, handle=session.handle, account_id=session.did)
        self.update_profile(done, profile)
        if created:
            done = self._with_app_password(done)
        return Provisioned(account=done, created=created)

    def _with_app_password(self, account: AccountRef) -> AccountRef:
        """An account launcher just created posts with an app password of its own
        (:data:`APP_PASSWORD`), kept in an owner-only file like Mastodon's tokens: its
        sessions cannot change the account's settings, and a sunset revokes it (and every
        session made with it) without touching the account's password. A PDS that refuses
        one leaves the account on its password, as before."""
        try:
            body = self._xrpc(
                account,
                "POST",
                "com.atproto.server.createAppPassword",
                operation="provision",
                json={"name": APP_PASSWORD},
            )
        except AdapterError as exc:
            log.warning("bluesky: no app password for %s: %s", account.handle, exc.message)
            return account
        password = body.get("password")
        if not isinstance(password, str) or not password:
            return account
        remember(password)
        path = self._keep(account.handle, "app-password", password)
        # the session made with the account's password must not outlive this call: the
        # account's posts log in with the app password (revocable at its sunset)
        self._forget(account, stored=True)
        return replace(account, credentials={**account.credentials, "app_password": f"file:{path}"})

    def _keep(self, handle: str, kind: str, value: str) -> Any:
        import os

        from ..paths import data_dir

        host = (urlparse(self.base_url).netloc or "pds").replace(":", "_")
        folder = data_dir(self.settings.get("data_dir")) / "credentials"
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        path = folder / f"bluesky-{host}-{handle}.{kind}"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with open(fd, "w", encoding="utf-8") as fh:
            fh.write(value + "\n")
        return path

    def revoke(self, account: AccountRef) -> Revoked:
        """End launcher's access to an account it created: its app password is revoked
        (``revokeAppPassword``, with a session of the account's own password: the PDS ends
        every session made with the app password too), then that session is deleted. Without
        an app password, the sessions launcher holds are deleted and a checklist says how to
        end the rest."""
        values = {"handle": self.full_handle(account), "platform": self.title}
        if not account.credentials.get("app_password"):
            self._end_sessions(account)
            return Revoked(checklist=steps(self, REVOKE_BY_HAND, **values))
        main = replace(
            account,
            credentials={k: v for k, v in account.credentials.items() if k != "app_password"},
        )
        self._forget(account)
        session = self._login(main)
        self._call(
            "POST",
            "com.atproto.server.revokeAppPassword",
            operation="revoke",
            token=session.access,
            json={"name": APP_PASSWORD},
        )
        self._end_sessions(main)
        return Revoked(names=("app_password",))

    def _end_sessions(self, account: AccountRef) -> None:
        """``deleteSession`` (with the refresh token) for the session held, then forget it."""
        session = self._sessions.get(self._key(account)) or self._sessions.get(
            self.full_handle(account)
        )
        if session is not None:
            try:
                self._call(
                    "POST",
                    "com.atproto.server.deleteSession",
                    operation="revoke",
                    token=session.refresh,
                )
            except AdapterError as exc:  # expired already: nothing left to end
                log.info("bluesky: session of %s not deleted: %s", session.handle, exc.message)
        self._forget(account)

    def _taken_error(
        self, handle: str, taken: ContentRejected, refused: AuthFailed
    ) -> PermanentError:
        """The handle is taken and our password does not open it: say which of the two
        causes it is, as far as the PDS can tell. An account hosted on this PDS under that
        handle is most likely one launcher created earlier, with another password; a
        handle taken by an account hosted elsewhere is someone else's."""
        where = self._hosted_did(handle)
        if where:
            return AuthFailed(
                f"the account {handle} already exists on this PDS ({where}) and its login was"
                f" refused: {refused.message}",
                platform=self.name,
                operation="provision",
                status=refused.status,
                hint="if launcher created it in an earlier launch, the password reference is"
                " not the password it was created with: fix platforms.bluesky.options.password"
                " (or the account's credentials.password) in the settings; if the account is"
                " not the organisation's, ask the PDS administrator",
            )
        if where is None:
            return AuthFailed(
                f"the handle {handle} is already taken and logging in to it was refused"
                f" ({refused.message}); the PDS could not say whose account it is",
                platform=self.name,
                operation="provision",
                status=refused.status,
                hint="check the password reference in the settings; if it is right, the handle"
                " belongs to someone else: change the organisation's handle_prefix or the"
                " mission's slug in missions.yaml",
            )
        return ContentRejected(
            f"the handle {handle} is taken by someone else: no account with it is hosted on"
            f" this PDS ({taken.message})",
            platform=self.name,
            operation="provision",
            status=taken.status,
            hint="choose another handle: change the organisation's handle_prefix or the"
            " mission's slug in missions.yaml, or register the account in advance and list it"
            " under platforms.bluesky.accounts",
        )

    def _hosted_did(self, handle: str) -> str | bool | None:
        """The DID of the account this PDS hosts under ``handle``; False if it hosts none;
        None if it cannot tell. ``describeRepo`` answers from the PDS's own accounts."""
        try:
            body = self._call(
                "GET",
                "com.atproto.repo.describeRepo",
                operation="provision",
                params={"repo": handle},
            )
        except ContentRejected:
            return False  # RepoNotFound / "Could not find repo"
        except (PermanentError, _TokenExpired):
            return None
        did = body.get("did")
        return str(did) if isinstance(did, str) and did else None

    def update_profile(self, account: AccountRef, profile: ProfileUpdate) -> None:
        def change(record: dict[str, Any]) -> None:
            record["displayName"] = profile.display_name
            record["description"] = profile.bio
            if profile.links:
                record["website"] = profile.links[0][1]
            if profile.avatar is not None:
                record["avatar"] = self._upload(account, profile.avatar)

        self._edit_profile(account, change, operation="update_profile")

    def pin(self, account: AccountRef, published: Published) -> str | None:
        uri = self._post_uri(account, published.extra.get("uri") or published.platform_post_id)
        cid = published.extra.get("cid") or self._get(account, uri)["cid"]
        before: list[str | None] = [None]

        def change(record: dict[str, Any]) -> None:
            old = (record.get("pinnedPost") or {}).get("uri")
            before[0] = old if old != uri else before[0]
            record["pinnedPost"] = {"uri": uri, "cid": cid}

        self._edit_profile(account, change, operation="pin")
        return before[0]

    def unpin(
        self, account: AccountRef, platform_post_id: str, *, restore: str | None = None
    ) -> bool:
        uri = self._post_uri(account, platform_post_id)
        previous = None
        if restore:
            try:
                got = self._get_record(
                    account, *parse_at_uri(self._post_uri(account, restore)), operation="unpin"
                )
            except ContentRejected:
                got = None
            if got is not None:
                previous = {"uri": got["uri"], "cid": got["cid"]}
        changed = [False]

        def change(record: dict[str, Any]) -> None:
            if (record.get("pinnedPost") or {}).get("uri") != uri:
                return  # pinned another post meanwhile: leave it
            changed[0] = True
            if previous:
                record["pinnedPost"] = previous
            else:
                record.pop("pinnedPost", None)

        self._edit_profile(account, change, operation="unpin", only_if_changed=changed)
        return changed[0]

    def _edit_profile(
        self,
        account: AccountRef,
        change: Any,
        *,
        operation: str,
        only_if_changed: list[bool] | None = None,
    ) -> None:
        session = self._session(account)
        for attempt in range(2):
            current = self._profiles.get(session.did) if attempt == 0 else None
            if current is None:
                current = self._get_record(
                    account, session.did, PROFILE, "self", operation=operation
                )
            record = dict(current["value"]) if current else {}
            record["$type"] = PROFILE
            record.setdefault("createdAt", self._now())
            change(record)
            if only_if_changed is not None and not only_if_changed[0]:
                return
            try:
                written = self._xrpc(
                    account,
                    "POST",
                    "com.atproto.repo.putRecord",
                    operation=operation,
                    json={
                        "repo": session.did,
                        "collection": PROFILE,
                        "rkey": "self",
                        "record": record,
                        "swapRecord": current["cid"] if current else None,
                    },
                )
                if isinstance(written.get("cid"), str):
                    self._profiles[session.did] = {"cid": written["cid"], "value": record}
                return
            except ContentRejected as exc:
                self._profiles.pop(session.did, None)
                if getattr(exc, "xrpc_error", None) != "InvalidSwap" or attempt:
                    raise  # InvalidSwap: changed meanwhile; read it again once

    def _upload(self, account: AccountRef, path: Any) -> dict[str, Any]:
        mime = mimetypes.guess_type(str(path))[0] or "application/octet-stream"
        body = self._xrpc(
            account,
            "POST",
            "com.atproto.repo.uploadBlob",
            operation="upload",
            data=path.read_bytes(),
            headers={"Content-Type": mime},
        )
        return body["blob"]

    def publish(self, account: AccountRef, post: OutgoingPost) -> Published:
        session = self._session(account)
        rkey = tid_for_key(post.identity)
        record: dict[str, Any] = {
            "$type": POST,
            "text": post.text,
            "createdAt": self._now(),
            "langs": [lang_tag(post.reply_refs.get("lang") or post.locale)],
        }
        facets = detect_facets(post.text, lambda h: self._resolve_handle(account, h))
        if facets:
            record["facets"] = facets
        refs = post.reply_refs
        if refs.get("parent_uri") and refs.get("parent_cid"):  # an answer to an inbox item
            record["reply"] = {
                "root": {"uri": refs.get("root_uri") or refs["parent_uri"],
                         "cid": refs.get("root_cid") or refs["parent_cid"]},
                "parent": {"uri": refs["parent_uri"], "cid": refs["parent_cid"]},
            }  # fmt: skip
        elif post.reply_to:
            record["reply"] = self._reply_refs(account, self._post_uri(account, post.reply_to))
        if post.image is not None:
            blob = self._upload(account, post.image)
            record["embed"] = {
                "$type": "app.bsky.embed.images",
                "images": [{"image": blob, "alt": post.image_alt}],
            }
        try:
            body = self._xrpc(
                account,
                "POST",
                "com.atproto.repo.putRecord",
                operation="publish",
                create=True,
                json={
                    "repo": session.did,
                    "collection": POST,
                    "rkey": rkey,
                    "record": record,
                    "swapRecord": None,  # create only: never overwrite an existing post
                },
            )
        except ContentRejected as exc:
            if getattr(exc, "xrpc_error", None) != "InvalidSwap":
                raise
            log.info("bluesky: post %s already exists (rkey %s): not written again", post.key, rkey)
            found = self.find_published(account, post)
            if found is None:
                raise
            return found
        return self._published(session, body["uri"], body["cid"], record)

    def find_published(self, account: AccountRef, post: OutgoingPost) -> Published | None:
        session = self._session(account)
        got = self._get_record(
            account, session.did, POST, tid_for_key(post.identity), operation="find_published"
        )
        if got is None:
            return None
        return self._published(session, got["uri"], got["cid"], got["value"])

    def retract(self, account: AccountRef, platform_post_id: str) -> None:
        did, collection, rkey = parse_at_uri(self._post_uri(account, platform_post_id))
        self._xrpc(
            account,
            "POST",
            "com.atproto.repo.deleteRecord",
            operation="retract",
            json={"repo": did, "collection": collection, "rkey": rkey},
        )
        self._refs.pop(platform_post_id, None)

    def _post_uri(self, account: AccountRef, post_id: str) -> str:
        """A post id is its ``at://`` URI; a bare record key means a post of the account."""
        if post_id.startswith("at://"):
            return post_id
        return f"at://{self._session(account).did}/{POST}/{post_id}"

    def _published(
        self, session: _Session, uri: str, cid: str, record: dict[str, Any]
    ) -> Published:
        reply = record.get("reply") or {}
        root = reply.get("root") or {"uri": uri, "cid": cid}
        self._refs[uri] = (cid, root)
        rkey = uri.rsplit("/", 1)[-1]
        web = str(self.settings.get("web_url", "https://bsky.app") or "").rstrip("/")
        created = record.get("createdAt")
        try:
            when = datetime.fromisoformat(created.replace("Z", "+00:00")) if created else None
        except ValueError:
            when = None
        return Published(
            platform_post_id=uri,
            url=f"{web}/profile/{session.handle}/post/{rkey}" if web else None,
            published_at=when,
            extra={"uri": uri, "cid": cid, "root_uri": root["uri"], "root_cid": root["cid"]},
        )

    def _reply_refs(self, account: AccountRef, parent_uri: str) -> dict[str, Any]:
        if parent_uri not in self._refs:
            got = self._get(account, parent_uri)
            root = (got["value"].get("reply") or {}).get("root") or {
                "uri": parent_uri,
                "cid": got["cid"],
            }
            self._refs[parent_uri] = (got["cid"], root)
        cid, root = self._refs[parent_uri]
        return {"root": dict(root), "parent": {"uri": parent_uri, "cid": cid}}
