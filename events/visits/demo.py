"""Demo exchange visits: one in each state around Hillside District Hospital (the demo
facility lead's), a finished one with its learning report and a host comment, and
facilities of Northern Hills in each cadence state (ok, overdue, never).

``seed(context)`` is called at the end of ``events.demo.seed``; it is idempotent (a
visit already there, by its facilities and objectives, is left alone) and goes through
the services. Notices are made as on the real site; their emails are not sent.
"""

from __future__ import annotations

import datetime

from django.utils import timezone

from community import services as community_services
from community.demo import COUNTRY_ZONE, _user
from community.models import Membership, Role

from . import services
from .models import ExchangeVisit, LearningReport, VisitAction, VisitNotice

A = VisitAction
# Visits take the host facility's zone (the country's); the demo's days are counted in it.
ZONE = COUNTRY_ZONE
# Facility leads the demo needs at the other facilities of Northern Hills (Mount Ravi
# Clinic keeps none: it never meets, for the cadence's "never").
LEADS = [
    ("lead.kato@demo.example", "Sister Ama Boateng", "kato-health-centre"),
    ("lead.stagnes@demo.example", "Dr Peter Lwanga", "st-agnes-mission-hospital"),
]


def _lead(orgs, email: str, name: str, slug: str):
    user = _user(email, name)
    if not Membership.objects.filter(
        user=user, organisation=orgs[slug], role=Role.FACILITY_LEAD
    ).exists():
        community_services.membership_create(
            user=user, organisation=orgs[slug], role=Role.FACILITY_LEAD
        )
    return user


def _day(days: int, hour: int = 9) -> datetime.datetime:
    """``days`` from today at ``hour`` (the country's time), in UTC."""
    from zoneinfo import ZoneInfo

    local = timezone.now().astimezone(ZoneInfo(ZONE)) + datetime.timedelta(days=days)
    local = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    return local.astimezone(datetime.UTC)


def _visit(*, by, visiting, host, objectives, days, pair=False, hours=4):
    existing = ExchangeVisit.objects.filter(
        visiting=visiting, host=host, objectives=objectives
    ).first()
    if existing is not None:
        return existing, False
    make = services.visit_pair if pair else services.visit_request
    visit = make(
        by=by,
        visiting=visiting,
        host=host,
        objectives=objectives,
        starts_at=_day(days),
        ends_at=_day(days) + datetime.timedelta(hours=hours),
    )
    return visit, True


WALL_CHART_ALT = "Kato's wall chart: partographs completed each day of the week"


