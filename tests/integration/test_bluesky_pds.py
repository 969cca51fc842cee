"""The Bluesky adapter against a real PDS (``@atproto/pds`` + local PLC on 127.0.0.1).

Everything is read back from the server's repository (``getRecord`` / ``listRecords``) and
checked against what was sent: texts, languages, facet byte offsets against the UTF-8
encoding, the profile, the pinned post, deletions, and that a repeated post is one record.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import requests

from launcher.adapters.base import AccountRef, OutgoingPost, ProfileUpdate
from launcher.adapters.bluesky import BlueskyAdapter, tid_for_key
from launcher.errors import AuthFailed, ContentRejected

pytestmark = pytest.mark.integration

LINK = "app.bsky.richtext.facet#link"
MENTION = "app.bsky.richtext.facet#mention"
TAG = "app.bsky.richtext.facet#tag"


def _adapter(pds: Any, password_ref: str, data_dir: Any = None) -> BlueskyAdapter:
    settings = {
        "base_url": pds.url,
        "handle_domain": pds.handle_domain,
        "password": password_ref,
        "email_domain": "example.org",
        "web_url": "",
    }
    if data_dir is not None:  # where the app passwords of created accounts are kept
        settings["data_dir"] = str(data_dir)
    return BlueskyAdapter(settings)


def _get(pds: Any, did: str, collection: str, rkey: str) -> requests.Response:
    return requests.get(
        f"{pds.url}/xrpc/com.atproto.repo.getRecord",
        params={"repo": did, "collection": collection, "rkey": rkey},
        timeout=10,
    )


def _list(pds: Any, did: str, collection: str = "app.bsky.feed.post") -> list[dict[str, Any]]:
    resp = requests.get(
        f"{pds.url}/xrpc/com.atproto.repo.listRecords",
        params={"repo": did, "collection": collection, "limit": 100},
        timeout=10,
    )
    resp.raise_for_status()
    return resp.json()["records"]


def _rkey(uri: str) -> str:
    return uri.rsplit("/", 1)[-1]


@pytest.fixture(scope="module")
def adapter(pds: Any, pds_password_ref: str, tmp_path_factory: Any) -> BlueskyAdapter:
    # module-scoped: set up before the per-test data directory exists, so it gets its own
    return _adapter(pds, pds_password_ref, tmp_path_factory.mktemp("bsky-data"))


@pytest.fixture(scope="module")
def account(adapter: BlueskyAdapter) -> AccountRef:
    label = "ex" + uuid.uuid4().hex[:8]
    provisioned = adapter.provision(
        AccountRef(platform="bluesky", handle=label, locale="th"),
        ProfileUpdate(
            display_name="สถานทูต Exampleland 🇽🇽",
            bio="ข้อมูลฉุกเฉินสำหรับพลเมือง — Emergency information for citizens",
            links=(("Website", "https://example.org/th"),),
        ),
    )
    assert provisioned.created
    return provisioned.account


def test_provision_creates_account_and_sets_profile(pds, adapter, account):
    """createAccount gives a DID and the full handle; the profile record holds the fields."""
    assert account.account_id and account.account_id.startswith("did:plc:")
    assert account.handle.endswith(pds.handle_domain)
    resp = _get(pds, account.account_id, "app.bsky.actor.profile", "self")
    assert resp.status_code == 200, resp.text
    value = resp.json()["value"]
    assert value["$type"] == "app.bsky.actor.profile"
    assert value["displayName"] == "สถานทูต Exampleland 🇽🇽"
    assert value["description"].startswith("ข้อมูลฉุกเฉิน")
    assert value["website"] == "https://example.org/th"
    resolved = requests.get(
        f"{pds.url}/xrpc/com.atproto.identity.resolveHandle",
        params={"handle": account.handle},
        timeout=10,
    )
    assert resolved.json()["did"] == account.account_id


def test_provision_again_logs_in_instead_of_failing(pds, pds_password_ref, account):
    """A repeated provision (lost answer) finds the account is ours and reuses it."""
    again = _adapter(pds, pds_password_ref).provision(
        AccountRef(platform="bluesky", handle=account.handle.split(".")[0], locale="th"),
        ProfileUpdate(display_name="สถานทูต Exampleland 🇽🇽", bio="ข้อมูลฉุกเฉิน"),
    )
    assert not again.created
    assert again.account.account_id == account.account_id


# (locale, text with {me} for the account's handle, expected facets: (kind, covered, value))
SCRIPTS = {
    "latin": (
        "en",
        "Flood warning for #Exampleton: shelters open. Ask @{me} or read "
        "https://example.org/en/flood.",
        [("tag", "#Exampleton", "Exampleton"), ("mention", "@{me}", None),
         ("link", "https://example.org/en/flood", "https://example.org/en/flood")],
    ),
    "thai": (
        "th",
        "เตือนภัยน้ำท่วม #น้ำท่วม ติดต่อ @{me} ดูที่ https://example.org/th/flood ครับ",
        [("tag", "#น้ำท่วม", "น้ำท่วม"), ("mention", "@{me}", None),
         ("link", "https://example.org/th/flood", "https://example.org/th/flood")],
    ),
    "arabic": (
        "ar",
        "تحذير من الفيضانات #فيضان_عاجل للاتصال @{me} راجع https://example.org/ar/flood.",
        [("tag", "#فيضان_عاجل", "فيضان_عاجل"), ("mention", "@{me}", None),
         ("link", "https://example.org/ar/flood", "https://example.org/ar/flood")],
    ),
    "japanese": (
        "ja",
        "洪水警報 #洪水 連絡は@{me} 詳細はhttps://example.org/ja/floodをご覧ください。",
        [("tag", "#洪水", "洪水"), ("mention", "@{me}", None),
         ("link", "https://example.org/ja/flood", "https://example.org/ja/flood")],
    ),
    "emoji": (
        "en",
        "🚨🌊 Flood alert 👨‍👩‍👧 #StaySafe @{me} ➡️ https://example.org/flood 🙏 @nobody-x.test",
        [("tag", "#StaySafe", "StaySafe"), ("mention", "@{me}", None),
         ("link", "https://example.org/flood", "https://example.org/flood")],
    ),
}  # fmt: skip


@pytest.mark.parametrize("script", sorted(SCRIPTS))
def test_publish_with_facets_reads_back_exact_bytes(pds, adapter, account, script):
    """Text, langs and each facet's byte range match the UTF-8 encoding of the text."""
    locale, template, expected = SCRIPTS[script]
    text = template.format(me=account.handle)
    post = OutgoingPost(key=f"it/{script}/{uuid.uuid4().hex}", text=text, locale=locale)
    published = adapter.publish(account, post)

    assert _rkey(published.platform_post_id) == tid_for_key(post.key)
    resp = _get(pds, account.account_id, "app.bsky.feed.post", tid_for_key(post.key))
    assert resp.status_code == 200, resp.text
    got = resp.json()
    assert got["cid"] == published.extra["cid"]
    value = got["value"]
    assert value["text"] == text
    assert value["langs"] == [locale]
    raw = text.encode("utf-8")
    facets = value["facets"]
    assert len(facets) == len(expected)  # the unresolvable @nobody-x.test got none
    for facet, (kind, covered, feature_value) in zip(facets, expected, strict=True):
        covered = covered.format(me=account.handle)
        start = len(text[: text.index(covered)].encode("utf-8"))
        end = start + len(covered.encode("utf-8"))
        assert facet["index"] == {"byteStart": start, "byteEnd": end}
        assert raw[start:end].decode("utf-8") == covered
        (feature,) = facet["features"]
        if kind == "link":
            assert feature == {"$type": LINK, "uri": feature_value}
        elif kind == "tag":
            assert feature == {"$type": TAG, "tag": feature_value}
        else:
            assert feature == {"$type": MENTION, "did": account.account_id}


