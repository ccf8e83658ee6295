"""Immediate emails, the digest, and one-click unsubscribe."""

import datetime as dt

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from community import services as community_services
from forums import digest, services
from forums.models import Digest, Preferences
from forums.tokens import make_unsubscribe_token

from .conftest import named


@pytest.fixture
def question(practitioner, spaces):
    named(practitioner, "Amina Diallo")
    return services.thread_create(
        space=spaces.safe,
        author=practitioner,
        title="Night shift alone",
        body="How do you cope?",
        kind="question",
    )


def _reply(thread, author, body, anonymous, capture):
    with capture(execute=True):
        return services.post_create(
            thread=thread, author=author, body=body, anonymous=anonymous
        )


def test_reply_email_has_plain_text_and_unsubscribe_headers(
    question, peer, practitioner, django_capture_on_commit_callbacks
):
    named(peer, "Esther Banda")
    _reply(
        question,
        peer,
        "Ask for a call chain",
        False,
        django_capture_on_commit_callbacks,
    )
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [practitioner.email]
    assert "Esther Banda" in message.subject
    assert "Ask for a call chain" in message.body  # the plain-text part
    assert message.alternatives[0][1] == "text/html"
    assert message.extra_headers["List-Unsubscribe"].startswith("<http")
    assert (
        message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    )
    assert "/forums/unsubscribe/" in message.body


def test_anonymous_reply_email_never_names_the_author(
    question, peer, django_capture_on_commit_callbacks
):
    named(peer, "Kofi Asante")
    _reply(
        question, peer, "Me too, every week", True, django_capture_on_commit_callbacks
    )
    message = mail.outbox[0]
    everything = message.subject + message.body + message.alternatives[0][0]
    assert "Kofi Asante" not in everything
    assert peer.username not in everything and peer.email not in everything
    assert "Colleague A" in message.subject  # the alias the thread shows


def test_mention_email_sent_to_the_mentioned_member(
    question, peer, qi_member, django_capture_on_commit_callbacks
):
    named(qi_member, "Grace Phiri")
    _reply(
        question,
        peer,
        "@Grace Phiri what do you think?",
        False,
        django_capture_on_commit_callbacks,
    )
    recipients = sorted(m.to[0] for m in mail.outbox)
    assert qi_member.email in recipients
    mention = next(m for m in mail.outbox if m.to == [qi_member.email])
    assert "mentioned you" in mention.subject


def test_answer_email(question, peer, practitioner, django_capture_on_commit_callbacks):
    answer = _reply(
        question, peer, "Call chain", False, django_capture_on_commit_callbacks
    )
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.thread_mark_answer(thread=question, post=answer, by=practitioner)
    assert [m.to for m in mail.outbox] == [[peer.email]]
    assert "marked as the answer" in mail.outbox[0].subject


def test_unsubscribed_member_gets_no_email(
    question, peer, practitioner, django_capture_on_commit_callbacks
):
    services.email_unsubscribe(user=practitioner, kind="reply")
    _reply(question, peer, "hello", False, django_capture_on_commit_callbacks)
    assert mail.outbox == []


def test_the_link_asks_first_then_unsubscribes_without_login(client, practitioner):
    """Opening the link changes nothing (mail scanners open every link); the page's
    button does it, and offers to undo."""
    token = make_unsubscribe_token(practitioner, "reply")
    url = reverse("forums:unsubscribe", args=[token])
    response = client.get(url)
    assert response.status_code == 200
    assert "Stop these emails?" in response.text
    assert not Preferences.objects.filter(user=practitioner, email_reply=False).exists()
    response = client.post(url)
    assert response.status_code == 200
    assert Preferences.objects.get(user=practitioner).email_reply is False
    # Undo from the same page.
    client.post(url, {"undo": "1"})
    assert Preferences.objects.get(user=practitioner).email_reply is True


def test_rfc8058_one_click_post(client, practitioner):
    token = make_unsubscribe_token(practitioner, "digest")
    response = client.post(
        reverse("forums:unsubscribe", args=[token]),
        {"List-Unsubscribe": "One-Click"},
    )
    assert response.status_code == 204
    assert Preferences.objects.get(user=practitioner).digest == Digest.NONE


def test_the_token_says_nothing_about_the_member(practitioner):
    import base64

    token = make_unsubscribe_token(practitioner, "reply")
    raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    assert b'"u"' not in raw and str(practitioner.pk).encode() + b"," not in raw
    assert b"reply" not in raw


def test_an_old_link_expires_with_a_clear_page(client, practitioner, monkeypatch):
    import time as clock

    token = make_unsubscribe_token(practitioner, "reply")
    later = clock.time() + 61 * 86400
    monkeypatch.setattr("cryptography.fernet.time.time", lambda: later)
    response = client.post(reverse("forums:unsubscribe", args=[token]))
    assert response.status_code == 410
    assert "too old" in response.text
    assert not Preferences.objects.filter(user=practitioner, email_reply=False).exists()


