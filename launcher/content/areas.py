"""Where a mission is: the optional ``area:`` of a mission in ``missions.yaml``.

An event feed says where something happened (a USGS epicentre, a CAP alert's polygons and
circles); the missions registry says which missions that concerns. A mission always has its
country; ``area`` adds the region it serves, as circles and polygons of ``[lat, lon]`` points
(the order CAP uses)::

    area:
      - {center: [41.9, 12.5], radius_km: 600}
      - polygon: [[47.1, 6.6], [47.1, 13.9], [36.6, 18.6], [36.6, 12.4], [43.8, 7.5]]

Distances are great-circle kilometres (the ``haversine`` library); a polygon's edges are
measured in a local flat projection, which is within a fraction of a percent at the distances
a trigger names (hundreds of kilometres).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .schema import Checker

Point = tuple[float, float]  # (lat, lon)


@dataclass(frozen=True)
class Region:
    """A circle (``center`` + ``radius_km``) or a polygon (``points``, closed implicitly)."""

    center: Point | None = None
    radius_km: float = 0.0
    points: tuple[Point, ...] = ()

    def distance_km(self, point: Point) -> float:
        """0 inside, else the kilometres from ``point`` to the region's edge."""
        if self.center is not None:
            return max(0.0, km(self.center, point) - self.radius_km)
        if inside(point, self.points):
            return 0.0
        ring = (*self.points, self.points[0])
        return min(_segment_km(point, a, b) for a, b in itertools.pairwise(ring))


def km(a: Point, b: Point) -> float:
    # imported here: it brings numpy, a fifth of a second on every command that loads the
    # missions, and only a feed's geographic match measures a distance
    from haversine import Unit, haversine

    return float(haversine(a, b, unit=Unit.KILOMETERS))


def inside(point: Point, polygon: Sequence[Point]) -> bool:
    """Even-odd rule on (lat, lon): enough for a mission's region, which never spans a pole."""
    lat, lon = point
    hit = False
    j = len(polygon) - 1
    for i in range(len(polygon)):
        (ai, oi), (aj, oj) = polygon[i], polygon[j]
        if (oi > lon) != (oj > lon) and lat < (aj - ai) * (lon - oi) / (oj - oi) + ai:
            hit = not hit
        j = i
    return hit


def _segment_km(p: Point, a: Point, b: Point) -> float:
    """Distance from ``p`` to segment ab, in an equirectangular projection around ``p``."""
    scale = math.cos(math.radians(p[0]))

    def xy(q: Point) -> tuple[float, float]:
        return ((q[1] - p[1]) * scale, q[0] - p[0])

    (ax, ay), (bx, by) = xy(a), xy(b)
    dx, dy = bx - ax, by - ay
    t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, -(ax * dx + ay * dy) / (dx * dx + dy * dy)))
    nearest = (p[0] + ay + t * dy, p[1] + (ax + t * dx) / (scale or 1e-9))
    return km(p, nearest)


def distance_to_area(regions: Sequence[Region], point: Point) -> float | None:
    """Kilometres from ``point`` to the nearest of ``regions`` (None: the mission has none)."""
    return min((r.distance_km(point) for r in regions), default=None)


def parse_area(chk: Checker, raw: Any, path: tuple[str | int, ...]) -> tuple[Region, ...]:
    """A mission's ``area``: one region or a list of them, every problem with its line."""
    if raw is None:
        return ()
    items = raw if isinstance(raw, list) else [raw]
    out = []
    for i, body in enumerate(items):
        p = (*path, i) if isinstance(raw, list) else path
        r = chk.mapping(body, p, optional=("center", "radius_km", "polygon"), what="an area")
        if r is None:
            continue
        if "polygon" in r:
            pts = r["polygon"]
            points = [_point(chk, q, (*p, "polygon", j)) for j, q in enumerate(pts or [])]
            if not isinstance(pts, list) or len(pts) < 3:
                chk.add((*p, "polygon"), "a polygon needs at least 3 [lat, lon] points")
            elif all(q is not None for q in points):
                out.append(Region(points=tuple(q for q in points if q is not None)))
            continue
        center = _point(chk, r.get("center"), (*p, "center"))
        radius = r.get("radius_km")
        if radius is None or not chk.typed(radius, (*p, "radius_km"), int, float):
            if radius is None:
                chk.add(p, "an area is {center: [lat, lon], radius_km: N} or {polygon: [...]}")
            continue
        if radius <= 0:
            chk.add((*p, "radius_km"), "must be more than 0 (kilometres)")
            continue
        if center is not None:
            out.append(Region(center=center, radius_km=float(radius)))
    return tuple(out)


def _point(chk: Checker, raw: Any, path: tuple[str | int, ...]) -> Point | None:
    ok = (
        isinstance(raw, list)
        and len(raw) == 2
        and all(isinstance(v, int | float) and not isinstance(v, bool) for v in raw)
    )
    if not ok or not (-90 <= raw[0] <= 90 and -180 <= raw[1] <= 180):
        chk.add(path, f"expected [lat, lon] in degrees, e.g. [41.9, 12.5], got {raw!r}")
        return None
    return (float(raw[0]), float(raw[1]))
