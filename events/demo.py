"""Demo events: in each district, past and upcoming collaboratives, facility learning
sessions and webinars; nationally, a webinar live right now (its chat open, with
messages and questions), a past one whose recording is proposed to the library, and
an upcoming public one. Past events have attendance from several facilities.

Idempotent: events are found by organiser and title, registrations are unique, chat
messages carry fixed client ids. The live webinar is moved to "now" only when a later
run finds it no longer live.
"""

from __future__ import annotations

import datetime
import uuid

from django.utils import timezone

from community.demo import COUNTRY_ZONE

from . import services
from .models import Event, EventKind, Question, Registration, Visibility
from .visits import demo as visits_demo

# Sessions are typed in the demo country's zone, the one its members read times in.
ZONE = COUNTRY_ZONE
NAMESPACE = uuid.UUID("2f7c1e0a-9d1b-4c55-8a8e-5e1d0c0e7a11")
LIVE_TITLE = "Stopping postpartum haemorrhage in the first hour"

# district slug -> (the organiser's user key, facilities with sessions, attendees)
DISTRICTS = {
    "northern-hills": (
        "district.lead",
        "hillside-district-hospital",
        # Not safe.poster: that demo member only ever posts anonymously, and
        # organisers see who registered.
        ["practitioner", "qi.member", "facility.lead"],
    ),
    "lakeside": ("lead.lakeside", "lakeside-regional-hospital", ["nurse.lakeside"]),
    "coastal-plains": (
        "national.team",
        "port-amara-general-hospital",
        ["midwife.coastal"],
    ),
}

# (kind, title pattern, days from now, hours long, at the facility?, visibility, tags)
PER_DISTRICT = [
    (
        EventKind.COLLABORATIVE,
        "{district}: quarterly collaborative on waiting times",
        -40,
        4,
        False,
        Visibility.MEMBERS,
        ["waiting times", "labour ward"],
    ),
    (
        EventKind.COLLABORATIVE,
        "{district}: collaborative on respectful maternity care",
        35,
        4,
        False,
        Visibility.ORGANISATION,
        ["respectful care"],
    ),
    (
        EventKind.LEARNING_SESSION,
        "{facility}: what our partograph audit taught us",
        -12,
        2,
        True,
        Visibility.ORGANISATION,
        ["partograph"],
    ),
    (
        EventKind.LEARNING_SESSION,
        "{facility}: newborn resuscitation drill and debrief",
        9,
        2,
        True,
        Visibility.ORGANISATION,
        ["newborn care"],
    ),
    (
        EventKind.WEBINAR,
        "{district} webinar: sharing data at the monthly meeting",
        -20,
        1,
        False,
        Visibility.MEMBERS,
        ["data use"],
    ),
    (
        EventKind.WEBINAR,
        "{district} webinar: referral transport that arrives",
        21,
        1,
        False,
        Visibility.PUBLIC,
        ["referral"],
    ),
]

DESCRIPTIONS = {
    EventKind.COLLABORATIVE: (
        "Facility teams meet to **share what they tried** since the last meeting: "
        "what worked, what did not, and what they will try next. Not a training or "
        "a monitoring session.\n\nBring your run charts."
    ),
    EventKind.LEARNING_SESSION: (
        "An hour for the whole ward: a short look at our own data, then a "
        "conversation about one change to try this month."
    ),
    EventKind.WEBINAR: (
        "Forty minutes of practice from a facility team, then questions. Ask in the "
        "Q&A beside the chat; vote up the questions you want answered."
    ),
}

LIVE_CHAT = [
    ("national.team", "Welcome, everyone! We start with Hillside's PPH kit story."),
    ("practitioner", "Hello from Hillside District Hospital 👋"),
    ("nurse.lakeside", "Good afternoon from Lakeside Regional."),
    ("midwife.coastal", "Do you keep the kit in the delivery room or the store?"),
    ("practitioner", "In the delivery room, sealed, checked every shift."),
]
LIVE_QUESTIONS = [
    ("qi.member", False, "How do you measure blood loss without calibrated drapes?"),
    ("midwife.coastal", True, "What do we do when oxytocin is out of stock at night?"),
    ("nurse.lakeside", False, "Who checks the kit at shift change?"),
]
LIVE_VOTES = {
    0: ["practitioner", "nurse.lakeside"],
    1: ["qi.member", "midwife.coastal", "practitioner"],
}


