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
from ..content.render import RenderError, environment, template_msgids
from ..content.translations import MAPPING_FILE, babel_checks, load_mapping
from ..errors import ContentError, InputError, LauncherError, Problem, SettingsError, dedupe
from ..paths import content_root
from ..plan.build import Content, guard, plan_from

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
    report.checked["missions"] = len(registry.missions) if registry else 0

    env = environment(path)
    templates = sorted((path / "templates").rglob("*.j2"))
    for tpl in templates:
        rel = tpl.relative_to(path / "templates").as_posix()
        try:
            env.parse(tpl.read_text(encoding="utf-8"), rel, f"templates/{rel}")
        except TemplateSyntaxError as exc:
            problems.append(
                Problem(
                    f"template syntax error: {exc.message}",
                    file=f"templates/{rel}",
                    line=exc.lineno,
                    hint="fix the Jinja markup on this line",
                )
            )
        except UnicodeDecodeError:
            problems.append(Problem("not valid UTF-8", file=f"templates/{rel}"))
    report.checked["templates"] = len(templates)
    if (path / MAPPING_FILE).exists():  # extraction must see the strings the runtime looks up
        problems.extend(load_mapping(path)[1])

    # every catalog must cover every translatable string of every template
    all_msgids: dict[str, tuple[str, int]] = {}
    for tpl in templates:
        try:
            found = template_msgids(path, tpl.relative_to(path / "templates").as_posix())
        except RenderError:
            continue  # reported above as a syntax error
        for msgid, where in found.items():
            all_msgids.setdefault(msgid, where)
    locale_dirs = sorted(p.name for p in (path / "locales").glob("*") if p.is_dir())
    for loc in locale_dirs:
        cat, cat_problems = load_catalog(path, loc)
        problems.extend(cat_problems)
        if cat is not None:
            problems.extend(plural_problems(cat))
            problems.extend(check_entries(cat, all_msgids))
            # Babel's checks on the rest (the adapters' checklist steps, strings not yet used)
            problems.extend(babel_checks(cat.catalog, cat.display, skip=all_msgids))
    report.checked["catalogs"] = len(locale_dirs)

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
        for name in (playbook.profile_template, *(m.template for m in playbook.messages)):
            if not (path / "templates" / name).is_file():
                problems.append(
                    Problem(
                        f"template '{name}' does not exist",
                        file=playbook.file,
                        field="profile/messages.template",
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
                    warnings.extend(plan.warnings)
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

    report.problems = dedupe(problems)
    report.warnings = dedupe(warnings)
    return report


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
    except ContentError:  # people.yaml: reported by _people_problems
        return out
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
