from __future__ import annotations

from pathlib import Path

import pytest

from tests.identities import Cast


@pytest.fixture
def cast(mini_root: Path, tmp_path: Path) -> Cast:
    """The small content root with people declared and its content *not* approved: a launch
    waits for a second person."""
    (mini_root / "approvals.yaml").unlink(missing_ok=True)
    return Cast(mini_root, tmp_path / "keys")
