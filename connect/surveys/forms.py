import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import MAX_CHOICES, MAX_QUESTIONS, MIN_CHOICES, Survey
from .services import QuestionDraft


class SurveyForm(forms.Form):
    """A survey and up to six questions, on one page that works without JavaScript:
    empty question slots are skipped."""

    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        help_text=_("e.g. “What would help your team most this year?”"),
    )
    intro = forms.CharField(
        label=_("Introduction"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Why you ask and what you will do with the answers. Markdown."),
    )
    closes_on = forms.DateField(
        label=_("Closes on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("Leave empty to close it yourself."),
    )

    def __init__(self, *args, survey: Survey | None = None, **kwargs):
        bound = bool(args and args[0] is not None) or kwargs.get("data") is not None
        if survey is not None and not bound and not kwargs.get("initial"):
            kwargs["initial"] = self.initial_for(survey)
        super().__init__(*args, **kwargs)
        for number in range(1, MAX_QUESTIONS + 1):
            self.fields[f"q{number}_text"] = forms.CharField(
                label=_("Question"), max_length=300, required=False
            )
            self.fields[f"q{number}_choices"] = forms.CharField(
                label=_("Answers"),
                required=False,
                widget=forms.Textarea(attrs={"rows": 4}),
                help_text=_("One answer per line, %(min)s to %(max)s.")
                % {"min": MIN_CHOICES, "max": MAX_CHOICES},
            )
            self.fields[f"q{number}_multiple"] = forms.BooleanField(
                label=_("Members may choose several answers"), required=False
            )

    @staticmethod
    def initial_for(survey: Survey) -> dict:
        initial = {
            "title": survey.title,
            "intro": survey.intro,
            "closes_on": timezone.localtime(survey.closes_at).date()
            if survey.closes_at
            else None,
        }
        for number, question in enumerate(
            survey.questions.prefetch_related("choices"), start=1
        ):
            initial[f"q{number}_text"] = question.text
            initial[f"q{number}_multiple"] = question.multiple
            initial[f"q{number}_choices"] = "\n".join(
                choice.text for choice in question.choices.all()
            )
        return initial

    @property
    def survey_fields(self):
        return [self[name] for name in ("title", "intro", "closes_on")]

    @property
    def question_groups(self):
        return [
            (
                number,
                self[f"q{number}_text"],
                self[f"q{number}_choices"],
                self[f"q{number}_multiple"],
            )
            for number in range(1, MAX_QUESTIONS + 1)
        ]

    def clean_closes_on(self):
        day = self.cleaned_data.get("closes_on")
        if day is None:
            return None
        closes_at = timezone.make_aware(
            datetime.datetime.combine(day, datetime.time(23, 59))
        )
        if closes_at <= timezone.now():
            raise forms.ValidationError(_("Choose a day from today on."))
        return closes_at

    def questions(self) -> list[QuestionDraft]:
        data = self.cleaned_data
        return [
            QuestionDraft(
                text=data.get(f"q{number}_text", ""),
                multiple=bool(data.get(f"q{number}_multiple")),
                choices=tuple((data.get(f"q{number}_choices") or "").splitlines()),
            )
            for number in range(1, MAX_QUESTIONS + 1)
        ]


class NeedFromChoiceForm(forms.Form):
    title = forms.CharField(label=_("Title of the learning need"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Markdown. Members who chose this answer will read it."),
    )
    tags = forms.CharField(
        label=_("Topics"),
        max_length=300,
        required=False,
        help_text=_("Comma-separated, e.g. “neonatal resuscitation, audit”."),
    )

    def clean_tags(self) -> list[str]:
        from ..forms import tag_list

        return tag_list(self.cleaned_data.get("tags", ""))
