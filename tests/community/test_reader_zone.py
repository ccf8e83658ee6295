"""One rule for times: the member's own zone, else their organisation's country's, else
the site's (visitors too); activated for every request, lazily and without queries of
its own."""

import datetime
import pickle
import zoneinfo

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community import services, zones
from community.forms import ProfileForm
from community.models import Profile, Role
from tests.factories import member

KIGALI = zoneinfo.ZoneInfo("Africa/Kigali")
TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
# 08:00 UTC: 10:00 in Kigali, 17:00 in Tokyo, 03:00 in Lima.
MOMENT = datetime.datetime(2026, 3, 10, 8, 0, tzinfo=datetime.UTC)
MIDDLEWARE = "community.middleware.ReaderZoneMiddleware"


def _without_the_middleware(settings, user) -> Client:
    """A client whose requests skip the middleware (a new client loads the chain)."""
    settings.MIDDLEWARE = [m for m in settings.MIDDLEWARE if m != MIDDLEWARE]
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def kigali(world):
    """The country keeps Kigali time; its districts and facilities follow it."""
    services.organisation_set_timezone(
        organisation=world.country, timezone_name="Africa/Kigali"
    )
    return world


def _fresh(user):
    """The user as a new request would load them (nothing cached)."""
    return type(user).objects.get(pk=user.pk)


# --- The rule -------------------------------------------------------------------------


def test_a_member_who_chose_nothing_follows_the_country(kigali, practitioner):
    services.profile_update(user=practitioner, display_name="Amina")
    assert Profile.objects.get(user=practitioner).timezone == ""
    assert zones.reader_zone(_fresh(practitioner)) == KIGALI


def test_a_member_without_a_profile_follows_the_country(kigali, practitioner):
    assert not Profile.objects.filter(user=practitioner).exists()
    assert zones.reader_zone(_fresh(practitioner)) == KIGALI


def test_the_members_own_choice_comes_first(kigali, practitioner):
    services.profile_update(
        user=practitioner, display_name="Amina", timezone_name="Asia/Tokyo"
    )
    assert zones.reader_zone(_fresh(practitioner)) == TOKYO


def test_the_site_zone_when_the_organisation_has_none(world, practitioner, settings):
    settings.TIME_ZONE = "America/Lima"
    assert zones.reader_zone(_fresh(practitioner)) == zoneinfo.ZoneInfo("America/Lima")


def test_visitors_and_members_without_an_organisation_read_the_site_zone(
    kigali, settings
):
    settings.TIME_ZONE = "America/Lima"
    lima = zoneinfo.ZoneInfo("America/Lima")
    assert zones.reader_zone(AnonymousUser()) == lima
    assert zones.reader_zone(None) == lima
    from tests.factories import UserFactory

    assert zones.reader_zone(UserFactory()) == lima


def test_a_district_may_keep_another_time_than_its_country(kigali, practitioner):
    services.organisation_set_timezone(
        organisation=kigali.district, timezone_name="Africa/Nairobi"
    )
    assert zones.reader_zone(_fresh(practitioner)) == zoneinfo.ZoneInfo(
        "Africa/Nairobi"
    )
    assert zones.organisation_zone(kigali.other_facility) == KIGALI
    assert zones.organisation_zone(kigali.country) == KIGALI


def test_an_unknown_zone_is_refused_for_an_organisation(world):
    with pytest.raises(ValidationError):
        services.organisation_set_timezone(
            organisation=world.country, timezone_name="Lumeria/Capital"
        )


def test_the_zone_is_kept_on_the_user_and_forgotten_when_the_profile_changes(
    kigali, practitioner, django_assert_num_queries
):
    user = _fresh(practitioner)
    assert zones.reader_zone(user) == KIGALI
    with django_assert_num_queries(0):
        assert zones.reader_zone(user) == KIGALI
    services.profile_update(user=user, display_name="A", timezone_name="Asia/Tokyo")
    assert zones.reader_zone(user) == TOKYO


def test_existing_utc_profiles_follow_their_organisation_after_the_migration(
    kigali, practitioner
):
    import importlib

    from django.apps import apps

    migration = importlib.import_module(
        "community.migrations.0005_organisation_timezone"
    )
    services.profile_ensure(user=practitioner)
    Profile.objects.filter(user=practitioner).update(timezone="UTC")
    migration.follow_organisation(apps, None)
    assert Profile.objects.get(user=practitioner).timezone == ""
    assert zones.reader_zone(_fresh(practitioner)) == KIGALI


# --- The lazy zone the middleware activates -------------------------------------------


def test_the_lazy_zone_behaves_as_the_zone_it_stands_for():
    calls = []

    def resolve():
        calls.append(1)
        return KIGALI

    lazy = zones.LazyZone(resolve)
    assert calls == []  # nothing worked out until a time is shown
    with timezone.override(lazy):
        local = timezone.localtime(MOMENT)
        assert (local.hour, local.minute) == (10, 0)
        assert timezone.get_current_timezone_name() == "Africa/Kigali"
        assert str(timezone.get_current_timezone()) == "Africa/Kigali"
        assert timezone.localdate(MOMENT) == datetime.date(2026, 3, 10)
        aware = timezone.make_aware(datetime.datetime(2026, 3, 10, 10, 0))
        assert aware == MOMENT
    assert calls == [1]
    assert pickle.loads(pickle.dumps(local)) == MOMENT  # noqa: S301 (our own bytes)
    assert zones.zone_or_none(lazy) == KIGALI


