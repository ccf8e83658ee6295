"""What the learning-needs board holds about a member (``community.personal_data``).

Leaving removes the member's "me too" supports (the foreign key does; the need's
count keeps them, as a number). Needs never show who raised them: they stay,
unlinked. Answers are signed: their note goes if the member chose to remove what they
wrote. Survey answers are in the download; leaving unlinks them (``SET_NULL``) and
they stay in the counts, which never showed anyone's.
"""

from community.personal_data import Part, rows

from .models import LearningNeed, NeedAnswer, NeedSupport, SurveyAnswer


def export(user) -> dict[str, list[dict]]:
    return {
        "learning_needs_you_raised": rows(
            LearningNeed.objects.filter(author=user).order_by("created_at"),
            "title",
            "description",
            "state",
            "created_at",
        ),
        "needs_you_supported": rows(
            NeedSupport.objects.filter(user=user), "need__title", "created_at"
        ),
        "answers_you_gave": rows(
            NeedAnswer.objects.filter(answered_by=user).order_by("created_at"),
            "need__title",
            "kind",
            "title",
            "url",
            "note",
            "created_at",
        ),
        "survey_answers_you_gave": rows(
            SurveyAnswer.objects.filter(response__user=user).order_by(
                "response__created_at", "choice__question__position", "choice__position"
            ),
            "response__survey__title",
            "choice__question__text",
            "choice__text",
            "response__created_at",
        ),
    }


def erase(user, remove_named: bool) -> None:
    if remove_named:
        NeedAnswer.objects.filter(answered_by=user).update(note="")


def part() -> Part:
    return Part("connect", export, erase)
