"""Starting, reading, muting, leaving and blocking; the relay's reveal and close.

Messages themselves go through ``forums.chat.message_send``: stored first, numbered,
broadcast on commit, idempotent by client id, rate limited. What happens after one is
stored (``on_message``): the conversation's order in each inbox, the sender's read mark,
the others' unread counts, and one email per unread stretch (``tasks``).
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from moderation import policy, ratelimit

from .. import chat
from ..conf import setting
from ..models import Room, RoomKind
from . import permissions
from .models import Block, Conversation, Participant


@dataclass
class Refused(Exception):
    """A refusal the member can act on; ``message`` is translated."""

    message: str

    def __str__(self) -> str:
        return self.message


# --- Unread counts: kept, not counted per page -------------------------------------------


def _unread_key(user_id: int) -> str:
    return f"forums:conversations:unread:{user_id}"


def unread_forget(user_ids) -> None:
    """Drop members' cached counts now and when the transaction commits."""
    keys = [_unread_key(pk) for pk in user_ids]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys))


def unread_count(user) -> int:
    """Conversations with messages the member has not read (muted ones left out)."""
    key = _unread_key(user.pk)
    cached = cache.get(key)
    if cached is None:
        cached = Participant.objects.filter(
            user=user,
            left_at__isnull=True,
            silenced=False,
            muted=False,
            conversation__room__last_seq__gt=F("last_read_seq"),
        ).count()
        cache.set(key, cached, 600)
    return cached


# --- The room owner: who reads and writes a conversation's room ---------------------------


def _load(room: Room) -> Conversation | None:
    """Fresh each time: a socket re-checks access after someone leaves or blocks."""
    conversation = (
        Conversation.objects.select_related("room", "relay_post__thread__space")
        .prefetch_related("participants__user")
        .filter(room_id=room.pk)
        .first()
    )
    if conversation is not None:
        conversation._participant_rows = list(conversation.participants.all())
    return conversation


class ConversationRoomOwner(chat.RoomOwner):
    screened = False
    mentions = False
    presence = False

    def can_view(self, user, room):
        conversation = _load(room)
        return conversation is not None and permissions.can_view(user, conversation)

    def can_send(self, user, room):
        conversation = _load(room)
        return conversation is not None and permissions.can_send(user, conversation)

    def can_moderate(self, user, room):
        return False

    def scope(self, room):
        """A report from a relay is decided as the safe space's content is: never by
        anyone who leads people. Other conversations go to the moderators."""
        conversation = _load(room)
        if conversation is not None and conversation.is_relay:
            post = conversation.relay_post
            return (post.thread.space.organisation if post else None), True
        return None, False

    def page_url(self, room):
        conversation = _load(room)
        return conversation.get_absolute_url() if conversation else "/"

    def _hidden(self, user, room) -> Conversation | None:
        conversation = _load(room)
        if conversation is None or conversation.revealed:
            return None
        me = permissions.participant(user, conversation)
        return conversation if me is not None and me.hidden_author else None

    def sends_anonymously(self, user, room, requested):
        return self._hidden(user, room) is not None

    def may_write_named(self, user, room):
        return self._hidden(user, room) is None

    def alias(self, user, room):
        conversation = self._hidden(user, room)
        return conversation.relay_alias if conversation is not None else None

    def on_message(self, message):
        conversation = Conversation.objects.get(room_id=message.room_id)
        Conversation.objects.filter(pk=conversation.pk).update(
            last_message_at=message.created
        )
        Participant.objects.filter(
            conversation=conversation,
            user_id=message.author_id,
            last_read_seq__lt=message.seq,
        ).update(last_read_seq=message.seq)
        unread_forget(
            Participant.objects.filter(conversation=conversation).values_list(
                "user_id", flat=True
            )
        )
        from .tasks import send_conversation_emails

        pk, seq = conversation.pk, message.seq
        transaction.on_commit(
            lambda: send_conversation_emails.enqueue(conversation_id=pk, seq=seq)
        )


chat.register_room_owner(RoomKind.CONVERSATION, ConversationRoomOwner())


# --- Starting ------------------------------------------------------------------------

ABOUT_SALT = "forums.conversation.about"


def start_url(members, *, about_title: str = "", about_url: str = "") -> str:
    """The "new conversation" page addressed to ``members``, about a page another app
    names (an exchange visit): its title and address are signed, so the "About" link
    a conversation shows is one the site made, never one typed into an address."""
    from urllib.parse import urlencode

    from django.core import signing
    from django.urls import reverse

    from community.mentions import member_ref

    query = [("to", member_ref(m.pk)) for m in members]
    if about_url:
        token = signing.dumps([about_title[:200], about_url[:300]], salt=ABOUT_SALT)
        query.append(("page", token))
    return f"{reverse('forums:conversation_start')}?{urlencode(query)}"


