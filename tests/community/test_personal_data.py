"""A member's own data: download it, or leave without unmasking anything anonymous.

One member (``leaver``) writes under their name and anonymously in a safe space, chats,
flags, registers, and is a moderator whose decision is in the audit log. Then they
download their data, ask to leave, and are erased once the grace period is over.
"""

import datetime
import io
import json
import re
import uuid
import zipfile
from pathlib import Path

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from wagtail.models import ModelLogEntry

from community import personal_data
from community.models import Membership, Profile, Role
from forums import chat
from forums import services as forums
from forums.models import ChatMessage, Follow, Post, PostRevision, Thread
from moderation import services as moderation
from moderation.models import Decision, Flag
from tests.factories import member
from tests.forums.conftest import named

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "a long pass phrase 42"


@pytest.fixture
def leaver(world):
    user = member(Role.PRACTITIONER, world.facility, email="leaver@example.org")
    user.set_password(PASSWORD)
    user.save()
    return named(user, "Leila Leaver")


@pytest.fixture
def story(leaver, peer, moderator, spaces):
    """What the leaver wrote and did, beside a peer's own anonymous post."""
    named(peer, "Pat Peer")
    signed = forums.thread_create(
        space=spaces.public,
        author=leaver,
        title="Warm chain at night",
        body="Signed opening words",
    )
    forums.post_create(thread=signed, author=peer, body="Peer's signed reply")
    signed_reply = forums.post_create(
        thread=signed, author=leaver, body="Signed reply, first draft"
    )
    forums.post_edit(post=signed_reply, by=leaver, body="Signed reply, edited")
    safe = forums.thread_create(
        space=spaces.safe,
        author=peer,
        title="We lost a baby",
        body="Peer's anonymous confession",
        anonymous=True,
    )
    mine = forums.post_create(
        thread=safe, author=leaver, body="Leaver's anonymous words", anonymous=True
    )
    room = chat.room_for_space(space=spaces.safe)
    chat.message_send(
        room=room,
        author=leaver,
        body="Leaver's anonymous chat",
        client_id=uuid.uuid4(),
        anonymous=True,
        rate_limited=False,
    )
    chat.message_send(
        room=chat.room_for_space(space=spaces.public),
        author=leaver,
        body="Leaver's signed chat",
        client_id=uuid.uuid4(),
        rate_limited=False,
    )
    moderation.flag_create(
        content=Post.objects.get(thread=signed, number=2),
        flagger=leaver,
        reason="off_topic",
        text="Leaver's flag note",
    )
    return {"signed": signed, "reply": signed_reply, "safe": safe, "anonymous": mine}


