"""Private conversations and the anonymous relay: who reads and writes, read state,
emails, blocks, limits, reports, and that nobody else (moderators and administrators
included) reaches a conversation, and nobody learns a relay's author."""

import datetime
import json
import uuid

import pytest
from asgiref.sync import async_to_sync
from channels.routing import URLRouter
from channels.testing import WebsocketCommunicator
from django.contrib.auth import get_user_model
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from community.mentions import member_ref
from forums import chat, services
from forums.conversations import permissions
from forums.conversations import services as conversations
from forums.conversations.models import Block, Conversation, Participant
from forums.models import ChatMessage, Notification
from forums.routing import websocket_urlpatterns

from .conftest import named

User = get_user_model()


def _cid() -> str:
    return str(uuid.uuid4())


def _settled(*users) -> None:
    """Members past their first days (the new-member limits are tested apart)."""
    User.objects.filter(pk__in=[u.pk for u in users]).update(
        date_joined=timezone.now() - datetime.timedelta(days=60)
    )
    for user in users:
        user.refresh_from_db()


def _start(starter, *others, body="Can you send me your checklist?", **extra):
    return conversations.conversation_start(
        starter=starter, others=list(others), body=body, client_id=_cid(), **extra
    )


def _send(conversation, author, body="Thank you!"):
    return chat.message_send(
        room=conversation.room, author=author, body=body, client_id=_cid()
    )[0]


@pytest.fixture(autouse=True)
def _commits_at_once(monkeypatch):
    """What waits for the commit (emails, cache drops) runs at once: these tests
    share one transaction."""
    from django.db import transaction

    monkeypatch.setattr(
        transaction, "on_commit", lambda fn, using=None, robust=False: fn()
    )


@pytest.fixture
def people(practitioner, peer, qi_member, coach):
    named(practitioner, "Amina Njeri")
    named(peer, "Kofi Mensah")
    named(qi_member, "Grace Otieno")
    named(coach, "Joseph Banda")
    _settled(practitioner, peer, qi_member, coach)
    return practitioner, peer, qi_member, coach


@pytest.fixture
def pair(people):
    practitioner, peer, _qi, _coach = people
    return _start(practitioner, peer)


@pytest.fixture
def anonymous_post(spaces, people):
    """A safe-space admission, anonymous, by the QI member."""
    _practitioner, _peer, qi_member, _coach = people
    thread = services.thread_create(
        space=spaces.safe,
        author=qi_member,
        title="A near miss with oxytocin",
        body="I nearly gave the wrong dose last night.",
        anonymous=True,
    )
    return thread.posts.get(number=1)


@pytest.fixture
def relay(anonymous_post, people):
    practitioner = people[0]
    return conversations.relay_start(
        asker=practitioner,
        post=anonymous_post,
        body="What helped you catch it?",
        client_id=_cid(),
    )


# --- Starting and writing -----------------------------------------------------------------


def test_a_conversation_starts_with_its_first_message(pair, people):
    practitioner, peer, *_ = people
    assert set(pair.participants.values_list("user_id", flat=True)) == {
        practitioner.pk,
        peer.pk,
    }
    (message,) = ChatMessage.objects.filter(room=pair.room)
    assert message.author == practitioner and not message.anonymous
    assert message.body == "Can you send me your checklist?"


def test_writing_again_to_the_same_person_continues_the_open_conversation(pair, people):
    practitioner, peer, *_ = people
    again = _start(peer, practitioner, body="Here it is.")
    assert again == pair
    assert pair.room.messages.count() == 2


def test_a_form_sent_twice_starts_one_conversation(people):
    practitioner, peer, qi_member, _coach = people
    key = _cid()
    for _ in range(2):
        conversations.conversation_start(
            starter=practitioner, others=[peer, qi_member], body="Hi", client_id=key
        )
    assert Conversation.objects.count() == 1
    assert ChatMessage.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite serialises writers; the unique key matters on PostgreSQL",
)
def test_a_double_tap_on_two_workers_starts_one(people):
    from tests.races import at_once

    practitioner, peer, qi_member, _coach = people
    key = _cid()
    results = at_once(
        lambda: conversations.conversation_start(
            starter=practitioner, others=[peer, qi_member], body="Hi", client_id=key
        ),
        conversations.Refused,
    )
    assert results == ["counted"] * 4  # each tap answered with the same conversation
    assert Conversation.objects.count() == 1
    assert ChatMessage.objects.count() == 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(
    connection.vendor == "sqlite",
    reason="SQLite serialises writers; the row locks matter on PostgreSQL",
)
def test_two_people_writing_to_each_other_at_once_share_one_conversation(people):
    """Two devices of one member, and the other member writing back, all at once:
    one conversation between the two, holding every message."""
    from tests.races import at_once

    practitioner, peer, *_ = people
    turn = iter([practitioner, practitioner, peer, peer])

    def start():
        starter = next(turn)
        other = peer if starter == practitioner else practitioner
        conversations.conversation_start(
            starter=starter, others=[other], body="Hi", client_id=_cid()
        )

    assert at_once(start, conversations.Refused) == ["counted"] * 4
    assert Conversation.objects.count() == 1
    assert ChatMessage.objects.count() == 4


