"""Events fixtures: ``make_event`` schedules through the service, as the site does."""

import datetime

import pytest
from django.utils import timezone

from events import services
from events.models import EventKind, Visibility


def in_(minutes: int) -> datetime.datetime:
    return timezone.now() + datetime.timedelta(minutes=minutes)


@pytest.fixture
def make_event(world, superuser):
    """``make_event(kind=..., organiser=..., starts_in=minutes, **fields)``."""

    def make(
        *,
        kind: str = EventKind.COLLABORATIVE,
        organiser=None,
        starts_in: int = 3 * 24 * 60,
        duration: int = 120,
        by=None,
        **fields,
    ):
        if organiser is None:
            organiser = {
                EventKind.WEBINAR: world.country,
                EventKind.LEARNING_SESSION: world.facility,
            }.get(kind, world.district)
        starts_at = timezone.now().replace(microsecond=0) + datetime.timedelta(
            minutes=starts_in
        )
        values = {
            "title": f"{EventKind(kind).label} test",
            "timezone": "Africa/Kigali",
            "visibility": Visibility.MEMBERS,
            "place": "District office",
        }
        if kind == EventKind.WEBINAR:
            values["online_url"] = "https://meet.example.org/webinar"
        values.update(fields)
        return services.event_create(
            by=by or superuser,
            organiser=organiser,
            kind=kind,
            starts_at=starts_at,
            ends_at=starts_at + datetime.timedelta(minutes=duration),
            check_permission=by is not None,
            **values,
        )

    return make


@pytest.fixture
def webinar(make_event):
    return make_event(kind=EventKind.WEBINAR, allow_anonymous_questions=True)