def test_docs_worked_example_offsets_on_the_server(pds, adapter, account):
    """The docs' example: mention at bytes 23-35 and link at 74-108, as stored by the PDS."""
    # @atproto.com cannot resolve offline: mention an account of this server whose handle
    # has the same length (11 characters), so every byte offset stays the same.
    label = "d" + uuid.uuid4().hex[:5]
    other = adapter.provision(
        AccountRef(platform="bluesky", handle=label, locale="en"),
        ProfileUpdate(display_name="Docs", bio="worked example"),
    ).account
    assert len(other.handle) == len("atproto.com")
    text = "✨ example mentioning @atproto.com to share the URL 👨‍❤️‍👨 https://en.wikipedia.org/wiki/CBOR."
    text = text.replace("atproto.com", other.handle)
    post = OutgoingPost(key=f"it/docs/{uuid.uuid4().hex}", text=text, locale="en")
    adapter.publish(account, post)
    got = _get(pds, account.account_id, "app.bsky.feed.post", tid_for_key(post.key))
    mention, link = got.json()["value"]["facets"]
    assert mention["index"] == {"byteStart": 23, "byteEnd": 35}
    assert mention["features"] == [{"$type": MENTION, "did": other.account_id}]
    assert link["index"] == {"byteStart": 74, "byteEnd": 108}
    assert link["features"] == [{"$type": LINK, "uri": "https://en.wikipedia.org/wiki/CBOR"}]


