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
            muted=False,
            last_read_seq__lt=seq,
            emailed_seq__lte=F("last_read_seq"),
            user__is_active=True,
        )
        .exclude(user_id=message.author_id)
        .exclude(user__email="")
        .select_related("user__profile")
    )
    sent = 0
    for recipient in due:
        user = recipient.user
        # Claimed before telling: a task run twice tells once.
        if not Participant.objects.filter(
            pk=recipient.pk, emailed_seq__lte=F("last_read_seq")
        ).update(emailed_seq=seq):
            continue
        # On the phone, if they chose it: that a message waits, nothing more.
        push.notify(user_id=user.pk, kind=MESSAGE, ref=conversation.pk)
        prefs = Preferences.objects.filter(user=user).first()
        if prefs is not None and not prefs.wants(EmailKind.MESSAGE):
            continue
        with (
            translation.override(member_language(user)),
            timezone.override(member_zone(user)),
        ):
            who = message.byline  # the alias for a hidden author, never their name
            email = build_email(
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
            )
        try:
            email.send()
        except (OSError, smtplib.SMTPException):
            # The mail server is down or refused it: the claim is given back, so the
            # next message (or a rerun of this task) tells them; the others go on.
            Participant.objects.filter(pk=recipient.pk, emailed_seq=seq).update(
                emailed_seq=recipient.emailed_seq
            )
            logger.warning(
                "conversation %s: email to user %s not sent", conversation.pk, user.pk
            )
            continue
        sent += 1
    return sent