def test_a_group_has_at_most_eight_people(people, world):
    from community.models import Role
    from tests.factories import member

    practitioner = people[0]
    crowd = [
        member(Role.PRACTITIONER, world.facility, email=f"m{i}@example.org")
        for i in range(8)
    ]
    with pytest.raises(conversations.Refused, match="at most 8"):
        _start(practitioner, *crowd)
    assert _start(practitioner, *crowd[:7]).participants.count() == 8


def test_new_members_write_to_one_person_at_a_time_and_start_few(
    practitioner, peer, qi_member, coach
):
    User.objects.filter(pk=practitioner.pk).update(date_joined=timezone.now())
    practitioner.refresh_from_db()
    with pytest.raises(conversations.Refused, match="first days"):
        _start(practitioner, peer, qi_member)
    for other in (peer, qi_member, coach):
        _start(practitioner, other)
    with pytest.raises(conversations.Refused, match="one day allows"):
        _start(practitioner, peer, body="once more", about_url="/x/")
    # Writing in the conversations they have is not limited by this.
    _send(Conversation.objects.first(), practitioner)


def test_a_conversation_with_nobody_is_refused(people):
    with pytest.raises(conversations.Refused):
        _start(people[0])
    with pytest.raises(conversations.Refused):
        _start(people[0], people[0])


# --- Who reads and writes: its people, and nobody else -------------------------------------


OUTSIDERS = (
    "qi_member",
    "coach",
    "facility_lead",
    "district_lead",
    "national_team",
    "moderator",
    "superuser",
    "outsider",
)


@pytest.mark.parametrize("who", OUTSIDERS)
def test_nobody_outside_a_conversation_reaches_it(request, client, pair, who):
    user = request.getfixturevalue(who)
    room = pair.room
    assert not chat.can_view_room(user, room)
    assert not chat.can_send(user, room)
    client.force_login(user)
    for url in (
        pair.get_absolute_url(),
        reverse("forums:chat_room", args=[room.pk]),
        reverse("forums:chat_messages", args=[room.pk]) + "?after=0",
    ):
        assert client.get(url).status_code == 404, url
    sent = client.post(
        reverse("forums:chat_send", args=[room.pk]),
        {"body": "let me in", "client_id": _cid()},
    )
    assert sent.status_code == 404
    assert client.post(f"{pair.get_absolute_url()}do/leave/").status_code == 404
    assert room.messages.count() == 1


def test_a_visitor_is_sent_to_sign_in(client, pair):
    response = client.get(pair.get_absolute_url())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert client.get(reverse("forums:inbox")).status_code == 302


def test_its_people_read_and_write_and_a_room_link_leads_to_the_page(
    client, pair, people
):
    practitioner, peer, *_ = people
    client.force_login(peer)
    page = client.get(pair.get_absolute_url())
    assert page.status_code == 200
    assert "Can you send me your checklist?" in page.content.decode()
    assert "Amina Njeri" in page.content.decode()
    response = client.post(
        pair.get_absolute_url(), {"body": "Sending it now.", "client_id": _cid()}
    )
    assert response.status_code == 302
    room_url = reverse("forums:chat_room", args=[pair.room.pk]) + "?before=2"
    assert client.get(room_url)["Location"] == f"{pair.get_absolute_url()}?before=2"


def test_an_empty_message_is_refused_and_the_page_keeps_nothing_typed_lost(
    client, pair, people
):
    client.force_login(people[1])
    too_long = "x" * 2001
    response = client.post(
        pair.get_absolute_url(), {"body": too_long, "client_id": _cid()}
    )
    assert response.status_code == 400
    assert too_long in response.content.decode()


def test_a_member_who_left_no_longer_reads_it(client, pair, people):
    practitioner, peer, *_ = people
    conversations.leave(user=peer, conversation=pair)
    client.force_login(peer)
    assert client.get(pair.get_absolute_url()).status_code == 404
    assert not chat.can_view_room(peer, pair.room)
    client.force_login(practitioner)
    assert "(left)" in client.get(pair.get_absolute_url()).content.decode()


# --- Read state, the inbox and emails -----------------------------------------------------


def test_unread_counts_move_with_messages_and_reading(client, pair, people):
    practitioner, peer, *_ = people
    assert conversations.unread_count(peer) == 1
    assert conversations.unread_count(practitioner) == 0
    client.force_login(peer)
    client.get(pair.get_absolute_url())
    assert conversations.unread_count(peer) == 0
    _send(pair, practitioner, "And the poster too.")
    assert conversations.unread_count(peer) == 1
    response = client.post(f"{pair.get_absolute_url()}do/read/", {"seq": "99"})
    assert response.status_code == 200
    assert Participant.objects.get(conversation=pair, user=peer).last_read_seq == 2
    assert conversations.unread_count(peer) == 0


