"""Plural forms for every locale Babel knows: the header launcher writes compiles with gettext
and picks CLDR's form for every whole number from 0 to 200 (and for millions); a header
gettext cannot evaluate is named with the header to write instead."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from babel import Locale, localedata
from babel.messages.catalog import Catalog
from babel.messages.mofile import write_mo
from babel.plural import _plural_tags
from babel.support import Translations

from launcher.content.plurals import WHOLE_SAMPLE, check_plural_header, expression, plural_forms
from tests.conftest import invoke

LOCALES = sorted(localedata.locale_identifiers())
NUMBERS = (*range(0, 201), 1000, 1000000, 2000000)


def test_babel_knows_many_locales() -> None:
    assert len(LOCALES) > 700 and {"pt", "fr_CA", "es_419", "sw", "ar_EG"} <= set(LOCALES)


def test_every_locales_header_compiles_and_agrees_with_cldr() -> None:
    """Each header is written into a real catalog, compiled to .mo by Babel, loaded by
    gettext and asked for n = 0..200: the form it picks is CLDR's category for n."""
    wrong = []
    for loc in LOCALES:
        header = plural_forms(loc)
        rule = Locale.parse(loc).plural_form
        tags = [t for t in _plural_tags if t in {rule(n) for n in WHOLE_SAMPLE}]
        catalog = Catalog(locale=loc, domain="messages")
        catalog.mime_headers = [("Plural-Forms", header)]
        assert catalog.num_plurals == len(tags), loc
        catalog.add(("%(n)s thing", "%(n)s things"), tuple(f"form {t}" for t in tags))
        buf = io.BytesIO()
        write_mo(buf, catalog)
        translations = Translations(fp=io.BytesIO(buf.getvalue()))
        for n in NUMBERS:
            got = translations.ngettext("%(n)s thing", "%(n)s things", n)
            if got != f"form {rule(n)}":
                wrong.append((loc, n, got, rule(n)))
                break
        assert check_plural_header(loc, loc, catalog.num_plurals, expression(header)) == []
    assert wrong == []


def test_no_header_uses_an_operand_gettext_lacks() -> None:
    for loc in ("pt", "pt_PT", "fr_CA", "es_419", "it", "ca"):
        expr = expression(plural_forms(loc))
        assert not set("eicvwft") & set(expr.replace("n", " ").split()), expr


@pytest.mark.parametrize("locale", ["pt", "fr_CA", "es_419"])
def test_add_then_compile_works_for_locales_with_compact_rules(mini_root: Path, locale) -> None:
    """`i18n add pt` used to write CLDR's `e` operand, which gettext cannot evaluate."""
    added = invoke("i18n", "add", locale, root=mini_root)
    assert added.exit_code == 0, added.output
    assert "warning:" not in added.output
    text = (mini_root / "locales" / locale / "LC_MESSAGES" / "messages.po").read_text()
    assert " e " not in text.split("Plural-Forms:")[1].split("\\n")[0]
    compiled = invoke("i18n", "compile", "--locale", locale, root=mini_root)
    assert compiled.exit_code == 0, compiled.output


def test_a_header_gettext_cannot_evaluate_gets_the_right_fix(mini_root: Path) -> None:
    po = mini_root / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
    lines = po.read_text(encoding="utf-8").splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith('"Plural-Forms:'))
    lines[at] = '"Plural-Forms: nplurals=3; plural=(e == 0 && n % 1000000 == 0) ? 1 : n > 1;\\n"'
    po.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = invoke("validate", root=mini_root)
    assert result.exit_code == 2
    assert f"locales/fr/LC_MESSAGES/messages.po:{at + 1}: Plural-Forms:" in result.stderr
    assert "cannot be evaluated by gettext (invalid token in plural form: e)" in result.stderr
    assert f'"Plural-Forms: {plural_forms("fr")}\\n"' in result.stderr
    assert "quoted string" not in result.stderr
