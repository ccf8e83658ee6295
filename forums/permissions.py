"""Who may see and do what in the forums.

Role questions go to the capability map (:mod:`community.permissions`); this module
only adds what is particular to spaces: visibility, private-space membership, locks
and authorship. Views, consumers and services call these; templates get booleans.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils.translation import gettext as _

from community import permissions as community

from .models import Post, Space, SpaceMembership, Thread, ThreadKind, Visibility

_PRIVATE_ATTR = "_forums_private_space_ids"


def _private_space_ids(user) -> set[int]:
    """Private spaces the user has joined (invitation accepted); cached per user."""
    if not community.can_participate(user):
        return set()
    cached = getattr(user, _PRIVATE_ATTR, None)
    if cached is None:
        cached = set(
            SpaceMembership.objects.filter(
                user=user, accepted_at__isnull=False
            ).values_list("space_id", flat=True)
        )
        setattr(user, _PRIVATE_ATTR, cached)
    return cached


def forget(user) -> None:
    """Drop cached answers (after a membership of a space changes)."""
    if hasattr(user, _PRIVATE_ATTR):
        delattr(user, _PRIVATE_ATTR)


def _space_filter(user) -> Q:
    if community.is_active_superuser(user) or community.has_capability(
        user, community.Cap.MODERATE, None
    ):
        # Superusers, and the national safe-space stewards who work the queue.
        return Q()
    visible = Q(visibility=Visibility.PUBLIC)
    if not community.can_participate(user):
        return visible
    visible |= Q(visibility=Visibility.MEMBERS)
    own_lineage = {
        pk for org in community.home_organisations(user) for pk in org.lineage_ids
    }
    visible |= Q(visibility=Visibility.ORGANISATION, organisation_id__in=own_lineage)
    moderated = [
        org.pk
        for org in community.organisations_with(user, community.Cap.MODERATE_DISTRICT)
    ]
    if moderated:
        # District moderators see their district's facility spaces, never safe ones.
        visible |= Q(
            visibility=Visibility.ORGANISATION,
            safe_space=False,
            organisation__in=community.organisations_where(
                user, community.Cap.MODERATE_DISTRICT
            ),
        )
    visible |= Q(visibility=Visibility.PRIVATE, pk__in=_private_space_ids(user))
    return visible


def visible_spaces_query(user):
    """A subquery of the ids of every space the user may read."""
    return Space.objects.filter(_space_filter(user)).values("pk")


def visible_space_ids(user) -> list[int]:
    """The same, evaluated (search backends filter on values, not subqueries)."""
    return list(Space.objects.filter(_space_filter(user)).values_list("pk", flat=True))


def _space_visible(user, space: Space) -> bool:
    """The rule of :func:`_space_filter`, for one space already in memory."""
    if space.visibility == Visibility.PUBLIC:
        return True
    if community.is_active_superuser(user) or community.has_capability(
        user, community.Cap.MODERATE, None
    ):
        return True
    if not community.can_participate(user):
        return False
    if space.visibility == Visibility.MEMBERS:
        return True
    if space.visibility == Visibility.ORGANISATION:
        if community.is_member_within(user, space.organisation):
            return True
        return not space.safe_space and community.has_capability(
            user, community.Cap.MODERATE_DISTRICT, space.organisation
        )
    return space.pk in _private_space_ids(user)


def members_who_belong(space: Space):
    """The active members who belong where ``space`` is read: every member for public
    and members' spaces, the organisation's members (its subtree) for an organisation
    space, accepted members for a private one. Each of them can read the space; the
    stewards and district moderators who also can are left out. Mention suggestions
    offer only these."""
    from django.contrib.auth import get_user_model

    from community.models import Membership, Organisation

    users = get_user_model().objects.filter(is_active=True)
    if space.visibility in (Visibility.PUBLIC, Visibility.MEMBERS):
        return users
    if space.visibility == Visibility.ORGANISATION:
        if space.organisation_id is None:
            return users.none()
        within = Organisation.objects.within(space.organisation).values("pk")
        return users.filter(
            pk__in=Membership.objects.filter(organisation__in=within).values("user_id")
        )
    return users.filter(
        pk__in=SpaceMembership.objects.filter(
            space=space, accepted_at__isnull=False
        ).values("user_id")
    )


def spaces_visible_to(user):
    return Space.objects.filter(_space_filter(user))


def threads_visible_to(user):
    return Thread.objects.visible_to(user)


def posts_visible_to(user):
    return Post.objects.visible_to(user)


# --- Spaces -------------------------------------------------------------------------


def can_view_space(user, space: Space) -> bool:
    return _space_visible(user, space)


def can_moderate_space(user, space: Space) -> bool:
    """District moderators for their district's spaces, stewards everywhere; nobody
    in the chain of command moderates a safe space."""
    return community.can_moderate_in(
        user, space.organisation, safe_space=space.safe_space
    )


def can_post_in_space(user, space: Space) -> bool:
    """Read access plus the capability to take part; for organisation spaces, belonging
    to the organisation (a national steward reads everything but does not post in a
    facility's team space unless they moderate it)."""
    if not community.can_participate(user) or not can_view_space(user, space):
        return False
    if space.visibility == Visibility.PRIVATE:
        return community.is_active_superuser(user) or space.pk in _private_space_ids(
            user
        )
    if space.visibility == Visibility.ORGANISATION:
        return community.is_member_within(
            user, space.organisation
        ) or can_moderate_space(user, space)
    return True


def can_invite(user, space: Space) -> bool:
    """Members of a private space invite colleagues; so do its moderators."""
    if space.visibility != Visibility.PRIVATE or not community.can_participate(user):
        return False
    return space.pk in _private_space_ids(user) or can_moderate_space(user, space)


def can_post_anonymously(user, space: Space) -> bool:
    return space.safe_space and can_post_in_space(user, space)


# --- Threads and posts --------------------------------------------------------------


def can_view_thread(user, thread: Thread) -> bool:
    if thread.deleted_at is not None or thread.hidden:
        return False
    return _space_visible(user, thread.space)


def can_view_post(user, post: Post) -> bool:
    """The thread page's rule for one post, for every view that shows a post alone
    (flag form, permalinks): a hidden post only to its author and the moderators."""
    if post.deleted_at is not None or not can_view_thread(user, post.thread):
        return False
    if not post.hidden:
        return True
    if community.can_participate(user) and post.author_id == user.pk:
        return True
    return can_moderate_space(user, post.thread.space)


def can_reply(user, thread: Thread) -> bool:
    if not can_view_thread(user, thread) or not can_post_in_space(user, thread.space):
        return False
    return not thread.locked or can_moderate_space(user, thread.space)


def can_edit_post(user, post: Post, *, moderator: bool | None = None) -> bool:
    """Authors edit their own posts (not in a locked thread); moderators any post."""
    if post.deleted_at is not None:
        return False
    if moderator is None:
        moderator = can_moderate_space(user, post.thread.space)
    if moderator:
        return True
    return (
        community.can_participate(user)
        and post.author_id == user.pk
        and not post.thread.locked
    )


def can_delete_post(user, post: Post) -> bool:
    """Only the author deletes (softly); moderators hide instead, with a record."""
    return (
        post.deleted_at is None
        and community.can_participate(user)
        and post.author_id == user.pk
        and not post.thread.locked
    )


def can_view_history(user, post: Post) -> bool:
    return can_moderate_space(user, post.thread.space)


def can_mark_answer(user, thread: Thread) -> bool:
    """The asker or a moderator of the space marks the answer that helped."""
    if thread.kind != ThreadKind.QUESTION or not can_view_thread(user, thread):
        return False
    if community.can_participate(user) and thread.author_id == user.pk:
        return True
    return can_moderate_space(user, thread.space)


def can_react(user, post: Post) -> bool:
    return (
        post.deleted_at is None
        and community.can_participate(user)
        and can_view_post(user, post)
        and not post.hidden
        and can_post_in_space(user, post.thread.space)
    )


def can_see_reactors(user, post: Post) -> bool:
    """Who reacted is shown on named posts outside safe spaces only: on an anonymous
    post the list could point at the author's colleagues, and in a safe space a
    reaction is itself an admission (counts are shown, never names)."""
    if post.anonymous or post.thread.space.safe_space:
        return False
    return can_view_post(user, post)


def can_pin_or_lock(user, thread: Thread) -> bool:
    return can_moderate_space(user, thread.space)


# --- check_x: raise with a message a person can read ---------------------------------


def check_view_space(user, space: Space) -> None:
    if not can_view_space(user, space):
        raise PermissionDenied(_("This space is not open to you."))


def check_post_in_space(user, space: Space) -> None:
    if not can_post_in_space(user, space):
        raise PermissionDenied(_("You may not start a thread in this space."))


def check_post_anonymously(user, space: Space) -> None:
    if not can_post_anonymously(user, space):
        raise PermissionDenied(_("Anonymous posts are allowed in safe spaces only."))


def check_view_thread(user, thread: Thread) -> None:
    if not can_view_thread(user, thread):
        raise PermissionDenied(_("This thread is not open to you."))


def check_reply(user, thread: Thread) -> None:
    if not can_reply(user, thread):
        if thread.locked and can_view_thread(user, thread):
            raise PermissionDenied(_("This thread is locked."))
        raise PermissionDenied(_("You may not reply to this thread."))


def check_edit_post(user, post: Post) -> None:
    if not can_edit_post(user, post):
        raise PermissionDenied(_("You may not edit this post."))


def check_delete_post(user, post: Post) -> None:
    if not can_delete_post(user, post):
        raise PermissionDenied(_("You may not delete this post."))


def check_mark_answer(user, thread: Thread) -> None:
    if not can_mark_answer(user, thread):
        raise PermissionDenied(_("Only the asker or a moderator may mark the answer."))


def check_react(user, post: Post) -> None:
    if not can_react(user, post):
        raise PermissionDenied(_("You may not react to this post."))


def check_invite(user, space: Space) -> None:
    if not can_invite(user, space):
        raise PermissionDenied(_("You may not invite people to this space."))


def check_pin_or_lock(user, thread: Thread) -> None:
    if not can_pin_or_lock(user, thread):
        raise PermissionDenied(_("Only moderators of this space may do that."))


def check_view_history(user, post: Post) -> None:
    if not can_view_history(user, post):
        raise PermissionDenied(_("Only moderators see a post's history."))
