from urllib.parse import quote

from django.apps import apps
from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.permissions import register_permission_policy

from .admin_views import (
    MembershipPermissionPolicy,
    MembershipViewSet,
    OrganisationViewSet,
)
from .models import Membership
from .permissions import is_active_superuser

register_permission_policy(Membership, MembershipPermissionPolicy(Membership))


@hooks.register("register_admin_viewset")
def register_membership_viewset():
    return MembershipViewSet("memberships")


@hooks.register("register_admin_viewset")
def register_organisation_viewset():
    return OrganisationViewSet("organisations")


@hooks.register("community_home_sections")
def learning_network_section(request):
    """The network at a glance: districts and their public and private facilities."""
    from django.db.models import Count, Q
    from django.utils.translation import gettext as _

    from .models import Level, Organisation, Ownership
    from .sections import HomeSection

    districts = list(
        Organisation.objects.filter(level=Level.DISTRICT)
        .annotate(
            public=Count("children", filter=Q(children__ownership=Ownership.PUBLIC)),
            private=Count("children", filter=Q(children__ownership=Ownership.PRIVATE)),
        )
        .order_by("name")
    )
    if not districts:
        return None
    return HomeSection(
        key="network",
        title=_("Our learning network"),
        template="community/sections/network.html",
        context={"districts": districts},
        order=900,
    )


@hooks.register("community_search_groups")
def member_results(request, query):
    """Listed members only (signed-in searchers): an unlisted member never appears."""
    from django.utils.translation import gettext as _

    from . import directory
    from .permissions import can_participate
    from .sections import SearchGroup

    if not query or not can_participate(request.user):
        return None
    results = []
    for profile in directory.directory(query=query)[:8]:
        card = directory.card(profile)
        parts = [f.name for f in card["facilities"]] + [
            t.name for t in card["expertise"]
        ]
        results.append(
            {
                "title": card["name"],
                "url": reverse("community:directory") + f"?q={quote(query)}",
                "snippet": " · ".join(parts),
            }
        )
    return SearchGroup(key="members", title=_("Members"), results=results, order=800)


@hooks.register("community_nav_items")
def directory_nav(request):
    from django.utils.translation import gettext as _

    from .sections import NavItem

    return NavItem(_("Who has tried what"), reverse("community:directory"), order=60)


@hooks.register("register_log_actions")
def register_grant_action(actions):
    actions.register_action(
        "community.grant", _("Give a privileged role"), _("Privileged role given")
    )


# What this app holds about a member, for "download my data" and "delete my account".
from .personal_data import community_part as personal_data_part  # noqa: E402

hooks.register("community_personal_data", personal_data_part)


# Operators: failed background tasks (emails that could not be sent), with a retry.
class _OperatorsMenuItem(MenuItem):
    def is_shown(self, request):
        return is_active_superuser(request.user)


def task_admin_urls():
    from . import task_admin

    urls = [
        path("", task_admin.failed_tasks, name="failed_tasks"),
        path("<uuid:pk>/retry/", task_admin.retry, name="retry_task"),
        path("retry-all/", task_admin.retry_all, name="retry_all_tasks"),
    ]
    return [
        path("tasks/", include((urls, "community_admin"), namespace="community_admin"))
    ]


def failed_tasks_menu_item():
    return _OperatorsMenuItem(
        _("Background tasks"),
        reverse("community_admin:failed_tasks"),
        name="background-tasks",
        icon_name="warning",
        order=900,
    )


if apps.is_installed("django_tasks_db"):  # the host's task backend, when it is this
    hooks.register("register_admin_urls", task_admin_urls)
    hooks.register("register_reports_menu_item", failed_tasks_menu_item)
