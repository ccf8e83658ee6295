"""The scheduling form offers exactly the kinds of event the organiser may create: the
choices come from the rule that would refuse the others (``permissions.can_create``)."""

import pytest

from community.models import Role
from events import permissions
from events.forms import SCHEDULED_KINDS, EventForm
from events.models import Event, EventKind
from tests.factories import member

from .test_views import form_data

ALL = {value for value, _label in SCHEDULED_KINDS}
EXPECTED = {
    "facility_lead": {EventKind.LEARNING_SESSION},
    "coach": {EventKind.WEBINAR, EventKind.COLLABORATIVE, EventKind.LEARNING_SESSION},
    "district_lead": {
        EventKind.WEBINAR,
        EventKind.COLLABORATIVE,
        EventKind.LEARNING_SESSION,
    },
    "national_team": {
        EventKind.WEBINAR,
        EventKind.COLLABORATIVE,
        EventKind.LEARNING_SESSION,
    },
    "national_editor": {
        EventKind.WEBINAR,
        EventKind.COLLABORATIVE,
        EventKind.LEARNING_SESSION,
    },
}


@pytest.fixture
def national_editor(world):
    return member(Role.NATIONAL_EDITOR, world.country, email="editor@example.org")


def offered(user) -> set[str]:
    return {value for value, _label in EventForm(user=user).fields["kind"].choices}


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_form_offers_the_kinds_of_each_role(request, db, role):
    user = request.getfixturevalue(role)
    assert offered(user) == EXPECTED[role]


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_offered_kinds_agree_with_the_rule_that_refuses(request, db, role):
    user = request.getfixturevalue(role)
    organisers = list(permissions.organisers_for(user))
    for kind in ALL:
        allowed = any(permissions.can_create(user, org, kind) for org in organisers)
        assert (kind in offered(user)) == allowed, kind


def test_a_practitioner_is_offered_nothing_and_refused_the_page(client, practitioner):
    assert offered(practitioner) == set()
    client.force_login(practitioner)
    assert client.get("/events/new/").status_code == 403


def test_the_page_lists_only_what_a_facility_lead_may_schedule(client, facility_lead):
    client.force_login(facility_lead)
    html = client.get("/events/new/").content.decode()
    assert f'value="{EventKind.LEARNING_SESSION}"' in html
    assert f'value="{EventKind.WEBINAR}"' not in html
    assert f'value="{EventKind.COLLABORATIVE}"' not in html
    assert "Who organises each kind: Facility learning session (Facility)." in html


def test_a_kind_not_offered_is_an_invalid_choice_not_a_later_refusal(
    client, world, facility_lead
):
    client.force_login(facility_lead)
    response = client.post(
        "/events/new/",
        form_data(world, kind=EventKind.WEBINAR, organiser=world.facility.pk),
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Event.objects.exists()


def test_a_facility_lead_schedules_a_learning_session(client, world, facility_lead):
    client.force_login(facility_lead)
    response = client.post(
        "/events/new/",
        form_data(world, kind=EventKind.LEARNING_SESSION, organiser=world.facility.pk),
    )
    assert response.status_code == 302
    assert Event.objects.get().kind == EventKind.LEARNING_SESSION


def test_a_district_lead_still_learns_which_organiser_holds_a_kind(
    client, world, district_lead
):
    """Two fields: a district cannot hold a facility learning session; the help says
    who organises each kind, and the refusal names the organiser."""
    client.force_login(district_lead)
    response = client.post(
        "/events/new/",
        form_data(world, kind=EventKind.LEARNING_SESSION, organiser=world.district.pk),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "cannot organise this kind of event" in html
    assert "Facility learning session (Facility)" in html
    assert not Event.objects.exists()
