"""Exchange visits: who may do what, the state machine, and every write.

The lifecycle is one table, :data:`TRANSITIONS`: ``(state, action) -> (next state, the
sides that may take it)``. :func:`visit_transition` is the only code that changes a
visit's state; anything not in the table raises :class:`TransitionNotAllowed`.

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
(django-tasks, on commit), in each recipient's language.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from community import permissions as cp
from community import zones
from community.images import without_metadata
from community.models import Level, Organisation
from community.text import render

from . import services as event_services
from .conf import absolute
from .models import (
    EventKind,
    ExchangeVisit,
    LearningReport,
    ReportComment,
    ReportPhoto,
    Visibility,
    VisitAction,
    VisitNotice,
    VisitState,
    VisitTransition,
)

logger = logging.getLogger(__name__)

VISITING, HOST, DISTRICT = "visiting", "host", "district"
# Anyone from the visiting facility: the team that went writes the report.
VISITING_TEAM = "visiting_team"
MAX_PHOTOS = 4


class TransitionNotAllowed(ValidationError):
    """A move the lifecycle does not have from the visit's current state."""


@dataclass(frozen=True)
class Move:
    to: str
    sides: frozenset[str]


def _move(to: str, *sides: str) -> Move:
    return Move(to=to, sides=frozenset(sides))


S, A = VisitState, VisitAction

# The whole lifecycle. Nothing else changes ``ExchangeVisit.state``.
TRANSITIONS: dict[tuple[str, str], Move] = {
    (S.PAIRING_PROPOSED, A.AGREE): _move(S.REQUESTED, VISITING),
    (S.PAIRING_PROPOSED, A.DECLINE): _move(S.DECLINED, VISITING, HOST),
    (S.PAIRING_PROPOSED, A.CANCEL): _move(S.CANCELLED, DISTRICT),
    (S.REQUESTED, A.ACCEPT): _move(S.CONFIRMED, HOST),
    (S.REQUESTED, A.DECLINE): _move(S.DECLINED, HOST),
    (S.REQUESTED, A.COUNTER): _move(S.COUNTER_PROPOSED, HOST),
    (S.REQUESTED, A.CANCEL): _move(S.CANCELLED, VISITING, DISTRICT),
    (S.COUNTER_PROPOSED, A.ACCEPT): _move(S.CONFIRMED, VISITING),
    (S.COUNTER_PROPOSED, A.DECLINE): _move(S.DECLINED, VISITING),
    (S.COUNTER_PROPOSED, A.CANCEL): _move(S.CANCELLED, VISITING, HOST, DISTRICT),
    (S.CONFIRMED, A.CANCEL): _move(S.CANCELLED, VISITING, HOST, DISTRICT),
    (S.CONFIRMED, A.COMPLETE): _move(S.COMPLETED, VISITING, HOST),
    (S.COMPLETED, A.REPORT): _move(S.REPORTED, VISITING_TEAM),
}
# Moves that need words or dates, and so a form of their own.
NEEDS_NOTE = frozenset({A.DECLINE})
NEEDS_DATES = frozenset({A.COUNTER})
OPEN_STATES = frozenset(
    {S.PAIRING_PROPOSED, S.REQUESTED, S.COUNTER_PROPOSED, S.CONFIRMED}
)
# States in which the visit happened (for the facility profile).
DONE_STATES = frozenset({S.COMPLETED, S.REPORTED})


# --- Who is who -----------------------------------------------------------------------


def _active(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active)


def acts_for_facility(user, facility: Organisation) -> bool:
    """A facility's own scheduler: belongs to it and schedules events there (its
    leads). District leads reach the facility through the map, but do not decide for
    it."""
    return (
        _active(user)
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
        _active(user)
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
    if not _active(user):
        return sides
    if acts_for_facility(user, visit.visiting) or (
        visit.requested_by_id == user.pk
        and not visit.by_district
        and cp.is_member_within(user, visit.visiting)
    ):
        sides.add(VISITING)
    if cp.can_participate(user) and cp.is_member_within(user, visit.visiting):
        sides.add(VISITING_TEAM)
    if acts_for_facility(user, visit.host):
        sides.add(HOST)
    district = visit.visiting.parent
    if district is not None and cp.can_schedule_events(user, district):
        sides.add(DISTRICT)
    return sides


def is_party(user, visit: ExchangeVisit) -> bool:
    """Members of either facility, and the district people who schedule for them."""
    if not _active(user):
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
        if state == visit.state and move.sides & sides and _timing_ok(visit, action)
    ]


def _timing_ok(visit: ExchangeVisit, action: str) -> bool:
    if action == VisitAction.COMPLETE:
        return timezone.now() >= visit.starts_at
    return True


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
    if not _timing_ok(visit, action):
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
    from .permissions import can_edit

    event = visit.event
    if event is None or event.is_cancelled:
        return
    organiser_user = by if can_edit(by, event) else visit.dates_agreed_by
    if organiser_user is None or not can_edit(organiser_user, event):
        return
    event_services.event_cancel(event=event, by=organiser_user)


