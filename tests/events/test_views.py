"""Scheduling through the form, listings and their filters, feeds, the home section."""

import datetime
import zoneinfo

import feedparser
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from events import services
from events.models import Event, EventKind, Visibility

KIGALI = zoneinfo.ZoneInfo("Africa/Kigali")


def form_data(world, **overrides):
    data = {
        "kind": EventKind.COLLABORATIVE,
        "organiser": world.district.pk,
        "title": "Northern collaborative: waiting times",
        "description": "Bring your **run charts**.",
        "starts_at": "2030-03-04T09:00",
        "ends_at": "2030-03-04T12:30",
        "timezone": "Africa/Kigali",
        "place": "District office, room 2",
        "online_url": "",
        "capacity": "30",
        "visibility": Visibility.MEMBERS,
        "tags": "waiting times, labour ward",
        "language": "en",
    }
    data.update(overrides)
    return data


def test_district_lead_schedules_a_collaborative(client, world, district_lead):
    client.force_login(district_lead)
    response = client.post("/events/new/", form_data(world))
    event = Event.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == event.get_absolute_url()
    )
    # Typed in Kigali time (UTC+2), stored in UTC.
    assert event.starts_at == datetime.datetime(2030, 3, 4, 7, 0, tzinfo=datetime.UTC)
    assert event.starts_at.astimezone(KIGALI).hour == 9
    assert event.description_html.strip() == (
        "<p>Bring your <strong>run charts</strong>.</p>"
    )
    assert sorted(t.name for t in event.tags.all()) == ["labour ward", "waiting times"]
    assert event.created_by == district_lead


def test_shown_in_the_viewers_zone_with_the_events_zone_noted(
    client, world, district_lead, practitioner
):
    from community.services import profile_ensure

    client.force_login(district_lead)
    client.post("/events/new/", form_data(world))
    event = Event.objects.get()
    profile = profile_ensure(user=practitioner)
    profile.timezone = "Europe/London"
    profile.save()
    client.force_login(practitioner)
    page = client.get(event.get_absolute_url()).text
    assert "07:00–10:30" in page  # London is UTC in March
    assert "09:00–12:30 in Africa/Kigali" in page


def test_form_re_shows_what_was_typed_on_error(client, world, district_lead):
    client.force_login(district_lead)
    response = client.post(
        "/events/new/",
        form_data(world, ends_at="2030-03-04T08:00", title="Kept title"),
    )
    assert response.status_code == 200
    assert not Event.objects.exists()
    assert "The end must be after the start." in response.text
    assert 'value="Kept title"' in response.text
    assert "Bring your **run charts**." in response.text
    assert 'value="waiting times, labour ward"' in response.text
    assert 'value="2030-03-04T09:00"' in response.text


def test_form_refuses_an_organiser_out_of_reach(client, world, district_lead):
    client.force_login(district_lead)
    response = client.post(
        "/events/new/", form_data(world, organiser=world.other_district.pk)
    )
    assert response.status_code == 200
    assert not Event.objects.exists()


def test_practitioner_cannot_open_the_form(client, practitioner):
    client.force_login(practitioner)
    assert client.get("/events/new/").status_code == 403


def test_edit_keeps_local_times_and_bumps_sequence(client, world, district_lead):
    client.force_login(district_lead)
    client.post("/events/new/", form_data(world))
    event = Event.objects.get()
    page = client.get(f"/events/{event.pk}/edit/").text
    assert 'value="2030-03-04T09:00"' in page
    client.post(
        f"/events/{event.pk}/edit/",
        form_data(world, starts_at="2030-03-04T10:00", ends_at="2030-03-04T13:00"),
    )
    event.refresh_from_db()
    assert event.starts_at.astimezone(KIGALI).hour == 10
    assert event.sequence == 1


def test_facility_lead_cannot_edit_a_district_event(
    client, world, district_lead, facility_lead
):
    client.force_login(district_lead)
    client.post("/events/new/", form_data(world))
    event = Event.objects.get()
    client.force_login(facility_lead)
    assert client.get(f"/events/{event.pk}/edit/").status_code == 403
    assert client.post(f"/events/{event.pk}/cancel/").status_code == 403


def test_register_and_cancel_through_the_page(client, practitioner, make_event):
    event = make_event(capacity=1)
    client.force_login(practitioner)
    client.post(f"/events/{event.pk}/register/")
    assert "You are registered." in client.get(event.get_absolute_url()).text
    client.post(f"/events/{event.pk}/unregister/")
    assert "Register" in client.get(event.get_absolute_url()).text


