"""Exchange visits: the lifecycle table, who may make each move, what the other side
is told, the event a confirmed visit becomes, and the learning report."""

from __future__ import annotations

import datetime
import itertools

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone, translation

from community.models import Role
from events.models import (
    Event,
    EventKind,
    ExchangeVisit,
    LearningReport,
    Registration,
    RegistrationStatus,
    ReportComment,
    VisitAction,
    VisitNotice,
    VisitState,
    VisitTransition,
)
from events.visits import notices as visit_notices
from events.visits import permissions as visit_permissions
from events.visits import services as visit_services
from events.visits import states as visit_states
from events.visits.states import TRANSITIONS, TransitionNotAllowed
from tests.factories import member

S, A = VisitState, VisitAction


def soon(days: int = 14, hours: int = 9) -> datetime.datetime:
    day = timezone.now().replace(minute=0, second=0, microsecond=0)
    return day + datetime.timedelta(days=days, hours=hours)


@pytest.fixture
def host_lead(world):
    """The lead of the host facility (North Clinic, same district)."""
    return member(Role.FACILITY_LEAD, world.sibling_facility, email="host@example.org")


@pytest.fixture
def host_practitioner(world):
    return member(Role.PRACTITIONER, world.sibling_facility, email="hp@example.org")


@pytest.fixture
def other_district_lead(world):
    return member(Role.DISTRICT_LEAD, world.other_district, email="south@example.org")


@pytest.fixture
def make_visit(world, facility_lead):
    """A visit from the world's facility to its sibling, put straight into a state
    (the moves themselves are tested through the service)."""

    def make(state=S.REQUESTED, *, requested_by=None, by_district=False, past=False):
        start = soon(days=-2) if past else soon()
        return ExchangeVisit.objects.create(
            visiting=world.facility,
            host=world.sibling_facility,
            requested_by=requested_by or facility_lead,
            by_district=by_district,
            objectives="How you cut waiting time in labour ward",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=4),
            timezone="Africa/Nairobi",
            state=state,
        )

    return make


