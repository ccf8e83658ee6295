"""What events add to Wagtail and to the host: an admin list, and the home page's
upcoming events section. (Tag pages find events through ``LIBRARY["TAGGED_MODELS"]``.)"""

from django.utils.translation import gettext as _
from wagtail import hooks
from wagtail.permissions import register_permission_policy

from community.sections import (
    DEPARTMENT_SECTIONS_HOOK,
    HOME_SECTIONS_HOOK,
    HomeSection,
)

from .admin import EventPermissionPolicy, EventViewSet  # noqa: E402
from .conf import setting
from .models import Event  # noqa: E402

register_permission_policy(Event, EventPermissionPolicy(Event))


@hooks.register("register_admin_viewset")
def register_event_viewset():
    # Not named "events": that is the site's URL namespace.
    return EventViewSet("event_admin")


def _upcoming(request, **where) -> HomeSection:
    """The next scheduled events the reader may see (of one department, say)."""
    from .models import Event, EventStatus
    from .views import viewer_zone

    events = list(
        Event.objects.visible_to(request.user)
        .upcoming()
        .filter(status=EventStatus.SCHEDULED, **where)
        .select_related("organiser")[: setting("HOME_ITEMS")]
    )
    return HomeSection(
        key="events",
        title=_("Upcoming events"),
        template="events/sections/upcoming.html",
        context={"events": events, "zone": viewer_zone(request)},
        order=150,
    )


@hooks.register(HOME_SECTIONS_HOOK)
def upcoming_events(request):
    return _upcoming(request)


@hooks.register(DEPARTMENT_SECTIONS_HOOK)
def department_events(request, department):
    """A department's page: its own upcoming sessions the reader may see."""
    section = _upcoming(request, department=department)
    return section if section.context["events"] else None


from .visits import hooks as visits_hooks  # noqa: E402, F401  (exchange visits)


@hooks.register("community_nav_items")
def events_nav(request):
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from community.sections import NavItem

    return NavItem(_("Events"), reverse("events:index"), order=20)


# What this app holds about a member, for "download my data" and "delete my account".
from .personal_data import part as personal_data_part  # noqa: E402

hooks.register("community_personal_data", personal_data_part)
