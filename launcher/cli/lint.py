"""``launcher lint``: the guardrails. Thin: parse, call :mod:`launcher.guardrails`, print."""

from __future__ import annotations

import json

import click

from .completion import missions, playbooks
from .content import group_content, parse_at, parse_sets


@click.command("lint")
@click.argument("playbook", required=False, shell_complete=playbooks)
@click.option(
    "--mission",
    "-m",
    "mission",
    multiple=True,
    shell_complete=missions,
    help="Mission id, e.g. rome (repeatable; default: every mission).",
)
@click.option(
    "--missions",
    "selector",
    metavar="all|REGION|COUNTRY,...",
    help="Several missions at once, as `launcher run --missions` chooses them: all, region"
    " tags, country codes or mission ids, comma-separated.",
)
@click.option(
    "--set",
    "sets",
    multiple=True,
    metavar="NAME=VALUE",
    help="An event fact (repeatable; needs PLAYBOOK and --mission).",
)
@click.option(
    "--at",
    "at",
    metavar="ISO8601",
    help="The moment the event is confirmed (default: now for one plan, PLAYBOOK and "
    "--mission; else the fixed moment `launcher validate` uses). Without an offset it is the "
    "mission's local time, so it needs --mission; 22:00 is today there.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.pass_obj
def lint_cmd(
    obj: dict,
    playbook: str | None,
    mission: tuple[str, ...],
    selector: str | None,
    sets: tuple[str, ...],
    at: str | None,
    as_json: bool,
) -> None:
    """Check the texts a launch would publish against the guardrails (guardrails.yaml).

    \b
    Without arguments: every playbook for every mission with example facts.
    With PLAYBOOK and --mission (repeatable) or --missions: the plan of each mission, with
    --set facts and one --at for all of them.
    Exit 2 if any finding has severity error; warnings are shown only.
    """
    from ..checks.lint import lint_content
    from ..guardrails import group_findings

    chosen: list[str] = []
    zone = None
    if mission or selector is not None:  # as `launcher run` chooses them
        _content, chosen, zone = group_content(obj, mission, selector)
    report = lint_content(
        obj.get("root"),
        playbook=playbook,
        missions=chosen,
        raw_facts=parse_sets(sets),
        now=parse_at(at, zone),
    )
    if as_json:
        click.echo(
            json.dumps(
                {
                    "ok": report.ok,
                    "plans": report.plans,
                    "errors": len(report.errors),
                    "warnings": len(report.warnings),
                    "findings": [f.as_dict() for f in report.findings],
                    "problems": [
                        {
                            "file": p.file,
                            "line": p.line,
                            "field": p.field,
                            "message": p.message,
                            "hint": p.hint,
                        }
                        for p in report.problems
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        for p in report.problems:
            click.secho(str(p), fg="red", err=True)
        for severity, colour in (("error", "red"), ("warning", "yellow")):
            groups = [g for g in group_findings(report.findings) if g.first.severity == severity]
            if not groups:
                continue
            click.secho(f"{severity}s ({len(groups)}):", fg=colour, bold=True, err=True)
            for g in groups:
                click.secho(str(g.to_problem()), fg=colour, err=True)
        summary = (
            f"{report.plans} plan(s) linted: {len(report.errors)} error(s), "
            f"{len(report.warnings)} warning(s)"
        )
        if report.problems:
            summary += f", {len(report.problems)} content problem(s)"
        click.secho(summary, fg="green" if report.ok else "red", err=not report.ok)
    if not report.ok:
        raise click.exceptions.Exit(2)


def register(group: click.Group) -> None:
    group.add_command(lint_cmd)
