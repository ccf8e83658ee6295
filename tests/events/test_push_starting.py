"""An event starting, on a registered member's phone (``events.push``): its title
and its time in the member's zone; nothing once it is cancelled or has begun, and
nothing to someone who cancelled their place."""

import datetime

import pytest
from django.utils import translation

from community.models import Profile
from events import push, services
from events.models import EventKind

pytestmark = pytest.mark.django_db


def test_it_says_the_title_and_the_time_in_the_members_zone(make_event, practitioner):
    event = make_event(kind=EventKind.WEBINAR, starts_in=60, title="Cord care webinar")
    Profile.objects.update_or_create(
        user=practitioner, defaults={"timezone": "Asia/Kolkata"}
    )
    registration = services.registration_create(event=event, user=practitioner)
    with translation.override("fr"):
        message = push.describe(registration.pk, practitioner)
    local = event.starts_at.astimezone(datetime.timezone(datetime.timedelta(hours=5.5)))
    assert message["title"] == f"Commence à {local:%H:%M}"
    assert message["body"] == "Cord care webinar"
    assert message["url"] == event.get_absolute_url()


def test_nothing_once_cancelled_or_begun_or_for_someone_else(
    make_event, practitioner, coach
):
    event = make_event(kind=EventKind.WEBINAR, starts_in=60)
    registration = services.registration_create(event=event, user=practitioner)
    assert push.describe(registration.pk, coach) is None  # not theirs
    services.registration_cancel(event=event, user=practitioner)
    assert push.describe(registration.pk, practitioner) is None
    begun = make_event(kind=EventKind.WEBINAR, starts_in=-5)
    late = services.registration_create(event=begun, user=practitioner)
    assert push.describe(late.pk, practitioner) is None
