"""Every realtime stream applies the same rules as the pages, and heals by itself.

Thread sockets re-check access when it changes; two-factor is required on websockets as
on pages; socket caps and presence come from leases that expire with a dead worker;
presence moves on the watch's timer and never because of a moderation act; history
requests are throttled; visitors' sockets are capped per address.
"""

import asyncio
import json
import time
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.cache import cache

from community import services as community_services
from community.models import Membership, Role
from forums import chat, leases
from forums import services as forum_services
from forums.models import Space, Visibility
from forums.routing import websocket_urlpatterns
from moderation import services as moderation_services
from tests.factories import member

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


async def open_socket(path, user, client=("127.0.0.1", 5000)):
    communicator = WebsocketCommunicator(APP, path)
    communicator.scope["user"] = user
    communicator.scope["client"] = client
    connected, code = await communicator.connect()
    return communicator, connected, code


async def frames(communicator, seconds):
    """Every frame that arrives within ``seconds`` (without timing out the consumer:
    the test communicator cancels the application on a receive timeout)."""
    got = []
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        if not await communicator.receive_nothing(timeout=min(0.05, left)):
            output = await communicator.receive_output()
            if output["type"] == "websocket.close":
                break
            got.append(json.loads(output["text"]))
    return got


async def closed_with(communicator, timeout=5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        output = await communicator.receive_output(timeout=deadline - time.monotonic())
        if output["type"] == "websocket.close":
            return output.get("code")
    raise AssertionError("socket not closed")


# --- Thread sockets re-check access -----------------------------------------------------


async def test_a_thread_socket_closes_when_its_member_loses_access(world):
    space = await database_sync_to_async(Space.objects.create)(
        name="Hillside team",
        slug="hillside-team",
        visibility=Visibility.ORGANISATION,
        organisation=world.facility,
    )
    reader = await database_sync_to_async(member)(Role.PRACTITIONER, world.facility)
    writer = await database_sync_to_async(member)(Role.PRACTITIONER, world.facility)
    thread = await database_sync_to_async(forum_services.thread_create)(
        space=space, author=writer, title="Confidential", body="Only for us."
    )
    socket, connected, _ = await open_socket(
        f"/ws/forums/threads/{thread.ref}/", reader
    )
    assert connected
    membership = await database_sync_to_async(Membership.objects.get)(user=reader)
    await database_sync_to_async(community_services.membership_delete)(
        membership=membership
    )
    assert await closed_with(socket, timeout=5) == 4403
    await database_sync_to_async(forum_services.post_create)(
        thread=thread, author=writer, body="A secret reply."
    )
    assert await frames(socket, 0.5) == []


async def test_a_thread_socket_closes_when_the_thread_is_hidden(world, practitioner):
    space = await database_sync_to_async(Space.objects.create)(
        name="Open", slug="open", visibility=Visibility.MEMBERS
    )
    thread = await database_sync_to_async(forum_services.thread_create)(
        space=space, author=practitioner, title="T", body="Body."
    )
    reader = await database_sync_to_async(member)(Role.PRACTITIONER, world.facility)
    socket, connected, _ = await open_socket(
        f"/ws/forums/threads/{thread.ref}/", reader
    )
    assert connected

    def hide():
        thread.hidden = True
        thread.save()

    await database_sync_to_async(hide)()
    assert await closed_with(socket, timeout=5) == 4403


# --- Two-factor on every protocol -------------------------------------------------------


@pytest.fixture
def mfa_on(settings):
    settings.COMMUNITY = {**settings.COMMUNITY, "REQUIRE_MFA_FOR_PRIVILEGED": True}


def _add_totp(user):
    from allauth.mfa.models import Authenticator

    Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": "x"}
    )


async def test_a_moderator_without_two_factor_cannot_open_any_socket(
    world, moderator, mfa_on
):
    space = await database_sync_to_async(Space.objects.create)(
        name="Private circle", slug="circle", visibility=Visibility.MEMBERS
    )
    room = await database_sync_to_async(chat.room_for_space)(space=space)
    thread = await database_sync_to_async(forum_services.thread_create)(
        space=space,
        author=await database_sync_to_async(member)(Role.PRACTITIONER, world.facility),
        title="T",
        body="B",
    )
    for path in (f"/ws/chat/{room.pk}/", f"/ws/forums/threads/{thread.ref}/"):
        _, connected, code = await open_socket(path, moderator)
        assert not connected and code == 4403, path
    await database_sync_to_async(_add_totp)(moderator)
    for path in (f"/ws/chat/{room.pk}/", f"/ws/forums/threads/{thread.ref}/"):
        socket, connected, _ = await open_socket(path, moderator)
        assert connected, path
        await socket.disconnect()


async def test_becoming_privileged_without_two_factor_closes_open_sockets(
    world, mfa_on
):
    space = await database_sync_to_async(Space.objects.create)(
        name="Members", slug="members", visibility=Visibility.MEMBERS
    )
    room = await database_sync_to_async(chat.room_for_space)(space=space)
    user = await database_sync_to_async(member)(Role.PRACTITIONER, world.facility)
    socket, connected, _ = await open_socket(f"/ws/chat/{room.pk}/", user)
    assert connected
    await database_sync_to_async(community_services.membership_create)(
        user=user, organisation=world.country, role=Role.MODERATOR
    )
    assert await closed_with(socket, timeout=5) == 4403


# --- Presence never moves because of a moderation act -----------------------------------


