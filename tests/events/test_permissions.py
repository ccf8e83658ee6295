"""Who may schedule which kind of event, for which organisation, and who sees it."""

import pytest
from django.core.exceptions import PermissionDenied

from events import permissions
from events.models import Event, EventKind, Visibility

ALL = [
    "practitioner",
    "qi_member",
    "facility_lead",
    "coach",
    "district_lead",
    "national_team",
    "editor",
    "moderator",
    "outsider",
]


def matrix(allowed):
    return [(role, role in allowed) for role in ALL]


@pytest.mark.parametrize(
    "role,expected", matrix({"coach", "district_lead", "national_team", "editor"})
)
def test_collaborative_in_own_district(role, expected, as_role, world):
    user = as_role(role)
    assert (
        permissions.can_create(user, world.district, EventKind.COLLABORATIVE)
        is expected
    )


@pytest.mark.parametrize("role,expected", matrix({"national_team", "editor"}))
def test_collaborative_in_another_district(role, expected, as_role, world):
    user = as_role(role)
    assert (
        permissions.can_create(user, world.other_district, EventKind.COLLABORATIVE)
        is expected
    )


@pytest.mark.parametrize(
    "role,expected",
    matrix({"facility_lead", "coach", "district_lead", "national_team", "editor"}),
)
def test_learning_session_at_own_facility(role, expected, as_role, world):
    user = as_role(role)
    assert (
        permissions.can_create(user, world.facility, EventKind.LEARNING_SESSION)
        is expected
    )


@pytest.mark.parametrize(
    "role,expected", matrix({"coach", "district_lead", "national_team", "editor"})
)
def test_learning_session_at_a_sibling_facility(role, expected, as_role, world):
    """A facility lead schedules only for their own facility."""
    user = as_role(role)
    assert (
        permissions.can_create(user, world.sibling_facility, EventKind.LEARNING_SESSION)
        is expected
    )


@pytest.mark.parametrize("role,expected", matrix({"national_team", "editor"}))
def test_national_webinar(role, expected, as_role, world):
    user = as_role(role)
    assert permissions.can_create(user, world.country, EventKind.WEBINAR) is expected


def test_kind_must_fit_the_organiser_level(world, national_team):
    assert not permissions.can_create(
        national_team, world.facility, EventKind.COLLABORATIVE
    )
    assert not permissions.can_create(
        national_team, world.country, EventKind.LEARNING_SESSION
    )
    with pytest.raises(PermissionDenied):
        permissions.check_create(national_team, world.facility, EventKind.COLLABORATIVE)


@pytest.mark.parametrize(
    "role,expected",
    matrix({"facility_lead", "coach", "district_lead", "national_team", "editor"}),
)
def test_edit_a_facility_session(role, expected, as_role, make_event):
    event = make_event(kind=EventKind.LEARNING_SESSION)
    assert permissions.can_edit(as_role(role), event) is expected


def test_facility_lead_cannot_edit_the_district_collaborative(
    facility_lead, make_event
):
    event = make_event(kind=EventKind.COLLABORATIVE)
    assert not permissions.can_edit(facility_lead, event)
    with pytest.raises(PermissionDenied):
        permissions.check_edit(facility_lead, event)


@pytest.mark.parametrize(
    "role,expected",
    matrix(
        {
            "practitioner",
            "qi_member",
            "facility_lead",
            "coach",
            "district_lead",
            "national_team",
            "editor",
            "moderator",
        }
    ),
)
def test_organisation_event_seen_inside_the_district(
    role, expected, as_role, make_event
):
    event = make_event(visibility=Visibility.ORGANISATION)
    user = as_role(role)
    assert permissions.can_view(user, event) is expected
    assert Event.objects.visible_to(user).filter(pk=event.pk).exists() is expected


def test_organisation_event_hidden_from_another_district(world, make_event):
    from community.models import Role
    from tests.factories import member

    south = member(Role.PRACTITIONER, world.other_facility)
    event = make_event(visibility=Visibility.ORGANISATION)
    assert not permissions.can_view(south, event)
    assert not Event.objects.visible_to(south).filter(pk=event.pk).exists()


def test_members_event_hidden_from_visitors(make_event, client):
    from django.contrib.auth.models import AnonymousUser

    members = make_event(visibility=Visibility.MEMBERS)
    public = make_event(visibility=Visibility.PUBLIC)
    visible = set(
        Event.objects.visible_to(AnonymousUser()).values_list("pk", flat=True)
    )
    assert visible == {public.pk}
    assert client.get(members.get_absolute_url()).status_code == 403
    assert client.get(public.get_absolute_url()).status_code == 200


def test_registered_outsider_sees_an_organisation_event(
    world, outsider, make_event, superuser
):
    from events import services

    event = make_event(visibility=Visibility.ORGANISATION)
    assert not permissions.can_view(outsider, event)
    services.registration_create(event=event, user=outsider, check_permission=False)
    assert permissions.can_view(outsider, event)
    assert Event.objects.visible_to(outsider).filter(pk=event.pk).exists()
