from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem

from . import permissions


class QueueMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.can_view_queue(request.user)


class AuditMenuItem(MenuItem):
    def is_shown(self, request):
        return permissions.can_view_audit_log(request.user)


@hooks.register("register_admin_menu_item")
def moderation_queue_menu_item():
    return QueueMenuItem(
        _("Moderation queue"),
        reverse("moderation:queue"),
        icon_name="warning",
        order=950,
    )


@hooks.register("register_admin_menu_item")
def moderation_audit_menu_item():
    return AuditMenuItem(
        _("Moderation audit log"),
        reverse("moderation:audit_log"),
        icon_name="history",
        order=951,
    )


@hooks.register("community_nav_items")
def moderation_nav(request):
    """Moderators find their queue from the site, not only from the Wagtail admin."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from community.sections import NavItem

    from . import permissions

    if not permissions.can_view_queue(getattr(request, "user", None)):
        return None
    return NavItem(_("Moderation"), reverse("moderation:queue"), order=90)


# What this app holds about a member, for "download my data" and "delete my account".
from .personal_data import part as personal_data_part  # noqa: E402

hooks.register("community_personal_data", personal_data_part)
