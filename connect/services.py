"""Every write to learning needs and external feeds goes through these functions.

Each validates, writes inside one transaction, and queues emails to go out only after
the transaction has committed.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from community import push
from community.models import Level, Organisation
from community.permissions import home_organisations
from community.text import render

from . import permissions
from .links import CheckedLink, check_site_link, link_for_object
from .models import (
    TRANSITIONS,
    AnswerKind,
    LearningNeed,
    NeedAnswer,
    NeedNotice,
    NeedState,
    NeedSupport,
    NoticeKind,
)

MAX_TAGS = 8


def _district_of(user, organisation: Organisation | None) -> Organisation | None:
    if organisation is not None:
        return organisation.district
    for org in home_organisations(user):
        if org.district is not None:
            return org.district
    return None


def _tag_names(tags: Iterable[str]) -> list[str]:
    names = []
    for tag in tags:
        tag = (tag or "").strip()[:100]
        if tag and tag.lower() not in {n.lower() for n in names}:
            names.append(tag)
    return names[:MAX_TAGS]


def recount(need: LearningNeed) -> int:
    """Facilities that need this, plus members without a facility: never people twice
    for one facility."""
    supports = NeedSupport.objects.filter(need=need)
    count = (
        supports.exclude(facility=None).values("facility").distinct().count()
        + supports.filter(facility=None).count()
    )
    LearningNeed.objects.filter(pk=need.pk).update(support_count=count)
    need.support_count = count
    return count


# --- Needs --------------------------------------------------------------------------


def new_need(
    *,
    author,
    title: str,
    description: str,
    tags: Iterable[str] = (),
    organisation: Organisation | None = None,
    district: Organisation | None = None,
) -> LearningNeed:
    """Write a need through the text pipeline, with its topics. Callers check who may
    and add its supporters (``need_create``; ``connect.surveys.services``)."""
    need = LearningNeed(
        title=(title or "").strip(),
        description=(description or "").strip(),
        author=author,
        organisation=organisation,
        district=district,
    )
    need.description_html = render(need.description)
    need.full_clean()
    need.save()
    names = _tag_names(tags)
    if names:
        need.tags.set(names)
    return need


@transaction.atomic
def need_create(
    *,
    author,
    title: str,
    description: str,
    organisation: Organisation | None = None,
    tags: Iterable[str] = (),
) -> LearningNeed:
    """A new need; the raiser (and their facility) is its first supporter."""
    permissions.check_raise_need(author, organisation)
    need = new_need(
        author=author,
        title=title,
        description=description,
        organisation=organisation,
        district=_district_of(author, organisation),
        tags=tags,
    )
    facility = (
        organisation
        if organisation is not None and organisation.level == Level.FACILITY
        else permissions.support_facility(author)
    )
    NeedSupport.objects.create(
        need=need,
        user=author,
        facility=facility,
        district=facility.district if facility else need.district,
    )
    recount(need)
    return need


@transaction.atomic
def need_support(*, need: LearningNeed, user) -> NeedSupport:
    """ "We need this too": counted for the member's facility, once per facility.

    A second member of a facility that already supports the need adds nothing to the
    count, but is told when the need is answered.
    """
    permissions.check_support(user, need)
    facility = permissions.support_facility(user)
    support, _created = NeedSupport.objects.get_or_create(
        need=need,
        user=user,
        defaults={
            "facility": facility,
            "district": facility.district if facility else _district_of(user, None),
        },
    )
    recount(need)
    return support


@transaction.atomic
def need_withdraw_support(*, need: LearningNeed, user) -> int:
    NeedSupport.objects.filter(need=need, user=user).delete()
    return recount(need)


@transaction.atomic
def need_set_state(
    *,
    need: LearningNeed,
    by,
    state: str,
    note: str = "",
    duplicate_of: LearningNeed | None = None,
) -> LearningNeed:
    """Triage: new → planned, declined or duplicate (and back). Supporters hear when a
    need is planned."""
    permissions.check_triage(by)
    if state == need.state:
        need.state_note = note.strip()[:500] or need.state_note
        need.save(update_fields=["state_note", "updated_at"])
        return need
    if state not in TRANSITIONS.get(need.state, ()):
        raise ValidationError(
            {
                "state": _("A need cannot move from “%(old)s” to “%(new)s”.")
                % {"old": need.get_state_display(), "new": NeedState(state).label}
            }
        )
    if state == NeedState.DUPLICATE:
        if duplicate_of is None or duplicate_of.pk == need.pk:
            raise ValidationError({"duplicate_of": _("Say which need this repeats.")})
        need.duplicate_of = duplicate_of
    else:
        need.duplicate_of = None
    need.state = state
    need.state_note = note.strip()[:500]
    need.save(update_fields=["state", "state_note", "duplicate_of", "updated_at"])
    if state == NeedState.PLANNED:
        _notify_supporters(need, kind=NoticeKind.PLANNED, answer=None)
    return need


@transaction.atomic
def need_answer(
    *,
    need: LearningNeed,
    by,
    kind: str,
    url: str = "",
    target=None,
    title: str = "",
    note: str = "",
) -> NeedAnswer:
    """Answer a need with what the national team made, and tell every supporter.

    ``target`` is an object we hold (an event, a page, a thread); otherwise ``url``
    must be a page of this site.
    """
    permissions.check_triage(by)
    if kind not in AnswerKind.values:
        raise ValidationError({"kind": _("Choose what kind of answer this is.")})
    if need.state in (NeedState.DECLINED, NeedState.DUPLICATE):
        raise ValidationError(_("Reopen the need before answering it."))
    link: CheckedLink = (
        link_for_object(target) if target is not None else check_site_link(url)
    )
    answer = NeedAnswer(
        need=need,
        kind=kind,
        title=(title or link.title or "").strip()[:200],
        url=link.path,
        content_type=link.content_type,
        object_id=link.object_id,
        note=(note or "").strip()[:500],
        answered_by=by,
    )
    if not answer.title:
        raise ValidationError({"title": _("Give the answer a title.")})
    answer.full_clean()
    answer.save()
    need.state = NeedState.ANSWERED
    need.save(update_fields=["state", "updated_at"])
    _notify_supporters(need, kind=NoticeKind.ANSWERED, answer=answer)
    return answer


def _notify_supporters(need: LearningNeed, *, kind: str, answer) -> list[NeedNotice]:
    user_ids = set(
        NeedSupport.objects.filter(need=need, user__is_active=True).values_list(
            "user_id", flat=True
        )
    )
    if need.author_id:
        user_ids.add(need.author_id)
    notices = NeedNotice.objects.bulk_create(
        [
            NeedNotice(user_id=user_id, need=need, answer=answer, kind=kind)
            for user_id in sorted(user_ids)
        ]
    )
    ids = [notice.pk for notice in notices if notice.pk]
    if not ids:  # databases that do not return ids from bulk_create
        ids = list(
            NeedNotice.objects.filter(need=need, kind=kind, answer=answer).values_list(
                "pk", flat=True
            )
        )

    def send() -> None:
        from .tasks import send_need_notice

        for notice_id in ids:
            send_need_notice.enqueue(notice_id)

    transaction.on_commit(send)
    if kind == NoticeKind.ANSWERED and push.configured():
        from .push import KIND

        for notice in NeedNotice.objects.filter(pk__in=ids).only("pk", "user_id"):
            push.notify(user_id=notice.user_id, kind=KIND, ref=notice.pk)
    return notices


def notices_mark_read(*, user, notice_ids: Iterable[int] | None = None) -> int:
    notices = NeedNotice.objects.filter(user=user, read_at=None)
    if notice_ids is not None:
        notices = notices.filter(pk__in=list(notice_ids))
    return notices.update(read_at=timezone.now())
