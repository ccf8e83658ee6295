"""Newsletters: double opt-in, member preference, batched sending through
django-tasks, plain-text part, one-click unsubscribe, no double sending on retry,
test sends, and an archive of what was sent."""

import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse
from wagtail import hooks

from library import services, tasks
from library.contrib import NEWSLETTER_ITEMS_HOOK, Item, ItemGroup
from library.models import (
    Delivery,
    NewsletterArchivePage,
    NewsletterIssuePage,
    Subscriber,
    SubscriberStatus,
)

from .conftest import make_resource


@pytest.fixture
def archive(library):
    page = NewsletterArchivePage(title="Newsletter", slug="newsletter")
    library.index.add_child(instance=page)
    page.save_revision().publish()
    return NewsletterArchivePage.objects.get(pk=page.pk)


def make_issue(archive, title="June issue", body=None, live=True):
    issue = NewsletterIssuePage(
        title=title,
        intro="<p>Hello colleagues.</p>",
        body=body
        if body is not None
        else [
            ("text", "<p>Thank you for your run charts.</p>"),
            (
                "recent_resources",
                {"heading": "New in the library", "count": 3, "tag": ""},
            ),
        ],
        live=False,
    )
    archive.add_child(instance=issue)
    revision = issue.save_revision()
    if live:
        revision.publish()
    return NewsletterIssuePage.objects.get(pk=issue.pk)


def subscribers(n: int) -> list[Subscriber]:
    return [
        Subscriber.objects.create(
            email=f"reader{i}@example.org", status=SubscriberStatus.ACTIVE
        )
        for i in range(n)
    ]


def send(issue, by, capture):
    with capture(execute=True):
        return services.newsletter_send(issue=issue, by=by)


# --- Subscribing -----------------------------------------------------------------


def test_visitor_subscription_needs_confirmation(
    client, library, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("library:newsletter_subscribe"), {"email": "Ama@Example.org"}
        )
    assert response.status_code == 200
    subscriber = Subscriber.objects.get(email="ama@example.org")
    assert subscriber.status == SubscriberStatus.PENDING
    assert len(mailoutbox) == 1
    link = re.search(r"https?://\S+/newsletter/confirm/\S+/", mailoutbox[0].body).group(
        0
    )
    path = link.split("://", 1)[1].split("/", 1)[1]
    client.get("/" + path)  # a mail scanner following the link
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.PENDING
    client.post("/" + path)
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.ACTIVE and subscriber.confirmed_at


def test_subscribing_again_when_active_sends_nothing_and_reveals_nothing(
    client, library, mailoutbox, django_capture_on_commit_callbacks
):
    subscribers(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("library:newsletter_subscribe"), {"email": "reader0@example.org"}
        )
    assert mailoutbox == []
    assert "If this address is not yet subscribed" in response.content.decode()


def test_forged_links_do_nothing(client, library):
    assert client.post("/library/newsletter/confirm/forged/").status_code == 400
    assert client.post("/library/newsletter/unsubscribe/forged/").status_code == 400


def test_member_preference_subscribes_without_confirmation(client, practitioner):
    client.force_login(practitioner)
    url = reverse("library:newsletter_preferences")
    client.post(url, {"newsletter": "on"})
    subscriber = Subscriber.objects.get(user=practitioner)
    assert subscriber.status == SubscriberStatus.ACTIVE
    assert subscriber.email == practitioner.email
    client.post(url, {})
    subscriber.refresh_from_db()
    assert subscriber.status == SubscriberStatus.UNSUBSCRIBED
    assert 'name="newsletter"' in client.get(url).content.decode()


# --- Sending ---------------------------------------------------------------------


