"""Who may do what in the library. Every answer comes from the capability map
(`community.permissions`); nothing here reads role names or Wagtail groups.

- a national editor edits and publishes anywhere, and reviews district submissions;
- a district editor edits in their district's section; their pages go through one
  review step (the section's workflow) unless their membership is a trusted publisher,
  in which case they publish there directly;
- everyone else reads what is live.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _
from wagtail.models import PagePermissionTester

from community import permissions as cp
from community.models import Organisation

if TYPE_CHECKING:
    from wagtail.models import Page


def section_organisation(page: Page) -> Organisation | None:
    """The district whose section holds ``page`` (``None``: the national section)."""
    from .models import LibrarySectionPage

    steplen = page.steplen
    paths = [page.path[: steplen * depth] for depth in range(1, page.depth + 1)]
    section = (
        LibrarySectionPage.objects.filter(path__in=paths)
        .select_related("organisation__parent__parent")
        .order_by("-depth")
        .first()
    )
    return section.organisation if section else None


def can_edit_in(user, organisation: Organisation | None) -> bool:
    """Create and edit pages (drafts) in a section."""
    if organisation is None:
        return cp.is_national_library_editor(user)
    return cp.can_publish_library(user, organisation)


def can_publish_in(user, organisation: Organisation | None) -> bool:
    """Publish without going through review."""
    return can_edit_in(user, organisation) and cp.can_publish_library_directly(
        user, organisation
    )


def can_review(user) -> bool:
    return cp.is_national_library_editor(user)


def can_curate_tags(user) -> bool:
    """Tags are one vocabulary across the site: national editors curate it."""
    return cp.is_national_library_editor(user)


def can_send_newsletter(user) -> bool:
    return cp.is_national_library_editor(user)


def can_download_restricted(user) -> bool:
    """Restricted library documents (drafts, embargoed files): library editors only."""
    return cp.can_publish_library(user)


def submission_facilities(user):
    """Facilities for which the user may submit a case study (facility leads: they
    publish improvement stories for the community)."""
    return cp.organisations_where(user, cp.Cap.PUBLISH_STORIES).filter(level="facility")


def can_submit_case_study(user) -> bool:
    return cp.can_participate(user) and submission_facilities(user).exists()


def check_send_newsletter(user) -> None:
    if not can_send_newsletter(user):
        raise PermissionDenied(_("Only national editors send the newsletter."))


def check_curate_tags(user) -> None:
    if not can_curate_tags(user):
        raise PermissionDenied(_("Only national editors curate tags."))


def check_submit_case_study(user, facility: Organisation) -> None:
    if not submission_facilities(user).filter(pk=facility.pk).exists():
        raise PermissionDenied(
            _("You may not submit a case study for %(org)s.") % {"org": facility}
        )


class LibraryPagePermissionTester(PagePermissionTester):
    """Wagtail's tester, with the permission set taken from the capability map for
    the page's section instead of from group page permissions."""

    def __init__(self, user, page):
        super().__init__(user, page)
        if not (user.is_active and not user.is_superuser):
            return
        if page.depth is None:
            # A page being created has no place yet; the create view asks its parent.
            self.permissions = set()
            return
        organisation = section_organisation(page)
        actions: set[str] = set()
        if can_edit_in(user, organisation):
            actions |= {"add", "change", "lock", "unlock"}
            if can_publish_in(user, organisation):
                actions.add("publish")
        self.permissions = actions
