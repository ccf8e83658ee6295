"""The chat protocol over websockets, its HTTP fallback, permissions and anonymity."""

import json
import uuid

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.cache import cache
from django.test import override_settings

from community.models import Role
from forums import chat
from forums.models import ChatMessage, Space, Visibility
from forums.routing import websocket_urlpatterns
from tests.factories import member

pytestmark = pytest.mark.django_db(transaction=True)

APP = URLRouter(websocket_urlpatterns)


@pytest.fixture(autouse=True)
def _in_memory_layer(settings):
    """Protocol tests use the in-memory layer: pytest-asyncio gives each test its own
    loop, and channels-redis keeps loop-bound locks between them. The Redis layer is
    exercised across real processes in test_chat_scale.py."""
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
    channel_layers.backends.clear()
    yield
    channel_layers.backends.clear()


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def district_space(world):
    return Space.objects.create(
        name="North collaborative",
        slug="north-collab",
        visibility=Visibility.ORGANISATION,
        organisation=world.district,
    )


@pytest.fixture
def safe_space(world):
    return Space.objects.create(
        name="Safe corner",
        slug="safe-corner",
        visibility=Visibility.MEMBERS,
        safe_space=True,
    )


@pytest.fixture
def room(district_space):
    return chat.room_for_space(space=district_space)


@pytest.fixture
def safe_room(safe_space):
    return chat.room_for_space(space=safe_space)


async def connect(room, user, after=None):
    path = f"/ws/chat/{room.pk}/" + (f"?after={after}" if after is not None else "")
    communicator = WebsocketCommunicator(APP, path)
    communicator.scope["user"] = user
    connected, code = await communicator.connect()
    return communicator, connected, code


async def frames_until(communicator, kind, limit=20, timeout=3):
    seen = []
    for _ in range(limit):
        frame = await communicator.receive_json_from(timeout=timeout)
        seen.append(frame)
        if frame["type"] == kind:
            return frame, seen
    raise AssertionError(f"no {kind} frame in {seen}")


def send_frame(body="Hello", anonymous=False, client_id=None):
    return {
        "type": "message.send",
        "client_id": client_id or str(uuid.uuid4()),
        "body": body,
        "anonymous": anonymous,
    }


async def test_member_sends_and_everyone_receives(room, practitioner, world):
    peer = await database_sync_to_async(member)(
        Role.PRACTITIONER, world.sibling_facility
    )
    a, ok_a, _ = await connect(room, practitioner)
    b, ok_b, _ = await connect(room, peer)
    assert ok_a and ok_b
    await a.send_json_to(send_frame("Has anyone tried a partograph checklist?"))
    ack, _ = await frames_until(a, "message.ack")
    message, _ = await frames_until(b, "message")
    assert message["id"] == ack["id"]
    assert "partograph" in message["body_html"]
    assert message["author"] == {"name": "Member"} or message["author"]["name"]
    stored = await database_sync_to_async(ChatMessage.objects.get)(
        seq=ack["id"], room=room
    )
    assert stored.author_id == practitioner.pk
    await a.disconnect()
    await b.disconnect()


async def test_same_client_id_is_stored_once(room, practitioner):
    a, _, _ = await connect(room, practitioner)
    frame = send_frame("Only once please")
    await a.send_json_to(frame)
    first, _ = await frames_until(a, "message.ack")
    await a.send_json_to(frame)
    second, _ = await frames_until(a, "message.ack")
    assert first["id"] == second["id"]
    assert (
        await database_sync_to_async(
            ChatMessage.objects.filter(body="Only once please").count
        )()
        == 1
    )
    await a.disconnect()


async def test_catch_up_after_last_seen_in_order(room, practitioner):
    ids = []
    for i in range(5):
        m, _ = await database_sync_to_async(chat.message_send)(
            room=room, author=practitioner, body=f"m{i}", client_id=uuid.uuid4()
        )
        ids.append(m.seq)
        cache.clear()  # keep under the rate limit
    assert ids == [1, 2, 3, 4, 5]  # numbered per room, from one
    a, _, _ = await connect(room, practitioner, after=ids[1])
    got = [await a.receive_json_from(timeout=3) for _ in range(4)]
    assert [g["id"] for g in got] == [*ids[2:], ids[-1]]
    assert got[-1]["type"] == "caught_up"
    await a.disconnect()


