"""Every write to the forums goes through these functions.

Each validates, writes inside one transaction, then queues its side effects (realtime
frames, emails) to run only once the transaction has committed.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from community import push
from community.mentions import Mentions
from community.realtime import broadcast_on_commit, group_name
from community.text import render

from . import pages, permissions, selectors
from .conf import setting
from .models import (
    REACTION_COUNTERS,
    Digest,
    EmailKind,
    Follow,
    Notification,
    NotificationKind,
    Post,
    PostRevision,
    Preferences,
    Reaction,
    ReactionKind,
    Space,
    SpaceMembership,
    Thread,
    ThreadKind,
    ThreadRead,
    Visibility,
    coarse_time,
)

# Notifications that may also go out by email (followed-thread posts stay in-app).
EMAILED_KINDS = {
    NotificationKind.REPLY: EmailKind.REPLY,
    NotificationKind.MENTION: EmailKind.MENTION,
    NotificationKind.ANSWER: EmailKind.ANSWER,
}


# --- Spaces -------------------------------------------------------------------------


@transaction.atomic
def space_create(
    *,
    name: str,
    slug: str,
    visibility: str = Visibility.MEMBERS,
    description: str = "",
    organisation=None,
    safe_space: bool = False,
    creator=None,
) -> Space:
    """A new space; the creator of a private space is its first member."""
    space = Space(
        name=name,
        slug=slug,
        visibility=visibility,
        description=description,
        organisation=organisation,
        safe_space=safe_space,
    )
    space.full_clean()
    space.save()
    if creator is not None and visibility == Visibility.PRIVATE:
        SpaceMembership.objects.create(
            space=space, user=creator, accepted_at=timezone.now()
        )
        permissions.forget(creator)
    return space


@transaction.atomic
def department_space_open(*, department, by) -> Space:
    """A department's space: read and written by its facility's members (like the
    facility's own), never a safe space. Opening it twice finds the first."""
    from django.utils.text import slugify

    from community.permissions import check_manage_departments

    facility = department.facility
    check_manage_departments(by, facility)
    # Two taps at once: the second waits here, then finds the first one's space.
    type(department).objects.select_for_update().filter(pk=department.pk).first()
    existing = Space.objects.filter(department=department).order_by("pk").first()
    if existing is not None:
        return existing
    base = slugify(f"{facility.slug}-{department.slug}")[:110]
    slug, n = base, 1
    while Space.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    space = Space(
        name=f"{department.name} · {facility.name}"[:120],
        slug=slug,
        visibility=Visibility.ORGANISATION,
        organisation=facility,
        department=department,
        description=_(
            "The space of %(department)s at %(facility)s: its people, and anyone "
            "at the facility who wants to learn from them."
        )
        % {"department": department.name, "facility": facility.name},
    )
    space.full_clean()
    space.save()
    return space


@transaction.atomic
def space_invite(*, space: Space, user, by) -> SpaceMembership:
    """Invite a member to a private space; they see it once they accept."""
    permissions.check_invite(by, space)
    membership, _created = SpaceMembership.objects.get_or_create(
        space=space, user=user, defaults={"invited_by": by}
    )
    return membership


@transaction.atomic
def space_invitation_accept(*, space: Space, user) -> SpaceMembership:
    membership = (
        SpaceMembership.objects.select_for_update()
        .filter(space=space, user=user)
        .first()
    )
    if membership is None:
        raise PermissionDenied(_("You have not been invited to this space."))
    if membership.accepted_at is None:
        membership.accepted_at = timezone.now()
        membership.save(update_fields=["accepted_at"])
    permissions.forget(user)
    return membership


@transaction.atomic
def space_leave(*, space: Space, user) -> None:
    SpaceMembership.objects.filter(space=space, user=user).delete()
    Follow.objects.filter(space=space, user=user).delete()
    permissions.forget(user)


def space_follow(*, space: Space, user, follow: bool = True) -> None:
    if not follow:
        Follow.objects.filter(space=space, user=user).delete()
        return
    if not permissions.can_view_space(user, space):
        raise PermissionDenied(_("This space is not open to you."))
    Follow.objects.get_or_create(space=space, user=user)


def space_every_post(*, space: Space, user, on: bool) -> None:
    """Mailing-list mode for one space: every new post by email (following it)."""
    if on:
        space_follow(space=space, user=user)
    Follow.objects.filter(space=space, user=user).update(every_post=on)


def _email_every_post(post: Post) -> None:
    """Queue the space's every-post emails once the post is committed, if anyone
    asked for them (one query when nobody has)."""
    if Follow.objects.filter(space_id=post.space_id, every_post=True).exists():
        from .tasks import send_space_post_emails

        pk = post.pk
        transaction.on_commit(lambda: send_space_post_emails.enqueue(pk))


def thread_follow(*, thread: Thread, user, follow: bool = True) -> None:
    if not follow:
        Follow.objects.filter(thread=thread, user=user).delete()
        return
    permissions.check_view_thread(user, thread)
    Follow.objects.get_or_create(thread=thread, user=user)


# --- Threads and posts --------------------------------------------------------------


def _clean_body(body: str) -> str:
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a message.")})
    limit = setting("MAX_BODY_LENGTH")
    if len(body) > limit:
        raise ValidationError(
            {"body": _("Keep it under %(limit)d characters.") % {"limit": limit}}
        )
    return body


def _post_html(post: Post) -> str:
    """The post as every reader sees it (no per-reader controls): for live frames."""
    return render_to_string("forums/includes/post.html", {"post": post, "live": True})


def _broadcast_post(event_type: str, post: Post) -> None:
    broadcast_on_commit(
        group_name("thread", post.thread_id),
        {
            "type": event_type,
            "thread": post.thread.ref,
            "post": post.ref,
            "number": post.number,
            "page": post.page,
            "html": _post_html(post) if event_type != "post.deleted" else "",
        },
    )


def _check_may_post(
    author,
    action: str,
    ip: str | None,
    rate_limited: bool = True,
    *,
    space: Space | None = None,
    anonymous: bool = False,
) -> None:
    """Suspensions and rate limits come from the moderation app's policy; they reach
    the form as ValidationError, so the form comes back with the text typed."""
    from django.core.exceptions import PermissionDenied, ValidationError

    from moderation import permissions as moderation_permissions
    from moderation import ratelimit

    try:
        moderation_permissions.check_can_post(author, anonymous=anonymous, area=space)
    except PermissionDenied as denied:
        raise ValidationError(str(denied)) from None
    if not rate_limited:  # off only for imported history (the demo seed)
        return
    try:
        ratelimit.hit(action, user=author, ip=ip)
    except ratelimit.RateLimited as limited:
        raise ValidationError(limited.message) from None


def _already_sent(author, client_id: uuid.UUID | None) -> Post | None:
    """The post an earlier send with this ``client_id`` made, if any.

    The author's row is locked first, so two sends of one outbox item racing each
    other (two tabs coming back online) take turns and the second finds the first.
    """
    if client_id is None:
        return None
    list(get_user_model().objects.select_for_update().filter(pk=author.pk).values("pk"))
    return (
        Post.objects.filter(author=author, client_id=client_id)
        .select_related("thread")
        .first()
    )


def _thread_alias(thread: Thread, author) -> int:
    """The same anonymous author keeps one alias within a thread (the thread row is
    locked by the caller, so two new authors never get the same letter)."""
    mine = (
        Post.objects.filter(thread=thread, author=author, anonymous=True)
        .values_list("alias", flat=True)
        .first()
    )
    if mine:
        return mine
    highest = Post.objects.filter(thread=thread, anonymous=True).aggregate(
        m=Max("alias")
    )
    return (highest["m"] or 0) + 1


def _screen(post: Post) -> bool:
    """Hold the post for review when the content policy says so; True if held."""
    from moderation import services as moderation_services

    return (
        moderation_services.content_screen(
            content=post, author=post.author, text=post.body
        )
        is not None
    )


@transaction.atomic
def thread_create(
    *,
    space: Space,
    author,
    title: str,
    body: str,
    kind: str = ThreadKind.DISCUSSION,
    outcome: str = "",
    anonymous: bool = False,
    tags: Iterable[str] = (),
    ip: str | None = None,
    rate_limited: bool = True,
    client_id: uuid.UUID | None = None,
) -> Thread:
    """A new thread and its first post. A ``client_id`` this author already used
    returns the thread that send made: a resend is never a second thread."""
    permissions.check_post_in_space(author, space)
    earlier = _already_sent(author, client_id)
    if earlier is not None:
        return earlier.thread
    _check_may_post(
        author, "thread", ip, rate_limited, space=space, anonymous=anonymous
    )
    if anonymous:
        permissions.check_post_anonymously(author, space)
    body = _clean_body(body)
    now = timezone.now()
    if anonymous:
        now = coarse_time(now)
    thread = Thread(
        space=space,
        title=(title or "").strip(),
        kind=kind,
        outcome=outcome if kind == ThreadKind.CHANGE_STORY else "",
        author=author,
        anonymous=anonymous,
        last_activity_at=now,
        post_count=1,
    )
    thread.full_clean(exclude=["last_post", "accepted_answer"])
    thread.save()
    mentions = _mentions(
        body, author=author, can_read=lambda u: permissions.can_view_space(u, space)
    )
    post = Post.objects.create(
        thread=thread,
        space=space,
        number=1,
        author=author,
        anonymous=anonymous,
        alias=1 if anonymous else None,
        body=body,
        body_html=render(body, mentions=mentions),
        client_id=client_id,
    )
    if anonymous:
        Thread.objects.filter(pk=thread.pk).update(created=now)
        Post.objects.filter(pk=post.pk).update(created=now)
        thread.created = post.created = now
    thread.last_post = post
    thread.save(update_fields=["last_post"])
    held = _screen(post)
    tag_names = [t.strip() for t in tags if t and t.strip()]
    if tag_names:
        thread.tags.set(tag_names)
    Space.objects.filter(pk=space.pk).update(
        thread_count=F("thread_count") + 1,
        post_count=F("post_count") + 1,
        last_activity_at=now,
    )
    Follow.objects.get_or_create(thread=thread, user=author)
    ThreadRead.objects.update_or_create(
        user=author, thread=thread, defaults={"last_read_number": 1}
    )
    if not held:  # a held thread tells nobody until a moderator keeps it
        _notify_mentions(post=post, users=mentions.mentioned, fresh=True)
        _email_every_post(post)
    return thread


@transaction.atomic
def post_create(
    *,
    thread: Thread,
    author,
    body: str,
    anonymous: bool = False,
    ip: str | None = None,
    rate_limited: bool = True,
    client_id: uuid.UUID | None = None,
) -> Post:
    """A reply. Numbers are sequential per thread, so permalinks never move.

    A ``client_id`` this author already used returns that post and stores nothing, so
    the outbox may send again whenever it is unsure the first send arrived."""
    thread = (
        Thread.objects.select_for_update().select_related("space").get(pk=thread.pk)
    )
    permissions.check_reply(author, thread)
    earlier = _already_sent(author, client_id)
    if earlier is not None:
        return earlier
    if anonymous:
        permissions.check_post_anonymously(author, thread.space)
    _check_may_post(
        author, "post", ip, rate_limited, space=thread.space, anonymous=anonymous
    )
    body = _clean_body(body)
    now = timezone.now()
    if anonymous:
        now = coarse_time(now)
    mentions = _mentions(
        body, author=author, can_read=lambda u: permissions.can_view_thread(u, thread)
    )
    post = Post.objects.create(
        thread=thread,
        space_id=thread.space_id,
        number=thread.post_count + 1,
        author=author,
        anonymous=anonymous,
        alias=_thread_alias(thread, author) if anonymous else None,
        body=body,
        body_html=render(body, mentions=mentions),
        client_id=client_id,
    )
    if anonymous:
        Post.objects.filter(pk=post.pk).update(created=now)
        post.created = now
    Thread.objects.filter(pk=thread.pk).update(
        post_count=F("post_count") + 1, last_post=post, last_activity_at=now
    )
    thread.post_count += 1
    thread.last_post = post
    thread.last_activity_at = now
    Space.objects.filter(pk=thread.space_id).update(
        post_count=F("post_count") + 1, last_activity_at=now
    )
    Follow.objects.get_or_create(thread=thread, user=author)
    ThreadRead.objects.update_or_create(
        user=author, thread=thread, defaults={"last_read_number": post.number}
    )
    post.thread = thread
    if _screen(post):
        return post  # held: nobody is notified and nothing is broadcast until kept
    _notify_reply(post=post, mentioned=mentions.mentioned)
    _email_every_post(post)
    _broadcast_post("post.created", post)
    return post


@transaction.atomic
def post_edit(*, post: Post, by, body: str) -> Post:
    """Keep the earlier text for moderators; show readers an "edited" mark."""
    post = (
        Post.objects.select_for_update().select_related("thread__space").get(pk=post.pk)
    )
    permissions.check_edit_post(by, post)
    body = _clean_body(body)
    if body == post.body:
        return post
    revision = PostRevision.objects.create(
        post=post, body=post.body, edited_by_moderator=post.author_id != by.pk
    )
    now = timezone.now()
    if post.anonymous:
        now = coarse_time(now)
        PostRevision.objects.filter(pk=revision.pk).update(created=now)
    mentions = _post_mentions(post, body)
    post.body = body
    post.body_html = render(body, mentions=mentions)
    post.edited_at = now
    post.save(update_fields=["body", "body_html", "edited_at"])
    if post.hidden:
        if by.pk == post.author_id:
            # Hidden after flags or held for review: the author's edit resubmits it.
            from moderation import services as moderation_services

            moderation_services.content_resubmit(content=post, author=by, text=body)
        return post  # still hidden: readers are not sent the new text
    # Members the edit newly mentions are told; nobody is told twice.
    _notify_mentions(post=post, users=mentions.mentioned)
    _broadcast_post("post.edited", post)
    return post


@transaction.atomic
def post_delete(*, post: Post, by) -> Post:
    """Soft delete by the author: the number stays, so later permalinks hold.
    Deleting the opening post withdraws the whole thread."""
    post = (
        Post.objects.select_for_update().select_related("thread__space").get(pk=post.pk)
    )
    permissions.check_delete_post(by, post)
    now = timezone.now()
    post.deleted_at = now
    post.save(update_fields=["deleted_at"])
    thread = post.thread
    if post.number == 1:
        thread.deleted_at = now
        thread.save(update_fields=["deleted_at"])
        Space.objects.filter(pk=thread.space_id).update(
            thread_count=F("thread_count") - 1
        )
    elif thread.accepted_answer_id == post.pk:
        thread.accepted_answer = None
        thread.save(update_fields=["accepted_answer"])
    _broadcast_post("post.deleted", post)
    return post


@transaction.atomic
def post_set_hidden(*, post: Post, hidden: bool) -> Post:
    """For the moderation app, which checks who may hide and keeps the audit row.
    Readers with the thread open see it go (or come back) live."""
    post.hidden = hidden
    post.save(update_fields=["hidden"])
    if post.number == 1:
        Thread.objects.filter(pk=post.thread_id).update(hidden=hidden)
        post.thread.hidden = hidden
    if not hidden and post.deleted_at is None:
        # Kept after a hold, or restored: the members it mentions hear of it now.
        mentions = _post_mentions(post, post.body)
        render(post.body, mentions=mentions)  # who it mentions is known once linked
        _notify_mentions(post=post, users=mentions.mentioned)
    if hidden:
        broadcast_on_commit(
            group_name("thread", post.thread_id),
            {"type": "post.hidden", "thread": post.thread.ref, "post": post.ref},
        )
    else:
        _broadcast_post("post.edited", post)
    return post


@transaction.atomic
def post_moderation_edit(*, post: Post, body: str) -> Post:
    """A moderator's edit (the moderation app checked and audits it)."""
    body = _clean_body(body)
    PostRevision.objects.create(post=post, body=post.body, edited_by_moderator=True)
    post.body = body
    # A moderator's edit keeps mentions as links but tells nobody new.
    post.body_html = render(body, mentions=_post_mentions(post, body))
    post.edited_at = timezone.now()
    post.save(update_fields=["body", "body_html", "edited_at"])
    _broadcast_post("post.edited", post)
    return post


@transaction.atomic
def post_moderation_delete(*, post: Post) -> Post:
    """A moderator's removal: like the author's soft delete, without their check."""
    now = timezone.now()
    post.deleted_at = now
    post.save(update_fields=["deleted_at"])
    if post.number == 1:
        Thread.objects.filter(pk=post.thread_id).update(deleted_at=now)
        Space.objects.filter(pk=post.space_id).update(
            thread_count=F("thread_count") - 1
        )
    broadcast_on_commit(
        group_name("thread", post.thread_id),
        {"type": "post.hidden", "thread": post.thread.ref, "post": post.ref},
    )
    return post


@transaction.atomic
def thread_mark_answer(*, thread: Thread, post: Post | None, by) -> Thread:
    """Mark (or, with ``post=None``, unmark) the answer that helped."""
    permissions.check_mark_answer(by, thread)
    if post is not None and (
        post.thread_id != thread.pk or post.number == 1 or post.deleted_at
    ):
        raise ValidationError(_("Choose a reply in this thread."))
    previous = thread.accepted_answer_id
    thread.accepted_answer = post
    thread.save(update_fields=["accepted_answer"])
    if post is not None and post.pk != previous and post.author_id not in (None, by.pk):
        # Who marked it is shown only when that does not unmask an anonymous asker.
        asker_hidden = thread.anonymous and thread.author_id == by.pk
        _notify(
            user=post.author,
            kind=NotificationKind.ANSWER,
            post=post,
            actor=None if asker_hidden else by,
        )
    return thread


@transaction.atomic
def thread_set_pinned(*, thread: Thread, by, pinned: bool) -> Thread:
    permissions.check_pin_or_lock(by, thread)
    thread.pinned = pinned
    thread.save(update_fields=["pinned"])
    return thread


@transaction.atomic
def thread_set_locked(*, thread: Thread, by, locked: bool) -> Thread:
    permissions.check_pin_or_lock(by, thread)
    thread.locked = locked
    thread.save(update_fields=["locked"])
    return thread


@transaction.atomic
def thread_update(
    *, thread: Thread, by, title: str, outcome: str = "", tags: Iterable[str] = ()
) -> Thread:
    """The title, a change story's outcome and the tags, by the author or a moderator."""
    opening = thread.posts.get(number=1)
    permissions.check_edit_post(by, opening)
    thread.title = (title or "").strip()
    if thread.kind == ThreadKind.CHANGE_STORY:
        thread.outcome = outcome
    thread.full_clean(exclude=["last_post", "accepted_answer", "author"])
    thread.save(update_fields=["title", "outcome"])
    thread.tags.set([t.strip() for t in tags if t and t.strip()])
    return thread


# --- Reactions ----------------------------------------------------------------------


@transaction.atomic
def reaction_toggle(*, post: Post, user, kind: str) -> bool:
    """Add the reaction, or take it back if already given. Returns whether it is on."""
    if kind not in ReactionKind.values:
        raise ValidationError(_("Unknown reaction."))
    permissions.check_react(user, post)
    counter = REACTION_COUNTERS[ReactionKind(kind)]
    deleted, _rows = Reaction.objects.filter(post=post, user=user, kind=kind).delete()
    if deleted:
        Post.objects.filter(pk=post.pk).update(**{counter: F(counter) - 1})
        # Not atomic: the reaction's own signal renewed the page before the count.
        pages.thread_changed(post.thread_id)
        return False
    try:
        with transaction.atomic():
            Reaction.objects.create(post=post, user=user, kind=kind)
    except IntegrityError:  # a double click raced us
        return True
    Post.objects.filter(pk=post.pk).update(**{counter: F(counter) + 1})
    pages.thread_changed(post.thread_id)
    return True


# --- Read state ---------------------------------------------------------------------


def thread_mark_read(*, user, thread: Thread, number: int) -> None:
    """Move the reader's mark forward to ``number`` (never back)."""
    if not getattr(user, "is_authenticated", False):
        return
    updated = ThreadRead.objects.filter(
        user=user, thread=thread, last_read_number__lt=number
    ).update(last_read_number=number, updated=timezone.now())
    if not updated:
        ThreadRead.objects.bulk_create(
            [ThreadRead(user=user, thread=thread, last_read_number=number)],
            ignore_conflicts=True,
        )


def space_mark_read(*, user, space: Space) -> int:
    """Mark every thread of the space read; returns how many threads."""
    threads = list(
        Thread.objects.visible_to(user)
        .filter(space=space)
        .values_list("pk", "post_count")
    )
    with transaction.atomic():
        ThreadRead.objects.filter(user=user, thread__space=space).delete()
        ThreadRead.objects.bulk_create(
            [
                ThreadRead(user=user, thread_id=pk, last_read_number=count)
                for pk, count in threads
            ]
        )
    return len(threads)


def preferences_get(*, user) -> Preferences:
    prefs, _created = Preferences.objects.get_or_create(user=user)
    return prefs


def preferences_touch_seen(*, user) -> None:
    """Remember the visit (the digest skips people who have been here), at most once
    per resolution window so that page views stay read-only."""
    if not getattr(user, "is_authenticated", False):
        return
    key = f"forums:seen:{user.pk}"
    if cache.get(key):
        return
    now = timezone.now()
    if not Preferences.objects.filter(user=user).update(last_seen_at=now):
        Preferences.objects.get_or_create(user=user, defaults={"last_seen_at": now})
    cache.set(key, 1, setting("LAST_SEEN_RESOLUTION"))


@transaction.atomic
def preferences_update(
    *,
    user,
    email_reply: bool,
    email_mention: bool,
    email_answer: bool,
    digest: str,
    email_message: bool = True,
) -> Preferences:
    prefs = preferences_get(user=user)
    prefs.email_reply = email_reply
    prefs.email_mention = email_mention
    prefs.email_answer = email_answer
    prefs.email_message = email_message
    prefs.digest = digest
    prefs.full_clean()
    prefs.save()
    return prefs


def email_unsubscribe(*, user, kind: str) -> Preferences:
    prefs = preferences_get(user=user)
    if kind == EmailKind.EVERY_POST:
        Follow.objects.filter(user=user, space__isnull=False).update(every_post=False)
        return prefs
    if kind == EmailKind.DIGEST:
        prefs.digest = Digest.NONE
    else:
        setattr(prefs, f"email_{kind}", False)
    prefs.save()
    return prefs


def email_resubscribe(*, user, kind: str) -> Preferences:
    prefs = preferences_get(user=user)
    if kind == EmailKind.EVERY_POST:
        return prefs  # chosen again space by space, on each space's page
    if kind == EmailKind.DIGEST:
        prefs.digest = Digest.WEEKLY
    else:
        setattr(prefs, f"email_{kind}", True)
    prefs.save()
    return prefs


# --- Notifications ------------------------------------------------------------------


def _notify(*, user, kind: str, post: Post, actor) -> Notification | None:
    """One in-app notification, and its email queued on commit when it is wanted.
    Nobody is notified about what they may not see."""
    if user is None or not user.is_active:
        return None
    if not permissions.can_view_thread(user, post.thread):
        return None
    notification = Notification.objects.create(
        user=user, kind=kind, thread_id=post.thread_id, post=post, actor=actor
    )
    selectors.bell_forget(user.pk)
    push.notify(user_id=user.pk, kind=kind, ref=notification.pk)
    if kind in EMAILED_KINDS:
        from .tasks import send_notification_email

        pk = notification.pk
        transaction.on_commit(lambda: send_notification_email.enqueue(pk))
    return notification


def _mentions(body: str, *, author, can_read) -> Mentions:
    """The mentions in a post's text, resolved among those who can read it
    (``community.mentions`` has the rule); the author is never notified of their own."""
    return Mentions(
        body,
        can_read=can_read,
        exclude={author.pk} if author is not None else (),
        limit=setting("MAX_MENTIONS"),
    )


def _post_mentions(post: Post, body: str) -> Mentions:
    return _mentions(
        body,
        author=post.author,
        can_read=lambda u: permissions.can_view_thread(u, post.thread),
    )


def _notify_mentions(*, post: Post, users: Iterable, fresh: bool = False) -> set[int]:
    """Tell each mentioned member once per post: an edit or a moderator's keep tells
    only those not told before. ``actor`` stays empty on an anonymous post, so the
    notification and its email name the alias, never the author."""
    users = list(users)
    if not users:
        return set()
    told = set()
    if not fresh:
        told = set(
            Notification.objects.filter(
                post=post, kind=NotificationKind.MENTION
            ).values_list("user_id", flat=True)
        )
    actor = None if post.anonymous else post.author
    notified = set()
    for user in users:
        if user.pk in told or user.pk == post.author_id:
            continue
        if _notify(user=user, kind=NotificationKind.MENTION, post=post, actor=actor):
            notified.add(user.pk)
    return notified


def _notify_reply(*, post: Post, mentioned: Iterable = ()) -> None:
    thread = post.thread
    actor = None if post.anonymous else post.author
    notified = _notify_mentions(post=post, users=mentioned, fresh=True)
    if (
        thread.author_id
        and thread.author_id not in notified | {post.author_id}
        and _notify(
            user=thread.author, kind=NotificationKind.REPLY, post=post, actor=actor
        )
    ):
        notified.add(thread.author_id)
    followers = (
        Follow.objects.filter(thread=thread)
        .exclude(user_id__in=notified | {post.author_id})
        .select_related("user")
    )
    for follow in followers:
        _notify(
            user=follow.user, kind=NotificationKind.FOLLOWED, post=post, actor=actor
        )


def notifications_mark_read(*, user, notification: Notification | None = None) -> int:
    queryset = Notification.objects.filter(user=user, read_at__isnull=True)
    if notification is not None:
        queryset = queryset.filter(pk=notification.pk)
    marked = queryset.update(read_at=timezone.now())
    selectors.bell_forget(user.pk)
    return marked