def read_about(token: str) -> tuple[str, str] | None:
    from django.core import signing

    try:
        title, url = signing.loads(token, salt=ABOUT_SALT)
    except (signing.BadSignature, ValueError, TypeError):
        return None
    return str(title), str(url)


def _start_limits(starter, people: int) -> list[dict]:
    """The size cap and the rate for this member: tighter in their first days."""
    new = policy.standing(starter) == "new"
    most = setting(
        "NEW_MEMBER_CONVERSATION_PEOPLE" if new else "CONVERSATION_MAX_PEOPLE"
    )
    if people > most:
        if new:
            raise Refused(
                ngettext(
                    "In your first days here you can write to %(n)s other member "
                    "at a time.",
                    "In your first days here you can write to %(n)s other members "
                    "at a time.",
                    most - 1,
                )
                % {"n": most - 1}
            )
        raise Refused(
            _("A conversation has at most %(n)s people, you included.") % {"n": most}
        )
    spec = setting("NEW_MEMBER_CONVERSATION_RATE" if new else "CONVERSATION_RATE")
    return [{"action": "conversation", "user": starter, "spec": spec}]


def _check(limits: list[dict]) -> None:
    try:
        for limit in limits:
            ratelimit.check(**limit)
    except ratelimit.RateLimited as limited:
        hours = max(1, math.ceil(limited.retry_after / 3600))
        raise Refused(
            ngettext(
                "You have started as many conversations as one day allows. You can "
                "start another in about %(n)s hour; you can still write in the ones "
                "you have.",
                "You have started as many conversations as one day allows. You can "
                "start another in about %(n)s hours; you can still write in the ones "
                "you have.",
                hours,
            )
            % {"n": hours}
        ) from None


def _first_message(conversation, author, body, client_id, ip) -> None:
    try:
        chat.message_send(
            room=conversation.room,
            author=author,
            body=body,
            client_id=client_id,
            ip=ip,
        )
    except chat.ChatError as refused:
        raise Refused(refused.message) from None


def _start_key(starter, client_id) -> tuple[uuid.UUID, Conversation | None]:
    """The form's client id, and the conversation it already started (a form sent
    twice, or a retry after a lost answer, starts one)."""
    try:
        key = uuid.UUID(str(client_id))
    except ValueError:
        raise Refused(_("Something went wrong with the form; send it again.")) from None
    return key, Conversation.objects.filter(started_by=starter, start_key=key).first()


def create(starter, key, rows, **fields) -> Conversation:
    """The conversation, its room and its people, or the one this key already made
    (a double tap racing on two workers)."""
    try:
        with transaction.atomic():
            conversation = Conversation.objects.create(
                room=_new_room(relay=fields.get("relay", False)),
                started_by=starter,
                start_key=key,
                **fields,
            )
            Participant.objects.bulk_create(
                [Participant(conversation=conversation, **row) for row in rows]
            )
            return conversation
    except IntegrityError:
        return Conversation.objects.get(started_by=starter, start_key=key)


def _new_room(*, relay: bool) -> Room:
    return chat.room_create(
        kind=RoomKind.CONVERSATION,
        title=str(_("Private conversation")),
        allow_anonymous=relay,
    )


def existing_between(starter, other) -> Conversation | None:
    """The open conversation of just these two named people, if there is one."""
    mine = Participant.objects.filter(user=starter, left_at__isnull=True).values(
        "conversation_id"
    )
    theirs = Participant.objects.filter(user=other, left_at__isnull=True).values(
        "conversation_id"
    )
    return (
        Conversation.objects.filter(
            pk__in=mine, relay=False, room__closes_at__isnull=True
        )
        .filter(pk__in=theirs)
        .annotate(people=Count("participants"))
        .filter(people=2)
        .order_by("-pk")
        .first()
    )