def _zip(client) -> dict[str, dict]:
    """Download, typing the password again when asked (the first time)."""
    response = client.post(reverse("community:download_data"))
    if response.status_code == 302:
        assert response["Location"].startswith(reverse("account_reauthenticate"))
        back = client.post(response["Location"], {"password": PASSWORD})
        assert back["Location"] == reverse("community:your_data") + "?ready=1"
        response = client.post(reverse("community:download_data"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    assert "no-store" in response["Cache-Control"]
    archive = zipfile.ZipFile(io.BytesIO(response.content))
    names = archive.namelist()
    assert "README.txt" in names
    return {
        name[:-5]: json.loads(archive.read(name))
        for name in names
        if name.endswith(".json")
    }


def test_download_holds_everything_the_member_wrote_and_nobody_elses(
    client, leaver, story
):
    client.force_login(leaver)
    data = _zip(client)
    assert set(data) >= {"community", "forums", "moderation", "events", "library"}
    assert data["community"]["account"][0]["email"] == "leaver@example.org"
    assert data["community"]["profile"][0]["display_name"] == "Leila Leaver"
    bodies = {post["body"]: post for post in data["forums"]["posts"]}
    assert bodies["Leaver's anonymous words"]["anonymous"] is True
    assert bodies["Leaver's anonymous words"]["alias"] == 2
    assert "Signed reply, edited" in bodies
    chats = {message["body"] for message in data["forums"]["chat_messages"]}
    assert chats == {"Leaver's anonymous chat", "Leaver's signed chat"}
    assert data["moderation"]["flags_you_raised"][0]["text"] == "Leaver's flag note"
    # Nobody else's words or names: not the peer's anonymous post in the same space,
    # not the peer's reply the leaver flagged.
    everything = json.dumps(data)
    for foreign in ("Peer's anonymous confession", "Peer's signed reply", "Pat Peer"):
        assert foreign not in everything


def test_download_is_post_only_and_for_the_member_alone(client, leaver):
    url = reverse("community:download_data")
    response = client.post(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(leaver)
    assert client.get(url).status_code == 405  # no download by a link or a prefetch


def test_a_session_left_open_must_type_the_password_to_download(client, leaver):
    """A phone left signed in: the zip (which names the member's anonymous posts)
    needs the password again; typing it leads back to "Your data", which says the
    download is ready, and the button then gives the zip."""
    client.force_login(leaver)  # signed in, but not with a password just now
    response = client.post(reverse("community:download_data"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_reauthenticate"))
    page = client.get(response["Location"])
    assert page.status_code == 200
    wrong = client.post(response["Location"], {"password": "not it"})
    assert wrong.status_code == 200 and wrong["Content-Type"].startswith("text/html")
    wrong = client.post(reverse("community:download_data"))
    assert wrong["Location"] == response["Location"]  # still not without it
    ready = reverse("community:your_data") + "?ready=1"
    # The address alone does not claim a password that was never typed.
    assert "Password confirmed." not in client.get(ready).content.decode()
    back = client.post(response["Location"], {"password": PASSWORD})
    assert back.status_code == 302 and back["Location"] == ready
    page = client.get(ready)
    assert "Password confirmed." in page.content.decode()
    assert (
        "Password confirmed."
        not in client.get(reverse("community:your_data")).content.decode()
    )
    download = client.post(reverse("community:download_data"))
    assert download.status_code == 200
    assert download["Content-Type"] == "application/zip"


def test_download_costs_the_same_queries_however_much_was_written(
    client,
    leaver,
    spaces,
    django_assert_max_num_queries,
):
    client.force_login(leaver)
    thread = forums.thread_create(
        space=spaces.public, author=leaver, title="One", body="first"
    )
    _zip(client)  # the password, typed once
    # One query per part a plugin exports: private conversations and blocks are two,
    # the departments one works in one.
    with django_assert_max_num_queries(43) as few:
        _zip(client)
    for n in range(15):
        forums.post_create(thread=thread, author=leaver, body=f"reply {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        _zip(client)


def test_asking_to_leave_needs_the_password_and_keeps_the_choice_on_error(
    client, leaver
):
    client.force_login(leaver)
    url = reverse("community:delete_account")
    response = client.post(url, {"named": "remove", "password": "wrong"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "That is not your password" in page
    assert re.search(r"<input[^>]*value=\"remove\"[^>]*checked", page)
    assert Profile.objects.get(user=leaver).deletion_due_at is None
    assert not mail.outbox


def test_asking_to_leave_schedules_emails_and_can_be_cancelled(
    client, leaver, django_capture_on_commit_callbacks
):
    client.force_login(leaver)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("community:delete_account"),
            {"named": "keep", "password": PASSWORD},
            follow=True,
        )
    profile = Profile.objects.get(user=leaver)
    due = profile.deletion_due_at
    assert due - timezone.now() > datetime.timedelta(days=13)
    assert profile.deletion_removes_named is False
    page = response.content.decode()
    assert "Keep my account" in page
    (email,) = mail.outbox
    assert email.to == ["leaver@example.org"]
    assert "deleted" in email.subject
    assert reverse("community:your_data") in email.body

    # Nothing happens before the day; then the member changes their mind.
    assert personal_data.erase_due_accounts() == 0
    client.post(reverse("community:cancel_deletion"))
    assert Profile.objects.get(user=leaver).deletion_due_at is None
    later = timezone.now() + datetime.timedelta(days=30)
    assert personal_data.erase_due_accounts(now=later) == 0
    leaver.refresh_from_db()


def test_account_pages_are_for_signed_in_members(client):
    for name in ("your_data", "delete_account"):
        response = client.get(reverse(f"community:{name}"))
        assert response.status_code == 302, name
    response = client.post(reverse("community:cancel_deletion"))
    assert response.status_code == 302


def _erase(leaver, *, remove_named: bool) -> None:
    personal_data.request_deletion(user=leaver, remove_named=remove_named)
    mail.outbox.clear()
    later = timezone.now() + personal_data.grace() + datetime.timedelta(minutes=1)
    assert personal_data.erase_due_accounts(now=later) == 1


def test_leaving_keeps_signed_words_as_former_member_and_anonymous_ones_unlinked(
    client,
    leaver,
    story,
    moderator,
    spaces,
):
    decision_post = Post.objects.get(thread=story["signed"], number=2)
    decision = moderation.decision_make(
        content=decision_post, moderator=moderator, action="keep", reason="fine"
    )
    ModelLogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(Decision),
        label="x",
        action="wagtail.edit",
        object_id="1",
        user=leaver,
        timestamp=timezone.now(),
    )
    leaver_pk, email = leaver.pk, leaver.email
    _erase(leaver, remove_named=False)

    assert not type(leaver).objects.filter(pk=leaver_pk).exists()
    assert not Membership.objects.filter(user_id=leaver_pk).exists()
    assert not Follow.objects.filter(user_id=leaver_pk).exists()
    assert not ModelLogEntry.objects.filter(user_id=leaver_pk).exists()
    # Signed words stay, signed "Former member".
    reply = Post.objects.get(pk=story["reply"].pk)
    assert reply.author_id is None and reply.body == "Signed reply, edited"
    page = client.get(story["signed"].get_absolute_url()).content.decode()
    assert "Former member" in page and "Leila Leaver" not in page
    # Anonymous words stay anonymous, under the same alias, linked to nobody.
    anonymous = Post.objects.get(pk=story["anonymous"].pk)
    assert (anonymous.anonymous, anonymous.alias, anonymous.author_id) == (
        True,
        2,
        None,
    )
    message = ChatMessage.objects.get(body="Leaver's anonymous chat")
    assert message.anonymous and message.author_id is None
    # The flag still counts for its case; the audit keeps what was decided.
    assert Flag.objects.get(text="Leaver's flag note").flagger_id is None
    assert Decision.objects.filter(pk=decision.pk).exists()
    (goodbye,) = mail.outbox
    assert goodbye.to == [email] and "deleted" in goodbye.subject


def test_a_moderator_can_leave_and_the_audit_log_stays(
    client, leaver, story, moderator, superuser
):
    decision = moderation.decision_make(
        content=story["reply"], moderator=moderator, action="keep", reason="fine"
    )
    _erase(moderator, remove_named=False)
    decision.refresh_from_db()
    assert decision.moderator_id is None and decision.reason == "fine"
    client.force_login(superuser)
    response = client.get(reverse("moderation:audit_log"))
    assert response.status_code == 200
    assert "Former member" in response.content.decode()


def test_leaving_and_removing_blanks_signed_words_everywhere(
    client,
    leaver,
    story,
    peer,
):
    assert story["reply"].pk in [post.pk for post in Post.objects.search("edited")]
    _erase(leaver, remove_named=True)
    reply = Post.objects.get(pk=story["reply"].pk)
    assert (reply.body, reply.body_html) == ("", "")
    assert reply.deleted_at is not None
    assert not PostRevision.objects.filter(post=reply).exists()
    opening = Post.objects.get(thread=story["signed"], number=1)
    assert opening.body == "" and opening.deleted_at is not None
    # The thread stays for the peer's reply in it.
    thread = Thread.objects.get(pk=story["signed"].pk)
    assert thread.deleted_at is None
    page = client.get(thread.get_absolute_url()).content.decode()
    assert "Peer's signed reply" in page and "Signed reply" not in page
    assert reply.pk not in [post.pk for post in Post.objects.search("edited")]
    signed_chat = ChatMessage.objects.get(pk__isnull=False, anonymous=False)
    assert signed_chat.body == "" and signed_chat.hidden
    # Anonymous words are not "named": they stay, whoever could be guessed.
    assert Post.objects.get(pk=story["anonymous"].pk).body == "Leaver's anonymous words"


def test_a_mail_server_down_does_not_stop_the_erasure(leaver, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens
    Profile.objects.filter(user=leaver).update(
        deletion_due_at=timezone.now() - datetime.timedelta(days=1)
    )
    assert personal_data.erase_due_accounts() == 1
    assert not type(leaver).objects.filter(pk=leaver.pk).exists()


def test_privacy_page_states_what_the_settings_decide(client, settings, db):
    settings.SESSION_COOKIE_AGE = 3 * 86400
    settings.MODERATION = {**settings.MODERATION, "RATE_LIMITS": {"post": "30/3600"}}
    page = client.get(reverse("community:privacy")).content.decode()
    assert "3 days after your last visit" in page
    assert "60 minutes" in page  # the longest rate-limit window holds an address
    assert "14 days, so you can change your mind" in page


def test_the_privacy_page_counts_the_sign_in_limits_too(client, settings, db):
    """allauth's limits hold an address in the cache as long as their window: the
    production ones (codes by SMS among them) must keep the page's hour true."""
    from cop_site.settings import base

    settings.ACCOUNT_RATE_LIMITS = base.ACCOUNT_RATE_LIMITS
    settings.MODERATION = {**settings.MODERATION, "RATE_LIMITS": {"post": "30/60"}}
    page = client.get(reverse("community:privacy")).content.decode()
    assert "at most 60 minutes" in page
    settings.ACCOUNT_RATE_LIMITS = {"verify_phone": "3/m/ip,30/d/ip"}
    page = client.get(reverse("community:privacy")).content.decode()
    assert "at most 1440 minutes" in page


def test_the_deploy_files_keep_what_the_privacy_page_promises():
    from community.conf import DEFAULTS

    journal = (ROOT / "deploy/journald/learn.conf").read_text()
    assert f"MaxRetentionSec={DEFAULTS['LOG_RETENTION_DAYS']}day" in journal
    backup = (ROOT / "deploy/systemd/learn-backup.service").read_text()
    assert f"-mtime +{DEFAULTS['BACKUP_RETENTION_DAYS']} " in backup
    prune = (ROOT / "deploy/systemd/learn-prune.service").read_text()
    assert f"--min-age-days {DEFAULTS['TASK_RETENTION_DAYS']} " in prune
    assert f"--failed-min-age-days {DEFAULTS['FAILED_TASK_RETENTION_DAYS']}" in prune
    assert "manage.py privacy_housekeeping" in prune


def test_the_daily_housekeeping_erases_who_is_due_and_old_sessions(leaver):
    from io import StringIO

    from django.contrib.sessions.models import Session
    from django.core.management import call_command

    Profile.objects.filter(user=leaver).update(
        deletion_due_at=timezone.now() - datetime.timedelta(minutes=1)
    )
    Session.objects.create(
        session_key="x" * 32,
        session_data="",
        expire_date=timezone.now() - datetime.timedelta(days=1),
    )
    out = StringIO()
    call_command("privacy_housekeeping", stdout=out)
    assert "1 account(s) erased" in out.getvalue()
    assert not type(leaver).objects.filter(pk=leaver.pk).exists()
    assert not Session.objects.filter(session_key="x" * 32).exists()


def test_the_last_administrator_cannot_leave_the_site_without_one(client, superuser):
    superuser.set_password(PASSWORD)
    superuser.save()
    client.force_login(superuser)
    url = reverse("community:delete_account")
    response = client.post(url, {"named": "keep", "password": PASSWORD})
    assert "only administrator" in response.content.decode()
    assert not Profile.objects.filter(user=superuser, deletion_due_at__isnull=False)
    type(superuser).objects.create_superuser("second", "second@example.org", "x" * 20)
    response = client.post(url, {"named": "keep", "password": PASSWORD})
    assert response.status_code == 302


def test_the_last_administrator_is_not_erased_even_when_due(superuser):
    Profile.objects.update_or_create(
        user=superuser,
        defaults={"deletion_due_at": timezone.now() - datetime.timedelta(days=1)},
    )
    assert personal_data.erase_due_accounts() == 0
    assert type(superuser).objects.filter(pk=superuser.pk).exists()
