"""Who is who on an exchange visit: the sides a person acts for, and who may see a
visit and write, comment on, share or propose its report.

Every answer comes from the capability map (``community.permissions``). Nothing here
writes: ``services`` asks these questions before each write, never the reverse.
"""

from __future__ import annotations

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from community import permissions as cp
from community.models import Level, Organisation

from .models import ExchangeVisit, LearningReport, VisitState
from .states import (
    DISTRICT,
    DONE_STATES,
    HOST,
    TRANSITIONS,
    VISITING,
    VISITING_TEAM,
    timing_ok,
)


def acts_for_facility(user, facility: Organisation) -> bool:
    """A facility's own scheduler: belongs to it and schedules events there (its
    leads). District leads reach the facility through the map, but do not decide for
    it."""
    return (
        cp.can_participate(user)
        and cp.is_member_within(user, facility)
        and cp.can_schedule_events(user, facility)
    )


def can_request_for(user, facility: Organisation) -> bool:
    """Any member of a facility may ask for a visit on its behalf."""
    return (
        cp.can_participate(user)
        and facility.level == Level.FACILITY
        and cp.is_member_within(user, facility)
    )


def can_pair(user, visiting: Organisation, host: Organisation) -> bool:
    """District leads and coaches pair two facilities of their own district."""
    district = visiting.parent
    return (
        cp.can_participate(user)
        and district is not None
        and host.parent_id == district.pk
        and cp.can_schedule_events(user, district)
    )


def requesting_facilities(user):
    """Facilities the user may ask a visit for (the form's choices)."""
    ids = [org.pk for org in cp.home_organisations(user) if org.level == Level.FACILITY]
    return Organisation.objects.filter(pk__in=ids).order_by("name")


def pairing_facilities(user):
    """Facilities in districts where the user may propose pairings."""
    districts = cp.organisations_where(user, cp.Cap.SCHEDULE_EVENTS).filter(
        level=Level.DISTRICT
    )
    return Organisation.objects.filter(
        level=Level.FACILITY, parent__in=districts
    ).order_by("parent__name", "name")


def sides_of(user, visit: ExchangeVisit) -> set[str]:
    """The sides ``user`` may act for on ``visit``."""
    sides: set[str] = set()
    if not cp.can_participate(user):
        return sides
    if acts_for_facility(user, visit.visiting) or (
        visit.requested_by_id == user.pk
        and not visit.by_district
        and cp.is_member_within(user, visit.visiting)
    ):
        sides.add(VISITING)
    if cp.is_member_within(user, visit.visiting):
        sides.add(VISITING_TEAM)
    if acts_for_facility(user, visit.host):
        sides.add(HOST)
    district = visit.visiting.parent
    if district is not None and cp.can_schedule_events(user, district):
        sides.add(DISTRICT)
    return sides


def is_party(user, visit: ExchangeVisit) -> bool:
    """Members of either facility, and the district people who schedule for them."""
    if not cp.can_participate(user):
        return False
    for facility in (visit.visiting, visit.host):
        if cp.is_member_within(user, facility):
            return True
        if facility.parent is not None and cp.can_schedule_events(
            user, facility.parent
        ):
            return True
    return False


def can_view_visit(user, visit: ExchangeVisit) -> bool:
    """The parties see everything; once its report is published, every member may
    read the visit and what was learnt (that is the point of sharing)."""
    if is_party(user, visit):
        return True
    return cp.can_participate(user) and visit.state == VisitState.REPORTED


def check_view_visit(user, visit: ExchangeVisit) -> None:
    if not can_view_visit(user, visit):
        raise PermissionDenied(_("This exchange visit is not open to you."))


def allowed_actions(user, visit: ExchangeVisit) -> list[str]:
    """The moves ``user`` may make now (for the page's buttons)."""
    sides = sides_of(user, visit)
    return [
        action
        for (state, action), move in TRANSITIONS.items()
        if state == visit.state and move.sides & sides and timing_ok(visit, action)
    ]


def can_write_report(user, visit: ExchangeVisit) -> bool:
    """The visiting team writes the report once the visit is done."""
    return (
        cp.can_participate(user)
        and cp.is_member_within(user, visit.visiting)
        and visit.state in DONE_STATES
    )


def can_comment(user, report: LearningReport) -> bool:
    """The host comments on what the visitors learnt (and the visitors answer)."""
    visit = report.visit
    return (
        cp.can_participate(user)
        and report.published_at is not None
        and (
            cp.is_member_within(user, visit.host)
            or cp.is_member_within(user, visit.visiting)
        )
    )


def can_share_report(user, report: LearningReport) -> bool:
    return (
        report.published_at is not None
        and report.shared_thread_id is None
        and cp.is_member_within(user, report.visit.visiting)
        and bool(share_spaces(user, report))
    )


def share_spaces(user, report: LearningReport) -> list:
    """The visiting facility's district spaces the user may post in."""
    if not apps.is_installed("forums"):
        return []
    from forums.models import Space
    from forums.permissions import can_post_in_space

    district = report.visit.visiting.parent
    spaces = Space.objects.filter(organisation=district, safe_space=False).order_by(
        "name"
    )
    return [space for space in spaces if can_post_in_space(user, space)]


def _library_installed() -> bool:
    return apps.is_installed("library")


def can_propose_to_library(user, report: LearningReport) -> bool:
    """Facility leads of the visiting facility propose case studies (the library's
    own rule); the library's editors review the draft."""
    if not _library_installed() or report.published_at is None:
        return False
    if report.library_page_id is not None:
        return False
    from library.permissions import submission_facilities

    return submission_facilities(user).filter(pk=report.visit.visiting_id).exists()