@override_settings(MODERATION={"RATE_LIMITS": {}})
async def test_catch_up_comes_in_batches_then_a_caught_up_marker(
    room, practitioner, monkeypatch
):
    monkeypatch.setattr(chat, "CATCH_UP_CAP", 3)
    for i in range(5):
        await database_sync_to_async(chat.message_send)(
            room=room, author=practitioner, body=f"m{i}", client_id=uuid.uuid4()
        )
    a, _, _ = await connect(room, practitioner, after=0)
    got = [await a.receive_json_from(timeout=3) for _ in range(6)]
    assert [g["type"] for g in got] == ["message"] * 5 + ["caught_up"]
    assert [g["id"] for g in got] == [1, 2, 3, 4, 5, 5]
    await a.disconnect()


@pytest.mark.parametrize(
    "raw,code",
    [
        ("not json", "bad_json"),
        ("[1,2]", "bad_json"),
        ('{"type": "dance"}', "unknown_type"),
        ('{"type": "message.send", "body": 5, "client_id": "x"}', "bad_request"),
        (
            '{"type": "message.send", "body": "hi", "client_id": "not-a-uuid"}',
            "bad_request",
        ),
    ],
)
async def test_bad_frames_get_an_error_and_the_socket_stays(
    room, practitioner, raw, code
):
    a, _, _ = await connect(room, practitioner)
    await a.send_to(text_data=raw)
    error, _ = await frames_until(a, "error")
    assert error["code"] == code
    await a.send_json_to({"type": "ping"})
    pong, _ = await frames_until(a, "pong")
    assert pong == {"type": "pong"}
    await a.disconnect()


async def test_too_big_and_too_long(room, practitioner):
    a, _, _ = await connect(room, practitioner)
    await a.send_to(text_data="x" * 9000)
    error, _ = await frames_until(a, "error")
    assert error["code"] == "too_big"
    frame = send_frame("y" * 2001)
    await a.send_json_to(frame)
    error, _ = await frames_until(a, "error")
    assert error["code"] == "too_long" and error["client_id"] == frame["client_id"]
    await a.disconnect()


