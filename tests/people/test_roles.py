"""People, keys, roles and four eyes through the real CLI: every refusal exits 2 and says why.

The cast (tests/identities.py): d.officer runs launches; a.deputy runs and approves them;
e.chief may override; p.press writes and approves content. Each acts with their own key
(LAUNCHER_KEY); the content is not approved, so a launch waits for a second person.
"""

from __future__ import annotations

import base64
import json
import sqlite3
from pathlib import Path

from nacl.signing import SigningKey

from launcher.audit.chain import body_hash, link_hash
from tests.identities import HOUR_LATER, Cast, act, held_launch, published, run_args, write_key


def ledger_file() -> Path:
    import os

    return Path(os.environ["LAUNCHER_DATA_DIR"]) / "ledger.sqlite3"


def test_a_night_launch_is_approved_an_hour_later_by_a_second_person(cast: Cast) -> None:
    """03:00: the duty officer runs it (it waits); 04:00: the deputy approves it with their
    own key from home; posts go out; the audit trail holds both signatures."""
    launch = held_launch(cast, "d.officer")
    assert published() == []
    pending = json.loads(act(cast, None, "pending", "--json").stdout)
    assert pending[0]["launch"] == launch and pending[0]["ran_by"] == "d.officer"
    result = act(cast, "a.deputy", "approve", "launch", launch, "--now", HOUR_LATER)
    assert result.exit_code == 0, result.output
    assert "approved by a.deputy (ran by d.officer)" in result.stdout
    assert published()
    log = json.loads(act(cast, None, "log", launch, "--json").stdout)
    assert ("launch.created", "d.officer") in {(e["action"], e["actor"]) for e in log}
    assert ("launch.approved", "a.deputy") in {(e["action"], e["actor"]) for e in log}
    verified = act(cast, None, "log", "--verify", "--json")
    assert verified.exit_code == 0, verified.output
    report = json.loads(verified.stdout)
    everything = json.loads(act(cast, None, "log", "--json").stdout)
    by_people = [e for e in everything if e["actor"] in ("d.officer", "a.deputy")]
    assert report["ok"] and report["links"] == len(everything)
    assert report["signed"] == len(by_people) >= 2  # every event a person caused is signed
    unreachable = [e for e in everything if e["action"] == "notification.unreachable"]
    assert unreachable and "A. Deputy" in json.dumps(unreachable)  # no contact declared


def test_the_same_person_through_two_keys_cannot_approve_their_own_launch(cast: Cast) -> None:
    cast.set("d.officer", roles=["launcher", "launch-approver"])
    phone = cast.add_key("d.officer", "phone")
    launch = held_launch(cast, "d.officer")
    result = act(cast, None, "approve", "launch", launch, env={"LAUNCHER_KEY": f"file:{phone}"})
    assert result.exit_code == 2, result.output
    assert "D. Officer (d.officer) ran launch" in result.stderr and "four eyes" in result.stderr
    assert published() == []


def test_a_key_cannot_act_under_another_name(cast: Cast) -> None:
    launch = held_launch(cast, "d.officer")
    result = act(cast, "d.officer", "approve", "launch", launch, "--as", "A. Deputy")
    assert result.exit_code == 2
    assert "key of D. Officer (d.officer); --as cannot name someone else" in result.stderr
    # without a key, a declared person's name is not enough either
    result = act(cast, None, "approve", "launch", launch, "--as", "a.deputy")
    assert result.exit_code == 2 and "acting as them needs their key" in result.stderr
    assert published() == []


def test_one_key_under_two_names_in_people_yaml_is_refused(cast: Cast) -> None:
    key = cast.people["d.officer"]["keys"][0]["public_key"]
    cast.add("dee", name="Dee O.", roles=["launch-approver"])
    cast.people["dee"]["keys"] = [{"public_key": key}]
    cast.save()
    result = act(cast, "d.officer", *run_args())
    assert result.exit_code == 2
    assert "people.yaml:" in result.stderr and "is declared for both 'd.officer' and 'dee'" in (
        result.stderr
    )
    assert "would pass four eyes alone" in result.stderr
    validate = act(cast, None, "validate")
    assert validate.exit_code == 2 and "declared for both" in validate.output


