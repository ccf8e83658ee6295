"""Webinar questions, registered with the generic moderation app the way forums
registers its posts: attendees flag them, the queue links back to the live session,
and a sanction reaches "the author of this question" without showing who it is.
Registered in ``EventsConfig.ready``."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from moderation.registry import ModerationAdapter, register

from . import permissions, services
from .models import Question


class QuestionAdapter(ModerationAdapter):
    def author(self, obj: Question):
        return obj.author

    def scope(self, obj: Question):
        """An event that takes anonymous questions is a safe space: as in a safe forum
        space, nobody in the asker's chain of command moderates it."""
        event = obj.event
        return event.organiser, bool(obj.anonymous or event.allow_anonymous_questions)

    def excerpt(self, obj: Question) -> str:
        return obj.body

    def alias_place(self, obj: Question):
        # Anonymous questions carry no alias: nothing else is public under it.
        return obj

    def area(self, obj: Question):
        return obj.event

    def url(self, obj: Question) -> str:
        return reverse("events:live", args=[obj.event_id]) + f"#q{obj.pk}"

    def can_view(self, user, obj: Question) -> bool:
        return permissions.can_view_question(user, obj)

    def is_hidden(self, obj: Question) -> bool:
        return obj.hidden

    def hide(self, obj: Question) -> None:
        services.question_moderation_set_hidden(question=obj, hidden=True)

    def restore(self, obj: Question) -> None:
        services.question_moderation_set_hidden(question=obj, hidden=False)

    def delete(self, obj: Question) -> None:
        # As for chat messages: removed from every page, kept for the audit trail
        # (a moderator can still restore it).
        services.question_moderation_set_hidden(question=obj, hidden=True)

    def edit(self, obj: Question, *, body: str) -> None:
        services.question_moderation_edit(question=obj, body=body)

    def label(self, obj: Question) -> str:
        return _("question")

    def place_name(self, obj: Question) -> str:
        return obj.event.title


register(Question, QuestionAdapter())
