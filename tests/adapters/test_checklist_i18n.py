"""Manual-provisioning checklists are translated in every language launcher ships.

Adapters mark their checklist steps with ``N_()`` in module-level ``CHECKLIST_*`` tuples and
translate them with launcher's own catalog (``launcher/uitext/locales``, shipped compiled in
the package, never in a content repository) when they build a checklist, then fill ``{name}``
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
from launcher.uitext import LOCALE_DIR, catalogs, ui_gettext, ui_locales

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
    on_disk = {p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/launcher.po")}
    assert on_disk == set(SHIPPED)
    assert set(ui_locales()) == set(SHIPPED)  # each compiled beside its .po


def test_the_package_catalogs_are_current_and_compiled():
    """The .pot holds every N_() string of the package, every .po translates each one with
    its placeholders, and every shipped .mo is compiled from its .po
    (python -m launcher.uitext brings them up to date)."""
    assert set(STEPS) <= {m.id for m in catalogs.extract() if m.id}
    assert catalogs.problems() == []


def test_content_catalogs_hold_no_checklist_step():
    """The content's own catalogs (and babel.cfg) know nothing of launcher's strings."""
    from babel.messages.pofile import read_po

    for po in [REPO / "locales" / "messages.pot", *REPO.glob("locales/*/LC_MESSAGES/*.po")]:
        with po.open("rb") as fh:
            catalog = read_po(fh)
        assert not [m.id for m in catalog if m.id in STEPS], po
    assert "launcher/" not in (REPO / "babel.cfg").read_text(encoding="utf-8")


@pytest.mark.parametrize("locale", SHIPPED)
def test_every_checklist_step_is_translated(locale):
    gettext = ui_gettext(locale)
    for msgid in STEPS:
        text = gettext(msgid)
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
    gettext = ui_gettext(locale)
    others = [rx for loc, (_, rx) in SCRIPTS.items() if loc != locale]
    for msgid in STEPS:
        text = gettext(msgid)
        native = len(char.findall(text))
        english = set(ASCII_WORD.findall(msgid))
        prose = QUOTED.sub(" ", re.sub(r"\{\w+\}", " ", text))
        latin = sum(len(w) for w in ASCII_WORD.findall(prose) if w not in english)
        assert native >= 4, f"{locale}: not in {script} script: {text!r}"
        assert native > latin, f"{locale}: mostly Latin script: {text!r}"
        assert not any(rx.search(text) for rx in others), f"{locale}: mixed scripts: {text!r}"
        if locale == "uk":
            assert not re.search(r"[ыэъёЫЭЪЁ]", text), f"uk: Russian letters in {text!r}"
