"""Forum posts and chat messages, registered with the generic moderation app."""

from django.utils.translation import gettext as _

from moderation.registry import ModerationAdapter, register

from . import chat, permissions, services
from .ids import chat_message_pk, chat_message_ref, post_pk
from .models import ChatMessage, Post, RoomKind, alias_label

# A reported private message is shown to moderators with this many before it.
CONTEXT_MESSAGES = 4


class PostAdapter(ModerationAdapter):
    resubmit_by_editing = True

    def author(self, obj):
        return obj.author

    def scope(self, obj):
        space = obj.thread.space
        return space.organisation, space.safe_space

    def excerpt(self, obj) -> str:
        title = obj.thread.title if obj.number == 1 else ""
        return f"{title}\n{obj.body}".strip()

    def url(self, obj) -> str:
        return obj.get_absolute_url()

    def alias_place(self, obj):
        return obj.thread  # an alias is one author within one thread

    def area(self, obj):
        return obj.thread.space

    def ref(self, obj) -> str:
        return obj.ref

    def lookup(self, model, ref: str):
        pk = post_pk(ref)
        return None if pk is None else model._default_manager.filter(pk=pk).first()

    def can_view(self, user, obj) -> bool:
        """The thread page's rule, hidden posts included (held text stays with the
        author and the moderators)."""
        return permissions.can_view_post(user, obj)

    def is_hidden(self, obj) -> bool:
        return obj.hidden

    def hide(self, obj) -> None:
        services.post_set_hidden(post=obj, hidden=True)

    def restore(self, obj) -> None:
        services.post_set_hidden(post=obj, hidden=False)

    def delete(self, obj) -> None:
        services.post_moderation_delete(post=obj)

    def edit(self, obj, *, body: str) -> None:
        services.post_moderation_edit(post=obj, body=body)

    def label(self, obj) -> str:
        return _("post")

    def place_name(self, obj) -> str:
        return obj.thread.title


class ChatMessageAdapter(ModerationAdapter):
    def author(self, obj):
        return obj.author

    def scope(self, obj):
        return chat.owner_of(obj.room).scope(obj.room)

    def excerpt(self, obj) -> str:
        if obj.room.kind == RoomKind.CONVERSATION:
            return conversation_excerpt(obj)
        return obj.body

    def named_possible(self, obj) -> bool:
        return chat.owner_of(obj.room).may_write_named(obj.author, obj.room)

    def audit_excerpt(self, obj) -> str:
        if obj.room.kind == RoomKind.CONVERSATION:
            # The audit log is read by the national team, not only by whoever
            # decided: it says what was decided about a private message, not its words.
            return str(
                _("A private message (its words stay with the moderators' case).")
            )
        return obj.body

    def url(self, obj) -> str:
        if obj.room.kind == RoomKind.CONVERSATION:
            return ""  # nobody but its people opens a private conversation
        return f"{obj.room.get_absolute_url()}#m{obj.seq}"

    def ref(self, obj) -> str:
        # Opaque: a site-wide sequential id would place an anonymous message among
        # other rooms' named ones.
        return chat_message_ref(obj.pk)

    def lookup(self, model, ref: str):
        pk = chat_message_pk(ref)
        return None if pk is None else model._default_manager.filter(pk=pk).first()

    def alias_place(self, obj):
        return obj.room  # an alias is one author within one room

    def area(self, obj):
        room = obj.room
        return room.space if room.space_id else room

    def can_view(self, user, obj) -> bool:
        if not chat.can_view_room(user, obj.room):
            return False
        if not obj.hidden:
            return True
        return obj.author_id == getattr(user, "pk", None) or chat.can_moderate_room(
            user, obj.room
        )

    def is_hidden(self, obj) -> bool:
        return obj.hidden

    def hide(self, obj) -> None:
        chat.message_set_hidden(message=obj, hidden=True)

    def restore(self, obj) -> None:
        chat.message_set_hidden(message=obj, hidden=False)

    def delete(self, obj) -> None:
        chat.message_set_hidden(message=obj, hidden=True)

    def edit(self, obj, *, body: str) -> None:
        chat.message_edit(message=obj, body=body)

    def label(self, obj) -> str:
        return _("chat message")

    def place_name(self, obj) -> str:
        return obj.room.title


def _clip(text: str, most: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= most else text[: most - 1] + "…"


def conversation_excerpt(message: ChatMessage) -> str:
    """What a moderator sees of a reported private message: it, then the few
    messages before it, each with the byline its readers see. A relay's author is
    shown by the post's alias even after they shared their name with the asker: that
    was for the asker, not for the safe space's moderators. Nothing else of the
    conversation reaches the moderation queue."""
    from .conversations.models import Conversation

    conversation = (
        Conversation.objects.filter(room_id=message.room_id)
        .prefetch_related("participants")
        .first()
    )
    hidden = None
    if conversation is not None and conversation.is_relay:
        hidden = next(
            (p.user_id for p in conversation.participants.all() if p.hidden_author),
            None,
        )

    def who(m) -> str:
        if hidden is not None and m.author_id == hidden:
            return alias_label(conversation.relay_alias)
        return m.byline

    before = list(
        ChatMessage.objects.filter(
            room_id=message.room_id, seq__lt=message.seq, hidden=False
        )
        .select_related("author__profile")
        .order_by("-seq")[:CONTEXT_MESSAGES]
    )
    lines = [
        _("Reported private message, from %(who)s:") % {"who": who(message)},
        _clip(message.body, 280),
    ]
    if before:
        lines += ["", _("The messages just before it:")]
        lines += [f"{who(m)}: {_clip(m.body, 70)}" for m in reversed(before)]
    return "\n".join(lines)


register(Post, PostAdapter())
register(ChatMessage, ChatMessageAdapter())