LIVE_POLL = (
    "Which will your facility try first after this session?",
    [
        "A PPH kit in a sealed box",
        "Measuring blood loss with a drape",
        "A monthly PPH drill",
    ],
    {0: ["qi.member", "facility.lead"], 2: ["midwife.coastal"]},
)


def _find(organiser, title) -> Event | None:
    return Event.objects.filter(organiser=organiser, title=title).first()


def _event(
    *, by, organiser, kind, title, starts_at, hours, visibility, tags, **extra
) -> Event:
    existing = _find(organiser, title)
    if existing is not None:
        return existing
    values = {
        "place": "" if kind == EventKind.WEBINAR else f"{organiser.name}, meeting room",
        "online_url": (
            "https://meet.example.org/lumeria-" + uuid.uuid5(NAMESPACE, title).hex[:8]
            if kind == EventKind.WEBINAR
            else ""
        ),
    }
    values.update(extra)
    return services.event_create(
        by=by,
        organiser=organiser,
        kind=kind,
        title=title,
        description=DESCRIPTIONS[kind],
        starts_at=starts_at,
        ends_at=starts_at + datetime.timedelta(hours=hours),
        timezone=ZONE,
        visibility=visibility,
        tags=tags,
        language="en",
        check_permission=False,
        **values,
    )


def _department_session(context: dict) -> None:
    """The newborn unit's own session, on its department page: the labour ward shows
    it how the handover huddle runs."""
    newborn = (context.get("departments") or {}).get("Newborn unit")
    if newborn is None:
        return
    users = context["users"]
    event = _event(
        by=users["facility.lead"],
        organiser=newborn.facility,
        kind=EventKind.LEARNING_SESSION,
        title="Newborn unit: running the handover huddle",
        starts_at=_at(6, 14),
        hours=1,
        visibility=Visibility.ORGANISATION,
        tags=["newborn care", "teamwork"],
        department=newborn,
    )
    _register(event, [users["qi.member"], users["practitioner"]])


def _register(event: Event, users: list) -> None:
    for user in users:
        if not Registration.objects.filter(event=event, user=user).exists():
            services.registration_create(event=event, user=user, check_permission=False)


def _attend(event: Event, by, users: list) -> None:
    for user in users:
        registration = Registration.objects.filter(event=event, user=user).first()
        if registration is None or not registration.attended:
            services.attendance_mark(event=event, by=by, user=user, attended=True)


def _at(days: int, hour: int) -> datetime.datetime:
    """A round local time (in the demo zone) ``days`` from today."""
    import zoneinfo

    local = timezone.now().astimezone(zoneinfo.ZoneInfo(ZONE))
    day = (local + datetime.timedelta(days=days)).replace(
        hour=hour, minute=0, second=0, microsecond=0
    )
    return day.astimezone(datetime.UTC)


