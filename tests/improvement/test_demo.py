"""The demo: 24 months on four indicators for every facility, every act state, a
story, a real shift after a PDSA cycle, and a second run that changes nothing."""

import pytest

from community.models import Organisation
from improvement import demo
from improvement.models import (
    ChangeIdea,
    ChangeState,
    ImportJob,
    Indicator,
    Measurement,
    PDSACycle,
    Project,
    StoryPage,
)
from improvement.selectors import facility_chart
from tests.factories import seed_foundation


@pytest.fixture
def seeded(db):
    context = seed_foundation()
    demo.seed(context)
    return context


def counts():
    return [
        m.objects.count()
        for m in (
            Indicator,
            Measurement,
            Project,
            ChangeIdea,
            PDSACycle,
            StoryPage,
            ImportJob,
        )
    ]


def test_demo_covers_every_facility_and_is_idempotent(seeded):
    facilities = Organisation.objects.facilities().count()
    assert Indicator.objects.count() == 13
    assert Measurement.objects.count() == facilities * 4 * 24
    assert ImportJob.objects.get().error_count == 0
    before = counts()
    demo.seed(seeded)
    assert counts() == before


def test_demo_has_change_ideas_in_every_state_and_one_story(seeded):
    states = set(ChangeIdea.objects.values_list("state", flat=True))
    assert states == set(ChangeState.values)
    story = StoryPage.objects.live().get()
    assert (
        story.indicator.code == "MNH-03" and story.facility.slug == demo.STORY_FACILITY
    )


def test_hillside_uterotonic_shows_a_shift_starting_at_the_pdsa_cycle(seeded):
    hillside = seeded["organisations"][demo.STORY_FACILITY]
    chart = facility_chart(hillside, Indicator.objects.get(code="MNH-03"))
    shifts = [n.signal for n in chart.notes if n.signal.kind == "shift"]
    assert [(s.first, s.last, s.direction) for s in shifts] == [(12, 23, "up")]
    assert chart.annotations[0].x == chart.points[demo.UTEROTONIC_CHANGE_MONTH].x


def test_hillside_breastfeeding_is_one_month_short_of_a_shift(seeded):
    hillside = seeded["organisations"][demo.STORY_FACILITY]
    chart = facility_chart(hillside, Indicator.objects.get(code="MNH-08"))
    assert chart.notes == []
    above = [p for p in chart.points[-5:] if p.value > chart.median]
    assert len(above) == 5 and chart.points[-6].value < chart.median


def test_hillside_has_two_wards_and_a_change_spreading_between_them(seeded):
    from improvement.selectors import department_adoption

    hillside = seeded["organisations"][demo.STORY_FACILITY]
    adoption = department_adoption(hillside, Project.objects.all())
    assert [d.name for d in adoption.departments] == ["Labour ward", "Newborn unit"]
    states = {
        row["title"]: [c.state if c else None for c in row["cells"]]
        for row in adoption.rows
    }
    assert states[demo.HUDDLE[0]] == [ChangeState.ADOPTED, ChangeState.TESTING]
    spread = ChangeIdea.objects.get(spread_from__isnull=False)
    assert spread.project.department.name == "Newborn unit"
    assert spread.spread_from.project.department.name == "Labour ward"
    assert spread.cycles.count() == 1
    people = {
        d.name: sorted(m.user.email for m in d.members.select_related("user"))
        for d in adoption.departments
    }
    assert people == {
        "Labour ward": ["facility.lead@demo.example", "practitioner@demo.example"],
        "Newborn unit": ["qi.member@demo.example"],
    }
