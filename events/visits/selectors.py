"""Reading exchange visits: the lists a person or a facility profile shows."""

from __future__ import annotations

from django.db.models import Q

from community import permissions as cp
from community.models import Level, Organisation

from .models import ExchangeVisit
from .states import DONE_STATES


def visits_for(user):
    """Outgoing and incoming visits of the user's facilities, and the pairings and
    visits in districts they schedule for."""
    facility_ids = [
        o.pk for o in cp.home_organisations(user) if o.level == Level.FACILITY
    ]
    districts = list(
        cp.organisations_where(user, cp.Cap.SCHEDULE_EVENTS)
        .filter(level=Level.DISTRICT)
        .values_list("pk", flat=True)
    )
    base = ExchangeVisit.objects.select_related("visiting", "host")
    outgoing = base.filter(visiting_id__in=facility_ids)
    incoming = base.filter(host_id__in=facility_ids)
    district = base.filter(
        Q(visiting__parent_id__in=districts) | Q(host__parent_id__in=districts)
    ).exclude(Q(visiting_id__in=facility_ids) | Q(host_id__in=facility_ids))
    return outgoing, incoming, district


def hosted_visits(facility: Organisation):
    """Visits the facility hosted (done), newest first, for its public profile."""
    return (
        ExchangeVisit.objects.filter(host=facility, state__in=DONE_STATES)
        .select_related("visiting__parent", "host__parent", "report")
        .order_by("-starts_at")
    )