def test_the_nav_shows_the_unread_count(client, pair, people):
    client.force_login(people[1])
    page = client.get(reverse("forums:index")).content.decode()
    assert reverse("forums:inbox") in page
    assert "1 conversation unread" in page


def test_muted_conversations_send_no_email_and_count_nothing(pair, people):
    practitioner, peer, *_ = people
    conversations.set_muted(user=peer, conversation=pair, muted=True)
    mail.outbox.clear()
    _send(pair, practitioner, "Are you there?")
    assert conversations.unread_count(peer) == 0
    assert mail.outbox == []


def test_one_email_per_unread_stretch_in_the_members_language(client, pair, people):
    from community.models import Profile

    practitioner, peer, *_ = people
    assert len(mail.outbox) == 1  # the first message
    first = mail.outbox[0]
    assert first.to == [peer.email] and "Amina Njeri" in first.subject
    _send(pair, practitioner, "One more thing")
    assert len(mail.outbox) == 1  # still unread: no second email
    client.force_login(peer)
    client.get(pair.get_absolute_url())
    Profile.objects.filter(user=peer).update(language="fr")
    _send(pair, practitioner, "Et encore")
    assert len(mail.outbox) == 2
    assert "message privé" in mail.outbox[1].subject


def test_a_mail_server_failure_loses_no_notice(pair, people, monkeypatch):
    """The claim is given back when the server refuses: the next message tells them."""
    import smtplib

    from django.core.mail.backends.locmem import EmailBackend

    practitioner, peer, *_ = people
    conversations.mark_read(user=peer, conversation=pair, seq=1)
    mail.outbox.clear()
    real = EmailBackend.send_messages

    def refuse(self, messages):
        raise smtplib.SMTPServerDisconnected("down")

    monkeypatch.setattr(EmailBackend, "send_messages", refuse)
    _send(pair, practitioner, "Lost?")
    assert mail.outbox == []
    monkeypatch.setattr(EmailBackend, "send_messages", real)
    _send(pair, practitioner, "Found.")
    (email,) = mail.outbox
    assert email.to == [peer.email]


def test_no_email_when_the_member_said_no(pair, people):
    practitioner, peer, *_ = people
    services.email_unsubscribe(user=peer, kind="message")
    assert conversations.mark_read(user=peer, conversation=pair, seq=1)
    mail.outbox.clear()
    _send(pair, practitioner)
    assert mail.outbox == []


def test_the_inbox_costs_the_same_for_3_or_12_conversations(client, people, world):
    from community.models import Role
    from tests.factories import member

    practitioner = people[0]
    others = [
        member(Role.PRACTITIONER, world.facility, email=f"in{i}@example.org")
        for i in range(12)
    ]
    client.force_login(practitioner)

    def cost():
        client.get(reverse("forums:inbox"))  # the kept counts filled, as usual
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("forums:inbox")).status_code == 200
        return len(queries)

    for other in others[:3]:
        _start(other, practitioner)
    three = cost()
    for other in others[3:]:
        _start(other, practitioner)
    assert cost() == three


def test_a_conversation_page_costs_the_same_for_5_or_40_messages(client, pair, people):
    practitioner, peer, *_ = people
    client.force_login(peer)

    def cost():
        client.get(pair.get_absolute_url())  # the kept counts filled, as usual
        with CaptureQueriesContext(connection) as queries:
            assert client.get(pair.get_absolute_url()).status_code == 200
        return len(queries)

    for n in range(4):
        _send(pair, practitioner if n % 2 else peer, f"message {n}")
    five = cost()
    for n in range(35):
        chat.message_send(
            room=pair.room,
            author=practitioner if n % 2 else peer,
            body=f"more {n}",
            client_id=_cid(),
            rate_limited=False,
        )
    assert cost() == five


# --- Blocks ---------------------------------------------------------------------------------


