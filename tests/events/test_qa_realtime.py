"""The Q&A refreshes live: every change sends {"type": "qa.changed"} to the webinar's
room, the room socket relays it to the browser, and the browser fetches the list
alone (``?part=questions``), rendered by the server as on the page."""

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.core.cache import cache

from events import services
from events.models import EventKind
from forums.routing import websocket_urlpatterns
from moderation import services as moderation_services

APP = URLRouter(websocket_urlpatterns)


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def live_webinar(make_event, practitioner, qi_member):
    event = make_event(kind=EventKind.WEBINAR, starts_in=-10, duration=60)
    for person in (practitioner, qi_member):
        services.registration_create(event=event, user=person)
    event.refresh_from_db()
    return event


def part_path(event) -> str:
    return f"/events/{event.pk}/live/?part=questions"


# --- The list alone -------------------------------------------------------------------


def test_the_list_alone_is_the_pages_list_without_the_page(
    client, live_webinar, practitioner, qi_member
):
    services.question_ask(event=live_webinar, author=practitioner, body="Kits at 2am?")
    client.force_login(qi_member)
    part = client.get(part_path(live_webinar))
    assert part.status_code == 200
    html = part.text
    assert "Kits at 2am?" in html and "data-qa-vote" in html
    assert "<html" not in html and "chat-log" not in html
    assert html.lstrip().startswith("<li")


def test_the_list_alone_is_refused_to_who_is_not_in_the_room(
    client, live_webinar, outsider, facility_lead
):
    for person in (outsider, facility_lead):
        client.force_login(person)
        assert client.get(part_path(live_webinar)).status_code == 403
    client.logout()
    assert client.get(part_path(live_webinar)).status_code == 403


def test_the_list_alone_leaves_hidden_questions_to_the_room_moderators(
    client, live_webinar, practitioner, qi_member, national_team
):
    question = services.question_ask(
        event=live_webinar, author=practitioner, body="Unkind words"
    )
    services.question_set_hidden(question=question, by=national_team, hidden=True)
    client.force_login(qi_member)
    assert f'id="q{question.pk}"' not in client.get(part_path(live_webinar)).text
    client.force_login(national_team)
    host_view = client.get(part_path(live_webinar)).text
    assert f'id="q{question.pk}"' in host_view
    assert "Unkind words" not in host_view and "Hidden by a host." in host_view


def test_without_javascript_the_refresh_link_reloads_at_the_questions(
    client, live_webinar, qi_member
):
    """A link to the same address with only a new #fragment would just scroll."""
    client.force_login(qi_member)
    page = client.get(f"/events/{live_webinar.pk}/live/").text
    assert f'href="/events/{live_webinar.pk}/live/?t=' in page
    assert '#questions" data-qa-refresh' in page


def test_a_question_refused_after_the_room_closed_keeps_its_text(
    client, live_webinar, practitioner
):
    from forums import chat

    client.force_login(practitioner)
    # The session ended while the question was being typed.
    room = live_webinar.room
    chat.room_set_window(
        room=room, opens_at=room.opens_at, closes_at=live_webinar.starts_at
    )
    response = client.post(
        f"/events/{live_webinar.pk}/questions/", {"body": "Typed at length"}
    )
    assert response.status_code == 400
    assert "Typed at length" in response.text
    assert "Questions are open to registered participants." in response.text


# --- The frame on the room socket -------------------------------------------------------


async def connect(event, user):
    communicator = WebsocketCommunicator(APP, f"/ws/chat/{event.room_id}/")
    communicator.scope["user"] = user
    connected, _code = await communicator.connect()
    assert connected
    return communicator


async def next_qa_frame(communicator, limit: int = 10) -> dict:
    """The next qa.changed frame, skipping presence and the catch-up. The wait is
    generous: with a browser test on the other core, CI once took over 3 s."""
    seen = []
    for _ in range(limit):
        frame = await communicator.receive_json_from(timeout=10)
        if frame["type"] == "qa.changed":
            return frame
        seen.append(frame)
    raise AssertionError(f"no qa.changed frame in {seen}")


@pytest.mark.django_db(transaction=True)
async def test_the_room_socket_relays_each_qa_change(
    settings, live_webinar, practitioner, qi_member, national_team, moderator
):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
    channel_layers.backends.clear()
    reader = await connect(live_webinar, qi_member)
    try:
        question = await database_sync_to_async(services.question_ask)(
            event=live_webinar, author=practitioner, body="Who restocks oxytocin?"
        )
        assert await next_qa_frame(reader) == {"type": "qa.changed"}

        await database_sync_to_async(services.question_vote_toggle)(
            question=question, user=qi_member
        )
        assert await next_qa_frame(reader) == {"type": "qa.changed"}

        await database_sync_to_async(services.question_mark_answered)(
            question=question, by=national_team
        )
        assert await next_qa_frame(reader) == {"type": "qa.changed"}

        # Flagged past the threshold (a moderator's flag weighs enough): hidden live.
        await database_sync_to_async(moderation_services.flag_create)(
            content=question, flagger=moderator, reason="harassment"
        )
        assert await next_qa_frame(reader) == {"type": "qa.changed"}
        assert await reader.receive_nothing(timeout=0.3)
    finally:
        await reader.disconnect()
        channel_layers.backends.clear()


@pytest.mark.django_db(transaction=True)
async def test_the_frame_carries_nothing_about_the_asker(
    settings, make_event, practitioner, qi_member
):
    from channels.layers import channel_layers

    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
    channel_layers.backends.clear()
    event = await database_sync_to_async(make_event)(
        kind=EventKind.WEBINAR,
        starts_in=-10,
        duration=60,
        allow_anonymous_questions=True,
    )
    for person in (practitioner, qi_member):
        await database_sync_to_async(services.registration_create)(
            event=event, user=person
        )
    reader = await connect(event, qi_member)
    try:
        await database_sync_to_async(services.question_ask)(
            event=event, author=practitioner, body="Anonymous one", anonymous=True
        )
        # Only the news that something changed: each reader then fetches the list
        # as they may see it.
        assert await next_qa_frame(reader) == {"type": "qa.changed"}
    finally:
        await reader.disconnect()
        channel_layers.backends.clear()
