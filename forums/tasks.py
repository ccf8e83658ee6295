"""Background work through django-tasks: run by ``manage.py db_worker`` in production,
immediately in development and tests."""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from .digest import member_language, member_zone, send_due_digests
from .emails import absolute, build_email
from .models import Notification, NotificationKind, Preferences
from .permissions import can_view_thread

EMAIL_KIND = {
    NotificationKind.REPLY: "reply",
    NotificationKind.MENTION: "mention",
    NotificationKind.ANSWER: "answer",
}


def _subject(notification: Notification) -> str:
    values = {"title": notification.thread.title, "who": notification.actor_name}
    if notification.kind == NotificationKind.MENTION:
        return _("%(who)s mentioned you in “%(title)s”") % values
    if notification.kind == NotificationKind.ANSWER:
        return _("Your reply was marked as the answer in “%(title)s”") % values
    return _("%(who)s replied to “%(title)s”") % values


@task()
def send_notification_email(notification_id: int) -> bool:
    notification = (
        Notification.objects.select_related(
            "user__profile", "thread__space__organisation", "post", "actor__profile"
        )
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or notification.emailed_at is not None:
        return False
    user = notification.user
    kind = EMAIL_KIND.get(notification.kind)
    if kind is None or not user.is_active or not user.email:
        return False
    prefs = Preferences.objects.filter(user=user).first()
    if prefs is not None and not prefs.wants(kind):
        return False
    post = notification.post
    if post is None or post.deleted_at or post.hidden:
        return False
    if not can_view_thread(user, notification.thread):
        return False
    addresses = reply_addresses(user, notification.thread)
    with (
        translation.override(member_language(user)),
        timezone.override(member_zone(user)),
    ):
        build_email(
            user=user,
            kind=kind,
            subject=_subject(notification),
            template="notification",
            context={
                "notification": notification,
                "who": notification.actor_name,
                "thread": notification.thread,
                "excerpt": post.body[:800],
                "url": absolute(post.get_absolute_url()),
                **addresses,
            },
            reply_to=[addresses["reply_named"]]
            if addresses and not addresses["reply_safe"]
            else None,
        ).send()
    notification.emailed_at = timezone.now()
    notification.save(update_fields=["emailed_at"])
    return True


def reply_addresses(user, thread) -> dict:
    """The addresses that answer ``thread`` by email (``forums.inbound``). From a
    safe space the email sets no Reply-To: its text offers the named address and,
    where the member may post anonymously, the anonymous one, so that neither is
    chosen by a press of "Reply"."""
    from . import inbound
    from .permissions import can_post_anonymously

    if not inbound.enabled():
        return {}
    safe = thread.space.safe_space
    return {
        "reply_safe": safe,
        "reply_named": inbound.reply_address(user, thread),
        "reply_anonymous": inbound.reply_address(user, thread, anonymous=True)
        if safe and can_post_anonymously(user, thread.space)
        else "",
    }


@task()
def send_digests(force: bool = False) -> int:
    return send_due_digests(force=force)
