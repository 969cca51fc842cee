"""Roles on the actions of feeds, listening, sunsets and launch groups, through the real CLI:
each refused with exit 2 and a message naming the role it needs; four eyes between verified
people on a launch accepted from a feed.

The cast (tests/identities.py): d.officer runs launches; a.deputy runs and approves them;
e.chief may override; p.press writes and approves content (no operational role). The content
of the small root is not approved, so a launch waits for a second person.
"""

from __future__ import annotations

import json
import os

import pytest

from launcher.feeds import store
from launcher.feeds.base import SourceEvent
from launcher.ledger import Ledger
from tests.identities import AT, HOUR_LATER, Cast, act, held_launch, published


def _ledger() -> Ledger:
    return Ledger(f"sqlite:///{os.environ['LAUNCHER_DATA_DIR']}/ledger.sqlite3")


def propose(kind: str = "launch", launch_id: str | None = None) -> str:
    """A proposal as a watcher records it (its source event first), for the small root's
    quake playbook in Rome; returns its reference."""
    ev = SourceEvent(
        aliases=(f"test-{kind}",), revision="1", revision_at=1.0, title="M 5.0 near Perugia",
        fields={"mag": 5.0},
    )  # fmt: skip
    with _ledger() as ledger:
        event_id, _ = store.record_event(ledger, "usgs", ev, now=1.0, actor="watch:test")
        p = store.add_proposal(
            ledger, now=1.0, actor="watch:test", kind=kind, playbook="quake", mission="rome",
            trigger="test", event_id=event_id, revision="1",
            facts={"region": "Umbria", "magnitude": "5"}, reasons=["properties.mag 5 >= 5"],
            launch_id=launch_id,
        )  # fmt: skip
    return p.ref


def refused(result, *needles: str) -> None:
    assert result.exit_code == 2, result.output
    for needle in needles:
        assert needle in result.stderr, result.stderr


def test_a_launch_accepted_from_a_feed_needs_a_launcher_and_four_eyes(cast: Cast) -> None:
    """p.press may not accept it; d.officer accepts (it waits: content not approved); they
    cannot approve it themselves; a.deputy can, and the posts go out."""
    ref = propose()
    refused(
        act(cast, "p.press", "accept", ref, "--yes", "--now", AT),
        "P. Press (p.press) may not run a launch: that needs the role launcher",
    )
    refused(act(cast, "p.press", "dismiss", ref, "--reason", "no"), "may not dismiss a feed's")
    accepted = act(cast, "d.officer", "accept", ref, "--yes", "--now", AT, "--json")
    assert accepted.exit_code == 0, accepted.output
    doc = json.loads(accepted.stdout)
    assert doc["action"] == "awaiting-approval" and published() == []
    cast.set("d.officer", roles=["launcher", "launch-approver"])
    refused(
        act(cast, "d.officer", "approve", "launch", doc["launch"], "--now", HOUR_LATER),
        "D. Officer (d.officer) ran launch", "four eyes",
    )  # fmt: skip
    approved = act(cast, "a.deputy", "approve", "launch", doc["launch"], "--now", HOUR_LATER)
    assert approved.exit_code == 0, approved.output
    assert published()
    log = json.loads(act(cast, None, "log", doc["launch"], "--json").stdout)
    assert ("launch.created", "d.officer") in {(e["action"], e["actor"]) for e in log}


def test_emergency_on_a_proposal_needs_the_emergency_role(cast: Cast) -> None:
    ref = propose()
    refused(
        act(cast, "d.officer", "accept", ref, "--yes", "--emergency", "--reason", "now", "--now",
            AT),
        "may not send without approval (emergency override): that needs the role emergency",
    )  # fmt: skip
    assert published() == []
    with _ledger() as ledger:
        assert store.proposal(ledger, ref).state == "open"  # nothing was decided