def test_a_missing_role_is_refused_naming_it(cast: Cast) -> None:
    launch = held_launch(cast, "a.deputy")
    officer = act(cast, "d.officer", "approve", "launch", launch)
    assert officer.exit_code == 2
    assert "may not approve a launch: that needs the role launch-approver" in officer.stderr
    assert "(their roles: launcher)" in officer.stderr
    press = act(cast, "p.press", *run_args("--again"))
    assert press.exit_code == 2 and "needs the role launcher" in press.stderr
    override = act(cast, "d.officer", *run_args("--again", "--emergency", "--reason", "x"))
    assert override.exit_code == 2 and "role emergency" in override.stderr
    reject = act(cast, "p.press", "reject", launch, "--reason", "no")
    assert reject.exit_code == 2 and "needs the role launch-approver" in reject.stderr
    assert published() == []
    chief = act(cast, "e.chief", *run_args("--again", "--emergency", "--reason", "no deputy"))
    assert chief.exit_code == 0, chief.output
    assert json.loads(chief.stdout)["approval"]["emergency_override"] is True
    assert published()


def test_a_key_nobody_declared_is_refused(cast: Cast, tmp_path: Path) -> None:
    stranger = tmp_path / "stranger.key"
    write_key(stranger)
    result = act(cast, None, *run_args(), env={"LAUNCHER_KEY": f"file:{stranger}"})
    assert result.exit_code == 2
    assert "is not the key of anyone in people.yaml" in result.stderr
    garbage = tmp_path / "garbage.key"
    garbage.write_text("not a key\n")
    garbage.chmod(0o600)
    result = act(cast, None, *run_args(), env={"LAUNCHER_KEY": f"file:{garbage}"})
    assert result.exit_code == 2 and "does not hold a base64 Ed25519 key" in result.stderr
    assert "not a key" not in result.output  # the material is never echoed


def test_a_forged_signature_on_the_launch_is_refused(cast: Cast) -> None:
    """The deputy ran it, then rewrote the audit link of launch.created so that it looks
    signed by the chief, hoping to approve it as "the second person"."""
    launch = held_launch(cast, "a.deputy")
    chief_id = _key_id(cast, "e.chief")
    con = sqlite3.connect(ledger_file())
    seq, prev, digest = con.execute(
        "select c.seq, c.prev_hash, c.digest from event_chain c join events e on e.id ="
        " c.event_id where e.action = 'launch.created'"
    ).fetchone()
    forged = base64.b64encode(SigningKey.generate().sign(b"x").signature).decode()
    body = body_hash(prev, seq, digest)
    con.execute(
        "update event_chain set key_id = ?, signature = ?, hash = ? where seq = ?",
        (chief_id, forged, link_hash(body, chief_id, forged), seq),
    )
    con.commit()
    result = act(cast, "a.deputy", "approve", "launch", launch)
    assert result.exit_code == 2, result.output
    assert "does not verify: forged" in result.stderr and "four eyes cannot be" in result.stderr
    assert published() == []
    log = act(cast, None, "log", "--verify")
    assert log.exit_code == 1 and f"event #{_created_id(con)}" in log.stderr


def test_an_edited_runner_is_refused(cast: Cast) -> None:
    """The deputy ran it and edited the ledger to say the officer did."""
    launch = held_launch(cast, "a.deputy")
    con = sqlite3.connect(ledger_file())
    con.execute("update events set actor = 'd.officer' where action = 'launch.created'")
    con.execute("update launches set created_by = 'd.officer'")
    con.commit()
    result = act(cast, "a.deputy", "approve", "launch", launch)
    assert result.exit_code == 2
    assert "launch.created event was edited after it was recorded" in result.stderr
    assert published() == []


def test_a_revoked_key_is_refused(cast: Cast) -> None:
    launch = held_launch(cast, "d.officer")
    cast.revoke("a.deputy")
    result = act(cast, "a.deputy", "approve", "launch", launch)
    assert result.exit_code == 2
    assert "of A. Deputy (a.deputy) was revoked at 2020-01-01T00:00:00Z" in result.stderr
    assert published() == []
    halt = act(cast, "a.deputy", "halt", launch)
    assert halt.exit_code == 2 and "revoked" in halt.stderr


