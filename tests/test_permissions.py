"""The capability map for every role: who may, and who may not."""

import pytest
from django.core.exceptions import PermissionDenied
from django.test import override_settings

from community import permissions
from community.models import Role

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
    "role,expected",
    matrix({"facility_lead", "coach", "district_lead", "national_team", "editor"}),
)
def test_schedule_events_for_own_facility(role, expected, as_role, world):
    assert permissions.can_schedule_events(as_role(role), world.facility) is expected


@pytest.mark.parametrize(
    "role,expected", matrix({"coach", "district_lead", "national_team", "editor"})
)
def test_schedule_events_for_own_district(role, expected, as_role, world):
    assert permissions.can_schedule_events(as_role(role), world.district) is expected


@pytest.mark.parametrize("role,expected", matrix({"national_team", "editor"}))
def test_schedule_events_for_another_district(role, expected, as_role, world):
    assert (
        permissions.can_schedule_events(as_role(role), world.other_district) is expected
    )


@pytest.mark.parametrize("role,expected", matrix({"national_team", "editor"}))
def test_schedule_national_events(role, expected, as_role, world):
    assert permissions.can_schedule_events(as_role(role), world.country) is expected


@pytest.mark.parametrize(
    "role,expected", matrix({"district_lead", "coach", "moderator"})
)
def test_moderate_district_space(role, expected, as_role, world):
    assert (
        permissions.can_moderate_in(as_role(role), world.district, safe_space=False)
        is expected
    )


@pytest.mark.parametrize("role,expected", matrix({"moderator"}))
def test_only_moderators_act_in_safe_spaces(role, expected, as_role, world):
    """Nobody in the poster's chain of command moderates a safe space."""
    assert (
        permissions.can_moderate_in(as_role(role), world.facility, safe_space=True)
        is expected
    )


@pytest.mark.parametrize("role,expected", matrix({"moderator"}))
def test_moderate_another_district(role, expected, as_role, world):
    assert (
        permissions.can_moderate_in(
            as_role(role), world.other_facility, safe_space=False
        )
        is expected
    )


@pytest.mark.parametrize(
    "role,expected", matrix({"coach", "district_lead", "national_team"})
)
def test_view_district_data(role, expected, as_role, world):
    assert permissions.can_view_district_data(as_role(role), world.district) is expected


@pytest.mark.parametrize("role,expected", matrix({"district_lead", "national_team"}))
def test_manage_memberships_in_own_district(role, expected, as_role, world):
    assert (
        permissions.can_manage_memberships(as_role(role), world.sibling_facility)
        is expected
    )


@pytest.mark.parametrize("role,expected", matrix({"national_team"}))
def test_manage_memberships_in_another_district(role, expected, as_role, world):
    assert (
        permissions.can_manage_memberships(as_role(role), world.other_facility)
        is expected
    )


@pytest.mark.parametrize("role,expected", matrix({"editor"}))
def test_publish_library(role, expected, as_role, world):
    assert permissions.can_publish_library(as_role(role), world.district) is expected


@pytest.mark.parametrize("role,expected", matrix({"qi_member", "facility_lead"}))
def test_enter_measurements_for_own_facility(role, expected, as_role, world):
    assert permissions.can_enter_measurements(as_role(role), world.facility) is expected


@pytest.mark.parametrize("role,expected", matrix(set()))
def test_enter_measurements_for_another_facility(role, expected, as_role, world):
    assert (
        permissions.can_enter_measurements(as_role(role), world.sibling_facility)
        is expected
    )


@pytest.mark.parametrize("role,expected", matrix({"moderator", "national_team"}))
def test_view_audit_log(role, expected, as_role, world):
    assert permissions.can_view_audit_log(as_role(role)) is expected


@pytest.mark.parametrize("role,expected", matrix({"national_team", "editor"}))
def test_triage_learning_needs(role, expected, as_role, world):
    assert permissions.can_triage_needs(as_role(role)) is expected


@pytest.mark.parametrize("role,expected", matrix(set(ALL)))
def test_every_active_member_participates(role, expected, as_role, world):
    assert permissions.can_participate(as_role(role)) is expected


def test_anonymous_visitor_holds_nothing(world):
    from django.contrib.auth.models import AnonymousUser

    visitor = AnonymousUser()
    assert not permissions.can_participate(visitor)
    assert not permissions.can_schedule_events(visitor, world.facility)
    assert not permissions.can_moderate_in(visitor, world.district, safe_space=False)
    assert permissions.capabilities(visitor) == set()


def test_deactivated_member_loses_every_capability(district_lead, world):
    district_lead.is_active = False
    permissions.forget(district_lead)
    assert not permissions.can_schedule_events(district_lead, world.district)
    assert not permissions.can_participate(district_lead)


def test_district_lead_cannot_hand_out_national_roles(district_lead, world):
    assert permissions.can_assign_role(
        district_lead, world.facility, Role.FACILITY_LEAD
    )
    assert not permissions.can_assign_role(
        district_lead, world.facility, Role.MODERATOR
    )
    assert not permissions.can_assign_role(
        district_lead, world.country, Role.PRACTITIONER
    )


def test_national_team_can_hand_out_national_roles(national_team, world):
    assert permissions.can_assign_role(national_team, world.country, Role.MODERATOR)


def test_check_functions_raise_translatable_permission_denied(practitioner, world):
    with pytest.raises(PermissionDenied):
        permissions.check_schedule_events(practitioner, world.district)
    with pytest.raises(PermissionDenied):
        permissions.check_manage_memberships(practitioner, world.facility)


@override_settings(COMMUNITY={"REQUIRE_MFA_FOR_PRIVILEGED": True})
@pytest.mark.parametrize(
    "role,expected", matrix({"moderator", "editor", "national_team"})
)
def test_mfa_required_for_moderators_editors_and_who_grants_them(
    role, expected, as_role, world
):
    assert permissions.requires_mfa(as_role(role)) is expected


@override_settings(COMMUNITY={"REQUIRE_MFA_FOR_PRIVILEGED": False})
def test_mfa_not_required_when_the_host_turns_it_off(moderator):
    assert not permissions.requires_mfa(moderator)


def test_role_groups_follow_memberships(world, editor):
    assert editor.groups.filter(name="Editors").exists()
    from community import services

    services.membership_delete(membership=editor.memberships.get())
    assert not editor.groups.filter(name="Editors").exists()


@pytest.mark.parametrize("n,shown", [(0, 0), (1, None), (4, None), (5, 5), (40, 40)])
def test_counts_of_people_start_at_five(n, shown):
    from community.privacy import people_count

    assert people_count(n) == shown
