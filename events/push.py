"""An event a member registered for is about to start: said on their phone
(``community.push``) an hour before, with its title and its time in their zone."""

from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from community import zones

from .models import EventStatus, Registration, RegistrationStatus

KIND = "event_starting"


def describe(registration_id: int, user) -> dict | None:
    registration = (
        Registration.objects.select_related("event")
        .filter(pk=registration_id, user=user, status=RegistrationStatus.REGISTERED)
        .first()
    )
    if registration is None:
        return None
    event = registration.event
    if event.status != EventStatus.SCHEDULED or event.starts_at <= timezone.now():
        return None
    starts = formats.time_format(event.starts_at.astimezone(zones.reader_zone(user)))
    return {
        "title": _("Starting at %(time)s") % {"time": starts},
        "body": event.title,
        "url": event.get_absolute_url(),
    }


def register() -> None:
    from community import push

    push.register(KIND, gettext_lazy("an event I registered for is starting"), describe)
