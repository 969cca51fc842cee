"""The build step pyproject.toml cannot say: the sample content goes into the package.

The checkout keeps its content at the top (playbooks/, templates/, locales/, missions.yaml,
...), where the project's tests and the README's first command use it. A wheel (``pip install
.``, ``python -m build``) carries a copy of it as ``launcher/sample/``, package data that
``launcher init`` makes new content repositories from. Editable installs read the checkout
itself (:func:`launcher.paths.sample_root`), so nothing is copied for them.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
SAMPLE = ("missions.yaml", "guardrails.yaml", "babel.cfg", "places.yaml", "playbooks", "templates", "locales")


class BuildWithSample(build_py):
    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        dest = Path(self.build_lib) / "launcher" / "sample"
        if dest.exists():
            shutil.rmtree(dest)
        for name in SAMPLE:
            src = HERE / name
            if src.is_dir():
                shutil.copytree(src, dest / name, ignore=shutil.ignore_patterns("*.mo"))
            elif src.is_file():
                dest.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(src, dest / name)


setup(cmdclass={"build_py": BuildWithSample})
