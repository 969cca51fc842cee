"""Bad content and bad input: one broken thing per case, exit code 2, a located message.

Each case breaks a private copy of the small content root in one way, runs the real CLI and
asserts the exact parts of the message a user needs: file, line, field and what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import invoke

PLAN = ("plan", "quake", "--mission", "rome", "--set", "region=Umbria", "--set", "magnitude=6.1")


def edit(rel: str, old: str, new: str) -> Callable[[Path], None]:
    def apply(root: Path) -> None:
        path = root / rel
        text = path.read_text(encoding="utf-8")
        assert old in text, f"fixture changed: {old!r} not in {rel}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")

    return apply


def remove(rel: str) -> Callable[[Path], None]:
    return lambda root: (root / rel).unlink()


def po_edit(locale: str, old: str, new: str) -> Callable[[Path], None]:
    return edit(f"locales/{locale}/LC_MESSAGES/messages.po", old, new)


@dataclass
class Case:
    id: str
    mutate: Callable[[Path], None] | None
    args: tuple[str, ...]
    expect: tuple[str, ...]


CASES = [
    Case(
        "malformed-yaml",
        edit("playbooks/quake.yaml", "title: Test earthquake", "title: [Test earthquake"),
        PLAN,
        ("playbooks/quake.yaml:", "malformed YAML", "fix:"),
    ),
    Case(
        "unknown-key-did-you-mean",
        edit(
            "playbooks/quake.yaml",
            "    template: messages/quake/update.j2",
            "    templte: messages/quake/update.j2",
        ),
        PLAN,
        ("playbooks/quake.yaml:17:5", "messages[1].templte", "did you mean 'template'"),
    ),
    Case(
        "wrong-type",
        edit("playbooks/quake.yaml", "version: 1", "version: one"),
        PLAN,
        ("playbooks/quake.yaml:4:1", "version", "expected a whole number, got text 'one'"),
    ),
    Case(
        "bad-duration",
        edit("playbooks/quake.yaml", "every: 6h", "every: 6 hours"),
        PLAN,
        ("playbooks/quake.yaml:19:5", "messages[1].every", "not a duration", "4h"),
    ),
    Case(
        "unknown-platform-in-playbook",
        edit(
            "playbooks/quake.yaml",
            "platforms: [mastodon, x, bluesky]",
            "platforms: [mastodon, x, blusky]",
        ),
        PLAN,
        (
            "playbooks/quake.yaml:9",
            "platforms[2]",
            "unknown platform 'blusky'",
            "did you mean 'bluesky'",
        ),
    ),
    Case(
        "duplicate-key",
        edit("playbooks/quake.yaml", "kind: earthquake", "kind: earthquake\nkind: quake"),
        PLAN,
        ("playbooks/quake.yaml:3:1", "duplicate key 'kind'"),
    ),
    Case(
        "missing-param",
        None,
        ("plan", "quake", "--mission", "rome", "--set", "magnitude=6.1"),
        ("--set region", "is required", "fix: add --set region="),
    ),
    Case(
        "param-out-of-bounds",
        None,
        ("plan", "quake", "--mission", "rome", "--set", "region=X", "--set", "magnitude=10.5"),
        ("--set magnitude", "10.5 is out of bounds", "between 0 and 10"),
    ),
    Case(
        "param-wrong-type",
        None,
        ("plan", "quake", "--mission", "rome", "--set", "region=X", "--set", "magnitude=six"),
        ("--set magnitude", "'six' is not a number"),
    ),
    Case(
        "param-terminal-escape",
        None,
        (
            "plan",
            "quake",
            "--mission",
            "rome",
            "--set",
            "region=La\x1b[2Jzio",
            "--set",
            "magnitude=6",
        ),
        ("--set region", "control character U+001B", "fix: type the value again"),
    ),
    Case(
        "param-too-long",
        None,
        (
            "plan",
            "quake",
            "--mission",
            "rome",
            "--set",
            "region=" + "x" * 61,
            "--set",
            "magnitude=6",
        ),
        ("--set region", "61 characters long, the limit is 60"),
    ),
    Case(
        "unknown-param",
        None,
        (*PLAN, "--set", "magnitud=3"),
        ("--set magnitud", "unknown parameter", "did you mean 'magnitude'"),
    ),
    Case(
        "unknown-mission",
        None,
        ("plan", "quake", "--mission", "rme", "--set", "region=X", "--set", "magnitude=6"),
        (
            "--mission",
            "unknown mission 'rme'",
            "did you mean 'rome'",
            "known missions: beirut, rome",
        ),
    ),
    Case(
        "unknown-playbook",
        None,
        ("plan", "quak", "--mission", "rome"),
        ("unknown playbook 'quak'", "did you mean 'quake'", "launcher list"),
    ),
    Case(
        "unknown-locale",
        None,
        (*PLAN, "--locale", "xx"),
        ("--locale", "unknown locale 'xx'"),
    ),
    Case(
        "locale-not-of-mission",
        None,
        (*PLAN, "--locale", "ar"),
        ("--locale", "not one of mission rome's locales", "it, en, fr"),
    ),
    Case(
        "missing-template",
        edit("playbooks/quake.yaml", "messages/quake/update.j2", "messages/quake/updates.j2"),
        PLAN,
        ("templates/messages/quake/updates.j2", "does not exist", "relative to templates/"),
    ),
    Case(
        "template-syntax-error",
        edit("templates/messages/quake/update.j2", "{% endif %}", "{% endfi %}"),
        PLAN,
        ("templates/messages/quake/update.j2:1", "template syntax error", "endfi"),
    ),
    Case(
        "undefined-variable",
        edit(
            "templates/messages/quake/condolences.j2",
            "mission.contacts.emergency_phone",
            "mission.contacts.emergency_fone",
        ),
        PLAN,
        ("templates/messages/quake/condolences.j2:3", "undefined variable", "emergency_fone"),
    ),
    Case(
        "missing-catalog",
        remove("locales/it/LC_MESSAGES/messages.po"),
        PLAN,
        (
            "locales/it/LC_MESSAGES/messages.po",
            "no catalog for locale 'it'",
            "launcher i18n add it",
        ),
    ),
    Case(
        "untranslated-entry",
        po_edit("it", 'msgstr "Registrazione"', 'msgstr ""'),
        PLAN,
        (
            "locales/it/LC_MESSAGES/messages.po:",
            'untranslated "Register"',
            "templates/profiles/crisis.j2:5",
            "locale it",
        ),
    ),
    Case(
        "fuzzy-entry",
        po_edit("it", 'msgid "Register"', '#, fuzzy\nmsgid "Register"'),
        PLAN,
        ("locales/it/LC_MESSAGES/messages.po:", "fuzzy", '"Register"', "locale it"),
    ),
    Case(
        "missing-entry",
        po_edit("fr", 'msgid "Register"\nmsgstr "Inscription"', ""),
        PLAN,
        (
            "locales/fr/LC_MESSAGES/messages.po",
            'missing translation for "Register"',
            "launcher i18n update",
        ),
    ),
    Case(
        "placeholder-changed",
        po_edit(
            "it", 'msgstr "Aggiornamento delle %(time)s."', 'msgstr "Aggiornamento delle %(ora)s."'
        ),
        PLAN,
        ("locales/it/LC_MESSAGES/messages.po:", "placeholder", "keep every %(name)s"),
    ),
    Case(
        "over-long-post",
        edit(
            "templates/messages/quake/condolences.j2",
            "{% trans phone",
            "{{ 'Stay safe. ' * 30 }}\n{% trans phone",
        ),
        PLAN,
        (
            "playbooks/quake.yaml:12",
            "messages.condolences",
            "too long for x",
            "> 280",
            "thread: true",
        ),
    ),
    Case(
        "reserved-message-id",
        edit("playbooks/quake.yaml", "  - id: update\n", "  - id: intro\n"),
        PLAN,
        ("playbooks/quake.yaml:16:5", "messages[1].id", "'intro' is reserved", "pinned_intro"),
    ),
    Case(
        "over-long-intro",
        edit(
            "templates/profiles/crisis.j2",
            "{% block pinned_intro %}",
            "{% block pinned_intro %}{{ 'Stay safe. ' * 30 }}",
        ),
        PLAN,
        (
            "templates/profiles/crisis.j2",
            "quake: pinned_intro (locale it, platform x)",
            "too long for x",
            "one post",
        ),
    ),
    Case(
        "bad-timezone",
        edit("missions.yaml", "timezone: Europe/Rome", "timezone: Europe/Roma"),
        PLAN,
        ("missions.yaml:12:5", "missions.rome.timezone", "unknown time zone 'Europe/Roma'"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_a_located_error(case: Case, mini_root: Path) -> None:
    if case.mutate:
        case.mutate(mini_root)
    result = invoke(*case.args, root=mini_root)
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output
    for part in case.expect:
        assert part in result.stderr, f"{part!r} not in:\n{result.stderr}"


@pytest.mark.parametrize(
    "case", [c for c in CASES if c.mutate], ids=[c.id for c in CASES if c.mutate]
)
def test_validate_reports_the_same_problem(case: Case, mini_root: Path) -> None:
    case.mutate(mini_root)
    result = invoke("validate", root=mini_root)
    assert result.exit_code == 2
    assert "problem(s) found" in result.stderr
    # validate locates the problem in the same file (for template/catalog cases it may render
    # every mission, so only the file part is compared)
    assert case.expect[0].split(":")[0] in result.stderr


def test_validate_reports_every_problem_at_once(mini_root: Path) -> None:
    edit("playbooks/quake.yaml", "version: 1", "version: one")(mini_root)
    edit("templates/messages/quake/update.j2", "{% endif %}", "{% endfi %}")(mini_root)
    po_edit("it", 'msgstr "Registrazione"', 'msgstr ""')(mini_root)
    edit("missions.yaml", "timezone: Asia/Beirut", "timezone: Asia/Beyrouth")(mini_root)
    result = invoke("validate", "--json", root=mini_root)
    assert result.exit_code == 2
    import json

    report = json.loads(result.stdout)
    files = {p["file"] for p in report["problems"]}
    assert {
        "playbooks/quake.yaml",
        "templates/messages/quake/update.j2",
        "locales/it/LC_MESSAGES/messages.po",
        "missions.yaml",
    } <= files


def test_validate_passes_on_clean_content(mini_root: Path) -> None:
    result = invoke("validate", root=mini_root)
    assert result.exit_code == 0, result.output
    assert "ok:" in result.stdout
    assert "4 plans rendered" in result.stdout
