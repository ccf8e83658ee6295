"""Taking part by email (``forums.inbound``): replies from real mail clients become
posts with only what was written this time; forged, borrowed and replayed
addresses post nothing; a safe space's anonymous address is the only way to an
anonymous reply by email."""

import mailbox
from email import message_from_string
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse

from forums import inbound, services
from forums.models import Post

MAIL = Path(__file__).with_name("mail")
DOMAIN = "reply.learning.example"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def reply_domain(settings):
    settings.FORUMS = {
        **getattr(settings, "FORUMS", {}),
        "REPLY_DOMAIN": DOMAIN,
        "INBOUND_TOKEN": "gateway-secret",
    }


def message(name: str, *, sender: str, to: str, **headers) -> bytes:
    text = (MAIL / name).read_text().replace("{from}", sender).replace("{to}", to)
    for header, value in headers.items():
        text = f"{header.replace('_', '-')}: {value}\n" + text
    return text.encode()


@pytest.mark.parametrize(
    ("fixture", "expected"),
    [
        (
            "gmail_top_posted.eml",
            "Yes, we use a cot warmer too; it changed our nights.",
        ),
        ("outlook_top_posted_fr.eml", "Merci, nous allons essayer dès ce soir."),
        (
            "apple_mail_signature.eml",
            "We swaddle them skin to skin first, then the warmer.",
        ),
        (
            "k9_bottom_posted.eml",
            "The one from the district store, model B2. It holds 36.5 °C all night.",
        ),
        (
            "outlook_mobile_html_only.eml",
            "We tried it: fewer cold babies at 6 am.\nThank you & good night.",
        ),
        ("with_attachment.eml", "Here is our night checklist, as a photo."),
    ],
)
def test_a_reply_from_each_client_posts_only_what_was_written(
    practitioner, night_thread, fixture, expected
):
    to = inbound.reply_address(practitioner, night_thread)
    outcome = inbound.receive(message(fixture, sender=practitioner.email, to=to))
    assert outcome.status == "posted", outcome
    post = Post.objects.get(pk=outcome.post_id)
    assert post.body == expected
    assert post.author == practitioner and not post.anonymous
    assert post.thread == night_thread


def test_the_same_message_delivered_twice_is_one_post(practitioner, night_thread):
    to = inbound.reply_address(practitioner, night_thread)
    raw = message("gmail_top_posted.eml", sender=practitioner.email, to=to)
    first, again = inbound.receive(raw), inbound.receive(raw)
    assert (first.status, again.status) == ("posted", "duplicate")
    assert first.post_id == again.post_id
    assert Post.objects.filter(thread=night_thread).count() == 3


def test_a_forged_or_edited_address_posts_nothing_and_says_why(
    practitioner, night_thread
):
    real = inbound.reply_address(practitioner, night_thread)
    local, domain = real.split("@")
    forged = [
        f"{local[:-1]}{'0' if local[-1] != '0' else '1'}@{domain}",  # the signature
        real.replace(  # another thread, its id well formed
            f"-{inbound._ref('thread', night_thread.pk)}-",
            f"-{inbound._ref('thread', night_thread.pk + 1)}-",
        ),
        f"reply+n{inbound._ref('member', 1)}-{inbound._ref('thread', 1)}-{'0' * 24}"
        f"@{domain}",  # made up
        real.replace("reply+n", "reply+a"),  # anonymous, not signed as such
    ]
    for address in forged:
        mail.outbox.clear()
        outcome = inbound.receive(
            message("gmail_top_posted.eml", sender=practitioner.email, to=address)
        )
        assert outcome.status == "refused", address
        [told] = mail.outbox
        assert told.to == [practitioner.email]
        assert "not one the learning centre gave you" in told.body
    assert Post.objects.filter(thread=night_thread).count() == 2


def test_a_forwarded_notification_does_not_let_another_member_post(
    practitioner, qi_member, night_thread
):
    to = inbound.reply_address(practitioner, night_thread)
    outcome = inbound.receive(
        message("gmail_top_posted.eml", sender=qi_member.email, to=to)
    )
    assert outcome.status == "refused"
    [told] = mail.outbox
    assert told.to == [qi_member.email]
    assert "belongs to another member" in told.body
    assert Post.objects.filter(thread=night_thread).count() == 2


