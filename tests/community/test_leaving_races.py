"""Two things at once while a member leaves (PostgreSQL: real row locks).

The daily erasure and the member's "Keep my account" in the same second: whichever
commits first wins, and the erasure never deletes an account whose owner has just
kept it. Two erasure runs at once erase an account once and send one goodbye.
"""

import datetime
import threading
import time

import pytest
from django.core import mail
from django.db import connection, connections, transaction
from django.utils import timezone

from community import personal_data
from community.models import Profile, Role
from tests.factories import member

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        connection.vendor == "sqlite",
        reason="SQLite serialises writers; the row lock matters on PostgreSQL",
    ),
]


@pytest.fixture
def due(world):
    user = member(Role.PRACTITIONER, world.facility, email="due@example.org")
    Profile.objects.update_or_create(
        user=user,
        defaults={"deletion_due_at": timezone.now() - datetime.timedelta(minutes=1)},
    )
    return user


def _in_thread(function, results: list) -> threading.Thread:
    def run():
        try:
            results.append(function())
        except BaseException as error:  # noqa: BLE001  (asserted on below)
            results.append(error)
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    return thread


def test_keeping_the_account_while_the_erasure_runs_keeps_it(due):
    holding = threading.Event()
    kept: list = []

    def keep_slowly():
        # The member's "Keep my account", holding its row lock a moment.
        with transaction.atomic():
            Profile.objects.select_for_update().get(user=due)
            holding.set()
            time.sleep(0.5)
            personal_data.cancel_deletion(user=due)
        return "kept"

    keeper = _in_thread(keep_slowly, kept)
    holding.wait(5)
    erased: list = []
    eraser = _in_thread(personal_data.erase_due_accounts, erased)
    keeper.join(10)
    eraser.join(10)
    assert kept == ["kept"] and erased == [0]
    assert type(due).objects.filter(pk=due.pk).exists()


def test_two_erasures_at_once_erase_once_and_say_goodbye_once(due):
    results: list = []
    threads = [_in_thread(personal_data.erase_due_accounts, results) for _ in range(2)]
    for thread in threads:
        thread.join(15)
    assert sorted(results) == [0, 1]
    assert not type(due).objects.filter(pk=due.pk).exists()
    assert len(mail.outbox) == 1