def _mark_attendance(visit: ExchangeVisit, *, by) -> None:
    """Done: everyone registered counts as having come, for their facility's cadence.

    Attendance is the organiser's to record; a visiting lead marking the visit done
    records it on the host's behalf (the host person who agreed the dates).
    """
    from .models import RegistrationStatus
    from .permissions import can_edit

    event = visit.event
    organiser_user = by if can_edit(by, event) else visit.dates_agreed_by
    if organiser_user is None or not can_edit(organiser_user, event):
        logger.info("visit %s done; attendance left to the organiser", visit.pk)
        return
    for registration in event.registrations.filter(
        status=RegistrationStatus.REGISTERED, attended=False
    ).select_related("user"):
        event_services.attendance_mark(
            event=event, by=organiser_user, user=registration.user, attended=True
        )


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
    _notify(visit=visit, users=recipients, kind="comment")
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
    with translation.override(_language(by)):
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
    with translation.override(_language(by)):
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


# --- Telling the other side ----------------------------------------------------------


def leads_of(facility: Organisation) -> list:
    """People who schedule for the facility from inside it (its leads)."""
    return list(
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__organisation=facility,
            memberships__role__in=cp.roles_with(cp.Cap.SCHEDULE_EVENTS),
        )
        .select_related("profile")
        .distinct()
        .order_by("pk")
    )


def involved(visit: ExchangeVisit) -> list:
    """Everyone a move concerns: both facilities' leads and whoever asked or paired."""
    people = {u.pk: u for u in leads_of(visit.visiting) + leads_of(visit.host)}
    if visit.requested_by is not None and visit.requested_by.is_active:
        people.setdefault(visit.requested_by.pk, visit.requested_by)
    return list(people.values())


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
    _notify(visit=visit, users=recipients, transition=transition)
    return transition


def _notify(
    *,
    visit: ExchangeVisit | None = None,
    users: list,
    transition: VisitTransition | None = None,
    kind: str = "",
    invite=None,
) -> list[VisitNotice]:
    seen: set[int] = set()
    notices = []
    for user in users:
        if user.pk in seen:
            continue
        seen.add(user.pk)
        notices.append(
            VisitNotice(
                user=user, visit=visit, transition=transition, kind=kind, invite=invite
            )
        )
    created = VisitNotice.objects.bulk_create(notices)
    ids = [n.pk for n in created if n.pk is not None]
    if not ids:  # backends that do not return ids from bulk inserts
        ids = list(
            VisitNotice.objects.filter(
                visit=visit, transition=transition, invite=invite, kind=kind
            ).values_list("pk", flat=True)
        )
    transaction.on_commit(lambda: [send_notice_email.enqueue(pk) for pk in ids])
    return created


def _language(user) -> str:
    from django.conf import settings

    profile = getattr(user, "profile", None)
    return getattr(profile, "language", "") or settings.LANGUAGE_CODE


def notice_text(notice: VisitNotice) -> str:
    """The notice in the current language (call inside ``translation.override``)."""
    if notice.invite_id:
        invite = notice.invite
        if invite.event_id:
            return _(
                "%(district)s invites %(facility)s to its next collaborative: "
                "“%(event)s”."
            ) % {
                "district": invite.district,
                "facility": invite.facility,
                "event": invite.event,
            }
        return _(
            "%(district)s would like %(facility)s at its next collaborative; the "
            "date is not set yet."
        ) % {"district": invite.district, "facility": invite.facility}
    visit = notice.visit
    if notice.kind == "comment":
        return _("New comment on the learning report: %(visit)s.") % {"visit": visit}
    transition = notice.transition
    who = transition.on_behalf_of or _("Someone")
    return _("%(who)s %(action)s · %(visit)s") % {
        "who": who,
        "action": VisitAction(transition.action).label,
        "visit": visit,
    }


def notice_url(notice: VisitNotice) -> str:
    if notice.invite_id:
        invite = notice.invite
        if invite.event_id:
            return invite.event.get_absolute_url()
        return reverse("events:visit_list")
    return notice.visit.get_absolute_url()


@task()
def send_notice_email(notice_id: int) -> bool:
    notice = (
        VisitNotice.objects.select_related(
            "user__profile",
            "visit__visiting",
            "visit__host",
            "transition__on_behalf_of",
            "invite__district",
            "invite__facility",
            "invite__event",
        )
        .filter(pk=notice_id)
        .first()
    )
    if notice is None or notice.emailed_at is not None:
        return False
    user = notice.user
    if not user.is_active or not user.email:
        return False
    from django.conf import settings
    from django.core.mail import EmailMessage

    with translation.override(_language(user)):
        text = notice_text(notice)
        transition = notice.transition
        body = render_to_string(
            "events/visits/email/notice.txt",
            {
                "text": text,
                "note": transition.note if transition else "",
                "url": absolute(notice_url(notice)),
                "recipient": user,
            },
        )
        EmailMessage(
            subject=" ".join(text.split())[:150],
            body=body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[user.email],
            headers={"Auto-Submitted": "auto-generated"},
        ).send()
    notice.emailed_at = timezone.now()
    notice.save(update_fields=["emailed_at"])
    return True


def notices_for(user, *, limit: int = 20) -> list[VisitNotice]:
    return list(
        VisitNotice.objects.filter(user=user, read_at__isnull=True)
        .select_related(
            "visit__visiting",
            "visit__host",
            "transition__on_behalf_of",
            "invite__district",
            "invite__facility",
            "invite__event",
        )
        .order_by("-created", "-pk")[:limit]
    )


def notices_mark_read(*, user, visit: ExchangeVisit | None = None) -> int:
    qs = VisitNotice.objects.filter(user=user, read_at__isnull=True)
    if visit is not None:
        qs = qs.filter(visit=visit)
    return qs.update(read_at=timezone.now())


# --- Selectors ------------------------------------------------------------------------


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
