"""Compiled catalogs (.mo) are a cache of the .po files translators edit: used only while
launcher compiled them from exactly the .po on disk, holding only publishable entries."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo

from launcher.content import i18n
from launcher.content.i18n import SOURCE_HEADER, check_entries, compile_catalog, load_catalog


@pytest.fixture(autouse=True)
def fresh_cache():
    i18n._cache.clear()
    yield
    i18n._cache.clear()


def po_of(root: Path, locale: str) -> Path:
    return root / "locales" / locale / "LC_MESSAGES" / "messages.po"


def test_first_load_compiles_a_stamped_mo_and_the_next_load_uses_it(mini_root: Path):
    po = po_of(mini_root, "fr")
    loaded, problems = load_catalog(mini_root, "fr")
    assert problems == [] and loaded is not None
    mo = po.with_suffix(".mo")
    assert mo.is_file()
    assert SOURCE_HEADER.encode() in mo.read_bytes()

    i18n._cache.clear()
    again, _ = load_catalog(mini_root, "fr")
    assert again is not None and again is not loaded
    assert "catalog" not in again.__dict__  # the .po was not parsed: the .mo answered
    assert again.translations.gettext("Register") == loaded.translations.gettext("Register")
    assert check_entries(again, {"Register": ("profiles/crisis.j2", 5)}) == []
    assert "catalog" not in again.__dict__


def test_a_mo_from_another_tool_is_never_trusted(mini_root: Path):
    po = po_of(mini_root, "fr")
    foreign = Catalog(locale="fr")
    foreign.add("Register", "PAS APPROUVÉ")
    buf = io.BytesIO()
    write_mo(buf, foreign)
    po.with_suffix(".mo").write_bytes(buf.getvalue())

    loaded, _ = load_catalog(mini_root, "fr")
    assert loaded is not None
    assert loaded.translations.gettext("Register") != "PAS APPROUVÉ"
    assert b"PAS APPROUV" not in po.with_suffix(".mo").read_bytes()  # replaced


def test_an_edited_po_is_recompiled(mini_root: Path):
    po = po_of(mini_root, "fr")
    first, _ = load_catalog(mini_root, "fr")
    assert first is not None
    old = first.translations.gettext("Register")
    po.write_text(po.read_text(encoding="utf-8").replace(f'"{old}"', '"Inscrivez-vous"'))
    i18n._cache.clear()
    second, _ = load_catalog(mini_root, "fr")
    assert second is not None and second.translations.gettext("Register") == "Inscrivez-vous"


def test_a_read_only_content_root_still_loads(mini_root: Path, monkeypatch):
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(i18n.tempfile, "mkstemp", refuse)
    loaded, problems = load_catalog(mini_root, "fr")
    assert problems == [] and loaded is not None
    assert not po_of(mini_root, "fr").with_suffix(".mo").exists()


def test_incomplete_plurals_fuzzy_and_broken_entries_are_left_out():
    catalog = Catalog(locale="uk")
    catalog.add(("%(n)s person", "%(n)s people"), ("%(n)s людина", "", "%(n)s людей"))
    catalog.add("Ready", "Готово")
    catalog.add("Guess", "Здогадка", flags=["fuzzy"])
    catalog.add("Call %(phone)s", "Телефонуйте %(telefon)s")
    data, excluded = compile_catalog(catalog, "digest")
    from babel.support import Translations

    t = Translations(fp=io.BytesIO(data))
    assert t.gettext("Ready") == "Готово"
    # Babel's write_mo would fill the empty form with the English msgid: not here
    assert t.ngettext("%(n)s person", "%(n)s people", 2) == "%(n)s people"  # absent, not filled
    assert ("%(n)s person", 0) not in t._catalog
    assert "Guess" not in t._catalog and "Call %(phone)s" not in t._catalog
    assert {m.id if isinstance(m.id, str) else m.id[0] for m in excluded} == {
        "%(n)s person",
        "Guess",
        "Call %(phone)s",
    }


def test_a_missing_entry_is_explained_from_the_po_with_its_line(mini_root: Path):
    po = po_of(mini_root, "fr")
    po.write_text(
        po.read_text(encoding="utf-8").replace('msgid "Register"\n', '#, fuzzy\nmsgid "Register"\n')
    )
    loaded, _ = load_catalog(mini_root, "fr")
    assert loaded is not None
    problems = check_entries(loaded, {"Register": ("profiles/crisis.j2", 5)})
    assert len(problems) == 1
    assert "fuzzy" in problems[0].message and problems[0].line
    line = po.read_text(encoding="utf-8").splitlines()[problems[0].line - 1]
    assert line == 'msgid "Register"'
