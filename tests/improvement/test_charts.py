"""Run charts as SVG with a table fallback, and district small multiples on one scale."""

import csv
import datetime
import io
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from improvement import charts, selectors, services
from improvement.models import Measurement
from tests.factories import FacilityFactory

from .conftest import add_series

BASELINE = [60, 58, 62, 61, 59, 60, 63, 57, 60, 62, 61, 58]  # median 60, ends below
AFTER = [70, 74, 72, 76, 73, 75]  # no five rising in a row: a shift only


def test_nice_ceiling():
    assert [charts.nice_ceiling(v) for v in (0.8, 3.3, 12, 21, 240)] == [
        1,
        5,
        20,
        25,
        250,
    ]


@pytest.fixture
def shifted(world, qi_member, uterotonic, project):
    """Twelve baseline months, then six above the median after a PDSA cycle."""
    months = add_series(world.facility, uterotonic, BASELINE + AFTER)
    idea = services.change_idea_create(
        project=project, by=qi_member, title="Pre-drawn syringe"
    )
    services.cycle_create(
        change_idea=idea,
        by=qi_member,
        plan="One week",
        prediction="80%",
        started_on=months[12].replace(day=5),
    )
    return months


def test_chart_has_title_desc_points_median_signal_and_annotation(
    world, uterotonic, shifted
):
    chart = selectors.facility_chart(world.facility, uterotonic)
    assert chart.median == 60.0
    assert [n.signal.kind for n in chart.notes] == ["shift"]
    assert chart.notes[0].signal.first == 12 and chart.notes[0].signal.last == 17
    # Percentages run 0..100 over a 216-unit-high plot whose bottom is at y=244.
    assert chart.median_y == round(244 - 0.6 * 216, 1)
    assert [p.y for p in chart.points][12] == round(244 - 0.7 * 216, 1) == 92.8
    assert len(chart.annotations) == 1
    assert chart.annotations[0].x == chart.points[12].x


def test_svg_and_table_fallback_in_the_page(
    client, qi_member, world, uterotonic, shifted
):
    client.force_login(qi_member)
    html = client.get(
        reverse("improvement:chart", args=[world.facility.slug, uterotonic.code])
    ).content.decode()
    svg = re.search(r"<svg .*?</svg>", html, re.S).group(0)
    uid = f"chart-{world.facility.pk}-{uterotonic.pk}"
    assert f'role="img" aria-labelledby="{uid}-title {uid}-desc"' in svg
    assert (
        f'<title id="{uid}-title">Prophylactic uterotonic immediately after birth at North Hospital</title>'
        in svg
    )
    desc = re.search(r"<desc[^>]*>(.*?)</desc>", svg, re.S).group(1)
    assert "18 months with data" in desc
    assert "Median of the first 12 months: 60.0%" in desc
    assert "Shift above the median" in desc
    assert "PDSA cycles: 1. PDSA 1: Pre-drawn syringe" in desc
    # Every month is a point; the six of the shift are marked, in a band labelled so.
    assert svg.count('<circle class="rc-point') == 18
    assert svg.count("rc-point--signal") == 6
    assert 'data-signal="shift"' in svg and ">Shift above the median</text>" in svg
    assert 'cy="92.8"' in svg  # 70% of the first month after the change
    assert svg.count('class="rc-median"') == 1 and ">Median 60.0%</text>" in svg
    assert 'data-pdsa="1"' in svg
    # The same data as a table, one row a month, the signal named in words.
    table = re.search(r"<table>.*?</table>", html, re.S).group(0)
    assert table.count("<tr") == 19
    assert (
        "<td>70</td><td>100</td><td>70.0%</td><td>Shift above the median</td>" in table
    )


