"""A stand-in Bluesky AppView for the real PDS of the integration tests.

A PDS does not answer ``app.bsky.*`` queries itself: it proxies them, with a service token
it signs for the account, to the AppView it is configured with (``PDS_BSKY_APP_VIEW_URL``),
which indexes the whole network. There is no AppView to install here, so this small server
(standard library ``http.server``, in a thread, on 127.0.0.1) plays it for the three queries
launcher's listening post makes, answering from the PDS's own repositories
(``com.atproto.sync.listRepos``, ``com.atproto.repo.listRecords``: the records the test's
accounts really wrote):

- ``app.bsky.notification.listNotifications``: likes, reposts, follows, replies, mentions
  (a mention facet naming the viewer) and quotes of the viewer's posts, newest first,
  filtered by ``reasons``, paged with ``limit`` and ``cursor``;
- ``app.bsky.feed.getPosts``: a view of each post still in its repository, with
  ``likeCount``, ``repostCount``, ``replyCount``, ``quoteCount`` counted from the records
  (a deleted post is left out, as the AppView does);
- ``app.bsky.actor.getProfile``: ``followersCount``.

The viewer is the ``iss`` of the service token the PDS sends (its signature is not checked:
only the PDS under test reaches this server). It counts every request, by method, so a test
can say how many calls a collection made.
"""

from __future__ import annotations

import base64
import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlparse

import requests

COLLECTIONS = ("app.bsky.feed.post", "app.bsky.feed.like", "app.bsky.feed.repost",
               "app.bsky.graph.follow")  # fmt: skip
DID = "did:web:appview.test"