# --- Pages ----------------------------------------------------------------------------


def test_a_notice_page_shows_the_time_in_the_readers_zone(client, kigali, practitioner):
    from moderation.models import Notice

    notice = Notice.objects.create(user=practitioner, text="A note for you")
    Notice.objects.filter(pk=notice.pk).update(created=MOMENT)
    client.force_login(practitioner)
    html = client.get(reverse("moderation:notices")).content.decode()
    assert "2026-03-10 10:00" in html
    client.post(
        reverse("community:profile"),
        {"display_name": "A", "timezone": "Asia/Tokyo", "show_expertise": "on"},
    )
    html = client.get(reverse("moderation:notices")).content.decode()
    assert "2026-03-10 17:00" in html


def test_the_choice_travels_with_the_session(client, kigali, practitioner):
    """Chosen on another device: this one sees it from its next sign-in."""
    from moderation.models import Notice

    notice = Notice.objects.create(user=practitioner, text="A note for you")
    Notice.objects.filter(pk=notice.pk).update(created=MOMENT)
    client.force_login(practitioner)
    assert client.session[zones.SESSION_KEY] == ""
    services.profile_update(
        user=practitioner, display_name="A", timezone_name="Asia/Tokyo"
    )
    client.logout()
    client.force_login(practitioner)
    assert client.session[zones.SESSION_KEY] == "Asia/Tokyo"
    html = client.get(reverse("moderation:notices")).content.decode()
    assert "2026-03-10 17:00" in html


def test_the_zone_is_not_left_active_after_a_request(client, kigali, practitioner):
    client.force_login(practitioner)
    client.get(reverse("moderation:notices"))
    assert timezone.get_current_timezone_name() == "UTC"


def test_a_page_without_times_adds_no_query(client, kigali, practitioner, settings):
    """The middleware looks nothing up unless the page shows a time."""
    member(Role.PRACTITIONER, kigali.facility, email="other@example.org")
    client.force_login(practitioner)
    url = reverse("community:directory")
    client.get(url)
    with CaptureQueriesContext(connection) as with_zone:
        assert client.get(url).status_code == 200
    client = _without_the_middleware(settings, practitioner)
    client.get(url)
    with CaptureQueriesContext(connection) as without:
        assert client.get(url).status_code == 200
    assert len(with_zone.captured_queries) == len(without.captured_queries)


def test_a_page_with_times_costs_no_more_queries(
    client, kigali, practitioner, settings
):
    """The profile and memberships it reads are the ones the request loads anyway."""
    from moderation.models import Notice

    services.profile_update(user=practitioner, display_name="Amina")
    notice = Notice.objects.create(user=practitioner, text="A note for you")
    Notice.objects.filter(pk=notice.pk).update(created=MOMENT)
    client.force_login(practitioner)
    url = reverse("moderation:notices")
    client.get(url)
    with CaptureQueriesContext(connection) as with_zone:
        assert "2026-03-10 10:00" in client.get(url).content.decode()
    client = _without_the_middleware(settings, practitioner)
    client.get(url)
    with CaptureQueriesContext(connection) as without:
        assert "2026-03-10 08:00" in client.get(url).content.decode()
    assert len(with_zone.captured_queries) == len(without.captured_queries)


# --- The profile form -----------------------------------------------------------------


def test_the_profile_offers_to_follow_the_organisation(client, kigali, practitioner):
    client.force_login(practitioner)
    html = client.get(reverse("community:profile")).content.decode()
    assert (
        '<option value="" selected>Same as my organisation (Africa/Kigali)</option>'
        in (html)
    )
    assert '<option value="Asia/Tokyo">Tokyo</option>' in html
    response = client.post(
        reverse("community:profile"),
        {"display_name": "Amina", "timezone": "Asia/Tokyo", "show_expertise": "on"},
    )
    assert response.status_code == 302
    assert Profile.objects.get(user=practitioner).timezone == "Asia/Tokyo"
    client.post(
        reverse("community:profile"),
        {"display_name": "Amina", "timezone": "", "show_expertise": "on"},
    )
    assert Profile.objects.get(user=practitioner).timezone == ""


def test_without_an_organisation_zone_the_profile_says_the_sites(world, practitioner):
    form = ProfileForm(instance=services.profile_ensure(user=practitioner))
    assert form.fields["timezone"].choices[0] == ("", "Same as the site (UTC)")


def test_a_zone_chosen_before_stays_choosable(world, practitioner):
    profile = services.profile_ensure(user=practitioner)
    Profile.objects.filter(pk=profile.pk).update(timezone="US/Eastern")
    profile.refresh_from_db()
    form = ProfileForm(instance=profile, user=practitioner)
    assert ("US/Eastern", "US/Eastern") in form.fields["timezone"].choices


def test_moderating_a_profile_keeps_its_zone(world, practitioner):
    services.profile_update(
        user=practitioner, display_name="A", timezone_name="Asia/Tokyo"
    )
    services.profile_update(user=practitioner, display_name="", bio="")
    assert Profile.objects.get(user=practitioner).timezone == "Asia/Tokyo"


def test_working_out_the_zone_leaves_the_user_object_as_it_was(
    client, kigali, practitioner
):
    """A member without a profile yet still gets one on the same user object."""
    client.force_login(practitioner)  # the session starts with their choice
    assert zones.reader_zone(practitioner) == KIGALI
    services.profile_ensure(user=practitioner)
    assert practitioner.profile.timezone == ""
