"""A client that resumes from the last sequence number it saw never misses a message
and never sees one twice (docs/realtime.md).

Per-room numbers in commit order; subscribe, replay, then release what arrived live;
frames that arrive out of order wait for the gap; a message stored but never broadcast
reaches connected readers from the database within a tick; only stored messages count
toward the rate limit, and ``retry_after`` is an upper bound.
"""

import uuid

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.test import override_settings

from community import realtime
from forums import chat
from forums.consumers import ChatConsumer
from forums.models import ChatMessage, Room, Space, Visibility
from forums.routing import websocket_urlpatterns
from moderation import ratelimit

pytestmark = pytest.mark.django_db(transaction=True)

APP = URLRouter(websocket_urlpatterns)


@pytest.fixture(autouse=True)
def _in_memory_layer(settings):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
    channel_layers.backends.clear()
    cache.clear()
    yield
    channel_layers.backends.clear()
    cache.clear()


@pytest.fixture
def room(world):
    space = Space.objects.create(
        name="Members", slug="members", visibility=Visibility.MEMBERS
    )
    return chat.room_for_space(space=space)


def say(room, user, body):
    message, _ = chat.message_send(
        room=room, author=user, body=body, client_id=uuid.uuid4(), rate_limited=False
    )
    return message


async def connect(room, user, after=None):
    path = f"/ws/chat/{room.pk}/" + (f"?after={after}" if after is not None else "")
    communicator = WebsocketCommunicator(APP, path)
    communicator.scope["user"] = user
    connected, _ = await communicator.connect()
    assert connected
    return communicator


async def messages(communicator, seconds):
    got = []
    import time

    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if not await communicator.receive_nothing(timeout=min(0.05, left)):
            frame = await communicator.receive_json_from()
            if frame["type"] == "message":
                got.append(frame["id"])
    return got


def test_numbers_are_per_room_from_one_and_leave_no_gap_on_a_refusal(
    room, practitioner, world
):
    other_space = Space.objects.create(name="Other", slug="other")
    other = chat.room_for_space(space=other_space)
    assert [say(room, practitioner, f"m{i}").seq for i in range(3)] == [1, 2, 3]
    assert say(other, practitioner, "elsewhere").seq == 1
    with pytest.raises(chat.ChatError):
        chat.message_send(
            room=room, author=practitioner, body="", client_id=uuid.uuid4()
        )
    assert say(room, practitioner, "after a refusal").seq == 4
    assert Room.objects.get(pk=room.pk).last_seq == 4


async def test_a_message_stored_but_never_broadcast_still_reaches_readers(
    room, practitioner, monkeypatch
):
    """As if the worker died between the commit and the send to Redis."""
    reader = await connect(room, practitioner, after=0)
    assert await messages(reader, 0.3) == []
    monkeypatch.setattr(realtime, "broadcast_on_commit", lambda *a, **k: None)
    await database_sync_to_async(say)(room, practitioner, "lost in the crash")
    monkeypatch.undo()
    assert await messages(reader, 2.5) == [1]
    await database_sync_to_async(say)(room, practitioner, "the next one")
    assert await messages(reader, 1.0) == [2]
    await reader.disconnect()


async def test_frames_out_of_order_are_released_in_order_once(room, practitioner):
    consumer = ChatConsumer()
    sent: list[str] = []

    async def send(text_data=None, **kwargs):
        sent.append(text_data)

    consumer.send = send
    consumer.pending = {}
    consumer.catching_up = False
    consumer.delivered = 10
    await consumer._relay("12", 12)  # 11 is still on its way
    assert sent == []
    await consumer._relay("11", 11)
    await consumer._relay("12", 12)  # a repeat
    await consumer._relay("10", 10)  # already delivered (in the catch-up)
    await consumer._relay('{"type":"presence"}', None)  # unnumbered: straight on
    assert sent == ["11", "12", '{"type":"presence"}']


async def test_live_frames_during_the_catch_up_come_after_it_without_repeats(
    room, practitioner
):
    consumer = ChatConsumer()
    sent: list[str] = []

    async def send(text_data=None, **kwargs):
        sent.append(text_data)

    consumer.send = send
    consumer.pending = {}
    consumer.catching_up = True
    consumer.delivered = 3
    await consumer._relay("4", 4)  # live, while the catch-up is still reading
    await consumer._relay("5", 5)
    assert sent == []
    consumer.delivered = 4  # the catch-up sent up to 4 itself
    consumer.catching_up = False
    await consumer._release()
    assert sent == ["5"]


@override_settings(MODERATION={"RATE_LIMITS": {"chat": "2/10"}})
def test_refused_sends_do_not_count_toward_the_rate_limit(
    room, practitioner, monkeypatch
):
    monkeypatch.setattr(ratelimit.time, "time", lambda: 1000.0)
    for i in range(2):
        chat.message_send(
            room=room, author=practitioner, body=f"ok {i}", client_id=uuid.uuid4()
        )
    for _ in range(5):
        with pytest.raises(chat.ChatError) as refused:
            chat.message_send(
                room=room, author=practitioner, body="too fast", client_id=uuid.uuid4()
            )
        assert refused.value.code == "rate_limited"
        assert refused.value.retry_after == 10
    assert cache.get(f"rl:chat:u:{practitioner.pk}:100") == 2
    # The next window: one more goes through at once.
    monkeypatch.setattr(ratelimit.time, "time", lambda: 1010.0)
    chat.message_send(
        room=room, author=practitioner, body="after waiting", client_id=uuid.uuid4()
    )
    assert ChatMessage.objects.filter(room=room).count() == 3


def test_retry_after_is_an_upper_bound():
    assert ratelimit._retry_after(10, 100.5) == 10
    assert ratelimit._retry_after(10, 109.99) == 1
    assert ratelimit._retry_after(60, 0.0) == 60
