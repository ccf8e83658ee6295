"""Told once per unread stretch: a member who has read everything before this message
and has not been told about it yet gets one email (if they want them) and one phone
notification (if they chose it); the next waits until they have read it."""

from __future__ import annotations

import logging
import smtplib

from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from community import push

from ..digest import member_language, member_zone
from ..emails import absolute, build_email
from ..models import ChatMessage, EmailKind, Preferences
from ..push import MESSAGE
from .models import Conversation, Participant

logger = logging.getLogger(__name__)


def _subject(conversation: Conversation, recipient: Participant, who: str) -> str:
    if conversation.is_relay and recipient.hidden_author:
        return _("A member wrote to you privately about your anonymous post")
    if conversation.is_relay:
        return _("The author of the post you asked about wrote back")
    return _("%(who)s sent you a private message") % {"who": who}


@task()
def send_conversation_emails(conversation_id: int, seq: int) -> int:
    conversation = (
        Conversation.objects.select_related("relay_post__thread")
        .filter(pk=conversation_id)
        .first()
    )
    if conversation is None:
        return 0
    message = (
        ChatMessage.objects.select_related("author__profile")
        .filter(room_id=conversation.room_id, seq=seq, hidden=False)
        .first()
    )
    if message is None:
        return 0
    due = (
        Participant.objects.filter(
            conversation=conversation,
            left_at__isnull=True,
            silenced=False,
            muted=False,
            last_read_seq__lt=seq,
            emailed_seq__lte=F("last_read_seq"),
            user__is_active=True,
        )
        .exclude(user_id=message.author_id)
        .select_related("user__profile")
    )
    sent, failed = 0, []
    for recipient in due:
        # Claimed before telling: a task run twice tells once.
        if not Participant.objects.filter(
            pk=recipient.pk, emailed_seq__lte=F("last_read_seq")
        ).update(emailed_seq=seq):
            continue
        try:
            _tell(conversation, recipient, message)
        except Exception as error:
            # Given back, whatever went wrong: the next message tells them, and so
            # does this task when the failed-tasks screen runs it again.
            Participant.objects.filter(pk=recipient.pk, emailed_seq=seq).update(
                emailed_seq=recipient.emailed_seq
            )
            logger.warning(
                "conversation %s: user %s not told (%s)",
                conversation.pk,
                recipient.user_id,
                type(error).__name__,
            )
            failed.append(error)
            continue
        sent += 1
    if failed and not isinstance(failed[0], (OSError, smtplib.SMTPException)):
        raise failed[0]  # a fault of ours, not the mail server's: the task fails
    return sent


def _tell(conversation: Conversation, recipient: Participant, message) -> None:
    """One email (if they have an address and want them), then the phone (if they
    chose it; phone members too): a push goes only once the email went, so a retry
    never pushes twice."""
    user = recipient.user
    prefs = Preferences.objects.filter(user=user).first()
    if user.email and (prefs is None or prefs.wants(EmailKind.MESSAGE)):
        with (
            translation.override(member_language(user)),
            timezone.override(member_zone(user)),
        ):
            who = message.byline  # the alias for a hidden author, never their name
            build_email(
                user=user,
                kind=EmailKind.MESSAGE,
                subject=_subject(conversation, recipient, who),
                template="conversation",
                context={
                    "who": who,
                    "excerpt": message.body[:800],
                    "relay": conversation.is_relay,
                    "to_author": recipient.hidden_author,
                    "url": absolute(conversation.get_absolute_url()),
                },
            ).send()
    # On the phone, if they chose it: that a message waits, nothing more.
    push.notify(user_id=user.pk, kind=MESSAGE, ref=conversation.pk)
