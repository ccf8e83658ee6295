"""Every write to events goes through these functions.

Each validates, writes inside one transaction, then queues its side effects (reminder
tasks, emails, realtime frames) to run only once the transaction has committed.
Registration locks the event row (``select_for_update``) so that simultaneous sign-ups
never overbook it, on PostgreSQL as on SQLite.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from community import permissions as community
from community import zones
from community.models import Level, Organisation
from community.realtime import broadcast_on_commit, group_name
from community.text import render

from . import permissions
from .conf import setting
from .models import (
    CalendarToken,
    Event,
    EventKind,
    EventStatus,
    Question,
    QuestionVote,
    Registration,
    RegistrationStatus,
    Visibility,
)

# Changes that calendars must see (iCal SEQUENCE) and that move the reminders.
CALENDAR_FIELDS = frozenset(
    {
        "title",
        "description",
        "starts_at",
        "ends_at",
        "timezone",
        "place",
        "online_url",
        "status",
    }
)
# Changes registered people are told about by email.
NOTIFIED_FIELDS = frozenset({"starts_at", "ends_at", "place", "online_url"})
EDITABLE_FIELDS = CALENDAR_FIELDS | {
    "department",
    "capacity",
    "visibility",
    "language",
    "allow_anonymous_questions",
    "recording_url",
    "slides_url",
    "slides_document",
}


def _lock(event: Event) -> Event:
    """The event row, locked until the transaction ends (a no-op lock on SQLite,
    where writers are serialised anyway). The caller's copy forgets what it cached
    about registrations."""
    event.__dict__.pop("_registration_cache", None)
    return Event.objects.select_for_update().get(pk=event.pk)


# --- Events -------------------------------------------------------------------------


def _chat_window(event: Event) -> tuple[datetime.datetime, datetime.datetime]:
    opens = event.starts_at - datetime.timedelta(
        minutes=setting("JOIN_OPENS_MINUTES_BEFORE")
    )
    closes = event.ends_at + datetime.timedelta(
        minutes=setting("CHAT_CLOSES_MINUTES_AFTER")
    )
    return opens, closes


def _sync_room(event: Event) -> None:
    """A webinar has a chat room of the one chat system, open from 30 minutes before
    the start to 30 minutes after the end; a cancelled webinar's room is closed."""
    if event.kind != EventKind.WEBINAR:
        return
    from forums import chat
    from forums.models import RoomKind

    opens, closes = _chat_window(event)
    if event.is_cancelled:
        closes = min(closes, timezone.now())
        opens = min(opens, closes)
    if event.room_id is None:
        event.room = chat.room_create(
            kind=RoomKind.EVENT,
            title=event.title[:200],
            opens_at=opens,
            closes_at=closes,
            allow_anonymous=False,
        )
        Event.objects.filter(pk=event.pk).update(room=event.room)
        return
    room = event.room
    if room.title != event.title[:200]:
        room.title = event.title[:200]
        room.save(update_fields=["title"])
    if (room.opens_at, room.closes_at) != (opens, closes):
        chat.room_set_window(room=room, opens_at=opens, closes_at=closes)


@transaction.atomic
def event_create(
    *,
    by,
    organiser: Organisation,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    timezone: str = "",  # noqa: A002  (the IANA zone name; empty: the organiser's)
    description: str = "",
    place: str = "",
    online_url: str = "",
    capacity: int | None = None,
    visibility: str = Visibility.MEMBERS,
    tags: Iterable[str] = (),
    language: str = "",
    allow_anonymous_questions: bool = False,
    check_permission: bool = True,
    department=None,
) -> Event:
    """Schedule an event. Nobody approves it: the capability map decides who may.

    ``check_permission=False`` is for flows that checked their own rules first (an
    exchange visit confirmed by its host).
    """
    if check_permission:
        permissions.check_create(by, organiser, kind)
    event = Event(
        kind=kind,
        organiser=organiser,
        department=department,
        title=title,
        description=description,
        description_html=render(description) if description else "",
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=timezone or str(zones.organisation_zone(organiser)),
        place=place,
        online_url=online_url,
        capacity=capacity,
        visibility=visibility,
        language=language,
        allow_anonymous_questions=allow_anonymous_questions,
        created_by=by if getattr(by, "is_authenticated", False) else None,
    )
    _validate(event)
    event.save()
    tags = [t for t in tags if t]
    if tags:
        event.tags.set(tags)
    _sync_room(event)
    return event


