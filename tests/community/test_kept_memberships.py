"""A member's memberships are kept between requests (every signed-in page asks for
them), and every change to a role or to the organisation tree is seen by the very next
request: a revoked role never lingers."""

from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import permissions, services
from community.models import Role


def fresh(user):
    """The user as the next request loads them (nothing kept on the object)."""
    return get_user_model().objects.get(pk=user.pk)


def _membership_queries(client, url="/") -> int:
    with CaptureQueriesContext(connection) as ctx:
        client.get(url)
    return sum("community_membership" in q["sql"] for q in ctx.captured_queries)


def test_signed_in_pages_read_memberships_once_then_from_the_cache(
    client, practitioner
):
    client.force_login(practitioner)
    client.get("/")
    assert _membership_queries(client) == 0
    assert permissions.capabilities(fresh(practitioner))  # still right


def test_a_role_granted_counts_at_the_next_request(world, practitioner):
    assert not permissions.can_schedule_events(fresh(practitioner), world.facility)
    services.membership_create(
        user=practitioner, organisation=world.facility, role=Role.FACILITY_LEAD
    )
    assert permissions.can_schedule_events(fresh(practitioner), world.facility)


def test_a_role_revoked_is_gone_at_the_next_request(world, district_lead):
    assert permissions.can_manage_memberships(fresh(district_lead), world.district)
    membership = district_lead.memberships.get(role=Role.DISTRICT_LEAD)
    services.membership_delete(membership=membership)
    assert not permissions.can_manage_memberships(fresh(district_lead), world.district)


def test_a_role_changed_is_seen_at_the_next_request(world, coach):
    assert permissions.can_moderate_in(fresh(coach), world.district, safe_space=False)
    membership = coach.memberships.get(role=Role.COACH)
    services.membership_update(
        membership=membership,
        organisation=world.facility,
        role=Role.PRACTITIONER,
        trusted_publisher=False,
    )
    assert not permissions.can_moderate_in(
        fresh(coach), world.district, safe_space=False
    )


def test_an_organisation_moved_moves_its_members_rights(world, practitioner):
    """The kept list holds each organisation with its parents: a facility moved to
    another district takes its staff out of the old district at once."""
    assert permissions.is_member_within(fresh(practitioner), world.district)
    world.facility.parent = world.other_district
    world.facility.save()
    assert not permissions.is_member_within(fresh(practitioner), world.district)
    assert permissions.is_member_within(fresh(practitioner), world.other_district)


def test_a_deactivated_account_holds_nothing(world, practitioner):
    permissions.capabilities(fresh(practitioner))
    practitioner.is_active = False
    practitioner.save()
    assert permissions.capabilities(fresh(practitioner)) == set()
