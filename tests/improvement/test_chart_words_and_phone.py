"""Issue #16, item 8: run charts a phone can read, and words a family understands.

A full-size chart scaled to a 360 px phone drew its 12 px text at about 6 px; the page
now also carries the same chart drawn 320 units wide, which CSS shows below 40em. A
public story says what a signal means ("Better than usual, month after month") where
staff pages name the run-chart rule ("Shift above the median").
"""

import re

import pytest
from django.urls import reverse

from improvement import charts, selectors, services
from improvement.runcharts import Signal, SignalKind

from .conftest import add_series

BASELINE = [60, 58, 62, 61, 59, 60, 63, 57, 60, 62, 61, 58]
AFTER = [70, 74, 72, 76, 73, 75]


@pytest.fixture
def shifted(world, uterotonic):
    return add_series(world.facility, uterotonic, BASELINE + AFTER)


def _svgs(html: str) -> list[str]:
    return re.findall(r"<svg .*?</svg>", html, re.S)


# --- The phone drawing ------------------------------------------------------------


def test_a_full_chart_carries_a_phone_drawing_of_the_same_data(
    world, uterotonic, shifted
):
    chart = selectors.facility_chart(world.facility, uterotonic)
    phone = chart.phone
    assert phone is not None and phone.size is charts.PHONE
    assert (phone.size.width, phone.size.kind) == (320, "phone")
    assert [p.value for p in phone.points] == [p.value for p in chart.points]
    assert phone.median == chart.median and phone.scale == chart.scale
    assert [n.label for n in phone.notes] == [n.label for n in chart.notes]
    # Fewer month labels, so that 12 px labels never touch.
    assert len(phone.x_labels) <= 4 < len(chart.x_labels)
    # Every point inside the plot.
    size = phone.size
    assert all(size.left <= p.x <= size.plot_right for p in phone.points)
    assert all(size.top <= p.y <= size.plot_bottom for p in phone.points)
    # A phone drawing has no phone drawing of its own; small multiples have none.
    assert phone.phone is None


def test_a_band_label_never_runs_past_the_plot(world, uterotonic, shifted):
    """The shift is in the last six months: on the phone its label ends at the
    plot's right edge instead of starting at the band and running off the drawing."""
    phone = selectors.facility_chart(world.facility, uterotonic).phone
    [band] = phone.bands
    assert band.label_anchor == "end" and band.label_x == phone.size.plot_right - 2
    assert band.label_x - len(band.label) * charts.CHAR_WIDTH >= 0


def test_small_multiples_have_no_phone_drawing(world, uterotonic, shifted):
    [panel, *_] = selectors.district_comparison(world.district, uterotonic).panels
    assert panel.chart.size is charts.SMALL and panel.chart.phone is None


def test_the_page_carries_both_drawings_the_phone_one_light(
    client, qi_member, world, uterotonic, shifted
):
    client.force_login(qi_member)
    html = client.get(
        reverse("improvement:chart", args=[world.facility.slug, uterotonic.code])
    ).content.decode()
    full, phone = _svgs(html)
    uid = f"chart-{world.facility.pk}-{uterotonic.pk}"
    assert 'class="rc rc--two"' in html
    assert 'class="rc-svg rc-svg--full"' in full and 'viewBox="0 0 640 280"' in full
    assert 'class="rc-svg rc-svg--phone"' in phone and 'viewBox="0 0 320 240"' in phone
    # One title and description, which both drawings are named by.
    assert f'aria-labelledby="{uid}-title {uid}-desc"' in phone
    assert "<title" not in phone and "<desc" not in phone
    assert phone.count('<circle class="rc-point') == 18
    assert "data-signal" not in phone and "data-pdsa" not in phone
    assert ">Shift above the median</text>" in phone
    assert 'text-anchor="end">Shift above the median</text>' in phone


