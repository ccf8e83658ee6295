"""Registration: capacity, the waiting list, promotion, join-link timing, reminders."""

import datetime
import zoneinfo

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from community.models import Role
from events import permissions, services, tasks
from events.models import EventKind, Registration, RegistrationStatus
from tests.factories import UserFactory, member

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture
def people(world):
    return [member(Role.PRACTITIONER, world.facility) for _ in range(4)]


def test_registration_records_the_home_facility(world, practitioner, make_event):
    event = make_event()
    registration = services.registration_create(event=event, user=practitioner)
    assert registration.status == RegistrationStatus.REGISTERED
    assert registration.facility == world.facility


def test_full_event_puts_people_on_the_waiting_list_in_order(people, make_event):
    event = make_event(capacity=2)
    statuses = [
        services.registration_create(event=event, user=p).status for p in people
    ]
    assert statuses == ["registered", "registered", "waitlisted", "waitlisted"]
    waiting = Registration.objects.filter(event=event, status="waitlisted").order_by(
        "position"
    )
    assert [r.user for r in waiting] == people[2:]


def test_cancelling_promotes_the_first_person_waiting(
    people, make_event, django_capture_on_commit_callbacks
):
    event = make_event(capacity=2)
    for person in people:
        services.registration_create(event=event, user=person)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_cancel(event=event, user=people[0])
    status = dict(
        Registration.objects.filter(event=event).values_list("user_id", "status")
    )
    assert status[people[0].pk] == "cancelled"
    assert status[people[2].pk] == "registered"
    assert status[people[3].pk] == "waitlisted"
    assert [m.to for m in mail.outbox] == [[people[2].email]]
    assert "place opened" in mail.outbox[0].subject


def test_registering_twice_changes_nothing(practitioner, make_event):
    event = make_event(capacity=1)
    first = services.registration_create(event=event, user=practitioner)
    again = services.registration_create(event=event, user=practitioner)
    assert first.pk == again.pk
    assert Registration.objects.filter(event=event).count() == 1


def test_re_registering_after_cancelling_goes_to_the_back(people, make_event):
    event = make_event(capacity=1)
    services.registration_create(event=event, user=people[0])
    services.registration_cancel(event=event, user=people[0])
    services.registration_create(event=event, user=people[1])
    again = services.registration_create(event=event, user=people[0])
    assert again.status == RegistrationStatus.WAITLISTED


def test_raising_the_capacity_promotes(people, make_event, superuser):
    event = make_event(capacity=1)
    for person in people[:3]:
        services.registration_create(event=event, user=person)
    services.event_update(event=event, by=superuser, capacity=2)
    assert event.registrations.filter(status="registered").count() == 2


def test_cannot_register_for_a_cancelled_or_finished_event(
    practitioner, make_event, superuser
):
    cancelled = make_event()
    services.event_cancel(event=cancelled, by=superuser)
    with pytest.raises(PermissionDenied):
        services.registration_create(event=cancelled, user=practitioner)
    finished = make_event(starts_in=-180, duration=60)
    with pytest.raises(PermissionDenied):
        services.registration_create(event=finished, user=practitioner)


def test_capacity_never_exceeded_by_many_sign_ups(make_event, world):
    event = make_event(capacity=3)
    for _ in range(8):
        services.registration_create(
            event=event, user=member(Role.PRACTITIONER, world.facility)
        )
    assert event.registrations.filter(status="registered").count() == 3
    assert event.registrations.filter(status="waitlisted").count() == 5


# --- Join link ----------------------------------------------------------------------


def test_join_link_only_for_registered_people_from_30_minutes_before(
    practitioner, qi_member, make_event
):
    event = make_event(
        kind=EventKind.WEBINAR, online_url="https://meet.example.org/abc"
    )
    services.registration_create(event=event, user=practitioner)
    starts = event.starts_at
    minute = datetime.timedelta(minutes=1)
    opens = starts - datetime.timedelta(minutes=30)
    assert not permissions.can_join(practitioner, event, opens - minute)
    assert permissions.can_join(practitioner, event, opens)
    assert permissions.can_join(practitioner, event, starts + minute)
    assert not permissions.can_join(practitioner, event, event.ends_at)
    # Not registered: never.
    assert not permissions.can_join(qi_member, event, starts)


