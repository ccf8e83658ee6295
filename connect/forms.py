from django import forms
from django.utils.translation import gettext_lazy as _

from .models import AnswerKind, NeedState


def tag_list(value: str) -> list[str]:
    return [item.strip() for item in (value or "").split(",") if item.strip()][:8]


class NeedForm(forms.Form):
    title = forms.CharField(
        label=_("What do you need help with?"),
        max_length=200,
        help_text=_("e.g. “Auditing neonatal resuscitation”."),
    )
    description = forms.CharField(
        label=_("Tell us more"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_(
            "What you tried, what is hard, what would help. Markdown. "
            "Never include information that could identify a patient."
        ),
    )
    organisation = forms.TypedChoiceField(
        label=_("Raised for"),
        coerce=int,
        empty_value=None,
        required=False,
    )
    tags = forms.CharField(
        label=_("Topics"),
        max_length=300,
        required=False,
        help_text=_("Comma-separated, e.g. “neonatal resuscitation, audit”."),
    )

    def __init__(self, *args, organisations=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.organisations = {org.pk: org for org in organisations}
        self.fields["organisation"].choices = [("", _("Myself"))] + [
            (org.pk, org.name) for org in organisations
        ]

    def clean_organisation(self):
        value = self.cleaned_data.get("organisation")
        return self.organisations.get(value) if value else None

    def clean_tags(self) -> list[str]:
        return tag_list(self.cleaned_data.get("tags", ""))


class TriageForm(forms.Form):
    state = forms.ChoiceField(
        label=_("State"),
        choices=[
            (NeedState.NEW, NeedState.NEW.label),
            (NeedState.PLANNED, NeedState.PLANNED.label),
            (NeedState.DECLINED, NeedState.DECLINED.label),
            (NeedState.DUPLICATE, NeedState.DUPLICATE.label),
        ],
    )
    note = forms.CharField(
        label=_("Note for the members who need this"), max_length=500, required=False
    )
    duplicate_of = forms.IntegerField(
        label=_("Duplicate of need number"), required=False, min_value=1
    )


class AnswerForm(forms.Form):
    kind = forms.ChoiceField(label=_("Answered with"), choices=AnswerKind.choices)
    url = forms.CharField(
        label=_("Link on this site"),
        max_length=500,
        help_text=_("The address of the webinar, resource, case study or discussion."),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=200,
        required=False,
        help_text=_("Leave empty to use the page's own title."),
    )
    note = forms.CharField(label=_("Note"), max_length=500, required=False)
