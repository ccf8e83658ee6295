"""Exchange visits: every write, through one lifecycle.

The lifecycle is one table, :data:`~events.visits.states.TRANSITIONS`: ``(state,
action) -> (next state, the sides that may take it)``. :func:`visit_transition` is the
only code that changes a visit's state; anything not in the table raises
:class:`~events.visits.states.TransitionNotAllowed`.

Sides:

- **visiting**: the facility that wants to learn. Any member of it may *request* a
  visit on its behalf (a request commits nobody: the facility's leads are told and may
  cancel it); its schedulers (facility leads, through the capability map) and the
  person who asked answer counter-proposals, cancel, and mark the visit done.
- **visiting team**: anyone from the visiting facility writes the learning report
  (publishing it is the "report" move).
- **host**: only people who belong to the host facility *and* schedule events there
  (its leads) accept, decline or propose other dates. A district lead does not decide
  for a facility it paired.
- **district**: a district lead or coach (whoever schedules events for the district)
  proposes a pairing between two facilities of their district, and may withdraw it.

Every move is kept (the timeline) and tells everyone involved but the mover (both
facilities' leads, the requester, the district person who paired them: so the other
side always, and one's own leads when a practitioner asked), in the app and by email
(django-tasks, on commit), in each recipient's language (``notices``).
"""

from __future__ import annotations

import datetime
import logging

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from community import permissions as cp
from community import zones
from community.images import without_metadata
from community.models import Organisation
from community.text import render

from .. import permissions as event_permissions
from .. import services as event_services
from ..conf import absolute
from ..models import EventKind, RegistrationStatus, Visibility
from ..tasks import member_language
from .models import (
    ExchangeVisit,
    LearningReport,
    ReportComment,
    ReportPhoto,
    VisitAction,
    VisitState,
    VisitTransition,
)
from .notices import involved, leads_of, notify
from .permissions import (
    can_comment,
    can_pair,
    can_propose_to_library,
    can_request_for,
    can_write_report,
    share_spaces,
    sides_of,
)
from .states import (
    DISTRICT,
    HOST,
    NEEDS_DATES,
    NEEDS_NOTE,
    TRANSITIONS,
    VISITING,
    VISITING_TEAM,
    Move,
    TransitionNotAllowed,
    timing_ok,
)

logger = logging.getLogger(__name__)

MAX_PHOTOS = 4
S, A = VisitState, VisitAction


# --- Requests -------------------------------------------------------------------------


def _full_clean(visit: ExchangeVisit) -> None:
    visit.full_clean(exclude=["event", "requested_by", "dates_agreed_by"])


def host_zone(host: Organisation) -> str:
    """A visit's zone unless its organiser gives one: the host facility's (its
    country's), where the visit happens."""
    return str(zones.organisation_zone(host))


@transaction.atomic
def visit_request(
    *,
    by,
    visiting: Organisation,
    host: Organisation,
    objectives: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    timezone_name: str = "",
) -> ExchangeVisit:
    """A facility asks to visit ``host``; the host's leads decide."""
    if not can_request_for(by, visiting):
        raise PermissionDenied(
            _("Only members of %(org)s may ask for a visit on its behalf.")
            % {"org": visiting}
        )
    visit = ExchangeVisit(
        visiting=visiting,
        host=host,
        requested_by=by,
        objectives=objectives.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=timezone_name or host_zone(host),
        state=VisitState.REQUESTED,
    )
    _full_clean(visit)
    visit.save()
    _record(visit, action=A.REQUEST, before="", by=by, on_behalf_of=visiting)
    return visit


@transaction.atomic
def visit_pair(
    *,
    by,
    visiting: Organisation,
    host: Organisation,
    objectives: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    timezone_name: str = "",
) -> ExchangeVisit:
    """A district lead or coach suggests that ``visiting`` learns from ``host``. The
    visiting facility agrees first, then the host decides as for any request."""
    if not can_pair(by, visiting, host):
        raise PermissionDenied(_("You may pair facilities of your own district only."))
    visit = ExchangeVisit(
        visiting=visiting,
        host=host,
        requested_by=by,
        by_district=True,
        objectives=objectives.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        timezone=timezone_name or host_zone(host),
        state=VisitState.PAIRING_PROPOSED,
    )
    _full_clean(visit)
    visit.save()
    _record(visit, action=A.PAIR, before="", by=by, on_behalf_of=visiting.parent)
    return visit


