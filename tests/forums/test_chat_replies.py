"""Chat as people know it from messaging apps: replies that quote what they answer
(without revealing more than the quoted message showed), and day separators in the
reader's zone. The browser journey is in tests/browser/chat_journey.py."""

import datetime
import re
import uuid

import pytest
from django.utils import timezone

from community.models import Role
from forums import chat
from forums.models import ChatMessage, Space, Visibility
from tests.factories import member


@pytest.fixture
def room(world):
    space = Space.objects.create(
        name="Night shift", slug="night-shift", visibility=Visibility.MEMBERS
    )
    return chat.room_for_space(space=space)


@pytest.fixture
def safe_room(world):
    space = Space.objects.create(
        name="Safe corner",
        slug="safe-corner",
        visibility=Visibility.MEMBERS,
        safe_space=True,
    )
    return chat.room_for_space(space=space)


@pytest.fixture
def peer(world):
    return member(Role.PRACTITIONER, world.sibling_facility, email="peer@example.org")


def say(room, author, body, **extra):
    message, _ = chat.message_send(
        room=room,
        author=author,
        body=body,
        client_id=uuid.uuid4(),
        rate_limited=False,
        **extra,
    )
    return message


def test_a_reply_carries_a_quote_of_the_message_it_answers(room, practitioner, peer):
    asked = say(room, peer, "Who has the delivery kit?")
    answer = say(room, practitioner, "I have it.", reply_to_id=asked.seq)
    payload = chat.message_payload(answer)
    assert payload["reply_to"] == asked.seq
    assert payload["reply"] == {
        "id": asked.seq,
        "who": asked.byline,
        "excerpt": "Who has the delivery kit?",
    }
    long = say(room, peer, "word " * 60)
    excerpt = chat.message_payload(say(room, practitioner, "ok", reply_to_id=long.seq))
    assert len(excerpt["reply"]["excerpt"]) == chat.REPLY_EXCERPT
    assert excerpt["reply"]["excerpt"].endswith("…")


def test_a_quote_of_an_anonymous_message_shows_its_alias_only(
    safe_room, practitioner, peer
):
    asked = say(safe_room, peer, "I gave the wrong dose last night.", anonymous=True)
    answer = say(
        safe_room, practitioner, "Thank you for saying.", reply_to_id=asked.seq
    )
    reply = chat.message_payload(answer)["reply"]
    assert reply["who"] == "Colleague A"
    assert "peer" not in str(reply).lower()
    assert chat.message_payload(asked)["author"] is None


def test_a_quote_of_a_hidden_message_shows_nothing_of_it(room, practitioner, peer):
    asked = say(room, peer, "Something a moderator removed.")
    answer = say(room, practitioner, "Reply to it", reply_to_id=asked.seq)
    ChatMessage.objects.filter(pk=asked.pk).update(hidden=True)
    answer = ChatMessage.objects.select_related("reply_to").get(pk=answer.pk)
    reply = chat.message_payload(answer)["reply"]
    assert reply["who"] == "" and "removed" not in reply["excerpt"]


def test_reply_without_javascript_link_form_and_quote(client, room, practitioner, peer):
    asked = say(room, peer, "Who has the delivery kit?")
    client.force_login(practitioner)
    url = f"/forums/chat/{room.pk}/"
    html = client.get(url).content.decode()
    assert f'href="?reply_to={asked.seq}#chat-body"' in html
    html = client.get(f"{url}?reply_to={asked.seq}").content.decode()
    assert "Replying to" in html
    assert re.search(rf'name="reply_to" value="{asked.seq}"', html)
    response = client.post(
        url,
        {"client_id": str(uuid.uuid4()), "body": "I have it.", "reply_to": asked.seq},
    )
    assert response.status_code == 302
    answer = ChatMessage.objects.get(body="I have it.")
    assert answer.reply_to_id == asked.pk
    html = client.get(url).content.decode()
    assert f'class="chat-quote" href="#m{asked.seq}"' in html


def test_a_failed_reply_keeps_what_it_answered(client, room, practitioner, peer):
    asked = say(room, peer, "Who has the delivery kit?")
    client.force_login(practitioner)
    response = client.post(
        f"/forums/chat/{room.pk}/",
        {"client_id": str(uuid.uuid4()), "body": "x" * 2001, "reply_to": asked.seq},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Replying to" in html and f'name="reply_to" value="{asked.seq}"' in html


@pytest.mark.parametrize("value", ["", "abc", "-1", "999", "0"])
def test_a_reply_to_nothing_shows_no_quote_bar(client, room, practitioner, value):
    client.force_login(practitioner)
    html = client.get(f"/forums/chat/{room.pk}/?reply_to={value}").content.decode()
    assert re.search(r"data-chat-replying\s+hidden", html)


def test_a_reply_cannot_quote_another_room(client, room, safe_room, practitioner, peer):
    """A reply_to is a number in the room's own sequence: another room's message
    (a safe space's, say) is never quoted."""
    secret = say(safe_room, peer, "Only in the safe corner.")
    say(room, peer, "Something else entirely.")
    client.force_login(practitioner)
    html = client.get(f"/forums/chat/{room.pk}/?reply_to={secret.seq}").content.decode()
    assert "safe corner" not in html


def test_day_separators_in_the_readers_zone(client, room, practitioner, peer):
    old = say(room, peer, "Yesterday's handover.")
    now = timezone.now()
    ChatMessage.objects.filter(pk=old.pk).update(
        created=now - datetime.timedelta(days=1)
    )
    say(room, peer, "Today's handover.")
    client.force_login(practitioner)
    html = client.get(f"/forums/chat/{room.pk}/").content.decode()
    days = re.findall(r'<li class="chat-day" data-day="([\d-]+)"><span>([^<]+)<', html)
    assert [label for _, label in days] == ["Yesterday", "Today"]
    assert html.index("Yesterday's handover") < html.index(">Today<")


def test_room_page_queries_do_not_grow_with_replies(
    client, room, practitioner, peer, django_assert_max_num_queries
):
    client.force_login(practitioner)
    first = say(room, peer, "First")
    for n in range(20):
        say(room, practitioner if n % 2 else peer, f"reply {n}", reply_to_id=first.seq)
    url = f"/forums/chat/{room.pk}/"
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        client.get(url)
    for n in range(20):
        say(room, peer, f"more {n}", reply_to_id=first.seq + n + 1)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(url)
