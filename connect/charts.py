"""Server-drawn grid pictures (SVG, no script): one row per group, one column per
topic or answer, each cell darker for more. A table beside each picture carries the
same numbers, for screen readers and for copying."""

from __future__ import annotations

CELL, LEFT, TOP = 44, 170, 110


def grid(
    rows: list[str], columns: list[str], values: list[list[int]], shades=None
) -> dict:
    """Geometry for ``connect/includes/grid_chart.html``. ``shades`` (0 to 1, one per
    value) default to each value against the largest."""
    largest = max((v for row in values for v in row), default=0)
    cells = []
    for row_index, row in enumerate(values):
        for col_index, value in enumerate(row):
            if shades is not None:
                shade = shades[row_index][col_index]
            else:
                shade = value / largest if largest else 0
            shade = round(shade, 2)
            cells.append(
                {
                    "x": LEFT + col_index * CELL,
                    "y": TOP + row_index * CELL,
                    "value": value,
                    "opacity": 0.08 + 0.92 * shade if value else 0.04,
                    "dark": shade > 0.5,
                }
            )
    return {
        "cell": CELL,
        "left": LEFT,
        "top": TOP,
        "width": LEFT + CELL * max(len(columns), 1) + 10,
        "height": TOP + CELL * max(len(rows), 1) + 10,
        "cells": cells,
        "columns": [
            {"x": LEFT + i * CELL + CELL // 2, "label": _short(label, 18)}
            for i, label in enumerate(columns)
        ],
        "rows": [
            {"y": TOP + i * CELL + CELL // 2 + 4, "label": _short(label, 24)}
            for i, label in enumerate(rows)
        ],
    }


def _short(label: str, length: int) -> str:
    return label if len(label) <= length else label[: length - 1].rstrip() + "…"