def test_the_organisers_see_the_join_link_before_the_window_and_in_the_page(
    client, national_team, practitioner, make_event
):
    """The webinar's organisers host it: they need the video link to check it and to
    open the call early, registered or not. Nobody sees it once the event is over."""
    event = make_event(
        kind=EventKind.WEBINAR,
        online_url="https://meet.example.org/host",
        starts_in=600,
    )
    assert permissions.can_edit(national_team, event)
    assert permissions.can_join(national_team, event)
    assert not permissions.can_join(practitioner, event)
    assert not permissions.can_join(national_team, event, event.ends_at)
    client.force_login(national_team)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "https://meet.example.org/host" in page
    client.force_login(practitioner)
    page = client.get(event.get_absolute_url()).content.decode()
    assert "https://meet.example.org/host" not in page


def test_join_link_absent_from_the_page_until_the_window(
    client, practitioner, make_event
):
    early = make_event(kind=EventKind.WEBINAR, starts_in=45)
    soon = make_event(kind=EventKind.WEBINAR, starts_in=20)
    for event in (early, soon):
        services.registration_create(event=event, user=practitioner)
    client.force_login(practitioner)
    assert "meet.example.org" not in client.get(early.get_absolute_url()).text
    assert "meet.example.org" in client.get(soon.get_absolute_url()).text


def test_join_link_hidden_from_the_unregistered(client, qi_member, make_event):
    event = make_event(kind=EventKind.WEBINAR, starts_in=10)
    client.force_login(qi_member)
    assert "meet.example.org" not in client.get(event.get_absolute_url()).text


# --- Reminders ----------------------------------------------------------------------


@pytest.fixture
def dummy_tasks(settings):
    from django_tasks import task_backends
    from django_tasks.backends.dummy import DummyBackend

    settings.TASKS = DUMMY_TASKS
    backend = task_backends["default"]
    assert isinstance(backend, DummyBackend)
    backend.clear()
    yield backend
    backend.clear()


def test_reminders_are_queued_24_hours_and_1_hour_before(
    dummy_tasks, practitioner, make_event, django_capture_on_commit_callbacks
):
    event = make_event(starts_in=3 * 24 * 60)
    with django_capture_on_commit_callbacks(execute=True):
        registration = services.registration_create(event=event, user=practitioner)
    queued = [r for r in dummy_tasks.results if r.task.name == "send_reminder"]
    when = sorted(r.task.run_after for r in queued)
    assert when == [
        event.starts_at - datetime.timedelta(hours=24),
        event.starts_at - datetime.timedelta(hours=1),
    ]
    assert {r.args[0] for r in queued} == {registration.pk}


def test_no_reminder_queued_for_a_time_already_past(
    dummy_tasks, practitioner, make_event, django_capture_on_commit_callbacks
):
    event = make_event(starts_in=3 * 60)
    with django_capture_on_commit_callbacks(execute=True):
        services.registration_create(event=event, user=practitioner)
    queued = [r for r in dummy_tasks.results if r.task.name == "send_reminder"]
    assert [r.args[1] for r in queued] == [60]


def test_reminder_in_the_members_language_and_time_zone(world, make_event):
    from community.services import profile_ensure

    user = member(Role.PRACTITIONER, world.facility)
    profile = profile_ensure(user=user)
    profile.language = "fr"
    profile.timezone = "Europe/Paris"
    profile.save()
    event = make_event(starts_in=60 * 20)
    registration = services.registration_create(event=event, user=user)
    mail.outbox.clear()
    assert tasks.send_reminder_now(registration, 1440, event.starts_at.isoformat())
    (message,) = mail.outbox
    local = event.starts_at.astimezone(datetime.UTC).astimezone(
        zoneinfo.ZoneInfo("Europe/Paris")
    )
    assert f"{local:%H:%M}" in message.body
    assert "Europe/Paris" in message.body
    # French month or weekday names: the date was formatted in the member's language.
    from django.utils import translation
    from django.utils.formats import date_format

    with translation.override("fr"):
        assert date_format(local, "l j F Y") in message.body


def test_reminder_not_sent_twice(practitioner, make_event):
    event = make_event(starts_in=60 * 20)
    registration = services.registration_create(event=event, user=practitioner)
    mail.outbox.clear()
    assert tasks.send_reminder_now(registration, 1440, event.starts_at.isoformat())
    assert not tasks.send_reminder_now(registration, 1440, event.starts_at.isoformat())
    assert len(mail.outbox) == 1


