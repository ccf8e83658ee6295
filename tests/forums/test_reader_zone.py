"""Forum posts, chat messages and digests in the reader's zone (``community.zones``):
their own choice, else their organisation's country's, else the site's."""

import datetime as dt
import re
import uuid

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from community import services as community_services
from community.models import Role
from forums import chat, digest, services
from forums.models import ChatMessage, Digest, Post, Space, Visibility
from tests.factories import member

from .conftest import named

# 08:00 UTC: 10:00 in Kigali, 17:00 in Tokyo.
MOMENT = dt.datetime(2026, 3, 10, 8, 0, tzinfo=dt.UTC)


@pytest.fixture
def kigali(world):
    community_services.organisation_set_timezone(
        organisation=world.country, timezone_name="Africa/Kigali"
    )
    return world


@pytest.fixture
def thread(kigali, spaces, peer):
    named(peer, "Esther Banda")
    thread = services.thread_create(
        space=spaces.members, author=peer, title="Night handover", body="How?"
    )
    Post.objects.filter(thread=thread).update(created=MOMENT)
    return thread


def test_a_post_reads_in_the_country_zone_for_members_who_chose_none(
    client, thread, practitioner
):
    client.force_login(practitioner)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert ">10 Mar 2026, 10:00</time>" in html
    assert 'data-zone="Africa/Kigali"' in html  # live posts are put in it


def test_a_post_reads_in_the_members_own_zone(client, thread, practitioner):
    community_services.profile_update(
        user=practitioner, display_name="Amina", timezone_name="Asia/Tokyo"
    )
    client.force_login(practitioner)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert ">10 Mar 2026, 17:00</time>" in html
    assert 'data-zone="Asia/Tokyo"' in html


@pytest.fixture
def room(kigali):
    space = Space.objects.create(
        name="Night shift", slug="night-shift", visibility=Visibility.MEMBERS
    )
    return chat.room_for_space(space=space)


def test_a_chat_message_reads_in_the_readers_zone(client, room, practitioner, peer):
    message, _ = chat.message_send(
        room=room,
        author=peer,
        body="Who has the delivery kit?",
        client_id=uuid.uuid4(),
        rate_limited=False,
    )
    ChatMessage.objects.filter(pk=message.pk).update(created=MOMENT)
    client.force_login(practitioner)
    html = client.get(f"/forums/chat/{room.pk}/").content.decode()
    assert re.search(r'<time datetime="2026-03-10T10:00[^"]*">10:00</time>', html)
    # Messages that arrive later carry UTC; the page's zone formats them the same way.
    assert 'data-zone="Africa/Kigali"' in html
    message.refresh_from_db()
    assert chat.message_payload(message)["created"] == "2026-03-10T08:00:00+00:00"


def test_the_forum_script_puts_live_posts_in_the_pages_zone():
    from pathlib import Path

    from django.conf import settings

    script = (Path(settings.BASE_DIR) / "forums/static/forums/forums.js").read_text()
    assert 'getAttribute("data-zone")' in script
    assert "localise(t.content.firstElementChild)" in script


def test_the_digest_follows_the_recipients_country(kigali, spaces, practitioner, peer):
    """07:xx in Kigali is the digest hour: 05:xx UTC, not 07:xx UTC."""
    services.space_follow(space=spaces.members, user=peer)
    prefs = services.preferences_get(user=peer)
    prefs.digest = Digest.DAILY
    prefs.last_digest_at = MOMENT - dt.timedelta(days=2)
    prefs.save()
    named(practitioner, "Amina Diallo")
    thread = services.thread_create(
        space=spaces.members, author=practitioner, title="Oxygen", body="?"
    )
    thread.__class__.objects.filter(pk=thread.pk).update(created=MOMENT)
    morning_utc = MOMENT.replace(hour=7, minute=10)
    assert digest.send_due_digests(now=morning_utc) == 0
    morning_kigali = MOMENT.replace(hour=5, minute=10) + dt.timedelta(days=1)
    assert digest.send_due_digests(now=morning_kigali) == 1
    assert "10 March, 10:00" in mail.outbox[0].body


def test_the_digest_reads_members_zones_with_the_batch(kigali, spaces):
    """Deciding who is due reads every member's organisation in one go."""

    def due_check_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            digest.send_due_digests(now=MOMENT.replace(hour=1))  # nobody's hour
        return len(ctx.captured_queries)

    def add_members(n: int) -> None:
        for _ in range(n):
            user = member(Role.PRACTITIONER, kigali.facility)
            prefs = services.preferences_get(user=user)
            prefs.digest = Digest.DAILY
            prefs.save()

    add_members(2)
    few = due_check_queries()
    add_members(6)
    assert due_check_queries() == few
