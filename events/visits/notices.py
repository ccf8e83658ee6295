"""Telling the other side: a notice in the app for each person a move concerns, and its
email through django-tasks once the move is committed, in the recipient's language.

Cadence invitations use the same notices (``events.cadence``).
"""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from community import permissions as cp
from community.models import Organisation

from ..conf import absolute
from ..tasks import member_language
from .models import ExchangeVisit, VisitAction, VisitNotice, VisitTransition


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


def notify(
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
    with translation.override(member_language(user)):
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