def test_a_block_is_silent_the_blocked_member_sees_nothing_different(
    client, pair, people
):
    """Peer blocks Amina: what Amina writes is kept and reaches nobody; no page,
    refusal or list tells her. Undone, the conversation comes back to Peer."""
    practitioner, peer, qi_member, _coach = people
    client.force_login(practitioner)
    before = client.get(pair.get_absolute_url()).content.decode()
    conversations.block(blocker=peer, blocked=practitioner)
    after = client.get(pair.get_absolute_url()).content.decode()
    assert "(left)" not in after and "Kofi Mensah" in after
    assert before.count("Kofi Mensah") == after.count("Kofi Mensah")
    assert chat.can_send(practitioner, pair.room)
    mail.outbox.clear()
    _send(pair, practitioner, "Are you there?")
    again = _start(practitioner, peer, body="Hello again", about_url="/elsewhere/")
    assert mail.outbox == []
    assert conversations.unread_count(peer) == 0
    assert not permissions.can_view(peer, pair)
    assert not permissions.can_view(peer, again)
    client.force_login(peer)
    assert client.get(pair.get_absolute_url()).status_code == 404
    inbox = client.get(reverse("forums:inbox")).content.decode()
    assert "Are you there?" not in inbox and "Hello again" not in inbox
    # The blocker is told why they cannot write to whom they blocked.
    with pytest.raises(conversations.Refused, match="You blocked Amina Njeri"):
        _start(peer, practitioner, about_url="/x/")
    # A new group she starts does not reach Peer either (Grace reads it).
    group = _start(practitioner, peer, qi_member)
    assert not permissions.can_view(peer, group)
    assert permissions.can_view(qi_member, group)
    conversations.unblock(blocker=peer, blocked=practitioner)
    assert permissions.can_view(peer, pair) and permissions.can_view(peer, again)


def test_blocking_from_the_conversation_lands_on_the_inbox(client, pair, people):
    practitioner, peer, *_ = people
    client.force_login(peer)
    page = client.get(pair.get_absolute_url()).content.decode()
    assert "Block Amina Njeri" in page
    assert f'name="next" value="{reverse("forums:inbox")}"' in page
    response = client.post(
        reverse("forums:conversation_block", args=[practitioner.pk]),
        {"next": reverse("forums:inbox")},
    )
    assert response["Location"] == reverse("forums:inbox")
    assert client.get(response["Location"]).status_code == 200


def test_blocking_from_a_member_page(client, people):
    practitioner, peer, *_ = people
    client.force_login(peer)
    page = client.get(reverse("community:member", args=[practitioner.pk]))
    html = page.content.decode()
    assert "Send a private message" in html and "Block from writing to me" in html
    client.post(reverse("forums:conversation_block", args=[practitioner.pk]))
    assert Block.objects.filter(blocker=peer, blocked=practitioner).exists()
    assert (
        "Amina Njeri"
        in client.get(reverse("forums:conversations_blocked")).content.decode()
    )
    client.post(
        reverse("forums:conversation_block", args=[practitioner.pk]), {"undo": "1"}
    )
    assert not Block.objects.exists()


def test_no_message_link_to_oneself_or_for_visitors(client, people):
    practitioner = people[0]
    url = reverse("community:member", args=[practitioner.pk])
    assert "Send a private message" not in client.get(url).content.decode()
    client.force_login(practitioner)
    assert "Send a private message" not in client.get(url).content.decode()


# --- Starting from a page ----------------------------------------------------------------


def test_starting_from_a_member_page_by_form(client, people):
    practitioner, peer, qi_member, _coach = people
    client.force_login(practitioner)
    url = f"{reverse('forums:conversation_start')}?to={member_ref(peer.pk)}"
    page = client.get(url)
    assert "Kofi Mensah" in page.content.decode()
    form = {"to": member_ref(peer.pk), "client_id": _cid(), "names": "", "body": ""}
    refused = client.post(url, {**form, "names": "Nobody Here"})
    assert refused.status_code == 400
    assert "No member is called Nobody Here" in refused.content.decode()
    response = client.post(
        url, {**form, "names": "@Grace Otieno", "body": "Shall we three meet?"}
    )
    assert response.status_code == 302
    conversation = Conversation.objects.get()
    assert set(conversation.participants.values_list("user_id", flat=True)) == {
        practitioner.pk,
        peer.pk,
        qi_member.pk,
    }


def test_a_named_post_offers_a_private_message_and_the_conversation_names_it(
    client, spaces, people
):
    practitioner, peer, *_ = people
    thread = services.thread_create(
        space=spaces.members, author=peer, title="Our checklist", body="It works."
    )
    client.force_login(practitioner)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert "Message privately" in html
    post = thread.posts.get()
    start = f"{reverse('forums:conversation_start')}?to={member_ref(peer.pk)}&about={post.ref}"
    response = client.post(
        start,
        {
            "to": member_ref(peer.pk),
            "about": post.ref,
            "client_id": _cid(),
            "body": "Can I have it?",
        },
    )
    conversation = Conversation.objects.get()
    assert conversation.about_post == post
    page = client.get(response["Location"].split("#")[0]).content.decode()
    assert "Our checklist" in page


def test_a_page_named_by_another_app_is_signed(client, people):
    practitioner, peer, *_ = people
    url = conversations.start_url(
        [peer], about_title="Hillside visits Kato", about_url="/events/visits/x/"
    )
    client.force_login(practitioner)
    assert "Hillside visits Kato" in client.get(url).content.decode()
    forged = url.split("&page=")[0] + "&page=evil"
    assert "Hillside visits Kato" not in client.get(forged).content.decode()