# --- The state machine ------------------------------------------------------------


def _acting_side(user, visit: ExchangeVisit, move: Move) -> str:
    sides = sides_of(user, visit) & move.sides
    for side in (HOST, VISITING, VISITING_TEAM, DISTRICT):  # most specific first
        if side in sides:
            return side
    raise PermissionDenied(_("You may not do this on this exchange visit."))


def _side_organisation(visit: ExchangeVisit, side: str) -> Organisation | None:
    return {
        VISITING: visit.visiting,
        VISITING_TEAM: visit.visiting,
        HOST: visit.host,
        DISTRICT: visit.visiting.parent,
    }[side]


@transaction.atomic
def visit_transition(
    *,
    visit: ExchangeVisit,
    by,
    action: str,
    note: str = "",
    starts_at: datetime.datetime | None = None,
    ends_at: datetime.datetime | None = None,
    timezone_name: str | None = None,
) -> ExchangeVisit:
    """Make one move of the lifecycle (see :data:`TRANSITIONS`)."""
    visit = (
        ExchangeVisit.objects.select_for_update(of=("self",))
        .select_related("visiting__parent__parent", "host__parent__parent")
        .get(pk=visit.pk)
    )
    move = TRANSITIONS.get((visit.state, action))
    if move is None:
        raise TransitionNotAllowed(
            _("A visit that is “%(state)s” cannot be %(action)s.")
            % {
                "state": VisitState(visit.state).label,
                "action": VisitAction(action).label
                if action in VisitAction.values
                else action,
            },
            code="transition",
        )
    side = _acting_side(by, visit, move)
    if not timing_ok(visit, action):
        raise ValidationError(_("A visit is marked as done once it has started."))
    note = (note or "").strip()
    if action in NEEDS_NOTE and not note:
        raise ValidationError({"note": _("Say why, so they can plan otherwise.")})
    before = visit.state
    if action in NEEDS_DATES:
        if starts_at is None or ends_at is None:
            raise ValidationError({"starts_at": _("Propose other dates.")})
        visit.starts_at, visit.ends_at = starts_at, ends_at
        if timezone_name:
            visit.timezone = timezone_name
        _full_clean(visit)
    if action == A.ACCEPT:
        # The host side agreed to these dates: at a request by accepting it, at a
        # counter-proposal by proposing them.
        visit.dates_agreed_by = by if side == HOST else _last_counter_by(visit)
    visit.state = move.to
    visit.save()
    if move.to == S.CONFIRMED:
        _confirm(visit, by=by)
    elif move.to == S.CANCELLED and visit.event_id:
        _cancel_event(visit, by=by)
    elif move.to == S.COMPLETED and visit.event_id:
        _mark_attendance(visit, by=by)
    _record(
        visit,
        action=action,
        before=before,
        by=by,
        on_behalf_of=_side_organisation(visit, side),
        note=note,
        dates=action in NEEDS_DATES,
    )
    return visit


def _last_counter_by(visit: ExchangeVisit):
    last = visit.transitions.filter(action=A.COUNTER).select_related("by").last()
    return last.by if last else None


def _participants(visit: ExchangeVisit) -> list[tuple[object, Organisation]]:
    """Who is registered for the confirmed visit: the requester and both facilities'
    leads (others from either facility join from the event page)."""
    people: dict[int, tuple[object, Organisation]] = {}
    if visit.requested_by is not None and not visit.by_district:
        people[visit.requested_by.pk] = (visit.requested_by, visit.visiting)
    for user in leads_of(visit.visiting):
        people.setdefault(user.pk, (user, visit.visiting))
    for user in leads_of(visit.host):
        people.setdefault(user.pk, (user, visit.host))
    agreed = visit.dates_agreed_by
    if agreed is not None:
        people.setdefault(agreed.pk, (agreed, visit.host))
    return list(people.values())


