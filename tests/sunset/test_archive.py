"""Archives through the real CLI: written, read back, verified; a changed, added or deleted
file, or manifests rewritten to match, are named by --verify; retract archives what it
deletes first, refuses when it cannot, and --no-archive is recorded."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from launcher.archive.collect import listening
from tests.conftest import REPO, invoke

from .helpers import ledger, outbox, run_quake


def _archive(launch: str, out: Path) -> dict:
    result = invoke("archive", launch, "-o", str(out), "--json", root=REPO)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _verify(path: Path):
    return invoke("archive", "--verify", str(path), root=REPO)


def test_archive_round_trip_holds_every_post_profile_event_and_approval(tmp_path) -> None:
    launch = run_quake()
    doc = _archive(launch, tmp_path / "a")
    data = tmp_path / "a" / "data"
    assert sorted(p.name for p in data.iterdir()) == [
        "approvals.json", "audit.json", "index.html", "launch.json", "listening.json",
        "posts.json", "profiles.json",
    ]  # fmt: skip
    posts = json.loads((data / "posts.json").read_text(encoding="utf-8"))
    with ledger() as led:
        recorded = led.posts(launch)
        assert [p["id"] for p in posts] == [p.id for p in recorded]
        events = len(led.events(launch))
        assert led.archive_record(doc["archive"]).manifest_sha256 == doc["manifest_sha256"]
    sent = [p for p in posts if p["state"] == "sent"]
    assert len(sent) == doc["posts_sent"] == 30
    first = sent[0]
    assert first["url"].startswith("sandbox://") and first["sent_at"].endswith("Z")
    assert {"text", "locale", "platform", "account", "due_at"} <= set(first)
    profiles = json.loads((data / "profiles.json").read_text(encoding="utf-8"))
    assert len(profiles) == 15 and all(p["bio"] and p["links"] for p in profiles)
    audit = json.loads((data / "audit.json").read_text(encoding="utf-8"))
    assert len(audit) == events - 1  # the archive's own event is written after it
    assert json.loads((data / "launch.json").read_text())["facts"]["region"] == "Lazio"
    approvals = json.loads((data / "approvals.json").read_text(encoding="utf-8"))
    assert approvals["playbook"] == "earthquake" and "content_approvals" in approvals
    page = (data / "index.html").read_text(encoding="utf-8")
    assert "Archive of launch" in page and "Content-Security-Policy" in page
    assert first["text"].splitlines()[0][:40] in page
    lis = json.loads((data / "listening.json").read_text(encoding="utf-8"))
    assert lis["available"] is False and "no listening source" in lis["why"]
    # the manifest says it all, in BagIt's words
    manifest = (tmp_path / "a" / "manifest-sha256.txt").read_text(encoding="utf-8")
    posts_hash = hashlib.sha256((data / "posts.json").read_bytes()).hexdigest()
    assert f"{posts_hash}  data/posts.json" in manifest
    ok = _verify(tmp_path / "a")
    assert ok.exit_code == 0 and "OK, 7 file(s)" in ok.stdout and "ledger: matches" in ok.stdout


def test_verify_names_a_changed_an_added_and_a_missing_file(tmp_path) -> None:
    launch = run_quake()
    _archive(launch, tmp_path / "a")
    data = tmp_path / "a" / "data"
    posts = data / "posts.json"
    posts.write_text(posts.read_text(encoding="utf-8").replace("Lazio", "Lazi0", 1), "utf-8")
    (data / "note.txt").write_text("added later\n", encoding="utf-8")
    (data / "audit.json").unlink()
    bad = _verify(tmp_path / "a")
    assert bad.exit_code == 1
    assert "data/posts.json: changed" in bad.stderr
    assert "data/note.txt: not in the manifest" in bad.stderr
    assert "data/audit.json: missing" in bad.stderr


def test_verify_finds_manifests_rewritten_to_match_through_the_ledger(tmp_path) -> None:
    launch = run_quake()
    _archive(launch, tmp_path / "a")
    bag = tmp_path / "a"
    posts = bag / "data" / "posts.json"
    posts.write_text(posts.read_text(encoding="utf-8").replace("Lazio", "Lazi0", 1), "utf-8")
    import bagit

    b = bagit.Bag(str(bag))
    b.save(manifests=True)  # re-hash everything: the bag is consistent again
    assert b.is_valid()
    bad = _verify(bag)
    assert bad.exit_code == 1 and "not the one the ledger recorded" in bad.stderr
    # far from the ledger, the files alone say nothing is wrong: that is what the ledger is for
    alone = invoke("--config", str(_elsewhere(tmp_path)), "archive", "--verify", str(bag))
    assert alone.exit_code == 0 and "ledger: unknown" in alone.stdout


def test_verify_finds_an_archive_renamed_to_escape_the_ledger(tmp_path) -> None:
    """The tamperer also rewrote bag-info.txt's archive id (so the ledger "does not know" the
    archive) and re-hashed the bag: the ledger holds the launch's real archive, so an id it
    never recorded is reported; a deleted tag manifest is called missing, and bagit's own
    raw log lines stay out of the report."""
    launch = run_quake()
    real = _archive(launch, tmp_path / "a")["archive"]
    bag = tmp_path / "a"
    posts = bag / "data" / "posts.json"
    posts.write_text(posts.read_text(encoding="utf-8").replace("Lazio", "Lazi0", 1), "utf-8")
    info = bag / "bag-info.txt"
    info.write_text(info.read_text(encoding="utf-8").replace(real, real + "x"), "utf-8")
    import bagit

    bagit.Bag(str(bag)).save(manifests=True)
    bad = _verify(bag)
    assert bad.exit_code == 1, bad.output
    assert f"never {real}x" in bad.stderr and real in bad.stderr
    _archive(launch, tmp_path / "b")
    (tmp_path / "b" / "tagmanifest-sha256.txt").unlink()
    gone = _verify(tmp_path / "b")
    assert gone.exit_code == 1 and "tagmanifest-sha256.txt: missing" in gone.stderr
    assert "validation failed" not in gone.stderr


def _elsewhere(tmp_path: Path) -> Path:
    cfg = tmp_path / "other.yaml"
    cfg.write_text(f"database_url: sqlite:///{tmp_path / 'other.sqlite3'}\n", encoding="utf-8")
    return cfg


def test_verify_refuses_what_is_no_archive(tmp_path) -> None:
    (tmp_path / "x").mkdir()
    result = _verify(tmp_path / "x")
    assert result.exit_code == 2 and "is not a launcher archive" in result.output
    result = invoke("archive", root=REPO)
    assert result.exit_code == 2 and "give a LAUNCH" in result.output


def test_archive_never_overwrites_and_cleans_up(tmp_path) -> None:
    launch = run_quake()
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "keep.txt").write_text("x", encoding="utf-8")
    result = invoke("archive", launch, "-o", str(tmp_path / "a"), root=REPO)
    assert result.exit_code == 2 and "not an empty directory" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a"]  # no half archive left


def test_listening_sources_contribute_and_a_failing_one_is_recorded() -> None:
    def replies(_ledger, launch):
        return {"available": True, "replies": [{"post": 1, "text": "grazie"}]}

    def broken(_ledger, launch):
        raise RuntimeError("listening table locked")

    doc = listening(None, "L", {"replies": replies, "metrics": broken})  # type: ignore[arg-type]
    assert doc["sources"] == ["metrics", "replies"]
    assert doc["replies"]["replies"][0]["text"] == "grazie"
    assert doc["metrics"] == {"available": False, "why": "RuntimeError: listening table locked"}


# -- retract ----------------------------------------------------------------------------------
def test_retract_archives_what_it_deletes_first(tmp_path) -> None:
    launch = run_quake()
    result = invoke("retract", launch, "--platform", "x", "--yes", "--json", root=REPO)
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["archive"] and len(doc["retracted"]) == 6
    held = json.loads((Path(doc["archive"]) / "data" / "posts.json").read_text("utf-8"))
    kept = {p["id"]: p for p in held}
    assert all(kept[pid]["state"] == "sent" and kept[pid]["url"] for pid in doc["retracted"])
    # what an archive holds already is not archived again
    again = invoke("retract", launch, "--platform", "bluesky", "--yes", "--json", root=REPO)
    assert json.loads(again.stdout)["archive"] is None


def test_retract_refuses_when_the_archive_cannot_be_written(tmp_path) -> None:
    launch = run_quake()
    blocker = tmp_path / "file"
    blocker.write_text("a file, not a directory\n", encoding="utf-8")
    result = invoke("retract", launch, "--yes", "--archive-to", str(blocker / "archive"), root=REPO)
    assert result.exit_code == 1
    assert "nothing was deleted" in result.output and "--no-archive" in result.output
    assert not [r for r in outbox() if r["op"] == "retract"]
    with ledger() as led:
        assert sum(p.state == "sent" for p in led.posts(launch)) == 30
    # a person decides to delete anyway: recorded
    forced = invoke("retract", launch, "--yes", "--no-archive", "--as", "duty", root=REPO)
    assert forced.exit_code == 0, forced.output
    assert "WITHOUT an archive" in forced.stdout
    assert len([r for r in outbox() if r["op"] == "retract"]) == 30
    log = json.loads(invoke("log", launch, "--json", root=REPO).stdout)
    skipped = [e for e in log if e["action"] == "archive.skipped"]
    assert skipped and skipped[0]["actor"] == "duty" and skipped[0]["detail"]["posts"] == 30


@pytest.mark.parametrize("flags", [("--archive-to", "x", "--no-archive")])
def test_retract_options_that_exclude_each_other(flags) -> None:
    result = invoke("retract", "L", "--yes", *flags, root=REPO)
    assert result.exit_code == 2 and "exclude each other" in result.output
