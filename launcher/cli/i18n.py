"""`launcher i18n`: the translators' workflow (extract, update, compile, status, add). Thin:
the work is in ``launcher.content.translations``."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from ..content.translations import Status


def _root(obj: dict):
    from ..paths import content_root

    return content_root(obj.get("root"))


def _locales_option(f):
    return click.option(
        "--locale",
        "locales",
        multiple=True,
        help="Only this locale (repeatable). Default: every catalog under locales/.",
    )(f)


@click.group("i18n")
def i18n_group() -> None:
    """Translation workflow: templates -> .pot -> every .po -> .mo, and what is missing.

    \b
    launcher i18n extract          templates and playbooks -> locales/messages.pot
    launcher i18n update           merge the .pot into every .po (changed -> fuzzy)
    launcher i18n status           per locale and playbook: ready, or what is missing
    launcher i18n compile          .po -> .mo (plan and run also do it when a .po changed)
    launcher i18n add LOCALE       start a new language from the .pot
    """


@i18n_group.command("extract")
@click.pass_obj
def extract_cmd(obj: dict) -> None:
    """Collect every translatable string into locales/messages.pot (Babel, babel.cfg).

    Translator comments ({# Translators: ... #}) and contexts ({% trans "context" %}) are
    kept. A template with a syntax error stops the extraction and is named."""
    from ..content.translations import extract_to_template

    root = _root(obj)
    result = extract_to_template(root)
    where = result.path.relative_to(root).as_posix()
    if not result.written:
        click.echo(f"{where} is up to date ({result.messages} strings).")
        return
    click.echo(
        f"wrote {where}: {result.messages} strings"
        f" ({len(result.added)} new, {len(result.removed)} gone)."
    )
    for key in result.added:
        click.echo(f"  + {_show_key(key)}")
    for key in result.removed:
        click.echo(f"  - {_show_key(key)}")
    click.echo("next: launcher i18n update")


def _show_key(key: str) -> str:
    from ..content.i18n import split_key

    msgid, context = split_key(key)
    text = msgid if len(msgid) <= 70 else msgid[:67] + "..."
    return f"[{context}] {text}" if context else text


@i18n_group.command("update")
@_locales_option
@click.option(
    "--no-fuzzy-matching",
    is_flag=True,
    help="Do not guess translations for new strings from similar old ones.",
)
@click.pass_obj
def update_cmd(obj: dict, locales: tuple[str, ...], no_fuzzy_matching: bool) -> None:
    """Merge locales/messages.pot into every catalog.

    New strings arrive untranslated; a string whose source changed keeps its old translation
    marked fuzzy, with the previous source text, to be reviewed; strings no longer used are
    kept at the end as obsolete (#~)."""
    from ..content.translations import update_catalogs

    root = _root(obj)
    for r in update_catalogs(root, locales or None, fuzzy_matching=not no_fuzzy_matching):
        where = r.path.relative_to(root).as_posix()
        change = "updated" if r.written else "unchanged"
        click.echo(
            f"{r.locale:<6} {change:<9} {where}: {r.added} new, {r.fuzzy} to review (fuzzy),"
            f" {r.obsolete} obsolete"
        )
    click.echo("next: translate in your .po editor, then: launcher i18n status")


@i18n_group.command("compile")
@_locales_option
@click.pass_obj
def compile_cmd(obj: dict, locales: tuple[str, ...]) -> None:
    """Compile every .po to .mo, with Babel's checks (placeholders, plural forms).

    Only translated, reviewed and valid entries are compiled: launcher never publishes a
    fuzzy guess or falls back to English. Exit 1 if a catalog has errors, 2 if a .po cannot
    be read at all (a syntax error, named with its line): nothing of it is compiled."""
    from ..content.translations import compile_catalogs

    root = _root(obj)
    failed = unreadable = 0
    for r in compile_catalogs(root, locales or None):
        if r.readable:
            where = r.path.with_suffix(".mo").relative_to(root).as_posix()
            left = f", {r.left_out} left out (fuzzy, untranslated or invalid)" if r.left_out else ""
            click.echo(f"{r.locale:<6} {where}: {r.compiled} compiled{left}")
        else:
            where = r.path.relative_to(root).as_posix()
            click.echo(f"{r.locale:<6} {where}: broken, nothing compiled")
        for p in r.problems:
            click.secho(f"error: {p}", fg="red", err=True)
        failed += bool(r.problems)
        unreadable += not r.readable
    if failed:
        click.secho(f"{failed} catalog(s) with errors", fg="red", err=True)
        raise click.exceptions.Exit(2 if unreadable else 1)


@i18n_group.command("status")
@_locales_option
@click.option("--json", "as_json", is_flag=True, help="Print the status as one JSON document.")
@click.pass_obj
def status_cmd(obj: dict, locales: tuple[str, ...], as_json: bool) -> None:
    """Per locale: translated / fuzzy / missing / obsolete; per playbook: can it be launched
    in this locale, and if not, exactly which strings are missing and where they are used.

    Measured against the templates as they are now, so an edit shows up before any
    extraction. A catalog with a syntax error is shown as broken, the error (file, line,
    fix) is printed, and the exit code is 2."""
    from ..content.translations import status

    report = status(_root(obj), locales or None)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        _print_status(report)
    broken = [s for s in report.locales if not s.readable]
    for s in broken:
        for p in s.problems:
            click.secho(f"error: {p}", fg="red", err=True)
    if broken:
        click.secho(
            f"{len(broken)} catalog(s) cannot be read: nothing can be launched in"
            f" {', '.join(s.locale for s in broken)} until the line named above is fixed",
            fg="red",
            err=True,
        )
        raise click.exceptions.Exit(2)


def _readiness(readable: bool, launchable: bool) -> str:
    if not readable:
        return "broken"
    return "ready" if launchable else "blocked"


def _print_status(report: Status) -> None:
    if not report.template_current:
        click.secho(
            f"locales/messages.pot is out of date ({len(report.template_added)} new,"
            f" {len(report.template_removed)} gone): run launcher i18n extract"
            " && launcher i18n update",
            fg="yellow",
        )
    playbooks = sorted({pid for s in report.locales for pid in s.playbooks})
    header = f"{'LOCALE':<8}{'DONE':>9} {'FUZZY':>6} {'MISSING':>8} {'OBSOLETE':>9}  "
    click.echo(header + "  ".join(playbooks))
    for s in report.locales:
        not_translated = s.untranslated + s.missing + s.invalid
        cells = "  ".join(
            _readiness(s.readable, s.playbooks[p]["launchable"]).ljust(len(p)) for p in playbooks
        )
        if not s.readable:  # nothing in it can be counted
            click.echo(f"{s.locale:<8}{'-':>9} {'-':>6} {'-':>8} {'-':>9}  {cells}")
            continue
        click.echo(
            f"{s.locale:<8}{s.translated:>4}/{s.total:<4} {s.fuzzy:>6} {not_translated:>8}"
            f" {len(s.obsolete):>9}  {cells}"
        )
    for s in report.locales:
        if not s.not_ready and not s.problems and not s.obsolete:
            continue
        click.echo(f"\n{s.locale} ({s.file})")
        if not s.readable:
            click.secho("  broken: the .po cannot be read (the error is below)", fg="red")
        for p in s.problems if s.readable else ():
            click.secho(f"  error: {p}", fg="red")
        for e in s.not_ready:
            where = f":{e.line}" if e.line else ""
            text = e.msgid if len(e.msgid) <= 70 else e.msgid[:67] + "..."
            ctx = f" [context {e.context}]" if e.context else ""
            used = ", ".join(e.used_in)
            click.echo(f'  {e.state:<12} "{text}"{ctx}  (po{where}; used in {used})')
            if e.previous:
                prev = e.previous if len(e.previous) <= 70 else e.previous[:67] + "..."
                click.echo(f'  {"":<12} stale: translated from "{prev}"')
            if e.detail:
                click.echo(f"  {'':<12} {e.detail}")
        for msgid in s.obsolete:
            text = msgid if len(msgid) <= 70 else msgid[:67] + "..."
            click.echo(f'  {"obsolete":<12} "{text}" (no longer used; delete when done)')
        blocked = [p for p in playbooks if not s.playbooks[p]["launchable"]]
        if blocked:
            click.echo(f"  blocks: {', '.join(blocked)}")
        if not s.missions:
            click.echo(
                "  no mission publishes in this locale yet: add it to missions.yaml"
                " (languages, names, city_names)"
            )


@i18n_group.command("add")
@click.argument("locale")
@click.pass_obj
def add_cmd(obj: dict, locale: str) -> None:
    """Start a new language: locales/LOCALE/LC_MESSAGES/messages.po from the .pot, with a
    Plural-Forms header checked against CLDR."""
    from ..content.translations import add_locale

    root = _root(obj)
    path, strings, problems = add_locale(root, locale)
    click.echo(f"created {path.relative_to(root).as_posix()} with {strings} strings to translate.")
    for p in problems:
        click.secho(f"warning: {p}", fg="yellow", err=True)
    click.echo(
        "next: translate it in your .po editor (Poedit, Weblate, ...), check with"
        f" `launcher i18n status --locale {locale}`, and add '{locale}' to the missions that"
        " publish in it (missions.yaml: languages, names, city_names). Until it is complete,"
        f" list it under draft_locales: [{locale}] in missions.yaml: validate then reports what"
        " is missing as warnings, and no plan publishes in it."
    )


def register(group: click.Group) -> None:
    group.add_command(i18n_group)