def _confirm(visit: ExchangeVisit, *, by) -> None:
    """Confirmed: the visit becomes an event organised by the host, both teams on it."""
    organiser_user = visit.dates_agreed_by or by
    title = _("Exchange visit: %(visiting)s at %(host)s") % {
        "visiting": visit.visiting,
        "host": visit.host,
    }
    event = event_services.event_create(
        by=organiser_user,
        organiser=visit.host,
        kind=EventKind.EXCHANGE_VISIT,
        title=title[:200],
        starts_at=visit.starts_at,
        ends_at=visit.ends_at,
        timezone=visit.timezone,
        description=visit.objectives,
        place=visit.host.name,
        visibility=Visibility.ORGANISATION,
        check_permission=False,
    )
    visit.event = event
    visit.save(update_fields=["event", "updated"])
    for user, facility in _participants(visit):
        event_services.registration_create(
            event=event, user=user, facility=facility, check_permission=False
        )


def _cancel_event(visit: ExchangeVisit, *, by) -> None:
    event = visit.event
    if event is None or event.is_cancelled:
        return
    organiser_user = (
        by if event_permissions.can_edit(by, event) else visit.dates_agreed_by
    )
    if organiser_user is None or not event_permissions.can_edit(organiser_user, event):
        return
    event_services.event_cancel(event=event, by=organiser_user)


def _mark_attendance(visit: ExchangeVisit, *, by) -> None:
    """Done: everyone registered counts as having come, for their facility's cadence.

    Attendance is the organiser's to record; a visiting lead marking the visit done
    records it on the host's behalf (the host person who agreed the dates).
    """
    event = visit.event
    organiser_user = (
        by if event_permissions.can_edit(by, event) else visit.dates_agreed_by
    )
    if organiser_user is None or not event_permissions.can_edit(organiser_user, event):
        logger.info("visit %s done; attendance left to the organiser", visit.pk)
        return
    for registration in event.registrations.filter(
        status=RegistrationStatus.REGISTERED, attended=False
    ).select_related("user"):
        event_services.attendance_mark(
            event=event, by=organiser_user, user=registration.user, attended=True
        )


def _record(
    visit: ExchangeVisit,
    *,
    action: str,
    before: str,
    by,
    on_behalf_of: Organisation | None,
    note: str = "",
    dates: bool = False,
) -> VisitTransition:
    """Keep the move on the visit's timeline and tell everyone involved but the mover."""
    transition = VisitTransition.objects.create(
        visit=visit,
        action=action,
        from_state=before,
        to_state=visit.state,
        by=by,
        on_behalf_of=on_behalf_of,
        note=note,
        starts_at=visit.starts_at if dates or not before else None,
        ends_at=visit.ends_at if dates or not before else None,
    )
    recipients = [u for u in involved(visit) if u.pk != getattr(by, "pk", None)]
    notify(visit=visit, users=recipients, transition=transition)
    return transition


# --- Reports --------------------------------------------------------------------------


def _validate_photos(photos: list[tuple[UploadedFile, str]], existing: int) -> None:
    if existing + len(photos) > MAX_PHOTOS:
        raise ValidationError({"photo": _("At most %(n)s photos.") % {"n": MAX_PHOTOS}})


@transaction.atomic
def report_save(
    *,
    visit: ExchangeVisit,
    by,
    saw: str,
    will_try: str,
    contacts: str = "",
    photos: list[tuple[UploadedFile, str]] = (),
) -> LearningReport:
    """Write (or edit) the visiting team's learning report. The first save publishes
    it: the visit moves to "reported" and the host is told."""
    if not can_write_report(by, visit):
        raise PermissionDenied(
            _("The visiting team writes the report once the visit is done.")
        )
    report = LearningReport.objects.filter(visit=visit).first()
    if report is None:
        report = LearningReport(visit=visit, author=by)
    report.saw, report.will_try, report.contacts = (
        saw.strip(),
        will_try.strip(),
        contacts.strip(),
    )
    report.saw_html = render(report.saw)
    report.will_try_html = render(report.will_try)
    report.full_clean(exclude=["visit", "shared_thread", "library_page", "author"])
    photos = list(photos)
    _validate_photos(photos, report.photos.count() if report.pk else 0)
    first = report.published_at is None
    if first:
        report.published_at = timezone.now()
    report.save()
    for upload, alt in photos:
        # Re-encoded: EXIF (time, camera, often the ward's GPS position) is dropped.
        try:
            clean = without_metadata(upload)
        except ValidationError as refused:
            raise ValidationError({"photo": refused.messages}) from None
        photo = ReportPhoto(report=report, image=clean, alt=alt.strip())
        photo.full_clean(exclude=["report"])
        photo.save()
    if first and visit.state == VisitState.COMPLETED:
        visit_transition(visit=visit, by=by, action=A.REPORT)
    return report