def test_same_post_key_twice_is_one_record(pds, adapter, account):
    """A retry (even minutes later, with a new createdAt) writes nothing new."""
    post = OutgoingPost(key=f"it/retry/{uuid.uuid4().hex}", text="Shelters updated.", locale="en")
    first = adapter.publish(account, post)
    clock = adapter.clock
    adapter.clock = lambda: datetime.now(UTC) + timedelta(minutes=7)
    try:
        second = adapter.publish(account, post)
    finally:
        adapter.clock = clock
    fresh = _adapter(pds, adapter.settings["password"])  # as after a restart
    third = fresh.publish(account, post)
    assert first.platform_post_id == second.platform_post_id == third.platform_post_id
    assert first.extra["cid"] == second.extra["cid"] == third.extra["cid"]
    same = [r for r in _list(pds, account.account_id) if r["uri"] == first.platform_post_id]
    assert len(same) == 1
    assert same[0]["value"]["createdAt"] == first.published_at.isoformat(
        timespec="milliseconds"
    ).replace("+00:00", "Z")
    found = adapter.find_published(account, post)
    assert found is not None and found.platform_post_id == first.platform_post_id


def test_thread_reply_refs(pds, adapter, account):
    """Part 2 and 3 of a thread point at the first part as root and the previous as parent."""
    tag = uuid.uuid4().hex
    p1 = adapter.publish(account, OutgoingPost(key=f"it/th/{tag}/1", text="1/3", locale="en"))
    p2 = adapter.publish(
        account,
        OutgoingPost(key=f"it/th/{tag}/2", text="2/3", locale="en", reply_to=p1.platform_post_id),
    )
    fresh = _adapter(pds, adapter.settings["password"])  # no cache: reads the parent back
    p3 = fresh.publish(
        account,
        OutgoingPost(key=f"it/th/{tag}/3", text="3/3", locale="en", reply_to=p2.platform_post_id),
    )
    for part, parent in ((p2, p1), (p3, p2)):
        reply = _get(pds, account.account_id, "app.bsky.feed.post", _rkey(part.platform_post_id))
        refs = reply.json()["value"]["reply"]
        assert refs["root"] == {"uri": p1.platform_post_id, "cid": p1.extra["cid"]}
        assert refs["parent"] == {"uri": parent.platform_post_id, "cid": parent.extra["cid"]}


def test_pin_sets_pinned_post_and_keeps_profile(pds, adapter, account):
    post = OutgoingPost(key=f"it/pin/{uuid.uuid4().hex}", text="📌 Read me first", locale="th")
    published = adapter.publish(account, post)
    adapter.pin(account, published)
    value = _get(pds, account.account_id, "app.bsky.actor.profile", "self").json()["value"]
    assert value["pinnedPost"] == {
        "uri": published.platform_post_id,
        "cid": published.extra["cid"],
    }
    assert value["displayName"] == "สถานทูต Exampleland 🇽🇽"  # merged, not replaced
    assert value["website"] == "https://example.org/th"


def test_delete_removes_the_record(pds, adapter, account):
    post = OutgoingPost(key=f"it/del/{uuid.uuid4().hex}", text="Wrong address", locale="en")
    published = adapter.publish(account, post)
    assert _get(pds, account.account_id, "app.bsky.feed.post", _rkey(published.platform_post_id)).ok
    adapter.retract(account, published.platform_post_id)
    gone = _get(pds, account.account_id, "app.bsky.feed.post", _rkey(published.platform_post_id))
    assert gone.status_code == 400 and gone.json()["error"] == "RecordNotFound"
    assert published.platform_post_id not in {r["uri"] for r in _list(pds, account.account_id)}
    assert adapter.find_published(account, post) is None
    adapter.retract(account, published.platform_post_id)  # deleting again is fine