def conversation_start(
    *,
    starter,
    others: list,
    body: str,
    client_id: str,
    about_post=None,
    about_title: str = "",
    about_url: str = "",
    ip: str | None = None,
) -> Conversation:
    """Start a conversation (or continue the open one with the same one person) and
    send its first message. Refusals say why and keep nothing half-made."""
    if not permissions.can_start(starter):
        raise Refused(_("Sign in to send private messages."))
    key, done = _start_key(starter, client_id)
    if done is not None:
        return done
    people = {o.pk: o for o in others if o is not None and o.pk != starter.pk}
    people = {pk: o for pk, o in people.items() if o.is_active}
    if not people:
        raise Refused(_("Choose at least one member to write to."))
    mine = permissions.blocks(starter, list(people.values()))
    if mine:
        names = ", ".join(sorted(member_name(o) for o in mine))
        raise Refused(
            _("You blocked %(names)s: unblock them first to write to them.")
            % {"names": names}
        )
    # Whoever blocked the starter is in it, silenced: the starter sees no difference.
    silenced = permissions.blocked_by(starter, list(people.values()))
    one_to_one = len(people) == 1 and about_post is None and not about_url
    with transaction.atomic():
        if one_to_one:
            other = next(iter(people.values()))
            # Two starts at once between the same two people (two devices, or each
            # writing to the other) queue here, and the second finds the first's.
            list(
                get_user_model()
                .objects.select_for_update()
                .filter(pk__in=[starter.pk, other.pk])
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            existing = existing_between(starter, other)
            if existing is not None:
                _first_message(existing, starter, body, client_id, ip)
                return existing
        limits = _start_limits(starter, len(people) + 1)
        _check(limits)
        conversation = create(
            starter,
            key,
            [{"user": starter}]
            + [{"user": o, "silenced": o.pk in silenced} for o in people.values()],
            about_post=about_post,
            about_title=about_title[:200],
            about_url=about_url[:300],
        )
        _first_message(conversation, starter, body, client_id, ip)
    for limit in limits:
        ratelimit.record(**limit)
    return conversation


def member_name(user) -> str:
    """A member as conversations name them (their public name)."""
    profile = getattr(user, "profile", None)
    return str(profile.public_name) if profile is not None else str(_("Member"))


def open_relay(asker, post) -> Conversation | None:
    return (
        Conversation.objects.filter(
            relay_post=post,
            room__closes_at__isnull=True,
            participants__user=asker,
            participants__hidden_author=False,
            participants__left_at__isnull=True,
        )
        .order_by("-pk")
        .first()
    )


def relay_start(*, asker, post, body: str, client_id: str, ip=None) -> Conversation:
    """ "Reply privately to the author" of an anonymous post.

    The author joins as ``hidden_author``: they see who asked, the asker sees only the
    post's alias. Whatever the author's state (a closed account, a block on the
    asker), the asker sees the same: the relay opens and their message is stored. An
    author who blocked the asker is in it silenced: it never reaches them.
    """
    if not permissions.can_ask_author(asker, post):
        raise Refused(_("You cannot write privately to the author of this post."))
    key, done = _start_key(asker, client_id)
    if done is not None:
        return done
    existing = open_relay(asker, post)
    if existing is not None:
        with transaction.atomic():
            _first_message(existing, asker, body, client_id, ip)
        return existing
    limits = _start_limits(asker, 2)
    _check(limits)
    author = post.author
    rows = [{"user": asker}]
    if author is not None:
        rows.append(
            {
                "user": author,
                "hidden_author": True,
                "silenced": bool(permissions.blocked_by(asker, [author])),
            }
        )
    with transaction.atomic():
        conversation = create(
            asker, key, rows, relay=True, relay_post=post, relay_alias=post.alias
        )
        _first_message(conversation, asker, body, client_id, ip)
    for limit in limits:
        ratelimit.record(**limit)
    return conversation


@transaction.atomic
def add_people(*, by, conversation: Conversation, others: list) -> list:
    """Bring more members into an open conversation (never a relay: it is between
    an author and one asker). They read it from the start and are told it waits."""
    _mine(by, conversation)
    if conversation.is_relay or not conversation.room.is_open():
        raise Refused(_("Nobody can be added to this conversation."))
    Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
    rows = {row.user_id: row for row in conversation.participants.all()}
    current = {pk for pk, row in rows.items() if row.left_at is None}
    gone = [o for o in others if o.pk in rows and rows[o.pk].left_at is not None]
    if gone:
        # Leaving is the member's own choice: nobody brings them back.
        raise Refused(
            _("%(names)s left this conversation: write to them in a new one.")
            % {"names": ", ".join(sorted(member_name(o) for o in gone))}
        )
    new = {o.pk: o for o in others if o.is_active and o.pk not in current}
    if not new:
        raise Refused(_("They are all in the conversation already."))
    mine = permissions.blocks(by, list(new.values()))
    if mine:
        names = ", ".join(sorted(member_name(o) for o in mine))
        raise Refused(
            _("You blocked %(names)s: unblock them first to write to them.")
            % {"names": names}
        )
    _start_limits(by, len(current) + len(new))  # the same size caps as starting
    # Anyone already in it who blocked a newcomer, or whom a newcomer blocked, is
    # not told: blocks act one to one, and a group goes on (each can leave it).
    silenced = permissions.blocked_by(by, list(new.values()))
    for pk, user in new.items():
        Participant.objects.get_or_create(
            conversation=conversation,
            user=user,
            defaults={"silenced": pk in silenced},
        )
    unread_forget(new)
    chat.access_touch_room(conversation.room_id)
    from .tasks import send_conversation_emails

    pk, seq = conversation.pk, Room.objects.get(pk=conversation.room_id).last_seq
    transaction.on_commit(
        lambda: send_conversation_emails.enqueue(conversation_id=pk, seq=seq)
    )
    return list(new.values())


# --- A member's choices ---------------------------------------------------------------


def _mine(user, conversation) -> Participant:
    me = permissions.participant(user, conversation)
    if me is None:
        raise Refused(_("You are not in this conversation."))
    return me


def mark_read(*, user, conversation: Conversation, seq: int) -> bool:
    """Raise the member's read mark to ``seq`` (never past the last message)."""
    me = _mine(user, conversation)
    last = Room.objects.filter(pk=conversation.room_id).values_list(
        "last_seq", flat=True
    )
    seq = min(int(seq), last.get())
    if seq <= me.last_read_seq:
        return False
    Participant.objects.filter(pk=me.pk, last_read_seq__lt=seq).update(
        last_read_seq=seq
    )
    me.last_read_seq = seq
    unread_forget([user.pk])
    return True


def set_muted(*, user, conversation: Conversation, muted: bool) -> None:
    me = _mine(user, conversation)
    Participant.objects.filter(pk=me.pk).update(muted=muted)
    unread_forget([user.pk])


@transaction.atomic
def leave(*, user, conversation: Conversation) -> None:
    """Out of it: it leaves the inbox and the member's sockets on it close. In a
    relay, leaving closes it for both (there is no one else to talk to)."""
    me = _mine(user, conversation)
    Participant.objects.filter(pk=me.pk).update(left_at=timezone.now())
    if conversation.is_relay:
        chat.room_set_window(
            room=conversation.room, opens_at=None, closes_at=timezone.now()
        )
    unread_forget([user.pk])
    chat.access_touch_room(conversation.room_id)


@transaction.atomic
def close(*, user, conversation: Conversation) -> None:
    """The relay's author (or its asker) ends it: it stays readable to both, and
    nothing more can be sent."""
    if not permissions.can_close(user, conversation):
        raise Refused(_("This conversation cannot be closed."))
    chat.room_set_window(
        room=conversation.room, opens_at=None, closes_at=timezone.now()
    )
    chat.access_touch_room(conversation.room_id)


@transaction.atomic
def reveal(*, user, conversation: Conversation) -> None:
    """The relay's author chooses to be known: their next messages carry their name,
    and the conversation says who they are. Earlier messages keep the alias."""
    if not permissions.can_reveal(user, conversation):
        raise Refused(_("Only the author can share their name here."))
    Conversation.objects.filter(pk=conversation.pk).update(revealed=True)
    conversation.revealed = True
    chat.access_touch_room(conversation.room_id)


@transaction.atomic
def block(*, blocker, blocked) -> Block:
    """``blocked`` no longer reaches ``blocker`` privately, and is never told.

    The blocker is silenced in their one-to-one conversations with them and in any
    relay where the blocked member asked the blocker (as its hidden author): those
    leave the blocker's inbox, and what the blocked member writes there is kept but
    reaches nobody. Groups go on; the blocker can leave them."""
    if blocked.pk == blocker.pk:
        raise Refused(_("You cannot block yourself."))
    row, _created = Block.objects.get_or_create(blocker=blocker, blocked=blocked)
    for conversation in _shared(blocker, blocked):
        pair = conversation.participants.filter(left_at__isnull=True).count() == 2
        if pair:
            Participant.objects.filter(conversation=conversation, user=blocker).update(
                silenced=True
            )
    unread_forget([blocker.pk])
    chat.access_touch_user(blocker.pk)
    return row


@transaction.atomic
def unblock(*, blocker, blocked) -> None:
    """Undone: the conversations the block silenced come back to the blocker."""
    Block.objects.filter(blocker=blocker, blocked=blocked).delete()
    Participant.objects.filter(
        user=blocker,
        silenced=True,
        conversation__in=[c.pk for c in _shared(blocker, blocked)],
    ).update(silenced=False)
    unread_forget([blocker.pk])
    chat.access_touch_user(blocker.pk)


def _shared(one, other) -> list[Conversation]:
    """The conversations both are in (or were written into), relays included."""
    theirs = Participant.objects.filter(user=other, left_at__isnull=True).values(
        "conversation_id"
    )
    return list(
        Conversation.objects.filter(
            participants__user=one, participants__left_at__isnull=True
        ).filter(pk__in=theirs)
    )
