"""Who may flag and who may moderate what. Role questions go to the capability map."""

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from community import permissions as capability

from . import policy
from .registry import adapter_for


def _same(a, b) -> bool:
    return a is not None and b is not None and a.pk == b.pk


def can_moderate(user, content) -> bool:
    """Moderators everywhere; district leads and coaches in their district outside
    safe spaces; in a safe space, never anyone who leads people.

    The safe-space rule asks whether the moderator leads *anyone*, not whether they
    lead this author: a refusal that depended on the author would tell a moderator who
    is also a facility lead which anonymous posts come from their own facility.
    """
    adapter = adapter_for(content)
    organisation, safe_space = adapter.scope(content)
    if not capability.can_moderate_in(user, organisation, safe_space=safe_space):
        return False
    if _same(adapter.author(content), user):
        # Never shown as such: the queue simply leaves one's own content out, and
        # anonymous content cannot be told apart from content one may not moderate.
        return False
    return not (safe_space and capability.holds_leadership(user))


def check_moderate(user, content) -> None:
    if not can_moderate(user, content):
        raise PermissionDenied(_("You may not moderate this."))


def can_view_queue(user) -> bool:
    return capability.has_capability(
        user, capability.Cap.MODERATE, None
    ) or capability.has_capability(user, capability.Cap.MODERATE_DISTRICT, None)


def can_view_audit_log(user) -> bool:
    return capability.can_view_audit_log(user)


def can_flag(user, content) -> bool:
    """Members flag what they can see where it is shown: never hidden or held content
    (its text waits for a moderator), and never their own."""
    if not capability.can_participate(user):
        return False
    adapter = adapter_for(content)
    if adapter.is_hidden(content) or not adapter.can_view(user, content):
        return False
    return not _same(adapter.author(content), user)


def check_flag(user, content) -> None:
    if not can_flag(user, content):
        raise PermissionDenied(_("You may not flag this."))


def check_can_post(
    user, *, anonymous: bool = False, area=None, named_possible: bool = True
) -> None:
    """Raised for a member whose posting is suspended (with when it ends).

    ``area`` is where the content goes (the space, the room): a suspension decided on
    anonymous content stops anonymous posting there and nothing else.
    ``named_possible=False`` where writing under one's name is not a way on (a
    relay's hidden author would be sharing who they are): the refusal does not
    suggest it.
    """
    sanction = policy.active_sanction(
        user, "suspension", anonymous=anonymous, place=area
    )
    if sanction is not None:
        if sanction.alias_only:
            raise PermissionDenied(
                _(
                    "A moderator has paused anonymous posting by you here for now. "
                    "You can still post under your name."
                )
                if named_possible
                else _("A moderator has paused anonymous posting by you here for now.")
            )
        if sanction.ends:
            from django.utils.formats import date_format
            from django.utils.timezone import localtime

            raise PermissionDenied(
                _("Your posting is suspended until %(when)s.")
                % {"when": date_format(localtime(sanction.ends), "DATETIME_FORMAT")}
            )
        raise PermissionDenied(_("Your posting is suspended."))


def check_can_chat(
    user, *, anonymous: bool = False, area=None, named_possible: bool = True
) -> None:
    check_can_post(user, anonymous=anonymous, area=area, named_possible=named_possible)
    mute = policy.active_sanction(user, "mute", anonymous=anonymous, place=area)
    if mute is not None and mute.alias_only:
        raise PermissionDenied(
            _(
                "A moderator has paused anonymous messages by you here for now. "
                "You can still write under your name."
            )
            if named_possible
            else _("A moderator has paused anonymous messages by you here for now.")
        )
    if mute is not None:
        raise PermissionDenied(_("You are muted in chat for now."))
