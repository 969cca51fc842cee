"""``launcher adapters``: the capability table, generated from the adapters' declarations."""

from __future__ import annotations

import json
from typing import Any

import click

COLUMNS = (
    ("name", "adapter"),
    ("platform", "platform"),
    ("create_accounts", "create"),
    ("profile_fields", "profile fields"),
    ("pin", "pin"),
    ("delete", "delete"),
    ("idempotency", "lost answer"),
    ("text_limit", "limit"),
    ("options", "options (* = credential reference)"),
)


def describe(cls: type) -> dict[str, Any]:
    """One adapter's declarations as plain data (never any configured value)."""
    caps = cls.capabilities
    return {
        "name": cls.name,
        "platform": cls.platform,
        "title": cls.title,
        "class": f"{cls.__module__}:{cls.__qualname__}",
        "create_accounts": caps.create_accounts,
        "profile_fields": sorted(caps.profile_fields),
        "pin": caps.pin,
        "delete": caps.delete,
        "idempotency": caps.idempotency,
        "text_limit": caps.text_limit,
        "counting": caps.counting,
        "images": caps.images,
        "language_tag": caps.language_tag,
        "threads": caps.threads,
        "listening": {
            "inbox": list(caps.listening.inbox),
            "post_metrics": list(caps.listening.post_metrics),
            "batch": caps.listening.batch,
            "followers": caps.listening.followers,
            "answers": caps.listening.answers,
            "unavailable": {what: why for what, why in caps.listening.unavailable},
        },
        "options": [
            {
                "name": o.name,
                "description": o.description,
                "required": o.required,
                "credential": o.credential,
                "default": o.default if isinstance(o.default, str | int | float | bool) else None,
            }
            for o in cls.options
        ],
        "rate_limits": [limit.as_dict() for limit in getattr(cls, "limits", ())],
    }


def _cell(key: str, value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if key == "profile_fields":
        return ",".join(value) or "-"
    if key == "options":
        return ",".join(o["name"] + ("*" if o["credential"] else "") for o in value) or "-"
    return str(value)


def table(rows: list[dict[str, Any]]) -> str:
    cells = [[title for _, title in COLUMNS]]
    cells += [[_cell(key, row[key]) for key, _ in COLUMNS] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(COLUMNS) - 1)]
    lines = []
    for r in cells:
        head = "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=False))
        lines.append(f"{head}  {r[-1]}".rstrip())
    return "\n".join(lines)


def listening_table(rows: list[dict[str, Any]]) -> str:
    """What each adapter's listening post collects, and why not the rest."""
    lines = ["Listening (inbox, post counts per call, followers, answers; and what cannot be):"]
    for row in rows:
        li = row["listening"]
        inbox = ",".join(li["inbox"]) or "-"
        metrics = ",".join(li["post_metrics"]) or "-"
        lines.append(
            f"  {row['name']:<10} inbox: {inbox}; counts: {metrics}"
            + (f" ({li['batch']} posts a call)" if li["post_metrics"] else "")
            + f"; followers: {'yes' if li['followers'] else 'no'}"
            + f"; answers: {'yes' if li['answers'] else 'no'}"
        )
        reasons: dict[str, list[str]] = {}
        for what, why in li["unavailable"].items():
            reasons.setdefault(why, []).append(what)
        for why, whats in reasons.items():
            lines.append(f"  {'':<10}   no {', '.join(whats)}: {why}")
    return "\n".join(lines)


def register(group: click.Group) -> None:
    @group.command("adapters")
    @click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
    @click.pass_context
    def adapters(ctx: click.Context, as_json: bool) -> None:
        """List the platform adapters and what each can do.

        \b
        The table comes from each adapter's declared capabilities; "lost answer" says how a
        post whose answer was lost is kept from being posted twice (idempotency-key,
        client-record-key, or reconcile = look for it before sending again). The last part
        shows which adapter serves each platform under the current settings.
        """
        from ..adapters.registry import available, names
        from ..models import PLATFORMS
        from ..settings import load_settings

        obj = ctx.obj or {}
        settings = load_settings(obj.get("config"), root=obj.get("root"))
        found = available()
        rows = [describe(cls) for _, cls in sorted(found.items())]
        broken = [n for n in names() if n not in found]
        platforms = list(dict.fromkeys([*PLATFORMS, *settings.platforms()]))
        routing = {
            p: str(settings.platform_config(p)["adapter"]) for p in platforms if p != "sandbox"
        }
        if as_json:
            out = {"adapters": rows, "unavailable": broken, "platforms": routing}
            click.echo(json.dumps(out, indent=2, ensure_ascii=False))
            return
        click.echo(table(rows))
        click.echo("")
        click.echo(listening_table(rows))
        limited = [row for row in rows if row["rate_limits"]]
        if limited:
            click.echo("\nRate limits each adapter keeps to (its platform's documented ones):")
            for row in limited:
                texts = dict.fromkeys(limit["text"] for limit in row["rate_limits"])
                click.echo(f"  {row['name']:<10} " + "; ".join(texts))
        for name in broken:
            click.echo(f"(adapter {name!r} is registered but cannot be loaded)", err=True)
        click.echo("")
        source = settings.file or "defaults (no settings file)"
        click.echo(f"Platforms -> adapters, from {source}:")
        for platform, adapter in routing.items():
            click.echo(f"  {platform:<10} {adapter}")