@override_settings(MODERATION={"RATE_LIMITS": {"chat": "2/10"}})
async def test_rate_limited_sender_gets_an_error_and_others_carry_on(
    room, practitioner, world, monkeypatch
):
    # Limits count in fixed windows: the middle of one, held still, so the three sends
    # cannot straddle two windows on a slow machine (they did, once, in CI).
    import time
    import types

    middle = (time.time() // 10) * 10 + 5
    monkeypatch.setattr(
        "moderation.ratelimit.time", types.SimpleNamespace(time=lambda: middle)
    )
    peer = await database_sync_to_async(member)(
        Role.PRACTITIONER, world.sibling_facility
    )
    a, _, _ = await connect(room, practitioner)
    b, _, _ = await connect(room, peer)
    for i in range(2):
        await a.send_json_to(send_frame(f"fast {i}"))
        await frames_until(a, "message.ack")
    await a.send_json_to(send_frame("too fast"))
    error, _ = await frames_until(a, "error")
    assert error["code"] == "rate_limited" and error["retry_after"] >= 1
    await b.send_json_to(send_frame("I can still talk"))
    ack, _ = await frames_until(b, "message.ack")
    assert ack["id"]
    await a.disconnect()
    await b.disconnect()


async def test_outsiders_cannot_connect_to_an_organisation_room(room, world):
    outsider = await database_sync_to_async(member)(
        Role.PRACTITIONER, world.other_facility
    )
    _, connected, code = await connect(room, outsider)
    assert not connected


async def test_visitors_read_public_rooms_but_cannot_send(world):
    from django.contrib.auth.models import AnonymousUser

    space = await database_sync_to_async(Space.objects.create)(
        name="Open", slug="open", visibility=Visibility.PUBLIC
    )
    room = await database_sync_to_async(chat.room_for_space)(space=space)
    a, connected, _ = await connect(room, AnonymousUser())
    assert connected
    await a.send_json_to(send_frame("hi"))
    error, _ = await frames_until(a, "error")
    assert error["code"] == "not_allowed"
    await a.disconnect()


async def test_anonymous_message_shows_no_author_in_any_frame(
    safe_room, practitioner, world
):
    peer = await database_sync_to_async(member)(Role.PRACTITIONER, world.other_facility)
    a, _, _ = await connect(safe_room, practitioner)
    b, _, _ = await connect(safe_room, peer)
    await a.send_json_to(
        send_frame(
            "We lost a baby last week and I think it was our fault", anonymous=True
        )
    )
    _, own = await frames_until(a, "message")
    frame, _ = await frames_until(b, "message")
    assert frame["author"] is None and frame["alias"] == "Colleague A"
    assert frame["created"].endswith(":00+00:00")  # minute precision only
    dump = json.dumps(own) + json.dumps(frame)
    for secret in (practitioner.email, practitioner.username):
        assert secret not in dump

    # Nor the account's number, under any key but the room's and the message's own
    # (which may equal it by chance: the test once failed on "room": 12).
    def pairs(value, key=None):
        if isinstance(value, dict):
            for k, v in value.items():
                yield from pairs(v, k)
        elif isinstance(value, list):
            for v in value:
                yield from pairs(v, key)
        else:
            yield key, value

    for key, value in pairs([own, frame]):
        if key not in {"room", "id", "seq"}:
            assert value not in (practitioner.pk, str(practitioner.pk)), key
    await a.disconnect()
    await b.disconnect()


async def test_anonymous_not_allowed_outside_safe_spaces(room, practitioner):
    a, _, _ = await connect(room, practitioner)
    await a.send_json_to(send_frame("psst", anonymous=True))
    error, _ = await frames_until(a, "error")
    assert error["code"] == "not_allowed"
    await a.disconnect()


async def test_closed_room_refuses_messages_but_stays_readable(room, practitioner):
    from datetime import timedelta

    from django.utils import timezone

    await database_sync_to_async(chat.room_set_window)(
        room=room, opens_at=None, closes_at=timezone.now() - timedelta(minutes=1)
    )
    a, connected, _ = await connect(room, practitioner)
    assert connected
    closed, _ = await frames_until(a, "room.closed")
    await a.send_json_to(send_frame("late"))
    error, _ = await frames_until(a, "error")
    assert error["code"] == "room_closed"
    await a.disconnect()


async def test_hidden_message_is_removed_live(room, practitioner, moderator):
    a, _, _ = await connect(room, practitioner)
    await a.send_json_to(send_frame("something unkind"))
    ack, _ = await frames_until(a, "message.ack")
    message = await database_sync_to_async(ChatMessage.objects.get)(
        seq=ack["id"], room=room
    )
    from moderation import services as moderation_services

    await database_sync_to_async(moderation_services.decision_make)(
        content=message, moderator=moderator, action="hide", reason="Unkind"
    )
    hidden, _ = await frames_until(a, "message.hidden")
    assert hidden["id"] == ack["id"]
    await a.disconnect()


async def test_removed_member_is_disconnected_within_five_seconds(room, world):
    from community import services as community_services

    user = await database_sync_to_async(member)(
        Role.PRACTITIONER, world.sibling_facility
    )
    a, connected, _ = await connect(room, user)
    assert connected
    membership = await database_sync_to_async(user.memberships.get)()
    await database_sync_to_async(community_services.membership_delete)(
        membership=membership
    )
    error, _ = await frames_until(a, "error", timeout=6)
    assert error["code"] == "not_allowed"
    output = await a.receive_output(timeout=5)
    assert output["type"] == "websocket.close"


async def test_presence_counts_people_not_names(safe_room, practitioner, world):
    """Below five people the count is "a few" (null): a small number points at people."""
    peers = [
        await database_sync_to_async(member)(Role.PRACTITIONER, world.other_facility)
        for _ in range(4)
    ]
    a, _, _ = await connect(safe_room, practitioner)
    presence, _ = await frames_until(a, "presence")
    assert set(presence) == {"type", "count"} and presence["count"] is None
    others = []
    for peer in peers:
        other, _, _ = await connect(safe_room, peer)
        others.append(other)
    presence, _ = await frames_until(a, "presence")
    while presence["count"] is None:
        presence, _ = await frames_until(a, "presence")
    assert presence == {"type": "presence", "count": 5}
    for communicator in [a, *others]:
        await communicator.disconnect()


# --- HTTP fallback -----------------------------------------------------------------------


def test_http_send_and_poll_with_the_same_idempotency(client, room, practitioner):
    client.force_login(practitioner)
    client_id = str(uuid.uuid4())
    url = f"/forums/chat/{room.pk}/send/"
    first = client.post(
        url,
        {"type": "message.send", "client_id": client_id, "body": "by http"},
        content_type="application/json",
    )
    assert first.status_code == 201
    again = client.post(
        url,
        {"client_id": client_id, "body": "by http"},
        content_type="application/json",
    )
    assert again.status_code == 200 and again.json()["id"] == first.json()["id"]
    polled = client.get(f"/forums/chat/{room.pk}/messages/", {"after": 0}).json()
    assert [m["id"] for m in polled["messages"]] == [first.json()["id"]]
    assert polled["more"] is False


def test_http_errors_are_json_frames(client, room, practitioner):
    client.force_login(practitioner)
    response = client.post(
        f"/forums/chat/{room.pk}/send/", "{nope", content_type="application/json"
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_json"
    response = client.post(
        f"/forums/chat/{room.pk}/send/",
        {"client_id": str(uuid.uuid4()), "body": "z" * 2001},
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["code"] == "too_long"


def test_chat_page_works_without_javascript(client, room, practitioner):
    client.force_login(practitioner)
    page = client.get(f"/forums/chat/{room.pk}/")
    html = page.content.decode()
    assert 'name="client_id"' in html and "Newer messages" in html
    client_id = page.context["client_id"]
    response = client.post(
        f"/forums/chat/{room.pk}/",
        {"client_id": client_id, "body": "from a plain form"},
    )
    assert response.status_code == 302
    assert (
        "from a plain form" in client.get(f"/forums/chat/{room.pk}/").content.decode()
    )


def test_form_error_keeps_the_typed_message(client, room, practitioner):
    client.force_login(practitioner)
    long_text = "w" * 2001
    response = client.post(
        f"/forums/chat/{room.pk}/", {"client_id": str(uuid.uuid4()), "body": long_text}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert long_text in html and "at most 2000 characters" in html


def test_fallback_json_hides_anonymous_authors(
    client, safe_room, practitioner, outsider
):
    chat.message_send(
        room=safe_room,
        author=practitioner,
        body="anon",
        client_id=uuid.uuid4(),
        anonymous=True,
    )
    client.force_login(outsider)
    data = client.get(
        f"/forums/chat/{safe_room.pk}/messages/", {"after": 0}
    ).content.decode()
    assert practitioner.email not in data and practitioner.username not in data
    assert '"author": null' in data
    page = client.get(f"/forums/chat/{safe_room.pk}/").content.decode()
    assert practitioner.email not in page and "Colleague A" in page


def test_aliases_are_stable_in_a_room_and_fresh_in_another(
    safe_room, safe_space, practitioner, world
):
    other = member(Role.PRACTITIONER, world.other_facility)
    a1, _ = chat.message_send(
        room=safe_room,
        author=practitioner,
        body="1",
        client_id=uuid.uuid4(),
        anonymous=True,
    )
    b1, _ = chat.message_send(
        room=safe_room, author=other, body="2", client_id=uuid.uuid4(), anonymous=True
    )
    a2, _ = chat.message_send(
        room=safe_room,
        author=practitioner,
        body="3",
        client_id=uuid.uuid4(),
        anonymous=True,
    )
    assert (a1.byline, b1.byline, a2.byline) == (
        "Colleague A",
        "Colleague B",
        "Colleague A",
    )
    second_space = Space.objects.create(name="Safe 2", slug="safe-2", safe_space=True)
    second = chat.room_for_space(space=second_space)
    b2, _ = chat.message_send(
        room=second, author=other, body="4", client_id=uuid.uuid4(), anonymous=True
    )
    assert b2.byline == "Colleague A"


def test_slow_mode_is_for_moderators(room, practitioner, district_lead):
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        chat.room_set_slow_mode(room=room, seconds=30, by=practitioner)
    chat.room_set_slow_mode(room=room, seconds=30, by=district_lead)
    chat.message_send(
        room=room, author=practitioner, body="one", client_id=uuid.uuid4()
    )
    with pytest.raises(chat.ChatError) as refused:
        chat.message_send(
            room=room, author=practitioner, body="two", client_id=uuid.uuid4()
        )
    assert refused.value.code == "rate_limited"


async def test_deactivated_members_are_dropped_and_suspended_ones_cannot_send(
    room, world, moderator
):
    """Deactivation takes the account away: its sockets close within seconds. A
    suspension takes posting away, not reading: the socket stays (so no moderation act
    ever moves a room's presence) and every send is refused."""
    from moderation import services as moderation_services

    suspended = await database_sync_to_async(member)(
        Role.PRACTITIONER, world.sibling_facility
    )
    leaver = await database_sync_to_async(member)(
        Role.PRACTITIONER, world.sibling_facility
    )
    stays = await database_sync_to_async(member)(
        Role.PRACTITIONER, world.sibling_facility
    )
    a, _, _ = await connect(room, suspended)
    b, _, _ = await connect(room, leaver)
    c, _, _ = await connect(room, stays)
    await a.send_json_to(send_frame("a thing I should not have said"))
    ack, _ = await frames_until(a, "message.ack")
    message = await database_sync_to_async(ChatMessage.objects.get)(
        seq=ack["id"], room=room
    )
    await database_sync_to_async(moderation_services.decision_make)(
        content=message,
        moderator=moderator,
        action="suspend",
        reason="Repeated",
        days=3,
    )

    def deactivate():
        leaver.is_active = False
        leaver.save()

    await database_sync_to_async(deactivate)()
    error, _ = await frames_until(b, "error", timeout=6)
    assert error["code"] == "not_allowed"
    await a.send_json_to(send_frame("again"))
    error, _ = await frames_until(a, "error", timeout=6)
    assert error["code"] == "not_allowed" and "suspended" in error["message"]
    # The others carry on.
    await c.send_json_to(send_frame("still here"))
    ack, _ = await frames_until(c, "message.ack")
    assert ack["id"]
    for communicator in (a, c):
        await communicator.disconnect()


def test_storing_a_message_costs_the_same_few_queries_every_time(
    room, practitioner, django_assert_max_num_queries
):
    """The store is what a busy room waits for: sanctions are read once per send (not
    three times), the number is taken in one statement, nothing is reloaded."""
    chat.message_send(
        room=room, author=practitioner, body="First", client_id=uuid.uuid4()
    )
    for n in range(3):
        with django_assert_max_num_queries(8):
            chat.message_send(
                room=room,
                author=practitioner,
                body=f"Again {n}",
                client_id=uuid.uuid4(),
            )
    assert list(
        ChatMessage.objects.filter(room=room)
        .order_by("seq")
        .values_list("seq", flat=True)
    ) == [1, 2, 3, 4]


def test_a_mute_decided_between_two_sends_stops_the_second(
    room, practitioner, moderator
):
    """Sanctions are read once per send, never kept from one send to the next."""
    from moderation import services as moderation_services

    first, _ = chat.message_send(
        room=room, author=practitioner, body="One", client_id=uuid.uuid4()
    )
    moderation_services.decision_make(
        content=first, moderator=moderator, action="mute", reason="Heated", days=1
    )
    with pytest.raises(chat.ChatError) as refused:
        chat.message_send(
            room=room, author=practitioner, body="Two", client_id=uuid.uuid4()
        )
    assert refused.value.code == "not_allowed"
