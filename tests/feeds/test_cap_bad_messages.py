"""One bad or missing CAP message costs only itself: named by its own URL with what is wrong
(not blamed on the feed), skipped, fetched again at the feed's next poll (never in a tight
loop), while the feed's other messages are proposed at once and exactly once and the feed's
backoff stays where it is. A message placing its alert off the globe is refused, by its URL.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from launcher.errors import FeedError
from launcher.feeds import store
from launcher.feeds.capfeed import read_alert
from tests.conftest import REPO, invoke

from .fixtures import T0, cap_alert
from .server import FeedServer
from .test_cap import BASE, FEED, serve
from .test_sequence_usgs import ledger_of


def watch(cfg: Path, minutes: int):
    at = (T0 + timedelta(minutes=minutes)).isoformat().replace("+00:00", "Z")
    return invoke("--config", str(cfg), "watch", "--once", "--now", at, root=REPO)


def refs() -> list[str]:
    """Every proposal made so far, decided or not."""
    with ledger_of() as ledger:
        return [p.ref for p in store.list_proposals(ledger, states=None)]


def test_a_bad_or_missing_cap_message_costs_only_itself(
    feeds: FeedServer, feed_config: Path
) -> None:
    """An Atom feed listing a good alert, one holding only an identifier, one that answers
    404, and another good alert; then the broken one fixed, then the missing one dropped. Each
    bad message is named by its own URL, the good ones are proposed at once and exactly once,
    the feed never fails, and a bad message is tried again once a pass, no more."""
    a1 = cap_alert("IT-1", sent="2026-05-22T10:35:00+02:00", magnitude="6.2", area="Umbria")
    broken = b"""<?xml version="1.0"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
<identifier>IT-2</identifier></alert>"""
    a3 = cap_alert("IT-3", sent="2026-05-22T10:37:00+02:00", magnitude="5.8", area="Marche")
    names = ["a1.xml", "bad.xml", "gone.xml", "a3.xml"]
    serve(feeds, names, {"a1.xml": a1, "bad.xml": broken, "a3.xml": a3})

    first = watch(feed_config, 10)  # 08:40
    assert first.exit_code == 1, first.output
    out = first.stdout
    assert "failed cap" not in out and "0 failed" in out
    assert "proposal p1: earthquake for rome (Terremoto in Umbria)" in out
    assert "proposal p2: earthquake for rome (Terremoto in Marche)" in out
    assert (
        f"skipped {BASE}/bad.xml: a CAP alert needs identifier, sender, sent and msgType "
        "(missing: sender, sent, msgType) (an entry of https://cap-alerts.s3.amazonaws.com/"
        "unfiltered/rss.xml)"
    ) in out
    assert f"skipped {BASE}/gone.xml: HTTP 404 Not Found" in out
    key = "cap https://cap-alerts.s3.amazonaws.com/unfiltered/rss.xml"
    with ledger_of() as ledger:
        state = store.state_of(ledger, key)
    assert state["failures"] == 0 and state["error"] is None
    assert state["next_at"] - (T0 + timedelta(minutes=10)).timestamp() == 60  # its interval

    # not due yet: nothing is fetched again (no tight loop over the bad entries)
    early = watch(feed_config, 10)
    assert early.exit_code == 0 and "skipped" not in early.stdout, early.output
    assert len(feeds.hits("/cap/it/bad.xml")) == 1 and len(feeds.hits(FEED)) == 1

    # the sender fixes bad.xml in place; the feed itself is unchanged, and read again in full
    fixed = cap_alert("IT-2", sent="2026-05-22T10:36:00+02:00", magnitude="6.6", area="Lazio")
    serve(feeds, names, {"a1.xml": a1, "bad.xml": fixed, "a3.xml": a3})
    second = watch(feed_config, 11)
    assert second.exit_code == 1, second.output  # gone.xml still answers 404
    assert "If-None-Match" not in feeds.hits(FEED)[-1]
    assert "proposal p3: earthquake for rome (Terremoto in Lazio)" in second.stdout
    assert "bad.xml" not in second.stdout and f"{BASE}/gone.xml: HTTP 404" in second.stdout
    assert refs() == ["p1", "p2", "p3"]

    # the missing message leaves the feed: nothing is skipped, nothing proposed twice
    serve(feeds, ["a1.xml", "bad.xml", "a3.xml"], {"a1.xml": a1, "bad.xml": fixed, "a3.xml": a3})
    third = watch(feed_config, 12)
    assert third.exit_code == 0, third.output
    assert "skipped" not in third.stdout and "proposal" not in third.stdout
    assert refs() == ["p1", "p2", "p3"]
    # each good message read once, the bad one once a pass until it was good
    assert [len(feeds.hits(f"/cap/it/{n}")) for n in names] == [1, 2, 2, 1]
    with ledger_of() as ledger:
        assert store.state_of(ledger, key)["etag"]  # read whole: conditional again


@pytest.mark.parametrize(
    ("old", "new", "words"),
    [
        (b"42.5,12.5 42.5,13.5", b"999,999 42.5,13.5", "<polygon>: '999,999' is not a latitude"),
        (b"42.5,12.5 42.5,13.5", b"42.5,200 42.5,13.5", "'42.5,200' is not a latitude"),
        (b"<polygon>", b"<circle>42.7,12.8 -5</circle><polygon>", "has a negative radius"),
        (b'encoding="UTF-8"', b'encoding="no-such-codec"', "not XML"),
        (  # UTC cannot hold it: writing the fact in UTC raised an OverflowError
            b"<sent>2026-05-22T10:35:00+02:00",
            b"<sent>0001-01-01T00:00:00+14:00",
            "'0001-01-01T00:00:00+14:00' is not a CAP date-time",
        ),
    ],
)
def test_a_cap_message_off_the_globe_is_refused_by_its_url(
    old: bytes, new: bytes, words: str
) -> None:
    """Places not on Earth, an unknown encoding, a time before year 1 in UTC: a FeedError
    naming the message (a ValueError, LookupError or OverflowError used to escape)."""
    body = cap_alert("IT-9", sent="2026-05-22T10:35:00+02:00")
    assert old in body
    with pytest.raises(FeedError) as caught:
        read_alert(body.replace(old, new), f"{BASE}/x.xml", {"statuses": ("Actual",)})
    assert str(caught.value).startswith(f"{BASE}/x.xml: ") and words in str(caught.value)


def test_a_cap_circle_of_radius_nan_concerns_no_one() -> None:
    """``nan`` parses as a float and compares false with every distance: such a circle used to
    be 'inside' every mission's area. It is dropped (no number), the polygon stays."""
    body = cap_alert("IT-9", sent="2026-05-22T10:35:00+02:00")
    body = body.replace(b"<polygon>", b"<circle>0,0 nan</circle><polygon>")
    ev = read_alert(body, f"{BASE}/x.xml", {"statuses": ("Actual",)})
    assert ev is not None and [(r.center, len(r.points)) for r in ev.regions] == [(None, 5)]
