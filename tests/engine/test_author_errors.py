"""Errors that send the content author to the right place: the .po file and line of an
over-long translation, an undefined name with did-you-mean and the names that exist (once per
template, not once per locale), a typo in a message these facts do not plan, and the
structure's problems before what follows from them."""

from __future__ import annotations

from pathlib import Path

from tests.conftest import invoke

AT = "2026-03-28T20:00:00Z"
QUAKE = ("quake", "-m", "rome", "--set", "region=Umbria", "--set", "magnitude=5", "--at", AT)


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_over_long_translation_names_the_po_file_and_line(mini_root: Path) -> None:
    po = mini_root / "locales" / "fr" / "LC_MESSAGES" / "messages.po"
    long = "Point de situation à %(time)s. " + "Restez à l'abri et suivez les consignes. " * 8
    _edit(po, 'msgstr "Point de situation à %(time)s."', f'msgstr "{long.strip()}"')
    result = invoke("plan", *QUAKE, root=mini_root)
    assert result.exit_code == 2
    line = po.read_text(encoding="utf-8").splitlines().index('msgid "Update at %(time)s."') + 1
    assert (
        f"locales/fr/LC_MESSAGES/messages.po:{line}: quake: messages.update (locale fr,"
        " platform x): post is too long for x" in result.stderr
    )
    assert (
        f"shorten the text in locales/fr/LC_MESSAGES/messages.po:{line} (the fr wording of"
        " templates/messages/quake/update.j2)" in result.stderr
    )
    assert "playbooks/quake.yaml:" in result.stderr  # where thread: true would go
    assert "locale it" not in result.stderr  # only the locale that is too long


def test_an_undefined_fact_says_did_you_mean_and_lists_the_facts_once(mini_root: Path) -> None:
    tpl = mini_root / "templates" / "messages" / "quake" / "update.j2"
    _edit(tpl, "{{ mission.contacts.registration_url }}", "{{ event.regon }}")
    result = invoke("plan", *QUAKE, root=mini_root)
    assert result.exit_code == 2
    assert "undefined variable 'event.regon', did you mean 'region'?" in result.stderr
    assert "facts (the playbook's parameters): deaths, magnitude, region" in result.stderr
    assert result.stderr.count("event.regon") == 1  # once, not once per locale
    assert "(locales it, en, fr)" in result.stderr
    assert "'dict object'" not in result.stderr


def test_an_undefined_top_level_name_lists_what_templates_receive(mini_root: Path) -> None:
    tpl = mini_root / "templates" / "messages" / "quake" / "update.j2"
    _edit(tpl, "{{ mission.contacts.registration_url }}", "{{ misison.name }}")
    result = invoke("plan", *QUAKE, root=mini_root)
    assert "undefined variable 'misison', did you mean 'mission'?" in result.stderr
    assert "templates receive: at, banned_platform_name, event," in result.stderr


def test_a_typo_in_a_message_these_facts_do_not_plan_is_found_by_plan(mini_root: Path) -> None:
    """The message is gated on a fact not given: plan renders it with example facts anyway,
    so the typo is found before the event that needs it, not only by validate."""
    tpl = mini_root / "templates" / "deaths.j2"
    tpl.write_text("{{ event.deths }}\n")
    _edit(mini_root / "playbooks" / "quake.yaml", "messages:\n",
          "messages:\n  - {id: toll, template: deaths.j2, at: 1h,"
          " when: event.deaths is not none}\n")  # fmt: skip
    result = invoke("plan", *QUAKE, root=mini_root)
    assert result.exit_code == 2, result.output
    assert (
        "templates/deaths.j2:1: quake: toll (locales it, en, fr): undefined variable"
        " 'event.deths', did you mean 'deaths'?" in result.stderr
    )
    assert "a message not planned for these facts" in result.stderr


def test_validate_reports_the_structure_first(mini_root: Path) -> None:
    """A new template whose strings nobody translated yet, and a key misspelt in the
    playbook: the playbook's problem comes first, then the missing translations."""
    (mini_root / "templates" / "new.j2").write_text(
        "{% trans %}A brand new sentence.{% endtrans %}\n", encoding="utf-8"
    )
    _edit(mini_root / "playbooks" / "quake.yaml", "    pin: true\n", "    pinn: true\n")
    result = invoke("validate", root=mini_root)
    assert result.exit_code == 2
    lines = [line for line in result.stderr.splitlines() if not line.startswith(" ")]
    assert lines[0].startswith("playbooks/quake.yaml:") and "unknown key 'pinn'" in lines[0]
    assert any("missing translation" in line for line in lines[1:])