def test_one_session_for_many_posts_and_refresh_of_a_bad_token(pds, pds_password_ref, account):
    """createSession once; a refused access token is refreshed, not logged in again."""
    adapter = _adapter(pds, pds_password_ref)
    calls: list[str] = []
    original = adapter.session.request

    def counting(method, url, **kw):
        calls.append(url.rsplit("/", 1)[-1].split("?")[0])
        return original(method, url, **kw)

    adapter.session.request = counting  # type: ignore[method-assign]
    for i in range(3):
        adapter.publish(
            account, OutgoingPost(key=f"it/sess/{uuid.uuid4().hex}/{i}", text=f"n{i}", locale="en")
        )
    assert calls.count("com.atproto.server.createSession") == 1
    session = adapter._sessions[account.account_id]
    session.access = "not-a-valid-token"  # as if expired
    adapter.publish(account, OutgoingPost(key=f"it/sess/{uuid.uuid4().hex}", text="x", locale="en"))
    assert calls.count("com.atproto.server.refreshSession") == 1
    assert calls.count("com.atproto.server.createSession") == 1


def test_too_long_text_is_rejected_with_the_server_message(adapter, account):
    post = OutgoingPost(key=f"it/long/{uuid.uuid4().hex}", text="ก" * 301, locale="th")
    with pytest.raises(ContentRejected) as info:
        adapter.publish(account, post)
    assert "300" in info.value.message


def test_wrong_password_is_auth_failed_without_the_secret(pds, account, monkeypatch):
    monkeypatch.setenv("LAUNCHER_TEST_BSKY_WRONG", "wrong-password-value")
    adapter = _adapter(pds, "env:LAUNCHER_TEST_BSKY_WRONG")
    # the account's own app password (launcher created it) would open it: without it, the
    # wrong password is what the PDS sees
    account = replace(account, credentials={})
    with pytest.raises(AuthFailed) as info:
        adapter.publish(account, OutgoingPost(key="it/wrong", text="x", locale="en"))
    assert "wrong-password-value" not in str(info.value)
    assert "wrong-password-value" not in repr(adapter)


# A 1x1 transparent PNG.
PNG = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c63000100000500010d0a2db40000000049454e44ae426082"
)


def test_avatar_is_uploaded_and_referenced(pds, adapter, account, tmp_path):
    avatar = tmp_path / "avatar.png"
    avatar.write_bytes(PNG)
    adapter.update_profile(
        account,
        ProfileUpdate(
            display_name="สถานทูต Exampleland 🇽🇽",
            bio="ข้อมูลฉุกเฉิน",
            links=(("Website", "https://example.org/th"),),
            avatar=avatar,
        ),
    )
    value = _get(pds, account.account_id, "app.bsky.actor.profile", "self").json()["value"]
    assert value["avatar"]["mimeType"] == "image/png"
    assert value["avatar"]["size"] == len(PNG)
    blob = requests.get(
        f"{pds.url}/xrpc/com.atproto.sync.getBlob",
        params={"did": account.account_id, "cid": value["avatar"]["ref"]["$link"]},
        timeout=10,
    )
    assert blob.status_code == 200 and blob.content == PNG


def test_reference_pds_repeat_semantics(pds, adapter, account):
    """Why the adapter writes with putRecord + swapRecord null, checked on the real server:
    an identical repeat is a no-op, a different one is InvalidSwap, and createRecord with a
    used record key is a 500 (which a retry loop would mistake for a transient failure)."""
    post = OutgoingPost(key=f"it/sem/{uuid.uuid4().hex}", text="semantics", locale="en")
    published = adapter.publish(account, post)
    session = adapter._sessions[account.account_id]
    stored = _get(pds, account.account_id, "app.bsky.feed.post", tid_for_key(post.key)).json()
    headers = {"Authorization": f"Bearer {session.access}"}
    body = {
        "repo": account.account_id,
        "collection": "app.bsky.feed.post",
        "rkey": tid_for_key(post.key),
        "record": stored["value"],
        "swapRecord": None,
    }
    put = f"{pds.url}/xrpc/com.atproto.repo.putRecord"
    same = requests.post(put, json=body, headers=headers, timeout=10)
    assert same.status_code == 200 and same.json()["cid"] == published.extra["cid"]
    assert "commit" not in same.json()  # nothing was written
    other = {**body, "record": {**stored["value"], "text": "changed"}}
    changed = requests.post(put, json=other, headers=headers, timeout=10)
    assert changed.status_code == 400 and changed.json()["error"] == "InvalidSwap"
    create = requests.post(
        f"{pds.url}/xrpc/com.atproto.repo.createRecord",
        json={k: v for k, v in other.items() if k != "swapRecord"},
        headers=headers,
        timeout=10,
    )
    assert not create.ok
    text = _get(pds, account.account_id, "app.bsky.feed.post", tid_for_key(post.key)).json()
    assert text["value"]["text"] == "semantics"
