from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from tests.conftest import invoke


@pytest.fixture
def signed_root(mini_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The small content root with an approval key published and in the environment."""
    key = tmp_path / "keys" / "approval.key"
    result = invoke("approve", "keygen", "--out", str(key), "--owner", "Press office")
    assert result.exit_code == 0, result.output
    entry = yaml.safe_load(result.stdout.split("repository:\n", 1)[1])
    (mini_root / "approval-keys.yaml").write_text(yaml.safe_dump(entry), encoding="utf-8")
    (mini_root / "approvals.yaml").unlink(missing_ok=True)  # start without approvals
    monkeypatch.setenv("LAUNCHER_APPROVAL_KEY", f"file:{key}")
    return mini_root