def _live_webinar(users, country) -> Event:
    now = timezone.now().replace(second=0, microsecond=0)
    by = users["national.team"]
    event = _event(
        by=by,
        organiser=country,
        kind=EventKind.WEBINAR,
        title=LIVE_TITLE,
        starts_at=now - datetime.timedelta(minutes=10),
        hours=1,
        visibility=Visibility.MEMBERS,
        tags=["postpartum haemorrhage", "emergency kits"],
        allow_anonymous_questions=True,
        capacity=200,
    )
    if not event.is_live() and not event.is_cancelled:
        # A later `seed_demo`: bring the session back to "now" for a newcomer.
        duration = event.ends_at - event.starts_at
        starts = now - datetime.timedelta(minutes=10)
        event = services.event_update(
            event=event,
            by=by,
            starts_at=starts,
            ends_at=starts + duration,
            notify=False,
        )
    attendees = [
        "practitioner",
        "qi.member",
        "facility.lead",
        "nurse.lakeside",
        "midwife.coastal",
    ]
    _register(event, [users[key] for key in attendees])
    event.refresh_from_db()
    from forums import chat

    for i, (who, body) in enumerate(LIVE_CHAT):
        chat.message_send(
            room=event.room,
            author=users[who],
            body=body,
            client_id=uuid.uuid5(NAMESPACE, f"live-chat-{i}"),
            rate_limited=False,
        )
    questions = []
    for who, anonymous, body in LIVE_QUESTIONS:
        question = Question.objects.filter(event=event, body=body).first()
        if question is None:
            question = services.question_ask(
                event=event, author=users[who], body=body, anonymous=anonymous
            )
        questions.append(question)
    for index, voters in LIVE_VOTES.items():
        question = questions[index]
        for key in voters:
            if not question.votes.filter(user=users[key]).exists():
                services.question_vote_toggle(question=question, user=users[key])
    # A live poll the host started; the demo practitioner has not voted yet.
    from forums.demo import poll_seed

    poll_seed(
        by=by,
        room=event.room,
        question=LIVE_POLL[0],
        choices=LIVE_POLL[1],
        votes={i: [users[key] for key in keys] for i, keys in LIVE_POLL[2].items()},
    )
    return event


def _national(users, country) -> None:
    by = users["national.team"]
    past = _event(
        by=by,
        organiser=country,
        kind=EventKind.WEBINAR,
        title="Kangaroo mother care: starting in the first hour",
        starts_at=_at(-30, 14),
        hours=1,
        visibility=Visibility.PUBLIC,
        tags=["newborn care", "kangaroo mother care"],
    )
    _register(past, [users[k] for k in ("practitioner", "nurse.lakeside", "qi.member")])
    _attend(past, by, [users["practitioner"], users["nurse.lakeside"]])
    if not past.recording_url:
        past = services.event_set_materials(
            event=past,
            by=by,
            recording_url="https://video.example.org/lumeria/kmc-first-hour",
            slides_url="https://slides.example.org/lumeria/kmc-first-hour",
        )
    if past.library_page_id is None and services.library_available():
        services.event_propose_to_library(event=past, by=by)
    upcoming = _event(
        by=by,
        organiser=country,
        kind=EventKind.WEBINAR,
        title="National webinar: learning from maternal death reviews without blame",
        starts_at=_at(14, 14),
        hours=1,
        visibility=Visibility.PUBLIC,
        tags=["maternal death review"],
        capacity=100,
        allow_anonymous_questions=True,
    )
    _register(upcoming, [users["practitioner"], users["facility.lead"]])


def seed(context: dict) -> None:
    users = context["users"]
    orgs = context["organisations"]
    country = context["country"]
    for slug, (lead_key, facility_slug, attendee_keys) in DISTRICTS.items():
        district = orgs[slug]
        facility = orgs[facility_slug]
        by = users[lead_key]
        attendees = [users[key] for key in attendee_keys]
        for index, (
            kind,
            pattern,
            days,
            hours,
            at_facility,
            visibility,
            tags,
        ) in enumerate(PER_DISTRICT):
            organiser = facility if at_facility else district
            title = pattern.format(district=district.name, facility=facility.name)
            event = _event(
                by=by,
                organiser=organiser,
                kind=kind,
                title=title,
                starts_at=_at(days, 9 + index),
                hours=hours,
                visibility=visibility,
                tags=tags,
                capacity=40 if kind == EventKind.COLLABORATIVE else None,
            )
            _register(event, attendees)
            if days < 0:
                # Several facilities came: attendance counts per facility.
                _attend(event, by, attendees)
    _department_session(context)
    _national(users, country)
    _live_webinar(users, country)
    context["events_live_webinar"] = _find(country, LIVE_TITLE)
    visits_demo.seed(context)
