"""Conversations, their participants, and blocks between members."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.translation import gettext_lazy as _


class Conversation(models.Model):
    """One private conversation: its room holds the messages.

    A relay (``relay_post`` set) joins a member to the anonymous author of a safe-space
    post. The author's participant row is marked ``hidden_author``: their messages go
    out under the post's alias, until they choose to reveal their name.
    """

    room = models.OneToOneField(
        "forums.Room", on_delete=models.CASCADE, related_name="conversation"
    )
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Where it started, shown to its participants: a named post, or a page another
    # app names (an exchange visit), kept as its title and address.
    about_post = models.ForeignKey(
        "forums.Post",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    about_title = models.CharField(max_length=200, blank=True)
    about_url = models.CharField(max_length=300, blank=True)
    relay_post = models.ForeignKey(
        "forums.Post",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Kept apart from the post: a relay stays a relay, under the post's alias, even
    # if the post (or its thread or space) is ever deleted.
    relay = models.BooleanField(default=False, editable=False)
    relay_alias = models.PositiveSmallIntegerField(null=True, blank=True)
    revealed = models.BooleanField(default=False)
    # The first message's client id: a form sent twice starts one conversation.
    start_key = models.UUIDField(null=True, blank=True, editable=False)
    created = models.DateTimeField(auto_now_add=True)
    last_message_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["started_by", "start_key"],
                name="forums_conversation_start_once",
            )
        ]
        verbose_name = _("private conversation")
        verbose_name_plural = _("private conversations")

    def __str__(self) -> str:
        return f"conversation {self.pk}"

    def get_absolute_url(self) -> str:
        return reverse("forums:conversation", args=[self.pk])

    @property
    def is_relay(self) -> bool:
        return self.relay


class Participant(models.Model):
    """A member in a conversation: what they have read, and their choices for it."""

    conversation = models.ForeignKey(
        Conversation, on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    hidden_author = models.BooleanField(default=False)
    last_read_seq = models.PositiveIntegerField(default=0)
    # The last message number they were told about (email, phone): once per unread
    # stretch.
    emailed_seq = models.PositiveIntegerField(default=0)
    muted = models.BooleanField(default=False)
    # Blocked from here (they blocked the other person): the row still shows them as
    # in it, to everyone, so nobody learns of the block; they never see it, are never
    # told of it, and it counts nothing for them.
    silenced = models.BooleanField(default=False)
    left_at = models.DateTimeField(null=True, blank=True)
    joined = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"], name="forums_participant_once"
            )
        ]
        indexes = [
            models.Index(fields=["user", "left_at"], name="forums_participant_inbox")
        ]

    def __str__(self) -> str:
        return f"{self.user_id} in {self.conversation_id}"


class Block(models.Model):
    """``blocker`` takes no private messages from ``blocked``."""

    blocker = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    blocked = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["blocker", "blocked"], name="forums_block_once"
            )
        ]

    def __str__(self) -> str:
        return f"{self.blocker_id} blocks {self.blocked_id}"