def test_strangers_and_automatic_messages_get_no_answer(practitioner, night_thread):
    to = inbound.reply_address(practitioner, night_thread)
    stranger = inbound.receive(
        message("gmail_top_posted.eml", sender="spam@elsewhere.example", to=to)
    )
    away = inbound.receive(
        message(
            "gmail_top_posted.eml",
            sender=practitioner.email,
            to=to,
            Auto_Submitted="auto-replied",
        )
    )
    assert stranger.status == "refused" and away.status == "ignored"
    assert mail.outbox == []  # no backscatter, no mail loops
    assert Post.objects.filter(thread=night_thread).count() == 2


def test_a_locked_thread_refuses_with_the_reason(practitioner, night_thread, superuser):
    services.thread_set_locked(thread=night_thread, by=superuser, locked=True)
    to = inbound.reply_address(practitioner, night_thread)
    outcome = inbound.receive(
        message("gmail_top_posted.eml", sender=practitioner.email, to=to)
    )
    assert outcome.status == "refused"
    [told] = mail.outbox
    assert "not posted" in told.body and told.subject.startswith("Not posted")
    assert told.extra_headers["Auto-Submitted"] == "auto-replied"


def test_lost_access_refuses(practitioner, spaces, coach):
    thread = services.thread_create(
        space=spaces.private, author=coach, title="Coaches only", body="Plans"
    )
    to = inbound.reply_address(practitioner, thread)  # an address she never had
    outcome = inbound.receive(
        message("gmail_top_posted.eml", sender=practitioner.email, to=to)
    )
    assert outcome.status == "refused"
    assert not Post.objects.filter(thread=thread, author=practitioner).exists()