def test_people_are_added_to_a_group_and_read_it_from_the_start(client, pair, people):
    practitioner, peer, qi_member, coach = people
    client.force_login(practitioner)
    url = f"{pair.get_absolute_url()}add/"
    refused = client.post(url, {"add-names": "Nobody Here"})
    assert refused.status_code == 400
    html = refused.content.decode()
    assert (
        "No member is called Nobody Here" in html and "Nobody Here</textarea>" in html
    )
    mail.outbox.clear()
    client.post(url, {"add-names": "Grace Otieno\n@Joseph Banda"})
    assert permissions.can_view(qi_member, pair) and permissions.can_view(coach, pair)
    assert conversations.unread_count(qi_member) == 1
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [qi_member.email, coach.email]
    )
    client.force_login(qi_member)
    assert (
        "Can you send me your checklist?"
        in client.get(pair.get_absolute_url()).content.decode()
    )


def test_nobody_is_added_to_a_relay_or_past_the_size_cap(relay, pair, people, world):
    from community.models import Role
    from tests.factories import member

    practitioner, peer, qi_member, coach = people
    with pytest.raises(conversations.Refused):
        conversations.add_people(by=practitioner, conversation=relay, others=[coach])
    crowd = [
        member(Role.PRACTITIONER, world.facility, email=f"add{i}@example.org")
        for i in range(7)
    ]
    with pytest.raises(conversations.Refused, match="at most 8"):
        conversations.add_people(by=practitioner, conversation=pair, others=crowd)
    with pytest.raises(conversations.Refused):  # only its people add people
        conversations.add_people(by=qi_member, conversation=pair, others=[coach])
    # Whoever blocked the one adding them comes in silenced: nobody is told.
    conversations.block(blocker=coach, blocked=practitioner)
    conversations.add_people(by=practitioner, conversation=pair, others=[coach])
    assert not permissions.can_view(coach, pair)
    # Whoever left is not brought back by someone else.
    conversations.leave(user=peer, conversation=pair)
    with pytest.raises(conversations.Refused, match="Kofi Mensah left"):
        conversations.add_people(by=practitioner, conversation=pair, others=[peer])


# --- Reports: a moderator sees that message and the few before it ---------------------------


def test_a_reported_message_reaches_moderators_with_its_context_only(
    client, pair, people, moderator
):
    from moderation import services as moderation_services
    from moderation.models import Case

    practitioner, peer, *_ = people
    for n in range(6):
        _send(pair, practitioner if n % 2 else peer, f"earlier message {n}")
    bad = _send(pair, practitioner, "Send me money or else")
    client.force_login(peer)
    page = client.get(pair.get_absolute_url()).content.decode()
    report = f"{pair.get_absolute_url()}report/{bad.seq}/"
    assert report in page
    form = client.get(report)
    assert form.status_code == 302 and "/moderation/flag/" in form["Location"]
    assert "Send me money or else" in client.get(form["Location"]).content.decode()
    client.force_login(practitioner)
    mine = client.get(report)
    assert mine["Location"] == pair.get_absolute_url()  # one's own: not reported
    client.force_login(peer)
    moderation_services.flag_create(content=bad, flagger=peer, reason="abuse")
    case = Case.objects.get()
    assert "Send me money or else" in case.excerpt
    assert "earlier message 5" in case.excerpt and "earlier message 2" in case.excerpt
    assert "earlier message 1" not in case.excerpt
    assert "Can you send me your checklist?" not in case.excerpt
    client.force_login(moderator)
    queue = client.get(reverse("moderation:queue")).content.decode()
    assert "Send me money or else" in queue
    assert "earlier message 0" not in queue
    assert pair.get_absolute_url() not in queue
    assert client.get(pair.get_absolute_url()).status_code == 404


def test_the_audit_log_keeps_the_decision_not_the_private_words(
    client, pair, people, moderator, national_team
):
    from moderation import services as moderation_services
    from moderation.models import Decision

    practitioner, peer, *_ = people
    bad = _send(pair, practitioner, "Send me money or else")
    moderation_services.flag_create(content=bad, flagger=peer, reason="abuse")
    moderation_services.decision_make(
        content=bad, moderator=moderator, action="hide", reason="Threat"
    )
    decision = Decision.objects.get()
    assert "money" not in decision.excerpt and "private message" in decision.excerpt
    client.force_login(national_team)
    log = client.get(reverse("moderation:audit_log")).content.decode()
    assert "Send me money" not in log


