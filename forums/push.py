"""What a forum notification says on a phone's lock screen (``community.push``).

Never the post's text nor who wrote it; in a safe space, not the thread's title
either: a phone on a desk is read by whoever passes. The link opens the
notification, which marks it read and leads to the post.
"""

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from . import permissions
from .models import Notification, NotificationKind

LABELS = {
    NotificationKind.REPLY: gettext_lazy("someone replies to a thread I started"),
    NotificationKind.MENTION: gettext_lazy("someone mentions me"),
    NotificationKind.ANSWER: gettext_lazy("an answer is marked on my question"),
}


def _titles() -> dict:
    return {
        NotificationKind.REPLY: _("New reply"),
        NotificationKind.MENTION: _("You were mentioned"),
        NotificationKind.ANSWER: _("Your question has an answer"),
    }


def describe(notification_id: int, user) -> dict | None:
    notification = (
        Notification.objects.select_related("thread__space")
        .filter(pk=notification_id, user=user, read_at=None)
        .first()
    )
    if notification is None or not permissions.can_view_thread(
        user, notification.thread
    ):
        return None  # read already, or no longer theirs to see
    thread = notification.thread
    return {
        "title": _titles()[notification.kind],
        "body": _("In a safe space") if thread.space.safe_space else thread.title,
        "url": reverse("forums:notification_open", args=[notification.pk]),
    }


DIGEST = "digest"
DIGEST_LABEL = gettext_lazy("my forum digest, here instead of by email")


def describe_digest(count: int, user) -> dict:
    """The digest on a phone (``forums.digest``): how many new threads, no titles
    (some are in safe spaces), and a link to the forums."""
    return {
        "title": _("Your forum digest"),
        "body": ngettext(
            "%(n)d new thread in the spaces you follow",
            "%(n)d new threads in the spaces you follow",
            count,
        )
        % {"n": count},
        "url": reverse("forums:index"),
    }


MESSAGE = "message"
MESSAGE_LABEL = gettext_lazy("someone writes to me privately")


def describe_message(conversation_id: int, user) -> dict | None:
    """A private message: that one waits, never its words nor who wrote it (a
    relay's asker and author alike), and only while it is still unread."""
    from .conversations.models import Participant

    waiting = Participant.objects.filter(
        conversation_id=conversation_id,
        user=user,
        left_at__isnull=True,
        silenced=False,
        muted=False,
        conversation__room__last_seq__gt=F("last_read_seq"),
    ).exists()
    if not waiting:
        return None
    return {
        "title": _("New private message"),
        "body": _("Open it to read and answer."),
        "url": reverse("forums:conversation", args=[conversation_id]),
    }


def register() -> None:
    from community import push

    for kind, label in LABELS.items():
        push.register(kind.value, label, describe)
    push.register(DIGEST, DIGEST_LABEL, describe_digest)
    push.register(MESSAGE, MESSAGE_LABEL, describe_message)
