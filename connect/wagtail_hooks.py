"""What connect adds to the host and to Wagtail: a home page section, a search group,
learning needs on tag pages, and the editors' screen of external feeds."""

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from wagtail import hooks
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from community.sections import (
    HOME_SECTIONS_HOOK,
    SEARCH_GROUPS_HOOK,
    HomeSection,
    SearchGroup,
)

from . import permissions
from .conf import setting
from .models import ExternalFeed


class FeedPermissionPolicy(BasePermissionPolicy):
    """Editors and the national team manage feeds; the answer comes from the map."""

    def user_has_permission(self, user, action):
        return permissions.can_manage_feeds(user)

    def user_has_any_permission(self, user, actions):
        return permissions.can_manage_feeds(user)

    def user_has_permission_for_instance(self, user, action, instance):
        return permissions.can_manage_feeds(user)

    def user_has_any_permission_for_instance(self, user, actions, instance):
        return permissions.can_manage_feeds(user)

    def instances_user_has_permission_for(self, user, action):
        if permissions.can_manage_feeds(user):
            return ExternalFeed.objects.all()
        return ExternalFeed.objects.none()

    def instances_user_has_any_permission_for(self, user, actions):
        return self.instances_user_has_permission_for(user, None)

    def users_with_any_permission(self, actions):
        return get_user_model().objects.none()

    def users_with_permission(self, action):
        return self.users_with_any_permission([action])


class ExternalFeedViewSet(SnippetViewSet):
    model = ExternalFeed
    icon = "link-external"
    menu_label = gettext_lazy("External feeds")
    menu_order = 860
    add_to_admin_menu = True
    list_display = [
        "name",
        "kind",
        "active",
        "status",
        "status_message",
        "last_fetched_at",
        "item_count",
    ]
    list_filter = ["kind", "status", "active"]
    search_fields = ["name", "country"]


register_permission_policy(ExternalFeed, FeedPermissionPolicy(ExternalFeed))
register_snippet(ExternalFeedViewSet)


@hooks.register(HOME_SECTIONS_HOOK)
def open_needs(request):
    if not permissions.can_view_needs(request.user):
        return None
    from .selectors import ranked_open_needs
    from .surveys.selectors import waiting_for

    return HomeSection(
        key="needs",
        title=_("Learning needs"),
        template="connect/sections/needs.html",
        context={
            "needs": ranked_open_needs(request.user, limit=5),
            "surveys": waiting_for(request.user),
        },
        order=250,
    )


@hooks.register(SEARCH_GROUPS_HOOK)
def needs_results(request, query):
    if not query or not permissions.can_view_needs(request.user):
        return None
    from .selectors import needs_list

    limit = setting("SEARCH_RESULTS")
    results = [
        {
            "title": need.title,
            "url": need.get_absolute_url(),
            # Counts and the organisation it is raised for: never who supports it.
            "snippet": f"{need.get_state_display()} · "
            + _("%(n)s facilities need this") % {"n": need.support_count},
        }
        for need in needs_list(request.user, query=query).order_by(
            "-support_count", "-pk"
        )[:limit]
    ]
    return SearchGroup(
        key="needs", title=_("Learning needs"), results=results, order=350
    )


@hooks.register("community_tagged_items")
def tagged_needs(user, tag, limit):
    """Learning needs on the library's tag pages (members only)."""
    from library.contrib import Item, ItemGroup

    if not permissions.can_view_needs(user):
        return None
    from .models import LearningNeed

    needs = (
        LearningNeed.objects.visible_to(user)
        .filter(tags__slug=tag.slug)
        .order_by("-support_count", "-pk")
        .distinct()[:limit]
    )
    return ItemGroup(
        key="needs",
        title=_("Learning needs"),
        items=[
            Item(
                title=need.title,
                url=need.get_absolute_url(),
                meta=need.get_state_display(),
            )
            for need in needs
        ],
        order=400,
    )


@hooks.register("community_nav_items")
def needs_nav(request):
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from community.sections import NavItem

    return NavItem(_("Learning needs"), reverse("connect:needs"), order=50)


# What this app holds about a member, for "download my data" and "delete my account".
from .personal_data import part as personal_data_part  # noqa: E402

hooks.register("community_personal_data", personal_data_part)