@pytest.fixture
def requested(world, facility_lead, host_lead, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        return visit_services.visit_request(
            by=facility_lead,
            visiting=world.facility,
            host=world.sibling_facility,
            objectives="How you cut waiting time in labour ward",
            starts_at=soon(),
            ends_at=soon() + datetime.timedelta(hours=4),
            timezone_name="Africa/Nairobi",
        )


def actor_for(side, *, facility_lead, host_lead, district_lead):
    return {
        visit_states.VISITING: facility_lead,
        visit_states.VISITING_TEAM: facility_lead,
        visit_states.HOST: host_lead,
        visit_states.DISTRICT: district_lead,
    }[side]


# --- The lifecycle table ----------------------------------------------------------


@pytest.mark.parametrize(("state", "action"), list(TRANSITIONS), ids=lambda v: str(v))
def test_every_transition_in_the_table_moves_the_visit(
    state, action, make_visit, facility_lead, host_lead, district_lead
):
    move = TRANSITIONS[(state, action)]
    visit = make_visit(
        state, by_district=state == S.PAIRING_PROPOSED, past=action == A.COMPLETE
    )
    if state == S.COUNTER_PROPOSED:
        VisitTransition.objects.create(
            visit=visit, action=A.COUNTER, to_state=state, by=host_lead
        )
    side = sorted(move.sides)[0]
    by = actor_for(
        side,
        facility_lead=facility_lead,
        host_lead=host_lead,
        district_lead=district_lead,
    )
    extra = {}
    if action == A.DECLINE:
        extra["note"] = "We are renovating the ward that month."
    if action == A.COUNTER:
        extra.update(starts_at=soon(30), ends_at=soon(30) + datetime.timedelta(hours=3))
    visit = visit_services.visit_transition(visit=visit, by=by, action=action, **extra)
    assert visit.state == move.to
    step = visit.transitions.last()
    assert (step.from_state, step.action, step.to_state) == (state, action, move.to)
    # The other side is told; the mover is not.
    told = set(step.notices.values_list("user_id", flat=True))
    assert told and by.pk not in told
    others = {facility_lead.pk, host_lead.pk} - {by.pk}
    assert others <= told


FORBIDDEN = [
    (state, action)
    for state, action in itertools.product(S.values, A.values)
    if (state, action) not in TRANSITIONS
]


@pytest.mark.parametrize(("state", "action"), FORBIDDEN, ids=lambda v: str(v))
def test_moves_not_in_the_table_raise_a_clear_error(
    state, action, make_visit, superuser
):
    visit = make_visit(state)
    with pytest.raises(TransitionNotAllowed) as caught:
        visit_services.visit_transition(
            visit=visit, by=superuser, action=action, note="x"
        )
    assert str(VisitState(state).label) in caught.value.messages[0]
    visit.refresh_from_db()
    assert visit.state == state


def test_a_finished_visit_cannot_be_reopened(make_visit, host_lead):
    visit = make_visit(S.DECLINED)
    with pytest.raises(TransitionNotAllowed):
        visit_services.visit_transition(visit=visit, by=host_lead, action=A.ACCEPT)


def test_declining_needs_a_reason(requested, host_lead):
    with pytest.raises(ValidationError) as caught:
        visit_services.visit_transition(visit=requested, by=host_lead, action=A.DECLINE)
    assert "note" in caught.value.message_dict
    requested.refresh_from_db()
    assert requested.state == S.REQUESTED


def test_a_visit_is_marked_done_only_once_it_started(make_visit, host_lead):
    visit = make_visit(S.CONFIRMED)
    with pytest.raises(ValidationError):
        visit_services.visit_transition(visit=visit, by=host_lead, action=A.COMPLETE)


# --- Who may do what --------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "may"),
    [
        ("practitioner", True),
        ("qi_member", True),
        ("facility_lead", True),
        ("coach", False),
        ("district_lead", False),
        ("national_team", False),
        ("editor", False),
        ("moderator", False),
        ("outsider", False),
    ],
)
def test_members_of_a_facility_may_request_on_its_behalf(role, may, as_role, world):
    user = as_role(role)
    assert visit_permissions.can_request_for(user, world.facility) is may
    args = dict(
        by=user,
        visiting=world.facility,
        host=world.sibling_facility,
        objectives="Triage",
        starts_at=soon(),
        ends_at=soon() + datetime.timedelta(hours=2),
    )
    if may:
        assert visit_services.visit_request(**args).state == S.REQUESTED
    else:
        with pytest.raises(PermissionDenied):
            visit_services.visit_request(**args)


@pytest.mark.parametrize(
    ("role", "may"),
    [
        ("coach", True),
        ("district_lead", True),
        ("national_team", True),
        ("editor", True),  # national editors schedule events too (the map)
        ("facility_lead", False),
        ("practitioner", False),
        ("outsider", False),
    ],
)
def test_district_leads_and_coaches_pair_facilities_of_their_district(
    role, may, as_role, world
):
    user = as_role(role)
    assert (
        visit_permissions.can_pair(user, world.facility, world.sibling_facility) is may
    )


def test_a_district_lead_may_not_pair_across_districts(district_lead, world):
    assert not visit_permissions.can_pair(
        district_lead, world.facility, world.other_facility
    )
    with pytest.raises(PermissionDenied):
        visit_services.visit_pair(
            by=district_lead,
            visiting=world.facility,
            host=world.other_facility,
            objectives="x",
            starts_at=soon(),
            ends_at=soon() + datetime.timedelta(hours=2),
        )