def test_in_french_drawing_ignores_the_locale_and_numbers_follow_it(
    client, qi_member, world, uterotonic, shifted
):
    """French writes 60,6 where English writes 60.6; an SVG coordinate written so
    ("338,0") is not a length, and Chromium drops the point or piles the labels up."""
    client.force_login(qi_member)
    url = reverse("improvement:chart", args=[world.facility.slug, uterotonic.code])
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert 'lang="fr"' in html
    svgs = re.findall(r"<svg .*?</svg>", html, re.S)
    assert svgs
    for svg in svgs:
        for name, value in re.findall(
            r'\b(x|y|x1|x2|y1|y2|cx|cy|width|height|points|viewBox)="([^"]*)"', svg
        ):
            assert re.fullmatch(
                r"[-0-9. ]*" if name != "points" else r"[-0-9., ]*", value
            ), (
                name,
                value,
            )
            if name == "points":  # "x,y x,y": a comma between, never inside, numbers
                assert all(
                    re.fullmatch(r"-?[0-9.]+,-?[0-9.]+", pair) for pair in value.split()
                ), value
    # What people read is in French: 60,0 %, with a narrow no-break space.
    assert "Médiane 60,0\u202f%" in html
    assert "60.0%" not in html


def test_a_missing_month_breaks_the_line_and_shows_as_a_dash(
    client, qi_member, world, uterotonic
):
    add_series(world.facility, uterotonic, [50, 55, None, 60])
    client.force_login(qi_member)
    html = client.get(
        reverse("improvement:chart", args=[world.facility.slug, uterotonic.code])
    ).content.decode()
    # Two pieces of line in each drawing (the full one and the phone one).
    full, phone = re.findall(r"<svg .*?</svg>", html, re.S)
    assert full.count('<polyline class="rc-line"') == 2
    assert phone.count('<polyline class="rc-line"') == 2
    assert "<td>—</td><td>—</td><td>—</td>" in html


def test_no_data_says_so_without_an_empty_chart(client, qi_member, world, uterotonic):
    client.force_login(qi_member)
    html = client.get(
        reverse("improvement:chart", args=[world.facility.slug, uterotonic.code])
    ).content.decode()
    assert "No data yet." in html and "<svg" not in html


def test_rates_per_thousand_use_a_rounded_scale(world, stillbirths):
    add_series(world.facility, stillbirths, [2.0, 3.0, 2.5], denominator=1000)
    chart = selectors.facility_chart(world.facility, stillbirths)
    assert chart.points[1].display == "30.0"
    assert (chart.scale.low, chart.scale.high) == (0.0, 50.0)
    assert stillbirths.higher_is_better is False


# --- District comparison ------------------------------------------------------------


@pytest.fixture
def district_data(world, stillbirths):
    """Per 1,000 births: one facility improving (fewer stillbirths), one flat, one
    worsening, one without data."""
    add_series(world.facility, stillbirths, [2.0] * 14, denominator=1000)  # flat
    add_series(
        world.sibling_facility, stillbirths, [3.2] * 12 + [1.0] * 6, denominator=1000
    )
    worse = FacilityFactory(
        name="Aardvark Post", slug="aardvark", parent=world.district
    )
    add_series(worse, stillbirths, [1.0] * 12 + [2.5] * 6, denominator=1000)
    FacilityFactory(name="Zebra Dispensary", slug="zebra", parent=world.district)
    add_series(
        world.other_facility, stillbirths, [9.0] * 6, denominator=1000
    )  # other district
    return worse


def test_small_multiples_share_one_scale_and_one_range(
    world, stillbirths, district_data
):
    comparison = selectors.district_comparison(world.district, stillbirths)
    scales = {p.chart.scale for p in comparison.panels}
    assert scales == {charts.Scale(0.0, 50.0)}  # 32 per 1,000 is the highest, ×1.1 → 50
    assert {len(p.chart.points) for p in comparison.panels} == {18}
    # The same value lands at the same height in every panel.
    heights = {
        p.facility.slug: {pt.y for pt in p.chart.points if pt.value == 10.0}
        for p in comparison.panels
    }
    assert heights["north-clinic"] == heights["aardvark"]
    # The other district's facility (and its 90 per 1,000) is not on this scale.
    assert "south-hospital" not in {p.facility.slug for p in comparison.panels}


