"""Wagtail hooks for exchange visits; imported at the bottom of
``events.wagtail_hooks``."""

from __future__ import annotations

from django.utils.translation import gettext as _
from wagtail import hooks

from community.sections import FACILITY_SECTIONS_HOOK, HomeSection

from .permissions import can_view_visit, requesting_facilities
from .selectors import hosted_visits

FACILITY_VISITS_SHOWN = 10


@hooks.register(FACILITY_SECTIONS_HOOK)
def facility_exchange_visits(request, facility) -> HomeSection | None:
    """On a facility's public profile: the exchange visits it hosted, and the
    learning reports from them (linked for those who may read them), plus a one-click
    "Request an exchange visit" for members of other facilities."""
    user = request.user
    visits = list(hosted_visits(facility)[:FACILITY_VISITS_SHOWN])
    items = [
        {
            "visit": visit,
            "visiting": visit.visiting.name,
            "month": visit.starts_at,
            "reported": visit.state == "reported",
            "url": visit.get_absolute_url() if can_view_visit(user, visit) else "",
        }
        for visit in visits
    ]
    can_request = (
        getattr(user, "is_authenticated", False)
        and requesting_facilities(user).exclude(pk=facility.pk).exists()
    )
    if not items and not can_request:
        return None
    return HomeSection(
        key="exchange_visits",
        title=_("Exchange visits hosted"),
        template="events/visits/facility_section.html",
        context={"items": items, "facility": facility, "can_request": can_request},
        order=300,
    )