@transaction.atomic
def report_comment(*, report: LearningReport, by, body: str) -> ReportComment:
    if not can_comment(by, report):
        raise PermissionDenied(_("The two teams comment on their report."))
    body = (body or "").strip()
    if not body:
        raise ValidationError({"body": _("Write a comment.")})
    comment = ReportComment(report=report, author=by, body=body, body_html=render(body))
    comment.full_clean(exclude=["report", "author"])
    comment.save()
    visit = report.visit
    recipients = [u for u in involved(visit) if u.pk != by.pk]
    if report.author_id and report.author_id != by.pk:
        recipients.append(report.author)
    notify(visit=visit, users=recipients, kind="comment")
    return comment


@transaction.atomic
def report_share(*, report: LearningReport, by, space):
    """Post the report to a district space as a change story, linking back."""
    from forums import services as forum_services
    from forums.models import ThreadKind

    if not cp.is_member_within(by, report.visit.visiting):
        raise PermissionDenied(_("The visiting team shares its report."))
    if report.shared_thread_id is not None:
        raise ValidationError(_("This report is already shared."))
    if space not in share_spaces(by, report):
        raise PermissionDenied(_("You may not post in this space."))
    visit = report.visit
    url = absolute(visit.get_absolute_url())
    with translation.override(member_language(by)):
        title = _("What we learnt visiting %(host)s") % {"host": visit.host}
        body = "\n\n".join(
            [
                f"**{_('Learning objectives')}**\n\n{visit.objectives}",
                f"**{_('What we saw')}**\n\n{report.saw}",
                f"**{_('What we will try')}**\n\n{report.will_try}",
                _("The full report: %(url)s") % {"url": url},
            ]
        )
    thread = forum_services.thread_create(
        space=space,
        author=by,
        title=title[:200],
        body=body,
        kind=ThreadKind.DISCUSSION,
    )
    report.shared_thread = thread
    report.save(update_fields=["shared_thread", "updated"])
    return thread


@transaction.atomic
def report_propose_to_library(*, report: LearningReport, by):
    """Propose the report as a case study: a draft in the district's library section,
    sent to the editors' review step (the library's own submission service)."""
    if not can_propose_to_library(by, report):
        raise PermissionDenied(
            _("The visiting facility's leads propose reports to the library.")
        )
    from library import services as library_services
    from library.models import LibraryIndexPage

    index = LibraryIndexPage.objects.live().first()
    if index is None:
        raise ValidationError(_("There is no library yet."))
    visit = report.visit
    with translation.override(member_language(by)):
        title = _("Exchange visit: what %(visiting)s learnt at %(host)s") % {
            "visiting": visit.visiting,
            "host": visit.host,
        }
        facility_type = str(visit.visiting.get_ownership_display() or _("Facility"))
    page = library_services.case_study_submit(
        user=by,
        index=index,
        facility=visit.visiting,
        title=title[:250],
        summary=visit.objectives[:250],
        facility_type=facility_type[:120],
        setting_kind="",
        population="",
        problem=visit.objectives,
        how_found=report.saw,
        root_cause_tools="",
        changes=[],
        indicator="",
        unit="%",
        results=[],
        lessons=report.will_try,
        contacts=report.contacts,
        tags=[],  # the vocabulary is curated: editors tag it when they review
    )
    report.library_page = page
    report.save(update_fields=["library_page", "updated"])
    return page
