"""Event emails through django-tasks: run by ``manage.py db_worker`` in production,
immediately in development and tests.

A reminder is queued for a start time (``run_after`` = 24 h and 1 h before). When it
runs it checks the event again: cancelled, moved, or the person no longer registered
means nothing is sent; a reminder already sent for this start time is not sent twice.
"""

from __future__ import annotations

import datetime
import zoneinfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from community import zones
from community.languages import member_language

from .conf import absolute, setting
from .models import Event, EventStatus, Registration, RegistrationStatus

REMINDER_FIELDS = {24 * 60: "reminded_24h_for", 60: "reminded_1h_for"}


def member_zone(user) -> zoneinfo.ZoneInfo:
    """The recipient's zone, by the site's one rule (``community.zones``)."""
    return zones.reader_zone(user)


def _send(*, user, subject: str, template: str, context: dict) -> None:
    """Render in the recipient's language and time zone, with a plain-text part."""
    with (
        translation.override(member_language(user)),
        timezone.override(member_zone(user)),
    ):
        context = {
            **context,
            "recipient": user,
            "zone_name": str(member_zone(user)),
            "subject": subject,
        }
        text = render_to_string(f"events/email/{template}.txt", context)
        html = render_to_string(f"events/email/{template}.html", context)
        message = EmailMultiAlternatives(
            subject=" ".join(str(subject).split()),
            body=text,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
            headers={"Auto-Submitted": "auto-generated"},
        )
        message.attach_alternative(html, "text/html")
        message.send()


def _event_context(event: Event) -> dict:
    return {
        "event": event,
        "url": absolute(event.get_absolute_url()),
        "calendar_url": absolute(f"{event.get_absolute_url()}calendar.ics"),
    }


def _subject(which: int, event: Event) -> str:
    if which >= 24 * 60:
        return _("Tomorrow: %(title)s") % {"title": event.title}
    return _("Starting soon: %(title)s") % {"title": event.title}


def send_reminder_now(registration: Registration, which: int, starts_at: str) -> bool:
    """Send one reminder if it still applies. Returns whether an email went out."""
    field = REMINDER_FIELDS.get(which, f"reminded_{which}m_for")
    if not hasattr(registration, field):
        field = "reminded_1h_for" if which < 24 * 60 else "reminded_24h_for"
    with transaction.atomic():
        registration = (
            Registration.objects.select_for_update(of=("self",))
            .select_related("event", "user__profile")
            .get(pk=registration.pk)
        )
        event = registration.event
        user = registration.user
        expected = datetime.datetime.fromisoformat(starts_at)
        if (
            event.status != EventStatus.SCHEDULED
            or event.starts_at != expected
            or registration.status != RegistrationStatus.REGISTERED
            or getattr(registration, field) == event.starts_at
            or timezone.now() >= event.starts_at
            or not user.is_active
            or not user.email
        ):
            return False
        with translation.override(member_language(user)):
            subject = _subject(which, event)
        _send(
            user=user,
            subject=subject,
            template="reminder",
            context={**_event_context(event), "which": which},
        )
        setattr(registration, field, event.starts_at)
        registration.save(update_fields=[field])
        if which < 24 * 60:  # the last reminder: on the phone too, if asked for
            from community import push as phone

            from .push import KIND

            phone.notify(user_id=user.pk, kind=KIND, ref=registration.pk)
    return True


@task()
def send_reminder(registration_id: int, which: int, starts_at: str) -> bool:
    registration = Registration.objects.filter(pk=registration_id).first()
    if registration is None:
        return False
    return send_reminder_now(registration, which, starts_at)


def send_due_reminders(now: datetime.datetime | None = None) -> int:
    """Send every reminder that is due and not yet sent (for a worker or backend that
    cannot defer tasks, and as a safety net): ``manage.py events_send_reminders``."""
    now = now or timezone.now()
    sent = 0
    longest = max(setting("REMINDERS"))
    registrations = Registration.objects.filter(
        status=RegistrationStatus.REGISTERED,
        event__status=EventStatus.SCHEDULED,
        event__starts_at__gt=now,
        event__starts_at__lte=now + datetime.timedelta(minutes=longest),
    ).select_related("event")
    for registration in registrations:
        event = registration.event
        # Only the nearest reminder that is due: nobody gets "tomorrow" an hour before.
        due = [
            m
            for m in sorted(setting("REMINDERS"))
            if event.starts_at - datetime.timedelta(minutes=m) <= now
        ]
        if due and send_reminder_now(registration, due[0], event.starts_at.isoformat()):
            sent += 1
    return sent


@task()
def send_reminders() -> int:
    return send_due_reminders()


@task()
def send_cancellation(event_id: int, user_id: int) -> bool:
    registration = (
        Registration.objects.select_related("event", "user__profile")
        .filter(event_id=event_id, user_id=user_id)
        .first()
    )
    if registration is None or not registration.user.email:
        return False
    event = registration.event
    user = registration.user
    with translation.override(member_language(user)):
        subject = _("Cancelled: %(title)s") % {"title": event.title}
    _send(
        user=user, subject=subject, template="cancelled", context=_event_context(event)
    )
    return True


@task()
def send_promotion(registration_id: int) -> bool:
    registration = (
        Registration.objects.select_related("event", "user__profile")
        .filter(pk=registration_id, status=RegistrationStatus.REGISTERED)
        .first()
    )
    if registration is None or not registration.user.email:
        return False
    event = registration.event
    user = registration.user
    with translation.override(member_language(user)):
        subject = _("A place opened for you: %(title)s") % {"title": event.title}
    _send(
        user=user, subject=subject, template="promoted", context=_event_context(event)
    )
    return True


@task()
def send_change(event_id: int, user_id: int) -> bool:
    registration = (
        Registration.objects.select_related("event__organiser", "user__profile")
        .filter(event_id=event_id, user_id=user_id)
        .exclude(status=RegistrationStatus.CANCELLED)
        .first()
    )
    if registration is None or not registration.user.email:
        return False
    event = registration.event
    if event.status != EventStatus.SCHEDULED:
        return False
    user = registration.user
    with translation.override(member_language(user)):
        subject = _("Changed: %(title)s") % {"title": event.title}
    _send(user=user, subject=subject, template="changed", context=_event_context(event))
    return True
