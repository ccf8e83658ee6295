"""QI projects, PDSA cycles, the registry of changes, stories; queries and weight."""

import datetime
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from community.models import Role
from improvement import services
from improvement.models import Act, ChangeState, StoryPage
from tests.budgets import KB, page_weight
from tests.factories import member

from .conftest import add_series

TODAY = datetime.date.today()


def tried(
    project, user, title, act="", why="", study="It was tested.", reason_in_cycle=""
):
    idea = services.change_idea_create(project=project, by=user, title=title)
    cycle = services.cycle_create(
        change_idea=idea,
        by=user,
        plan="Test for a week",
        prediction="Better",
        started_on=TODAY,
    )
    if act:
        services.cycle_update(
            cycle=cycle,
            by=user,
            plan=cycle.plan,
            prediction=cycle.prediction,
            started_on=cycle.started_on,
            study=study + reason_in_cycle,
            act=act,
            act_reason=why,
        )
    idea.refresh_from_db()
    return idea


def test_each_act_sets_the_state_and_its_reason(project, qi_member):
    adopted = tried(project, qi_member, "Pre-drawn syringe", Act.ADOPT, "Reached 90%.")
    adapted = tried(project, qi_member, "Cold box", Act.ADAPT, "Works on days only.")
    abandoned = tried(
        project,
        qi_member,
        "Companion calls time",
        Act.ABANDON,
        "Companions were outside.",
    )
    testing = tried(project, qi_member, "Wall clock")
    assert [i.state for i in (adopted, adapted, abandoned, testing)] == [
        ChangeState.ADOPTED,
        ChangeState.ADAPTED,
        ChangeState.ABANDONED,
        ChangeState.TESTING,
    ]
    assert abandoned.state_reason == "Companions were outside."


def test_a_new_cycle_after_adapting_means_testing_again(project, qi_member):
    idea = tried(project, qi_member, "Cold box", Act.ADAPT, "Nights need a second box.")
    services.cycle_create(
        change_idea=idea,
        by=qi_member,
        plan="Nights too",
        prediction="90%",
        started_on=TODAY,
    )
    idea.refresh_from_db()
    assert (idea.state, idea.cycles.count()) == (ChangeState.TESTING, 2)
    assert list(idea.cycles.values_list("number", flat=True)) == [1, 2]


def test_deciding_needs_a_study_and_a_reason(project, qi_member):
    idea = services.change_idea_create(project=project, by=qi_member, title="Cold box")
    cycle = services.cycle_create(
        change_idea=idea, by=qi_member, plan="p", prediction="q", started_on=TODAY
    )
    with pytest.raises(ValidationError) as error:
        services.cycle_update(
            cycle=cycle,
            by=qi_member,
            plan="p",
            prediction="q",
            started_on=TODAY,
            act=Act.ABANDON,
        )
    assert set(error.value.message_dict) == {"study", "act_reason"}


def test_a_cycle_cannot_start_in_the_future(project, qi_member):
    idea = services.change_idea_create(project=project, by=qi_member, title="Cold box")
    with pytest.raises(ValidationError):
        services.cycle_create(
            change_idea=idea,
            by=qi_member,
            plan="p",
            prediction="q",
            started_on=TODAY + datetime.timedelta(days=3),
        )


def test_district_lead_cannot_document_for_a_facility(project, district_lead):
    with pytest.raises(PermissionDenied):
        services.change_idea_create(
            project=project, by=district_lead, title="Imposed idea"
        )


def test_project_form_creates_a_project_with_its_team(
    client, world, qi_member, practitioner, uterotonic
):
    client.force_login(qi_member)
    response = client.post(
        reverse("improvement:project_create", args=[world.facility.slug]),
        {
            "title": "First-hour breastfeeding",
            "aim_what": "Every baby feeds in the first hour.",
            "aim_how_much": "from 55% to 80%",
            "aim_by_when": "2030-06-30",
            "indicators": [uterotonic.pk],
            "team": [practitioner.pk],
        },
    )
    project = world.facility.qi_projects.get()
    assert response.url == project.get_absolute_url()
    assert set(project.team.all()) == {practitioner, qi_member}  # the author too


