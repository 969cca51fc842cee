"""Build a wheel of a pure-Python test package without network or build backends.

The project's virtual environment has no ``wheel`` package and tests must not download
one, so this writes the (small, documented) wheel format directly: the package files, then
``METADATA``, ``WHEEL``, ``entry_points.txt`` and ``RECORD`` in ``<name>-<version>.dist-info``.
The result is installed with pip like any other wheel.
"""

from __future__ import annotations

import base64
import hashlib
import tomllib
import zipfile
from pathlib import Path


def _hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest},{len(data)}"


def build(project: Path, out_dir: Path) -> Path:
    meta = tomllib.loads((project / "pyproject.toml").read_text())["project"]
    dist = meta["name"].replace("-", "_")
    version = meta["version"]
    info = f"{dist}-{version}.dist-info"
    files: dict[str, bytes] = {}
    src = project / "src"
    for path in sorted(src.rglob("*.py")):
        files[path.relative_to(src).as_posix()] = path.read_bytes()
    files[f"{info}/METADATA"] = (
        f"Metadata-Version: 2.1\nName: {meta['name']}\nVersion: {version}\n"
        f"Summary: {meta.get('description', '')}\n"
    ).encode()
    files[f"{info}/WHEEL"] = (
        b"Wheel-Version: 1.0\nGenerator: tests/thirdparty/build_wheel.py\n"
        b"Root-Is-Purelib: true\nTag: py3-none-any\n"
    )
    lines = []
    for group, eps in meta.get("entry-points", {}).items():
        lines.append(f"[{group}]")
        lines += [f"{name} = {target}" for name, target in eps.items()]
        lines.append("")
    files[f"{info}/entry_points.txt"] = "\n".join(lines).encode()
    record = [f"{name},{_hash(data)}" for name, data in files.items()]
    record.append(f"{info}/RECORD,,")
    files[f"{info}/RECORD"] = ("\n".join(record) + "\n").encode()
    out_dir.mkdir(parents=True, exist_ok=True)
    wheel = out_dir / f"{dist}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return wheel
