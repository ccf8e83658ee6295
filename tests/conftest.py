"""Fixtures by role over a small country: two districts, three facilities."""

from dataclasses import dataclass

import pytest

from community.models import Ownership, Role

from .factories import (
    DistrictFactory,
    FacilityFactory,
    OrganisationFactory,
    UserFactory,
    member,
)


@dataclass
class World:
    country: object
    district: object
    other_district: object
    facility: object
    sibling_facility: object
    other_facility: object


@pytest.fixture
def world(db) -> World:
    country = OrganisationFactory(name="Testland", slug="testland")
    district = DistrictFactory(name="North", slug="north", parent=country)
    other_district = DistrictFactory(name="South", slug="south", parent=country)
    return World(
        country=country,
        district=district,
        other_district=other_district,
        facility=FacilityFactory(
            name="North Hospital", slug="north-hospital", parent=district
        ),
        sibling_facility=FacilityFactory(
            name="North Clinic",
            slug="north-clinic",
            parent=district,
            ownership=Ownership.PRIVATE,
        ),
        other_facility=FacilityFactory(
            name="South Hospital", slug="south-hospital", parent=other_district
        ),
    )


@pytest.fixture
def practitioner(world):
    return member(Role.PRACTITIONER, world.facility, email="practitioner@example.org")


@pytest.fixture
def qi_member(world):
    return member(Role.QI_MEMBER, world.facility, email="qi@example.org")


@pytest.fixture
def facility_lead(world):
    return member(Role.FACILITY_LEAD, world.facility, email="lead@example.org")


@pytest.fixture
def coach(world):
    return member(Role.COACH, world.district, email="coach@example.org")


@pytest.fixture
def district_lead(world):
    return member(Role.DISTRICT_LEAD, world.district, email="district.lead@example.org")


@pytest.fixture
def national_team(world):
    return member(Role.NATIONAL_TEAM, world.country, email="national@example.org")


@pytest.fixture
def editor(world):
    return member(Role.NATIONAL_EDITOR, world.country, email="editor@example.org")


@pytest.fixture
def moderator(world):
    return member(Role.MODERATOR, world.country, email="moderator@example.org")


@pytest.fixture
def outsider(db):
    """Signed in, verified, but with no membership anywhere."""
    return UserFactory(email="outsider@example.org")


@pytest.fixture
def superuser(db):
    return UserFactory(email="root@example.org", is_superuser=True, is_staff=True)


ROLE_FIXTURES = [
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


@pytest.fixture
def as_role(request, db):
    """Resolve a role fixture by name (for parametrised permission matrices).

    It asks for ``db`` itself: pytest-django orders tests by the database access it
    can see, and a test that reached the database only through this fixture ran after
    the transactional tests, against content types they had recreated."""

    def resolve(name: str):
        return request.getfixturevalue(name)

    return resolve


@pytest.fixture(autouse=True)
def _fresh_library_facet_index():
    """Each test's database starts afresh (rolled back); so must the library's
    in-memory facet index, which only live changes would otherwise replace."""
    from library import facets

    facets.forget()
    yield
    facets.forget()
