"""`seed_demo` builds a living learning centre, and a second run changes nothing."""

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import override_settings

from community.models import Level, Membership, Organisation, Ownership, Role
from home.models import HomePage

DEMO_ROLES = {
    "practitioner@demo.example": Role.PRACTITIONER,
    "qi.member@demo.example": Role.QI_MEMBER,
    "facility.lead@demo.example": Role.FACILITY_LEAD,
    "coach@demo.example": Role.COACH,
    "district.lead@demo.example": Role.DISTRICT_LEAD,
    "national.team@demo.example": Role.NATIONAL_TEAM,
    "editor@demo.example": Role.NATIONAL_EDITOR,
    "moderator@demo.example": Role.MODERATOR,
    "safe.poster@demo.example": Role.PRACTITIONER,
}


def snapshot() -> dict[str, tuple[int, int]]:
    """Row count and highest key of every model: any insert, even undone, shows."""
    state = {}
    for model in apps.get_models():
        if model._meta.proxy or not model._meta.managed:
            continue
        qs = model._default_manager.all()
        last = qs.order_by("-pk").values_list("pk", flat=True).first()
        state[model._meta.label] = (qs.count(), str(last))
    return state


@pytest.fixture
def seeded(seeded_demo, db):
    """The demo, seeded once for this module."""


def test_seed_twice_changes_nothing(seeded, settings):
    settings.MODERATION = {}  # the real rate limits, as `make run` has them
    before = snapshot()
    call_command("seed_demo", quiet_accounts=True)
    assert snapshot() == before


def test_country_with_three_districts_and_twelve_facilities(seeded):
    assert Organisation.objects.filter(level=Level.COUNTRY).count() == 1
    districts = Organisation.objects.filter(level=Level.DISTRICT)
    assert districts.count() == 3
    facilities = Organisation.objects.filter(level=Level.FACILITY)
    assert facilities.count() == 12
    assert {f.ownership for f in facilities} == {Ownership.PUBLIC, Ownership.PRIVATE}
    for district in districts:
        assert district.children.count() == 4


def test_a_verified_user_for_each_role(seeded):
    User = get_user_model()
    for email, role in DEMO_ROLES.items():
        user = User.objects.get(email=email)
        assert Membership.objects.filter(user=user, role=role).exists(), email
        assert EmailAddress.objects.filter(
            user=user, email=email, verified=True
        ).exists()
        assert user.check_password("learn-together-2026")
    admin = User.objects.get(email="admin@demo.example")
    assert admin.is_superuser


def test_usernames_never_echo_the_email(seeded):
    import hashlib

    phone_only = get_user_model().objects.filter(email="")
    assert phone_only.count() == 1  # the demo's member who joined by phone
    assert phone_only.get().phone_number.number not in phone_only.get().username
    for user in get_user_model().objects.exclude(email=""):
        assert "@" not in user.username
        assert user.email.split("@")[0] not in user.username
        # Not a hash of the address either: a list of emails would unmask them.
        digest = hashlib.sha256(user.email.encode()).hexdigest()
        assert user.username[2:] not in digest


def test_home_page_is_the_site_root(seeded, client):
    home = HomePage.objects.get(locale__language_code="en")  # fr is its translation
    response = client.get("/")
    assert response.status_code == 200
    assert response.context["page"].pk == home.pk
    assert client.get("/code-of-conduct/").status_code == 200


@override_settings(COMMUNITY={"ALLOW_DEMO_SEED": False})
def test_seed_refused_where_the_host_forbids_it(db):
    from django.core.management.base import CommandError

    before = snapshot()  # empty, or the demo this module seeded for its other tests
    with pytest.raises(CommandError, match="disabled"):
        call_command("seed_demo")
    assert snapshot() == before