def _validate(event: Event) -> None:
    errors: dict[str, list[str]] = {}
    if event.department_id and event.department.facility_id != event.organiser_id:
        errors.setdefault("department", []).append(
            _("Choose a department of the organising facility.")
        )
    if event.starts_at and event.ends_at and event.ends_at <= event.starts_at:
        errors.setdefault("ends_at", []).append(_("The end must be after the start."))
    if event.kind == EventKind.WEBINAR and not event.online_url:
        errors.setdefault("online_url", []).append(_("A webinar needs a join link."))
    if not event.place and not event.online_url:
        errors.setdefault("place", []).append(
            _("Give a place, an online join link, or both.")
        )
    if event.capacity == 0:
        errors.setdefault("capacity", []).append(
            _("Leave the capacity empty for no limit.")
        )
    try:
        event.full_clean(exclude=["uid", "room", "library_page", "slides_document"])
    except ValidationError as error:
        for field, messages in error.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def event_update(
    *,
    event: Event,
    by,
    tags: Iterable[str] | None = None,
    notify: bool = True,
    **changes,
):
    """Edit an event. Changes calendars must see bump ``sequence``; a new start time
    moves the chat window and the reminders (old reminders find a different start
    time when they run, and send nothing). A new time or place is emailed to those
    registered unless ``notify=False`` (the demo seed)."""
    permissions.check_edit(by, event)
    unknown = set(changes) - EDITABLE_FIELDS
    if unknown:
        raise TypeError(f"not editable: {sorted(unknown)}")
    event = _lock(event)
    changed = {name for name, value in changes.items() if getattr(event, name) != value}
    for name in changed:
        setattr(event, name, changes[name])
    if "description" in changed:
        event.description_html = render(event.description) if event.description else ""
    _validate(event)
    if changed & CALENDAR_FIELDS:
        event.sequence = F("sequence") + 1
    event.save()
    event.refresh_from_db()
    if tags is not None:
        event.tags.set([t for t in tags if t])
    _sync_room(event)
    if changed & {"starts_at", "ends_at"}:
        capacity_fill(event=event)
        for registration in event.registrations.filter(
            status=RegistrationStatus.REGISTERED
        ):
            _schedule_reminders(registration, event)
    if "capacity" in changed:
        capacity_fill(event=event)
    if (
        notify
        and changed & NOTIFIED_FIELDS
        and not event.is_cancelled
        and not event.has_ended()
    ):
        _notify_change(event)
    return event


def _notify_change(event: Event) -> None:
    """Tell registered people (and those waiting) that the time or place moved."""
    from . import tasks

    user_ids = list(
        event.registrations.exclude(status=RegistrationStatus.CANCELLED).values_list(
            "user_id", flat=True
        )
    )
    transaction.on_commit(
        lambda: [tasks.send_change.enqueue(event.pk, uid) for uid in user_ids]
    )


@transaction.atomic
def event_cancel(*, event: Event, by) -> Event:
    """Cancel: calendars get STATUS:CANCELLED (a new SEQUENCE), the chat closes,
    reminders find the event cancelled and send nothing, registrants are told."""
    permissions.check_edit(by, event)
    event = _lock(event)
    if event.is_cancelled:
        return event
    event.status = EventStatus.CANCELLED
    event.sequence = F("sequence") + 1
    event.save(update_fields=["status", "sequence", "updated"])
    event.refresh_from_db()
    _sync_room(event)
    from . import tasks

    user_ids = list(
        event.registrations.exclude(status=RegistrationStatus.CANCELLED).values_list(
            "user_id", flat=True
        )
    )
    transaction.on_commit(
        lambda: [tasks.send_cancellation.enqueue(event.pk, uid) for uid in user_ids]
    )
    return event


