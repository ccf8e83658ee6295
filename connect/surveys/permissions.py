"""Who may do what with surveys. Asks ``community.permissions``; never names a role.

- The national team and national editors (``can_triage_needs``) write, open and close
  surveys, read every result and turn an answer into a learning need.
- Every signed-in member answers an open survey, once, and reads their own answers.
- District leads (``can_view_district_data``) read the results of their district by
  facility, and the country's by district, while the survey runs.
- Once a survey is closed, every member reads the country's results by district.

Results are folded groups, never people (``connect.surveys.results``).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from community.models import Level
from community.permissions import (
    can_participate,
    can_triage_needs,
    can_view_district_data,
    home_organisations,
)

from .models import Survey, SurveyState


def can_manage(user) -> bool:
    return can_triage_needs(user)


def check_manage(user) -> None:
    if not can_manage(user):
        raise PermissionDenied(_("Only the national team writes and sends surveys."))


def can_view(user, survey: Survey) -> bool:
    """Drafts are the national team's; a sent survey is every member's."""
    if survey.state == SurveyState.DRAFT:
        return can_manage(user)
    return can_participate(user)


def can_answer(user, survey: Survey) -> bool:
    return can_participate(user) and survey.is_open


def led_districts(user) -> list:
    """The districts whose facilities this member may see results for."""
    districts = {
        org.district
        for org in home_organisations(user)
        if org.level in (Level.DISTRICT, Level.FACILITY) and org.district is not None
    }
    return sorted(
        (d for d in districts if can_view_district_data(user, d)),
        key=lambda d: d.name,
    )


def can_view_results(user, survey: Survey) -> bool:
    if survey.state == SurveyState.DRAFT:
        return False
    if can_manage(user):
        return True
    if not can_participate(user):
        return False
    return survey.is_closed or bool(led_districts(user))


def can_view_facilities(user, survey: Survey, district) -> bool:
    """May this member see ``district``'s results facility by facility?"""
    if not can_view_results(user, survey):
        return False
    return can_manage(user) or can_view_district_data(user, district)


def check_view_results(user, survey: Survey) -> None:
    if not can_view_results(user, survey):
        raise PermissionDenied(
            _("The results are shown to members once the survey has closed.")
        )
