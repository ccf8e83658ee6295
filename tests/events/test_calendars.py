"""iCal output, parsed back with icalendar and checked field by field."""

import datetime

from icalendar import Calendar

from events import services
from events.models import CalendarToken, Visibility


def parse(response):
    assert response["Content-Type"].startswith("text/calendar")
    return Calendar.from_ical(response.content)


def only_event(cal):
    (event,) = cal.walk("VEVENT")
    return event


def test_event_calendar_fields(client, make_event):
    event = make_event(visibility=Visibility.PUBLIC, title="Postpartum care")
    cal = parse(client.get(f"/events/{event.pk}/calendar.ics"))
    assert str(cal["VERSION"]) == "2.0"
    assert "PRODID" in cal
    item = only_event(cal)
    assert str(item["UID"]).startswith(f"event-{event.uid}@")
    assert str(item["SUMMARY"]) == "Postpartum care"
    start = item.decoded("DTSTART")
    assert start == event.starts_at
    assert start.utcoffset() == datetime.timedelta(0)
    assert item["DTSTART"].to_ical().decode().endswith("Z")
    assert item["DTEND"].to_ical().decode().endswith("Z")
    assert item.decoded("DTEND") == event.ends_at
    stamp = item.decoded("DTSTAMP")
    assert stamp.tzinfo is not None
    assert int(item["SEQUENCE"]) == 0
    assert str(item["STATUS"]) == "CONFIRMED"
    assert "Africa/Kigali" in str(item["DESCRIPTION"])
    assert str(item["URL"]).endswith(event.get_absolute_url())


def test_uid_stable_and_sequence_bumped_on_change(client, make_event, superuser):
    event = make_event(visibility=Visibility.PUBLIC)
    url = f"/events/{event.pk}/calendar.ics"
    before = only_event(parse(client.get(url)))
    services.event_update(
        event=event,
        by=superuser,
        starts_at=event.starts_at + datetime.timedelta(hours=1),
        ends_at=event.ends_at + datetime.timedelta(hours=1),
    )
    after = only_event(parse(client.get(url)))
    assert str(after["UID"]) == str(before["UID"])
    assert int(after["SEQUENCE"]) == int(before["SEQUENCE"]) + 1
    assert after.decoded("DTSTART") == before.decoded("DTSTART") + datetime.timedelta(
        hours=1
    )


def test_changes_calendars_ignore_keep_the_sequence(make_event, superuser):
    event = make_event()
    services.event_set_materials(
        event=event, by=superuser, recording_url="https://video.example.org/1"
    )
    event.refresh_from_db()
    assert event.sequence == 0


def test_cancelled_event_is_sent_as_cancelled(client, make_event, superuser):
    event = make_event(visibility=Visibility.PUBLIC)
    services.event_cancel(event=event, by=superuser)
    item = only_event(parse(client.get(f"/events/{event.pk}/calendar.ics")))
    assert str(item["STATUS"]) == "CANCELLED"
    assert int(item["SEQUENCE"]) == 1


def test_join_link_never_in_a_calendar(client, make_event):
    from events.models import EventKind

    event = make_event(kind=EventKind.WEBINAR, visibility=Visibility.PUBLIC)
    assert (
        b"meet.example.org"
        not in client.get(f"/events/{event.pk}/calendar.ics").content
    )


def test_organisation_calendar_lists_its_subtree_visible_events(
    client, world, make_event
):
    from events.models import EventKind

    district = make_event(visibility=Visibility.PUBLIC, title="Collaborative")
    session = make_event(
        kind=EventKind.LEARNING_SESSION, visibility=Visibility.PUBLIC, title="Session"
    )
    hidden = make_event(visibility=Visibility.MEMBERS, title="Members only")
    cal = parse(client.get(f"/events/org/{world.district.slug}/calendar.ics"))
    titles = {str(e["SUMMARY"]) for e in cal.walk("VEVENT")}
    assert titles == {district.title, session.title}
    assert hidden.title not in titles
    page = client.get(f"/events/org/{world.district.slug}/").text
    assert 'rel="alternate" type="text/calendar"' in page
    assert f"/events/org/{world.district.slug}/calendar.ics" in page


def test_personal_feed_behind_a_revocable_secret(
    client, practitioner, make_event, superuser
):
    mine = make_event(title="Mine")
    cancelled = make_event(title="Called off")
    make_event(title="Not mine")
    for event in (mine, cancelled):
        services.registration_create(event=event, user=practitioner)
    services.event_cancel(event=cancelled, by=superuser)
    client.force_login(practitioner)
    client.post("/events/calendar/", {"action": "regenerate"})
    token = CalendarToken.objects.get(user=practitioner).token
    page = client.get("/events/calendar/").text
    assert f"/events/calendar/{token}.ics" in page
    assert 'type="text/calendar"' in page
    client.logout()
    cal = parse(client.get(f"/events/calendar/{token}.ics"))
    items = {str(e["SUMMARY"]): str(e["STATUS"]) for e in cal.walk("VEVENT")}
    assert items == {"Mine": "CONFIRMED", "Called off": "CANCELLED"}
    # A new address revokes the old one.
    client.force_login(practitioner)
    client.post("/events/calendar/", {"action": "regenerate"})
    client.logout()
    assert client.get(f"/events/calendar/{token}.ics").status_code == 404
    fresh = CalendarToken.objects.get(user=practitioner).token
    assert client.get(f"/events/calendar/{fresh}.ics").status_code == 200
    client.force_login(practitioner)
    client.post("/events/calendar/", {"action": "revoke"})
    assert client.get(f"/events/calendar/{fresh}.ics").status_code == 404


def test_event_page_advertises_its_calendar(client, make_event):
    event = make_event(visibility=Visibility.PUBLIC)
    page = client.get(event.get_absolute_url()).text
    assert (
        f'<link rel="alternate" type="text/calendar" title="Add to calendar" '
        f'href="/events/{event.pk}/calendar.ics">'
    ) in page
    assert f'href="/events/{event.pk}/calendar.ics" download' in page
