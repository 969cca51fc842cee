"""launcher's own words for the person at the keyboard, in their language.

Beside the flow rather than in it: the content a launch publishes is translated by the
organisation's own catalogs (:mod:`launcher.content.i18n`), but what launcher itself says to
the operator (the manual checklists of the platform adapters, marked with ``N_()``) belongs to
launcher and ships inside the package: ``locales/<lang>/LC_MESSAGES/launcher.po`` and the
compiled ``launcher.mo`` beside it. So a content repository anywhere (``launcher init``, an
organisation's own) prints a checklist in French to a French operator without carrying a
single string of launcher's. The operator's language is :func:`ui_locale`. Keeping these
catalogs up to date is launcher's developers' work: ``python -m launcher.uitext``.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

DOMAIN = "launcher"
LOCALE_DIR = Path(__file__).resolve().parent / "locales"
UI_LOCALE_ENV = "LAUNCHER_UI_LOCALE"


def ui_locale() -> str:
    """The operator's language: ``LAUNCHER_UI_LOCALE``, else the language of ``LANG``, else
    English."""
    value = os.environ.get(UI_LOCALE_ENV) or os.environ.get("LANG", "")
    lang = value.split(".")[0].split("@")[0].replace("-", "_")
    lang = lang.split("_")[0].lower()
    return lang if lang and lang not in ("c", "posix") else "en"


def ui_locales() -> list[str]:
    """The languages launcher speaks to operators (its compiled catalogs)."""
    if not LOCALE_DIR.is_dir():
        return []
    return sorted(p.name for p in LOCALE_DIR.iterdir() if mo_path(p.name).is_file())


def mo_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.mo"


def ui_gettext(locale: str | None = None) -> Callable[[str], str]:
    """gettext in ``locale`` (default: :func:`ui_locale`) from launcher's compiled catalog;
    the English text where launcher has no catalog for it."""
    return _gettext(locale or ui_locale())


@lru_cache(maxsize=16)
def _gettext(locale: str) -> Callable[[str], str]:
    from babel.support import Translations

    path = mo_path(locale)
    try:
        with path.open("rb") as fh:
            return Translations(fp=fh, domain=DOMAIN).gettext
    except OSError:
        return lambda s: s
