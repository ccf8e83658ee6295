"""What can change who may be in a chat room or read a thread bumps an access version
(``forums.chat``), so open sockets re-check themselves within seconds, without polling
the database."""

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models.signals import post_delete, post_save
from taggit.models import Tag

from community import pagecache
from community.models import Membership, Organisation, Profile
from moderation.models import Sanction

from . import chat, pages, selectors
from .models import Post, Reaction, Room, Space, SpaceMembership, TaggedThread, Thread


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


# --- What visitors see: the kept pages (``forums.pages``) ------------------------


def _page_of_post(sender, instance, **kwargs) -> None:
    pages.thread_changed(instance.thread_id)


def _page_of_thread(sender, instance, **kwargs) -> None:
    pages.thread_changed(instance.pk)


def _page_of_reaction(sender, instance, **kwargs) -> None:
    thread_id = instance.post.thread_id
    pages.thread_changed(thread_id)
    selectors.reactions_forget(instance.user_id, thread_id)


def _page_of_tag(sender, instance, **kwargs) -> None:
    pages.thread_changed(instance.content_object_id)


def _every_page(sender, instance, update_fields=None, **kwargs) -> None:
    # A name, an organisation, a space's openness: shown on many pages at once.
    if update_fields is not None and set(update_fields) <= {"last_login"}:
        return
    pagecache.changed(pages.EVERYTHING)


def _connect_pages(User) -> None:
    for signal in (post_save, post_delete):
        for model, handler in (
            (Post, _page_of_post),
            (Thread, _page_of_thread),
            (Reaction, _page_of_reaction),
            (TaggedThread, _page_of_tag),
            (Space, _every_page),
            (Profile, _every_page),
            (Organisation, _every_page),
            (Tag, _every_page),
            (User, _every_page),
        ):
            signal.connect(
                handler, sender=model, dispatch_uid=f"forum-pages-{model}-{signal}"
            )


def connect() -> None:
    from allauth.mfa.models import Authenticator

    User = get_user_model()
    _connect_pages(User)
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