def test_forged_token_changes_nothing(client, practitioner):
    token = make_unsubscribe_token(practitioner, "reply")[:-2] + "xx"
    assert client.get(reverse("forums:unsubscribe", args=[token])).status_code == 400
    assert not Preferences.objects.filter(user=practitioner, email_reply=False).exists()


# --- Digest -------------------------------------------------------------------------

NOW = dt.datetime(2026, 3, 2, 7, 30, tzinfo=dt.UTC)  # a Monday, 07:30 UTC


@pytest.fixture
def followed(practitioner, peer, qi_member, spaces):
    """The peer and the QI member follow the members' space; a thread is new in it."""
    for user in (peer, qi_member):
        services.space_follow(space=spaces.members, user=user)
        prefs = services.preferences_get(user=user)
        prefs.digest = Digest.DAILY
        prefs.last_digest_at = NOW - dt.timedelta(days=1)
        prefs.save()
    named(practitioner, "Amina Diallo")
    thread = services.thread_create(
        space=spaces.members, author=practitioner, title="Oxygen for newborns", body="?"
    )
    thread.__class__.objects.filter(pk=thread.pk).update(
        created=NOW - dt.timedelta(hours=3)
    )
    return thread


def test_digest_goes_to_absent_members_only(followed, peer, qi_member):
    Preferences.objects.filter(user=qi_member).update(
        last_seen_at=NOW - dt.timedelta(hours=1)
    )
    assert digest.send_due_digests(now=NOW) == 1
    assert [m.to for m in mail.outbox] == [[peer.email]]
    assert "Oxygen for newborns" in mail.outbox[0].body
    assert "Amina Diallo" in mail.outbox[0].body
    assert mail.outbox[0].extra_headers["List-Unsubscribe"]


def test_digest_respects_local_hour(followed, peer, qi_member):
    community_services.profile_update(
        user=peer, display_name="P", timezone_name="Asia/Tokyo"
    )
    # 07:30 UTC is 16:30 in Tokyo: not the peer's digest hour.
    assert digest.send_due_digests(now=NOW) == 1
    assert [m.to for m in mail.outbox] == [[qi_member.email]]
    mail.outbox.clear()
    tokyo_morning = dt.datetime(2026, 3, 2, 22, 10, tzinfo=dt.UTC)  # 07:10 next day
    assert digest.send_due_digests(now=tokyo_morning) == 1
    assert [m.to for m in mail.outbox] == [[peer.email]]


def test_digest_not_sent_twice_in_a_period(followed):
    assert digest.send_due_digests(now=NOW) == 2
    assert digest.send_due_digests(now=NOW + dt.timedelta(minutes=30)) == 0


def test_digest_skips_spaces_no_longer_visible(followed, peer, spaces, world):
    space = spaces.members
    space.visibility = "organisation"
    space.organisation = world.other_district
    space.save()
    assert digest.send_due_digests(now=NOW) == 0


def test_digest_hides_anonymous_starter(practitioner, peer, spaces):
    named(practitioner, "Kofi Asante")
    services.space_follow(space=spaces.safe, user=peer)
    prefs = services.preferences_get(user=peer)
    prefs.digest = Digest.DAILY
    prefs.save()
    services.thread_create(
        space=spaces.safe,
        author=practitioner,
        title="Hard night",
        body="...",
        anonymous=True,
    )
    now = timezone.now().replace(hour=7, minute=5)
    if now < timezone.now():
        now += dt.timedelta(days=1)
    assert digest.send_due_digests(now=now) == 1
    message = mail.outbox[0]
    assert "Hard night" in message.body
    assert "Kofi Asante" not in message.body + message.alternatives[0][0]


def test_digest_command_forced(followed, peer, qi_member):
    from django.core.management import call_command

    call_command("forums_send_digests", "--force")
    assert {m.to[0] for m in mail.outbox} == {peer.email, qi_member.email}


def test_digest_in_members_language_and_time_zone(followed, peer, qi_member):
    profile = community_services.profile_update(
        user=peer, display_name="P", timezone_name="Africa/Nairobi"
    )
    if not hasattr(profile, "language"):
        pytest.skip("the host's profile has no email language")
    profile.language = "fr"
    profile.save()
    Preferences.objects.filter(user=peer).update(
        last_digest_at=NOW - dt.timedelta(days=2)
    )
    # 07:30 in Nairobi is 04:30 UTC.
    assert digest.send_due_digests(now=NOW - dt.timedelta(hours=3)) == 1
    body = mail.outbox[0].body
    assert mail.outbox[0].to == [peer.email]
    # The thread started at 04:30 UTC, shown as 07:30 Nairobi time, in French.
    assert "2 mars, 07:30" in body