@transaction.atomic
def event_set_materials(
    *, event: Event, by, recording_url: str = "", slides_url: str = ""
) -> Event:
    """Add the recording and slides after the event (no new SEQUENCE: calendars do
    not care)."""
    return event_update(
        event=event, by=by, recording_url=recording_url, slides_url=slides_url
    )


# --- Registration -------------------------------------------------------------------


def home_facility(user) -> Organisation | None:
    """The facility the user works at (the first facility membership), if any."""
    for organisation in community.home_organisations(user):
        if organisation.level == Level.FACILITY:
            return organisation
    return None


def _registered_count(event: Event) -> int:
    return event.registrations.filter(status=RegistrationStatus.REGISTERED).count()


def _has_room(event: Event) -> bool:
    return event.capacity is None or _registered_count(event) < event.capacity


def _next_position(event: Event) -> int:
    highest = event.registrations.aggregate(m=Max("position"))["m"]
    return (highest or 0) + 1


@transaction.atomic
def registration_create(
    *,
    event: Event,
    user,
    facility: Organisation | None = None,
    check_permission: bool = True,
) -> Registration:
    """Register ``user``, or put them on the waiting list when the event is full.

    The event row is locked first, so two people taking the last place at the same
    moment are served one after the other: one gets it, the other waits.
    """
    event = _lock(event)
    if check_permission:
        permissions.check_register(user, event)
    registration = Registration.objects.filter(event=event, user=user).first()
    if registration is not None and registration.status != (
        RegistrationStatus.CANCELLED
    ):
        return registration
    if facility is None:
        facility = home_facility(user)
    if registration is None:
        registration = Registration(event=event, user=user)
    registration.facility = facility
    if _has_room(event):
        registration.status = RegistrationStatus.REGISTERED
        registration.position = None
    else:
        registration.status = RegistrationStatus.WAITLISTED
        registration.position = _next_position(event)
    registration.attended = False
    registration.save()
    if registration.is_registered:
        _schedule_reminders(registration, event)
    return registration


@transaction.atomic
def registration_cancel(*, event: Event, user) -> Registration | None:
    """Give up a place (or leave the waiting list); the first person waiting moves
    up automatically and is told."""
    event = _lock(event)
    registration = Registration.objects.filter(event=event, user=user).first()
    if registration is None or registration.status == RegistrationStatus.CANCELLED:
        return registration
    registration.status = RegistrationStatus.CANCELLED
    registration.position = None
    registration.save(update_fields=["status", "position", "updated"])
    capacity_fill(event=event)
    return registration


def capacity_fill(*, event: Event) -> list[Registration]:
    """Promote people from the waiting list while there is room (after a
    cancellation or a larger capacity). Call inside a transaction holding the lock."""
    promoted: list[Registration] = []
    if event.is_cancelled or event.has_ended():
        return promoted
    waiting = list(
        event.registrations.filter(status=RegistrationStatus.WAITLISTED).order_by(
            "position", "pk"
        )
    )
    free = None
    if event.capacity is not None:
        free = event.capacity - _registered_count(event)
    for registration in waiting:
        if free is not None and free <= 0:
            break
        registration.status = RegistrationStatus.REGISTERED
        registration.position = None
        registration.save(update_fields=["status", "position", "updated"])
        _schedule_reminders(registration, event)
        promoted.append(registration)
        if free is not None:
            free -= 1
    if promoted:
        from . import tasks

        ids = [r.pk for r in promoted]
        transaction.on_commit(lambda: [tasks.send_promotion.enqueue(pk) for pk in ids])
    return promoted


@transaction.atomic
def attendance_mark(*, event: Event, by, user, attended: bool) -> Registration:
    """The organiser records who came. Attendance counts per facility (cadence); per
    person it is shown only to the organiser side. Someone who came without
    registering gets a registration marked attended."""
    permissions.check_edit(by, event)
    event.__dict__.pop("_registration_cache", None)
    registration = Registration.objects.filter(event=event, user=user).first()
    if registration is None:
        if not attended:
            raise ValidationError(_("This person is not registered."))
        registration = Registration.objects.create(
            event=event,
            user=user,
            facility=home_facility(user),
            status=RegistrationStatus.REGISTERED,
        )
    registration.attended = attended
    registration.save(update_fields=["attended", "updated"])
    return registration


