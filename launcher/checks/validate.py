"""``launcher validate``: every problem in the content, in one run.

Checks the missions registry, every playbook's structure, every template's syntax, every
catalog, and then renders every playbook for every mission with example facts (both with all
optional facts and with only the required ones), so undefined variables, missing translations
and over-long posts surface before a crisis, not during one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from jinja2 import TemplateSyntaxError

from ..content.i18n import check_entries, load_catalog, plural_problems
from ..content.missions import load_registry
from ..content.params import example_value
from ..content.playbook import parse_playbook_file
from ..content.render import RenderError, environment, template_msgids, template_text
from ..content.translations import MAPPING_FILE, babel_checks, load_mapping
from ..errors import ContentError, InputError, LauncherError, Problem, SettingsError, dedupe
from ..feeds.check import trigger_problems
from ..paths import content_root
from ..plan.build import Content, guard, plan_from
from ..plan.replies import reply_problems

#: a fixed moment for example renders: deterministic output, and inside a DST period
EXAMPLE_NOW = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)


@dataclass
class Report:
    problems: list[Problem] = field(default_factory=list)
    checked: dict[str, int] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def validate(root: str | Path | None = None, *, config: str | None = None) -> Report:
    path = content_root(root)
    report = Report()
    problems = report.problems
    registry, reg_problems = load_registry(path)
    problems.extend(reg_problems)
    report.checked["missions"] = len(registry.missions) + len(registry.broken) if registry else 0
    # draft locales (still being translated) and catalogs no mission publishes in yet are
    # reported as warnings: they block nothing
    drafts = {loc: f"draft locale {loc}" for loc in (registry.draft_locales if registry else ())}
    published = registry.locales_in_use if registry else frozenset()

    env = environment(path)
    templates = sorted((path / "templates").rglob("*.j2"))
    for tpl in templates:
        rel = tpl.relative_to(path / "templates").as_posix()
        try:
            env.parse(template_text(path, rel).decode("utf-8"), rel, f"templates/{rel}")
        except RenderError as exc:  # not UTF-8: the line of the first byte that is not
            problems.append(exc.problem)
        except TemplateSyntaxError as exc:
            problems.append(
                Problem(
                    f"template syntax error: {exc.message}",
                    file=f"templates/{rel}",
                    line=exc.lineno,
                    hint="fix the Jinja markup on this line",
                )
            )
    report.checked["templates"] = len(templates)
    if (path / MAPPING_FILE).exists():  # extraction must see the strings the runtime looks up
        problems.extend(load_mapping(path)[1])

    # every catalog must cover every translatable string of every template
    all_msgids: dict[str, tuple[str, int]] = {}
    for tpl in templates:
        try:
            found = template_msgids(path, tpl.relative_to(path / "templates").as_posix())
        except RenderError:
            continue  # reported above (a syntax error, not UTF-8)
        for msgid, where in found.items():
            all_msgids.setdefault(msgid, where)
    locale_dirs = sorted(p.name for p in (path / "locales").glob("*") if p.is_dir())
    for loc in locale_dirs:
        if registry is not None and loc not in published and loc not in drafts:
            drafts[loc] = f"locale {loc}, which no mission publishes in yet"
        found = report.warnings if loc in drafts else problems
        cat, cat_problems = load_catalog(path, loc)
        found.extend(_draft(cat_problems, loc, drafts))
        if cat is not None:
            found.extend(_draft(plural_problems(cat), loc, drafts))
            found.extend(_draft(check_entries(cat, all_msgids), loc, drafts))
            # Babel's checks on the rest (strings not used by any template yet)
            found.extend(
                _draft(babel_checks(cat.catalog, cat.display, skip=all_msgids), loc, drafts)
            )
    report.checked["catalogs"] = len(locale_dirs)
    # places.yaml, and every form of a place or platform name the translations ask for
    from ..places import load_gazetteer
    from ..places.check import place_problems

    problems.extend(place_problems(path, [d for d in locale_dirs if d not in drafts]))
    report.checked["places"] = len(load_gazetteer(path)[0].places)

    playbook_files = sorted((path / "playbooks").glob("*.yaml"))
    report.checked["playbooks"] = len(playbook_files)
    renders = 0
    warnings: list[Problem] = []
    for pb_file in playbook_files:
        playbook, pb_problems = parse_playbook_file(pb_file, path)
        problems.extend(pb_problems)
        if playbook is None or registry is None:
            continue
        content = Content(path, registry)
        problems.extend(
            trigger_problems(content, playbook, EXAMPLE_NOW)
        )  # sources, fields, corrections
        for name in dict.fromkeys(playbook.templates):
            if not (path / "templates" / name).exists():  # a directory: reported above
                problems.append(
                    Problem(
                        f"template '{name}' does not exist",
                        file=playbook.file,
                        field="profile/messages/sunset template",
                        hint="paths are relative to templates/",
                    )
                )
        for mission in registry.missions.values():
            for variant in ("all facts", "required facts only"):
                facts = {
                    p.name: example_value(p, EXAMPLE_NOW)
                    if (variant == "all facts" or p.required)
                    else (EXAMPLE_NOW if p.default == "now" else p.default)
                    for p in playbook.parameters
                }
                try:
                    plan = guard(content, plan_from(content, playbook, mission, facts, EXAMPLE_NOW))
                    renders += 1
                    # what the fact rules say of the playbook's example facts is not news
                    warnings.extend(w for w in plan.warnings if not _about_example_facts(w))
                    if playbook.sunset is not None and variant == "all facts":
                        from ..sunset.plan import check_sunset  # farewells, restored profiles

                        problems.extend(
                            check_sunset(content, playbook, mission, plan.event.facts, EXAMPLE_NOW)
                        )
                    if variant == "all facts":  # the inbox's answers, every locale and platform
                        problems.extend(
                            reply_problems(content, playbook, mission, facts, EXAMPLE_NOW)
                        )
                except ContentError as exc:
                    problems.extend(exc.problems)
                except InputError as exc:
                    problems.append(
                        Problem(exc.message, file=playbook.file, field=exc.field, hint=exc.hint)
                    )
    report.checked["plans rendered"] = renders

    problems.extend(_people_problems(path))
    problems.extend(_approval_problems(path))

    try:
        from ..settings import load_settings
    except ImportError:
        pass
    else:
        try:
            problems.extend(load_settings(config).problems())
        except (ContentError, SettingsError) as exc:
            problems.extend(exc.problems)
        except LauncherError as exc:
            problems.append(Problem(exc.message, field="settings", hint=exc.hint))
        report.checked["settings"] = 1

    report.problems = sorted(dedupe(problems), key=_structure_first)
    report.warnings = dedupe([*report.warnings, *warnings])
    return report


def _about_example_facts(problem: Problem) -> bool:
    """A fact-sanity or fact-script warning: about the facts of a plan, here the examples."""
    field = problem.field or ""
    return "[rule fact-sanity]" in field or "[rule fact-script]" in field


def _structure_first(problem: Problem) -> int:
    """The structure of the content (missions.yaml, playbooks, babel.cfg) before what follows
    from it (templates, catalogs, renders): one broken key can explain many later lines."""
    file = problem.file or ""
    if file == "missions.yaml" or file.startswith("playbooks/") or file == MAPPING_FILE:
        return 0
    return 1


def _draft(found: list[Problem], loc: str, drafts: dict[str, str]) -> list[Problem]:
    """Problems of a draft locale say so (they are warnings until it is done)."""
    if loc not in drafts:
        return found
    return [
        Problem(
            f"({drafts[loc]}) {p.message}",
            file=p.file,
            line=p.line,
            field=p.field,
            hint=p.hint,
        )
        for p in found
    ]


def _people_problems(root: Path) -> list[Problem]:
    """people.yaml (when there is one): every problem, with its line."""
    from ..people.registry import load_people

    try:
        load_people(root)
    except ContentError as exc:
        return exc.problems
    return []


def _approval_problems(root: Path) -> list[Problem]:
    """Tampered entries, or entries signed by an unlisted key, are errors: someone edited the
    approvals file by hand. Stale approvals are normal after edits (see `launcher approvals`)."""
    from ..approvals import APPROVALS_FILE, load_approvals, load_keys, verify

    out = []
    try:
        entries = load_approvals(root)
    except ContentError as exc:
        return exc.problems
    try:
        keys = load_keys(root)
    except ContentError as exc:  # approval-keys.yaml is a directory, or people.yaml is broken
        return exc.problems  # (_people_problems says the same: deduplicated)
    for entry in entries:
        bad = verify(entry, keys)
        if bad and bad != "revoked-key":  # revoked: no longer approves (`launcher approvals`)
            out.append(
                Problem(
                    f"approval of {entry.playbook} by {entry.approved_by} does not verify ({bad})",
                    file=APPROVALS_FILE,
                    line=entry.line,
                    hint="an entry was edited by hand or signed with an unlisted key: remove it"
                    " and "
                    "approve again with `launcher approve content`",
                )
            )
    return out
