"""Who has tried what: the opt-in member directory and facility profiles. An unlisted
member never appears, not in the directory, its search, a facility page or site search."""

import pytest
from django.urls import reverse

from community import directory
from community import services as community_services
from community.models import Role
from tests.factories import member

pytestmark = pytest.mark.django_db


def _profile(user, name, *, listed, expertise=(), bio="", **show):
    community_services.profile_update(
        user=user, display_name=name, bio=bio, expertise=list(expertise)
    )
    community_services.profile_set_directory(user=user, listed=listed, **show)


@pytest.fixture
def people(world):
    listed = member(Role.PRACTITIONER, world.facility, email="listed@example.org")
    _profile(
        listed,
        "Listed Lydia",
        listed=True,
        expertise=["kangaroo mother care"],
        bio="I run KMC at night.",
        show_facility=True,
        show_district=True,
        show_bio=True,
    )
    shy = member(Role.PRACTITIONER, world.facility, email="shy@example.org")
    _profile(shy, "Unlisted Ursula", listed=False, expertise=["kangaroo mother care"])
    private = member(Role.QI_MEMBER, world.other_facility, email="p@example.org")
    _profile(
        private,
        "Private Paul",
        listed=True,
        expertise=["audit"],
        bio="Secret bio",
        show_facility=False,
        show_district=False,
        show_bio=False,
    )
    return {"listed": listed, "shy": shy, "private": private}


def test_directory_is_opt_in(client, people, practitioner):
    client.force_login(practitioner)
    html = client.get(reverse("community:directory")).content.decode()
    assert "Listed Lydia" in html and "Private Paul" in html
    assert "Unlisted Ursula" not in html


def test_directory_shows_only_what_members_chose(client, people, practitioner, world):
    client.force_login(practitioner)
    html = client.get(reverse("community:directory")).content.decode()
    assert "I run KMC at night." in html
    assert "Secret bio" not in html
    assert world.other_facility.name not in html  # Paul hides his facility


def test_directory_requires_sign_in(client, people):
    response = client.get(reverse("community:directory"))
    assert response.status_code == 302


@pytest.mark.parametrize(
    "params, present, absent",
    [
        ({"expertise": "kangaroo-mother-care"}, ["Listed Lydia"], ["Private Paul"]),
        ({"district": "north"}, ["Listed Lydia"], ["Private Paul"]),
        # Paul hides his facility and district: searching by them never finds him.
        ({"district": "south"}, [], ["Private Paul", "Listed Lydia"]),
        ({"facility": "south-hospital"}, [], ["Private Paul"]),
        ({"facility": "north-hospital"}, ["Listed Lydia"], []),
        ({"q": "audit"}, ["Private Paul"], ["Listed Lydia"]),
        ({"q": "Ursula"}, [], ["Unlisted Ursula"]),
    ],
)
def test_directory_search(client, people, practitioner, params, present, absent):
    client.force_login(practitioner)
    html = client.get(reverse("community:directory"), params).content.decode()
    section = html.split('id="members-title"', 1)[1]
    for name in present:
        assert name in section
    for name in absent:
        assert name not in section
    assert "Unlisted Ursula" not in html


def test_expertise_finds_the_facility_that_fixed_it(
    client, people, practitioner, world
):
    client.force_login(practitioner)
    html = client.get(
        reverse("community:directory"), {"expertise": "kangaroo-mother-care"}
    ).content.decode()
    assert reverse("community:facility", args=[world.facility.pk]) in html


def test_unlisted_member_never_appears_in_site_search(client, people, practitioner):
    client.force_login(practitioner)
    html = client.get(reverse("search"), {"q": "Ursula"}).content.decode()
    assert "Unlisted Ursula" not in html
    html = client.get(reverse("search"), {"q": "kangaroo"}).content.decode()
    assert "Listed Lydia" in html
    assert "Unlisted Ursula" not in html
    client.logout()
    html = client.get(reverse("search"), {"q": "Lydia"}).content.decode()
    assert "Listed Lydia" not in html  # visitors do not search people


def test_hidden_profile_leaves_the_directory(people):
    community_services.profile_set_hidden(profile=people["listed"].profile, hidden=True)
    assert not directory.directory().filter(user=people["listed"]).exists()


def test_facility_page_lists_listed_members_and_sections(
    client, people, practitioner, world
):
    client.force_login(practitioner)
    url = reverse("community:facility", args=[world.facility.pk])
    html = client.get(url).content.decode()
    assert world.facility.name in html
    assert "Listed Lydia" in html
    assert "Unlisted Ursula" not in html


def test_facility_page_shows_published_case_studies_and_qi_work(
    client, practitioner, far_member, world
):
    from improvement.models import ChangeIdea, ChangeState, Project

    project = Project.objects.create(
        facility=world.other_facility,
        title="Warm chain at night",
        aim_what="Every baby stays warm",
        aim_how_much="from 50% to 90%",
        aim_by_when="2027-01-01",
        shared=True,
    )
    ChangeIdea.objects.create(
        project=project, title="Skin to skin rota", state=ChangeState.ADOPTED
    )
    hidden = Project.objects.create(
        facility=world.other_facility,
        title="Unshared project",
        aim_what="x",
        aim_how_much="x",
        aim_by_when="2027-01-01",
    )
    client.force_login(practitioner)
    html = client.get(
        reverse("community:facility", args=[world.other_facility.pk])
    ).content.decode()
    assert "Warm chain at night" in html
    assert "Skin to skin rota" in html
    assert hidden.title not in html


def test_exchange_visit_button_only_when_the_url_exists(
    client, practitioner, world, settings
):
    from django.urls import NoReverseMatch
    from django.urls import reverse as _reverse

    client.force_login(practitioner)
    html = client.get(
        _reverse("community:facility", args=[world.other_facility.pk])
    ).content.decode()
    try:
        visit = _reverse("events:visit_request")
    except NoReverseMatch:
        assert "Request an exchange visit" not in html
    else:
        assert f"{visit}?host={world.other_facility.pk}" in html
        own = client.get(
            _reverse("community:facility", args=[world.facility.pk])
        ).content.decode()
        assert "Request an exchange visit" not in own  # not to your own facility


def test_directory_queries_do_not_grow_with_page_size(client, practitioner, world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def make(n, start):
        for i in range(start, start + n):
            user = member(Role.PRACTITIONER, world.facility, email=f"d{i}@example.org")
            _profile(
                user,
                f"Member {i}",
                listed=True,
                expertise=[f"topic {i}", "common"],
                show_facility=True,
                show_district=True,
            )

    def count():
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("community:directory")).status_code == 200
        return len(ctx.captured_queries)

    make(3, 0)
    client.force_login(practitioner)
    count()  # the first visit creates the viewer's profile
    few = count()
    make(15, 3)
    assert count() == few


def test_profile_form_saves_directory_choices_and_language(client, practitioner):
    client.force_login(practitioner)
    response = client.post(
        reverse("community:profile"),
        {
            "display_name": "Amina",
            "language": "fr",
            "languages": "",
            "timezone": "UTC",
            "bio": "",
            "expertise": "partograph",
            "listed_in_directory": "on",
            "show_expertise": "on",
        },
    )
    assert response.status_code == 302
    assert response.cookies["django_language"].value == "fr"
    profile = practitioner.profile
    profile.refresh_from_db()
    assert profile.listed_in_directory and profile.show_expertise
    assert not profile.show_facility
