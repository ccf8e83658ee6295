"""Membership management in the Wagtail admin: district leads inside their district only."""

import pytest

from community.models import Membership, Role

from .factories import member

INDEX = "/admin/memberships/"


@pytest.fixture
def district_members(world):
    inside = member(
        Role.PRACTITIONER, world.sibling_facility, email="inside@example.org"
    )
    outside = member(
        Role.PRACTITIONER, world.other_facility, email="outside@example.org"
    )
    return inside, outside


def test_district_lead_lists_only_their_district(
    client, district_lead, district_members, world
):
    client.force_login(district_lead)
    response = client.get(INDEX)
    assert response.status_code == 200
    html = response.content.decode()
    assert "North Clinic" in html
    assert "South Hospital" not in html


def test_district_lead_adds_a_member_in_their_district(
    client, district_lead, outsider, world
):
    client.force_login(district_lead)
    response = client.post(
        INDEX + "new/",
        {
            "user": outsider.pk,
            "organisation": world.sibling_facility.pk,
            "role": Role.QI_MEMBER,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Membership.objects.filter(
        user=outsider, organisation=world.sibling_facility, role=Role.QI_MEMBER
    ).exists()


def test_district_lead_cannot_add_in_another_district(
    client, district_lead, outsider, world
):
    client.force_login(district_lead)
    response = client.post(
        INDEX + "new/",
        {
            "user": outsider.pk,
            "organisation": world.other_facility.pk,
            "role": Role.QI_MEMBER,
        },
    )
    assert response.status_code == 200  # the form comes back with an error
    assert not Membership.objects.filter(user=outsider).exists()


def test_district_lead_cannot_hand_out_a_national_role(
    client, district_lead, outsider, world
):
    client.force_login(district_lead)
    response = client.post(
        INDEX + "new/",
        {
            "user": outsider.pk,
            "organisation": world.sibling_facility.pk,
            "role": Role.MODERATOR,
        },
    )
    assert response.status_code == 200
    assert "You may not give that role" in response.content.decode()
    assert not Membership.objects.filter(user=outsider).exists()


def test_district_lead_cannot_edit_or_delete_outside(
    client, district_lead, district_members
):
    _inside, outside = district_members
    membership = outside.memberships.get()
    client.force_login(district_lead)
    assert client.get(f"{INDEX}edit/{membership.pk}/").status_code in (302, 403, 404)
    client.post(f"{INDEX}delete/{membership.pk}/")
    assert Membership.objects.filter(pk=membership.pk).exists()


def test_district_lead_removes_a_member_inside(client, district_lead, district_members):
    inside, _outside = district_members
    membership = inside.memberships.get()
    client.force_login(district_lead)
    response = client.post(f"{INDEX}delete/{membership.pk}/")
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_national_team_sees_every_district(client, national_team, district_members):
    client.force_login(national_team)
    html = client.get(INDEX).content.decode()
    assert "North Clinic" in html and "South Hospital" in html


@pytest.mark.parametrize("role", ["practitioner", "facility_lead", "coach", "editor"])
def test_other_roles_cannot_manage_memberships(client, as_role, role, district_members):
    client.force_login(as_role(role))
    response = client.get(INDEX)
    assert response.status_code in (302, 403)