@pytest.mark.parametrize(
    ("who", "may"),
    [
        ("host_lead", True),
        ("host_practitioner", False),
        ("facility_lead", False),  # the requester does not answer for the host
        ("district_lead", False),  # the district pairs, the facility decides
        ("coach", False),
        ("national_team", False),
        ("outsider", False),
    ],
)
@pytest.mark.parametrize("action", [A.ACCEPT, A.DECLINE, A.COUNTER])
def test_only_the_host_facilitys_leads_answer_a_request(
    who, may, action, request, requested
):
    user = request.getfixturevalue(who)
    assert (action in visit_permissions.allowed_actions(user, requested)) is may
    extra = {"note": "Not this month"}
    if action == A.COUNTER:
        extra.update(starts_at=soon(20), ends_at=soon(20) + datetime.timedelta(hours=2))
    if may:
        visit_services.visit_transition(
            visit=requested, by=user, action=action, **extra
        )
    else:
        with pytest.raises(PermissionDenied):
            visit_services.visit_transition(
                visit=requested, by=user, action=action, **extra
            )


def test_a_practitioner_who_asked_answers_the_counter_proposal(
    world, practitioner, host_lead
):
    visit = visit_services.visit_request(
        by=practitioner,
        visiting=world.facility,
        host=world.sibling_facility,
        objectives="Kangaroo care",
        starts_at=soon(),
        ends_at=soon() + datetime.timedelta(hours=2),
    )
    visit = visit_services.visit_transition(
        visit=visit,
        by=host_lead,
        action=A.COUNTER,
        starts_at=soon(21),
        ends_at=soon(21) + datetime.timedelta(hours=2),
    )
    assert A.ACCEPT in visit_permissions.allowed_actions(practitioner, visit)
    visit = visit_services.visit_transition(
        visit=visit, by=practitioner, action=A.ACCEPT
    )
    assert visit.state == S.CONFIRMED


def test_a_pairing_is_agreed_by_the_visiting_facility_before_the_host_answers(
    world, district_lead, facility_lead, host_lead
):
    visit = visit_services.visit_pair(
        by=district_lead,
        visiting=world.facility,
        host=world.sibling_facility,
        objectives="Partograph use",
        starts_at=soon(),
        ends_at=soon() + datetime.timedelta(hours=3),
    )
    assert visit.state == S.PAIRING_PROPOSED and visit.by_district
    assert visit_permissions.allowed_actions(host_lead, visit) == [A.DECLINE]
    assert A.AGREE in visit_permissions.allowed_actions(facility_lead, visit)
    visit = visit_services.visit_transition(
        visit=visit, by=facility_lead, action=A.AGREE
    )
    assert visit.state == S.REQUESTED
    assert visit_permissions.allowed_actions(district_lead, visit) == [A.CANCEL]


# --- Confirmation becomes an event -------------------------------------------------


def test_accepting_makes_an_exchange_visit_event_with_both_teams_registered(
    world, requested, facility_lead, host_lead
):
    visit = visit_services.visit_transition(
        visit=requested, by=host_lead, action=A.ACCEPT
    )
    event = Event.objects.get(pk=visit.event_id)
    assert event.kind == EventKind.EXCHANGE_VISIT
    assert event.organiser == world.sibling_facility
    assert (event.starts_at, event.ends_at) == (visit.starts_at, visit.ends_at)
    registered = {
        r.user_id: r.facility_id
        for r in event.registrations.filter(status=RegistrationStatus.REGISTERED)
    }
    assert registered == {
        facility_lead.pk: world.facility.pk,
        host_lead.pk: world.sibling_facility.pk,
    }


def test_a_counter_proposal_accepted_uses_the_new_dates(
    requested, facility_lead, host_lead
):
    new_start = soon(40, hours=8)
    visit_services.visit_transition(
        visit=requested,
        by=host_lead,
        action=A.COUNTER,
        note="The week after suits us",
        starts_at=new_start,
        ends_at=new_start + datetime.timedelta(hours=5),
        timezone_name="Africa/Kigali",
    )
    visit = visit_services.visit_transition(
        visit=requested, by=facility_lead, action=A.ACCEPT
    )
    assert visit.event.starts_at == new_start
    assert visit.event.timezone == "Africa/Kigali"
    assert visit.dates_agreed_by == host_lead


