"""Who may see, schedule, register for and host events.

Every answer comes from the capability map (``community.permissions``): a district lead
or coach schedules for their district and its facilities, a facility lead for their
facility, the national team and national editors for the country. Nobody approves.
Each ``can_x`` has a ``check_x`` that raises ``PermissionDenied`` with a message.
"""

from __future__ import annotations

import datetime

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from community import permissions as community
from community.models import Level, Organisation

from .conf import setting
from .models import (
    Event,
    EventKind,
    Question,
    Registration,
    RegistrationStatus,
    Visibility,
)

# Which level of organisation organises which kind. Exchange visits are scheduled by
# district leads and coaches (for their district's facilities) or the national team.
KIND_LEVELS: dict[str, frozenset[str]] = {
    EventKind.WEBINAR: frozenset({Level.COUNTRY, Level.DISTRICT}),
    EventKind.COLLABORATIVE: frozenset({Level.DISTRICT}),
    EventKind.LEARNING_SESSION: frozenset({Level.FACILITY}),
    EventKind.EXCHANGE_VISIT: frozenset({Level.DISTRICT, Level.FACILITY}),
}


# --- Seeing -------------------------------------------------------------------------


def _member_lineage_ids(user) -> set[int]:
    """Organisations the user belongs to, and everything above them."""
    ids: set[int] = set()
    for org in community.home_organisations(user):
        ids.update(org.lineage_ids)
    return ids


def visible_events_filter(user) -> Q:
    """The rule of :meth:`Event.objects.visible_to` as a ``Q``.

    Public events are seen by everyone, members' events by signed-in members,
    organisation events by members of the organiser's subtree, by whoever schedules
    for the organiser, by moderators (they moderate the chat), and by people
    registered for it (e.g. the host team of an exchange visit).
    """
    if community.is_active_superuser(user):
        return Q()
    rule = Q(visibility=Visibility.PUBLIC)
    if not community.can_participate(user):
        return rule
    if community.has_capability(user, community.Cap.MODERATE, None):
        return Q()
    rule |= Q(visibility=Visibility.MEMBERS)
    rule |= Q(organiser_id__in=_member_lineage_ids(user))
    schedulers = community.organisations_with(user, community.Cap.SCHEDULE_EVENTS)
    if schedulers:
        roots = [org.pk for org in schedulers]
        rule |= (
            Q(organiser_id__in=roots)
            | Q(organiser__parent_id__in=roots)
            | Q(organiser__parent__parent_id__in=roots)
        )
    rule |= Q(
        pk__in=Registration.objects.filter(user=user)
        .exclude(status=RegistrationStatus.CANCELLED)
        .values("event_id")
    )
    return rule


def can_view(user, event: Event) -> bool:
    if event.visibility == Visibility.PUBLIC or community.is_active_superuser(user):
        return True
    if not community.can_participate(user):
        return False
    if event.visibility == Visibility.MEMBERS:
        return True
    if community.has_capability(user, community.Cap.MODERATE, None):
        return True
    if event.organiser_id in _member_lineage_ids(user) or can_edit(user, event):
        return True
    return is_registered(user, event, include_waitlist=True)


def check_view(user, event: Event) -> None:
    if not can_view(user, event):
        raise PermissionDenied(_("This event is not open to you."))


# --- Scheduling ---------------------------------------------------------------------


def can_create(user, organiser: Organisation, kind: str | None = None) -> bool:
    """May ``user`` schedule an event (of ``kind``) organised by ``organiser``?"""
    if not community.can_schedule_events(user, organiser):
        return False
    return kind is None or organiser.level in KIND_LEVELS.get(kind, frozenset())


def check_create(user, organiser: Organisation, kind: str | None = None) -> None:
    if not community.can_schedule_events(user, organiser):
        raise PermissionDenied(
            _("You cannot schedule events for %(organisation)s.")
            % {"organisation": organiser}
        )
    if kind is not None and not can_create(user, organiser, kind):
        raise PermissionDenied(
            _("%(organisation)s cannot organise this kind of event.")
            % {"organisation": organiser}
        )


def organisers_for(user, kind: str | None = None):
    """The organisations the user may schedule for (for the form's choices)."""
    qs = community.organisations_where(user, community.Cap.SCHEDULE_EVENTS)
    if kind is not None:
        qs = qs.filter(level__in=KIND_LEVELS.get(kind, frozenset()))
    return qs.select_related("parent__parent").order_by("level", "name")


