"""The content one plan reads: the content root and its missions registry, loaded once and
shared by the plans of one command (a launch for fifty missions reads missions.yaml once)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ..content.missions import Registry, load_registry_or_raise
from ..paths import content_root


@dataclass(frozen=True)
class Content:
    """Content loaded once per plan: the root, the missions registry."""

    root: Path
    registry: Registry


def load_content(root: str | Path | None = None) -> Content:
    path = content_root(root)
    return Content(path, load_registry_or_raise(path))
