"""Approving content: round trip, staleness on any edit, tamper evidence, expiry."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from launcher.approvals import approve_content, decide, load_approvals, load_keys, status_of
from tests.conftest import invoke


def approvals_json(root: Path) -> list[dict]:
    result = invoke("approvals", "--json", root=root)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_round_trip_approves_every_locale(signed_root: Path) -> None:
    result = invoke("approve", "content", "quake", "--as", "alice", root=signed_root)
    assert result.exit_code == 0, result.output
    [entry] = approvals_json(signed_root)
    assert entry["state"] == "valid" and entry["approved_by"] == "alice"
    assert entry["valid_locales"] == ["ar", "en", "fr", "it"]
    assert decide(signed_root, "quake", ["it", "en", "fr"]).approved


def test_approval_file_is_reviewable_yaml(signed_root: Path) -> None:
    invoke("approve", "content", "quake", "--as", "alice", "--locale", "it", root=signed_root)
    text = (signed_root / "approvals.yaml").read_text(encoding="utf-8")
    assert "playbook: quake" in text and "approved_by: alice" in text
    assert "templates/" not in text and "messages/quake/update.j2:" in text


@pytest.mark.parametrize(
    ("rel", "old", "new", "change"),
    [
        (
            "templates/messages/quake/update.j2",
            "Update",
            "Updatе",
            "template messages/quake/update.j2",
        ),
        (
            "locales/it/LC_MESSAGES/messages.po",
            'msgstr "Registrazione"',
            'msgstr "Registrazionе"',
            "translations for 'it'",
        ),
        ("playbooks/quake.yaml", "max: 10", "max: 12", "parameters or their bounds"),
        ("playbooks/quake.yaml", "version: 1", "version: 2", "playbook version 1 -> 2"),
        ("playbooks/quake.yaml", "at: 3h", "at: 4h", "playbooks/quake.yaml changed"),
    ],
)
def test_a_one_character_edit_makes_the_approval_stale(
    signed_root: Path, rel: str, old: str, new: str, change: str
) -> None:
    invoke("approve", "content", "quake", "--as", "alice", root=signed_root)
    path = signed_root / rel
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    [entry] = approvals_json(signed_root)
    assert entry["state"] == "stale"
    assert any(change in c for c in entry["changes"]), entry["changes"]
    decision = decide(signed_root, "quake", ["it", "en", "fr"])
    assert not decision.approved
    assert any(change in r for r in decision.reasons)


def test_a_translation_edit_only_affects_its_locale(signed_root: Path) -> None:
    invoke("approve", "content", "quake", "--as", "alice", root=signed_root)
    po = signed_root / "locales/fr/LC_MESSAGES/messages.po"
    po.write_text(
        po.read_text(encoding="utf-8").replace("Inscription", "Enregistrement"), encoding="utf-8"
    )
    assert decide(signed_root, "quake", ["it", "en"]).approved
    decision = decide(signed_root, "quake", ["it", "en", "fr"])
    assert decision.reasons == ["locale fr: translations for 'fr' changed"]


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("approved_by: alice", "approved_by: mallory"),
        ("version: 1", "version: 2"),
        ("playbook: quake", "playbook: other"),
    ],
)
def test_an_edited_or_copied_entry_is_detected(signed_root: Path, old: str, new: str) -> None:
    invoke("approve", "content", "quake", "--as", "alice", root=signed_root)
    path = signed_root / "approvals.yaml"
    path.write_text(path.read_text(encoding="utf-8").replace(old, new, 1), encoding="utf-8")
    [entry] = approvals_json(signed_root)
    assert entry["state"] == "tampered"
    result = invoke("approvals", root=signed_root)
    assert "TAMPERED" in result.stdout and "signature does not match" in result.stdout
    assert not decide(signed_root, "quake", ["it"]).approved


def test_an_entry_signed_by_an_unlisted_key_approves_nothing(signed_root: Path) -> None:
    invoke("approve", "content", "quake", "--as", "alice", root=signed_root)
    (signed_root / "approval-keys.yaml").write_text("keys: []\n", encoding="utf-8")
    [entry] = approvals_json(signed_root)
    assert entry["state"] == "unknown-key"


def test_signing_requires_a_published_key(signed_root: Path) -> None:
    (signed_root / "approval-keys.yaml").write_text("keys: []\n", encoding="utf-8")
    result = invoke("approve", "content", "quake", "--as", "alice", root=signed_root)
    assert result.exit_code == 2
    assert "not listed in approval-keys.yaml" in result.stderr


def test_expired_approvals_lapse(signed_root: Path) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    approve_content(
        signed_root,
        "quake",
        locales=["it", "en", "fr"],
        approver="alice",
        expires_in=timedelta(days=30),
        now=now,
    )
    keys = load_keys(signed_root)
    [approval] = load_approvals(signed_root)
    assert status_of(signed_root, approval, keys, now + timedelta(days=29)).state == "valid"
    assert status_of(signed_root, approval, keys, now + timedelta(days=31)).state == "expired"
    assert not decide(signed_root, "quake", ["it"], now + timedelta(days=31)).approved


def test_private_key_never_leaves_its_file(signed_root: Path, tmp_path: Path) -> None:
    key_text = next((tmp_path / "keys").glob("*.key")).read_text().strip()
    result = invoke("approve", "content", "quake", "--as", "alice", root=signed_root)
    assert key_text not in result.output
    assert key_text not in (signed_root / "approvals.yaml").read_text()
    assert oct((next((tmp_path / "keys").glob("*.key"))).stat().st_mode & 0o777) == "0o600"


def test_validate_flags_a_tampered_approvals_file(signed_root: Path) -> None:
    invoke("approve", "content", "quake", "--as", "alice", root=signed_root)
    assert invoke("validate", root=signed_root).exit_code == 0
    path = signed_root / "approvals.yaml"
    path.write_text(path.read_text().replace("alice", "mallory"), encoding="utf-8")
    result = invoke("validate", root=signed_root)
    assert result.exit_code == 2
    assert "approvals.yaml:" in result.stderr and "does not verify (tampered)" in result.stderr
