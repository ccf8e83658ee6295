"""What events and exchange visits hold about a member (``community.personal_data``).

Leaving removes registrations and question votes (the foreign keys do). Named
questions and comments on visit reports are deleted if the member chose to remove
what they wrote; anonymous questions stay, unlinked. Visit requests, their steps and
learning reports are the facilities' shared record: they stay under "Former member".
"""

from community.personal_data import Part, rows

from .models import Question, QuestionVote, Registration
from .visits.models import ExchangeVisit, LearningReport, ReportComment, VisitTransition


def export(user) -> dict[str, list[dict]]:
    return {
        "registrations": rows(
            Registration.objects.filter(user=user).order_by("created"),
            "event__title",
            "event__starts_at",
            "status",
            "attended",
            "created",
        ),
        "questions_you_asked": rows(
            Question.objects.filter(author=user).order_by("created"),
            "event__title",
            "anonymous",
            "body",
            "answered_at",
            "created",
        ),
        "question_votes": rows(
            QuestionVote.objects.filter(user=user), "question__body", "created"
        ),
        "exchange_visits_you_requested": rows(
            ExchangeVisit.objects.filter(requested_by=user).order_by("created"),
            "visiting__name",
            "host__name",
            "objectives",
            "state",
            "starts_at",
            "ends_at",
            "created",
        ),
        "exchange_visit_steps": rows(
            VisitTransition.objects.filter(by=user).order_by("created"),
            "visit__host__name",
            "action",
            "note",
            "created",
        ),
        "learning_reports": rows(
            LearningReport.objects.filter(author=user).order_by("created"),
            "visit__host__name",
            "saw",
            "will_try",
            "contacts",
            "published_at",
            "created",
        ),
        "report_comments": rows(
            ReportComment.objects.filter(author=user).order_by("created"),
            "report__visit__host__name",
            "body",
            "created",
        ),
    }


def erase(user, remove_named: bool) -> None:
    if remove_named:
        Question.objects.filter(author=user, anonymous=False).delete()
        ReportComment.objects.filter(author=user).delete()


def part() -> Part:
    return Part("events", export, erase)