# --- Listings -------------------------------------------------------------------------


def test_listing_filters_by_district_kind_and_tag(
    client, world, make_event, practitioner
):
    north = make_event(title="North collab", tags=["hygiene"])
    south = make_event(title="South collab", organiser=world.other_district)
    session = make_event(kind=EventKind.LEARNING_SESSION, title="Ward session")
    past = make_event(title="Old collab", starts_in=-3 * 24 * 60)
    client.force_login(practitioner)

    def titles(query=""):
        response = client.get(f"/events/{query}")
        return {e.title for e in response.context["events"]}

    assert titles() == {north.title, south.title, session.title}
    assert titles("?district=north") == {north.title, session.title}
    assert titles("?kind=learning_session") == {session.title}
    assert titles("?tag=hygiene") == {north.title}
    past_titles = {e.title for e in client.get("/events/past/").context["events"]}
    assert past_titles == {past.title}


def test_listing_advertises_the_atom_feed(client, db):
    page = client.get("/events/").text
    assert '<link rel="alternate" type="application/atom+xml"' in page
    assert 'href="/events/feed.atom"' in page


def test_listing_query_count_does_not_grow_with_the_page(
    client, world, make_event, practitioner, settings
):
    settings.EVENTS = {"PAGE_SIZE": 50}
    client.force_login(practitioner)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/events/").status_code == 200
        return len(queries)

    for i in range(2):
        event = make_event(title=f"E{i}", tags=["a", f"t{i}"], capacity=5)
        services.registration_create(event=event, user=practitioner)
    count()  # warm: the first request caches the bell count and the site root
    few = count()
    for i in range(2, 12):
        event = make_event(title=f"E{i}", tags=["a", f"t{i}"], capacity=5)
        services.registration_create(event=event, user=practitioner)
    assert count() == few
    assert few <= 14


def test_feed_lists_public_upcoming_events_only(client, make_event, superuser):
    public = make_event(title="Open webinar", visibility=Visibility.PUBLIC)
    make_event(title="Members only")
    make_event(title="Past", visibility=Visibility.PUBLIC, starts_in=-5000)
    gone = make_event(title="Called off", visibility=Visibility.PUBLIC)
    services.event_cancel(event=gone, by=superuser)
    feed = feedparser.parse(client.get("/events/feed.atom").content)
    assert [e.title for e in feed.entries] == [public.title]


def test_home_page_shows_upcoming_events(client, make_event):
    from django.contrib.auth.models import AnonymousUser
    from django.test import RequestFactory

    from community.sections import home_sections

    make_event(title="Public collab", visibility=Visibility.PUBLIC)
    make_event(title="Members collab")
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    (section,) = [s for s in home_sections(request) if s.key == "events"]
    assert [e.title for e in section.context["events"]] == ["Public collab"]


@pytest.mark.parametrize("kind", [EventKind.WEBINAR, EventKind.LEARNING_SESSION])
def test_detail_page_renders_for_each_kind(client, make_event, national_team, kind):
    event = make_event(kind=kind)
    client.force_login(national_team)
    page = client.get(event.get_absolute_url())
    assert page.status_code == 200
    assert "For the organisers" in page.text


def test_recording_proposed_to_the_library_as_a_draft(
    client, make_event, national_team
):
    from wagtail.models import Page, Site

    from library.models import LibraryIndexPage

    site = Site.objects.get(is_default_site=True)
    index = LibraryIndexPage(title="Library", slug="library")
    Page.objects.get(pk=site.root_page_id).add_child(instance=index)
    event = make_event(
        kind=EventKind.WEBINAR, starts_in=-300, duration=60, tags=["pph"]
    )
    client.force_login(national_team)
    client.post(
        f"/events/{event.pk}/materials/",
        {"recording_url": "https://video.example.org/pph", "slides_url": ""},
    )
    client.post(f"/events/{event.pk}/propose/")
    event.refresh_from_db()
    page = Page.objects.get(pk=event.library_page_id).specific
    assert not page.live
    assert [link.url for link in page.links.all()] == ["https://video.example.org/pph"]
    detail = client.get(event.get_absolute_url()).text
    assert "waiting for an editor" in detail
    assert "In the library" not in detail
    page.save_revision().publish()
    assert "In the library" in client.get(event.get_absolute_url()).text
