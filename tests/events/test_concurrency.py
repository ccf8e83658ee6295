"""Simultaneous sign-ups never overbook an event (PostgreSQL: real row locks)."""

import threading

import pytest
from django.db import connection, connections
from django.test import Client

from community.models import Role
from events.models import Registration
from tests.factories import member

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite serialises writers; the row lock matters on PostgreSQL",
)
def test_simultaneous_requests_never_overbook(world, make_event):
    capacity, people = 3, 12
    event = make_event(capacity=capacity)
    users = [member(Role.PRACTITIONER, world.facility) for _ in range(people)]
    barrier = threading.Barrier(people)
    statuses: list[int] = []
    errors: list[BaseException] = []

    def sign_up(user):
        try:
            client = Client()
            client.force_login(user)
            barrier.wait()
            response = client.post(f"/events/{event.pk}/register/")
            statuses.append(response.status_code)
        except BaseException as error:  # noqa: BLE001  (reported below)
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sign_up, args=(u,)) for u in users]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors
    assert statuses == [302] * people
    registered = Registration.objects.filter(event=event, status="registered")
    waiting = Registration.objects.filter(event=event, status="waitlisted")
    assert registered.count() == capacity
    assert waiting.count() == people - capacity
    positions = list(waiting.values_list("position", flat=True))
    assert len(set(positions)) == len(positions)
