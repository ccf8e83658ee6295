"""What a phone shows (``community.push``), read as the phone reads it: the push
service here receives the encrypted payload and the browser's keys decrypt it.

A notification says what happened and where, in the member's language; never the
post's text, never who wrote it, and from a safe space not even the thread's title.
"""

import pytest

from community.models import Profile, PushSubscription
from forums import services
from tests.push_service import Browser, PushService, b64url

pytestmark = pytest.mark.django_db


@pytest.fixture
def phone(settings, practitioner):
    """The practitioner's phone, subscribed, wanting replies and mentions, in French."""
    settings.COMMUNITY = {**settings.COMMUNITY, "PUSH_ALLOW_LOCAL_ENDPOINTS": True}
    service = PushService()
    browser = Browser()
    PushSubscription.objects.create(
        user=practitioner,
        endpoint=f"{service.url}/send/1",
        p256dh=browser.p256dh,
        auth=b64url(browser.auth),
    )
    Profile.objects.update_or_create(
        user=practitioner,
        defaults={"push_kinds": ["reply", "mention"], "language": "fr"},
    )

    def shown() -> list[dict]:
        return [browser.read(body) for _path, _headers, body in service.received]

    yield shown
    service.stop()


def test_a_reply_says_what_and_where_in_the_members_language(
    phone, practitioner, peer, spaces, django_capture_on_commit_callbacks
):
    Profile.objects.update_or_create(
        user=peer, defaults={"display_name": "Joseph Banda"}
    )
    thread = services.thread_create(
        space=spaces.members, author=practitioner, title="Cord care", body="Who?"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.post_create(
            thread=thread, author=peer, body="Chlorhexidine gel, every day."
        )
    [message] = phone()
    assert message["title"] == "Nouvelle réponse"
    assert message["body"] == "Cord care"
    assert message["url"].startswith("/forums/notifications/")
    flat = str(message)
    assert "Joseph" not in flat and "Chlorhexidine" not in flat


def test_from_a_safe_space_not_even_the_title_nor_the_alias(
    phone, practitioner, peer, spaces, django_capture_on_commit_callbacks
):
    thread = services.thread_create(
        space=spaces.safe,
        author=practitioner,
        title="We lost a baby on Tuesday night",
        body="What could we have done?",
        anonymous=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.post_create(
            thread=thread,
            author=peer,
            body="The same happened to us; here is what changed.",
            anonymous=True,
        )
    [message] = phone()
    assert message["body"] == "Dans un espace sûr"
    flat = str(message).lower()
    for secret in ("lost a baby", "tuesday", "colleague", "collègue", "same happened"):
        assert secret not in flat
    assert str(peer.pk) not in message["url"].split("/")[-2:-1]


def test_a_kind_not_chosen_sends_nothing(
    phone, practitioner, peer, spaces, django_capture_on_commit_callbacks
):
    Profile.objects.filter(user=practitioner).update(push_kinds=["mention"])
    thread = services.thread_create(
        space=spaces.members, author=practitioner, title="Quiet", body="Hello"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.post_create(thread=thread, author=peer, body="A reply")
    assert phone() == []


def test_in_quiet_hours_nothing_comes_now(
    phone, practitioner, peer, spaces, django_capture_on_commit_callbacks
):
    import datetime

    Profile.objects.filter(user=practitioner).update(
        quiet_from=datetime.time(0, 0), quiet_until=datetime.time(23, 59, 59)
    )
    thread = services.thread_create(
        space=spaces.members, author=practitioner, title="Night", body="Hello"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.post_create(thread=thread, author=peer, body="A reply")
    assert phone() == []


def test_read_already_means_no_push(
    phone, practitioner, peer, spaces, django_capture_on_commit_callbacks
):
    from community import push
    from forums.models import Notification

    thread = services.thread_create(
        space=spaces.members, author=practitioner, title="Seen", body="Hello"
    )
    services.post_create(thread=thread, author=peer, body="A reply")
    notification = Notification.objects.get(user=practitioner)
    Notification.objects.filter(pk=notification.pk).update(read_at=thread.created)
    assert push.deliver.call(practitioner.pk, "reply", notification.pk) == 0
    assert phone() == []


def test_what_comes_in_quiet_hours_waits_for_their_end(phone, practitioner, settings):
    """On a worker that can defer, the push is queued again for when quiet ends."""
    import datetime

    from django_tasks import default_task_backend

    from community import push, zones
    from forums.models import Notification

    Profile.objects.filter(user=practitioner).update(
        quiet_from=datetime.time(0, 0), quiet_until=datetime.time(23, 59, 59)
    )
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}
    }
    thread = services.thread_create(
        space=services.space_create(name="Q", slug="q", visibility="members"),
        author=practitioner,
        title="Later",
        body="Hello",
    )
    notification = Notification.objects.create(
        user=practitioner, kind="reply", thread=thread, post=thread.last_post
    )
    assert push.deliver.call(practitioner.pk, "reply", notification.pk) == 0
    [later] = [
        r for r in default_task_backend.results if r.task.func == push.deliver.func
    ]
    # Queued for the end of quiet hours, in the member's zone.
    ends = later.task.run_after.astimezone(zones.reader_zone(practitioner))
    assert ends.time().replace(microsecond=0) == datetime.time(23, 59, 59)
    assert later.args == [practitioner.pk, "reply", notification.pk]
    assert phone() == []


def test_a_private_message_says_only_that_one_waits(
    phone, practitioner, peer, qi_member, spaces, django_capture_on_commit_callbacks
):
    """Also through the relay: the author's answer names nobody on the asker's lock
    screen, and says nothing of what was written."""
    import uuid

    from forums import chat
    from forums.conversations import services as conversations

    Profile.objects.filter(user=practitioner).update(push_kinds=["message"])
    Profile.objects.update_or_create(
        user=qi_member, defaults={"display_name": "Grace Otieno"}
    )
    thread = services.thread_create(
        space=spaces.safe,
        author=qi_member,
        title="A near miss with oxytocin",
        body="I nearly gave the wrong dose.",
        anonymous=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        relay = conversations.relay_start(
            asker=practitioner,
            post=thread.posts.get(),
            body="What helped?",
            client_id=str(uuid.uuid4()),
        )
    with django_capture_on_commit_callbacks(execute=True):
        chat.message_send(
            room=relay.room,
            author=qi_member,
            body="A second check by a colleague.",
            client_id=str(uuid.uuid4()),
        )
    [message] = phone()
    assert message["title"] == "Nouveau message privé"
    assert message["url"] == relay.get_absolute_url()
    flat = str(message).lower()
    for secret in ("grace", "otieno", "second check", "oxytocin", "collègue"):
        assert secret not in flat