def test_a_halt_proposal_is_a_halt_and_with_retract_a_retraction(cast: Cast) -> None:
    launch = held_launch(cast, "d.officer")
    ref = propose("halt", launch)
    refused(act(cast, "p.press", "accept", ref, "--yes"), "may not halt a launch")
    cast.set("a.deputy", roles=["launch-approver"])  # may halt, may not retract
    refused(
        act(cast, "a.deputy", "accept", ref, "--yes", "--retract"),
        "may not retract a launch's posts: that needs the role launcher or emergency",
    )
    done = act(cast, "a.deputy", "accept", ref, "--yes", "--json")
    assert done.exit_code == 0, done.output
    assert json.loads(done.stdout)["action"] == "halted"


def test_a_dismissal_is_signed_by_who_dismissed(cast: Cast) -> None:
    ref = propose()
    done = act(cast, "a.deputy", "dismiss", ref, "--reason", "a duplicate of an earlier report")
    assert done.exit_code == 0, done.output
    verified = json.loads(act(cast, None, "log", "--verify", "--json").stdout)
    log = json.loads(act(cast, None, "log", "--json").stdout)
    [event] = [e for e in log if e["action"] == "proposal.dismissed"]
    assert event["actor"] == "a.deputy" and verified["ok"] and verified["signed"] >= 1


@pytest.mark.parametrize(
    ("args", "what"),
    [
        (("answer", "1", "--text", "Chiami il consolato"), "may not answer an inbox item"),
        (("approve", "answer", "1"), "may not approve an answer"),
        (("reject-answer", "1", "--reason", "no"), "may not reject an answer"),
        (("dismiss", "1", "--reason", "spam"), "may not dismiss an inbox item"),
        (("sunset", "x", "--on", "2026-07-01", "--yes"), "may not wind a launch down (sunset)"),
        (("halt", "--group", "g-1"), "may not halt a launch"),
        (("run", "quake", "--mission", "rome", "--mission", "beirut", "--set", "region=Umbria",
          "--set", "magnitude=5", "--at", AT, "--now", AT, "--yes"), "may not run a launch"),
    ],
)  # fmt: skip
def test_each_new_action_needs_its_role(cast: Cast, args: tuple[str, ...], what: str) -> None:
    """p.press (author, content-approver) takes none of them: refused before anything is read
    or recorded, naming the role."""
    result = act(cast, "p.press", *args)
    refused(result, f"P. Press (p.press) {what}: that needs the role")
    assert published() == []


def test_a_name_without_a_key_cannot_approve_an_answer(cast: Cast) -> None:
    refused(
        act(cast, None, "approve", "answer", "1", "--as", "someone"),
        "cannot approve an answer without a key",
    )


def test_a_run_for_several_missions_is_signed_and_its_override_needs_the_role(cast: Cast) -> None:
    many = ("run", "quake", "--mission", "rome", "--mission", "beirut", "--set", "region=Umbria",
            "--set", "magnitude=5", "--at", AT, "--now", AT, "--yes", "--json")  # fmt: skip
    refused(
        act(cast, "d.officer", *many, "--emergency", "--reason", "aftershock"),
        "may not send without approval (emergency override)",
    )
    assert published() == []
    group = act(cast, "d.officer", *many)
    assert group.exit_code == 0, group.output
    launches = [x["launch"] for x in json.loads(group.stdout)["launches"]]
    assert len(launches) == 2
    for launch in launches:  # each waits, and the deputy can release it (four eyes holds)
        ok = act(cast, "a.deputy", "approve", "launch", launch, "--now", HOUR_LATER)
        assert ok.exit_code == 0, ok.output
    over = act(cast, "e.chief", *many, "--again", "--emergency", "--reason", "aftershock")
    assert over.exit_code == 0, over.output
    assert {x["state"] for x in json.loads(over.stdout)["launches"]} == {"active"}
    halted = act(cast, "a.deputy", "halt", "--group", json.loads(over.stdout)["group"])
    assert halted.exit_code == 0, halted.output
    verified = json.loads(act(cast, None, "log", "--verify", "--json").stdout)
    assert verified["ok"]
