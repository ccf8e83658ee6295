"""Two real server processes share a room through Redis; a killed worker loses nothing.

Runs when REDIS_URL is set (CI's second pass, on PostgreSQL): the servers are separate
processes, so they need a database they can all reach.
"""

import asyncio
import json
import os
import time
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from forums import chat
from forums.models import ChatMessage, Space, Visibility
from tests.servers import Server

websockets = pytest.importorskip("websockets")

ROOT = Path(__file__).resolve().parents[2]

pytestmark = [
    pytest.mark.redis,
    pytest.mark.skipif(
        not os.environ.get("REDIS_URL")
        or settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3",
        reason="needs REDIS_URL and a shared database (CI's second pass)",
    ),
    pytest.mark.django_db(transaction=True),
]


@pytest.fixture
def servers():
    started = [Server(), Server()]
    yield started
    for server in started:
        server.stop()


@pytest.fixture
def room(world):
    space = Space.objects.create(
        name="Scale", slug="scale", visibility=Visibility.MEMBERS
    )
    return chat.room_for_space(space=space)


def cookie_for(user) -> str:
    client = Client()
    client.force_login(user)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


async def open_socket(server, room, cookie, after=None):
    url = f"ws://127.0.0.1:{server.port}/ws/chat/{room.pk}/"
    if after is not None:
        url += f"?after={after}"
    return await websockets.connect(
        url,
        additional_headers={
            "Cookie": cookie,
            "Origin": f"http://127.0.0.1:{server.port}",
        },
    )


async def read_messages(ws, count, timeout=10):
    got = []
    deadline = time.monotonic() + timeout
    while len(got) < count:
        frame = json.loads(
            await asyncio.wait_for(ws.recv(), max(0.1, deadline - time.monotonic()))
        )
        if frame["type"] == "message":
            got.append(frame)
    return got


async def send_and_ack(ws, body, client_id=None):
    client_id = client_id or str(uuid.uuid4())
    await ws.send(
        json.dumps({"type": "message.send", "client_id": client_id, "body": body})
    )
    while True:
        frame = json.loads(await asyncio.wait_for(ws.recv(), 10))
        if frame["type"] == "message.ack" and frame["client_id"] == client_id:
            return frame["id"]
        if frame["type"] == "error":
            raise AssertionError(frame)


def test_message_crosses_workers_and_catch_up_has_no_gaps(
    servers, room, practitioner, moderator
):
    a, b = servers
    writer, reader = cookie_for(practitioner), cookie_for(moderator)

    async def scenario():
        ws_a = await open_socket(a, room, writer, after=0)
        ws_b = await open_socket(b, room, reader, after=0)
        first = await send_and_ack(ws_a, "hello from worker A")
        [seen] = await read_messages(ws_b, 1)
        assert seen["id"] == first and "worker A" in seen["body_html"]
        await ws_b.close()
        missed = [
            await send_and_ack(ws_a, f"while you were away {i}") for i in range(3)
        ]
        ws_b2 = await open_socket(a, room, reader, after=first)
        again = await read_messages(ws_b2, 3)
        assert [m["id"] for m in again] == missed
        await ws_a.close()
        await ws_b2.close()

    asyncio.run(scenario())


def test_killed_worker_loses_no_acknowledged_message(
    servers, room, practitioner, moderator
):
    a, b = servers
    writer, reader = cookie_for(practitioner), cookie_for(moderator)
    sent: list[tuple[str, str]] = [
        (str(uuid.uuid4()), f"message {i}") for i in range(12)
    ]

    async def scenario():
        ws = await open_socket(a, room, writer, after=0)
        acked = {}
        for client_id, body in sent[:6]:
            acked[client_id] = await send_and_ack(ws, body, client_id)
        # Fire the rest without waiting, then kill the worker mid-stream.
        for client_id, body in sent[6:9]:
            await ws.send(
                json.dumps(
                    {"type": "message.send", "client_id": client_id, "body": body}
                )
            )
        a.kill()
        # The client reconnects to the other worker and resends what was not acked,
        # with the same client ids (some may already be stored: they must not double).
        ws = await open_socket(b, room, writer, after=max(acked.values()))
        for client_id, body in sent[6:]:
            acked[client_id] = await send_and_ack(ws, body, client_id)
        reader_ws = await open_socket(b, room, reader, after=0)
        everything = await read_messages(reader_ws, len(sent))
        await ws.close()
        await reader_ws.close()
        return acked, everything

    acked, everything = asyncio.run(scenario())
    stored = list(ChatMessage.objects.filter(room=room).order_by("seq"))
    assert [m.body for m in stored] == [body for _c, body in sent]
    assert len({m.client_id for m in stored}) == len(sent)
    assert [m.seq for m in stored] == list(range(1, len(sent) + 1))  # no gaps
    assert [m["id"] for m in everything] == [m.seq for m in stored]
    assert set(acked.values()) == {m.seq for m in stored}


def test_idle_socket_survives_past_redis_socket_timeout(servers, room, moderator):
    """redis-py 8's 5 s socket timeout would close quiet sockets (channels-redis #422)."""
    a, _b = servers
    cookie = cookie_for(moderator)

    async def scenario():
        ws = await open_socket(a, room, cookie, after=0)
        await asyncio.sleep(7)
        await ws.send(json.dumps({"type": "ping"}))
        while True:
            frame = json.loads(await asyncio.wait_for(ws.recv(), 5))
            if frame["type"] == "pong":
                break
        await ws.close()

    asyncio.run(scenario())


def test_worker_stays_healthy_while_members_are_connected(servers, room, moderator):
    """A worker serving open sockets still answers its health check. Its sockets wait
    on the layer's process channel; a check that waited on that machinery from another
    event loop failed ("two event loops") for as long as anyone was connected, and a
    proxy would have taken every busy worker out of service."""
    a, _b = servers
    cookie = cookie_for(moderator)

    def health():
        import urllib.request

        with urllib.request.urlopen(
            f"http://127.0.0.1:{a.port}/healthz", timeout=15
        ) as r:
            return r.status, json.loads(r.read())

    async def scenario():
        sockets = [await open_socket(a, room, cookie, after=0) for _ in range(2)]
        answers = [await asyncio.to_thread(health) for _ in range(3)]
        for ws in sockets:
            await ws.close()
        return answers

    for status, body in asyncio.run(scenario()):
        assert status == 200, body
        assert body["checks"] == {"database": True, "channel_layer": True}
