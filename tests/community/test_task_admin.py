"""Failed background tasks in Wagtail's admin, with a retry: for superusers only.

A real email task fails against a mail server that is down, the worker records the
failure, an operator retries it once the server is back, and the email goes out once.
"""

import pytest
from django.core import mail
from django.urls import reverse
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from forums import services as forums
from forums.models import Notification

pytestmark = pytest.mark.django_db

LIST = "community_admin:failed_tasks"


def _work() -> None:
    """What ``db_worker`` does for each task that is due, inside the test's
    transaction (the command itself closes the connection between tasks)."""
    worker = Worker(
        queue_names=["*"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="test",
        excluded_queue_names=[],
    )
    for result in DBTaskResult.objects.ready():
        result.claim("test")
        worker.run_task(result)


@pytest.fixture
def failed_email(
    settings, practitioner, qi_member, spaces, django_capture_on_commit_callbacks
):
    """A reply notification whose email failed: the mail server was down."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    thread = forums.thread_create(
        space=spaces.public, author=practitioner, title="Cot warmers", body="Which?"
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9  # nothing listens
    DBTaskResult.objects.all().delete()
    with django_capture_on_commit_callbacks(execute=True):
        forums.post_create(thread=thread, author=qi_member, body="The blue one.")
    _work()
    (result,) = DBTaskResult.objects.failed()
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    return result


@pytest.mark.parametrize(
    "who", ["practitioner", "moderator", "national_team", "editor", "district_lead"]
)
def test_only_superusers_see_failed_tasks(client, who, request):
    client.force_login(request.getfixturevalue(who))
    response = client.get(reverse(LIST))
    assert response.status_code in (302, 403)
    assert b"Background tasks" not in response.content


def test_anonymous_is_sent_to_sign_in(client, db):
    response = client.get(reverse(LIST))
    assert response.status_code == 302


def test_a_failed_email_is_listed_and_retried_once(
    client, superuser, failed_email, django_capture_on_commit_callbacks
):
    client.force_login(superuser)
    page = client.get(reverse(LIST)).content.decode()
    assert "send_notification_email" in page
    assert "ConnectionRefusedError" in page
    # Reports → Background tasks, in the admin's menu (the sidebar's data).
    assert reverse(LIST) in client.get("/admin/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("community_admin:retry_task", args=[failed_email.pk])
        )
    assert response.status_code == 302
    assert not DBTaskResult.objects.failed().exists()
    _work()
    assert len(mail.outbox) == 1
    assert Notification.objects.get().emailed_at is not None
    # Retried again by mistake (a second tab): nothing more is sent.
    assert (
        client.post(
            reverse("community_admin:retry_task", args=[failed_email.pk])
        ).status_code
        == 404
    )
    _work()
    assert len(mail.outbox) == 1


def test_retry_is_post_only_and_for_superusers(client, editor, failed_email):
    url = reverse("community_admin:retry_task", args=[failed_email.pk])
    client.force_login(editor)  # an editor uses the admin, but is no operator
    admin_home = client.get("/admin/")
    assert admin_home.status_code == 200
    assert reverse(LIST) not in admin_home.content.decode()
    assert client.post(url).status_code in (302, 403)
    assert DBTaskResult.objects.failed().count() == 1
    assert client.get(url).status_code in (302, 403, 405)


def test_retry_all(client, superuser, failed_email):
    client.force_login(superuser)
    client.post(reverse("community_admin:retry_all_tasks"))
    assert not DBTaskResult.objects.failed().exists()
    assert DBTaskResult.objects.ready().count() == 1
