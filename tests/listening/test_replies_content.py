"""A playbook's ``replies:``: every structural problem with file, line and field; a reply
that no platform could publish is found by ``launcher validate``, before any crisis."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import REPO, invoke


def _add(root: Path, text: str) -> None:
    path = root / "playbooks" / "quake.yaml"
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def test_bad_replies_are_reported_with_file_line_and_field(mini_root: Path) -> None:
    _add(
        mini_root,
        "replies:\n"
        "  - id: Hotline\n"
        "    template: replies/hotline.j2\n"
        "  - id: where\n"
        "    templat: replies/where.j2\n"
        "  - id: x\n"
        "    template: replies/x.j2\n"
        "    platforms: [telegram]\n",
    )
    r = invoke("validate", root=mini_root)
    assert r.exit_code == 2
    out = r.output
    assert "playbooks/quake.yaml:" in out and "reply id 'Hotline' must be lower-case" in out
    assert "unknown key 'templat', did you mean 'template'" in out
    assert "missing required key 'template'" in out
    assert "platform 'telegram' is not among the playbook's platforms" in out


def test_validate_renders_every_reply_in_every_locale_and_platform(mini_root: Path) -> None:
    (mini_root / "templates" / "replies").mkdir()
    (mini_root / "templates" / "replies" / "long.j2").write_text(
        "{{ 'x' * 290 }}\n", encoding="utf-8"
    )
    _add(mini_root, "replies:\n  - id: long\n    template: replies/long.j2\n")
    r = invoke("validate", root=mini_root)
    assert r.exit_code == 2
    assert "replies.long" in r.output and "reply is too long for x" in r.output


def test_the_shipped_playbooks_declare_their_replies() -> None:
    r = invoke("validate", root=REPO)
    assert r.exit_code == 0, r.output
    from launcher.content.playbook import load_playbook

    for playbook in ("earthquake", "coup", "platform-ban"):
        pb = load_playbook(REPO, playbook)
        assert {x.id for x in pb.replies} == {"hotline", "registration", "where-to-follow"}
        assert all(x.description for x in pb.replies)
        shown = invoke("show", playbook, root=REPO).stdout
        assert "REPLIES" in shown and "where-to-follow" in shown
