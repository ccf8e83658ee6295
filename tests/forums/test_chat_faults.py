"""Fault injection: two real workers, real clients, a worker SIGKILLed again and again.

Runs in CI's Redis pass (PostgreSQL and Redis shared by the workers). Clients follow
`docs/realtime.md`. After 20 kills: every acknowledged message is stored once, every
reader saw every message once and in order, and no member was refused a socket for
longer than a heartbeat after a kill. `make bench-chat-faults` runs it longer.
"""

import asyncio
import os

import pytest
from django.conf import settings
from django.test import Client as DjangoClient

from bench import chat_faults
from community.models import Role
from forums import chat
from forums.models import ChatMessage, Space, Visibility
from tests.factories import member
from tests.servers import database_url, free_port

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL")
        or settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
        reason="needs REDIS_URL and a shared database (CI's second pass)",
    ),
    pytest.mark.django_db(transaction=True),
]

KILLS = 20


def test_the_room_survives_twenty_kills(world):
    space = Space.objects.create(
        name="Faults", slug="faults", visibility=Visibility.MEMBERS
    )
    room = chat.room_for_space(space=space)
    cookies = []
    for _ in range(10):
        client = DjangoClient()
        client.force_login(member(Role.PRACTITIONER, world.facility))
        cookies.append(client.cookies[settings.SESSION_COOKIE_NAME].value)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cop_site.settings.test",
        "DATABASE_URL": database_url(),
        "LOG_LEVEL": "ERROR",
    }
    workers = [chat_faults.Worker(free_port(), env) for _ in range(2)]
    for worker in workers:
        worker.start()
    try:
        stats = asyncio.run(
            chat_faults.scenario(
                workers=workers,
                room=room.pk,
                cookies=cookies,
                writers=4,
                readers=6,
                kills=KILLS,
                interval=1.0,
                # Each worker dies every two seconds: a writer that waited longer than
                # a socket lives would never write (on a fast machine, 2 of 20 kills).
                write_every=0.6,
            )
        )
    finally:
        for worker in workers:
            worker.stop()
    stored = [
        (str(client_id), seq)
        for client_id, seq in ChatMessage.objects.filter(room=room)
        .order_by("seq")
        .values_list("client_id", "seq")
    ]
    figures = chat_faults.check(stats, stored, lockout=10.0)
    print("chat faults:", figures)  # shown with -rA; the bench prints the same
    assert figures["kills"] == KILLS
    assert figures["acknowledged"] > 20, figures
    assert chat_faults.failures(figures) == [], figures