def test_a_launch_run_without_a_key_can_never_satisfy_four_eyes(cast: Cast) -> None:
    launch = held_launch(cast, None, "--as", "night desk")
    text = [a for a in run_args("--again", "--as", "night desk") if a != "--json"]
    run_text = act(cast, None, *text)
    assert "no second person can approve it" in run_text.output
    result = act(cast, "a.deputy", "approve", "launch", launch)
    assert result.exit_code == 2
    assert "run by night desk without a verified key" in result.stderr
    assert "four eyes cannot be established" in result.stderr
    unsigned = act(cast, None, "approve", "launch", launch, "--as", "someone")
    assert unsigned.exit_code == 2 and "only a verified person may" in unsigned.stderr
    assert published() == []
    rejected = act(cast, "a.deputy", "reject", launch, "--reason", "run it with your key")
    assert rejected.exit_code == 0, rejected.output


def test_require_signatures_refuses_names_but_never_a_halt(cast: Cast) -> None:
    cast.extra["require_signatures"] = True
    cast.save()
    result = act(cast, None, *run_args("--as", "night desk"))
    assert result.exit_code == 2 and "people.yaml requires signatures" in result.stderr
    launch = held_launch(cast, "d.officer")
    halt = act(cast, None, "halt", launch, "--as", "night desk")
    assert halt.exit_code == 0, halt.output
    resume = act(cast, None, "resume", launch, "--as", "night desk")
    assert resume.exit_code == 2 and "requires signatures" in resume.stderr


def test_a_key_without_people_yaml_is_a_clear_error(mini_root: Path, tmp_path: Path) -> None:
    key = tmp_path / "k.key"
    write_key(key)
    cast = Cast(mini_root, tmp_path / "keys", cast={})
    (mini_root / "people.yaml").unlink()
    result = act(cast, None, *run_args(), env={"LAUNCHER_KEY": f"file:{key}"})
    assert result.exit_code == 2 and "has no people.yaml to check the key against" in result.stderr


def test_content_is_approved_by_a_content_approver_and_a_revoked_key_stops_counting(
    cast: Cast,
) -> None:
    officer = act(cast, "d.officer", "approve", "content", "quake")
    assert officer.exit_code == 2 and "needs the role content-approver" in officer.stderr
    press = act(cast, "p.press", "approve", "content", "quake")
    assert press.exit_code == 0, press.output
    assert "by P. Press (p.press)" in press.stdout
    doc = json.loads(act(cast, "d.officer", *run_args()).stdout)
    assert doc["approval"]["approved"] is True and published()  # out at once
    cast.revoke("p.press")
    listing = json.loads(act(cast, None, "approvals", "--json").stdout)
    assert listing[0]["state"] == "revoked-key"
    again = json.loads(act(cast, "d.officer", *run_args("--again")).stdout)
    assert again["state"] == "awaiting-approval"


def test_whoami_and_the_people_listing(cast: Cast) -> None:
    me = json.loads(act(cast, "a.deputy", "people", "whoami", "--json").stdout)
    assert me["name"] == "a.deputy" and me["verified"] is True
    assert "approve-launch" in me["may"] and "emergency" not in me["may"]
    nobody = act(cast, None, "people", "whoami", "--as", "night desk")
    assert "not verified" in nobody.stdout
    listing = act(cast, None, "people")
    assert "a.deputy" in listing.stdout and "launch-approver" in listing.stdout
    cast.people["a.deputy"]["roles"].append("launch-aprover")
    cast.save()
    broken = act(cast, None, "people")
    assert broken.exit_code == 2
    assert "unknown role 'launch-aprover'" in broken.stderr and "did you mean" in broken.stderr


def test_keygen_prints_the_entry_and_never_overwrites(tmp_path: Path, cast: Cast) -> None:
    out = tmp_path / "new.key"
    result = act(cast, None, "people", "keygen", "--out", str(out), "--note", "laptop")
    assert result.exit_code == 0 and "public_key:" in result.stdout
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert out.read_text().strip() not in result.stdout
    again = act(cast, None, "people", "keygen", "--out", str(out))
    assert again.exit_code == 2 and "refusing to overwrite" in again.stderr


def _key_id(cast: Cast, pid: str) -> str:
    from launcher.people.registry import key_id_of

    return key_id_of(base64.b64decode(cast.people[pid]["keys"][0]["public_key"]))


def _created_id(con: sqlite3.Connection) -> int:
    return con.execute("select id from events where action = 'launch.created'").fetchone()[0]
