"""The translators' workflow through the real CLI, on private copies of the content:
extract -> update -> edit -> compile -> status, stale and fuzzy detection, a broken template,
translator comments and contexts, and a new locale taken from `i18n add` to a launch."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from babel.messages.pofile import read_po, write_po

from tests.conftest import REPO, invoke

AT = "2026-05-22T08:30:00Z"
QUAKE = (
    "plan",
    "quake",
    "-m",
    "rome",
    "--set",
    "region=Umbria",
    "--set",
    "magnitude=6",
    "--at",
    AT,
)


def po(root: Path, locale: str) -> Path:
    return root / "locales" / locale / "LC_MESSAGES" / "messages.po"


def edit_po(path: Path, fn) -> None:
    """Change a catalog the way a .po editor would: parse, change entries, write back."""
    with path.open("rb") as fh:
        catalog = read_po(fh, locale=path.parts[-3])
    fn(catalog)
    with path.open("wb") as fh:
        write_po(fh, catalog, width=76)


def status_json(root: Path, *locales: str) -> dict:
    args = ["i18n", "status", "--json"]
    for loc in locales:
        args += ["--locale", loc]
    result = invoke(*args, root=root)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def by_locale(report: dict) -> dict[str, dict]:
    return {s["locale"]: s for s in report["locales"]}


# ---------------------------------------------------------------- the shipped content


@pytest.fixture
def shipped_copy(tmp_path: Path) -> Path:
    """The shipped content with the package sources (their checklist strings are extracted
    too), copied so that nothing can touch the repository."""
    root = tmp_path / "shipped"
    root.mkdir()
    for name in ("babel.cfg", "missions.yaml", "guardrails.yaml", "places.yaml"):
        shutil.copy(REPO / name, root / name)
    for name in ("playbooks", "templates", "locales", "launcher"):
        shutil.copytree(
            REPO / name, root / name, ignore=shutil.ignore_patterns("*.mo", "__pycache__")
        )
    return root


def test_the_committed_catalogs_are_current_and_every_playbook_is_launchable(shipped_copy):
    pot = (shipped_copy / "locales/messages.pot").read_bytes()
    catalogs = {p: p.read_bytes() for p in shipped_copy.glob("locales/*/LC_MESSAGES/*.po")}

    result = invoke("i18n", "extract", root=shipped_copy)
    assert result.exit_code == 0 and "is up to date" in result.stdout, result.output
    assert (shipped_copy / "locales/messages.pot").read_bytes() == pot

    result = invoke("i18n", "update", root=shipped_copy)
    assert result.exit_code == 0
    assert result.stdout.count(" unchanged ") == len(catalogs) == 9
    assert {p: p.read_bytes() for p in catalogs} == catalogs

    report = status_json(shipped_copy)
    assert report["template"]["current"] is True
    for loc in report["locales"]:
        assert loc["not_ready"] == [] and loc["problems"] == [], loc["locale"]
        assert all(pb["launchable"] for pb in loc["playbooks"].values()), loc["locale"]
        assert set(loc["playbooks"]) == {"coup", "earthquake", "platform-ban"}


def test_translator_comments_in_shipped_templates_reach_every_catalog(shipped_copy):
    text = po(shipped_copy, "ja").read_text(encoding="utf-8")
    entry = text[: text.index('msgid ""\n"We are deeply saddened')]
    assert "#. condolences, pinned after an earthquake. Sober: no emoji" in entry[-400:]


# ---------------------------------------------------------------- extract, update, edit


def test_a_changed_source_goes_stale_until_the_translation_is_reviewed(mini_root: Path):
    template = mini_root / "templates/messages/quake/condolences.j2"
    template.write_text(
        template.read_text(encoding="utf-8").replace(
            "Emergency line: {{ phone }}", "Emergency line, day and night: {{ phone }}"
        ),
        encoding="utf-8",
    )
    # status measures the templates as they are, before any extraction
    report = status_json(mini_root, "fr")
    assert report["template"]["current"] is False
    fr = by_locale(report)["fr"]
    missing = [e for e in fr["not_ready"] if e["state"] == "missing"]
    assert [e["msgid"] for e in missing] == ["Emergency line, day and night: %(phone)s"]
    assert missing[0]["used_in"] == ["templates/messages/quake/condolences.j2:3"]
    assert fr["playbooks"]["quake"] == {
        "launchable": False,
        "strings": 7,
        "not_ready": ["Emergency line, day and night: %(phone)s"],
    }

    result = invoke("i18n", "extract", root=mini_root)
    assert result.exit_code == 0, result.output
    assert "+ Emergency line, day and night: %(phone)s" in result.stdout
    pot = (mini_root / "locales/messages.pot").read_text(encoding="utf-8")
    assert 'msgid "Emergency line, day and night: %(phone)s"' in pot

    # Babel guesses from the similar old string: a fuzzy suggestion, never published as is
    result = invoke("i18n", "update", root=mini_root)
    assert result.exit_code == 0, result.output
    assert re.search(r"it\s+updated .*: 0 new, 1 to review \(fuzzy\)", result.stdout)
    text = po(mini_root, "it").read_text(encoding="utf-8")
    assert (
        '#| msgid "Emergency line: %(phone)s"\nmsgid "Emergency line, day and night: %(phone)s"'
        in text
    )

    # plan refuses, naming the catalog, the string and where it is used
    result = invoke(*QUAKE, "--locale", "it", root=mini_root)
    assert result.exit_code == 2
    assert "locales/it/LC_MESSAGES/messages.po" in result.stderr
    assert "fuzzy (unreviewed) translation" in result.stderr
    assert "Emergency line, day and night" in result.stderr
    assert "templates/messages/quake/condolences.j2:3" in result.stderr

    # the translator corrects the guess and clears the flag; plan shows it with no other step
    def review(c):
        message = c["Emergency line, day and night: %(phone)s"]
        message.string = "Linea di emergenza, giorno e notte: %(phone)s"
        message.flags.discard("fuzzy")

    edit_po(po(mini_root, "it"), review)
    result = invoke(*QUAKE, "--locale", "it", root=mini_root)
    assert result.exit_code == 0, result.output
    assert "Linea di emergenza, giorno e notte: " in result.stdout
    it = by_locale(status_json(mini_root, "it"))["it"]
    assert it["playbooks"]["quake"]["launchable"] is True


def test_a_reworded_source_keeps_its_translation_as_fuzzy_with_the_previous_text(mini_root):
    template = mini_root / "templates/messages/quake/condolences.j2"
    template.write_text(
        template.read_text(encoding="utf-8").replace(
            "Emergency line: {{ phone }}", "Emergency line: {{ phone }}."
        ),
        encoding="utf-8",
    )
    assert invoke("i18n", "extract", root=mini_root).exit_code == 0
    result = invoke("i18n", "update", "--locale", "fr", root=mini_root)
    assert re.search(r"fr\s+updated .*1 to review \(fuzzy\)", result.stdout), result.stdout
    text = po(mini_root, "fr").read_text(encoding="utf-8")
    assert '#| msgid "Emergency line: %(phone)s"\nmsgid "Emergency line: %(phone)s."' in text

    fr = by_locale(status_json(mini_root, "fr"))["fr"]
    stale = [e for e in fr["not_ready"] if e["state"] == "fuzzy"]
    assert [(e["msgid"], e["previous_msgid"]) for e in stale] == [
        ("Emergency line: %(phone)s.", "Emergency line: %(phone)s")
    ]
    assert fr["stale"] == ["Emergency line: %(phone)s."]
    assert stale[0]["po_line"] and text.splitlines()[stale[0]["po_line"] - 1].startswith("msgid")

    human = invoke("i18n", "status", "--locale", "fr", root=mini_root).stdout
    assert 'stale: translated from "Emergency line: %(phone)s"' in human
    assert "blocks: quake" in human

    # a fuzzy guess is never published: plan names it with its line
    result = invoke(
        "plan",
        "quake",
        "-m",
        "beirut",
        "--set",
        "region=B",
        "--set",
        "magnitude=6",
        "--at",
        AT,
        root=mini_root,
    )
    assert result.exit_code == 2
    assert f"messages.po:{stale[0]['po_line']}" in result.stderr and "fuzzy" in result.stderr


def test_no_fuzzy_matching_leaves_new_strings_untranslated(mini_root: Path):
    template = mini_root / "templates/messages/quake/condolences.j2"
    template.write_text(
        template.read_text(encoding="utf-8").replace(
            "Emergency line: {{ phone }}", "Emergency line: {{ phone }}."
        ),
        encoding="utf-8",
    )
    invoke("i18n", "extract", root=mini_root)
    result = invoke("i18n", "update", "--no-fuzzy-matching", "--locale", "fr", root=mini_root)
    assert re.search(r"fr\s+updated .*: 1 new, 0 to review", result.stdout), result.stdout


def test_obsolete_strings_are_listed(mini_root: Path):
    template = mini_root / "templates/profiles/crisis.j2"
    template.write_text(
        template.read_text(encoding="utf-8").replace('{{ _("Register") }}', "Register"),
        encoding="utf-8",
    )
    fr = by_locale(status_json(mini_root, "fr"))["fr"]
    assert fr["obsolete"] == ["Register"]
    invoke("i18n", "extract", root=mini_root)
    result = invoke("i18n", "update", "--locale", "fr", root=mini_root)
    assert "1 obsolete" in result.stdout
    assert '#~ msgid "Register"' in po(mini_root, "fr").read_text(encoding="utf-8")
    assert by_locale(status_json(mini_root, "fr"))["fr"]["obsolete"] == ["Register"]


def test_update_of_an_unknown_locale_is_a_clear_error(mini_root: Path):
    result = invoke("i18n", "update", "--locale", "sw", root=mini_root)
    assert result.exit_code == 2
    assert "no catalog for locale 'sw'" in result.stderr and "launcher i18n add sw" in result.stderr


# ---------------------------------------------------------------- extraction is loud


def test_a_broken_template_fails_extraction_naming_file_and_line(mini_root: Path):
    pot = (mini_root / "locales/messages.pot").read_bytes()
    bad = mini_root / "templates/messages/quake/update.j2"
    bad.write_text("Fine line.\n{% trans %}Unclosed {{ region }\n", encoding="utf-8")
    result = invoke("i18n", "extract", root=mini_root)
    assert result.exit_code == 2
    assert "templates/messages/quake/update.j2:2" in result.stderr
    assert "syntax error" in result.stderr and "Traceback" not in result.output
    assert (mini_root / "locales/messages.pot").read_bytes() == pot


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        ("trim_blocks = true", "trim_blocks = false"),
        ("silent = false\n", ""),
        ("jinja2 = jinja2.ext:babel_extract\n", ""),
    ],
    ids=["runtime-options-differ", "silent-unset", "implicit-extractor"],
)
def test_the_mapping_must_match_the_runtime_and_be_loud(mini_root: Path, edit, expected):
    cfg = mini_root / "babel.cfg"
    cfg.write_text(cfg.read_text().replace(edit, expected), encoding="utf-8")
    result = invoke("i18n", "extract", root=mini_root)
    assert result.exit_code == 2
    assert "babel.cfg" in result.stderr
    report = invoke("validate", root=mini_root)
    assert report.exit_code == 2 and "babel.cfg" in report.stderr


def test_runtime_jinja_options_are_the_extraction_options():
    """One source of truth: the shipped babel.cfg says what render.py uses."""
    from launcher.content.translations import load_mapping

    mapping, problems = load_mapping(REPO)
    assert problems == [] and mapping is not None
    assert ("templates/**.j2", "jinja2.ext:babel_extract") in mapping.method_map


# ---------------------------------------------------------------- comments and contexts


def test_translator_comments_and_contexts_reach_the_pot_and_the_posts(mini_root: Path):
    tpl = mini_root / "templates/messages/quake/condolences.j2"
    tpl.write_text(
        tpl.read_text(encoding="utf-8")
        + "\n{# Translators: a hotline label in a 280-character post. #}\n"
        '{% trans "hotline" %}Call us{% endtrans %}\n',
        encoding="utf-8",
    )
    assert invoke("i18n", "extract", root=mini_root).exit_code == 0
    pot = (mini_root / "locales/messages.pot").read_text(encoding="utf-8")
    assert (
        "#. a hotline label in a 280-character post.\n"
        "#: templates/messages/quake/condolences.j2:6\n"
        'msgctxt "hotline"\n'
        'msgid "Call us"'
    ) in pot
    assert invoke("i18n", "update", root=mini_root).exit_code == 0
    it_po = po(mini_root, "it").read_text(encoding="utf-8")
    assert "#. a hotline label in a 280-character post.\n" in it_po
    assert 'msgctxt "hotline"\nmsgid "Call us"\nmsgstr ""' in it_po

    result = invoke(*QUAKE, root=mini_root)
    assert result.exit_code == 2 and '"Call us" (context: hotline)' in result.stderr

    words = {"it": "Chiamateci", "en": "Call us", "fr": "Appelez-nous"}
    for loc, text in words.items():

        def translate(c, text=text):
            c.get("Call us", context="hotline").string = text

        edit_po(po(mini_root, loc), translate)
    result = invoke(*QUAKE, root=mini_root)
    assert result.exit_code == 0, result.output
    assert "Chiamateci" in result.stdout and "Appelez-nous" in result.stdout


# ---------------------------------------------------------------- compile


def test_compile_writes_checked_mo_files_and_reports_broken_placeholders(mini_root: Path):
    def break_it(c):
        c["Emergency line: %(phone)s"].string = "Ligne d'urgence : %(telephone)s"

    edit_po(po(mini_root, "fr"), break_it)
    result = invoke("i18n", "compile", root=mini_root)
    assert result.exit_code == 1
    line = next(
        n
        for n, text in enumerate(po(mini_root, "fr").read_text().splitlines(), 1)
        if text == 'msgid "Emergency line: %(phone)s"'
    )
    assert f"locales/fr/LC_MESSAGES/messages.po:{line}" in result.stderr
    assert "telephone" in result.stderr
    for loc in ("ar", "en", "fr", "it"):
        assert po(mini_root, loc).with_suffix(".mo").stat().st_size > 100

    # the broken entry is left out of the .mo: plan reports it instead of publishing it
    from babel.support import Translations

    with po(mini_root, "fr").with_suffix(".mo").open("rb") as fh:
        mo = Translations(fp=fh)
    assert mo.gettext("Emergency line: %(phone)s") == "Emergency line: %(phone)s"
    assert mo.gettext("Register") != "Register"


def test_compile_without_problems_exits_0(mini_root: Path):
    result = invoke("i18n", "compile", "--locale", "it", root=mini_root)
    assert result.exit_code == 0, result.output
    assert re.search(r"it\s+locales/it/LC_MESSAGES/messages.mo: \d+ compiled", result.stdout)


# ---------------------------------------------------------------- a new language


def test_a_new_locale_from_add_to_a_launched_plan(mini_root: Path):
    result = invoke("i18n", "add", "sw", root=mini_root)
    assert result.exit_code == 0, result.output
    created = po(mini_root, "sw")
    assert created.is_file() and "6 strings to translate" in result.stdout
    assert '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"' in created.read_text()

    sw = by_locale(status_json(mini_root, "sw"))["sw"]
    assert sw["playbooks"]["quake"]["launchable"] is False
    assert sw["missions"] == []
    assert {e["state"] for e in sw["not_ready"]} == {"untranslated"}
    assert all(e["used_in"] for e in sw["not_ready"])
    human = invoke("i18n", "status", "--locale", "sw", root=mini_root).stdout
    assert "no mission publishes in this locale yet" in human

    # the translator fills in every string with a .po editor (here: Babel's own writer)
    def translate(c):
        for m in c:
            if not m.id:
                continue
            if isinstance(m.id, tuple):
                m.string = (f"SW {m.id[0]}", f"SW {m.id[1]}")
            else:
                m.string = f"SW {m.id}"

    edit_po(created, translate)
    assert invoke("i18n", "compile", "--locale", "sw", root=mini_root).exit_code == 0
    sw = by_locale(status_json(mini_root, "sw"))["sw"]
    assert sw["playbooks"]["quake"]["launchable"] is True and sw["not_ready"] == []

    # a mission that publishes in Swahili: the communications team's edit, not the translator's
    missions = mini_root / "missions.yaml"
    text = missions.read_text(encoding="utf-8")
    text = text.replace("languages: [it]", "languages: [it, sw]")
    text = text.replace(
        "names: {it: Ambasciata di Testland a Roma,",
        "names: {sw: Ubalozi, it: Ambasciata di Testland a Roma,",
    )
    text = text.replace("city_names: {it: Roma,", "city_names: {sw: Roma, it: Roma,")
    missions.write_text(text, encoding="utf-8")

    result = invoke(*QUAKE, "--locale", "sw", "--json", root=mini_root)
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert plan["posts"] and all(p["text"].startswith("SW ") for p in plan["posts"])


def test_add_picks_a_plural_header_that_agrees_with_cldr(mini_root: Path):
    result = invoke("i18n", "add", "uk", root=mini_root)
    assert result.exit_code == 0, result.output
    assert "warning" not in result.stderr
    text = po(mini_root, "uk").read_text(encoding="utf-8")
    assert "nplurals=3;" in text
    result = invoke("i18n", "add", "he", root=mini_root)
    assert result.exit_code == 0 and "warning" not in result.stderr


@pytest.mark.parametrize(
    ("locale", "message"),
    [("xx", "unknown locale 'xx'"), ("fr", "already exists")],
)
def test_add_refuses_unknown_or_existing_locales(mini_root: Path, locale, message):
    result = invoke("i18n", "add", locale, root=mini_root)
    assert result.exit_code == 2
    assert message in result.stderr and "fix:" in result.stderr


def test_commands_without_a_template_say_to_extract_first(mini_root: Path):
    (mini_root / "locales/messages.pot").unlink()
    for args in (("i18n", "update"), ("i18n", "add", "sw")):
        result = invoke(*args, root=mini_root)
        assert result.exit_code == 2
        assert "launcher i18n extract" in result.stderr


def test_validate_runs_babels_checks_on_strings_no_template_uses(mini_root: Path):
    """Placeholders are checked in every translated entry, not only in the ones a playbook
    renders (e.g. an operator checklist step, or a string a new template will use)."""

    def add_broken(c):
        c.add("Open %(url)s now", "Ouvrez %(adresse)s maintenant", locations=[("x.py", 1)])

    edit_po(po(mini_root, "fr"), add_broken)
    result = invoke("validate", root=mini_root)
    assert result.exit_code == 2
    line = next(
        n
        for n, text in enumerate(po(mini_root, "fr").read_text().splitlines(), 1)
        if text == 'msgid "Open %(url)s now"'
    )
    assert f"locales/fr/LC_MESSAGES/messages.po:{line}" in result.stderr
    assert "adresse" in result.stderr
