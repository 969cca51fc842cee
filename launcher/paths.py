"""Where content and data live.

Content (playbooks, templates, locales, missions.yaml) is found through one root so an
organisation can keep its own content repository: ``--root`` / ``LAUNCHER_ROOT``, else the
current directory when it has a ``playbooks/`` folder, else this checkout.
Data (ledger, sandbox outbox) lives under ``LAUNCHER_DATA_DIR``, default
``~/.local/share/launcher`` (``$XDG_DATA_HOME/launcher`` when that is set).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_CHECKOUT = Path(__file__).resolve().parent.parent


def content_root(explicit: str | os.PathLike[str] | None = None) -> Path:
    if explicit:
        return Path(explicit).resolve()
    env = os.environ.get("LAUNCHER_ROOT")
    if env:
        return Path(env).resolve()
    cwd = Path.cwd()
    if (cwd / "playbooks").is_dir():
        return cwd
    return PACKAGE_CHECKOUT


def data_dir(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The data directory, created on first use (mode 0700: it holds the ledger)."""
    if explicit:
        path = Path(explicit)
    elif os.environ.get("LAUNCHER_DATA_DIR"):
        path = Path(os.environ["LAUNCHER_DATA_DIR"])
    else:
        base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
        path = Path(base) / "launcher"
    try:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError as exc:
        from .errors import ConfigError

        raise ConfigError(
            f"cannot use the data directory {path}: {exc.strerror}",
            hint="set LAUNCHER_DATA_DIR to a directory you can write to",
        ) from None
    return path
