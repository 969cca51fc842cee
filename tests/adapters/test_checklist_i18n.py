"""Manual-provisioning checklists are translated in every shipped locale.

Adapters mark their checklist steps with ``N_()`` in module-level ``CHECKLIST_*`` tuples and
translate them with the user's catalog when they build a checklist, then fill ``{name}``
fields with ``str.format``. A step missing from a catalog would show English to a Thai
operator; a placeholder lost or misspelt in a translation would raise ``KeyError`` (or drop
the account handle) at the moment the checklist is needed.
"""

from __future__ import annotations

import importlib
import pkgutil
import re
import string
from pathlib import Path

import pytest

import launcher.adapters
from launcher.content.i18n import load_catalog

REPO = Path(__file__).resolve().parents[2]
SHIPPED = ("en", "fr", "tr", "th", "it", "uk", "ar", "ja", "es")

#: locales written in a script of their own: (name, one character of that script)
SCRIPTS = {
    "th": ("Thai", re.compile(r"[\u0e00-\u0e7f]")),
    "ja": ("Japanese", re.compile(r"[\u3040-\u30ff\u4e00-\u9fff]")),
    "ar": ("Arabic", re.compile(r"[\u0600-\u06ff]")),
    "uk": ("Cyrillic", re.compile(r"[\u0400-\u04ff]")),
}
#: quoted text (platform UI labels kept in English) and ASCII words (identifiers, brands)
QUOTED = re.compile(r"«[^»]*»|“[^”]*”|「[^」]*」|\"[^\"]*\"")
ASCII_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_.:/@>-]*")


def checklist_steps() -> dict[str, str]:
    """Every ``N_()`` checklist step of the adapter modules: msgid -> where it is defined."""
    steps: dict[str, str] = {}
    for info in pkgutil.iter_modules(launcher.adapters.__path__):
        module = importlib.import_module(f"launcher.adapters.{info.name}")
        for name, value in vars(module).items():
            if name.startswith("CHECKLIST_") and isinstance(value, tuple):
                for msgid in value:
                    steps.setdefault(msgid, f"{module.__name__}.{name}")
    return steps


STEPS = checklist_steps()


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def test_checklist_steps_are_found():
    assert len(STEPS) >= 20
    modules = {where.rsplit(".", 2)[1] for where in STEPS.values()}
    assert {"mastodon", "x", "facebook", "telegram"} <= modules


def test_shipped_locales_are_the_catalogs_on_disk():
    on_disk = {p.parent.parent.name for p in (REPO / "locales").glob("*/LC_MESSAGES/messages.po")}
    assert on_disk == set(SHIPPED)


def test_template_has_every_checklist_step():
    """babel.cfg extracts the adapters: every step is in locales/messages.pot."""
    from babel.messages.pofile import read_po

    with (REPO / "locales" / "messages.pot").open("rb") as fh:
        template = read_po(fh)
    missing = [msgid for msgid in STEPS if template.get(msgid) is None]
    assert missing == [], "run: launcher i18n extract"


@pytest.mark.parametrize("locale", SHIPPED)
def test_every_checklist_step_is_translated(locale):
    loaded, problems = load_catalog(REPO, locale)
    assert loaded is not None, problems
    for msgid, where in STEPS.items():
        entry = loaded.catalog.get(msgid)
        assert entry is not None, f"{locale}: no entry for {where}: {msgid!r}"
        assert entry.string and not entry.fuzzy, f"{locale}: untranslated or fuzzy: {msgid!r}"
        text = loaded.translations.gettext(msgid)
        if locale == "en":
            assert text == msgid
        else:
            assert text != msgid, f"{locale}: still English: {msgid!r}"
        assert fields(text) == fields(msgid), f"{locale}: placeholders differ in {text!r}"
        filled = text.format(**{name: f"<{name}>" for name in fields(msgid)})
        assert all(f"<{name}>" in filled for name in fields(msgid))


@pytest.mark.parametrize("locale", sorted(SCRIPTS))
def test_checklist_translations_are_in_the_locale_script(locale):
    """Beyond identifiers, brands and quoted UI labels, the text is in the locale's script."""
    script, char = SCRIPTS[locale]
    loaded, problems = load_catalog(REPO, locale)
    assert loaded is not None, problems
    others = [rx for loc, (_, rx) in SCRIPTS.items() if loc != locale]
    for msgid in STEPS:
        text = loaded.translations.gettext(msgid)
        native = len(char.findall(text))
        english = set(ASCII_WORD.findall(msgid))
        prose = QUOTED.sub(" ", re.sub(r"\{\w+\}", " ", text))
        latin = sum(len(w) for w in ASCII_WORD.findall(prose) if w not in english)
        assert native >= 4, f"{locale}: not in {script} script: {text!r}"
        assert native > latin, f"{locale}: mostly Latin script: {text!r}"
        assert not any(rx.search(text) for rx in others), f"{locale}: mixed scripts: {text!r}"
        if locale == "uk":
            assert not re.search(r"[ыэъёЫЭЪЁ]", text), f"uk: Russian letters in {text!r}"