def test_the_phone_drawing_ignores_the_locale_too(
    client, qi_member, world, uterotonic, shifted
):
    client.force_login(qi_member)
    url = reverse("improvement:chart", args=[world.facility.slug, uterotonic.code])
    phone = _svgs(client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode())[1]
    for value in re.findall(r'\b(?:x|y|cx|cy|width|height|viewBox)="([^"]*)"', phone):
        assert re.fullmatch(r"[-0-9. ]*", value), value


# --- Words for families -----------------------------------------------------------


@pytest.mark.parametrize(
    "kind,direction,improvement,words",
    [
        ("shift", "up", True, "Better than usual, month after month"),
        ("shift", "down", True, "Better than usual, month after month"),
        ("shift", "up", False, "Worse than usual, month after month"),
        ("trend", "up", True, "Getting better, month after month"),
        ("trend", "down", False, "Getting worse, month after month"),
        ("too_few_runs", "", None, "A lasting change, unlikely to be chance"),
        ("too_many_runs", "", None, "More ups and downs than chance would give"),
    ],
)
def test_every_signal_has_words_for_families(kind, direction, improvement, words):
    signal = Signal(kind=SignalKind(kind), first=0, last=5, direction=direction)
    assert charts.plain_signal_label(signal, improvement) == words
    for jargon in ("median", "shift", "trend", "runs", "signal", "non-random"):
        assert jargon not in words.lower()


def test_no_signal_in_words_for_families_and_for_staff():
    assert charts.no_signal_text(plain=True) == (
        "No clear change yet: the ups and downs are within what happens by chance."
    )
    assert charts.no_signal_text(plain=False) == "No signal of non-random change."


JARGON = [
    "median",
    "Median",
    "non-random",
    "Signal",
    "Shift",
    "PDSA",
    "Numerator",
    "Denominator",
    "Data table",
]


def _story(project, facility_lead, indicator):
    return services.story_publish(
        project=project,
        by=facility_lead,
        title="Medicine in the first minute",
        summary="More mothers get the injection in time.",
        body="We keep the injection beside the bed.",
        indicator=indicator,
    )


def test_the_family_story_says_what_changed_in_plain_words(
    client, world, facility_lead, qi_member, project, uterotonic, shifted
):
    idea = services.change_idea_create(
        project=project, by=qi_member, title="Pre-drawn syringe"
    )
    services.cycle_create(
        change_idea=idea,
        by=qi_member,
        plan="One week",
        prediction="80%",
        started_on=shifted[12].replace(day=5),
    )
    story = _story(project, facility_lead, uterotonic)
    html = client.get(story.url).content.decode()
    # What a reader (or a screen reader) gets: the words, not the markup.
    main = re.sub(r"<[^>]+>", " ", html[html.index("<main") : html.index("</main>")])
    assert "Better than usual, month after month" in main
    assert "Usual level 60.0%" in main
    assert "The usual level is the middle value of the first 12 months: 60.0%." in main
    assert "What changed: Better than usual, month after month" in main  # the desc
    assert "Changes tried: 1. Pre-drawn syringe" in main
    assert "The numbers, month by month" in main
    for word in JARGON:
        assert word not in main, word


def test_the_family_story_without_a_change_says_so_in_plain_words(
    client, world, facility_lead, project, uterotonic
):
    add_series(world.facility, uterotonic, BASELINE)
    story = _story(project, facility_lead, uterotonic)
    html = client.get(story.url).content.decode()
    assert (
        "No clear change yet: the ups and downs are within what happens by chance."
        in html
    )
    assert "non-random" not in html


def test_staff_pages_keep_the_run_chart_words(
    client, qi_member, world, uterotonic, shifted
):
    client.force_login(qi_member)
    html = client.get(
        reverse("improvement:chart", args=[world.facility.slug, uterotonic.code])
    ).content.decode()
    assert "Shift above the median" in html and "Median 60.0%" in html
    assert "Better than usual" not in html and "Usual level" not in html