def test_a_relay_report_shows_the_author_by_alias_even_after_a_reveal(relay, people):
    from forums.moderation_adapters import conversation_excerpt

    practitioner, _peer, qi_member, _coach = people
    conversations.reveal(user=qi_member, conversation=relay)
    _send(relay, qi_member, "It was me.")
    rude = _send(relay, practitioner, "How could you!")
    excerpt = conversation_excerpt(rude)
    assert "Colleague A: It was me." in excerpt
    assert "Grace Otieno" not in excerpt


# --- The relay: the asker never learns who the author is -----------------------------------


def _everything_the_asker_sees(client, relay, asker):
    client.force_login(asker)
    texts = [
        client.get(relay.get_absolute_url()).content.decode(),
        client.get(reverse("forums:inbox")).content.decode(),
        client.get(
            reverse("forums:chat_messages", args=[relay.room.pk]) + "?after=0"
        ).content.decode(),
    ]
    return "\n".join(texts)


def _leaks(text, user):
    return [
        n for n in (user.email, user.profile.display_name, user.username) if n in text
    ] + ([member_ref(user.pk)] if member_ref(user.pk) in text else [])


def test_the_relay_shows_the_author_as_the_posts_alias_only(
    client, relay, anonymous_post, people
):
    practitioner, _peer, qi_member, _coach = people
    mail.outbox.clear()
    _send(relay, qi_member, "The second check by a colleague.")
    message = ChatMessage.objects.filter(room=relay.room).latest("seq")
    assert message.anonymous and message.alias == anonymous_post.alias
    seen = _everything_the_asker_sees(client, relay, practitioner)
    assert "The second check by a colleague." in seen
    assert anonymous_post.byline in seen
    assert not _leaks(seen, qi_member)
    (email,) = mail.outbox
    assert email.to == [practitioner.email]
    assert not _leaks(email.subject + email.body + email.alternatives[0][0], qi_member)
    assert not Notification.objects.exists()


def test_the_author_sees_who_asked(client, relay, people):
    practitioner, _peer, qi_member, _coach = people
    client.force_login(qi_member)
    page = client.get(relay.get_absolute_url()).content.decode()
    assert "Amina Njeri" in page
    assert "What helped you catch it?" in page
    (email,) = [m for m in mail.outbox if m.to == [qi_member.email]]
    assert "anonymous post" in email.subject


def test_the_hidden_author_cannot_sign_a_message_by_asking(client, relay, people):
    qi_member = people[2]
    client.force_login(qi_member)
    response = client.post(
        reverse("forums:chat_send", args=[relay.room.pk]),
        json.dumps({"body": "me", "client_id": _cid(), "anonymous": False}),
        content_type="application/json",
    )
    assert response.status_code == 201
    body = response.json()
    assert body["author"] is None and body["alias"]
    assert ChatMessage.objects.get(body="me").anonymous


def test_the_author_may_reveal_their_name_and_only_they_may(client, relay, people):
    practitioner, _peer, qi_member, _coach = people
    with pytest.raises(conversations.Refused):
        conversations.reveal(user=practitioner, conversation=relay)
    conversations.reveal(user=qi_member, conversation=relay)
    _send(relay, qi_member, "It was me, Grace.")
    assert not ChatMessage.objects.get(body="It was me, Grace.").anonymous
    client.force_login(practitioner)
    assert "Grace Otieno" in client.get(relay.get_absolute_url()).content.decode()


def test_the_author_closes_the_relay_at_any_time(client, relay, people):
    practitioner, _peer, qi_member, _coach = people
    client.force_login(qi_member)
    client.post(f"{relay.get_absolute_url()}do/close/")
    relay.room.refresh_from_db()
    assert not relay.room.is_open()
    with pytest.raises(chat.ChatError) as refused:
        _send(relay, practitioner, "Please answer")
    assert refused.value.code == "room_closed"
    client.force_login(practitioner)
    assert (
        "What helped you catch it?"
        in client.get(relay.get_absolute_url()).content.decode()
    )


def test_a_relay_opens_the_same_whatever_the_author_did(client, anonymous_post, people):
    """Blocked by the author, or the author's account closed: the asker sees what
    they see when the author simply has not answered yet."""
    practitioner, peer, qi_member, _coach = people

    def asked(asker):
        relay = conversations.relay_start(
            asker=asker, post=anonymous_post, body="Hello", client_id=_cid()
        )
        client.force_login(asker)
        page = client.get(relay.get_absolute_url())
        assert page.status_code == 200
        return relay, page.content.decode()

    _plain, plain = asked(peer)
    mail.outbox.clear()
    conversations.block(blocker=qi_member, blocked=practitioner)
    blocked_relay, blocked = asked(practitioner)
    assert chat.can_send(practitioner, blocked_relay.room)

    def shape(html, asker):
        """The page without what differs by nature: the asker's name, tokens, ids."""
        import re

        html = html.replace(asker.profile.display_name, "ASKER")
        html = re.sub(r'value="[^"]*"', 'value=""', html)
        html = re.sub(r"/forums/messages/[a-z2-7]{10}/", "/M/", html)
        html = re.sub(r"/forums/chat/\d+/", "/C/", html)
        html = re.sub(r'data-(chat-room|ws-path|poll-url|send-url)="[^"]*"', "", html)
        html = re.sub(r"/ws/chat/\d+/", "", html)
        html = re.sub(r"\d{2}:\d{2}", "HH:MM", html)
        main = html.split("<main", 1)[1].split("</main>", 1)[0]
        return re.sub(r'id="m\d+"', "", main)

    assert shape(plain, peer) == shape(blocked, practitioner)
    # The author never has it in their inbox, and gets no email about it.
    assert not permissions.can_view(qi_member, blocked_relay)
    assert not [m for m in mail.outbox if m.to == [qi_member.email]]