def test_issue_goes_out_in_batches_with_text_part_and_one_click_unsubscribe(
    archive,
    editor,
    settings,
    mailoutbox,
    monkeypatch,
    django_capture_on_commit_callbacks,
):
    settings.LIBRARY = {"NEWSLETTER_BATCH_SIZE": 2}
    make_resource(archive.get_parent().specific, "PPH bundle")
    subscribers(5)
    batches = []
    original = tasks.send_newsletter_batch

    class Recorder:
        def enqueue(self, **kwargs):
            batches.append(kwargs["delivery_ids"])
            return original.enqueue(**kwargs)

    monkeypatch.setattr(tasks, "send_newsletter_batch", Recorder())
    issue = make_issue(archive)
    assert send(issue, editor, django_capture_on_commit_callbacks) == 5
    assert [len(b) for b in batches] == [2, 2, 1]
    assert sorted(m.to[0] for m in mailoutbox) == [
        f"reader{i}@example.org" for i in range(5)
    ]
    message = mailoutbox[0]
    assert message.subject == "June issue"
    assert "PPH bundle" in message.body and "<" not in message.body.split("--")[0]
    html, mime = message.alternatives[0]
    assert mime == "text/html" and "PPH bundle</a>" in html
    assert (
        message.extra_headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    )
    unsubscribe = message.extra_headers["List-Unsubscribe"].strip("<>")
    assert unsubscribe in message.body
    assert Delivery.objects.filter(issue=issue, sent_at__isnull=False).count() == 5


