"""Who may see and do what in improvement work. Roles become capabilities only in
``community.permissions``; this module asks it questions and never names a role.

By default a facility's data and projects are seen by the facility's own members, by
whoever views district data over it (its district lead and coaches, the national team),
and by nobody else. A team may share a project with every member; a facility lead may
publish a story for everyone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from community.models import Level, Organisation
from community.permissions import (
    Cap,
    can_enter_measurements,
    can_view_district_data,
    has_capability,
    home_organisations,
    how_to_gain,
    is_active_superuser,
    organisations_where,
    works_at,
)

if TYPE_CHECKING:
    from .models import Project


# --- Facility data ----------------------------------------------------------------------


def can_view_facility_data(user, facility: Organisation) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if is_active_superuser(user) or works_at(user, facility):
        return True
    return has_capability(user, Cap.VIEW_DISTRICT_DATA, facility)


def check_view_facility_data(user, facility: Organisation) -> None:
    if not can_view_facility_data(user, facility):
        raise PermissionDenied(
            _("You may not see the data of %(facility)s.") % {"facility": facility}
        )


def entry_refusal(user, facility: Organisation) -> str:
    """Why ``user`` may not enter ``facility``'s monthly data, and, for its own
    members, what would let them (the refusal page shows this)."""
    reason = _(
        "You may not enter data for %(facility)s: its QI team and facility lead enter "
        "its monthly data."
    ) % {"facility": facility}
    if works_at(user, facility):
        return f"{reason} {how_to_gain(Cap.ENTER_MEASUREMENTS, facility)}"
    return reason


def check_enter_measurements(user, facility: Organisation) -> None:
    if not can_enter_measurements(user, facility):
        raise PermissionDenied(entry_refusal(user, facility))


def check_enter_any(user) -> None:
    """The CSV import is open to whoever may enter data for some facility."""
    if facilities_for_entry(user).exists():
        return
    reason = _(
        "You may not enter data for any facility: each facility's QI team and "
        "facility lead enter its monthly data."
    )
    own = next(
        (org for org in home_organisations(user) if org.level == Level.FACILITY), None
    )
    if own is not None:
        reason = f"{reason} {how_to_gain(Cap.ENTER_MEASUREMENTS, own)}"
    raise PermissionDenied(reason)


def facilities_for_entry(user) -> QuerySet[Organisation]:
    """Facilities whose data this user may enter."""
    return organisations_where(user, Cap.ENTER_MEASUREMENTS).filter(
        level=Level.FACILITY
    )


def facilities_visible_to(user) -> QuerySet[Organisation]:
    """Facilities whose charts this user may open."""
    if not getattr(user, "is_authenticated", False):
        return Organisation.objects.none()
    if is_active_superuser(user):
        return Organisation.objects.facilities()
    homes = [org.pk for org in home_organisations(user)]
    return Organisation.objects.facilities().filter(
        Q(pk__in=homes)
        | Q(pk__in=organisations_where(user, Cap.VIEW_DISTRICT_DATA).values("pk"))
    )


def districts_for_comparison(user) -> QuerySet[Organisation]:
    """Districts whose collaborative comparison this user may open."""
    return organisations_where(user, Cap.VIEW_DISTRICT_DATA).filter(
        level=Level.DISTRICT
    )


def check_view_district_data(user, district: Organisation) -> None:
    if district.level != Level.DISTRICT or not can_view_district_data(user, district):
        raise PermissionDenied(
            _("You may not see the comparison for %(district)s.")
            % {"district": district}
        )


# --- Indicators -----------------------------------------------------------------------


def can_edit_indicators(user) -> bool:
    return has_capability(user, Cap.EDIT_INDICATORS, None)


def check_edit_indicators(user) -> None:
    if not can_edit_indicators(user):
        raise PermissionDenied(
            _("Only the national team edits the indicator catalogue.")
        )


# --- Projects --------------------------------------------------------------------------


def projects_visible_to(user, queryset: QuerySet | None = None) -> QuerySet[Project]:
    from .models import Project

    projects = Project.objects.all() if queryset is None else queryset
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return projects.none()
    if is_active_superuser(user):
        return projects
    homes = [org.pk for org in home_organisations(user)]
    seen = Q(facility_id__in=homes) | Q(
        facility_id__in=organisations_where(user, Cap.VIEW_DISTRICT_DATA).values("pk")
    )
    if has_capability(user, Cap.PARTICIPATE, None):
        seen |= Q(shared=True)
    return projects.filter(seen)


def can_view_project(user, project: Project) -> bool:
    if project.shared and (
        is_active_superuser(user) or has_capability(user, Cap.PARTICIPATE, None)
    ):
        return True
    return can_view_facility_data(user, project.facility)


def check_view_project(user, project: Project) -> None:
    if not can_view_project(user, project):
        raise PermissionDenied(_("This project is shared only with its facility."))


def can_document(user, facility: Organisation) -> bool:
    """Start projects, record change ideas and PDSA cycles, share a project."""
    return has_capability(user, Cap.DOCUMENT_IMPROVEMENT, facility)


def check_document(user, facility: Organisation) -> None:
    if not can_document(user, facility):
        raise PermissionDenied(
            _("Only the team of %(facility)s documents its improvement work.")
            % {"facility": facility}
        )


def can_publish_story(user, facility: Organisation) -> bool:
    return has_capability(user, Cap.PUBLISH_STORIES, facility)


def check_publish_story(user, facility: Organisation) -> None:
    if not can_publish_story(user, facility):
        raise PermissionDenied(
            _("Only the facility lead of %(facility)s publishes its stories.")
            % {"facility": facility}
        )