# --- Reminders ----------------------------------------------------------------------


def reminder_times(event: Event) -> list[tuple[int, datetime.datetime]]:
    """(minutes before, when) for each configured reminder."""
    return [
        (minutes, event.starts_at - datetime.timedelta(minutes=minutes))
        for minutes in setting("REMINDERS")
    ]


def _schedule_reminders(registration: Registration, event: Event) -> None:
    """Queue the 24-hour and 1-hour reminders for the event's current start time.

    On a backend that cannot defer (the in-process one used in development), nothing
    is queued: ``manage.py events_send_reminders`` sends whatever is due.
    """
    from django_tasks import default_task_backend

    from . import tasks

    if not default_task_backend.supports_defer:
        return
    now = timezone.now()
    starts = event.starts_at.isoformat()
    for minutes, when in reminder_times(event):
        if when <= now:
            continue
        pk = registration.pk

        def enqueue(when=when, minutes=minutes, pk=pk):
            tasks.send_reminder.using(run_after=when).enqueue(pk, minutes, starts)

        transaction.on_commit(enqueue)


# --- Webinar questions --------------------------------------------------------------


def _qa_changed(event: Event) -> None:
    if event.room_id:
        broadcast_on_commit(group_name("room", event.room_id), {"type": "qa.changed"})


def _check_may_ask(author, *, event: Event, anonymous: bool) -> None:
    """Sanctions from the moderation app reach the Q&A as they reach the chat beside
    it: a suspended or muted member does not ask. They come back as ValidationError,
    so the form is shown again with the question typed."""
    from moderation import permissions as moderation_permissions

    try:
        moderation_permissions.check_can_chat(author, anonymous=anonymous, area=event)
    except PermissionDenied as denied:
        raise ValidationError({"body": str(denied)}) from None


@transaction.atomic
def question_ask(*, event: Event, author, body: str, anonymous: bool = False):
    """Ask a question. The content policy may hold it for a moderator (e.g. it looks
    like a patient's record number): it is then stored hidden, and the author told."""
    permissions.check_ask(author, event)
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write your question.")})
    if anonymous and not event.allow_anonymous_questions:
        raise ValidationError(
            {"anonymous": _("This event does not take anonymous questions.")}
        )
    _check_may_ask(author, event=event, anonymous=anonymous)
    question = Question(
        event=event,
        author=author,
        anonymous=anonymous,
        body=body,
        body_html=render(body),
    )
    question.full_clean()
    question.save()
    from moderation import services as moderation_services

    held = moderation_services.content_screen(
        content=question, author=author, text=body
    )
    if held is None:  # when held, hiding it already told the pages
        _qa_changed(event)
    return question


@transaction.atomic
def question_vote_toggle(*, question: Question, user) -> bool:
    """One vote a person: voting again takes the vote back. Returns whether the user
    now votes for it."""
    permissions.check_ask(user, question.event)
    deleted, _detail = QuestionVote.objects.filter(
        question=question, user=user
    ).delete()
    if deleted:
        Question.objects.filter(pk=question.pk).update(vote_count=F("vote_count") - 1)
        voted = False
    else:
        QuestionVote.objects.create(question=question, user=user)
        Question.objects.filter(pk=question.pk).update(vote_count=F("vote_count") + 1)
        voted = True
    question.refresh_from_db(fields=["vote_count"])
    _qa_changed(question.event)
    return voted


@transaction.atomic
def question_mark_answered(*, question: Question, by, answered: bool = True):
    permissions.check_host(by, question.event)
    question.answered_at = timezone.now() if answered else None
    question.save(update_fields=["answered_at"])
    _qa_changed(question.event)
    return question