def test_cancelling_a_confirmed_visit_cancels_its_event(
    requested, facility_lead, host_lead
):
    visit = visit_services.visit_transition(
        visit=requested, by=host_lead, action=A.ACCEPT
    )
    visit_services.visit_transition(visit=visit, by=facility_lead, action=A.CANCEL)
    visit.event.refresh_from_db()
    assert visit.event.is_cancelled


def test_marking_done_records_attendance_for_both_facilities(
    requested, host_lead, facility_lead, world
):
    visit = visit_services.visit_transition(
        visit=requested, by=host_lead, action=A.ACCEPT
    )
    past = timezone.now() - datetime.timedelta(days=1)
    ExchangeVisit.objects.filter(pk=visit.pk).update(starts_at=past)
    Event.objects.filter(pk=visit.event_id).update(
        starts_at=past, ends_at=past + datetime.timedelta(hours=2)
    )
    visit.refresh_from_db()
    # The visiting lead marks it done: attendance is recorded on the host's behalf.
    visit_services.visit_transition(visit=visit, by=facility_lead, action=A.COMPLETE)
    attended = set(
        Registration.objects.filter(event=visit.event, attended=True).values_list(
            "facility_id", flat=True
        )
    )
    assert attended == {world.facility.pk, world.sibling_facility.pk}


# --- Telling the other side --------------------------------------------------------


def test_a_request_tells_the_host_lead_in_app_and_by_email(
    requested, host_lead, facility_lead, mailoutbox
):
    notice = VisitNotice.objects.get(user=host_lead)
    assert notice.visit == requested and notice.transition.action == A.REQUEST
    assert not VisitNotice.objects.filter(user=facility_lead).exists()
    (mail,) = [m for m in mailoutbox if host_lead.email in m.to]
    assert "North Hospital" in mail.subject
    assert requested.get_absolute_url() in mail.body


