"""``python -m launcher.uitext``: extract, update and compile launcher's own catalogs, then
report what still needs a translator."""

from __future__ import annotations

import sys

from .catalogs import problems, write_all


def main() -> int:
    for path in write_all():
        print(f"wrote {path}")
    left = problems()
    for line in left:
        print(line, file=sys.stderr)
    return 1 if left else 0


if __name__ == "__main__":
    sys.exit(main())
