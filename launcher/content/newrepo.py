"""``launcher init DIR``: a new content repository, made from the shipped sample.

The start of an organisation's own content (the first stage of the flow): the missions, one
playbook with the templates it renders, catalogs holding exactly the strings those templates
use (extracted again, so nothing is obsolete on day one), babel.cfg, guardrails.yaml, a
sandbox-only launcher.yaml, an empty approval-keys.yaml, a README for the content team and a
CI workflow that runs ``launcher validate``. The sample comes from the installed package
(:func:`launcher.paths.sample_root`), so ``pip install launcher && launcher init my-content``
is a start. Approvals are not copied: the new repository trusts only keys its owners add.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from .. import __version__
from ..errors import InputError
from ..paths import sample_root
from .playbook import load_playbook, playbook_ids
from .render import _parents

#: files copied as they are from the sample
SAMPLE_FILES = ("missions.yaml", "guardrails.yaml", "babel.cfg", "places.yaml")
#: starter file (in the package) -> where it goes in the new repository
STARTER_FILES = {
    "README.md": "README.md",
    "launcher.yaml": "launcher.yaml",
    "approval-keys.yaml": "approval-keys.yaml",
    "gitignore": ".gitignore",
    "github-validate.yml": ".github/workflows/validate.yml",
}
DEFAULT_PLAYBOOK = "earthquake"


@dataclass(frozen=True)
class InitResult:
    root: Path
    playbook: str
    files: list[str]
    strings: int
    locales: list[str]


def init_repository(target: Path, playbook: str = DEFAULT_PLAYBOOK) -> InitResult:
    """Write a new content repository at ``target`` (absent or an empty directory)."""
    from .translations.catalogs import prune_to_template
    from .translations.common import locales_of
    from .translations.extraction import extract_to_template

    target = target.expanduser()
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise InputError(
            f"{target} exists and is not an empty directory",
            field="DIR",
            hint="give a new directory name: launcher init will create it",
        )
    source = sample_root()
    known = playbook_ids(source)
    if playbook not in known:
        raise InputError(
            f"the sample has no playbook '{playbook}'",
            field="--playbook",
            hint=f"sample playbooks: {', '.join(known)}",
        )
    pb = load_playbook(source, playbook)
    written: list[str] = []
    target.mkdir(parents=True, exist_ok=True)

    def copy(rel: str) -> None:
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source / rel, dest)
        written.append(rel)

    for rel in SAMPLE_FILES:
        if (source / rel).is_file():
            copy(rel)
    copy(f"playbooks/{playbook}.yaml")
    for name in _templates(source, pb):
        copy(f"templates/{name}")
    copy("locales/messages.pot")  # its project header; the strings are extracted below
    for loc in locales_of(source):
        copy(f"locales/{loc}/LC_MESSAGES/messages.po")
    starter = resources.files("launcher.content") / "starter_files"
    for name, rel in STARTER_FILES.items():
        text = (starter / name).read_text(encoding="utf-8")
        dest = target / rel
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_text(text.replace("@LAUNCHER_VERSION@", __version__), encoding="utf-8")
        written.append(rel)
    result = extract_to_template(target)
    prune_to_template(target)
    return InitResult(target, playbook, sorted(written), result.messages, locales_of(target))


def _templates(root: Path, playbook) -> list[str]:
    """Every template the playbook renders, with the ones they extend, include or import."""
    # profile, messages, corrections, sunset, replies, and the platforms' names per locale
    todo = [*playbook.templates, "names/platforms.j2"]
    seen: list[str] = []
    while todo:
        name = todo.pop(0)
        if name in seen or not (root / "templates" / name).is_file():
            continue
        seen.append(name)
        todo.extend(_parents((root / "templates" / name).read_text(encoding="utf-8")))
    return sorted(seen)