@pytest.mark.parametrize(
    ("action", "extra"),
    [
        (A.ACCEPT, {}),
        (A.DECLINE, {"note": "We are short of staff that week"}),
        (A.COUNTER, {"days": 25}),
    ],
)
def test_each_answer_tells_the_requesting_side(
    action,
    extra,
    requested,
    host_lead,
    facility_lead,
    practitioner,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    mailoutbox.clear()
    kwargs = {"note": extra.get("note", "")}
    if "days" in extra:
        kwargs.update(
            starts_at=soon(extra["days"]),
            ends_at=soon(extra["days"]) + datetime.timedelta(hours=2),
        )
    with django_capture_on_commit_callbacks(execute=True):
        visit_services.visit_transition(
            visit=requested, by=host_lead, action=action, **kwargs
        )
    notice = VisitNotice.objects.filter(user=facility_lead).latest("pk")
    assert notice.transition.action == action
    assert not VisitNotice.objects.filter(
        user=host_lead, transition__action=action
    ).exists()
    assert [m.to for m in mailoutbox] == [[facility_lead.email]]
    if action == A.DECLINE:
        assert "We are short of staff that week" in mailoutbox[0].body


def test_emails_are_written_in_the_recipients_language(
    requested, host_lead, facility_lead, monkeypatch, django_capture_on_commit_callbacks
):
    from community.models import Profile

    Profile.objects.update_or_create(user=facility_lead, defaults={"language": "fr"})
    seen = []
    original = visit_notices.notice_text

    def spy(notice):
        seen.append((notice.user_id, translation.get_language()))
        return original(notice)

    monkeypatch.setattr(visit_notices, "notice_text", spy)
    with django_capture_on_commit_callbacks(execute=True):
        visit_services.visit_transition(visit=requested, by=host_lead, action=A.ACCEPT)
    assert (facility_lead.pk, "fr") in seen


def test_the_my_visits_page_lists_notices_and_both_directions(
    client, requested, host_lead, facility_lead
):
    client.force_login(host_lead)
    html = client.get(reverse("events:visit_list")).content.decode()
    assert "Visits to us" in html and "North Hospital visits North Clinic" in html
    assert "requested the visit" in html
    assert not VisitNotice.objects.filter(user=host_lead, read_at=None).exists()
    client.force_login(facility_lead)
    html = client.get(reverse("events:visit_list")).content.decode()
    assert "North Hospital visits North Clinic" in html


# --- Pages --------------------------------------------------------------------------


def test_the_request_form_prefills_the_host_from_the_query(client, practitioner, world):
    client.force_login(practitioner)
    url = reverse("events:visit_request") + f"?host={world.sibling_facility.pk}"
    html = client.get(url).content.decode()
    assert f'<option value="{world.sibling_facility.pk}" selected>' in html


def test_the_request_form_reshows_input_on_error(client, practitioner, world):
    client.force_login(practitioner)
    response = client.post(
        reverse("events:visit_request"),
        {
            "visiting": world.facility.pk,
            "host": world.sibling_facility.pk,
            "objectives": "Respectful maternity care",
            "date": "2026-13-45",
            "start_time": "09:00",
            "end_time": "08:00",
            "timezone": "Africa/Nairobi",
        },
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Respectful maternity care" in html
    assert "errorlist" in html
    assert not ExchangeVisit.objects.exists()


def test_posting_the_request_form_creates_the_visit_in_the_host_zone(
    client, practitioner, world
):
    client.force_login(practitioner)
    response = client.post(
        reverse("events:visit_request"),
        {
            "visiting": world.facility.pk,
            "host": world.sibling_facility.pk,
            "objectives": "Respectful maternity care",
            "date": "2030-03-02",
            "start_time": "09:00",
            "end_time": "13:00",
            "timezone": "Africa/Nairobi",
        },
    )
    visit = ExchangeVisit.objects.get()
    assert (
        response.status_code == 302 and response["Location"] == visit.get_absolute_url()
    )
    assert visit.starts_at == datetime.datetime(2030, 3, 2, 6, tzinfo=datetime.UTC)
    assert visit.requested_by == practitioner


def test_a_district_lead_posting_the_form_proposes_a_pairing(
    client, district_lead, world
):
    client.force_login(district_lead)
    client.post(
        reverse("events:visit_request"),
        {
            "visiting": world.facility.pk,
            "host": world.sibling_facility.pk,
            "objectives": "Triage at the gate",
            "date": "2030-03-02",
            "start_time": "09:00",
            "end_time": "13:00",
            "timezone": "UTC",
        },
    )
    assert ExchangeVisit.objects.get().state == S.PAIRING_PROPOSED


def test_declining_without_a_reason_comes_back_with_the_error(
    client, requested, host_lead
):
    client.force_login(host_lead)
    response = client.post(
        reverse("events:visit_act", args=[requested.pk, "decline"]),
        {"decline-note": ""},
    )
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    requested.refresh_from_db()
    assert requested.state == S.REQUESTED


def test_accepting_through_the_page(client, requested, host_lead):
    client.force_login(host_lead)
    response = client.post(reverse("events:visit_act", args=[requested.pk, "accept"]))
    assert response.status_code == 302
    requested.refresh_from_db()
    assert requested.state == S.CONFIRMED


def test_a_forbidden_move_through_the_page_is_refused(client, requested, facility_lead):
    client.force_login(facility_lead)
    response = client.post(reverse("events:visit_act", args=[requested.pk, "accept"]))
    assert response.status_code == 403


def test_the_visit_page_shows_the_timeline_to_the_parties_only(
    client, requested, host_lead, other_district_lead
):
    client.force_login(host_lead)
    html = client.get(requested.get_absolute_url()).content.decode()
    assert "Timeline" in html and "requested the visit" in html
    assert "Accept these dates" in html and "Propose other dates" in html
    client.force_login(other_district_lead)
    assert client.get(requested.get_absolute_url()).status_code == 403


# --- The learning report -------------------------------------------------------------


@pytest.fixture
def completed(make_visit):
    return make_visit(S.COMPLETED, past=True)


def test_the_visiting_team_publishes_the_report_and_the_host_is_told(
    completed, practitioner, host_lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        report = visit_services.report_save(
            visit=completed,
            by=practitioner,
            saw="A **triage** desk at the gate.",
            will_try="Triage at our gate.",
            contacts="Sister Mary, labour ward",
        )
    completed.refresh_from_db()
    assert completed.state == S.REPORTED
    assert "<strong>triage</strong>" in report.saw_html
    assert VisitNotice.objects.filter(
        user=host_lead, transition__action=A.REPORT
    ).exists()


def test_the_host_cannot_write_the_visitors_report(completed, host_lead):
    with pytest.raises(PermissionDenied):
        visit_services.report_save(visit=completed, by=host_lead, saw="x", will_try="y")


def test_the_host_comments_on_the_report(
    completed, practitioner, host_practitioner, other_district_lead
):
    report = visit_services.report_save(
        visit=completed, by=practitioner, saw="a", will_try="b"
    )
    comment = visit_services.report_comment(
        report=report, by=host_practitioner, body="Glad it helped!"
    )
    assert ReportComment.objects.get() == comment
    assert VisitNotice.objects.filter(user=practitioner, kind="comment").exists()
    with pytest.raises(PermissionDenied):
        visit_services.report_comment(report=report, by=other_district_lead, body="hi")


def test_a_report_with_a_photo_through_the_form(
    client, completed, practitioner, settings, tmp_path
):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "PNG")
    photo = SimpleUploadedFile("ward.png", buffer.getvalue(), "image/png")
    client.force_login(practitioner)
    response = client.post(
        reverse("events:visit_report", args=[completed.pk]),
        {
            "saw": "Their board",
            "will_try": "A board",
            "contacts": "",
            "photo": photo,
            "photo_alt": "The triage board",
        },
    )
    assert response.status_code == 302
    report = LearningReport.objects.get()
    assert report.photos.get().width == 40


def test_a_photo_that_is_not_an_image_is_refused_with_the_text_kept(
    client, completed, practitioner
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(practitioner)
    response = client.post(
        reverse("events:visit_report", args=[completed.pk]),
        {
            "saw": "Their triage board",
            "will_try": "A board",
            "photo": SimpleUploadedFile("x.png", b"not an image", "image/png"),
            "photo_alt": "x",
        },
    )
    assert response.status_code == 200
    assert "Their triage board" in response.content.decode()
    assert not LearningReport.objects.exists()


def test_the_report_is_shared_to_a_district_space_linking_back(
    completed, practitioner, world
):
    from forums.models import Space, Visibility

    space = Space.objects.create(
        name="North district",
        slug="north-d",
        organisation=world.district,
        visibility=Visibility.MEMBERS,
    )
    report = visit_services.report_save(
        visit=completed, by=practitioner, saw="a", will_try="b"
    )
    assert visit_permissions.share_spaces(practitioner, report) == [space]
    thread = visit_services.report_share(report=report, by=practitioner, space=space)
    assert thread.space == space
    assert completed.get_absolute_url() in thread.posts.get().body
    report.refresh_from_db()
    assert report.shared_thread == thread
    with pytest.raises(ValidationError):
        visit_services.report_share(report=report, by=practitioner, space=space)


def test_a_published_report_is_readable_by_members_but_not_visitors(
    client, completed, practitioner, other_district_lead
):
    visit_services.report_save(
        visit=completed, by=practitioner, saw="a desk", will_try="b"
    )
    client.force_login(other_district_lead)
    html = client.get(completed.get_absolute_url()).content.decode()
    assert "a desk" in html and "Timeline" not in html
    client.logout()
    assert client.get(completed.get_absolute_url()).status_code == 302


def test_the_facility_profile_section_lists_hosted_visits(
    rf, completed, practitioner, host_lead, world
):
    from community.sections import facility_sections

    visit_services.report_save(visit=completed, by=practitioner, saw="a", will_try="b")
    request = rf.get("/")
    request.user = practitioner
    (section,) = [
        s
        for s in facility_sections(request, world.sibling_facility)
        if s.key == "exchange_visits"
    ]
    (item,) = section.context["items"]
    assert item["visiting"] == "North Hospital" and item["reported"]
    assert section.context["can_request"]


# --- Demo data ------------------------------------------------------------------------


def test_the_demo_has_a_visit_in_each_state_and_every_cadence_state(db):
    from events import cadence
    from events.visits import demo as visits_demo
    from tests.factories import seed_foundation

    context = seed_foundation()
    visits_demo.seed(context)
    counts = (
        ExchangeVisit.objects.count(),
        LearningReport.objects.count(),
        ReportComment.objects.count(),
        VisitTransition.objects.count(),
    )
    visits_demo.seed(context)  # idempotent
    assert counts == (
        ExchangeVisit.objects.count(),
        LearningReport.objects.count(),
        ReportComment.objects.count(),
        VisitTransition.objects.count(),
    )
    assert set(ExchangeVisit.objects.values_list("state", flat=True)) == set(S.values)
    district = context["organisations"]["northern-hills"]
    states = {r.facility.slug: r.state for r in cadence.district_cadence(district).rows}
    assert set(states.values()) == {cadence.OK, cadence.OVERDUE, cadence.NEVER}
    assert states["mount-ravi-clinic"] == cadence.NEVER


def test_a_facility_lead_proposes_the_report_to_the_library_as_a_draft(
    completed, facility_lead, practitioner, world
):
    from wagtail.models import Page, Site

    from library import services as library_services
    from library.models import CaseStudyPage, LibraryIndexPage

    site = Site.objects.get(is_default_site=True)
    index = LibraryIndexPage(title="Library", slug="library")
    Page.objects.get(pk=site.root_page_id).add_child(instance=index)
    index.save_revision().publish()
    library_services.library_setup(index=index)
    report = visit_services.report_save(
        visit=completed, by=practitioner, saw="Their desk", will_try="A desk"
    )
    assert not visit_permissions.can_propose_to_library(practitioner, report)
    assert visit_permissions.can_propose_to_library(facility_lead, report)
    page = visit_services.report_propose_to_library(report=report, by=facility_lead)
    case = CaseStudyPage.objects.get(pk=page.pk)
    assert not case.live and case.facility == world.facility
    assert "Their desk" in case.how_found
    report.refresh_from_db()
    assert report.library_page_id == page.pk
    assert not visit_permissions.can_propose_to_library(facility_lead, report)


def test_the_reported_visit_page_shows_report_comments_and_actions(
    client, completed, practitioner, host_lead, facility_lead
):
    report = visit_services.report_save(
        visit=completed, by=practitioner, saw="A *calm* gate", will_try="b"
    )
    visit_services.report_comment(report=report, by=host_lead, body="Come again")
    client.force_login(facility_lead)
    html = client.get(completed.get_absolute_url()).content.decode()
    assert "<em>calm</em>" in html and "Come again" in html
    assert "Learning report published" in html
    assert (
        'action="{}"'.format(
            reverse("events:visit_report_comment", args=[completed.pk])
        )
        in html
    )


def test_the_national_team_picks_a_district_for_the_cadence(
    client, national_team, world
):
    client.force_login(national_team)
    html = client.get(reverse("events:cadence_index")).content.decode()
    assert "North" in html and "South" in html


def test_the_report_move_is_not_a_button(client, completed, practitioner):
    client.force_login(practitioner)
    html = client.get(completed.get_absolute_url()).content.decode()
    assert reverse("events:visit_act", args=[completed.pk, "report"]) not in html
    assert "Write the learning report" in html
    response = client.post(reverse("events:visit_act", args=[completed.pk, "report"]))
    assert response.status_code == 404
    completed.refresh_from_db()
    assert completed.state == S.COMPLETED


def test_a_reports_photo_loses_its_exif_and_gps(
    completed, practitioner, settings, tmp_path
):
    """A phone photo says when and where (GPS) it was taken: stored without it,
    turned upright as its EXIF said."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    settings.MEDIA_ROOT = tmp_path
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90°
    exif[0x010F] = "PhoneMaker"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "S", (1.0, 57.0, 0.0)
    gps[3], gps[4] = "E", (30.0, 3.0, 0.0)
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "white").save(buffer, "JPEG", exif=exif)
    assert b"PhoneMaker" in buffer.getvalue()
    upload = SimpleUploadedFile("ward.jpg", buffer.getvalue(), "image/jpeg")
    report = visit_services.report_save(
        visit=completed,
        by=practitioner,
        saw="Their board",
        will_try="A board",
        photos=[(upload, "The triage board")],
    )
    stored = report.photos.get()
    data = stored.image.read()
    assert b"PhoneMaker" not in data and b"Exif" not in data
    with Image.open(io.BytesIO(data)) as image:
        assert not image.getexif()
        assert image.size == (30, 40)  # turned upright
    assert (stored.width, stored.height) == (30, 40)


def _report_with_a_photo(completed, practitioner):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), "white").save(buffer, "JPEG")
    upload = SimpleUploadedFile("ward.jpg", buffer.getvalue(), "image/jpeg")
    return visit_services.report_save(
        visit=completed,
        by=practitioner,
        saw="Their board",
        will_try="A board",
        photos=[(upload, "The triage board")],
    )


@pytest.mark.parametrize("how", ["profile", "browser", "neither"])
def test_with_data_saver_a_reports_photo_waits_for_a_tap_showing_its_size(
    how, client, completed, practitioner, settings, tmp_path
):
    """Data saver (the member's setting, or the browser's ``Save-Data: on``): the
    photo sits in a closed disclosure that says its size, so the browser fetches it
    only when opened; otherwise it shows as before."""
    from django.template.defaultfilters import filesizeformat

    from community.models import Profile

    settings.MEDIA_ROOT = tmp_path
    photo = _report_with_a_photo(completed, practitioner).photos.get()
    if how == "profile":
        Profile.objects.update_or_create(
            user=practitioner, defaults={"save_data": True}
        )
    client.force_login(practitioner)  # the session starts with the choice
    headers = {"HTTP_SAVE_DATA": "on"} if how == "browser" else {}
    html = client.get(
        reverse("events:visit_detail", args=[completed.pk]), **headers
    ).content.decode()
    assert f'src="{photo.image.url}"' in html
    waits = (
        '<details class="tap-to-load"><summary>'
        f"Show photo ({filesizeformat(photo.image.size)})</summary><img"
    )
    assert (waits in html) is (how != "neither")


def test_a_photo_whose_file_is_lost_still_leaves_the_page_readable(
    client, completed, practitioner, settings, tmp_path
):
    """Data saver names each photo's size; a file gone from storage (a restore
    without media, a disk fault) makes it say "Show photo", not fail the page."""
    from community.models import Profile

    settings.MEDIA_ROOT = tmp_path
    photo = _report_with_a_photo(completed, practitioner).photos.get()
    photo.image.storage.delete(photo.image.name)
    Profile.objects.update_or_create(user=practitioner, defaults={"save_data": True})
    client.force_login(practitioner)
    response = client.get(reverse("events:visit_detail", args=[completed.pk]))
    assert response.status_code == 200
    assert "<summary>Show photo</summary>" in response.content.decode()
