"""Who may see and do what with learning needs. Roles become capabilities only in
``community.permissions``; this module asks it questions and never names a role.

Needs are for members: any signed-in member reads them, raises one (for themselves, or
for a facility or district they belong to) and says "we need this too". The national
team and national editors (``can_triage_needs``) triage and answer.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from community.models import Level, Organisation
from community.permissions import (
    can_participate,
    can_publish_library,
    can_triage_needs,
    home_organisations,
)

from .models import LearningNeed


def needs_visible_to(user, queryset: QuerySet | None = None) -> QuerySet[LearningNeed]:
    needs = LearningNeed.objects.all() if queryset is None else queryset
    if not can_participate(user):
        return needs.none()
    return needs


def can_view_needs(user) -> bool:
    return can_participate(user)


def check_view_needs(user) -> None:
    if not can_view_needs(user):
        raise PermissionDenied(_("Sign in to see learning needs."))


def can_raise_need(user) -> bool:
    return can_participate(user)


def raise_for_choices(user) -> list[Organisation]:
    """The facilities and districts a member may raise a need for: where they belong."""
    return sorted(
        {
            org
            for org in home_organisations(user)
            if org.level in (Level.FACILITY, Level.DISTRICT)
        },
        key=lambda org: (org.level != Level.FACILITY, org.name),
    )


def check_raise_need(user, organisation: Organisation | None) -> None:
    if not can_raise_need(user):
        raise PermissionDenied(_("Sign in to raise a learning need."))
    if organisation is not None and organisation not in raise_for_choices(user):
        raise PermissionDenied(
            _("You may raise needs only for a facility or district you belong to.")
        )


def support_facility(user) -> Organisation | None:
    """The facility a member's support counts for (their first, by name)."""
    facilities = [
        org for org in home_organisations(user) if org.level == Level.FACILITY
    ]
    return min(facilities, key=lambda org: org.name) if facilities else None


def can_support(user, need: LearningNeed) -> bool:
    return can_participate(user) and need.is_open


def check_support(user, need: LearningNeed) -> None:
    if not can_participate(user):
        raise PermissionDenied(_("Sign in to support a learning need."))
    if not need.is_open:
        raise PermissionDenied(_("This need is closed."))


def can_triage(user) -> bool:
    return can_triage_needs(user)


def check_triage(user) -> None:
    if not can_triage(user):
        raise PermissionDenied(_("Only the national team triages learning needs."))


def can_manage_feeds(user) -> bool:
    """Editors choose the external feeds (they publish the library)."""
    return can_publish_library(user) or can_triage_needs(user)
