"""Reads: run charts, district comparisons and the change-idea registry.

Each costs a fixed number of queries whatever the number of months, facilities or
change ideas it shows.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from community.models import Organisation

from . import charts
from .conf import setting
from .models import (
    ChangeIdea,
    Indicator,
    Measurement,
    PDSACycle,
    Project,
)


def months_between(first: datetime.date, last: datetime.date) -> list[datetime.date]:
    months = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        months.append(datetime.date(year, month, 1))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


def _window(periods: list[datetime.date]) -> list[datetime.date]:
    if not periods:
        return []
    months = months_between(min(periods), max(periods))
    return months[-setting("CHART_MONTHS") :]


def _cycles(facility_ids, indicator: Indicator, project: Project | None = None):
    cycles = PDSACycle.objects.filter(
        change_idea__project__facility_id__in=facility_ids,
        change_idea__project__indicators=indicator,
    ).select_related("change_idea__project")
    if project is not None:
        cycles = cycles.filter(change_idea__project=project)
    by_facility: dict[int, list[tuple[datetime.date, str]]] = defaultdict(list)
    for cycle in cycles.order_by("started_on", "pk"):
        by_facility[cycle.change_idea.project.facility_id].append(
            (
                cycle.started_on,
                # A story's own project: families read the change, not "PDSA 2".
                cycle.change_idea.title
                if project is not None
                else _("PDSA %(n)s: %(idea)s")
                % {"n": cycle.number, "idea": cycle.change_idea.title},
            )
        )
    return by_facility


def facility_chart(
    facility: Organisation,
    indicator: Indicator,
    *,
    project: Project | None = None,
    public: bool = False,
    baseline: int | None = None,
) -> charts.RunChart:
    """A facility's run chart for one indicator, PDSA cycles marked.

    A public chart (a story) marks only the cycles of the story's own project.
    """
    counts = {
        m.period: (m.numerator, m.denominator)
        for m in Measurement.objects.filter(facility=facility, indicator=indicator)
    }
    months = _window(list(counts))
    cycles = _cycles([facility.pk], indicator, project if public else None).get(
        facility.pk, []
    )
    return charts.build(
        uid=f"chart-{facility.pk}-{indicator.pk}",
        title=_("%(indicator)s at %(facility)s")
        % {"indicator": indicator.name, "facility": facility.name},
        indicator=indicator,
        months=months,
        counts=counts,
        baseline=baseline or setting("BASELINE_POINTS"),
        cycles=cycles,
        plain=public,
    )


def facility_overview(facility: Organisation) -> list[dict]:
    """Each indicator the facility has data for, with its latest month and signals."""
    measurements = list(
        Measurement.objects.filter(facility=facility).select_related("indicator")
    )
    by_indicator: dict[int, dict] = {}
    for m in measurements:
        entry = by_indicator.setdefault(
            m.indicator_id, {"indicator": m.indicator, "counts": {}}
        )
        entry["counts"][m.period] = (m.numerator, m.denominator)
    overview = []
    for entry in sorted(by_indicator.values(), key=lambda e: e["indicator"].code):
        indicator = entry["indicator"]
        chart = charts.build(
            uid=f"overview-{facility.pk}-{indicator.pk}",
            title=indicator.name,
            indicator=indicator,
            months=_window(list(entry["counts"])),
            counts=entry["counts"],
            baseline=setting("BASELINE_POINTS"),
        )
        overview.append({"indicator": indicator, "chart": chart})
    return overview


# --- District comparison ------------------------------------------------------------


@dataclass
class Panel:
    facility: Organisation
    chart: charts.RunChart
    group: int  # 0 improvement signal, 1 none, 2 signal of concern, 3 no data

    @property
    def status(self) -> str:
        return [
            _("Signal of improvement"),
            _("No signal of change"),
            _("Signal to look into"),
            _("No data yet"),
        ][self.group]


@dataclass
class Comparison:
    district: Organisation
    indicator: Indicator
    months: list[datetime.date]
    scale: charts.Scale
    panels: list[Panel]


def district_comparison(district: Organisation, indicator: Indicator) -> Comparison:
    """Every facility of the district on one scale and one range of months, ordered by
    signal of improvement, then by name: never by value, never by person."""
    facilities = list(Organisation.objects.facilities().filter(parent=district))
    counts: dict[int, dict] = defaultdict(dict)
    for m in Measurement.objects.filter(
        facility__in=facilities, indicator=indicator
    ).only("facility_id", "period", "numerator", "denominator"):
        counts[m.facility_id][m.period] = (m.numerator, m.denominator)
    months = _window([p for c in counts.values() for p in c])
    values = [
        v
        for c in counts.values()
        for month, (n, d) in c.items()
        if month in months and (v := indicator.value_of(n, d)) is not None
    ]
    scale = charts.Scale.for_values(indicator, values)
    cycles = _cycles([f.pk for f in facilities], indicator)
    panels = []
    for facility in facilities:
        chart = charts.build(
            uid=f"cmp-{facility.pk}-{indicator.pk}",
            title=facility.name,
            indicator=indicator,
            months=months,
            counts=counts.get(facility.pk, {}),
            baseline=setting("BASELINE_POINTS"),
            cycles=cycles.get(facility.pk, []),
            scale=scale,
            size=charts.SMALL,
        )
        if not chart.has_data:
            group = 3
        elif chart.improving:
            group = 0
        elif chart.worsening:
            group = 2
        else:
            group = 1
        panels.append(Panel(facility=facility, chart=chart, group=group))
    panels.sort(key=lambda p: (p.group, p.facility.name.casefold()))
    return Comparison(
        district=district,
        indicator=indicator,
        months=months,
        scale=scale,
        panels=panels,
    )


def comparison_rows(comparison: Comparison) -> list[list[str]]:
    """The comparison as CSV rows: one per facility and month."""
    rows = [
        [
            _("facility"),
            _("month"),
            _("numerator"),
            _("denominator"),
            _("value"),
            _("baseline median"),
            _("signals"),
        ]
    ]
    for panel in comparison.panels:
        for point in panel.chart.points:
            rows.append(
                [
                    panel.facility.name,
                    point.month.strftime("%Y-%m"),
                    "" if point.numerator is None else str(point.numerator),
                    "" if point.denominator is None else str(point.denominator),
                    "" if point.value is None else f"{point.value:.2f}",
                    "" if panel.chart.median is None else f"{panel.chart.median:.2f}",
                    "; ".join(point.signal_labels),
                ]
            )
    return rows


# --- Registry of change ideas ---------------------------------------------------------


def registry(
    user,
    *,
    query: str = "",
    indicator: Indicator | None = None,
    state: str = "",
    district: Organisation | None = None,
) -> QuerySet[ChangeIdea]:
    """Change ideas the user may see: which were tried for an indicator, and what the
    teams decided and why."""
    visible = Project.objects.visible_to(user).values("pk")
    ideas = ChangeIdea.objects.filter(project_id__in=visible)
    if indicator is not None:
        ideas = ideas.filter(
            project_id__in=Project.objects.filter(indicators=indicator).values("pk")
        )
    if state:
        ideas = ideas.filter(state=state)
    if district is not None:
        ideas = ideas.filter(project__facility__parent=district)
    if query:
        in_cycles = PDSACycle.objects.filter(
            Q(plan__icontains=query)
            | Q(study__icontains=query)
            | Q(act_reason__icontains=query)
        ).values("change_idea_id")
        ideas = ideas.filter(
            Q(title__icontains=query)
            | Q(description__icontains=query)
            | Q(state_reason__icontains=query)
            | Q(project__title__icontains=query)
            | Q(pk__in=in_cycles)
        )
    return ideas


def with_details(ideas: QuerySet[ChangeIdea]) -> QuerySet[ChangeIdea]:
    """What a registry row shows, in a fixed number of queries."""
    return (
        ideas.select_related("project__facility__parent")
        .prefetch_related("project__indicators")
        .annotate(cycle_count=Count("cycles"))
        .order_by("-updated_at", "-pk")
    )


def state_counts(ideas: QuerySet[ChangeIdea]) -> dict[str, int]:
    return {
        row["state"]: row["n"]
        for row in ideas.order_by()
        .values("state")
        .annotate(n=Count("pk", distinct=True))
    }


# --- Departments: which ward tried which change ------------------------------------


def idea_family(idea: ChangeIdea) -> QuerySet[ChangeIdea]:
    """The idea as first tried and every copy of it spread to another project."""
    root = idea.spread_from_id or idea.pk
    return ChangeIdea.objects.filter(Q(pk=root) | Q(spread_from_id=root))


def spread_targets(idea: ChangeIdea) -> QuerySet[Project]:
    """The projects of the idea's facility not trying it yet: where it may go next."""
    return (
        Project.objects.filter(facility_id=idea.project.facility_id)
        .exclude(pk__in=idea_family(idea).values("project_id"))
        .select_related("department")
        .order_by("department__name", "title")
    )