def test_cycle_form_records_the_act_and_keeps_input_on_error(
    client, project, qi_member
):
    idea = tried(project, qi_member, "Cold box")
    cycle = idea.cycles.get()
    client.force_login(qi_member)
    url = reverse("improvement:cycle_edit", args=[cycle.pk])
    data = {
        "plan": "Test for a week",
        "prediction": "Better",
        "started_on": TODAY.isoformat(),
        "study": "70% in the test week",
        "act": "adapt",
        "act_reason": "",
    }
    response = client.post(url, data)
    html = response.content.decode()
    assert response.status_code == 200 and "Say why you chose" in html
    assert "70% in the test week" in html
    data["act_reason"] = "Draw up at full dilation, not at shift start."
    response = client.post(url, data)
    assert response.status_code == 302
    idea.refresh_from_db()
    assert (idea.state, idea.state_reason) == (ChangeState.ADAPTED, data["act_reason"])


# --- Registry ------------------------------------------------------------------------


@pytest.fixture
def registry_data(world, project, qi_member, catalogue):
    tried(
        project,
        qi_member,
        "Pre-drawn oxytocin syringe",
        Act.ADOPT,
        "Reached 90% on both shifts.",
    )
    tried(
        project,
        qi_member,
        "Birth companion calls out the time",
        Act.ABANDON,
        "Companions were outside the room.",
    )
    other_lead = member(Role.QI_MEMBER, world.sibling_facility)
    other = services.project_create(
        facility=world.sibling_facility,
        by=other_lead,
        title="Skin to skin",
        aim_what="Every baby skin-to-skin.",
        aim_how_much="to 90%",
        aim_by_when=datetime.date(2030, 1, 1),
        indicators=[catalogue["MNH-08"]],
    )
    tried(
        other,
        other_lead,
        "Weigh after the first feed",
        Act.ADAPT,
        "Nights need a scale in the room.",
    )
    return other


def test_registry_answers_which_changes_were_tried_for_an_indicator(
    client, district_lead, registry_data
):
    client.force_login(district_lead)
    html = client.get(
        reverse("improvement:registry") + "?indicator=MNH-03"
    ).content.decode()
    assert "Changes tried for Prophylactic uterotonic immediately after birth" in html
    assert (
        "Pre-drawn oxytocin syringe" in html and "Reached 90% on both shifts." in html
    )
    assert (
        "Birth companion calls out the time" in html
        and "Companions were outside the room." in html
    )
    assert "Weigh after the first feed" not in html
    assert "Adopted: 1" in html and "Abandoned: 1" in html and "Adapted: 0" in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("state=abandoned", ["Birth companion calls out the time"]),
        ("state=adapted", ["Weigh after the first feed"]),
        ("q=scale+in+the+room", ["Weigh after the first feed"]),  # the reason
        ("q=SYRINGE", ["Pre-drawn oxytocin syringe"]),  # case does not matter
        (
            "q=oxytocin+in+the+first",
            ["Birth companion calls out the time", "Pre-drawn oxytocin syringe"],
        ),
        ("district=south", []),
    ],
)
def test_registry_filters_and_search(
    client, national_team, registry_data, query, expected
):
    client.force_login(national_team)
    html = client.get(reverse("improvement:registry") + "?" + query).content.decode()
    assert (
        re.findall(r'<h2 class="change-title"><a href="[^"]+">([^<]+)</a>', html)
        == expected
    )


def test_registry_shows_only_what_the_member_may_see(client, registry_data, world):
    elsewhere = member(Role.PRACTITIONER, world.other_facility)
    client.force_login(elsewhere)
    html = client.get(reverse("improvement:registry")).content.decode()
    assert "No change ideas match." in html
    services.project_share(
        project=registry_data, by=registry_data.created_by, shared=True
    )
    html = client.get(reverse("improvement:registry")).content.decode()
    assert "Weigh after the first feed" in html and "Pre-drawn" not in html


@override_settings(IMPROVEMENT={"REGISTRY_PER_PAGE": 30})
def test_registry_queries_do_not_grow_with_the_page(
    client, national_team, project, qi_member
):
    client.force_login(national_team)
    url = reverse("improvement:registry")
    for i in range(2):
        tried(project, qi_member, f"Idea {i}", Act.ADOPT, "Worked.")
    client.get(url)  # warm: the first request caches the bell count and the site root
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for i in range(2, 30):
        tried(project, qi_member, f"Idea {i}", Act.ABANDON, "Did not.")
    with CaptureQueriesContext(connection) as many:
        html = client.get(url).content.decode()
    assert html.count('class="change"') == 30
    assert len(many.captured_queries) == len(few.captured_queries)


