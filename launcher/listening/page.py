"""The impact report as one self-contained HTML page, charts drawn as inline SVG.

Pure: :func:`render_report` turns :func:`launcher.listening.report.build_report`'s document
into HTML and touches nothing else. Like the preview, the page needs no network to be viewed
(inline CSS, inline SVG, no script at all; a Content-Security-Policy forbids every load), so
it can be mailed as it is. Inline SVG rather than a plotting library: three kinds of chart
(lines over time, bars), a few dozen points each, and a page that must stay one small file
with nothing to load; each chart is drawn from the same numbers the tables show, and every
point carries its value (``<title>``, ``data-value``) so a person hovering it reads it and a
test can compare it with the ledger.

Every text from the ledger (handles, what people wrote) is escaped by the template's
autoescaping; each locale's name and each inbox text carries ``lang`` and ``dir`` (Arabic is
laid out right to left).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from markupsafe import Markup, escape

from .. import __version__
from ..adapters.base import METRICS
from ..content.i18n import is_rtl

PLATFORM_NAMES = {
    "mastodon": "Mastodon",
    "bluesky": "Bluesky",
    "x": "X",
    "facebook": "Facebook",
    "telegram": "Telegram",
    "sandbox": "Sandbox",
}
#: one colour per series, colour-blind-safe (Okabe-Ito)
COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
CSP = (
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none';"
    " form-action 'none'"
)


@dataclass(frozen=True)
class Lang:
    code: str
    lang: str
    dir: str
    native: str
    name: str


def lang_of(code: str | None) -> Lang:
    from babel import Locale, UnknownLocaleError

    code = code or "und"
    try:
        loc = Locale.parse(code.replace("-", "_"))
        native = loc.get_display_name(loc) or code
        name = loc.get_display_name("en") or code
    except (UnknownLocaleError, ValueError, TypeError):
        native = name = code
    return Lang(code, code.replace("_", "-"), "rtl" if is_rtl(code) else "ltr", native, name)


def number(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and not value.is_integer():
        return f"{value:,.1f}"
    return f"{int(value):,}"


def line_chart(
    series: dict[str, list[list[float]]],
    *,
    title: str,
    label: Any = None,
    unit: str = "",
    width: int = 640,
    height: int = 240,
) -> Markup:
    """Lines over time (x: hours since the event was confirmed), one per series, with a
    legend; every point is a circle carrying its value."""
    label = label or (lambda k: k)
    if not any(series.values()):
        return Markup(f'<p class="empty">{escape(title)}: nothing measured yet.</p>')
    left, right, top, bottom = 56, 16, 28, 40
    xs = [p[0] for pts in series.values() for p in pts]
    ys = [p[1] for pts in series.values() for p in pts]
    x0, x1 = min(0.0, min(xs)), max(max(xs), 1.0)  # at least the first hour
    y1 = max(ys) or 1.0
    if x1 <= x0:
        x1 = x0 + 1.0

    def sx(x: float) -> float:
        return left + (x - x0) / (x1 - x0) * (width - left - right)

    def sy(y: float) -> float:
        return height - bottom - y / y1 * (height - top - bottom)

    parts = [
        f'<svg class="chart" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
        f'<line class="axis" x1="{left}" y1="{height - bottom}" x2="{width - right}" '
        f'y2="{height - bottom}"/>',
        f'<line class="axis" x1="{left}" y1="{top}" x2="{left}" y2="{height - bottom}"/>',
    ]
    for frac in (0.0, 0.5, 1.0):
        y = y1 * frac
        parts.append(
            f'<text class="tick" x="{left - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">'
            f"{escape(number(round(y)))}</text>"
        )
        parts.append(
            f'<line class="grid" x1="{left}" y1="{sy(y):.1f}" x2="{width - right}" '
            f'y2="{sy(y):.1f}"/>'
        )
    for frac in (0.0, 0.5, 1.0):
        x = x0 + (x1 - x0) * frac
        parts.append(
            f'<text class="tick" x="{sx(x):.1f}" y="{height - bottom + 16}" '
            f'text-anchor="middle">{escape(_hours(x))}</text>'
        )
    parts.append(
        f'<text class="axis-label" x="{(left + width - right) / 2:.0f}" y="{height - 6}" '
        'text-anchor="middle">time since the event was confirmed</text>'
    )
    for i, (key, pts) in enumerate(series.items()):
        colour = COLOURS[i % len(COLOURS)]
        path = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y in pts)
        parts.append(
            f'<g class="series" data-series="{escape(key)}">'
            f'<polyline fill="none" stroke="{colour}" stroke-width="2" points="{path}"/>'
        )
        for x, y in pts:
            parts.append(
                f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3" fill="{colour}" '
                f'data-hours="{x}" data-value="{int(y)}"><title>{escape(label(key))}: '
                f"{escape(number(y))}{unit} at {escape(_hours(x))}</title></circle>"
            )
        parts.append("</g>")
        lx = left + 8 + (i % 4) * 140
        ly = 14 + (i // 4) * 14
        parts.append(
            f'<rect x="{lx}" y="{ly - 8}" width="10" height="10" fill="{colour}"/>'
            f'<text class="legend" x="{lx + 14}" y="{ly + 1}">{escape(label(key))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def bar_chart(values: dict[str, int | None], *, title: str, label: Any = None) -> Markup:
    """Horizontal bars, one per key; a value that was not measured is said so."""
    label = label or (lambda k: k)
    width, row = 640, 24
    left = 170
    known = [v for v in values.values() if v is not None]
    top = max(known, default=0) or 1
    height = row * len(values) + 10
    parts = [
        f'<svg class="chart bars" role="img" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" xmlns="http://www.w3.org/2000/svg" aria-label="{escape(title)}">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (key, value) in enumerate(values.items()):
        y = 5 + i * row
        parts.append(
            f'<text class="tick" x="{left - 8}" y="{y + 15}" text-anchor="end">'
            f"{escape(label(key))}</text>"
        )
        if value is None:
            parts.append(f'<text class="unmeasured" x="{left}" y="{y + 15}">not measured</text>')
            continue
        w = max(1.0, value / top * (width - left - 70))
        parts.append(
            f'<rect class="bar" data-key="{escape(key)}" data-value="{value}" x="{left}" '
            f'y="{y + 3}" width="{w:.1f}" height="{row - 8}" fill="{COLOURS[0]}">'
            f"<title>{escape(label(key))}: {escape(number(value))}</title></rect>"
            f'<text class="tick" x="{left + w + 6:.1f}" y="{y + 15}">{escape(number(value))}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def _hours(h: float) -> str:
    if h < 1:
        return f"{round(h * 60)} min"
    if h < 48:
        return f"{h:.1f} h".replace(".0 h", " h")
    return f"{h / 24:.1f} d".replace(".0 d", " d")


def render_report(report: dict[str, Any]) -> str:
    langs = {loc: lang_of(loc) for loc in report["by_locale"]}
    for item in report["inbox"]["latest"]:
        for code in (item.get("language"), item.get("locale")):
            if code and code not in langs:
                langs[code] = lang_of(code)

    def locale_label(code: str) -> str:
        lang = langs.get(code) or lang_of(code)
        return f"{lang.name} ({code})"

    def platform_label(code: str) -> str:
        return PLATFORM_NAMES.get(code, code)

    series = report["series"]
    charts = {
        "engagement_by_platform": line_chart(
            series["engagement_by_platform"],
            title="Engagement over time, by platform (replies + reposts + likes + quotes)",
            label=platform_label,
        ),
        "engagement_by_locale": line_chart(
            series["engagement_by_locale"],
            title="Engagement over time, by language",
            label=locale_label,
        ),
        "followers_by_platform": line_chart(
            series["followers_by_platform"],
            title="Followers over time, by platform",
            label=platform_label,
        ),
        "by_locale_platform": bar_chart(
            {f"{r['locale']}/{r['platform']}": r["engagement"] for r in _pairs(report["rows"])},
            title="Engagement by language and platform",
            label=lambda k: f"{locale_label(k.split('/')[0])} · {platform_label(k.split('/')[1])}",
        ),
    }
    return _template().render(
        r=report,
        charts=charts,
        langs=langs,
        metrics=METRICS,
        number=number,
        platform_name=platform_label,
        style=Markup(_read("report.css")),
        csp=CSP,
        version=__version__,
    )


def _pairs(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows summed per (locale, platform), over messages."""
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        slot = out.setdefault(
            (row["locale"], row["platform"]),
            {"locale": row["locale"], "platform": row["platform"], "engagement": None},
        )
        if row["engagement"] is not None:
            slot["engagement"] = (slot["engagement"] or 0) + row["engagement"]
    return [out[k] for k in sorted(out)]


def _read(name: str) -> str:
    return resources.files(__package__).joinpath("assets", name).read_text(encoding="utf-8")


@cache
def _template() -> Any:
    from jinja2 import Environment, StrictUndefined

    env = Environment(
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    return env.from_string(_read("report.html.j2"))
