"""Who may see and do what, role by role (may and may not), in functions and pages."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from community.models import Role
from improvement import permissions, services
from improvement.models import Project
from tests.factories import member

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


def allowed(expected: set[str]):
    return [pytest.param(role, role in expected, id=role) for role in ALL]


FACILITY_DATA = {
    "practitioner",
    "qi_member",
    "facility_lead",
    "coach",
    "district_lead",
    "national_team",
}
ENTER = {"qi_member", "facility_lead"}
DOCUMENT = {"practitioner", "qi_member", "facility_lead"}
PUBLISH = {"facility_lead"}
DISTRICT = {"coach", "district_lead", "national_team"}
INDICATORS = {"national_team"}
MEMBERS = set(ALL) - {"outsider"}


@pytest.mark.parametrize(("role", "may"), allowed(FACILITY_DATA))
def test_view_facility_data(as_role, world, role, may):
    assert permissions.can_view_facility_data(as_role(role), world.facility) is may


@pytest.mark.parametrize(("role", "may"), allowed(FACILITY_DATA))
def test_facility_chart_page(client, as_role, world, uterotonic, role, may):
    client.force_login(as_role(role))
    response = client.get(
        reverse("improvement:chart", args=[world.facility.slug, uterotonic.code])
    )
    assert response.status_code == (200 if may else 403)


@pytest.mark.parametrize("role", ["coach", "district_lead", "qi_member"])
def test_nobody_below_the_country_sees_another_district(as_role, world, role):
    assert not permissions.can_view_facility_data(as_role(role), world.other_facility)


def test_a_facility_member_does_not_see_a_sibling_facility(qi_member, world):
    assert not permissions.can_view_facility_data(qi_member, world.sibling_facility)


@pytest.mark.parametrize(("role", "may"), allowed(ENTER))
def test_enter_measurements(client, as_role, world, role, may):
    client.force_login(as_role(role))
    response = client.get(
        reverse("improvement:measurement_entry", args=[world.facility.slug])
    )
    assert response.status_code == (200 if may else 403)


@pytest.mark.parametrize(("role", "may"), allowed(DOCUMENT))
def test_document_improvement(client, as_role, world, catalogue, role, may):
    client.force_login(as_role(role))
    response = client.get(
        reverse("improvement:project_create", args=[world.facility.slug])
    )
    assert response.status_code == (200 if may else 403)
    assert permissions.can_document(as_role(role), world.facility) is may


@pytest.mark.parametrize(("role", "may"), allowed(PUBLISH))
def test_publish_story(client, as_role, project, role, may):
    client.force_login(as_role(role))
    response = client.get(reverse("improvement:story_create", args=[project.pk]))
    assert response.status_code == (200 if may else 403)


@pytest.mark.parametrize(("role", "may"), allowed(DISTRICT))
def test_district_comparison(client, as_role, world, uterotonic, role, may):
    client.force_login(as_role(role))
    url = reverse("improvement:comparison", args=[world.district.slug, uterotonic.code])
    assert client.get(url).status_code == (200 if may else 403)
    csv_url = reverse(
        "improvement:comparison_csv", args=[world.district.slug, uterotonic.code]
    )
    assert client.get(csv_url).status_code == (200 if may else 403)


def test_coach_cannot_compare_another_district(client, coach, world, uterotonic):
    client.force_login(coach)
    url = reverse(
        "improvement:comparison", args=[world.other_district.slug, uterotonic.code]
    )
    assert client.get(url).status_code == 403


@pytest.mark.parametrize(("role", "may"), allowed(INDICATORS))
def test_edit_indicator_catalogue(client, as_role, uterotonic, role, may):
    client.force_login(as_role(role))
    response = client.get(reverse("improvement:indicator_edit", args=[uterotonic.code]))
    assert response.status_code == (200 if may else 403)


def test_national_team_edits_an_indicator_through_the_form(
    client, national_team, uterotonic
):
    client.force_login(national_team)
    data = {
        field: getattr(uterotonic, field)
        for field in [
            "code",
            "name",
            "definition",
            "numerator",
            "denominator",
            "unit",
            "multiplier",
            "direction",
            "category",
            "source",
        ]
    }
    data["name"] = "Uterotonic within one minute of birth"
    response = client.post(
        reverse("improvement:indicator_edit", args=[uterotonic.code]), data
    )
    assert response.status_code == 302
    uterotonic.refresh_from_db()
    assert uterotonic.name == "Uterotonic within one minute of birth"
    assert not uterotonic.active  # an unticked box retires it


@pytest.mark.parametrize(("role", "may"), allowed(FACILITY_DATA))
def test_unshared_project_is_seen_by_facility_district_and_national(
    as_role, project, role, may
):
    user = as_role(role)
    assert (project in Project.objects.visible_to(user)) is may
    assert permissions.can_view_project(user, project) is may


@pytest.mark.parametrize(("role", "may"), allowed(MEMBERS))
def test_shared_project_is_seen_by_every_member(
    client, as_role, project, qi_member, role, may
):
    services.project_share(project=project, by=qi_member, shared=True)
    user = as_role(role)
    assert (project in Project.objects.visible_to(user)) is may
    client.force_login(user)
    assert client.get(project.get_absolute_url()).status_code == (200 if may else 403)


def test_member_of_another_facility_does_not_see_an_unshared_project(project, world):
    other = member(Role.QI_MEMBER, world.sibling_facility)
    assert project not in Project.objects.visible_to(other)
    assert not permissions.can_view_project(other, project)


def test_anonymous_visitors_are_sent_to_sign_in(client, project):
    response = client.get(project.get_absolute_url())
    assert response.status_code == 302 and "/accounts/login/" in response.url
    assert not Project.objects.visible_to(AnonymousUser()).exists()


def test_only_the_team_shares_a_project(client, project, district_lead):
    client.force_login(district_lead)
    response = client.post(
        reverse("improvement:project_share", args=[project.pk]), {"shared": "1"}
    )
    assert response.status_code == 403
    project.refresh_from_db()
    assert not project.shared
