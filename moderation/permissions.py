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
    safe spaces; in a safe space, never someone in the author's chain of command."""
    adapter = adapter_for(content)
    organisation, safe_space = adapter.scope(content)
    if not capability.can_moderate_in(user, organisation, safe_space=safe_space):
        return False
    author = adapter.author(content)
    if _same(author, user):
        return False
    return not (safe_space and capability.in_chain_of_command(user, author))


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
    if not capability.can_participate(user):
        return False
    adapter = adapter_for(content)
    return adapter.can_view(user, content) and not _same(adapter.author(content), user)


def check_flag(user, content) -> None:
    if not can_flag(user, content):
        raise PermissionDenied(_("You may not flag this."))


def check_can_post(user) -> None:
    """Raised for a member whose posting is suspended (with when it ends)."""
    sanction = policy.active_sanction(user, "suspension")
    if sanction is not None:
        if sanction.ends:
            from django.utils.formats import date_format
            from django.utils.timezone import localtime

            raise PermissionDenied(
                _("Your posting is suspended until %(when)s.")
                % {"when": date_format(localtime(sanction.ends), "DATETIME_FORMAT")}
            )
        raise PermissionDenied(_("Your posting is suspended."))


def check_can_chat(user) -> None:
    check_can_post(user)
    if policy.is_muted(user):
        raise PermissionDenied(_("You are muted in chat for now."))