def test_stale_reminders_send_nothing(practitioner, make_event, superuser):
    moved = make_event(starts_in=60 * 20)
    registration = services.registration_create(event=moved, user=practitioner)
    old_start = moved.starts_at.isoformat()
    services.event_update(
        event=moved,
        by=superuser,
        starts_at=moved.starts_at + datetime.timedelta(days=2),
        ends_at=moved.ends_at + datetime.timedelta(days=2),
    )
    cancelled = make_event(starts_in=60 * 20)
    other = services.registration_create(event=cancelled, user=practitioner)
    services.event_cancel(event=cancelled, by=superuser)
    mail.outbox.clear()
    assert not tasks.send_reminder_now(registration, 1440, old_start)
    assert not tasks.send_reminder_now(other, 1440, cancelled.starts_at.isoformat())
    assert mail.outbox == []


def test_reminder_skipped_after_the_person_cancels(practitioner, make_event):
    event = make_event(starts_in=60 * 20)
    registration = services.registration_create(event=event, user=practitioner)
    services.registration_cancel(event=event, user=practitioner)
    mail.outbox.clear()
    assert not tasks.send_reminder_now(registration, 1440, event.starts_at.isoformat())
    assert mail.outbox == []


def test_sweeper_sends_only_the_nearest_due_reminder(practitioner, make_event):
    tomorrow = make_event(starts_in=60 * 20)
    soon = make_event(starts_in=40)
    later = make_event(starts_in=60 * 48)
    for event in (tomorrow, soon, later):
        services.registration_create(event=event, user=practitioner)
    mail.outbox.clear()
    assert tasks.send_due_reminders() == 2
    subjects = sorted(m.subject for m in mail.outbox)
    assert subjects[0].startswith("Starting soon") and "Tomorrow" in subjects[1]
    assert tasks.send_due_reminders() == 0


def test_cancelling_an_event_emails_the_registered(
    people, make_event, superuser, django_capture_on_commit_callbacks
):
    event = make_event()
    for person in people[:2]:
        services.registration_create(event=event, user=person)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.event_cancel(event=event, by=superuser)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(p.email for p in people[:2])


# --- Attendance ---------------------------------------------------------------------


def test_only_the_organiser_marks_attendance(
    practitioner, coach, facility_lead, make_event
):
    event = make_event(starts_in=-180, duration=60)
    Registration.objects.create(event=event, user=practitioner)
    services.attendance_mark(event=event, by=coach, user=practitioner, attended=True)
    assert Registration.objects.get(event=event, user=practitioner).attended
    with pytest.raises(PermissionDenied):
        services.attendance_mark(
            event=event, by=facility_lead, user=practitioner, attended=False
        )


def test_attendance_page_only_for_the_organiser_side(
    client, practitioner, qi_member, district_lead, make_event
):
    event = make_event(starts_in=-180, duration=60)
    services.attendance_mark(
        event=event, by=district_lead, user=practitioner, attended=True
    )
    url = f"/events/{event.pk}/attendance/"
    client.force_login(qi_member)
    assert client.get(url).status_code == 403
    detail = client.get(event.get_absolute_url()).text
    assert "Attended" not in detail and practitioner.email not in detail
    client.force_login(district_lead)
    response = client.get(url)
    assert response.status_code == 200
    assert f'value="{practitioner.pk}"' in response.text
    client.post(url, {})
    assert not Registration.objects.get(event=event, user=practitioner).attended


def test_walk_in_marked_attended_gets_a_registration(world, district_lead, make_event):
    walk_in = UserFactory()
    event = make_event(starts_in=-180, duration=60)
    registration = services.attendance_mark(
        event=event, by=district_lead, user=walk_in, attended=True
    )
    assert registration.attended and registration.status == "registered"
    assert timezone.now() > event.ends_at


def test_moving_an_event_tells_the_registered_in_their_zone(
    world, make_event, superuser, django_capture_on_commit_callbacks
):
    from community.services import profile_ensure

    user = member(Role.PRACTITIONER, world.facility)
    profile = profile_ensure(user=user)
    profile.timezone = "Asia/Tokyo"
    profile.save()
    event = make_event(starts_in=3 * 24 * 60)
    services.registration_create(event=event, user=user)
    mail.outbox.clear()
    later = event.starts_at + datetime.timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(
            event=event,
            by=superuser,
            starts_at=later,
            ends_at=later + datetime.timedelta(hours=2),
        )
    (message,) = mail.outbox
    assert message.subject.startswith("Changed:")
    tokyo = later.astimezone(zoneinfo.ZoneInfo("Asia/Tokyo"))
    assert f"{tokyo:%H:%M}" in message.body and "Asia/Tokyo" in message.body
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.event_update(event=event, by=superuser, title="New title")
    assert mail.outbox == []