@dataclass
class Adoption:
    """A facility's departments against the change ideas its projects tried in them:
    a row per idea (an idea and its spreads to other wards are one row), a cell per
    department with the state the idea reached there, or nothing yet."""

    departments: list
    rows: list[dict]


def department_adoption(facility: Organisation, projects) -> Adoption | None:
    """For the ``projects`` of ``facility`` a reader may see. Two queries, whatever
    the number of departments, projects and ideas."""
    from community.models import Department

    departments = list(Department.objects.filter(facility=facility))
    if not departments:
        return None
    ideas = list(
        ChangeIdea.objects.filter(
            project__in=projects,
            project__facility=facility,
            project__department__isnull=False,
        )
        .select_related("project")
        .order_by("created_at", "pk")
    )
    rows: dict[int, dict] = {}
    for idea in ideas:
        root = idea.spread_from_id or idea.pk
        row = rows.setdefault(root, {"title": idea.title, "idea": idea, "cells": {}})
        if idea.pk == root:
            row["idea"], row["title"] = idea, idea.title
        # A ward that tried it in two projects shows its latest.
        row["cells"][idea.project.department_id] = idea
    if not rows:
        return None
    return Adoption(
        departments=departments,
        rows=[
            {
                "title": row["title"],
                "idea": row["idea"],
                "cells": [row["cells"].get(d.pk) for d in departments],
            }
            for row in rows.values()
        ],
    )