def _wall_chart():
    """A photo-sized JPEG of a week's completion bars, drawn here (no file to ship)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (960, 640), (246, 243, 235))
    draw = ImageDraw.Draw(image)
    for day, rate in enumerate([88, 92, 95, 90, 97, 93, 96]):
        left = 80 + day * 120
        draw.rectangle([left, 600 - rate * 5, left + 80, 600], fill=(11, 94, 85))
    draw.line([60, 600 - 90 * 5, 920, 600 - 90 * 5], fill=(179, 71, 0), width=4)
    data = io.BytesIO()
    image.save(data, "JPEG", quality=85)
    return SimpleUploadedFile("wall-chart.jpg", data.getvalue(), "image/jpeg")


def seed(context: dict) -> None:
    orgs = context["organisations"]
    users = context["users"]
    hillside = orgs["hillside-district-hospital"]
    kato = orgs["kato-health-centre"]
    st_agnes = orgs["st-agnes-mission-hospital"]
    mount_ravi = orgs["mount-ravi-clinic"]
    lead = users["facility.lead"]
    practitioner = users["practitioner"]
    district_lead = users["district.lead"]
    kato_lead, agnes_lead = (_lead(orgs, *row) for row in LEADS)

    # Requested: Kato asks to see Hillside's labour ward (the demo lead answers).
    _visit(
        by=kato_lead,
        visiting=kato,
        host=hillside,
        objectives="How you cut waiting time in the labour ward.",
        days=24,
    )

    # A pairing proposed by the district: Hillside to learn from St Agnes.
    _visit(
        by=district_lead,
        visiting=hillside,
        host=st_agnes,
        objectives="St Agnes's daily huddle on newborn danger signs.",
        days=35,
        pair=True,
    )

    # Other dates proposed: Amina asked, Kato's lead suggests the week after.
    visit, new = _visit(
        by=practitioner,
        visiting=hillside,
        host=kato,
        objectives="Kato's community follow-up of mothers after discharge.",
        days=17,
    )
    if new:
        services.visit_transition(
            visit=visit,
            by=kato_lead,
            action=A.COUNTER,
            note="Our outreach team is away that week; the following one works.",
            starts_at=_day(24),
            ends_at=_day(24) + datetime.timedelta(hours=4),
            timezone_name=ZONE,
        )

    # Confirmed: St Agnes comes to Hillside next month (an event, both teams on it).
    visit, new = _visit(
        by=agnes_lead,
        visiting=st_agnes,
        host=hillside,
        objectives="Hillside's triage desk at the maternity gate.",
        days=30,
    )
    if new:
        services.visit_transition(visit=visit, by=lead, action=A.ACCEPT)

    # Declined, with the reason.
    visit, new = _visit(
        by=lead,
        visiting=hillside,
        host=st_agnes,
        objectives="Your partograph audit.",
        days=10,
    )
    if new:
        services.visit_transition(
            visit=visit,
            by=agnes_lead,
            action=A.DECLINE,
            note="We are moving wards this month; ask us again in the new year.",
        )

    # Cancelled by the visitors.
    visit, new = _visit(
        by=lead,
        visiting=hillside,
        host=mount_ravi,
        objectives="Private-sector referral pathways.",
        days=45,
    )
    if new:
        services.visit_transition(visit=visit, by=lead, action=A.CANCEL)

    # Done, report still to write: Kato visited St Agnes four months ago (so St
    # Agnes, with nothing since, is overdue in the cadence).
    visit, new = _visit(
        by=kato_lead,
        visiting=kato,
        host=st_agnes,
        objectives="Kangaroo mother care at St Agnes.",
        days=-125,
    )
    if new:
        visit = services.visit_transition(visit=visit, by=agnes_lead, action=A.ACCEPT)
        services.visit_transition(visit=visit, by=agnes_lead, action=A.COMPLETE)

    # Reported: Hillside visited Kato six weeks ago; the report, and Kato's comment.
    visit, new = _visit(
        by=lead,
        visiting=hillside,
        host=kato,
        objectives="How Kato keeps its partograph use above 90%.",
        days=-42,
    )
    if new:
        visit = services.visit_transition(visit=visit, by=kato_lead, action=A.ACCEPT)
        visit = services.visit_transition(visit=visit, by=lead, action=A.COMPLETE)
    if not LearningReport.objects.filter(visit=visit).exists():
        report = services.report_save(
            visit=visit,
            by=practitioner,
            saw=(
                "Every partograph is checked at the **shift handover**, by the "
                "midwife coming on and the one going off, together.\n\n"
                "- a wall chart shows the week's completion rate\n"
                "- missing entries are discussed the same morning, without blame"
            ),
            will_try=(
                "Start the joint handover check in our labour ward next month, "
                "and put up the same wall chart."
            ),
            contacts="Sister Ama Boateng, in charge of the maternity unit.",
            photos=[(_wall_chart(), WALL_CHART_ALT)],
        )
        services.report_comment(
            report=report,
            by=kato_lead,
            body="It was a joy to host you. Come back in three months and tell us "
            "how the handover check went!",
        )
    # After the visit, its people keep talking privately (started from the visit).
    from forums.conversations.demo import conversation_seed

    conversation_seed(
        key="partograph-visit",
        starter=lead,
        others=[kato_lead, practitioner],
        about_title=f"{hillside.name} visits {kato.name}",
        about_url=visit.get_absolute_url(),
        lines=[
            (
                lead,
                "Thank you again for hosting us. Could you share the wall chart "
                "template? We want the same one in our labour ward.",
            ),
            (
                kato_lead,
                "Here is how we draw it: one column per day, one row per midwife, "
                "a tick for each complete partograph. It fits on one flip-chart page.",
            ),
            (
                practitioner,
                "We start the joint handover check on Monday. I will send you our "
                "first week's chart.",
            ),
        ],
    )
    # The demo's notices stay in the app; no demo email goes out.
    VisitNotice.objects.filter(emailed_at__isnull=True).update(
        emailed_at=timezone.now()
    )
