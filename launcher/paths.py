"""Where content and data live.

Content (playbooks, templates, locales, missions.yaml) is found through one root so an
organisation can keep its own content repository: ``--root`` / ``LAUNCHER_ROOT``, else the
current directory when it has a ``playbooks/`` folder, else the launcher checkout this code
runs from (a development install). An installed launcher has no content of its own: with none
of these, and for a root that does not exist or holds no content, :func:`content_root` is an
error saying how to make one (``launcher init``) or select one. The sample content ships inside
the package (:func:`sample_root`) for ``launcher init`` to copy.

Data (ledger, sandbox outbox) lives under ``LAUNCHER_DATA_DIR``, default
``~/.local/share/launcher`` (``$XDG_DATA_HOME/launcher`` when that is set).
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
PACKAGE_CHECKOUT = PACKAGE_DIR.parent
#: the sample content inside an installed package (written there by the build, setup.py)
PACKAGED_SAMPLE = PACKAGE_DIR / "sample"
ROOT_ENV = "LAUNCHER_ROOT"
#: what makes a directory a content root
MARKERS = ("missions.yaml", "playbooks")

MAKE_OR_SELECT = (
    "make one with `launcher init DIR` (a new content repository from the sample), or select"
    f" one with --root DIR or {ROOT_ENV}=DIR"
)


def is_content_root(path: Path) -> bool:
    return (path / "missions.yaml").is_file() or (path / "playbooks").is_dir()


def _checkout() -> Path | None:
    """The launcher checkout this code runs from, if it is one (an editable install)."""
    root = PACKAGE_CHECKOUT
    if (root / "pyproject.toml").is_file() and is_content_root(root):
        return root
    return None


def content_root(explicit: str | os.PathLike[str] | None = None) -> Path:
    """The content root, or a ConfigError saying how to make or select one."""
    from .errors import ConfigError

    if explicit:
        given, how = Path(explicit), "--root"
    elif os.environ.get(ROOT_ENV):
        given, how = Path(os.environ[ROOT_ENV]), ROOT_ENV
    else:
        cwd = Path.cwd()
        if (cwd / "playbooks").is_dir():
            return cwd
        checkout = _checkout()
        if checkout is not None:
            return checkout
        raise ConfigError(
            f"no content root: {cwd} has no playbooks/ folder and none was selected",
            hint=MAKE_OR_SELECT,
        )
    path = given.expanduser().resolve()
    if not path.is_dir():
        raise ConfigError(
            f"the content root {path} ({how}) does not exist"
            if not path.exists()
            else f"the content root {path} ({how}) is not a directory",
            hint=MAKE_OR_SELECT,
        )
    if not is_content_root(path):
        raise ConfigError(
            f"{path} ({how}) is not a content root: it has no missions.yaml and no playbooks/",
            hint=MAKE_OR_SELECT,
        )
    return path


def content_root_or_none(explicit: str | os.PathLike[str] | None = None) -> Path | None:
    """The content root when there is one; None where content is optional (the settings file
    ``launcher.yaml`` of ``status``, ``daemon``, ``adapters``)."""
    from .errors import ConfigError

    try:
        return content_root(explicit)
    except ConfigError:
        return None


def sample_root() -> Path:
    """The shipped sample content: inside the installed package, else this checkout."""
    if (PACKAGED_SAMPLE / "missions.yaml").is_file():
        return PACKAGED_SAMPLE
    checkout = _checkout()
    if checkout is not None:
        return checkout
    from .errors import ConfigError

    raise ConfigError(
        f"this launcher installation has no sample content ({PACKAGED_SAMPLE} is missing)",
        hint="reinstall launcher from its wheel or source (pip install launcher)",
    )


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
