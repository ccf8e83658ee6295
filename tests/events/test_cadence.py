"""The cadence tracker: per facility, across month and time-zone boundaries, for the
district's leads and coaches and the national team only."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community.models import Profile, Role
from events import cadence, services
from events.models import CadenceInvite, EventKind, Visibility, VisitNotice
from tests.factories import FacilityFactory, member

UTC = datetime.UTC
NAIROBI = ZoneInfo("Africa/Nairobi")  # UTC+3, no daylight saving


def at(*args) -> datetime.datetime:
    return datetime.datetime(*args, tzinfo=UTC)


@pytest.fixture
def nairobi(settings):
    settings.EVENTS = {"CADENCE_TIMEZONES": {"testland": "Africa/Nairobi"}}


@pytest.fixture
def attend(world, superuser):
    """``attend(facility, starts_at, kind=...)``: someone from ``facility`` came to a
    sharing event starting at ``starts_at`` (UTC)."""
    counter = iter(range(10_000))

    def make(facility, starts_at, *, kind=EventKind.COLLABORATIVE, attended=True):
        event = services.event_create(
            by=superuser,
            organiser=world.district
            if kind != EventKind.LEARNING_SESSION
            else facility,
            kind=kind,
            title=f"Meeting {next(counter)}",
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(hours=2),
            timezone="Africa/Nairobi",
            place="District office",
            online_url="https://meet.example.org/x",
            visibility=Visibility.MEMBERS,
            check_permission=False,
        )
        person = member(Role.PRACTITIONER, facility)
        services.registration_create(
            event=event, user=person, facility=facility, check_permission=False
        )
        if attended:
            services.attendance_mark(
                event=event, by=superuser, user=person, attended=True
            )
        return event

    return make


# --- Months and zones ---------------------------------------------------------------


def test_a_late_evening_utc_event_counts_in_the_next_month_in_utc_plus_3():
    # 22:00 UTC on 31 January is 01:00 on 1 February in Nairobi.
    assert cadence.month_of(at(2026, 1, 31, 22), NAIROBI) == datetime.date(2026, 2, 1)
    assert cadence.month_of(at(2026, 1, 31, 22), ZoneInfo("UTC")) == datetime.date(
        2026, 1, 1
    )


def test_a_sunday_night_event_in_utc_plus_3_stays_in_its_local_month():
    # Sunday 31 May 2026, 23:30 in Nairobi = 20:30 UTC: a May meeting.
    assert cadence.month_of(at(2026, 5, 31, 20, 30), NAIROBI) == datetime.date(
        2026, 5, 1
    )
    # 00:30 on Monday 1 June in Nairobi = 21:30 UTC on Sunday 31 May: a June meeting.
    assert cadence.month_of(at(2026, 5, 31, 21, 30), NAIROBI) == datetime.date(
        2026, 6, 1
    )


def test_month_arithmetic_across_years():
    assert cadence.add_months(datetime.date(2026, 1, 1), -1) == datetime.date(
        2025, 12, 1
    )
    assert cadence.add_months(datetime.date(2025, 11, 1), 14) == datetime.date(
        2027, 1, 1
    )


@pytest.mark.parametrize(
    ("last", "state"),
    [
        (None, cadence.NEVER),
        (at(2026, 5, 1, 9), cadence.OK),
        (at(2026, 2, 15, 9), cadence.OK),  # exactly three months before 15 May
        (at(2026, 2, 14, 9), cadence.OVERDUE),
        (at(2025, 6, 1, 9), cadence.OVERDUE),
    ],
)
def test_state_thresholds(last, state):
    assert cadence.state_for(last, at(2026, 5, 15, 12), NAIROBI) == state


def test_the_three_month_mark_is_taken_in_the_district_zone():
    now = at(2026, 5, 14, 22)  # already 15 May, 01:00, in Nairobi
    last = at(2026, 2, 14, 22)  # 15 February, 01:00, in Nairobi
    assert cadence.state_for(last, now, NAIROBI) == cadence.OK
    assert cadence.state_for(at(2026, 2, 14, 20), now, NAIROBI) == cadence.OVERDUE


def test_the_overdue_threshold_is_a_setting(settings):
    settings.EVENTS = {"CADENCE_OVERDUE_MONTHS": 2}
    now = at(2026, 5, 15, 12)
    assert cadence.state_for(at(2026, 3, 10, 9), now, NAIROBI) == cadence.OVERDUE


# --- The district's facilities --------------------------------------------------


def test_each_facility_gets_its_state_last_and_next_event(world, attend, nairobi):
    now = timezone.now()
    attend(world.facility, now - datetime.timedelta(days=20))
    attend(world.sibling_facility, now - datetime.timedelta(days=200))
    upcoming = attend(
        world.sibling_facility,
        now + datetime.timedelta(days=10),
        kind=EventKind.WEBINAR,
        attended=False,
    )
    third = FacilityFactory(name="North Post", slug="north-post", parent=world.district)
    result = cadence.district_cadence(world.district, now=now)
    rows = {row.facility.slug: row for row in result.rows}
    assert rows["north-hospital"].state == cadence.OK
    assert rows["north-clinic"].state == cadence.OVERDUE
    assert rows["north-clinic"].next_at == upcoming.starts_at
    assert rows["north-clinic"].next_kind == EventKind.WEBINAR
    assert rows[third.slug].state == cadence.NEVER
    assert [r.facility.slug for r in result.overdue] == ["north-clinic", third.slug]
    assert "south-hospital" not in rows


def test_registered_but_not_attended_and_cancelled_events_do_not_count(
    world, attend, superuser
):
    now = timezone.now()
    attend(world.facility, now - datetime.timedelta(days=10), attended=False)
    cancelled = attend(world.sibling_facility, now - datetime.timedelta(days=10))
    services.event_cancel(event=cancelled, by=superuser)
    rows = {r.facility.slug: r for r in cadence.district_cadence(world.district).rows}
    assert rows["north-hospital"].state == cadence.NEVER
    assert rows["north-clinic"].state == cadence.NEVER


def test_every_kind_of_sharing_event_counts(world, attend):
    now = timezone.now()
    for days, kind in enumerate(cadence.SHARING_KINDS, start=1):
        attend(world.facility, now - datetime.timedelta(days=days * 3), kind=kind)
    rows = cadence.district_cadence(world.district, now=now).rows
    row = next(r for r in rows if r.facility == world.facility)
    assert row.last_kind == EventKind.COLLABORATIVE
    assert sum(row.months) == 4


def test_months_in_the_heat_map_follow_the_district_zone(world, attend, nairobi):
    now = at(2026, 3, 10, 12)
    attend(world.facility, at(2026, 1, 31, 22))  # 1 February in Nairobi
    result = cadence.district_cadence(world.district, now=now)
    row = next(r for r in result.rows if r.facility == world.facility)
    counts = dict(zip(result.months, row.months, strict=True))
    assert counts[datetime.date(2026, 2, 1)] == 1
    assert counts[datetime.date(2026, 1, 1)] == 0
    assert result.months[-1] == datetime.date(2026, 3, 1)
    assert len(result.months) == 12


def test_the_heat_map_is_accessible_svg_with_a_table(world, attend):
    attend(world.facility, timezone.now() - datetime.timedelta(days=5))
    chart = cadence.heat_map(cadence.district_cadence(world.district))
    assert "of North," in chart.desc and "1 of 2 facilities" in chart.desc
    assert "North Hospital" in chart.rows[1].cells[-1].title
    assert len(chart.rows) == 2 and len(chart.rows[0].cells) == 12


def test_the_query_count_does_not_grow_with_facilities(world, attend):
    now = timezone.now()

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            cadence.district_cadence(world.district, now=now)
        return len(captured)

    attend(world.facility, now - datetime.timedelta(days=3))
    few = queries()
    for i in range(6):
        facility = FacilityFactory(slug=f"extra-{i}", parent=world.district)
        attend(facility, now - datetime.timedelta(days=40 + i))
    assert queries() == few


# --- The page -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("district_lead", 200),
        ("coach", 200),
        ("national_team", 200),
        ("facility_lead", 403),
        ("practitioner", 403),
        ("qi_member", 403),
        ("editor", 403),
        ("moderator", 403),
        ("outsider", 403),
    ],
)
def test_the_cadence_page_is_for_district_leads_coaches_and_national_team(
    role, status, as_role, client, world
):
    client.force_login(as_role(role))
    response = client.get(reverse("events:cadence", args=[world.district.slug]))
    assert response.status_code == status


def test_another_districts_lead_may_not_see_it(client, world):
    client.force_login(member(Role.DISTRICT_LEAD, world.other_district))
    response = client.get(reverse("events:cadence", args=[world.district.slug]))
    assert response.status_code == 403


def test_the_index_sends_a_district_lead_to_their_district(
    client, district_lead, world
):
    client.force_login(district_lead)
    response = client.get(reverse("events:cadence_index"))
    assert response["Location"] == reverse("events:cadence", args=[world.district.slug])


def test_the_page_names_facilities_never_people(client, district_lead, world, attend):
    event = attend(world.facility, timezone.now() - datetime.timedelta(days=5))
    person = event.registrations.get().user
    Profile.objects.update_or_create(
        user=person, defaults={"display_name": "Zebedee Attendee"}
    )
    client.force_login(district_lead)
    html = client.get(
        reverse("events:cadence", args=[world.district.slug])
    ).content.decode()
    assert "North Hospital" in html
    assert "Zebedee" not in html and person.email not in html
    assert 'role="img"' in html and "<title id=" in html and "<desc id=" in html
    assert "<table" in html


def test_overdue_facilities_are_listed_with_an_invite_button(
    client, district_lead, world
):
    client.force_login(district_lead)
    html = client.get(
        reverse("events:cadence", args=[world.district.slug])
    ).content.decode()
    invite = reverse(
        "events:cadence_invite", args=[world.district.slug, world.facility.pk]
    )
    assert f'action="{invite}"' in html
    assert "No collaborative is scheduled" in html


def test_inviting_tells_the_facility_leads_about_the_next_collaborative(
    client,
    district_lead,
    facility_lead,
    practitioner,
    world,
    attend,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    collaborative = attend(
        world.sibling_facility,
        timezone.now() + datetime.timedelta(days=12),
        attended=False,
    )
    client.force_login(district_lead)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse(
                "events:cadence_invite", args=[world.district.slug, world.facility.pk]
            )
        )
    assert response.status_code == 302
    invite = CadenceInvite.objects.get()
    assert invite.event == collaborative and invite.facility == world.facility
    notice = VisitNotice.objects.get(invite=invite)
    assert notice.user == facility_lead
    assert not VisitNotice.objects.filter(user=practitioner).exists()
    (mail,) = mailoutbox
    assert mail.to == [facility_lead.email]
    assert collaborative.title in mail.subject
    assert collaborative.get_absolute_url() in mail.body


def test_inviting_with_no_collaborative_says_so(
    client, district_lead, facility_lead, world
):
    client.force_login(district_lead)
    response = client.post(
        reverse("events:cadence_invite", args=[world.district.slug, world.facility.pk]),
        follow=True,
    )
    html = response.content.decode()
    assert "No collaborative is scheduled" in html
    assert CadenceInvite.objects.get().event is None
    assert VisitNotice.objects.filter(user=facility_lead).exists()


@pytest.mark.parametrize("role", ["facility_lead", "practitioner", "outsider"])
def test_only_those_who_follow_the_cadence_may_invite(role, as_role, client, world):
    client.force_login(as_role(role))
    response = client.post(
        reverse("events:cadence_invite", args=[world.district.slug, world.facility.pk])
    )
    assert response.status_code == 403
    assert not CadenceInvite.objects.exists()


def test_inviting_a_facility_of_another_district_is_refused(
    client, district_lead, world
):
    client.force_login(district_lead)
    response = client.post(
        reverse(
            "events:cadence_invite", args=[world.district.slug, world.other_facility.pk]
        )
    )
    assert response.status_code == 404


def test_the_page_query_count_does_not_grow_with_facilities(
    client, district_lead, world, attend
):
    url = reverse("events:cadence", args=[world.district.slug])
    client.force_login(district_lead)
    attend(world.facility, timezone.now() - datetime.timedelta(days=3))
    client.get(url)  # warm the session and the memberships

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    few = queries()
    for i in range(8):
        facility = FacilityFactory(slug=f"more-{i}", parent=world.district)
        attend(facility, timezone.now() - datetime.timedelta(days=100 + i))
    assert queries() == few


def test_the_page_weighs_at_most_30_kb_compressed(client, district_lead, world, attend):
    from tests.budgets import KB, page_weight

    for i in range(12):
        facility = FacilityFactory(slug=f"weigh-{i}", parent=world.district)
        attend(facility, timezone.now() - datetime.timedelta(days=30 * i + 1))
    client.force_login(district_lead)
    weight = page_weight(client, reverse("events:cadence", args=[world.district.slug]))
    assert weight.total <= 30 * KB, weight


def test_past_the_two_month_mark_with_nothing_booked_is_time_to_plan(world, attend):
    now = timezone.now()
    attend(world.facility, now - datetime.timedelta(days=75))
    rows = {r.facility.slug: r for r in cadence.district_cadence(world.district).rows}
    assert rows["north-hospital"].state == cadence.OK
    assert rows["north-hospital"].due_soon