def test_an_ordinary_notification_carries_a_reply_to_that_names_member_and_thread(
    practitioner, peer, spaces, django_capture_on_commit_callbacks
):
    thread = services.thread_create(
        space=spaces.members, author=practitioner, title="Cord care", body="Who?"
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.post_create(thread=thread, author=peer, body="We do.")
    [email] = mail.outbox
    [reply_to] = email.reply_to
    target = inbound.read_address(reply_to)
    assert (target.user_id, target.thread_id, target.anonymous) == (
        practitioner.pk,
        thread.pk,
        False,
    )
    assert "Reply to this email to answer" in email.body


def test_from_a_safe_space_anonymity_by_email_is_a_choice_never_a_default(
    practitioner, peer, spaces, django_capture_on_commit_callbacks
):
    thread = services.thread_create(
        space=spaces.safe,
        author=practitioner,
        title="A hard night",
        body="What could we have done?",
        anonymous=True,
    )
    with django_capture_on_commit_callbacks(execute=True):
        services.post_create(thread=thread, author=peer, body="Same here.")
    [email] = mail.outbox
    assert email.reply_to == []  # pressing "Reply" reaches no one
    named = inbound.reply_address(practitioner, thread)
    anonymous = inbound.reply_address(practitioner, thread, anonymous=True)
    assert named in email.body and anonymous in email.body
    mail.outbox.clear()
    outcome = inbound.receive(
        message("gmail_top_posted.eml", sender=practitioner.email, to=anonymous)
    )
    post = Post.objects.get(pk=outcome.post_id)
    assert post.anonymous and post.alias is not None
    # The named address posts under her name: a choice she makes by writing to it.
    named_post = inbound.receive(
        message("apple_mail_signature.eml", sender=practitioner.email, to=named)
    )
    assert not Post.objects.get(pk=named_post.post_id).anonymous


def test_a_mail_gateway_posts_with_its_token_only(client, practitioner, night_thread):
    to = inbound.reply_address(practitioner, night_thread)
    raw = message("k9_bottom_posted.eml", sender=practitioner.email, to=to)
    url = reverse("forums:inbound")
    assert (
        client.post(url, raw, content_type="message/rfc822").status_code == 403
    )  # no token
    wrong = client.post(
        url, raw, content_type="message/rfc822", headers={"Authorization": "Bearer x"}
    )
    assert wrong.status_code == 403
    right = client.post(
        url,
        raw,
        content_type="message/rfc822",
        headers={"Authorization": "Bearer gateway-secret"},
    )
    assert right.json()["status"] == "posted"


def test_without_a_token_the_gateway_endpoint_does_not_exist(client, settings):
    settings.FORUMS = {**settings.FORUMS, "INBOUND_TOKEN": ""}
    response = client.post(reverse("forums:inbound"), b"x", content_type="text/plain")
    assert response.status_code == 404


def test_the_maildir_command_posts_new_mail_and_files_it(
    tmp_path, practitioner, night_thread
):
    box = mailbox.Maildir(tmp_path / "replies", create=True)
    to = inbound.reply_address(practitioner, night_thread)
    for name in ("gmail_top_posted.eml", "apple_mail_signature.eml"):
        box.add(
            message_from_string(
                message(name, sender=practitioner.email, to=to).decode()
            )
        )
    call_command("forums_mail_inbound", str(tmp_path / "replies"))
    assert Post.objects.filter(thread=night_thread, author=practitioner).count() == 3
    assert [m.get_subdir() for m in box] == ["cur", "cur"]
    call_command("forums_mail_inbound", str(tmp_path / "replies"))  # nothing new
    assert Post.objects.filter(thread=night_thread).count() == 4


def test_a_digest_offers_an_address_for_each_thread(practitioner, peer, spaces):
    import datetime as dt

    from forums import digest
    from forums.models import Digest

    services.space_follow(space=spaces.members, user=peer)
    prefs = services.preferences_get(user=peer)
    prefs.digest = Digest.DAILY
    prefs.save()
    thread = services.thread_create(
        space=spaces.members, author=practitioner, title="Oxygen", body="?"
    )
    now = thread.created.replace(hour=7, minute=5)
    if now < thread.created:
        now += dt.timedelta(days=1)
    assert digest.send_due_digests(now=now) == 1
    [email] = mail.outbox
    address = inbound.reply_address(peer, thread)
    assert address in email.body and f"mailto:{address}" in email.alternatives[0][0]
    assert email.reply_to == []  # a digest names several threads: no single Reply-To


# --- Mailing-list mode --------------------------------------------------------------


def test_every_post_of_a_chosen_space_comes_by_email_and_is_answered_from_it(
    client, practitioner, peer, qi_member, spaces, django_capture_on_commit_callbacks
):
    client.force_login(peer)
    space_url = reverse("forums:space", args=[spaces.members.slug])
    page = client.get(space_url).content.decode()
    assert "Email me every new post" in page
    client.post(
        reverse("forums:space_every_post", args=[spaces.members.slug]), {"on": "1"}
    )
    assert "Stop emailing me every post" in client.get(space_url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        thread = services.thread_create(
            space=spaces.members, author=practitioner, title="Cord care", body="Who?"
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.post_create(thread=thread, author=qi_member, body="We do, daily.")
    # One email per post for the peer; the thread's author hears of the reply once,
    # through her usual notification, not twice.
    to_peer = [m for m in mail.outbox if m.to == [peer.email]]
    assert [m.subject for m in to_peer] == ["[IPC] Cord care", "[IPC] Cord care"]
    assert "We do, daily." in to_peer[1].body
    assert len([m for m in mail.outbox if m.to == [practitioner.email]]) == 1
    # Answered from the inbox.
    [reply_to] = to_peer[1].reply_to
    outcome = inbound.receive(
        message("gmail_top_posted.eml", sender=peer.email, to=reply_to)
    )
    assert Post.objects.get(pk=outcome.post_id).thread == thread
    # Its unsubscribe link turns every-post mode off for every space.
    unsubscribe = to_peer[0].extra_headers["List-Unsubscribe"].strip("<>")
    client.logout()
    client.post(urlsplit(unsubscribe).path)  # the one-click unsubscribe
    from forums.models import Follow

    assert not Follow.objects.filter(user=peer, every_post=True).exists()


def test_every_post_never_names_an_anonymous_author(
    client, practitioner, peer, spaces, django_capture_on_commit_callbacks
):
    from community import services as community_services

    community_services.profile_update(user=practitioner, display_name="Kofi Asante")
    services.space_every_post(space=spaces.safe, user=peer, on=True)
    with django_capture_on_commit_callbacks(execute=True):
        services.thread_create(
            space=spaces.safe,
            author=practitioner,
            title="A hard night",
            body="We lost a baby.",
            anonymous=True,
        )
    [email] = mail.outbox
    whole = email.body + email.alternatives[0][0] + str(email.message())
    assert "Kofi" not in whole and practitioner.email not in whole
    assert "Colleague A" in email.body
    assert email.reply_to == []  # a safe space: no Reply-To


def test_an_address_tells_nothing_of_account_or_thread_numbers(
    practitioner, night_thread
):
    address = inbound.reply_address(practitioner, night_thread).lower()
    local = address.split("@")[0]
    assert len(local) <= 64  # the most a mail address's local part may be
    for number in (practitioner.pk, night_thread.pk):
        for written in (str(number), format(number, "x"), inbound_b36(number)):
            assert f"n{written}-" not in local and f"-{written}-" not in local


def inbound_b36(number: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        number, rest = divmod(number, 36)
        out = digits[rest] + out
        if not number:
            return out
