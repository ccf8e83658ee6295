"""Every moderation write: flags, holds, decisions, sanctions and notices.

Each decision writes an audit row about the content. Sanctions reach the author's account
through the content's adapter; nothing returned or shown names that account.
"""

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import notices, permissions, policy, ratelimit
from .conf import setting
from .models import (
    SANCTION_ACTIONS,
    Action,
    Case,
    CaseReason,
    CaseStatus,
    Decision,
    Flag,
    Notice,
    Outcome,
    Sanction,
    SanctionKind,
)
from .registry import adapter_for
from .tasks import send_notice_email

EXCERPT_LENGTH = 600


def _ref(content) -> dict:
    return {
        "content_type": ContentType.objects.get_for_model(
            content, for_concrete_model=True
        ),
        "object_id": content.pk,
    }


def _excerpt(content) -> str:
    return adapter_for(content).excerpt(content)[:EXCERPT_LENGTH]


def open_case(content) -> Case | None:
    return (
        Case.objects.exclude(status=CaseStatus.RESOLVED).filter(**_ref(content)).first()
    )


def _case_for(content, reason: str) -> Case:
    case = open_case(content)
    if case is None:
        case = Case.objects.create(
            reason=reason, excerpt=_excerpt(content), **_ref(content)
        )
    return case


def notice_send(*, user, text: str, url: str = "") -> Notice:
    """A private note to a member (also by email, after commit)."""
    notice = Notice.objects.create(user=user, text=text, url=url)
    transaction.on_commit(lambda: send_notice_email.enqueue(notice_id=notice.pk))
    return notice


@transaction.atomic
def flag_create(
    *, content, flagger, reason: str, text: str = "", ip: str | None = None
) -> Flag:
    """Record a flag; past the threshold the content is hidden pending review."""
    permissions.check_flag(flagger, content)
    ratelimit.hit("flag", user=flagger, ip=ip)
    case = _case_for(content, CaseReason.FLAGGED)
    try:
        with transaction.atomic():
            flag = Flag.objects.create(
                case=case,
                flagger=flagger,
                reason=reason,
                text=text[:500],
                weight=policy.flag_weight(
                    flagger, safe_space=adapter_for(content).scope(content)[1]
                ),
                **_ref(content),
            )
    except IntegrityError:
        # One flag per member per item: a second one changes nothing.
        return Flag.objects.get(flagger=flagger, **_ref(content))
    case.score += flag.weight
    case.save(update_fields=["score"])
    adapter = adapter_for(content)
    if case.status == CaseStatus.OPEN and case.score >= setting("HIDE_THRESHOLD"):
        case.status = CaseStatus.HELD
        case.save(update_fields=["status"])
        if not adapter.is_hidden(content):
            adapter.hide(content)
        author = adapter.author(content)
        if author is not None:
            if adapter.resubmit_by_editing:
                text = _(
                    "Members flagged your %(what)s (%(reason)s), so it is hidden until a "
                    "moderator reviews it. You can edit it to resubmit it for review."
                )
            else:
                text = _(
                    "Members flagged your %(what)s (%(reason)s), so it is hidden until a "
                    "moderator reviews it."
                )
            notice_send(
                user=author,
                text=text
                % {
                    "what": adapter.label(content),
                    "reason": flag.get_reason_display().lower(),
                },
                url=adapter.url(content),
            )
    return flag


@transaction.atomic
def content_screen(*, content, author, text: str) -> Case | None:
    """Call right after creating content: hold it for review when the policy says so."""
    adapter = adapter_for(content)
    anonymous = adapter.is_anonymous(content)
    reason = policy.hold_reason(
        author=author,
        text=text,
        anonymous=anonymous,
        place=adapter.alias_place(content) if anonymous else None,
    )
    if reason is None:
        return None
    adapter.hide(content)
    case = _case_for(content, reason)
    case.status = CaseStatus.HELD
    case.save(update_fields=["status"])
    messages = {
        CaseReason.PATIENT_PATTERN: _(
            "Your %(what)s may contain information that identifies a patient (such as a "
            "phone or record number), so a moderator will review it before it appears."
        ),
        CaseReason.NEW_MEMBER_LINKS: _(
            "Welcome! New members' first posts with links are reviewed before they "
            "appear; a moderator will look at your %(what)s soon."
        ),
        CaseReason.REVIEW_REQUIRED: _(
            "A moderator reviews your posts for now; your %(what)s will appear once reviewed."
        ),
        CaseReason.ALIAS_REVIEW: _(
            "A moderator reviews your anonymous posts here for now; your %(what)s "
            "will appear once reviewed."
        ),
    }
    notice_send(
        user=author,
        text=messages[reason] % {"what": adapter.label(content)},
        url=adapter.url(content),
    )
    return case


@transaction.atomic
def content_resubmit(*, content, author, text: str) -> Case | None:
    """After the author edits hidden content, it goes back in the queue, still hidden,
    at the back of the line: a moderator keeps (restores) or hides it again."""
    case = open_case(content)
    if case is None:
        if not adapter_for(content).is_hidden(content):
            return content_screen(content=content, author=author, text=text)
        case = _case_for(content, CaseReason.RESUBMITTED)
    case.excerpt = _excerpt(content)
    case.created = timezone.now()
    case.status = CaseStatus.HELD
    case.save(update_fields=["excerpt", "created", "status"])
    return case


