"""Replies and threads sent from the phone's outbox: the same ``client_id`` twice is
one post, whoever races whom; and the outbox can read what became of a send."""

import threading
import uuid

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from community.offline import LOCATION_HEADER, OUTBOX_HEADER, SIGN_IN_HEADER
from forums import services
from forums.models import Post, Thread

OUTBOX = {"headers": {OUTBOX_HEADER: "1"}}


def reply(client, thread, body: str, client_id, **extra):
    return client.post(
        reverse("forums:reply", args=[thread.pk]),
        {"body": body, "client_id": str(client_id)},
        **extra,
    )


def test_a_reply_sent_twice_is_one_post_at_one_address(
    client, practitioner, night_thread
):
    client.force_login(practitioner)
    sent = uuid.uuid4()
    first = reply(client, night_thread, "Ours is a Dräger.", sent)
    again = reply(client, night_thread, "Ours is a Dräger.", sent)
    assert first.status_code == again.status_code == 302
    assert first["Location"] == again["Location"]
    assert Post.objects.filter(thread=night_thread, client_id=sent).count() == 1
    night_thread.refresh_from_db()
    assert night_thread.post_count == 3  # the question, one reply before, this one


def test_a_resend_is_not_counted_against_the_rate_limit(
    client, practitioner, night_thread, settings
):
    """The outbox may send again whenever it is unsure: that is not posting fast."""
    settings.MODERATION = {"RATE_LIMITS": {"post": "1/3600"}}
    client.force_login(practitioner)
    sent = uuid.uuid4()
    assert reply(client, night_thread, "One reply.", sent).status_code == 302
    assert reply(client, night_thread, "One reply.", sent).status_code == 302
    refused = reply(client, night_thread, "A second reply.", uuid.uuid4())
    assert refused.status_code == 200  # the form again, saying why
    assert Post.objects.filter(thread=night_thread, author=practitioner).count() == 2


def test_another_members_same_client_id_is_their_own_post(
    client, practitioner, peer, night_thread
):
    sent = uuid.uuid4()
    for who in (practitioner, peer):
        client.force_login(who)
        assert reply(client, night_thread, f"From {who.pk}", sent).status_code == 302
    assert Post.objects.filter(client_id=sent).count() == 2


def test_a_new_thread_sent_twice_is_one_thread(client, practitioner, spaces):
    client.force_login(practitioner)
    sent = uuid.uuid4()
    form = {
        "title": "Cord care with chlorhexidine",
        "kind": "discussion",
        "body": "Who has tried it?",
        "client_id": str(sent),
    }
    first = client.post(
        reverse("forums:thread_create", args=[spaces.members.slug]), form
    )
    again = client.post(
        reverse("forums:thread_create", args=[spaces.members.slug]), form
    )
    assert first["Location"] == again["Location"]
    assert Thread.objects.filter(title=form["title"]).count() == 1


def test_without_javascript_nothing_changes(client, practitioner, night_thread):
    """No client_id (the script never ran): each send is a post, as before."""
    client.force_login(practitioner)
    for _ in range(2):
        client.post(reverse("forums:reply", args=[night_thread.pk]), {"body": "Twice."})
    assert Post.objects.filter(body="Twice.").count() == 2


def test_the_outbox_reads_where_a_stored_send_leads(client, practitioner, night_thread):
    client.force_login(practitioner)
    sent = reply(client, night_thread, "Stored.", uuid.uuid4(), **OUTBOX)
    assert sent.status_code == 204 and SIGN_IN_HEADER not in sent
    post = Post.objects.get(body="Stored.")
    assert sent[LOCATION_HEADER].endswith(f"#{post.anchor}")
    assert "no-store" in sent["Cache-Control"]
    # A refusal is the form again, as without the outbox: it is sent the usual way.
    refused = reply(client, night_thread, "", uuid.uuid4(), **OUTBOX)
    assert refused.status_code == 200


def test_a_send_after_the_session_ended_leads_to_sign_in(client, night_thread):
    sent = reply(Client(), night_thread, "Kept on the phone.", uuid.uuid4(), **OUTBOX)
    assert sent.status_code == 204
    assert sent[LOCATION_HEADER].startswith("/accounts/login/")
    assert sent[SIGN_IN_HEADER] == "1"
    assert not Post.objects.filter(body="Kept on the phone.").exists()


def test_a_malformed_client_id_is_a_form_error_not_a_failure(
    client, practitioner, night_thread
):
    client.force_login(practitioner)
    response = reply(client, night_thread, "Hello", "not-a-uuid")
    assert response.status_code == 200
    assert not Post.objects.filter(body="Hello").exists()


@pytest.mark.skipif(
    "connection.vendor != 'postgresql'", reason="row locks are PostgreSQL's"
)
@pytest.mark.django_db(transaction=True)
def test_two_tabs_sending_one_item_at_once_make_one_post(world):
    """Two tabs come back online together and both send the same outbox item."""
    from community.models import Role
    from tests.factories import member

    author = member(Role.PRACTITIONER, world.facility, email="twotabs@example.org")
    space = services.space_create(name="Race", slug="race", visibility="members")
    thread = services.thread_create(
        space=space, author=author, title="Race", body="Go", rate_limited=False
    )
    sent = uuid.uuid4()
    made = twice_at_once(
        lambda: (
            services.post_create(
                thread=thread, author=author, body="Once", client_id=sent
            ).pk
        )
    )
    assert len(made) == 2 and made[0] == made[1]
    assert Post.objects.filter(client_id=sent).count() == 1

    # A new thread, the same way.
    sent = uuid.uuid4()
    made = twice_at_once(
        lambda: (
            services.thread_create(
                space=space, author=author, title="Twice?", body="No", client_id=sent
            ).pk
        )
    )
    assert len(made) == 2 and made[0] == made[1]
    assert Thread.objects.filter(title="Twice?").count() == 1


def twice_at_once(send) -> list:
    """``send()`` in two threads released together; what each returned (a send
    that raised returns nothing, so the caller sees fewer than two)."""
    barrier = threading.Barrier(2)
    made = []

    def tab():
        try:
            barrier.wait()
            made.append(send())
        finally:
            connection.close()

    tabs = [threading.Thread(target=tab) for _ in range(2)]
    for each in tabs:
        each.start()
    for each in tabs:
        each.join()
    return made