def is_held_for_review(question: Question) -> bool:
    """Hidden by the moderation app until a moderator decides (flagged past the
    threshold, or held by the content policy)."""
    from moderation.models import CaseStatus
    from moderation.services import open_case

    case = open_case(question)
    return case is not None and case.status == CaseStatus.HELD


@transaction.atomic
def question_set_hidden(*, question: Question, by, hidden: bool):
    """The hosts' quick hide and show. A question the moderators hold stays hidden
    until they decide: a host cannot show it past them."""
    if not permissions.can_moderate_room(by, question.event):
        raise PermissionDenied(_("Only the hosts hide questions."))
    if not hidden and question.hidden and is_held_for_review(question):
        raise ValidationError(
            _(
                "The moderators are reviewing this question: it comes back if they "
                "keep it."
            )
        )
    question.hidden = hidden
    question.save(update_fields=["hidden"])
    _qa_changed(question.event)
    return question


@transaction.atomic
def question_moderation_set_hidden(*, question: Question, hidden: bool) -> Question:
    """For the moderation app, which checks who may hide and keeps the audit row.
    Pages with the Q&A open refresh it live."""
    question.hidden = hidden
    question.save(update_fields=["hidden"])
    _qa_changed(question.event)
    return question


@transaction.atomic
def question_moderation_edit(*, question: Question, body: str) -> Question:
    """A moderator's edit (the moderation app checked and audits it)."""
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write your question.")})
    question.body = body
    question.body_html = render(body)
    question.full_clean()
    question.save(update_fields=["body", "body_html"])
    _qa_changed(question.event)
    return question


# --- Personal calendar feed ---------------------------------------------------------


@transaction.atomic
def calendar_token_regenerate(*, user) -> CalendarToken:
    """A new secret address; the old one stops working at once."""
    CalendarToken.objects.filter(user=user).delete()
    return CalendarToken.objects.create(user=user)


@transaction.atomic
def calendar_token_revoke(*, user) -> None:
    CalendarToken.objects.filter(user=user).delete()


# --- Recording and slides to the library --------------------------------------------


def _library_models():
    """The library's resource and index page models, found through the app registry
    (no import of the library): ``None`` when the library is not installed."""
    from django.apps import apps

    try:
        resource = apps.get_model(setting("LIBRARY_RESOURCE_MODEL"))
        index = apps.get_model(resource._meta.app_label, "LibraryIndexPage")
    except (LookupError, ValueError):
        return None, None
    return resource, index


def library_available() -> bool:
    resource, index = _library_models()
    return resource is not None and index.objects.exists()


@transaction.atomic
def event_propose_to_library(*, event: Event, by):
    """One click for the organiser: the recording and slides become a draft library
    resource that editors review and publish (through the library's own workflow).
    The event links to it once it is live."""
    permissions.check_edit(by, event)
    if not (event.recording_url or event.slides_url or event.slides_document_id):
        raise ValidationError(_("Add the recording or the slides first."))
    if event.library_page_id is not None:
        return event.library_page
    resource, index_model = _library_models()
    index = index_model.objects.first() if index_model is not None else None
    if index is None:
        raise ValidationError(_("There is no library to propose it to."))
    summary = _("Recording and slides of the %(kind)s “%(title)s” (%(date)s).") % {
        "kind": event.get_kind_display().lower(),
        "title": event.title,
        "date": event.starts_at.date().isoformat(),
    }
    page = resource(title=event.title[:255], summary=summary[:500], live=False)
    if by is not None and getattr(by, "is_authenticated", False):
        page.owner = by
    links_model = resource._meta.get_field("links").related_model
    links = []
    if event.recording_url:
        links.append(links_model(url=event.recording_url, title=_("Recording")))
    if event.slides_url:
        links.append(links_model(url=event.slides_url, title=_("Slides")))
    page.links = links
    tags = [t.name for t in event.tags.all()]
    if tags:
        page.tags.set(tags)
    index.add_child(instance=page)
    page.save_revision(user=by, log_action=True)
    workflow = page.get_workflow()
    if workflow is not None:
        workflow.start(page, by)
    Event.objects.filter(pk=event.pk).update(library_page=page)
    event.library_page = page
    return page
