"""Who may read, write and start private conversations.

Only the people in a conversation read it: no role, no moderator, no administrator
reaches its messages. A moderator sees a message only when a participant reports it,
and then that message and the few before it
(``forums.moderation_adapters.conversation_excerpt``), nothing else.
"""

from __future__ import annotations

from community import permissions as capability

from .models import Block, Conversation, Participant


def _active(user) -> bool:
    return capability.can_participate(user)


def participant(user, conversation: Conversation) -> Participant | None:
    """The user's row in the conversation while they are in it (not after leaving)."""
    if not _active(user):
        return None
    # A page or a socket check loads the rows once with the conversation
    # (``_participant_rows``); otherwise they are read now, never kept on the object,
    # so a later question after a block or a leave sees the change.
    rows = getattr(conversation, "_participant_rows", None)
    if rows is None:
        rows = list(conversation.participants.all())
    for row in rows:
        if row.user_id == user.pk and row.left_at is None and not row.silenced:
            return row
    return None


def can_view(user, conversation: Conversation) -> bool:
    return participant(user, conversation) is not None


def blocked_by(user, others) -> set[int]:
    """Which of ``others`` block ``user``: they are silenced where ``user`` writes
    to them, and ``user`` is never told."""
    ids = [o.pk for o in others if o.pk != user.pk]
    if not ids:
        return set()
    return set(
        Block.objects.filter(blocker_id__in=ids, blocked=user).values_list(
            "blocker_id", flat=True
        )
    )


def blocks(user, others) -> list:
    """Which of ``others`` ``user`` blocked (told only to ``user``)."""
    ids = set(
        Block.objects.filter(
            blocker=user, blocked_id__in=[o.pk for o in others]
        ).values_list("blocked_id", flat=True)
    )
    return [o for o in others if o.pk in ids]


def can_send(user, conversation: Conversation) -> bool:
    """In it (a closed conversation is refused by the chat, which says so). Nobody is
    refused for a block: a member who blocked the sender is silenced in the
    conversation instead, so the sender sees nothing different."""
    return participant(user, conversation) is not None


def can_start(user) -> bool:
    """Any active member may start a conversation (limits apply when they do)."""
    return _active(user)


def can_message(user, other) -> bool:
    """Whether a "Send a private message" link is offered to ``other``: never to
    oneself or to a closed account. Blocks are never shown: a member who blocked the
    writer simply never receives what they write."""
    return (
        _active(user)
        and other is not None
        and other.pk != user.pk
        and getattr(other, "is_active", False)
    )


def can_ask_author(user, post) -> bool:
    """The relay's link on an anonymous post: shown on every such post the reader
    may see, whatever the author's state (closed account, blocks): only the reader's
    own state and the post's public state decide, so the link tells nothing."""
    return (
        _active(user)
        and post.anonymous
        and post.deleted_at is None
        and not post.hidden
        and post.author_id != user.pk
    )


def can_reveal(user, conversation: Conversation) -> bool:
    me = participant(user, conversation)
    return (
        me is not None
        and me.hidden_author
        and not conversation.revealed
        and conversation.room.is_open()
    )


def can_close(user, conversation: Conversation) -> bool:
    """The relay's hidden author closes it at any time; so may whoever asked."""
    me = participant(user, conversation)
    return me is not None and conversation.is_relay and conversation.room.is_open()


def can_see_about(user, conversation: Conversation) -> bool:
    """Whether the thread the conversation is about is named to ``user``: only to
    its readers, so someone added later does not learn a closed space's thread."""
    if conversation.about_post_id is None:
        return True  # a page another app signed (an exchange visit)
    from ..models import Post
    from ..permissions import can_view_post

    post = (
        Post.objects.select_related("thread__space__organisation")
        .filter(pk=conversation.about_post_id)
        .first()
    )
    return post is not None and can_view_post(user, post)