async def test_sanctioning_an_anonymous_author_does_not_move_presence(world, moderator):
    space = await database_sync_to_async(Space.objects.create)(
        name="Safe", slug="safe", visibility=Visibility.MEMBERS, safe_space=True
    )
    room = await database_sync_to_async(chat.room_for_space)(space=space)
    people = [
        await database_sync_to_async(member)(Role.PRACTITIONER, world.other_facility)
        for _ in range(6)
    ]
    author, watcher = people[0], people[1]
    sockets = [
        (await open_socket(f"/ws/chat/{room.pk}/", person))[0] for person in people
    ]
    message, _ = await database_sync_to_async(chat.message_send)(
        room=room,
        author=author,
        body="I skipped the checklist.",
        client_id=uuid.uuid4(),
        anonymous=True,
    )
    settled = [f for f in await frames(sockets[1], 2.0) if f["type"] == "presence"]
    assert settled and settled[-1]["count"] == 6
    for action in ("suspend", "mute", "require_review", "warn"):
        await database_sync_to_async(moderation_services.decision_make)(
            content=message, moderator=moderator, action=action, reason="x"
        )
    later = await frames(sockets[1], 2.0)
    assert [f for f in later if f["type"] == "presence"] == []
    # The author's socket is still open (a sanction never closes one).
    await frames(sockets[0], 0.2)
    await sockets[0].send_json_to({"type": "ping"})
    assert {"type": "pong"} in await frames(sockets[0], 1.0)
    assert watcher
    for socket in sockets:
        await socket.disconnect()


# --- Leases: caps and presence heal when a worker dies ----------------------------------


def _dead_worker_lease(*, members=None, rooms=None, ttl=None):
    """What a killed worker leaves behind: a lease it will never renew."""
    ttl = ttl or leases.lease_seconds()
    cache.set(
        "chat:lease:dead-worker",
        {"m": members or {}, "v": {}, "r": rooms or {}},
        timeout=ttl,
    )
    registry = cache.get("chat:workers") or {}
    registry["dead-worker"] = time.time()
    cache.set("chat:workers", registry, timeout=None)


async def test_a_dead_workers_sockets_stop_counting_within_a_few_ticks(
    world, practitioner
):
    space = await database_sync_to_async(Space.objects.create)(
        name="Members", slug="members", visibility=Visibility.MEMBERS
    )
    room = await database_sync_to_async(chat.room_for_space)(space=space)
    await database_sync_to_async(_dead_worker_lease)(
        members={practitioner.pk: 8}, rooms={room.pk: 40}, ttl=1.5
    )
    socket, _, _ = await open_socket(f"/ws/chat/{room.pk}/", practitioner)
    error = await socket.receive_json_from(timeout=2)
    assert error["code"] == "too_many_connections"
    assert await closed_with(socket) == 4429
    await asyncio.sleep(1.6)  # the lease expires: nobody renews it
    socket, connected, _ = await open_socket(f"/ws/chat/{room.pk}/", practitioner)
    assert connected
    presence = [f for f in await frames(socket, 1.5) if f["type"] == "presence"]
    assert presence and presence[-1]["count"] is None  # one person: "a few"
    assert await database_sync_to_async(chat.presence_count)(room.pk) == 1
    await socket.disconnect()


async def test_visitors_sockets_are_capped_per_address(world, settings):
    settings.FORUMS = {**settings.FORUMS, "CHAT_SOCKETS_PER_VISITOR_ADDRESS": 2}
    from django.contrib.auth.models import AnonymousUser

    space = await database_sync_to_async(Space.objects.create)(
        name="Public", slug="public", visibility=Visibility.PUBLIC
    )
    room = await database_sync_to_async(chat.room_for_space)(space=space)
    address = ("198.51.100.7", 4000)
    kept = []
    for _ in range(2):
        socket, connected, _ = await open_socket(
            f"/ws/chat/{room.pk}/", AnonymousUser(), client=address
        )
        assert connected
        kept.append(socket)
    socket, _, _ = await open_socket(
        f"/ws/chat/{room.pk}/", AnonymousUser(), client=address
    )
    got = await frames(socket, 0.5)
    assert [f.get("code") for f in got if f["type"] == "error"] == [
        "too_many_connections"
    ], got
    # Another address is not affected.
    other, connected, _ = await open_socket(
        f"/ws/chat/{room.pk}/", AnonymousUser(), client=("198.51.100.8", 4000)
    )
    assert connected
    for socket in [*kept, other]:
        await socket.disconnect()


async def test_history_requests_are_throttled_and_the_socket_carries_on(
    world, practitioner
):
    space = await database_sync_to_async(Space.objects.create)(
        name="Members", slug="members", visibility=Visibility.MEMBERS
    )
    room = await database_sync_to_async(chat.room_for_space)(space=space)
    socket, _, _ = await open_socket(f"/ws/chat/{room.pk}/", practitioner)
    await frames(socket, 0.3)
    for _ in range(12):
        await socket.send_json_to({"type": "history", "before": 10_000})
    got = await frames(socket, 1.0)
    refused = [f for f in got if f["type"] == "error"]
    assert refused and refused[0]["code"] == "rate_limited"
    assert refused[0]["retry_after"] >= 1
    assert len([f for f in got if f["type"] == "history"]) == 10
    await socket.send_json_to({"type": "ping"})
    assert (await socket.receive_json_from(timeout=2))["type"] == "pong"
    await socket.disconnect()
