"""Webinar rooms in the one chat system (``forums.chat``): who reads, writes and
moderates an event's room. Registered in ``EventsConfig.ready``."""

from __future__ import annotations

from django.db import transaction
from django.db.models.signals import post_save
from django.urls import reverse

from forums import chat
from forums.chat import RoomOwner
from forums.models import Room

from . import permissions
from .models import Event, Registration


def event_of(room: Room) -> Event | None:
    try:
        return Event.objects.select_related("organiser__parent__parent").get(room=room)
    except Event.DoesNotExist:
        return None


class EventRoomOwner(RoomOwner):
    """Registered people and the organiser side read the room (and, after the
    session, its transcript); registered people write while it is open; hosts and
    moderators moderate."""

    def _event(self, room: Room) -> Event | None:
        cached = getattr(room, "_event_cache", None)
        if cached is None:
            cached = event_of(room)
            room._event_cache = cached
        return cached

    def can_view(self, user, room: Room) -> bool:
        event = self._event(room)
        if event is None or not permissions.can_view(user, event):
            return False
        return permissions.is_registered(user, event) or permissions.can_moderate_room(
            user, event
        )

    def can_send(self, user, room: Room) -> bool:
        event = self._event(room)
        if event is None or event.is_cancelled:
            return False
        return permissions.is_registered(user, event) or permissions.can_host(
            user, event
        )

    def can_moderate(self, user, room: Room) -> bool:
        event = self._event(room)
        return event is not None and permissions.can_moderate_room(user, event)

    def scope(self, room: Room):
        event = self._event(room)
        return (event.organiser if event else None), False

    def page_url(self, room: Room) -> str:
        event = self._event(room)
        if event is None:
            return room.get_absolute_url()
        return reverse("events:live", args=[event.pk])


# Open sockets re-check themselves when an access version moves (``forums.signals``):
# a registration or an event changes who may be in its room.


def _registration_saved(sender, instance, **kwargs) -> None:
    user_id = instance.user_id
    transaction.on_commit(lambda: chat.access_touch_user(user_id))


def _event_saved(sender, instance, **kwargs) -> None:
    room_id = instance.room_id
    if room_id:
        transaction.on_commit(lambda: chat.access_touch_room(room_id))


def connect_signals() -> None:
    post_save.connect(
        _registration_saved, sender=Registration, dispatch_uid="events-chat-acl-reg"
    )
    post_save.connect(_event_saved, sender=Event, dispatch_uid="events-chat-acl-event")
