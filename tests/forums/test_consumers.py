"""Live thread pages over a real websocket consumer."""

import json

import pytest
from channels.db import database_sync_to_async
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth.models import AnonymousUser

from forums import services
from forums.routing import websocket_urlpatterns

from .conftest import named

pytestmark = pytest.mark.django_db(transaction=True)

application = URLRouter(websocket_urlpatterns)


async def _connect(thread, user):
    communicator = WebsocketCommunicator(
        application, f"/ws/forums/threads/{thread.ref}/"
    )
    communicator.scope["user"] = user
    connected, code = await communicator.connect()
    return communicator, connected, code


@pytest.fixture
def safe_thread(practitioner, spaces):
    named(practitioner, "Kofi Asante")
    return services.thread_create(
        space=spaces.safe, author=practitioner, title="Alone at night", body="..."
    )


async def test_reader_receives_new_post_live(safe_thread, peer, practitioner):
    communicator, connected, _code = await _connect(safe_thread, peer)
    assert connected
    post = await database_sync_to_async(services.post_create)(
        thread=safe_thread,
        author=practitioner,
        body="Still here **today**",
        anonymous=True,
    )
    frame = json.loads(await communicator.receive_from(timeout=2))
    assert frame["type"] == "post.created"
    assert frame["post"] == post.ref and frame["number"] == 2 and frame["page"] == 1
    assert "<strong>today</strong>" in frame["html"]
    # The anonymous author is in no part of the frame.
    raw = json.dumps(frame)
    assert "Kofi Asante" not in raw
    assert practitioner.username not in raw
    assert str(practitioner.pk) not in frame.get("author", "")
    assert "Colleague " in frame["html"]
    await communicator.disconnect()


async def test_edit_is_broadcast(safe_thread, peer, practitioner):
    communicator, connected, _code = await _connect(safe_thread, peer)
    assert connected
    opening = await database_sync_to_async(lambda: safe_thread.posts.get(number=1))()
    await database_sync_to_async(services.post_edit)(
        post=opening, by=practitioner, body="Edited words"
    )
    frame = json.loads(await communicator.receive_from(timeout=2))
    assert frame["type"] == "post.edited" and "Edited words" in frame["html"]
    await communicator.disconnect()


async def test_visitor_refused_on_members_space(safe_thread):
    _communicator, connected, code = await _connect(safe_thread, AnonymousUser())
    assert not connected
    assert code == 4403


async def test_outsider_of_district_refused(practitioner, spaces, national_team):
    thread = await database_sync_to_async(services.thread_create)(
        space=spaces.facility, author=practitioner, title="Team", body="internal"
    )
    _communicator, connected, _code = await _connect(thread, national_team)
    assert not connected


async def test_nothing_sent_when_the_write_rolls_back(safe_thread, peer, practitioner):
    from django.db import transaction

    communicator, connected, _code = await _connect(safe_thread, peer)
    assert connected

    def failing_reply():
        with transaction.atomic():
            services.post_create(thread=safe_thread, author=practitioner, body="never")
            raise RuntimeError("rollback")

    with pytest.raises(RuntimeError):
        await database_sync_to_async(failing_reply)()
    assert await communicator.receive_nothing(timeout=0.3)
    await communicator.disconnect()
