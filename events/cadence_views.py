"""The cadence tracker's pages: per facility, never per person."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from community import permissions as cp
from community.models import Level, Organisation

from . import cadence
from .models import CadenceInvite, EventKind


def _district(request, slug: str) -> Organisation:
    district = get_object_or_404(
        Organisation.objects.select_related("parent"), slug=slug, level=Level.DISTRICT
    )
    if not cp.can_view_district_data(request.user, district):
        raise PermissionDenied(
            _("District leads, coaches and the national team follow the cadence.")
        )
    return district


@login_required
def cadence_index(request):
    districts = list(cadence.viewable_districts(request.user))
    if not districts:
        raise PermissionDenied(
            _("District leads, coaches and the national team follow the cadence.")
        )
    if len(districts) == 1:
        return redirect("events:cadence", slug=districts[0].slug)
    return render(request, "events/cadence/index.html", {"districts": districts})


@login_required
def cadence_district(request, slug: str):
    district = _district(request, slug)
    result = cadence.district_cadence(district)
    invited = {
        invite.facility_id: invite
        for invite in CadenceInvite.objects.filter(district=district).order_by(
            "created", "pk"
        )
    }
    for row in result.rows:
        row.invite = invited.get(row.facility.pk)
    return render(
        request,
        "events/cadence/district.html",
        {
            "cadence": result,
            "district": district,
            "chart": cadence.heat_map(result),
            "overdue_months": cadence.conf("CADENCE_OVERDUE_MONTHS"),
            "due_months": cadence.conf("CADENCE_DUE_MONTHS"),
            "next_collaborative": cadence.next_collaborative(district),
            "schedule_url": f"{reverse('events:create')}?kind={EventKind.COLLABORATIVE}",
            "can_schedule": cp.can_schedule_events(request.user, district),
        },
    )


@login_required
@require_POST
def cadence_invite(request, slug: str, facility_pk: int):
    district = _district(request, slug)
    facility = get_object_or_404(
        Organisation, pk=facility_pk, parent=district, level=Level.FACILITY
    )
    invite = cadence.cadence_invite(
        district=district, facility=facility, by=request.user
    )
    if invite.event is not None:
        messages.success(
            request,
            _("%(facility)s's leads are invited to “%(event)s”.")
            % {"facility": facility, "event": invite.event},
        )
    else:
        messages.warning(
            request,
            _(
                "No collaborative is scheduled in %(district)s yet: %(facility)s's "
                "leads are told one is coming. Schedule it so they can register."
            )
            % {"district": district, "facility": facility},
        )
    return redirect(reverse("events:cadence", args=[district.slug]) + "#overdue")