class AppView:
    def __init__(self) -> None:
        self.pds_url = ""
        self.calls: Counter[str] = Counter()
        view = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                return

            def do_GET(self) -> None:
                url = urlparse(self.path)
                nsid = url.path.removeprefix("/xrpc/")
                view.calls[nsid] += 1
                params = parse_qs(url.query)
                try:
                    body = view.answer(nsid, params, self.headers.get("Authorization", ""))
                except KeyError as exc:
                    self._send(400, {"error": "InvalidRequest", "message": str(exc)})
                    return
                if body is None:
                    self._send(501, {"error": "MethodNotImplemented", "message": nsid})
                    return
                self._send(200, body)

            def _send(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- the index, read from the PDS on each query -------------------------------------
    def _records(self) -> list[dict[str, Any]]:
        s = requests.Session()
        repos = s.get(f"{self.pds_url}/xrpc/com.atproto.sync.listRepos", timeout=10).json()
        out = []
        for repo in repos.get("repos") or []:
            did = repo["did"]
            handle = (
                s.get(
                    f"{self.pds_url}/xrpc/com.atproto.repo.describeRepo",
                    params={"repo": did},
                    timeout=10,
                )
                .json()
                .get("handle", did)
            )
            for collection in COLLECTIONS:
                cursor = None
                for _ in range(50):
                    params = {"repo": did, "collection": collection, "limit": 100}
                    if cursor:
                        params["cursor"] = cursor
                    got = s.get(
                        f"{self.pds_url}/xrpc/com.atproto.repo.listRecords",
                        params=params,
                        timeout=10,
                    ).json()
                    for rec in got.get("records") or []:
                        out.append({**rec, "did": did, "handle": handle, "collection": collection})
                    cursor = got.get("cursor")
                    if not cursor or not got.get("records"):
                        break
        return out

    @staticmethod
    def _viewer(authorization: str) -> str:
        token = authorization.removeprefix("Bearer ").split(".")
        payload = token[1] + "=" * (-len(token[1]) % 4)
        return json.loads(base64.urlsafe_b64decode(payload))["iss"]

    def answer(self, nsid: str, params: dict[str, list[str]], auth: str) -> dict | None:
        if nsid == "app.bsky.notification.listNotifications":
            return self._notifications(self._viewer(auth), params)
        if nsid == "app.bsky.feed.getPosts":
            return self._posts(params.get("uris") or [])
        if nsid == "app.bsky.actor.getProfile":
            actor = params["actor"][0]
            records = self._records()
            follows = sum(
                1
                for r in records
                if r["collection"] == "app.bsky.graph.follow" and r["value"].get("subject") == actor
            )
            handle = next((r["handle"] for r in records if r["did"] == actor), actor)
            return {"did": actor, "handle": handle, "followersCount": follows}
        return None

    def _notifications(self, viewer: str, params: dict[str, list[str]]) -> dict[str, Any]:
        mine = f"at://{viewer}/"
        found = []
        for r in self._records():
            if r["did"] == viewer:
                continue
            value = r["value"]
            reason, subject = None, None
            if r["collection"] in ("app.bsky.feed.like", "app.bsky.feed.repost"):
                subject = (value.get("subject") or {}).get("uri", "")
                reason = "like" if r["collection"].endswith("like") else "repost"
            elif r["collection"] == "app.bsky.graph.follow":
                reason = "follow" if value.get("subject") == viewer else None
            else:
                parent = ((value.get("reply") or {}).get("parent") or {}).get("uri", "")
                quoted = ((value.get("embed") or {}).get("record") or {}).get("uri", "")
                mentions = [
                    f.get("did")
                    for facet in value.get("facets") or []
                    for f in facet.get("features") or []
                    if f.get("$type") == "app.bsky.richtext.facet#mention"
                ]
                if parent.startswith(mine):
                    reason, subject = "reply", parent
                elif viewer in mentions:
                    reason = "mention"
                elif quoted.startswith(mine):
                    reason, subject = "quote", quoted
            if reason is None or (subject is not None and not subject.startswith(mine)):
                continue
            found.append(
                {
                    "uri": r["uri"],
                    "cid": r["cid"],
                    "author": {"did": r["did"], "handle": r["handle"]},
                    "reason": reason,
                    **({"reasonSubject": subject} if subject else {}),
                    "record": value,
                    "isRead": False,
                    "indexedAt": value.get("createdAt"),
                }
            )
        wanted = params.get("reasons")
        if wanted:
            found = [n for n in found if n["reason"] in wanted]
        found.sort(key=lambda n: n["indexedAt"] or "", reverse=True)
        start = int((params.get("cursor") or ["0"])[0])
        limit = int((params.get("limit") or ["50"])[0])
        page = found[start : start + limit]
        out: dict[str, Any] = {"notifications": page}
        if start + limit < len(found):
            out["cursor"] = str(start + limit)
        return out

    def _posts(self, uris: list[str]) -> dict[str, Any]:
        if len(uris) > 25:
            raise KeyError("uris: at most 25")
        records = self._records()
        by_uri = {r["uri"]: r for r in records if r["collection"] == "app.bsky.feed.post"}

        def n(collection: str, uri: str) -> int:
            return sum(
                1
                for r in records
                if r["collection"] == collection
                and (r["value"].get("subject") or {}).get("uri") == uri
            )

        posts = []
        for uri in uris:
            r = by_uri.get(uri)
            if r is None:
                continue  # deleted: the AppView leaves it out
            replies = sum(
                1
                for x in by_uri.values()
                if ((x["value"].get("reply") or {}).get("parent") or {}).get("uri") == uri
            )
            quotes = sum(
                1
                for x in by_uri.values()
                if ((x["value"].get("embed") or {}).get("record") or {}).get("uri") == uri
            )
            posts.append(
                {
                    "uri": uri,
                    "cid": r["cid"],
                    "author": {"did": r["did"], "handle": r["handle"]},
                    "record": r["value"],
                    "indexedAt": r["value"].get("createdAt"),
                    "likeCount": n("app.bsky.feed.like", uri),
                    "repostCount": n("app.bsky.feed.repost", uri),
                    "replyCount": replies,
                    "quoteCount": quotes,
                }
            )
        return {"posts": posts}