def _resolve(case: Case | None) -> None:
    if case is not None and case.status != CaseStatus.RESOLVED:
        case.status = CaseStatus.RESOLVED
        case.resolved_at = timezone.now()
        case.save(update_fields=["status", "resolved_at"])


@transaction.atomic
def decision_make(
    *,
    content,
    moderator,
    action: str,
    reason: str,
    body: str = "",
    days: int | None = None,
    outcome: str = "",
) -> Decision:
    """Keep, hide, restore, edit or delete content, or sanction its author.

    Every decision closes the content's case. A sanction is about the author, so it
    also says what happens to the content (``outcome``: shown or hidden; by default
    as it is now), and then goes on for its days on its own.
    """
    permissions.check_moderate(moderator, content)
    if not reason.strip():
        raise ValueError(_("Give a reason: it goes in the audit log."))
    if action == Action.EDIT and not body.strip():
        raise ValueError(_("An edit needs the new text."))
    if action not in Action.values:
        raise ValueError(f"unknown action {action!r}")
    adapter = adapter_for(content)
    case = open_case(content)
    sanction_decided = action in SANCTION_ACTIONS
    if not sanction_decided:
        outcome = ""  # the action itself says what happens to the content
    elif not outcome:
        outcome = Outcome.HIDDEN if adapter.is_hidden(content) else Outcome.SHOWN
    decision = Decision.objects.create(
        moderator=moderator,
        action=action,
        reason=reason.strip(),
        case=case,
        excerpt=adapter_for(content).audit_excerpt(content)[:EXCERPT_LENGTH],
        days=days,
        outcome=outcome,
        **_ref(content),
    )
    if action in (Action.KEEP, Action.RESTORE) or outcome == Outcome.SHOWN:
        if adapter.is_hidden(content):
            adapter.restore(content)
    elif action == Action.HIDE:
        adapter.hide(content)
    elif action == Action.EDIT:
        adapter.edit(content, body=body)
        if adapter.is_hidden(content):
            adapter.restore(content)
    elif action == Action.DELETE:
        adapter.delete(content)
    elif outcome == Outcome.HIDDEN and not adapter.is_hidden(content):
        adapter.hide(content)
    _resolve(case)
    sanction = (
        _sanction(content=content, adapter=adapter, decision=decision, days=days)
        if sanction_decided
        else None
    )
    if sanction_decided or action in (Action.HIDE, Action.EDIT, Action.DELETE):
        _tell_author(content, adapter, decision, sanction)
    return decision


def _tell_author(content, adapter, decision: Decision, sanction) -> None:
    """What happened, to the author only, in their language (see ``notices``)."""
    author = adapter.author(content)
    if author is None:
        return
    with notices.in_language_of(author):
        text = notices.decision_text(
            adapter=adapter, content=content, decision=decision, sanction=sanction
        )
    notice_send(
        user=author,
        text=text,
        url=notices.decision_url(adapter=adapter, content=content, decision=decision),
    )


SANCTION_KIND = {
    Action.WARN: SanctionKind.WARNING,
    Action.MUTE: SanctionKind.MUTE,
    Action.SUSPEND: SanctionKind.SUSPENSION,
    Action.REQUIRE_REVIEW: SanctionKind.REVIEW,
}
DEFAULT_DAYS = {Action.MUTE: 1, Action.SUSPEND: 7, Action.REQUIRE_REVIEW: 30}


def _sanction_scope(content, adapter, kind: str) -> dict:
    """Where a sanction decided on this content acts.

    Named content: the whole account. Anonymous content: only the author's anonymous
    content, in the alias's own thread or room for a review (whose held posts the queue
    shows, so it may show only what already carries that alias), and in the space for
    a suspension or mute (which only the author ever notices).
    """
    if not adapter.is_anonymous(content):
        return {"alias_only": False}
    place = (
        adapter.alias_place(content)
        if kind == SanctionKind.REVIEW
        else adapter.area(content)
    )
    return {
        "alias_only": True,
        "scope_type": ContentType.objects.get_for_model(place, for_concrete_model=True),
        "scope_id": place.pk,
    }


def _sanction(
    *, content, adapter, decision: Decision, days: int | None
) -> Sanction | None:
    author = adapter.author(content)
    if author is None:
        return None
    kind = SANCTION_KIND[decision.action]
    days = days or DEFAULT_DAYS.get(decision.action)
    ends = timezone.now() + timedelta(days=days) if days else None
    scope = _sanction_scope(content, adapter, kind)
    sanction = Sanction.objects.create(
        user=author, kind=kind, decision=decision, ends=ends, **scope
    )
    if decision.days != days:
        decision.days = days
        decision.save(update_fields=["days"])
    return sanction


def notices_mark_read(*, user) -> int:
    return Notice.objects.filter(user=user, read=False).update(read=True)
