"""What the forums add to the host: a home page section and a search result group."""

from django.utils.translation import gettext as _
from wagtail import hooks

from community.sections import (
    DEPARTMENT_SECTIONS_HOOK,
    HOME_SECTIONS_HOOK,
    SEARCH_GROUPS_HOOK,
    HomeSection,
    SearchGroup,
)

from .conf import setting


@hooks.register(HOME_SECTIONS_HOOK)
def latest_discussions(request):
    from .models import Thread

    threads = list(
        Thread.objects.visible_to(request.user)
        .select_related("space", "author__profile")
        .order_by("-last_activity_at")[:5]
    )
    return HomeSection(
        key="discussions",
        title=_("Latest discussions"),
        template="forums/sections/latest.html",
        context={"threads": threads},
        order=200,
    )


@hooks.register(DEPARTMENT_SECTIONS_HOOK)
def department_spaces(request, department):
    """A department's page: its spaces the reader may read, and for the facility
    lead a way to open one."""
    from community.permissions import can_manage_departments

    from .models import Space

    spaces = list(
        Space.objects.visible_to(request.user)
        .filter(department=department)
        .order_by("name")
    )
    may_open = not spaces and can_manage_departments(request.user, department.facility)
    if not (spaces or may_open):
        return None
    return HomeSection(
        key="spaces",
        title=_("Spaces"),
        template="forums/sections/department.html",
        context={"spaces": spaces, "may_open": may_open, "department": department},
        order=100,
    )


@hooks.register(SEARCH_GROUPS_HOOK)
def forum_results(request, query):
    from .search import search_results

    return SearchGroup(
        key="discussions",
        title=_("Discussions"),
        results=search_results(request.user, query, setting("SEARCH_RESULTS")),
        order=200,
    )


@hooks.register("community_nav_items")
def forums_nav(request):
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from community.sections import NavItem

    return NavItem(_("Forums"), reverse("forums:index"), order=10)


@hooks.register("community_nav_items")
def notifications_bell(request):
    """The bell, on every page of the site for a signed-in member; never for visitors
    (no query for them). Its count comes from the cache outside the forums."""
    from django.urls import reverse
    from django.utils.translation import ngettext

    from community.sections import NavItem

    from .selectors import bell_count

    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return None
    count = bell_count(request)
    return NavItem(
        _("Notifications"),
        reverse("forums:notifications"),
        order=95,
        css_class="bell",  # the host's stylesheet draws the bell
        badge=count,
        badge_label=ngettext("%(n)s unread", "%(n)s unread", count) % {"n": count},
    )


# What this app holds about a member, for "download my data" and "delete my account".
from .personal_data import part as personal_data_part  # noqa: E402

hooks.register("community_personal_data", personal_data_part)


@hooks.register("community_nav_items")
def messages_nav(request):
    """Private messages, with how many conversations wait unread (a kept count)."""
    from django.urls import reverse
    from django.utils.translation import ngettext

    from community.sections import NavItem

    from .conversations.services import unread_count

    user = getattr(request, "user", None)
    if not getattr(user, "is_authenticated", False):
        return None
    count = unread_count(user)
    return NavItem(
        _("Messages"),
        reverse("forums:inbox"),
        order=94,
        badge=count,
        badge_label=ngettext(
            "%(n)s conversation unread", "%(n)s conversations unread", count
        )
        % {"n": count},
    )


@hooks.register("community_member_actions")
def message_member(request, member):
    """On a member's page: write to them privately, or block them from doing so."""
    from django.urls import reverse

    from community.mentions import member_ref
    from community.sections import MemberAction

    from .conversations import permissions
    from .conversations.models import Block

    user = getattr(request, "user", None)
    if not permissions.can_message(user, member):
        return []
    blocked = Block.objects.filter(blocker=user, blocked=member).exists()
    block = MemberAction(
        _("Unblock") if blocked else _("Block from writing to me"),
        reverse("forums:conversation_block", args=[member.pk]),
        method="post",
        order=20,
        fields={"undo": "1"} if blocked else {},
    )
    if blocked:
        return [block]
    write = MemberAction(
        _("Send a private message"),
        f"{reverse('forums:conversation_start')}?to={member_ref(member.pk)}",
        order=10,
    )
    return [write, block]
