"""A case study's results as an accessible SVG line chart, drawn on the server.

No JavaScript and no chart library: a few hundred bytes of SVG with a title and a
description, points labelled with their values, and the same data as a table beside
it (the table is the accessible source of truth; the chart is for the eye).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.utils.formats import number_format
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _

WIDTH, HEIGHT = 640, 280
LEFT, RIGHT, TOP, BOTTOM = 48, 16, 20, 48


@dataclass
class Point:
    label: str
    value: Decimal

    @property
    def display(self) -> str:
        return _number(self.value)


def _number(value: Decimal) -> str:
    """For people, in the reader's language (60.6, 60,6); coordinates use ``_f``."""
    text = f"{value:.2f}".rstrip("0").rstrip(".") or "0"
    return number_format(Decimal(text), use_l10n=True)


def _f(value: float) -> str:
    return f"{value:.1f}"


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    for step in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 10_000, 100_000):
        if value <= step:
            return float(step)
    return value * 1.1


def line_chart(
    points: list[Point], *, title: str, description: str, unit: str = "", chart_id: str
) -> SafeString:
    """An SVG line chart; ``chart_id`` makes the title/description ids unique."""
    if not points:
        return mark_safe("")  # noqa: S308 - a constant empty string
    top_value = max(float(p.value) for p in points)
    y_max = 100.0 if unit.strip() == "%" and top_value <= 100 else _nice_max(top_value)
    plot_w = WIDTH - LEFT - RIGHT
    plot_h = HEIGHT - TOP - BOTTOM
    step = plot_w / max(len(points) - 1, 1)

    def x(i: int) -> float:
        return LEFT + (i * step if len(points) > 1 else plot_w / 2)

    def y(value: Decimal) -> float:
        return TOP + plot_h - (float(value) / y_max) * plot_h

    parts = [
        format_html(
            '<svg class="chart" viewBox="0 0 {} {}" role="img" '
            'aria-labelledby="{}-title {}-desc" xmlns="http://www.w3.org/2000/svg">',
            WIDTH,
            HEIGHT,
            chart_id,
            chart_id,
        ),
        format_html('<title id="{}-title">{}</title>', chart_id, title),
        format_html('<desc id="{}-desc">{}</desc>', chart_id, description),
    ]
    # Grid lines and the y axis scale: 0, half, max.
    for fraction in (0, 0.5, 1):
        gy = TOP + plot_h - fraction * plot_h
        label = _number(Decimal(str(y_max * fraction)))
        parts.append(
            format_html(
                '<line x1="{}" y1="{}" x2="{}" y2="{}" class="chart-grid"/>'
                '<text x="{}" y="{}" class="chart-axis" text-anchor="end">{}{}</text>',
                LEFT,
                _f(gy),
                WIDTH - RIGHT,
                _f(gy),
                LEFT - 6,
                _f(gy + 4),
                label,
                unit,
            )
        )
    coords = " ".join(f"{x(i):.1f},{y(p.value):.1f}" for i, p in enumerate(points))
    parts.append(format_html('<polyline points="{}" class="chart-line"/>', coords))
    for i, point in enumerate(points):
        parts.append(
            format_html(
                '<circle cx="{}" cy="{}" r="4" class="chart-point"/>'
                '<text x="{}" y="{}" class="chart-value" text-anchor="middle">{}{}</text>'
                '<text x="{}" y="{}" class="chart-axis" text-anchor="middle">{}</text>',
                _f(x(i)),
                _f(y(point.value)),
                _f(x(i)),
                _f(y(point.value) - 9),
                _number(point.value),
                unit,
                _f(x(i)),
                HEIGHT - BOTTOM + 18,
                point.label,
            )
        )
    parts.append(mark_safe("</svg>"))  # noqa: S308 - a constant closing tag
    return mark_safe("".join(str(p) for p in parts))  # noqa: S308 - parts escaped above


def describe(points: list[Point], *, indicator: str, unit: str) -> str:
    """A sentence a screen reader can read instead of looking at the chart."""
    if not points:
        return ""
    first, last = points[0], points[-1]
    highest = max(points, key=lambda p: p.value)
    return _(
        "%(indicator)s: %(first)s in %(first_period)s, %(last)s in %(last_period)s; "
        "highest %(high)s in %(high_period)s."
    ) % {
        "indicator": indicator,
        "first": _number(first.value) + unit,
        "first_period": first.label,
        "last": _number(last.value) + unit,
        "last_period": last.label,
        "high": _number(highest.value) + unit,
        "high_period": highest.label,
    }
