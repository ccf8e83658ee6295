"""Background work through django-tasks: run by ``manage.py db_worker`` in production,
immediately in development and tests."""

from __future__ import annotations

from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from .digest import member_language, member_zone, send_due_digests
from .emails import absolute, build_email
from .inbound import reply_addresses
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


@task()
def send_space_post_emails(post_id: int) -> int:
    """Mailing-list mode: a new post to each member who asked for every post of its
    space, in their language, with the address that answers it from their inbox.
    Not to its author, not to whom a notification already tells of it, and not to
    whom may no longer read it. The byline is the thread's: an alias, never the
    author, for an anonymous post."""
    from .models import Follow, Post

    post = (
        Post.objects.select_related("thread__space", "author__profile")
        .filter(pk=post_id, deleted_at__isnull=True, hidden=False)
        .first()
    )
    if post is None:
        return 0
    thread = post.thread
    told = set(Notification.objects.filter(post=post).values_list("user_id", flat=True))
    follows = (
        Follow.objects.filter(space_id=post.space_id, every_post=True)
        .exclude(user_id=post.author_id)
        .exclude(user_id__in=told)
        .select_related("user__profile")
    )
    sent = 0
    for follow in follows:
        user = follow.user
        if not user.is_active or not user.email or not can_view_thread(user, thread):
            continue
        addresses = reply_addresses(user, thread)
        with (
            translation.override(member_language(user)),
            timezone.override(member_zone(user)),
        ):
            build_email(
                user=user,
                kind="every_post",
                subject=f"[{thread.space.name}] {thread.title}",
                template="space_post",
                context={
                    "post": post,
                    "thread": thread,
                    "who": post.byline,
                    "url": absolute(post.get_absolute_url()),
                    **addresses,
                },
                reply_to=[addresses["reply_named"]]
                if addresses and not addresses["reply_safe"]
                else None,
            ).send()
        sent += 1
    return sent


@task()
def send_digests(force: bool = False) -> int:
    return send_due_digests(force=force)