def test_panels_are_ordered_by_signal_of_improvement_then_by_name(
    world, stillbirths, district_data
):
    comparison = selectors.district_comparison(world.district, stillbirths)
    order = [(p.facility.name, p.group) for p in comparison.panels]
    assert order == [
        ("North Clinic", 0),  # shift below the median: fewer stillbirths
        ("North Hospital", 1),
        ("Aardvark Post", 2),  # more stillbirths: a signal to look into
        ("Zebra Dispensary", 3),
    ]


def test_comparison_page_table_csv_and_print(
    client, district_lead, world, stillbirths, district_data
):
    client.force_login(district_lead)
    args = [world.district.slug, stillbirths.code]
    html = client.get(reverse("improvement:comparison", args=args)).content.decode()
    assert re.findall(r'data-facility="([^"]+)"', html) == [
        "north-clinic",
        "north-hospital",
        "aardvark",
        "zebra",
    ]
    assert (
        html.count("<svg ") == 3
    )  # the facility without data shows words, not a chart
    assert "The same data as a table" in html
    assert html.count('<th scope="row">') == 4
    assert set(
        re.findall(
            r'<text class="rc-tick" x="52" y="[\d.]+" dy=".32em" text-anchor="end">([^<]+)</text>',
            html,
        )
    ) == {"0.0", "12.5", "25.0", "37.5", "50.0"}

    response = client.get(reverse("improvement:comparison_csv", args=args))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == [
        "facility",
        "month",
        "numerator",
        "denominator",
        "value",
        "baseline median",
        "signals",
    ]
    assert len(rows) == 1 + 4 * 18
    clinic = [r for r in rows if r[0] == "North Clinic"]
    assert (
        clinic[-1][2:5] == ["10", "1000", "10.00"]
        and "Shift below the median" in clinic[-1][6]
    )

    printable = client.get(
        reverse("improvement:comparison_print", args=args)
    ).content.decode()
    assert "<header" not in printable and "Printed" in printable
    assert printable.count("<svg ") == 3


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_comparison_queries_do_not_grow_with_facilities(
    client, district_lead, world, uterotonic
):
    client.force_login(district_lead)
    add_series(world.facility, uterotonic, [60] * 24)
    url = reverse("improvement:comparison", args=[world.district.slug, uterotonic.code])
    client.get(url)
    few = _count(client, url)
    for n in range(8):
        facility = FacilityFactory(
            name=f"Extra {n}", slug=f"extra-{n}", parent=world.district
        )
        add_series(facility, uterotonic, [50 + n] * 24)
    many = _count(client, url)
    assert many == few
    assert Measurement.objects.count() == 24 * 9


def test_facility_chart_queries_do_not_grow_with_months_or_cycles(
    client, qi_member, world, uterotonic, project
):
    client.force_login(qi_member)
    url = reverse("improvement:chart", args=[world.facility.slug, uterotonic.code])
    add_series(world.facility, uterotonic, [60] * 3)
    # Warm: the first request caches the bell count and the site root.
    _count(client, url)
    few = _count(client, url)
    Measurement.objects.all().delete()
    months = add_series(world.facility, uterotonic, [60] * 30)
    for i in range(5):
        idea = services.change_idea_create(
            project=project, by=qi_member, title=f"Idea {i}"
        )
        services.cycle_create(
            change_idea=idea,
            by=qi_member,
            plan="p",
            prediction="q",
            started_on=months[i * 5],
        )
    assert _count(client, url) == few


def test_demo_month_window_is_capped(world, uterotonic, settings):
    settings.IMPROVEMENT = {"CHART_MONTHS": 12}
    add_series(world.facility, uterotonic, [60] * 20)
    chart = selectors.facility_chart(world.facility, uterotonic)
    assert len(chart.points) == 12
    assert chart.points[-1].month < datetime.date.today().replace(
        day=1
    ) + datetime.timedelta(days=1)