def test_a_block_after_the_relay_opened_silences_it_for_the_author(
    client, relay, people
):
    practitioner, _peer, qi_member, _coach = people
    conversations.block(blocker=qi_member, blocked=practitioner)
    mail.outbox.clear()
    _send(relay, practitioner, "Hello?")
    assert mail.outbox == []
    assert not permissions.can_view(qi_member, relay)
    assert chat.can_send(practitioner, relay.room)
    client.force_login(practitioner)
    page = client.get(relay.get_absolute_url()).content.decode()
    assert "The author of a post in" in page and "Grace Otieno" not in page


def test_a_relay_stays_a_relay_if_its_post_goes(client, relay, anonymous_post, people):
    from forums.models import Post

    practitioner = people[0]
    Post.objects.filter(pk=anonymous_post.pk).delete()
    relay.refresh_from_db()
    assert relay.is_relay and relay.relay_post is None
    client.force_login(practitioner)
    page = client.get(relay.get_absolute_url()).content.decode()
    assert "The author of a post in" not in page  # its thread is gone with the post
    assert "Colleague A" in page and "Grace Otieno" not in page
    with pytest.raises(conversations.Refused):
        conversations.add_people(
            by=practitioner, conversation=relay, others=[people[1]]
        )


def test_the_relay_link_is_on_others_anonymous_posts_for_members_only(
    client, anonymous_post, people
):
    practitioner, _peer, qi_member, _coach = people
    thread_url = anonymous_post.thread.get_absolute_url()
    client.force_login(practitioner)
    assert "Reply privately to the author" in client.get(thread_url).content.decode()
    client.force_login(qi_member)
    assert (
        "Reply privately to the author" not in client.get(thread_url).content.decode()
    )
    response = client.get(reverse("forums:ask_author", args=[anonymous_post.pk]))
    assert response.status_code == 403


def test_the_relay_link_does_not_depend_on_the_author(client, anonymous_post, people):
    practitioner, _peer, qi_member, _coach = people
    thread_url = anonymous_post.thread.get_absolute_url()
    client.force_login(practitioner)
    before = client.get(thread_url).content.decode().count("Reply privately")
    conversations.block(blocker=qi_member, blocked=practitioner)
    User.objects.filter(pk=qi_member.pk).update(is_active=False)
    after = client.get(thread_url).content.decode().count("Reply privately")
    assert before == after == 1


def test_asking_from_the_post_page_and_again_goes_to_the_open_relay(
    client, anonymous_post, people
):
    practitioner = people[0]
    client.force_login(practitioner)
    url = reverse("forums:ask_author", args=[anonymous_post.pk])
    page = client.get(url).content.decode()
    assert anonymous_post.byline in page and "will see your name" in page
    empty = client.post(url, {"body": "", "client_id": _cid()})
    assert empty.status_code == 400
    client.post(url, {"body": "Thank you for writing this.", "client_id": _cid()})
    relay = Conversation.objects.get(relay_post=anonymous_post)
    assert client.get(url)["Location"] == relay.get_absolute_url()


def test_no_name_lookup_in_a_relay_tells_who_reads_it(client, relay, people):
    """Mention suggestions and "@Name" links answer "who can read this room": in a
    relay that is the author, so conversations have neither."""
    practitioner, peer, qi_member, _coach = people
    client.force_login(practitioner)
    url = reverse("forums:chat_mention_suggestions", args=[relay.room.pk])
    for query in ("G", "Grace", "Kofi"):
        response = client.get(url, {"q": query})
        assert response.status_code == 200 and response.json() == {"results": []}
    for name in ("@Grace Otieno", "@Kofi Mensah"):
        message = _send(relay, practitioner, f"Is it you, {name}?")
        assert "<a" not in message.body_html
    client.force_login(peer)
    assert client.get(url, {"q": "G"}).status_code == 404


def test_a_relay_report_is_decided_as_safe_space_content(relay, people, district_lead):
    from moderation import permissions as moderation_permissions

    qi_member = people[2]
    answer = _send(relay, qi_member, "Leave me alone")
    assert not moderation_permissions.can_moderate(district_lead, answer)