def test_one_click_unsubscribe_works_without_a_form_or_cookie(
    archive, editor, mailoutbox, django_capture_on_commit_callbacks
):
    subscribers(1)
    send(make_issue(archive), editor, django_capture_on_commit_callbacks)
    url = mailoutbox[0].extra_headers["List-Unsubscribe"].strip("<>")
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    mail_client = Client(enforce_csrf_checks=True)
    response = mail_client.post(
        path,
        "List-Unsubscribe=One-Click",
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 200
    assert Subscriber.objects.get().status == SubscriberStatus.UNSUBSCRIBED


def test_a_retried_batch_sends_nothing_twice(
    archive, editor, mailoutbox, django_capture_on_commit_callbacks
):
    subscribers(3)
    issue = make_issue(archive)
    send(issue, editor, django_capture_on_commit_callbacks)
    ids = list(Delivery.objects.filter(issue=issue).values_list("pk", flat=True))
    assert len(mailoutbox) == 3
    tasks.send_newsletter_batch.call(issue_id=issue.pk, delivery_ids=ids)
    tasks.send_newsletter_batch.call(issue_id=issue.pk, delivery_ids=ids)
    assert len(mailoutbox) == 3


def test_a_failed_email_is_retried_once_and_only_it(
    archive, editor, mailoutbox, monkeypatch, django_capture_on_commit_callbacks
):
    from django.core.mail import EmailMultiAlternatives

    subscribers(3)
    real_send = EmailMultiAlternatives.send
    down = {"reader1@example.org"}

    def flaky(self, *args, **kwargs):
        if self.to[0] in down:
            raise ConnectionError("SMTP hiccup")
        return real_send(self, *args, **kwargs)

    monkeypatch.setattr(EmailMultiAlternatives, "send", flaky)
    issue = make_issue(archive)
    send(issue, editor, django_capture_on_commit_callbacks)  # the task fails
    assert sorted(m.to[0] for m in mailoutbox) == [
        "reader0@example.org",
        "reader2@example.org",
    ]
    failed = Delivery.objects.get(subscriber__email="reader1@example.org")
    assert (
        failed.sent_at is None and failed.claimed_at is None and "SMTP" in failed.error
    )
    down.clear()
    ids = list(Delivery.objects.filter(issue=issue).values_list("pk", flat=True))
    assert tasks.send_newsletter_batch.call(issue_id=issue.pk, delivery_ids=ids) == 1
    assert sorted(m.to[0] for m in mailoutbox) == [
        "reader0@example.org",
        "reader1@example.org",
        "reader2@example.org",
    ]


def test_an_issue_is_sent_only_once(
    archive, editor, mailoutbox, django_capture_on_commit_callbacks
):
    subscribers(2)
    issue = make_issue(archive)
    send(issue, editor, django_capture_on_commit_callbacks)
    with pytest.raises(ValidationError):
        send(issue, editor, django_capture_on_commit_callbacks)
    assert len(mailoutbox) == 2


def test_someone_who_unsubscribes_before_their_batch_runs_gets_nothing(
    archive, editor, mailoutbox, django_capture_on_commit_callbacks
):
    reader, leaver = subscribers(2)
    issue = make_issue(archive)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.newsletter_send(issue=issue, by=editor)
    services.subscription_unsubscribe(subscriber=leaver)
    for callback in callbacks:
        callback()
    assert [m.to[0] for m in mailoutbox] == [reader.email]


def test_unpublished_changes_must_be_published_before_sending(archive, editor):
    issue = make_issue(archive, live=False)
    with pytest.raises(ValidationError):
        services.newsletter_send(issue=issue, by=editor)


def test_only_national_editors_send(archive, district_editor):
    issue = make_issue(archive)
    with pytest.raises(PermissionDenied):
        services.newsletter_send(issue=issue, by=district_editor)


def test_test_send_goes_to_the_editor_with_the_latest_draft(
    archive, editor, mailoutbox
):
    issue = make_issue(archive)
    issue.title = "June issue (draft 2)"
    issue.save_revision()
    services.newsletter_send_test(issue=issue, user=editor)
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == [editor.email]
    assert mailoutbox[0].subject == "[Test] June issue (draft 2)"
    assert not Delivery.objects.exists()


def test_admin_send_view_sends_a_test_and_the_issue(
    client,
    archive,
    editor,
    district_editor,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    subscribers(2)
    issue = make_issue(archive)
    url = reverse("library_admin:newsletter_send", args=[issue.pk])
    client.force_login(district_editor)
    assert client.get(url).status_code in (302, 403)
    client.force_login(editor)
    edit = client.get(reverse("wagtailadmin_pages:edit", args=[issue.pk]))
    assert url in edit.content.decode()  # the "Send…" button in the page header
    assert "2 subscribers will receive it." in client.get(url).content.decode()
    client.post(url, {"action": "test"})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(url, {"action": "send"})
    assert len(mailoutbox) == 3
    assert "2 of 2 emails delivered" in client.get(url).content.decode()


def test_archive_lists_sent_issues_as_they_were_sent(
    client, archive, editor, django_capture_on_commit_callbacks
):
    index = archive.get_parent().specific
    make_resource(index, "Before sending")
    sent = make_issue(archive, "March issue")
    make_issue(archive, "Not sent yet")
    send(sent, editor, django_capture_on_commit_callbacks)
    make_resource(index, "After sending")
    html = client.get(archive.url).content.decode()
    assert "March issue" in html and "Not sent yet" not in html
    page = client.get(sent.url).content.decode()
    assert "Before sending" in page and "After sending" not in page


def test_blocks_pull_events_and_discussions_from_other_apps(archive, editor):
    def contributed(kind, limit):
        if kind == "events":
            return ItemGroup(
                key="events",
                title="Events",
                items=[
                    Item(title="Webinar: PPH drills", url="/events/1/", meta="3 Jul")
                ],
            )
        return None

    issue = make_issue(
        archive,
        body=[
            ("upcoming_events", {"heading": "Coming up", "count": 3}),
            ("active_discussions", {"heading": "Discussions", "count": 3}),
        ],
    )
    with hooks.register_temporarily(NEWSLETTER_ITEMS_HOOK, contributed):
        sections = issue.sections()
    assert sections[0]["heading"] == "Coming up"
    assert sections[0]["items"][0]["title"] == "Webinar: PPH drills"
    assert sections[0]["items"][0]["url"].endswith("/events/1/")


def test_email_preview_mode_renders_the_email(rf, archive, editor):
    issue = make_issue(archive)
    assert [mode for mode, _label in issue.preview_modes] == ["", "email"]
    request = rf.get("/")
    request.user = editor
    html = issue.serve_preview(request, "email").content.decode()
    assert "Thank you for your run charts." in html
    assert 'href="#unsubscribe"' in html


def test_the_subscribe_form_is_rate_limited_and_keeps_the_address(client, settings, db):
    from django.core.cache import cache

    cache.clear()
    settings.LIBRARY = {
        **getattr(settings, "LIBRARY", {}),
        "SUBSCRIBE_LIMIT_PER_IP": (3, 3600),
        "SUBSCRIBE_LIMIT_PER_ADDRESS": (2, 86400),
    }
    url = reverse("library:newsletter_subscribe")
    # One address cannot be signed up over and over (someone else's inbox).
    for _ in range(2):
        assert client.post(url, {"email": "ama@example.org"}).status_code == 200
    response = client.post(url, {"email": "AMA@example.org"})
    assert response.status_code == 429
    html = response.content.decode()
    assert "Too many sign-ups in a short time" in html
    assert 'value="AMA@example.org"' in html
    # Nor can one address (IP) sign up many.
    assert client.post(url, {"email": "kofi@example.org"}).status_code == 429
    assert Subscriber.objects.filter(email__iexact="ama@example.org").count() == 1
    cache.clear()
