"""Run-chart geometry for server-rendered SVG: numbers in, coordinates and words out.

No drawing library and no JavaScript: the template writes the SVG from a
:class:`RunChart`, with a ``<title>``, a ``<desc>`` that says in words what the chart
shows, and a data table beside it.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from .models import Indicator
from .runcharts import Signal, SignalKind, centre_line, count_runs, detect_signals


@dataclass(frozen=True)
class Size:
    width: int
    height: int
    left: int
    right: int
    top: int
    bottom: int
    # "full" (a chart on its own), "phone" (the same chart drawn for a narrow
    # screen), "small" (one of the small multiples).
    kind: str = "full"

    @property
    def plot_width(self) -> int:
        return self.width - self.left - self.right

    @property
    def plot_height(self) -> int:
        return self.height - self.top - self.bottom

    @property
    def plot_bottom(self) -> int:
        return self.height - self.bottom

    @property
    def plot_right(self) -> int:
        return self.width - self.right

    @property
    def tick_x(self) -> int:
        return self.left - 4

    @property
    def x_label_y(self) -> int:
        return self.plot_bottom + 15

    @property
    def marker_y(self) -> int:
        return self.top - 8

    @property
    def small(self) -> bool:
        return self.kind == "small"

    @property
    def phone(self) -> bool:
        return self.kind == "phone"

    @property
    def x_label_count(self) -> int:
        """How many month labels fit along the x axis."""
        return {"full": 8, "phone": 4}.get(self.kind, 3)


FULL = Size(width=640, height=280, left=60, right=12, top=28, bottom=36)
# 290 units: three to a row on a wide screen (about 275 px each) and one to a row on
# a phone (about 300 px) both keep the 12 px text at 11 px or more.
SMALL = Size(width=290, height=170, left=56, right=8, top=22, bottom=26, kind="small")
# A full chart scaled to a 360 px phone would draw its 12 px text at about 6 px: on
# narrow screens the page shows this drawing instead, 320 units wide for about 328
# CSS px, so the text stays at 12 px (``.rc--two`` in improvement.css).
PHONE = Size(width=320, height=240, left=56, right=8, top=26, bottom=30, kind="phone")
# Roughly how wide a label's character is at 12 px (bold), to keep labels inside.
CHAR_WIDTH = 7.0


@dataclass(frozen=True)
class Scale:
    """The value range of the y axis; small multiples share one."""

    low: float
    high: float

    @classmethod
    def for_values(cls, indicator: Indicator, values: list[float]) -> Scale:
        if indicator.is_percentage:
            return cls(0.0, 100.0)
        top = max(values, default=0.0)
        return cls(0.0, nice_ceiling(top * 1.1) if top > 0 else 1.0)

    def ticks(self, count: int = 4) -> list[float]:
        step = (self.high - self.low) / count
        return [self.low + step * i for i in range(count + 1)]


def nice_ceiling(value: float) -> float:
    """The smallest of 1, 2, 2.5, 5 × 10^k that is at least ``value``."""
    exponent = math.floor(math.log10(value))
    for factor in (1, 2, 2.5, 5, 10):
        candidate = factor * 10**exponent
        if candidate >= value:
            return float(candidate)
    return float(10 ** (exponent + 1))


@dataclass
class ChartPoint:
    index: int
    month: datetime.date
    label: str
    numerator: int | None
    denominator: int | None
    value: float | None
    display: str
    x: float
    y: float | None = None
    signal_labels: list[str] = field(default_factory=list)

    @property
    def in_signal(self) -> bool:
        return bool(self.signal_labels)


@dataclass
class Band:
    """A shift or trend drawn behind its points."""

    kind: str
    label: str
    x: float
    width: float
    improvement: bool
    label_y: float = 0.0
    label_x: float = 0.0
    label_anchor: str = "start"


def place_label(band: Band, size: Size) -> None:
    """Start the label at its band, or end it at the plot's right edge when it would
    run past it (a shift in the last months, a narrow phone drawing)."""
    start = band.x + 3
    if start + len(band.label) * CHAR_WIDTH <= size.plot_right:
        band.label_x, band.label_anchor = round(start, 1), "start"
    else:
        band.label_x, band.label_anchor = size.plot_right - 2, "end"


@dataclass
class Annotation:
    """A PDSA cycle marked at the month it started."""

    number: int
    x: float
    month_label: str
    label: str


@dataclass
class SignalNote:
    signal: Signal
    label: str
    span: str
    improvement: bool | None  # None: the runs rules say "changed", not which way


@dataclass
class RunChart:
    uid: str
    title: str
    desc: str
    size: Size
    indicator: Indicator
    points: list[ChartPoint]
    segments: list[str]
    median: float | None
    median_display: str
    median_y: float | None
    baseline: int
    ticks: list[tuple[float, str]]
    x_labels: list[tuple[float, str]]
    bands: list[Band]
    annotations: list[Annotation]
    notes: list[SignalNote]
    scale: Scale
    runs: int
    # Words for families (a public story) instead of the run-chart rules' names.
    plain: bool = False
    # Draws the same chart again at another size (for ``phone``).
    redraw: Callable[[Size], RunChart] | None = field(
        default=None, repr=False, compare=False
    )

    @cached_property
    def phone(self) -> RunChart | None:
        """The same chart drawn for a narrow screen, when this one is full size."""
        if self.size.kind != "full" or self.redraw is None:
            return None
        return self.redraw(PHONE)

    @property
    def has_data(self) -> bool:
        return any(p.value is not None for p in self.points)

    @property
    def improving(self) -> bool:
        return any(n.improvement for n in self.notes)

    @property
    def worsening(self) -> bool:
        return any(n.improvement is False for n in self.notes)

    @property
    def latest(self) -> ChartPoint | None:
        present = [p for p in self.points if p.value is not None]
        return present[-1] if present else None


def short_month(month: datetime.date) -> str:
    return date_format(month, "M Y")


def plain_signal_label(signal: Signal, improvement: bool | None) -> str:
    """What a signal means, for families: better or worse, and not by chance."""
    if signal.kind == SignalKind.SHIFT:
        if improvement:
            return _("Better than usual, month after month")
        return _("Worse than usual, month after month")
    if signal.kind == SignalKind.TREND:
        if improvement:
            return _("Getting better, month after month")
        return _("Getting worse, month after month")
    if signal.kind == SignalKind.TOO_FEW_RUNS:
        return _("A lasting change, unlikely to be chance")
    return _("More ups and downs than chance would give")


def signal_label(signal: Signal) -> str:
    if signal.kind == SignalKind.SHIFT:
        if signal.direction == "up":
            return _("Shift above the median")
        return _("Shift below the median")
    if signal.kind == SignalKind.TREND:
        return _("Rising trend") if signal.direction == "up" else _("Falling trend")
    if signal.kind == SignalKind.TOO_FEW_RUNS:
        return _("Too few runs")
    return _("Too many runs")


def is_improvement(signal: Signal, indicator: Indicator) -> bool | None:
    if not signal.direction:
        return None
    return (signal.direction == "up") == indicator.higher_is_better


def build(
    *,
    uid: str,
    title: str,
    indicator: Indicator,
    months: list[datetime.date],
    counts: dict[datetime.date, tuple[int, int]],
    baseline: int,
    cycles: list[tuple[datetime.date, str]] = (),
    scale: Scale | None = None,
    size: Size = FULL,
    plain: bool = False,
) -> RunChart:
    """Lay out a run chart of ``counts`` (month → numerator, denominator) over ``months``.

    ``baseline`` is how many of the first months with data make the median; ``cycles`` are (start
    date, label) of PDSA cycles to mark. ``plain`` says what the signals mean in words
    a family understands (a public story) rather than by the rules' names.
    """
    values: list[float | None] = []
    for month in months:
        numerator, denominator = counts.get(month, (None, None))
        values.append(
            indicator.value_of(numerator, denominator)
            if numerator is not None
            else None
        )
    present = [v for v in values if v is not None]
    scale = scale or Scale.for_values(indicator, present)
    # The baseline is the first ``baseline`` months *with data*, wherever they fall
    # in a common range of months.
    baseline = max(1, min(baseline, len(present))) if present else 1
    with_data = [i for i, v in enumerate(values) if v is not None]
    window = with_data[baseline - 1] + 1 if present else 1
    median = centre_line(values, window)
    signals = detect_signals(values, window) if present else []
    step = size.plot_width / max(len(months), 1)

    def x_of(i: int) -> float:
        return round(size.left + step * (i + 0.5), 1)

    def y_of(value: float) -> float:
        span = (scale.high - scale.low) or 1.0
        clamped = min(max(value, scale.low), scale.high)
        return round(
            size.plot_bottom - (clamped - scale.low) / span * size.plot_height, 1
        )

    notes = [
        SignalNote(
            signal=s,
            label=(
                plain_signal_label(s, is_improvement(s, indicator))
                if plain
                else signal_label(s)
            ),
            span=f"{short_month(months[s.first])} – {short_month(months[s.last])}",
            improvement=is_improvement(s, indicator),
        )
        for s in signals
    ]
    points: list[ChartPoint] = []
    for i, month in enumerate(months):
        numerator, denominator = counts.get(month, (None, None))
        value = values[i]
        points.append(
            ChartPoint(
                index=i,
                month=month,
                label=short_month(month),
                numerator=numerator,
                denominator=denominator,
                value=value,
                display=indicator.format_value(value),
                x=x_of(i),
                y=y_of(value) if value is not None else None,
                signal_labels=[
                    n.label
                    for n in notes
                    if n.signal.kind in (SignalKind.SHIFT, SignalKind.TREND)
                    and n.signal.covers(i)
                ],
            )
        )
    segments: list[str] = []
    current: list[str] = []
    for point in points:
        if point.y is None:
            if current:
                segments.append(" ".join(current))
            current = []
        else:
            current.append(f"{point.x},{point.y}")
    if current:
        segments.append(" ".join(current))
    bands = [
        Band(
            kind=str(n.signal.kind),
            label=n.label,
            x=round(x_of(n.signal.first) - step / 2, 1),
            width=round(step * (n.signal.last - n.signal.first + 1), 1),
            improvement=bool(n.improvement),
            # Overlapping bands keep their labels apart, one line each.
            label_y=size.top + 13 * (k + 1),
        )
        for k, n in enumerate(
            n for n in notes if n.signal.kind in (SignalKind.SHIFT, SignalKind.TREND)
        )
    ]
    for band in bands:
        place_label(band, size)
    annotations = []
    first_month = months[0] if months else None
    for number, (started, label) in enumerate(sorted(cycles), start=1):
        month = started.replace(day=1)
        if first_month is None or month not in months:
            continue
        annotations.append(
            Annotation(
                number=number,
                x=x_of(months.index(month)),
                month_label=short_month(month),
                label=label,
            )
        )
    label_every = max(1, math.ceil(len(months) / size.x_label_count))
    x_labels = [
        (x_of(i), short_month(m)) for i, m in enumerate(months) if i % label_every == 0
    ]
    ticks = [(y_of(v), indicator.format_value(v)) for v in scale.ticks()]
    median_display = indicator.format_value(median)

    def redraw(other: Size) -> RunChart:
        return build(
            uid=f"{uid}-{other.kind}",
            title=title,
            indicator=indicator,
            months=months,
            counts=counts,
            baseline=baseline,
            cycles=cycles,
            scale=scale,
            size=other,
            plain=plain,
        )

    return RunChart(
        uid=uid,
        title=title,
        desc=_describe(
            indicator, points, median_display, baseline, notes, annotations, plain
        ),
        size=size,
        indicator=indicator,
        points=points,
        segments=segments,
        median=median,
        median_display=median_display,
        median_y=y_of(median) if median is not None else None,
        baseline=baseline,
        ticks=ticks,
        x_labels=x_labels,
        bands=bands,
        annotations=annotations,
        notes=notes,
        scale=scale,
        runs=count_runs(values, window),
        plain=plain,
        redraw=redraw,
    )


def no_signal_text(plain: bool) -> str:
    if plain:
        return _(
            "No clear change yet: the ups and downs are within what happens by chance."
        )
    return _("No signal of non-random change.")


def _describe(
    indicator, points, median_display, baseline, notes, annotations, plain=False
) -> str:
    present = [p for p in points if p.value is not None]
    if not present:
        return _("No data yet.")
    low = min(present, key=lambda p: p.value)
    high = max(present, key=lambda p: p.value)
    summary = (
        _(
            "%(n)s months with data from %(first)s to %(last)s; lowest %(low)s "
            "(%(low_month)s), highest %(high)s (%(high_month)s), latest %(latest)s "
            "(%(latest_month)s). The usual level, the middle value of the first "
            "%(baseline)s months: %(median)s."
        )
        if plain
        else _(
            "%(n)s months with data from %(first)s to %(last)s; lowest %(low)s "
            "(%(low_month)s), highest %(high)s (%(high_month)s), latest %(latest)s "
            "(%(latest_month)s). Median of the first %(baseline)s months: %(median)s."
        )
    )
    parts = [
        summary
        % {
            "n": len(present),
            "first": points[0].label,
            "last": points[-1].label,
            "low": low.display,
            "low_month": low.label,
            "high": high.display,
            "high_month": high.label,
            "latest": present[-1].display,
            "latest_month": present[-1].label,
            "baseline": baseline,
            "median": median_display,
        },
        indicator.get_direction_display() + ".",
    ]
    if notes:
        parts.append(
            (_("What changed: %(list)s.") if plain else _("Signals: %(list)s."))
            % {"list": "; ".join(f"{n.label} ({n.span})" for n in notes)}
        )
    else:
        parts.append(no_signal_text(plain))
    if annotations:
        parts.append(
            (_("Changes tried: %(list)s.") if plain else _("PDSA cycles: %(list)s."))
            % {
                "list": "; ".join(
                    f"{a.number}. {a.label} ({a.month_label})" for a in annotations
                )
            }
        )
    return " ".join(parts)
