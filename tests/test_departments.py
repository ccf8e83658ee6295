"""Departments (wards, units) inside facilities: who arranges them, who works in them,
what is scoped to them (spaces, QI projects, events), and how a change idea spreads
from one ward to the next."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse

from community import services as community
from community.models import Department, DepartmentMember, Membership, Role
from community.permissions import forget
from events import services as events
from events.forms import EventForm
from events.models import EventKind
from events.models import Visibility as EventVisibility
from forums import services as forums
from forums.models import Space, Visibility
from improvement import selectors
from improvement import services as improvement
from improvement.forms import ProjectForm
from improvement.models import Act, ChangeIdea, Indicator, Project
from tests.conftest import ROLE_FIXTURES
from tests.factories import member

pytestmark = pytest.mark.django_db

# Only the facility's lead arranges its departments.
MAY_MANAGE = {"facility_lead"}
# Members of the facility itself say which of its departments they work in.
WORK_THERE = {"practitioner", "qi_member", "facility_lead"}
# Whoever documents the facility's improvement work spreads its change ideas.
MAY_DOCUMENT = {"practitioner", "qi_member", "facility_lead"}


@pytest.fixture
def wards(world, facility_lead):
    labour = community.department_create(
        facility=world.facility, by=facility_lead, name="Labour ward"
    )
    newborn = community.department_create(
        facility=world.facility, by=facility_lead, name="  Newborn   unit "
    )
    return labour, newborn


@pytest.fixture
def indicator(db):
    improvement.indicators_load()
    return Indicator.objects.get(code="MNH-03")


def _project(facility, by, indicator, title, department=None):
    return improvement.project_create(
        facility=facility,
        by=by,
        department=department,
        title=title,
        aim_what="Every woman gets oxytocin within one minute.",
        aim_how_much="from 60% to 90%",
        aim_by_when=datetime.date(2030, 1, 1),
        indicators=[indicator],
    )


def _adopted(project, by, title="Ten-minute huddle at handover"):
    idea = improvement.change_idea_create(project=project, by=by, title=title)
    cycle = improvement.cycle_create(
        change_idea=idea,
        by=by,
        plan="Both shifts for two weeks.",
        prediction="Every handover names one thing to watch.",
        started_on=datetime.date(2025, 1, 3),
    )
    improvement.cycle_update(
        cycle=cycle,
        by=by,
        plan=cycle.plan,
        prediction=cycle.prediction,
        started_on=cycle.started_on,
        do_notes="",
        study="Held at 26 of 28 handovers.",
        act=Act.ADOPT,
        act_reason="Kept.",
        ended_on=datetime.date(2025, 1, 24),
    )
    idea.refresh_from_db()
    return idea


# --- Arranging departments --------------------------------------------------------


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_only_the_facility_lead_adds_a_department(client, world, as_role, role):
    user = as_role(role)
    client.force_login(user)
    url = reverse("community:department_create", args=[world.facility.pk])
    response = client.post(url, {"name": "Labour ward"})
    made = Department.objects.filter(facility=world.facility).exists()
    if role in MAY_MANAGE:
        assert made
        assert response.status_code == 302
        assert response["Location"].endswith("/departments/labour-ward/")
    else:
        assert not made
        assert response.status_code == 403
        assert client.get(url).status_code == 403


def test_visitors_are_asked_to_sign_in_and_other_facilities_leads_refused(
    client, world
):
    url = reverse("community:department_create", args=[world.facility.pk])
    assert client.post(url, {"name": "Labour ward"}).status_code == 302
    other_lead = member(Role.FACILITY_LEAD, world.sibling_facility)
    client.force_login(other_lead)
    assert client.post(url, {"name": "Labour ward"}).status_code == 403
    with pytest.raises(PermissionDenied):
        community.department_create(
            facility=world.facility, by=other_lead, name="Labour ward"
        )
    assert not Department.objects.exists()
    # A district is not a facility: nothing to arrange there.
    url = reverse("community:department_create", args=[world.district.pk])
    assert client.get(url).status_code == 404


def test_a_name_taken_is_refused_and_what_was_typed_stays(
    client, world, wards, facility_lead
):
    client.force_login(facility_lead)
    url = reverse("community:department_create", args=[world.facility.pk])
    response = client.post(url, {"name": "labour  WARD"})
    assert response.status_code == 200
    body = response.content.decode()
    assert "already has a department called" in body
    assert 'value="labour  WARD"' in body
    assert wards[1].name == "Newborn unit"  # spaces folded


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_who_may_say_they_work_in_a_department(client, world, wards, as_role, role):
    labour, _newborn = wards
    user = as_role(role)
    client.force_login(user)
    join = reverse("community:department_join", args=[world.facility.pk, labour.slug])
    response = client.post(join)
    works = DepartmentMember.objects.filter(department=labour, user=user).exists()
    assert works == (role in WORK_THERE)
    assert response.status_code == (302 if role in WORK_THERE else 403)
    page = client.get(labour.get_absolute_url()).content.decode()
    assert ("I no longer work here" in page) == (role in WORK_THERE)
    if role in WORK_THERE:
        leave = reverse(
            "community:department_leave", args=[world.facility.pk, labour.slug]
        )
        assert client.post(leave).status_code == 302
        assert not DepartmentMember.objects.filter(user=user).exists()


def test_a_wards_head_count_is_a_few_below_the_group_size(
    client, world, wards, practitioner, qi_member, facility_lead
):
    labour, _newborn = wards
    for user in (practitioner, qi_member, facility_lead):
        community.department_join(department=labour, user=user)
    page = client.get(reverse("community:facility", args=[world.facility.pk]))
    text = page.content.decode()
    assert "a few people say they work here" in text
    assert "3 people" not in text
    for _n in range(2):
        community.department_join(
            department=labour, user=member(Role.PRACTITIONER, world.facility)
        )
    page = client.get(reverse("community:facility", args=[world.facility.pk]))
    assert "5 people say they work here" in page.content.decode()


def test_a_department_is_found_only_under_its_own_facility(client, world, wards):
    labour, _newborn = wards
    assert client.get(labour.get_absolute_url()).status_code == 200
    for pk in (world.sibling_facility.pk, world.district.pk, 999999):
        url = reverse("community:department", args=[pk, labour.slug])
        assert client.get(url).status_code == 404


def test_leaving_the_facility_ends_working_in_its_wards(world, wards, practitioner):
    labour, newborn = wards
    community.department_join(department=labour, user=practitioner)
    community.department_join(department=newborn, user=practitioner)
    membership = Membership.objects.get(user=practitioner)
    community.membership_update(
        membership=membership,
        organisation=world.sibling_facility,
        role=Role.PRACTITIONER,
        trusted_publisher=False,
    )
    assert not DepartmentMember.objects.filter(user=practitioner).exists()
    forget(practitioner)  # as the next request would load it
    community.department_join(
        department=community.department_create(
            facility=world.sibling_facility,
            by=member(Role.FACILITY_LEAD, world.sibling_facility),
            name="Theatre",
        ),
        user=practitioner,
    )
    community.membership_delete(membership=Membership.objects.get(user=practitioner))
    assert not DepartmentMember.objects.filter(user=practitioner).exists()


def test_the_people_listed_are_those_who_chose_the_directory(
    client, world, wards, practitioner, qi_member
):
    labour, _newborn = wards
    for user in (practitioner, qi_member):
        community.department_join(department=labour, user=user)
    community.profile_update(user=practitioner, display_name="Amina")
    community.profile_update(user=qi_member, display_name="Joseph")
    community.profile_set_directory(user=practitioner, listed=True, show_facility=True)
    client.force_login(qi_member)
    page = client.get(labour.get_absolute_url()).content.decode()
    assert "Amina" in page and "Joseph" not in page
    client.logout()
    page = client.get(labour.get_absolute_url()).content.decode()
    assert "Amina" not in page  # visitors see no names


def test_removing_a_department_keeps_what_was_scoped_to_it(
    client, world, wards, facility_lead, indicator
):
    labour, _newborn = wards
    space = forums.department_space_open(department=labour, by=facility_lead)
    project = _project(world.facility, facility_lead, indicator, "Oxytocin", labour)
    client.force_login(facility_lead)
    url = reverse("community:department_delete", args=[world.facility.pk, labour.slug])
    assert "Remove Labour ward?" in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    space.refresh_from_db()
    project.refresh_from_db()
    assert space.department is None and space.organisation == world.facility
    assert project.department is None
    assert not Department.objects.filter(pk=labour.pk).exists()


def test_only_the_lead_removes_a_department(client, world, wards, practitioner):
    labour, _newborn = wards
    client.force_login(practitioner)
    url = reverse("community:department_delete", args=[world.facility.pk, labour.slug])
    assert client.post(url).status_code == 403
    assert Department.objects.filter(pk=labour.pk).exists()


# --- Spaces ----------------------------------------------------------------------


def test_a_department_space_is_its_facilitys_and_never_a_safe_space(
    world, wards, facility_lead, practitioner
):
    labour, _newborn = wards
    space = forums.department_space_open(department=labour, by=facility_lead)
    assert space.visibility == Visibility.ORGANISATION
    assert space.organisation == world.facility and space.department == labour
    assert forums.department_space_open(department=labour, by=facility_lead) == space
    with pytest.raises(PermissionDenied):
        forums.department_space_open(department=labour, by=practitioner)
    space.safe_space = True
    with pytest.raises(ValidationError) as error:
        space.full_clean()
    assert "too small a group" in str(error.value)
    with pytest.raises(ValidationError):
        Space(
            name="Elsewhere",
            slug="elsewhere",
            visibility=Visibility.ORGANISATION,
            organisation=world.sibling_facility,
            department=labour,
        ).full_clean()


def test_a_department_space_reads_like_the_facilitys(
    client, world, wards, facility_lead, practitioner
):
    labour, _newborn = wards
    space = forums.department_space_open(department=labour, by=facility_lead)
    client.force_login(practitioner)
    assert client.get(space.get_absolute_url()).status_code == 200
    page = client.get(labour.get_absolute_url()).content.decode()
    assert space.name in page
    client.force_login(member(Role.PRACTITIONER, world.sibling_facility))
    assert client.get(space.get_absolute_url()).status_code in (403, 404)
    page = client.get(labour.get_absolute_url()).content.decode()
    assert space.get_absolute_url() not in page


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_only_the_lead_opens_a_department_space(client, world, wards, as_role, role):
    labour, _newborn = wards
    client.force_login(as_role(role))
    response = client.post(reverse("forums:department_space", args=[labour.pk]))
    opened = Space.objects.filter(department=labour).exists()
    assert opened == (role in MAY_MANAGE)
    assert response.status_code == (302 if role in MAY_MANAGE else 403)


# --- QI projects, and spreading a change -----------------------------------------


def test_a_project_runs_in_a_department_of_its_own_facility(
    world, wards, facility_lead, indicator
):
    labour, _newborn = wards
    project = _project(world.facility, facility_lead, indicator, "Oxytocin", labour)
    assert project.department == labour
    other_lead = member(Role.FACILITY_LEAD, world.sibling_facility)
    with pytest.raises(ValidationError) as error:
        _project(world.sibling_facility, other_lead, indicator, "Theirs", labour)
    assert "department" in error.value.message_dict
    # The form asks only where the facility has departments, and offers only its own.
    assert "department" in ProjectForm(facility=world.facility).fields
    offered = ProjectForm(facility=world.facility).fields["department"].queryset
    assert set(offered) == set(wards)
    assert "department" not in ProjectForm(facility=world.sibling_facility).fields


def test_the_project_form_saves_the_department(
    client, world, wards, facility_lead, indicator
):
    _labour, newborn = wards
    client.force_login(facility_lead)
    response = client.post(
        reverse("improvement:project_create", args=[world.facility.slug]),
        {
            "title": "Kangaroo care",
            "department": newborn.pk,
            "aim_what": "Every small baby starts KMC.",
            "aim_how_much": "from 40% to 80%",
            "aim_by_when": "2030-01-01",
            "indicators": [indicator.pk],
        },
    )
    assert response.status_code == 302, response.context["form"].errors
    project = Project.objects.get(title="Kangaroo care")
    assert project.department == newborn
    page = client.get(project.get_absolute_url()).content.decode()
    assert newborn.get_absolute_url() in page


@pytest.mark.parametrize("role", ROLE_FIXTURES)
def test_who_may_spread_a_change_to_another_ward(
    client, world, wards, facility_lead, indicator, as_role, role
):
    labour, newborn = wards
    source = _project(world.facility, facility_lead, indicator, "Oxytocin", labour)
    target = _project(world.facility, facility_lead, indicator, "KMC", newborn)
    idea = _adopted(source, facility_lead)
    user = as_role(role)
    client.force_login(user)
    url = reverse("improvement:idea_spread", args=[idea.pk])
    response = client.post(url, {"project": target.pk})
    spread = ChangeIdea.objects.filter(project=target, spread_from=idea).first()
    if role in MAY_DOCUMENT:
        assert spread is not None and response.status_code == 302
        assert spread.title == idea.title and spread.state == "testing"
    else:
        assert spread is None and response.status_code == 403


def test_a_change_spreads_within_its_facility_once_per_project(
    client, world, wards, facility_lead, indicator
):
    labour, newborn = wards
    source = _project(world.facility, facility_lead, indicator, "Oxytocin", labour)
    target = _project(world.facility, facility_lead, indicator, "KMC", newborn)
    whole = _project(world.facility, facility_lead, indicator, "Whole facility")
    idea = _adopted(source, facility_lead)
    spread = improvement.change_idea_spread(idea=idea, project=target, by=facility_lead)
    # Spreading the spread points back at the first: one row on the facility page.
    again = improvement.change_idea_spread(idea=spread, project=whole, by=facility_lead)
    assert again.spread_from == idea
    with pytest.raises(ValidationError, match="already trying"):
        improvement.change_idea_spread(idea=idea, project=target, by=facility_lead)
    with pytest.raises(ValidationError, match="already trying"):
        improvement.change_idea_spread(idea=spread, project=source, by=facility_lead)
    other_lead = member(Role.FACILITY_LEAD, world.sibling_facility)
    theirs = _project(world.sibling_facility, other_lead, indicator, "Theirs")
    with pytest.raises(ValidationError, match="within its facility"):
        improvement.change_idea_spread(idea=idea, project=theirs, by=other_lead)
    # Through the page, another facility's project is not even a choice.
    _project(world.facility, facility_lead, indicator, "Still to try it")
    client.force_login(facility_lead)
    response = client.post(
        reverse("improvement:idea_spread", args=[idea.pk]), {"project": theirs.pk}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not ChangeIdea.objects.filter(project=theirs).exists()
    page = client.get(source.get_absolute_url()).content.decode()
    assert "Now tried in:" in page and newborn.name in page
    page = client.get(target.get_absolute_url()).content.decode()
    assert "Tried first in Labour ward" in page


def test_the_facility_page_shows_departments_against_change_ideas(
    client, world, wards, facility_lead, indicator, django_assert_max_num_queries
):
    labour, newborn = wards
    source = _project(world.facility, facility_lead, indicator, "Oxytocin", labour)
    target = _project(world.facility, facility_lead, indicator, "KMC", newborn)
    idea = _adopted(source, facility_lead)
    improvement.change_idea_spread(idea=idea, project=target, by=facility_lead)
    improvement.change_idea_create(project=target, by=facility_lead, title="KMC chair")
    adoption = selectors.department_adoption(world.facility, Project.objects.all())
    assert [d.name for d in adoption.departments] == ["Labour ward", "Newborn unit"]
    table = {
        row["title"]: [cell.state if cell else None for cell in row["cells"]]
        for row in adoption.rows
    }
    assert table == {
        "Ten-minute huddle at handover": ["adopted", "testing"],
        "KMC chair": [None, "testing"],
    }
    # Two queries, however many ideas and departments.
    for n in range(6):
        improvement.change_idea_create(
            project=source if n % 2 else target, by=facility_lead, title=f"Idea {n}"
        )
    with django_assert_max_num_queries(2):
        adoption = selectors.department_adoption(world.facility, Project.objects.all())
        assert len(adoption.rows) == 8
    client.force_login(facility_lead)
    for url in (
        reverse("improvement:facility", args=[world.facility.slug]),
        reverse("community:facility", args=[world.facility.pk]),
    ):
        page = client.get(url).content.decode()
        assert "Departments and change ideas" in page
        assert "not tried" in page


def test_a_ward_page_offers_what_other_wards_adopted(
    client, world, wards, facility_lead, practitioner, indicator
):
    labour, newborn = wards
    source = _project(world.facility, facility_lead, indicator, "Oxytocin", labour)
    _project(world.facility, facility_lead, indicator, "KMC", newborn)
    idea = _adopted(source, facility_lead)
    client.force_login(practitioner)
    page = client.get(newborn.get_absolute_url()).content.decode()
    assert "Adopted in other departments, not tried here yet" in page
    assert reverse("improvement:idea_spread", args=[idea.pk]) in page
    # The ward's indicators: those its projects track, charted for the facility,
    # for readers of the facility's data only (a shared project is read by all).
    chart = reverse("improvement:chart", args=[world.facility.slug, indicator.code])
    assert chart in page
    improvement.project_share(project=source, by=facility_lead, shared=True)
    client.force_login(member(Role.PRACTITIONER, world.sibling_facility))
    elsewhere = client.get(labour.get_absolute_url()).content.decode()
    assert source.get_absolute_url() in elsewhere and chart not in elsewhere
    # A coach over the district sees the work, and is not offered to change it.
    client.force_login(member(Role.COACH, world.district))
    page = client.get(newborn.get_absolute_url()).content.decode()
    assert idea.title in page
    assert reverse("improvement:idea_spread", args=[idea.pk]) not in page


# --- Events ----------------------------------------------------------------------


def _event_data(organiser, department=None) -> dict:
    return {
        "kind": EventKind.LEARNING_SESSION,
        "organiser": organiser.pk,
        "department": department.pk if department else "",
        "title": "Running the handover huddle",
        "starts_at": "2030-01-10T14:00",
        "ends_at": "2030-01-10T15:00",
        "timezone": "Africa/Kigali",
        "place": "Meeting room",
        "visibility": EventVisibility.ORGANISATION,
    }


def test_an_event_for_one_department_shows_on_its_page(
    client, world, wards, facility_lead, practitioner
):
    _labour, newborn = wards
    form = EventForm(_event_data(world.facility, newborn), user=facility_lead)
    assert form.is_valid(), form.errors
    event = events.event_create(
        by=facility_lead,
        organiser=world.facility,
        kind=EventKind.LEARNING_SESSION,
        tags=[],
        **form.service_values(),
    )
    assert event.department == newborn
    client.force_login(practitioner)
    page = client.get(newborn.get_absolute_url()).content.decode()
    assert "Running the handover huddle" in page
    detail = client.get(event.get_absolute_url()).content.decode()
    assert newborn.get_absolute_url() in detail


def test_an_event_department_must_be_the_organisers(world, wards, superuser):
    _labour, newborn = wards
    form = EventForm(_event_data(world.sibling_facility, newborn), user=superuser)
    assert not form.is_valid()
    assert "is a department of North Hospital" in str(form.errors["department"])
    with pytest.raises(ValidationError):
        events.event_create(
            by=superuser,
            organiser=world.sibling_facility,
            kind=EventKind.LEARNING_SESSION,
            title="Elsewhere",
            starts_at=datetime.datetime(2030, 1, 10, 12, tzinfo=datetime.UTC),
            ends_at=datetime.datetime(2030, 1, 10, 13, tzinfo=datetime.UTC),
            place="Room",
            department=newborn,
        )
    # Members whose organisations have no departments are not asked.
    coach_form = EventForm(user=member(Role.COACH, world.other_district))
    assert "department" not in coach_form.fields


# --- Their data -------------------------------------------------------------------


def test_the_download_holds_the_departments_one_works_in(world, wards, practitioner):
    from community.personal_data import export

    community.department_join(department=wards[0], user=practitioner)
    rows = export(practitioner)["community"]["departments"]
    assert [r["department__name"] for r in rows] == ["Labour ward"]


# --- Two taps at once -----------------------------------------------------------


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite serialises writers; the row locks matter on PostgreSQL",
)
def test_double_taps_on_two_workers_make_one_ward_one_space_one_spread(
    world, facility_lead, indicator
):
    from tests.races import at_once

    assert at_once(
        lambda: community.department_create(
            facility=world.facility, by=facility_lead, name="Labour ward"
        ),
        ValidationError,
    ) == ["already"] * 3 + ["counted"]
    labour = Department.objects.get()
    newborn = community.department_create(
        facility=world.facility, by=facility_lead, name="Newborn unit"
    )
    at_once(
        lambda: forums.department_space_open(department=labour, by=facility_lead),
        ValidationError,
    )
    assert Space.objects.filter(department=labour).count() == 1
    source = _project(world.facility, facility_lead, indicator, "Oxytocin", labour)
    target = _project(world.facility, facility_lead, indicator, "KMC", newborn)
    idea = _adopted(source, facility_lead)
    assert at_once(
        lambda: improvement.change_idea_spread(
            idea=idea, project=target, by=facility_lead
        ),
        ValidationError,
    ) == ["already"] * 3 + ["counted"]
    assert ChangeIdea.objects.filter(project=target).count() == 1
