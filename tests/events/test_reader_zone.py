"""Event and visit times follow the site's one rule (``community.zones``): the reader's
zone, with the event's own zone said beside it when it differs; forms start in the
organiser's zone, a visit without one takes its host's."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.urls import reverse

from community import services as community_services
from community.models import Role
from events import cadence, services, tasks
from events.forms import EventForm
from events.models import EventKind, ExchangeVisit, Visibility
from events.visits.forms import VisitRequestForm
from tests.factories import member

KIGALI = ZoneInfo("Africa/Kigali")
# Typed for 10:00–11:00 in Kigali: 08:00 UTC, 17:00 in Tokyo.
STARTS = datetime.datetime(2030, 3, 5, 10, 0, tzinfo=KIGALI)


@pytest.fixture
def kigali(world):
    community_services.organisation_set_timezone(
        organisation=world.country, timezone_name="Africa/Kigali"
    )
    return world


@pytest.fixture
def session(kigali, superuser):
    return services.event_create(
        by=superuser,
        organiser=kigali.district,
        kind=EventKind.COLLABORATIVE,
        title="Quarterly collaborative",
        starts_at=STARTS,
        ends_at=STARTS + datetime.timedelta(hours=1),
        timezone="Africa/Kigali",
        place="District office",
        visibility=Visibility.PUBLIC,
        check_permission=False,
    )


def test_a_session_typed_for_ten_in_kigali_reads_ten_to_its_members(
    client, session, practitioner
):
    """The member chose no zone: they follow their country's, the event's own."""
    client.force_login(practitioner)
    page = client.get(session.get_absolute_url()).text
    assert '10:00–11:00</time> <span class="muted">(Africa/Kigali)</span>' in page
    assert "08:00–" not in page


def test_a_member_elsewhere_reads_their_time_with_the_events_noted(
    client, session, practitioner
):
    community_services.profile_update(
        user=practitioner, display_name="Amina", timezone_name="Asia/Tokyo"
    )
    client.force_login(practitioner)
    page = client.get(session.get_absolute_url()).text
    assert "17:00–18:00" in page
    assert "Asia/Tokyo; 10:00–11:00 in Africa/Kigali" in page
    listing = client.get(reverse("events:index")).text
    assert "Asia/Tokyo; 10:00–11:00 in Africa/Kigali" in listing


def test_visitors_read_the_sites_zone_with_the_events_noted(client, session, settings):
    assert settings.TIME_ZONE == "UTC"
    page = client.get(session.get_absolute_url()).text
    assert "08:00–09:00" in page
    assert "UTC; 10:00–11:00 in Africa/Kigali" in page


def test_the_event_form_starts_in_the_organisers_zone(kigali, district_lead):
    assert EventForm(user=district_lead).fields["timezone"].initial == "Africa/Kigali"
    community_services.profile_update(
        user=district_lead, display_name="Ruth", timezone_name="Africa/Nairobi"
    )
    assert EventForm(user=district_lead).fields["timezone"].initial == "Africa/Nairobi"


def test_the_new_event_page_offers_the_organisers_zone(client, kigali, district_lead):
    client.force_login(district_lead)
    page = client.get(reverse("events:create")).text
    assert 'name="timezone" value="Africa/Kigali"' in page


def test_an_event_scheduled_without_a_zone_takes_its_organisers(kigali, superuser):
    event = services.event_create(
        by=superuser,
        organiser=kigali.facility,
        kind=EventKind.LEARNING_SESSION,
        title="Ward round",
        starts_at=STARTS,
        ends_at=STARTS + datetime.timedelta(hours=1),
        place="Ward 3",
        check_permission=False,
    )
    assert event.timezone == "Africa/Kigali"


def test_the_visit_form_starts_in_the_organisers_zone_not_utc(kigali, practitioner):
    form = VisitRequestForm(user=practitioner)
    assert form.fields["timezone"].initial == "Africa/Kigali"


def test_a_visit_without_a_zone_takes_its_hosts(kigali, practitioner):
    community_services.organisation_set_timezone(
        organisation=kigali.other_district, timezone_name="Africa/Nairobi"
    )
    from events.visits import services as visit_services

    visit = visit_services.visit_request(
        by=practitioner,
        visiting=kigali.facility,
        host=kigali.other_facility,
        objectives="Triage at the gate",
        starts_at=STARTS,
        ends_at=STARTS + datetime.timedelta(hours=4),
    )
    assert visit.timezone == "Africa/Nairobi"
    assert ExchangeVisit.objects.get().timezone == "Africa/Nairobi"


def test_visit_pages_show_the_readers_zone(client, kigali, practitioner):
    from events.visits import services as visit_services

    visit = visit_services.visit_request(
        by=practitioner,
        visiting=kigali.facility,
        host=kigali.sibling_facility,
        objectives="Triage at the gate",
        starts_at=STARTS,
        ends_at=STARTS + datetime.timedelta(hours=4),
    )
    client.force_login(practitioner)
    page = client.get(visit.get_absolute_url()).text
    assert '10:00–14:00</time> <span class="muted">(Africa/Kigali)</span>' in page
    listing = client.get(reverse("events:visit_list")).text
    assert "10:00–14:00" in listing


def test_a_reminder_uses_the_recipients_zone(kigali, session):
    """The recipient chose none: their country's, not UTC."""
    user = member(Role.PRACTITIONER, kigali.facility)
    community_services.profile_update(user=user, display_name="Amina")
    registration = services.registration_create(
        event=session, user=user, check_permission=False
    )
    registration.refresh_from_db()
    mail.outbox.clear()
    # The reminder is for a session tomorrow; move it there.
    tomorrow = datetime.datetime.now(KIGALI).replace(
        hour=10, minute=0, second=0, microsecond=0
    ) + datetime.timedelta(days=1)
    session.starts_at, session.ends_at = (
        tomorrow,
        tomorrow + datetime.timedelta(hours=1),
    )
    session.save(update_fields=["starts_at", "ends_at"])
    assert tasks.send_reminder_now(registration, 1440, session.starts_at.isoformat())
    (message,) = mail.outbox
    assert "10:00–11:00 (Africa/Kigali)" in message.body


def test_the_cadence_counts_months_in_the_countrys_zone(kigali, settings):
    settings.EVENTS = {}
    assert cadence.district_zone(kigali.district) == KIGALI
    settings.EVENTS = {"CADENCE_TIMEZONES": {"north": "Africa/Nairobi"}}
    assert cadence.district_zone(kigali.district) == ZoneInfo("Africa/Nairobi")
    assert cadence.district_zone(kigali.other_district) == KIGALI
