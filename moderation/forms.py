from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Action, FlagReason, Outcome


class FlagForm(forms.Form):
    reason = forms.ChoiceField(
        label=_("What is wrong?"), choices=FlagReason.choices, widget=forms.RadioSelect
    )
    text = forms.CharField(
        label=_("Anything the moderators should know (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean(self):
        cleaned = super().clean()
        if (
            cleaned.get("reason") == FlagReason.OTHER
            and not cleaned.get("text", "").strip()
        ):
            self.add_error("text", _("Tell the moderators what is wrong."))
        return cleaned


# What each sanction does when the content is anonymous: it reaches only the alias.
ALIAS_ACTION_LABELS = {
    Action.WARN: _("Warn the author (privately)"),
    Action.MUTE: _("Pause the author's anonymous chat here"),
    Action.SUSPEND: _("Pause the author's anonymous posting in this space"),
    Action.REQUIRE_REVIEW: _("Review this alias's next posts here"),
}


class DecisionForm(forms.Form):
    action = forms.ChoiceField(label=_("Decision"), choices=Action.choices)
    reason = forms.CharField(
        label=_("Reason (goes in the audit log and, for the author, in their notice)"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    body = forms.CharField(
        label=_("New text (for “edit with a reason”)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    days = forms.IntegerField(
        label=_("For how many days (mute, suspension, review)"),
        required=False,
        min_value=1,
        max_value=365,
    )
    outcome = forms.ChoiceField(
        label=_("With a warning, mute, suspension or review: the content itself"),
        choices=[
            ("", _("Leave it as it is now")),
            (Outcome.SHOWN, _("Show it")),
            (Outcome.HIDDEN, _("Hide it")),
        ],
        required=False,
        help_text=_(
            "Every decision closes this item. A sanction then runs on its own for its "
            "days. The author gets a note saying what happened and why."
        ),
    )

    def __init__(self, *args, anonymous: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if anonymous:
            self.fields["action"].choices = [
                (value, ALIAS_ACTION_LABELS.get(value, label))
                for value, label in Action.choices
            ]

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("action") == Action.EDIT and not cleaned.get("body", "").strip():
            self.add_error("body", _("An edit needs the new text."))
        return cleaned