def kinds_for(user, organisers=None) -> list[str]:
    """The kinds of event the user may schedule: those ``can_create`` allows for at
    least one organisation they schedule for. The form offers these and no others, so
    it never offers what it would then refuse."""
    if organisers is None:
        organisers = organisers_for(user)
    organisers = list(organisers)
    return [
        kind
        for kind in EventKind.values
        if any(can_create(user, organiser, kind) for organiser in organisers)
    ]


def can_schedule_anything(user) -> bool:
    return community.has_capability(user, community.Cap.SCHEDULE_EVENTS, None)


def can_edit(user, event: Event) -> bool:
    """The organiser side: whoever schedules for the organiser may edit, cancel, mark
    attendance, host the Q&A and propose the recording to the library."""
    return community.can_schedule_events(user, event.organiser)


def check_edit(user, event: Event) -> None:
    if not can_edit(user, event):
        raise PermissionDenied(_("Only the organisers can change this event."))


can_host = can_edit
check_host = check_edit


def can_see_attendance(user, event: Event) -> bool:
    """Per-person attendance is for the organiser side only, never anyone else."""
    return can_edit(user, event)


# --- Registering --------------------------------------------------------------------


def registration_of(user, event: Event) -> Registration | None:
    if not community.can_participate(user):
        return None
    cache = getattr(event, "_registration_cache", {})
    if user.pk not in cache:
        cache[user.pk] = Registration.objects.filter(event=event, user=user).first()
        event._registration_cache = cache
    return cache[user.pk]


def is_registered(user, event: Event, *, include_waitlist: bool = False) -> bool:
    registration = registration_of(user, event)
    if registration is None:
        return False
    if registration.status == RegistrationStatus.REGISTERED:
        return True
    return include_waitlist and registration.status == RegistrationStatus.WAITLISTED


def can_register(user, event: Event, now: datetime.datetime | None = None) -> bool:
    return (
        community.can_participate(user)
        and can_view(user, event)
        and not event.is_cancelled
        and not event.has_ended(now)
    )


def check_register(user, event: Event, now: datetime.datetime | None = None) -> None:
    if not community.can_participate(user):
        raise PermissionDenied(_("Sign in to register."))
    check_view(user, event)
    if event.is_cancelled:
        raise PermissionDenied(_("This event is cancelled."))
    if event.has_ended(now):
        raise PermissionDenied(_("This event is over."))


def join_window(event: Event) -> tuple[datetime.datetime, datetime.datetime]:
    before = datetime.timedelta(minutes=setting("JOIN_OPENS_MINUTES_BEFORE"))
    return event.starts_at - before, event.ends_at


def can_join(user, event: Event, now: datetime.datetime | None = None) -> bool:
    """The join link: registered people from 30 minutes before the start until the
    end; the organisers (who host it) from now until the end, to check the link and
    open the call early. Never for a cancelled event."""
    if event.is_cancelled or not event.online_url:
        return False
    now = now or timezone.now()
    opens, closes = join_window(event)
    if now >= closes:
        return False
    if can_host(user, event):
        return True
    return opens <= now and is_registered(user, event)


# --- Webinar Q&A --------------------------------------------------------------------


def can_ask(user, event: Event, now: datetime.datetime | None = None) -> bool:
    """Registered participants (and hosts) ask and vote while the room is open."""
    if event.kind != EventKind.WEBINAR or event.is_cancelled:
        return False
    if not community.can_participate(user):
        return False
    if not (is_registered(user, event) or can_host(user, event)):
        return False
    room = event.room
    return room is None or room.is_open(now)


def check_ask(user, event: Event) -> None:
    if not can_ask(user, event):
        raise PermissionDenied(_("Questions are open to registered participants."))


def can_moderate_room(user, event: Event) -> bool:
    if can_host(user, event):
        return True
    return community.can_moderate_in(user, event.organiser, safe_space=False)


def can_view_question(user, question: Question) -> bool:
    """Whoever reads the webinar's room (its registered people, its hosts and the
    moderators) sees its questions; a hidden one only those who moderate the room."""
    from forums import chat

    event = question.event
    if event.room_id is None or not chat.can_view_room(user, event.room):
        return False
    return not question.hidden or can_moderate_room(user, event)
