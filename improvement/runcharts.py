"""Run-chart rules, after Perla, Provost & Murray, "The run chart: a simple analytical
tool for learning from variation in healthcare processes", BMJ Qual Saf 2011;20:46-51.

One pure function, :func:`detect_signals`, applies the three rules that need no
judgement (the fourth, the "astronomical data point", is left to the people reading the
chart):

* **shift**: six or more consecutive points all above, or all below, the median. Points
  on the median neither extend nor break a shift.
* **trend**: five or more consecutive points all going up, or all going down. Equal
  neighbours are counted once: they neither extend nor break a trend.
* **too few / too many runs**: a run is a sequence of points on one side of the median;
  the number of runs is compared with the paper's Table 1 (from Swed & Eisenhart, 1943)
  for the number of *useful* observations (those not on the median), 10 to 60.

Missing months (``None``) are skipped: they are not observations, and a signal's
``first`` and ``last`` index still point into the list that was given.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

SHIFT_POINTS = 6
TREND_POINTS = 5

# Useful observations -> (lower, upper): fewer runs than `lower` is too few, more than
# `upper` too many. Perla, Provost & Murray 2011, Table 1.
RUNS_TABLE: dict[int, tuple[int, int]] = {
    10: (3, 9),
    11: (3, 10),
    12: (3, 11),
    13: (4, 11),
    14: (4, 12),
    15: (5, 12),
    16: (5, 13),
    17: (5, 13),
    18: (6, 14),
    19: (6, 15),
    20: (6, 16),
    21: (7, 16),
    22: (7, 17),
    23: (7, 17),
    24: (8, 18),
    25: (8, 18),
    26: (9, 19),
    27: (10, 19),
    28: (10, 20),
    29: (10, 20),
    30: (11, 21),
    31: (11, 22),
    32: (11, 23),
    33: (12, 23),
    34: (12, 24),
    35: (13, 24),
    36: (13, 25),
    37: (13, 26),
    38: (14, 26),
    39: (14, 27),
    40: (15, 27),
    41: (16, 28),
    42: (16, 28),
    43: (17, 29),
    44: (17, 30),
    45: (17, 30),
    46: (17, 31),
    47: (18, 31),
    48: (18, 32),
    49: (19, 33),
    50: (19, 33),
    51: (20, 34),
    52: (20, 34),
    53: (21, 35),
    54: (21, 35),
    55: (22, 36),
    56: (22, 37),
    57: (22, 37),
    58: (23, 38),
    59: (23, 38),
    60: (24, 39),
}


class SignalKind(StrEnum):
    SHIFT = "shift"
    TREND = "trend"
    TOO_FEW_RUNS = "too_few_runs"
    TOO_MANY_RUNS = "too_many_runs"


@dataclass(frozen=True)
class Signal:
    """A non-random pattern: ``first`` and ``last`` index the values given.

    ``direction`` is ``"up"`` (a shift above the median, a rising trend), ``"down"``, or
    ``""`` for the runs rules, which say that something changed but not which way.
    """

    kind: SignalKind
    first: int
    last: int
    direction: str = ""

    def covers(self, index: int) -> bool:
        return self.first <= index <= self.last


Value = float | int | None


def centre_line(values: Sequence[Value], baseline: int | None = None) -> float | None:
    """The median of the first ``baseline`` values (all of them when ``None``),
    ignoring missing ones; ``None`` when there is nothing to take a median of."""
    if baseline is not None and baseline < 1:
        raise ValueError("baseline must be a positive number of points")
    window = values if baseline is None else values[:baseline]
    present = [float(v) for v in window if v is not None]
    if not present:
        return None
    return float(statistics.median(present))


def _on(value: float, centre: float) -> bool:
    return math.isclose(value, centre, rel_tol=1e-9, abs_tol=1e-12)


def detect_signals(
    values: Sequence[Value], baseline: int | None = None
) -> list[Signal]:
    """Every shift, trend and runs signal in ``values`` (in time order).

    ``baseline`` is how many leading values make the median (a frozen baseline that is
    extended over later points); without it the median of every value is used.
    """
    points = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    centre = centre_line(values, baseline)
    if centre is None:
        return []
    signals = _shifts(points, centre) + _trends(points) + _runs(points, centre)
    return sorted(signals, key=lambda s: (s.first, s.last, s.kind))


def _sides(points: list[tuple[int, float]], centre: float) -> list[tuple[int, int]]:
    """(index, +1 above / -1 below) for every point not on the median."""
    return [(i, 1 if v > centre else -1) for i, v in points if not _on(v, centre)]


def _shifts(points: list[tuple[int, float]], centre: float) -> list[Signal]:
    signals: list[Signal] = []
    run: list[tuple[int, int]] = []
    for item in [*_sides(points, centre), (-1, 0)]:  # sentinel closes the last run
        if run and item[1] != run[0][1]:
            if len(run) >= SHIFT_POINTS:
                direction = "up" if run[0][1] > 0 else "down"
                signals.append(
                    Signal(SignalKind.SHIFT, run[0][0], run[-1][0], direction)
                )
            run = []
        run.append(item)
    return signals


def _trends(points: list[tuple[int, float]]) -> list[Signal]:
    # Like values count once: keep the first of each group of equal neighbours.
    distinct: list[tuple[int, float]] = []
    for index, value in points:
        if distinct and _on(value, distinct[-1][1]):
            continue
        distinct.append((index, value))
    if len(distinct) < TREND_POINTS:
        return []
    signals: list[Signal] = []

    def close(start: int, end: int, rising: bool) -> None:
        if end - start + 1 >= TREND_POINTS:
            signals.append(
                Signal(
                    SignalKind.TREND,
                    distinct[start][0],
                    distinct[end][0],
                    "up" if rising else "down",
                )
            )

    start = 0
    rising = distinct[1][1] > distinct[0][1]
    for k in range(2, len(distinct)):
        step_up = distinct[k][1] > distinct[k - 1][1]
        if step_up != rising:
            close(start, k - 1, rising)
            start, rising = k - 1, step_up  # the turning point starts the next one
    close(start, len(distinct) - 1, rising)
    return signals


def _runs(points: list[tuple[int, float]], centre: float) -> list[Signal]:
    useful = _sides(points, centre)
    limits = RUNS_TABLE.get(len(useful))
    if limits is None:
        return []
    runs = 1 + sum(1 for a, b in zip(useful, useful[1:], strict=False) if a[1] != b[1])
    lower, upper = limits
    first, last = useful[0][0], useful[-1][0]
    if runs < lower:
        return [Signal(SignalKind.TOO_FEW_RUNS, first, last)]
    if runs > upper:
        return [Signal(SignalKind.TOO_MANY_RUNS, first, last)]
    return []


def count_runs(values: Sequence[Value], baseline: int | None = None) -> int:
    """How many runs the values make around the median (for the chart's summary)."""
    centre = centre_line(values, baseline)
    if centre is None:
        return 0
    points = [(i, float(v)) for i, v in enumerate(values) if v is not None]
    useful = _sides(points, centre)
    if not useful:
        return 0
    return 1 + sum(1 for a, b in zip(useful, useful[1:], strict=False) if a[1] != b[1])