@pytest.mark.django_db(transaction=True)
def test_sockets_refuse_outsiders_and_never_carry_a_relays_author(
    relay, pair, people, settings
):
    """Real commits: the consumer reads the database from its own thread."""
    settings.CHANNEL_LAYERS = {
        "default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}
    }
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    practitioner, peer, qi_member, coach = people
    app = URLRouter(websocket_urlpatterns)

    async def session():
        from asgiref.sync import sync_to_async

        stranger = WebsocketCommunicator(app, f"/ws/chat/{pair.room.pk}/?after=0")
        stranger.scope["user"] = coach
        connected, code = await stranger.connect()
        assert not connected and code == 4403
        sockets = []
        for room, user in ((pair.room, peer), (relay.room, practitioner)):
            socket = WebsocketCommunicator(app, f"/ws/chat/{room.pk}/?after=0")
            socket.scope["user"] = user
            connected, _code = await socket.connect()
            assert connected
            sockets.append(socket)
        await sync_to_async(_send)(relay, qi_member, "Live answer")
        frames = []
        for socket in sockets:
            while not await socket.receive_nothing(timeout=0.3):
                frames.append(await socket.receive_from())
            await socket.disconnect()
        return frames

    frames = async_to_sync(session)()
    channel_layers.backends.clear()
    messages = [
        json.loads(f) for f in frames if '"type":"message"' in f.replace(" ", "")
    ]
    assert {"name": "Amina Njeri"} in [m["author"] for m in messages]
    assert any("Live answer" in m["body_html"] for m in messages)
    for frame in frames:
        assert not _leaks(frame, qi_member), frame
    # No "here now": it could show, live, when the author opens the relay.
    assert not [f for f in frames if '"presence"' in f]


# --- Admin screens and personal data ------------------------------------------------------


def test_no_admin_screen_holds_conversations():
    from django.contrib import admin
    from wagtail.snippets.models import get_snippet_models

    private = {Conversation, Participant, Block, ChatMessage}
    assert not private & set(admin.site._registry)
    assert not private & set(get_snippet_models())


def test_the_data_download_holds_their_conversations_and_blocks(pair, people):
    from community.personal_data import export

    practitioner, peer, *_ = people
    conversations.block(blocker=practitioner, blocked=peer)
    data = export(practitioner)["forums"]
    assert len(data["private_conversations"]) == 1
    assert data["members_you_blocked"][0]["blocked__profile__display_name"] == (
        "Kofi Mensah"
    )
    assert any(m["body"].startswith("Can you send") for m in data["chat_messages"])


def test_someone_added_later_does_not_learn_a_thread_they_cannot_read(
    client, people, spaces, world
):
    """A conversation about a post in the district's space names that thread only to
    the people who may read it: a member added from another district reads the
    messages, not the title of a space closed to them."""
    from community.models import Role
    from tests.factories import member

    practitioner, peer, *_ = people
    thread = services.thread_create(
        space=spaces.district,
        author=peer,
        title="Stock-outs at North Clinic",
        body="We ran out again.",
    )
    post = thread.posts.get()
    conversation = _start(
        practitioner,
        peer,
        about_post=post,
        about_title=thread.title,
        about_url=post.get_absolute_url(),
    )
    south = named(member(Role.PRACTITIONER, world.other_facility), "Esi Boateng")
    _settled(south)
    client.force_login(practitioner)
    client.post(f"{conversation.get_absolute_url()}add/", {"add-names": "Esi Boateng"})
    assert permissions.can_view(south, conversation)
    assert (
        "Stock-outs at North Clinic"
        in client.get(conversation.get_absolute_url()).content.decode()
    )
    client.force_login(south)
    page = client.get(conversation.get_absolute_url()).content.decode()
    assert "Can you send me your checklist?" in page
    assert "Stock-outs at North Clinic" not in page
    assert post.get_absolute_url() not in page


@pytest.mark.parametrize("action", ["mute", "suspend"])
def test_a_relays_author_is_never_told_to_write_under_their_name(
    relay, people, moderator, action
):
    """Elsewhere an anonymous-only sanction says "you can still write under your
    name". In a relay that would be sharing who they are: neither the notice nor the
    refusal of their next message suggests it."""
    from moderation import services as moderation_services
    from moderation.models import Notice

    qi_member = people[2]
    answer = _send(relay, qi_member, "Leave me alone")
    moderation_services.decision_make(
        content=answer, moderator=moderator, action=action, reason="Be kind"
    )
    notice = Notice.objects.filter(user=qi_member).latest("pk").text
    assert "anonymous" in notice and "here" in notice
    assert "under your name" not in notice
    with pytest.raises(chat.ChatError) as refused:
        _send(relay, qi_member, "One more thing")
    assert "paused anonymous" in str(refused.value)
    assert "under your name" not in str(refused.value)
