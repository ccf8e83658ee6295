"""What can change who may be in a chat room or read a thread bumps an access version
(``forums.chat``), so open sockets re-check themselves within seconds, without polling
the database."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save

from community.models import Membership
from moderation.models import Sanction

from . import chat, selectors
from .models import Room, Space, SpaceMembership, Thread


def _user_changed(user_id) -> None:
    if user_id:
        transaction.on_commit(lambda: chat.access_touch_user(user_id))
        # What the member may see changed, and with it their unread count.
        selectors.bell_forget(user_id)


def _membership(sender, instance, **kwargs) -> None:
    _user_changed(instance.user_id)


def _account(sender, instance, update_fields=None, **kwargs) -> None:
    # Logins save last_login only: no need to wake every socket of this member.
    if update_fields is None or "is_active" in update_fields:
        _user_changed(instance.pk)


def _room(sender, instance, **kwargs) -> None:
    room_id = instance.pk
    transaction.on_commit(lambda: chat.access_touch_room(room_id))


def _space(sender, instance, **kwargs) -> None:
    space_id = instance.pk
    transaction.on_commit(lambda: chat.access_touch_space(space_id))
    for room_id in Room.objects.filter(space=instance).values_list("pk", flat=True):
        transaction.on_commit(lambda room_id=room_id: chat.access_touch_room(room_id))


def _thread(sender, instance, **kwargs) -> None:
    thread_id = instance.pk
    transaction.on_commit(lambda: chat.access_touch_thread(thread_id))


def _authenticator(sender, instance, **kwargs) -> None:
    # Two-factor set up or removed: the member's sockets re-check the MFA rule.
    _user_changed(instance.user_id)


def connect() -> None:
    from allauth.mfa.models import Authenticator

    User = get_user_model()
    for model in (Membership, SpaceMembership, Sanction):
        post_save.connect(_membership, sender=model, dispatch_uid=f"chat-acl-{model}")
        post_delete.connect(
            _membership, sender=model, dispatch_uid=f"chat-acl-del-{model}"
        )
    post_save.connect(_account, sender=User, dispatch_uid="chat-acl-user")
    post_save.connect(_room, sender=Room, dispatch_uid="chat-acl-room")
    post_save.connect(_space, sender=Space, dispatch_uid="chat-acl-space")
    post_save.connect(_thread, sender=Thread, dispatch_uid="chat-acl-thread")
    for signal in (post_save, post_delete):
        signal.connect(
            _authenticator, sender=Authenticator, dispatch_uid=f"chat-acl-mfa-{signal}"
        )
