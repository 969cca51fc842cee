"""``launcher log --verify``: walk the audit chain, name the first broken link (exit 1)."""

from __future__ import annotations

import sys
from collections.abc import Sequence

import click

from ..errors import AuditBroken, InputError
from .common import echo_json, open_ledger


def parse_anchor(text: str) -> tuple[int, str]:
    seq, sep, digest = text.partition(":")
    if not sep or not seq.isdigit() or len(digest) != 64:
        raise InputError(
            f"{text!r} is not a chain head",
            field="--anchor",
            hint="give it as `log --verify` printed it: SEQ:HASH (64 hex digits)",
        )
    return int(seq), digest.lower()


def verify_log(obj: dict, anchors: Sequence[str], as_json: bool) -> None:
    from ..audit.chain import verify_chain
    from ..paths import content_root
    from ..people.registry import load_people

    wanted = [parse_anchor(a) for a in anchors]
    people = load_people(content_root(obj.get("root")))
    keys = people.public_keys() if people else {}
    _, ledger = open_ledger(obj)
    with ledger, ledger.engine.connect() as conn:
        report = verify_chain(conn, keys, anchors=wanted)
    head = f"{report.head_seq}:{report.head_hash}"
    if as_json:
        echo_json(report.as_dict())
        if not report.ok:
            sys.exit(1)
        return
    if report.ok:
        click.echo(
            f"audit chain intact: {report.links} event(s), {report.signed} signed by verified"
            f" people; head {head}"
        )
        click.echo(f"to detect a rewrite later, keep this head elsewhere: --anchor {head}")
        return
    first = report.first
    assert first is not None
    more = len(report.problems) - 1
    raise AuditBroken(
        f"the audit chain is broken: first broken link: {first.message}"
        + (f" ({more} more problem(s) after it; --json lists them)" if more else ""),
        hint="the ledger was changed outside launcher: keep this ledger as evidence, compare it"
        " with a backup, and find out who could write the database",
    )
