"""The one chat system: rooms, messages, catch-up, presence and the payloads clients see.

Every write is stored first and broadcast on commit through ``community.realtime`` to
the room's group (``room.<pk>``). A message carries a client-chosen id; sending the
same id again returns the stored message and stores nothing. The websocket consumer and
the plain-HTTP fallback call the same functions here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, connection, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from community import realtime
from community.counters import bump
from community.mentions import Mentions
from community.text import render_plain

from . import permissions
from .models import ChatMessage, Room, RoomKind, Space, alias_label, coarse_time

MAX_LENGTH = 2000
PAGE = 50
CATCH_UP_CAP = 200


@dataclass
class ChatError(Exception):
    """A refusal the client can show: ``code`` is stable, ``message`` translated."""

    code: str
    message: str
    retry_after: int | None = None

    def frame(self, **extra) -> dict[str, Any]:
        data = {"type": "error", "code": self.code, "message": self.message, **extra}
        if self.retry_after is not None:
            data["retry_after"] = self.retry_after
        return data


def group_for(room_id: int) -> str:
    return realtime.group_name("room", room_id)


# --- Payloads: what every client sees ---------------------------------------------------


def message_payload(message: ChatMessage) -> dict[str, Any]:
    """The message as anyone may see it. An anonymous message has no author at all,
    and its time is given to the minute only (no matching against named posts)."""
    created = message.created
    if message.anonymous or message.room.anonymous_allowed:
        # Anonymous messages are stored to the minute; in a room that takes them,
        # named ones are shown to the minute too, so no finer time sits beside them.
        created = coarse_time(created)
    author = None
    if not message.anonymous and not message.hidden:
        author = {"name": message.byline}
    reply_to = None
    if message.reply_to_id is not None:
        reply_to = getattr(message.reply_to, "seq", None)
    return {
        "type": "message",
        "id": message.seq,
        "room": message.room_id,
        "client_id": str(message.client_id),
        # A hidden message keeps its place in the sequence and shows nothing else:
        # not its text, not who wrote it.
        "body_html": "" if message.hidden else message.body_html,
        "hidden": message.hidden,
        "author": author,
        "alias": alias_label(message.alias)
        if message.anonymous and not message.hidden
        else None,
        "reply_to": reply_to,
        "reply": reply_preview(message),
        "edited": message.edited_at is not None,
        "created": created.isoformat(),
    }


REPLY_EXCERPT = 80


def reply_preview(message: ChatMessage) -> dict[str, Any] | None:
    """What a reply shows of the message it answers: who (the same byline or alias
    that message shows, so a reply reveals nothing more) and its opening words."""
    quoted = message.reply_to if message.reply_to_id is not None else None
    if quoted is None:
        return None
    if quoted.hidden:
        return {
            "id": quoted.seq,
            "who": "",
            "excerpt": str(_("Hidden by a moderator.")),
        }
    text = " ".join(quoted.body.split())
    if len(text) > REPLY_EXCERPT:
        text = text[: REPLY_EXCERPT - 1].rstrip() + "…"
    return {"id": quoted.seq, "who": quoted.byline, "excerpt": text}


def quotable_seq(value) -> int | None:
    """A ``reply_to`` from a form or a query string, as a message number."""
    try:
        seq = int(value)
    except (TypeError, ValueError):
        return None
    return seq if seq > 0 else None


def quotable(room: Room, value) -> ChatMessage | None:
    """The message a reply being written answers (``?reply_to=``): one still shown."""
    seq = quotable_seq(value)
    if seq is None:
        return None
    return (
        ChatMessage.objects.filter(room=room, seq=seq, hidden=False)
        .select_related("author__profile")
        .first()
    )


# --- Reading ------------------------------------------------------------------------------


def _messages(room: Room):
    return ChatMessage.objects.filter(room=room).select_related(
        "author__profile", "reply_to__author__profile", "room__space"
    )


def latest(room: Room, *, limit: int = PAGE) -> list[ChatMessage]:
    items = list(_messages(room).order_by("-seq")[:limit])
    items.reverse()
    return items


def after(
    room: Room, after_seq: int, *, limit: int | None = None
) -> tuple[list[ChatMessage], bool]:
    """Messages after sequence number ``after_seq`` in order, at most ``limit``; and
    whether more wait."""
    limit = limit or CATCH_UP_CAP
    items = list(_messages(room).filter(seq__gt=after_seq).order_by("seq")[: limit + 1])
    return items[:limit], len(items) > limit


def between(room: Room, after_seq: int, upto_seq: int) -> list[ChatMessage]:
    """Messages with ``after_seq < seq <= upto_seq``, in order (filling a gap)."""
    return list(
        _messages(room).filter(seq__gt=after_seq, seq__lte=upto_seq).order_by("seq")
    )


def head(room_ids) -> dict[int, int]:
    """The last sequence number of each room, in one query."""
    return dict(
        Room.objects.filter(pk__in=list(room_ids)).values_list("pk", "last_seq")
    )


def has_before(room: Room, first_seq: int) -> bool:
    return ChatMessage.objects.filter(room=room, seq__lt=first_seq).exists()


def before(
    room: Room, before_seq: int, *, limit: int = PAGE
) -> tuple[list[ChatMessage], bool]:
    items = list(
        _messages(room).filter(seq__lt=before_seq).order_by("-seq")[: limit + 1]
    )
    more = len(items) > limit
    items = items[:limit]
    items.reverse()
    return items, more


# --- Who may do what (delegates to the room's owner) -----------------------------------


class RoomOwner:
    """What owns a kind of room answers who may read and write there.

    Space rooms are answered here; the events app registers its own for event rooms,
    and ``forums.conversations`` for private conversations.
    """

    # Messages go through the content screen (held for review on a policy pattern).
    # Private conversations do not: nobody but their members reads them unless one
    # of them reports a message.
    screened = True
    # "@Name" links and suggestions for the room's readers. Private conversations
    # have none: everyone is already there, and in a relay whether a name links (or
    # is suggested) would tell the asker who the author is.
    mentions = True
    # "Here now" counts. Private conversations have none: with a member's several
    # sockets the count could pass the minimum group size and show, live, when the
    # other person (a relay's author) opens it.
    presence = True

    def sends_anonymously(self, user, room: Room, requested: bool) -> bool:
        """Whether this message goes out without its author: the sender's choice,
        unless the room decides (the relay's hidden author always does)."""
        return requested

    def alias(self, user, room: Room) -> int | None:
        """The alias an anonymous sender carries here; None: the room's next one."""
        return None

    def may_write_named(self, user, room: Room) -> bool:
        """Whether this member could write here under their name instead. A relay's
        hidden author cannot without sharing it, so a refusal of their anonymous
        message must not suggest it."""
        return True

    def on_message(self, message: ChatMessage) -> None:
        """Called inside the storing transaction, after the message is saved."""

    def can_view(self, user, room: Room) -> bool:
        raise NotImplementedError

    def can_send(self, user, room: Room) -> bool:
        raise NotImplementedError

    def can_moderate(self, user, room: Room) -> bool:
        raise NotImplementedError

    def scope(self, room: Room):
        """(organisation, safe space) for moderation."""
        return None, False

    def page_url(self, room: Room) -> str:
        """The page a reader of the room goes back to (a webinar's live page)."""
        return room.get_absolute_url()


class SpaceRoomOwner(RoomOwner):
    def can_view(self, user, room):
        return permissions.can_view_space(user, room.space)

    def can_send(self, user, room):
        return permissions.can_post_in_space(user, room.space)

    def can_moderate(self, user, room):
        return permissions.can_moderate_space(user, room.space)

    def scope(self, room):
        return room.space.organisation, room.space.safe_space


_owners: dict[str, RoomOwner] = {RoomKind.SPACE: SpaceRoomOwner()}


def register_room_owner(kind: str, owner: RoomOwner) -> None:
    _owners[kind] = owner


def owner_of(room: Room) -> RoomOwner:
    return _owners[room.kind]


def can_view_room(user, room: Room) -> bool:
    return owner_of(room).can_view(user, room)


def can_send(user, room: Room) -> bool:
    return owner_of(room).can_send(user, room)


def can_moderate_room(user, room: Room) -> bool:
    return owner_of(room).can_moderate(user, room)


def load_room(room_id: int) -> Room | None:
    return (
        Room.objects.select_related("space__organisation__parent__parent")
        .filter(pk=room_id)
        .first()
    )


# --- Writing ------------------------------------------------------------------------------


def room_for_space(*, space: Space) -> Room:
    room, _created = Room.objects.get_or_create(
        space=space, defaults={"kind": RoomKind.SPACE, "title": space.name}
    )
    return room


def room_create(
    *,
    kind: str,
    title: str,
    opens_at=None,
    closes_at=None,
    allow_anonymous: bool = False,
) -> Room:
    room = Room(
        kind=kind,
        title=title,
        opens_at=opens_at,
        closes_at=closes_at,
        allow_anonymous=allow_anonymous,
    )
    room.full_clean()
    room.save()
    return room


@transaction.atomic
def room_set_window(*, room: Room, opens_at, closes_at) -> Room:
    was_open = room.is_open()
    room.opens_at, room.closes_at = opens_at, closes_at
    room.save(update_fields=["opens_at", "closes_at"])
    if was_open and not room.is_open():
        realtime.broadcast_on_commit(group_for(room.pk), {"type": "room.closed"})
    return room


@transaction.atomic
def room_set_slow_mode(*, room: Room, seconds: int, by) -> Room:
    if not can_moderate_room(by, room):
        raise PermissionDenied(_("Only the room's moderators set slow mode."))
    room.slow_mode_seconds = max(0, min(int(seconds), 3600))
    room.save(update_fields=["slow_mode_seconds"])
    realtime.broadcast_on_commit(
        group_for(room.pk),
        {"type": "room.slow_mode", "seconds": room.slow_mode_seconds},
    )
    return room


def _next_alias(room: Room, author) -> int:
    existing = (
        ChatMessage.objects.filter(room=room, author=author, anonymous=True)
        .values_list("alias", flat=True)
        .first()
    )
    if existing:
        return existing
    highest = ChatMessage.objects.filter(room=room, anonymous=True).aggregate(
        m=Max("alias")
    )
    return (highest["m"] or 0) + 1


def message_send(
    *,
    room: Room,
    author,
    body: str,
    client_id: str | uuid.UUID,
    anonymous: bool = False,
    reply_to_id: int | None = None,
    ip: str | None = None,
    rate_limited: bool = True,
) -> tuple[ChatMessage, bool]:
    """Store a message and broadcast it on commit. Returns (message, created).

    A ``client_id`` this author already used in this room returns the stored message
    and stores nothing: a client retrying after a lost acknowledgement is safe.
    """
    from moderation import policy

    with policy.sanctions_read_once():
        return _message_send(
            room=room,
            author=author,
            body=body,
            client_id=client_id,
            anonymous=anonymous,
            reply_to_id=reply_to_id,
            ip=ip,
            rate_limited=rate_limited,
        )


def _message_send(
    *, room, author, body, client_id, anonymous, reply_to_id, ip, rate_limited
) -> tuple[ChatMessage, bool]:
    from moderation import permissions as moderation_permissions
    from moderation import ratelimit
    from moderation import services as moderation_services

    if not getattr(author, "is_authenticated", False):
        raise ChatError("not_allowed", _("Sign in to send messages."))
    owner = owner_of(room)
    anonymous = owner.sends_anonymously(author, room, anonymous)
    try:
        client_uuid = uuid.UUID(str(client_id))
    except ValueError:
        raise ChatError(
            "bad_request", _("A message needs a valid client_id.")
        ) from None
    existing = ChatMessage.objects.filter(
        room=room, author=author, client_id=client_uuid
    ).first()
    if existing is not None:
        return existing, False

    body = (body or "").strip()
    if not body:
        raise ChatError("empty", _("Write a message first."))
    if len(body) > MAX_LENGTH:
        raise ChatError(
            "too_long",
            _("Messages are at most %(max)s characters; this one has %(n)s.")
            % {"max": MAX_LENGTH, "n": len(body)},
        )
    if not can_send(author, room):
        raise ChatError("not_allowed", _("You cannot send messages in this room."))
    try:
        moderation_permissions.check_can_chat(
            author,
            anonymous=anonymous,
            area=room.space if room.space_id else room,
            named_possible=not anonymous or owner.may_write_named(author, room),
        )
    except PermissionDenied as denied:
        raise ChatError("not_allowed", str(denied)) from None
    if not room.is_open():
        raise ChatError("room_closed", _("This room is closed; it stays readable."))
    if anonymous and not room.anonymous_allowed:
        raise ChatError("not_allowed", _("Anonymous messages are not allowed here."))
    # Only stored messages count toward the limits (checked now, recorded once
    # stored): a client told to wait and retry is not punished for the refusal.
    limits = []
    if rate_limited:  # off only for imported history (the demo seed)
        limits.append({"action": "chat", "user": author, "ip": ip})
        if room.slow_mode_seconds:
            limits.append(
                {
                    "action": f"chat_slow_{room.pk}",
                    "user": author,
                    "spec": f"1/{room.slow_mode_seconds}",
                }
            )
    try:
        for limit in limits:
            ratelimit.check(**limit)
    except ratelimit.RateLimited as limited:
        raise ChatError("rate_limited", limited.message, limited.retry_after) from None
    reply_to = None
    if reply_to_id:
        reply_to = (
            ChatMessage.objects.filter(room=room, seq=reply_to_id)
            .select_related("author__profile")
            .first()
        )
        if reply_to is None:
            raise ChatError(
                "bad_request", _("The message you reply to is not in this room.")
            )

    # Resolved before the room's row is locked: it reads profiles and permissions.
    body_html = render_plain(body, mentions=_mentions(room, body))
    try:
        with transaction.atomic():
            # The room's row lock orders writers: the next number is taken inside this
            # transaction and released at its commit, so numbers follow commit order
            # and a rolled-back message leaves no gap.
            seq = _take_seq(room.pk)
            message = ChatMessage.objects.create(
                room=room,
                seq=seq,
                author=author,
                anonymous=anonymous,
                alias=(owner.alias(author, room) or _next_alias(room, author))
                if anonymous
                else None,
                client_id=client_uuid,
                body=body,
                body_html=body_html,
                reply_to=reply_to,
            )
            if anonymous:
                ChatMessage.objects.filter(pk=message.pk).update(
                    created=coarse_time(message.created)
                )
                message.created = coarse_time(message.created)
            if owner.screened:
                moderation_services.content_screen(
                    content=message, author=author, text=body
                )
            owner.on_message(message)
            # Held messages too, as a hidden placeholder (no text, no author): every
            # number reaches every reader, so a gap always means a lost frame.
            realtime.broadcast_on_commit(
                group_for(room.pk), message_payload(message), seq=seq
            )
    except IntegrityError:
        # The same client_id raced in from another connection: it is stored once.
        return ChatMessage.objects.get(
            room=room, author=author, client_id=client_uuid
        ), False
    for limit in limits:
        ratelimit.record(**limit)
    # No reload: a hold (content_screen) set ``hidden`` on this instance already.
    return message, True


def _mentions(room: Room, body: str) -> Mentions:
    """Mentions (an "@Name", a profile link) become links for members who can read
    the room (``community.mentions``); in chat they notify nobody yet."""
    if not owner_of(room).mentions:
        return Mentions(body, can_read=lambda user: False)
    return Mentions(body, can_read=lambda user: can_view_room(user, room))


def _take_seq(room_id: int) -> int:
    """The room's next message number, in one round trip: the UPDATE takes the row's
    lock (held until commit) and RETURNING hands back the new value."""
    with connection.cursor() as cursor:
        cursor.execute(
            'UPDATE "forums_room" SET "last_seq" = "last_seq" + 1 WHERE "id" = %s '
            'RETURNING "last_seq"',
            [room_id],
        )
        return cursor.fetchone()[0]


@transaction.atomic
def message_set_hidden(*, message: ChatMessage, hidden: bool) -> ChatMessage:
    message.hidden = hidden
    message.save(update_fields=["hidden"])
    if hidden:
        event = {"type": "message.hidden", "id": message.seq}
    else:
        event = {**message_payload(message), "type": "message.restored"}
    realtime.broadcast_on_commit(group_for(message.room_id), event)
    return message


@transaction.atomic
def message_edit(*, message: ChatMessage, body: str) -> ChatMessage:
    body = body.strip()
    if not body or len(body) > MAX_LENGTH:
        raise ChatError(
            "too_long", _("Messages are 1 to %(max)s characters.") % {"max": MAX_LENGTH}
        )
    message.body = body
    message.body_html = render_plain(body, mentions=_mentions(message.room, body))
    message.edited_at = timezone.now()
    if message.anonymous:
        message.edited_at = coarse_time(message.edited_at)
    message.save(update_fields=["body", "body_html", "edited_at"])
    realtime.broadcast_on_commit(
        group_for(message.room_id),
        {**message_payload(message), "type": "message.edited"},
    )
    return message


# --- Presence: how many, never who ---------------------------------------------------------


def presence_count(room_id: int) -> int:
    """Sockets open on the room, from every live worker's lease (``forums.leases``):
    as fresh as the last watch tick, and never counting a dead worker's sockets."""
    from . import leases

    return leases.room_presence(room_id, leases.everyone())


def presence_for_page(room: Room) -> int | None:
    """ "Here now" on a page or a poll: the sockets, plus the person reading (who has
    none), shown as a number only from the minimum group size."""
    from community.privacy import people_count

    if not owner_of(room).presence:
        return None
    return people_count(presence_count(room.pk) + 1)


# --- Access versions: sockets re-check only when something changed ---------------------
#
# A socket must drop within 5 s when its member loses access (membership or account
# removed, suspension, space or room changed). Re-checking every socket's permissions on
# a timer costs a database round trip per socket every few seconds, which at thousands
# of sockets is the whole worker. Instead, whatever can change access bumps a version
# in the shared cache, per user and per room (``forums.signals``); each worker reads the
# versions of its sockets in one ``get_many`` every 2 s and re-checks only those whose
# versions moved.

ACCESS_TTL = 24 * 3600


def access_keys(user_id: int | None, room_id: int) -> tuple[str, str]:
    return f"chat:acl:u:{user_id or 0}", f"chat:acl:r:{room_id}"


def thread_access_keys(
    user_id: int | None, space_id: int, thread_id: int
) -> tuple[str, str, str]:
    """A thread socket's versions: its member, its space and the thread itself."""
    return (
        f"chat:acl:u:{user_id or 0}",
        f"chat:acl:s:{space_id}",
        f"chat:acl:t:{thread_id}",
    )


def access_touch_space(space_id: int) -> None:
    bump(f"chat:acl:s:{space_id}", timeout=ACCESS_TTL)


def access_touch_thread(thread_id: int) -> None:
    bump(f"chat:acl:t:{thread_id}", timeout=ACCESS_TTL)


def access_touch_user(user_id: int) -> None:
    bump(f"chat:acl:u:{user_id}", timeout=ACCESS_TTL)


def access_touch_room(room_id: int) -> None:
    bump(f"chat:acl:r:{room_id}", timeout=ACCESS_TTL)


def access_versions(keys) -> dict[str, int]:
    keys = list(keys)
    found = cache.get_many(keys)
    return {key: int(found.get(key) or 0) for key in keys}
