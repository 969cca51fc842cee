"""Credentials are references: env:NAME or an owner-only file:, never values."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from launcher import credentials
from launcher.errors import ConfigError


def test_env_reference(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("T_TOKEN", "tok-S3CR3T-1")
    secret = credentials.resolve("env:T_TOKEN")
    assert secret.reveal() == "tok-S3CR3T-1"
    assert "S3CR3T" not in repr(secret) and "S3CR3T" not in str(secret)
    assert "env:T_TOKEN" in repr(secret)


def test_file_reference_must_be_owner_only(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("file-tok-S3CR3T\n")
    path.chmod(0o600)
    assert credentials.resolve(f"file:{path}").reveal() == "file-tok-S3CR3T"
    path.chmod(0o640)
    with pytest.raises(ConfigError, match="readable by others") as info:
        credentials.resolve(f"file:{path}")
    assert "S3CR3T" not in str(info.value)


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("hunter2-S3CR3T", "must be a reference"),
        ("env:NOT_SET_ANYWHERE", "is not set"),
        ("env:bad name", "not a valid environment variable"),
        ("file:/no/such/file", "does not exist"),
        (None, "must be a reference"),
    ],
)
def test_bad_references(ref, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        credentials.resolve(ref)
    assert "hunter2" not in str(info.value)


def test_redact_and_log_filter(monkeypatch: pytest.MonkeyPatch, caplog) -> None:
    monkeypatch.setenv("T_TOKEN2", "tok-S3CR3T-2")
    value = credentials.resolve("env:T_TOKEN2").reveal()
    assert credentials.redact(f"url /bot{value}/send") == "url /bot[redacted]/send"
    logger = logging.getLogger("launcher.test_redact")
    credentials.install_log_filter(logger)
    with caplog.at_level(logging.INFO, logger="launcher.test_redact"):
        logger.info("calling %s", f"/bot{value}/sendMessage")
    assert "S3CR3T" not in caplog.text and "/bot[redacted]/sendMessage" in caplog.text