def test_project_page_queries_do_not_grow_with_ideas(client, qi_member, project):
    client.force_login(qi_member)
    tried(project, qi_member, "One", Act.ADOPT, "Yes.")
    # Warm: the first request caches the bell count and the site root.
    client.get(project.get_absolute_url())
    with CaptureQueriesContext(connection) as few:
        client.get(project.get_absolute_url())
    for i in range(8):
        tried(project, qi_member, f"More {i}", Act.ADAPT, "Partly.")
    with CaptureQueriesContext(connection) as many:
        client.get(project.get_absolute_url())
    assert len(many.captured_queries) == len(few.captured_queries)


# --- Stories ---------------------------------------------------------------------------


def test_facility_lead_publishes_a_public_story_with_the_run_chart(
    client, world, facility_lead, project, uterotonic, db
):
    add_series(world.facility, uterotonic, [60] * 12 + [85] * 6)
    story = services.story_publish(
        project=project,
        by=facility_lead,
        title="Medicine in the first minute",
        summary="More mothers get the injection in time.",
        body="We keep the injection **beside the bed**. <script>alert(1)</script>",
        indicator=uterotonic,
    )
    section = story.get_parent().specific
    assert section.facility == world.facility
    assert section.get_parent().specific_class.__name__ == "StoriesIndexPage"
    html = client.get(story.url).content.decode()  # anonymous: the story is public
    assert "<strong>beside the bed</strong>" in html and "<script>alert" not in html
    assert "<svg " in html and "<table>" in html
    # Families read what the signal means, not the run-chart rule's name.
    assert "Better than usual, month after month" in html
    assert "Shift above the median" not in html and "Median " not in html
    # A second story reuses the facility's section.
    again = services.story_publish(
        project=project,
        by=facility_lead,
        title="Medicine in the first minute",
        summary="s",
        body="b",
    )
    assert again.get_parent().pk == section.pk and again.slug != story.slug
    assert StoryPage.objects.live().count() == 2


def test_qi_member_cannot_publish_a_story(project, qi_member):
    with pytest.raises(PermissionDenied):
        services.story_publish(
            project=project, by=qi_member, title="t", summary="s", body="b"
        )


def test_story_appears_on_the_home_page_and_in_search(
    client, world, facility_lead, project
):
    services.story_publish(
        project=project,
        by=facility_lead,
        title="Safer births at North",
        summary="s",
        body="b",
    )
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from community.sections import home_sections, search_groups

    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    section = next(s for s in home_sections(request) if s.key == "improvement")
    assert [s.title for s in section.context["stories"]] == ["Safer births at North"]
    group = next(
        g for g in search_groups(request, "Safer births") if g.key == "improvement"
    )
    assert group.results[0]["title"] == "Safer births at North"


# --- Weight ----------------------------------------------------------------------------


BUDGET = 30 * KB


def test_pages_weigh_at_most_30_kb_compressed(
    client, world, qi_member, district_lead, project, uterotonic, catalogue
):
    add_series(world.facility, uterotonic, [60 + (i % 5) for i in range(36)])
    add_series(world.sibling_facility, uterotonic, [50 + (i % 7) for i in range(36)])
    for i in range(20):
        tried(
            project,
            qi_member,
            f"Change idea number {i} with a longer title",
            Act.ADAPT,
            "A reason " * 20,
        )
    client.force_login(qi_member)
    for path in [
        reverse("improvement:chart", args=[world.facility.slug, uterotonic.code]),
        project.get_absolute_url(),
        reverse("improvement:registry"),
        reverse("improvement:indicators"),
        reverse("improvement:measurement_entry", args=[world.facility.slug]),
    ]:
        weight = page_weight(client, path)
        assert any("improvement.css" in url for url in weight.parts), weight
        assert weight.total <= BUDGET, weight
    client.force_login(district_lead)
    weight = page_weight(
        client,
        reverse("improvement:comparison", args=[world.district.slug, uterotonic.code]),
    )
    assert weight.total <= BUDGET, weight
