"""Choosing missions for one launch across many: ``run --missions all|REGION|COUNTRY,...``.

A selector is a comma-separated list; each item is ``all``, a mission id, a region tag
(``regions:`` in missions.yaml) or an ISO 3166-1 country code (two letters, any case). The
result keeps the order of missions.yaml and names each mission once. An item that matches
nothing is an error that lists what exists, never an empty launch.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from ..errors import InputError
from ..models import Mission
from .schema import did_you_mean, known_list


def select_missions(
    missions: Mapping[str, Mission], selector: str = "", ids: Iterable[str] = ()
) -> list[str]:
    """Mission ids chosen by ``ids`` (``--mission``, repeatable) and ``selector``."""
    wanted: set[str] = set()
    for mid in ids:
        if mid not in missions:
            raise InputError(
                f"unknown mission '{mid}'{did_you_mean(mid, missions)}",
                field="--mission",
                hint=f"known missions: {known_list(missions)}",
            )
        wanted.add(mid)
    regions = sorted({r for m in missions.values() for r in m.regions})
    countries = sorted({m.country for m in missions.values()})
    for raw in selector.split(","):
        item = raw.strip()
        if not item:
            continue
        if item.lower() == "all":
            wanted.update(missions)
        elif item in missions:
            wanted.add(item)
        elif item.lower() in regions:
            wanted.update(mid for mid, m in missions.items() if item.lower() in m.regions)
        elif len(item) == 2 and item.upper() in countries:
            wanted.update(mid for mid, m in missions.items() if m.country == item.upper())
        else:
            known = [*missions, *regions]
            tagged = known_list(regions) if regions else "none yet: add regions: to missions.yaml"
            raise InputError(
                f"'{item}' is no mission, region or country of missions.yaml"
                f"{did_you_mean(item, known)}",
                field="--missions",
                hint=f"use all, a mission ({known_list(missions)}), a region ({tagged}) or a"
                f" country code ({', '.join(countries)})",
            )
    return [mid for mid in missions if mid in wanted]
