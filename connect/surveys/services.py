"""Every write to surveys: write, open (and send), answer, close, and turn an answer
into a learning need. Each validates and writes inside one transaction."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from community.privacy import people_count
from community.text import render

from .. import permissions as need_permissions
from .. import services as need_services
from ..models import LearningNeed, NeedSupport
from . import permissions
from .models import (
    MAX_CHOICES,
    MAX_QUESTIONS,
    MIN_CHOICES,
    Survey,
    SurveyAnswer,
    SurveyChoice,
    SurveyQuestion,
    SurveyResponse,
    SurveyState,
)


class AlreadyAnswered(Exception):
    pass


@dataclass(frozen=True)
class QuestionDraft:
    text: str
    multiple: bool
    choices: tuple[str, ...]


def _clean_questions(questions: Iterable[QuestionDraft]) -> list[QuestionDraft]:
    cleaned = []
    for number, question in enumerate(questions, start=1):
        text = (question.text or "").strip()
        choices = []
        for choice in question.choices:
            choice = " ".join((choice or "").split())[:200]
            if choice and choice.lower() not in {c.lower() for c in choices}:
                choices.append(choice)
        if not text and not choices:
            continue
        if not text:
            raise ValidationError(
                _("Question %(n)s has answers but no question.") % {"n": number}
            )
        if not MIN_CHOICES <= len(choices) <= MAX_CHOICES:
            raise ValidationError(
                _("Give question %(n)s between %(min)s and %(max)s answers.")
                % {"n": number, "min": MIN_CHOICES, "max": MAX_CHOICES}
            )
        cleaned.append(
            QuestionDraft(text[:300], bool(question.multiple), tuple(choices))
        )
    if not cleaned:
        raise ValidationError(_("Ask at least one question."))
    if len(cleaned) > MAX_QUESTIONS:
        raise ValidationError(
            _("A survey asks at most %(n)s questions.") % {"n": MAX_QUESTIONS}
        )
    return cleaned


@transaction.atomic
def survey_save(
    *,
    by,
    title: str,
    intro: str,
    closes_at,
    questions: Iterable[QuestionDraft],
    survey: Survey | None = None,
) -> Survey:
    """Write a new draft, or rewrite one (a sent survey's questions never change:
    answers already counted would change meaning)."""
    permissions.check_manage(by)
    if survey is not None and survey.state != SurveyState.DRAFT:
        raise ValidationError(_("A survey that was sent cannot be changed."))
    drafts = _clean_questions(questions)
    if closes_at is not None and closes_at <= timezone.now():
        raise ValidationError({"closes_at": _("Choose a closing time in the future.")})
    survey = survey or Survey(created_by=by)
    survey.title = (title or "").strip()
    survey.intro = (intro or "").strip()
    survey.intro_html = render(survey.intro) if survey.intro else ""
    survey.closes_at = closes_at
    survey.full_clean()
    survey.save()
    survey.questions.all().delete()
    for position, draft in enumerate(drafts):
        question = SurveyQuestion.objects.create(
            survey=survey, position=position, text=draft.text, multiple=draft.multiple
        )
        SurveyChoice.objects.bulk_create(
            SurveyChoice(question=question, position=i, text=text)
            for i, text in enumerate(draft.choices)
        )
    return survey


@transaction.atomic
def survey_open(*, survey: Survey, by) -> Survey:
    """Send the survey: it opens for every member, and each is emailed once (after
    commit, in the background, in their language)."""
    permissions.check_manage(by)
    survey = Survey.objects.select_for_update().get(pk=survey.pk)
    if survey.state != SurveyState.DRAFT:
        raise ValidationError(_("This survey was already sent."))
    if survey.closes_at is not None and survey.closes_at <= timezone.now():
        raise ValidationError(
            {"closes_at": _("Its closing time has passed: choose a later one.")}
        )
    if not survey.questions.exists():
        raise ValidationError(_("Ask at least one question."))
    survey.state = SurveyState.OPEN
    survey.opened_at = timezone.now()
    survey.save(update_fields=["state", "opened_at"])

    def send() -> None:
        from .tasks import send_survey_invitations

        send_survey_invitations.enqueue(survey.pk)

    transaction.on_commit(send)
    return survey


@transaction.atomic
def survey_close(*, survey: Survey, by) -> Survey:
    permissions.check_manage(by)
    if survey.state != SurveyState.OPEN:
        raise ValidationError(_("Only an open survey can be closed."))
    survey.state = SurveyState.CLOSED
    survey.closed_at = timezone.now()
    survey.save(update_fields=["state", "closed_at"])
    return survey


@transaction.atomic
def survey_delete(*, survey: Survey, by) -> None:
    permissions.check_manage(by)
    if survey.state != SurveyState.DRAFT:
        raise ValidationError(_("Only a draft can be deleted: answers are kept."))
    survey.delete()


def _where(user):
    facility = need_permissions.support_facility(user)
    if facility is not None:
        return facility, facility.district
    return None, need_services._district_of(user, None)


def survey_answer(*, survey: Survey, user, choices: dict[int, list[int]]):
    """Record one member's answers: ``{question id: [choice ids]}``. Every question is
    answered, one choice each unless it allows several; twice counts once
    (``AlreadyAnswered``), however close together the two arrive."""
    if not permissions.can_answer(user, survey):
        raise PermissionDenied(_("This survey is closed."))
    questions = list(survey.questions.prefetch_related("choices"))
    picked: list[int] = []
    errors = {}
    for question in questions:
        valid = {choice.pk for choice in question.choices.all()}
        chosen = [
            pk for pk in dict.fromkeys(choices.get(question.pk, [])) if pk in valid
        ]
        if not chosen:
            errors[f"q{question.pk}"] = _("Choose an answer.")
        elif len(chosen) > 1 and not question.multiple:
            errors[f"q{question.pk}"] = _("Choose one answer.")
        picked.extend(chosen)
    if errors:
        raise ValidationError(errors)
    facility, district = _where(user)
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                survey=survey, user=user, facility=facility, district=district
            )
            SurveyAnswer.objects.bulk_create(
                SurveyAnswer(response=response, choice_id=pk) for pk in picked
            )
            Survey.objects.filter(pk=survey.pk).update(
                response_count=F("response_count") + 1
            )
    except IntegrityError as error:
        raise AlreadyAnswered from error
    return response


def own_answers(survey: Survey, user) -> dict[int, set[int]] | None:
    """What this member answered (``{question id: {choice ids}}``), for them alone."""
    if not getattr(user, "is_authenticated", False):
        return None
    response = SurveyResponse.objects.filter(survey=survey, user=user).first()
    if response is None:
        return None
    answers: dict[int, set[int]] = {}
    for question_id, choice_id in SurveyAnswer.objects.filter(
        response=response
    ).values_list("choice__question_id", "choice_id"):
        answers.setdefault(question_id, set()).add(choice_id)
    return answers


def need_summary(choice: SurveyChoice) -> dict:
    """What the national team reads before turning an answer into a need: how many
    members and facilities chose it, small counts as "a few"."""
    answers = SurveyAnswer.objects.filter(choice=choice)
    members = answers.count()
    facilities = (
        answers.exclude(response__facility=None)
        .values("response__facility")
        .distinct()
        .count()
    )
    return {"members": people_count(members), "facilities": facilities}


@transaction.atomic
def need_from_choice(
    *, choice: SurveyChoice, by, title: str, description: str, tags: Iterable[str] = ()
) -> LearningNeed:
    """A cluster of answers becomes a learning need: the members who chose the answer
    are its supporters (counted once per facility, never listed), so they are told
    when it is planned and answered, like anyone who said "we need this too"."""
    permissions.check_manage(by)
    choice = SurveyChoice.objects.select_for_update().get(pk=choice.pk)
    if choice.need_id is not None:
        raise ValidationError(_("This answer is already a learning need."))
    need = need_services.new_need(
        author=by, title=title, description=description, tags=tags
    )
    NeedSupport.objects.bulk_create(
        [
            NeedSupport(
                need=need,
                user_id=user_id,
                facility_id=facility_id,
                district_id=district_id,
            )
            for user_id, facility_id, district_id in SurveyResponse.objects.filter(
                answers__choice=choice, user__is_active=True
            )
            .values_list("user_id", "facility_id", "district_id")
            .distinct()
        ],
        ignore_conflicts=True,
    )
    need_services.recount(need)
    choice.need = need
    choice.save(update_fields=["need"])
    return need
