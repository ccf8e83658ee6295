"""Forms only validate input; the services do the writing. A form that fails keeps
what the member typed (it is bound to the POST data)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .conf import setting
from .models import Digest, Outcome, ThreadKind
from .polls import DURATIONS

BODY_HELP = _(
    "Markdown works: **bold**, *italic*, lists, > quotes. To mention a member, type @ "
    "and their name (@Amina Uwase) and pick them from the list, or paste the link to "
    "their page. Never include anything that could identify a patient."
)


def _tags(value: str) -> list[str]:
    return [t.strip() for t in (value or "").split(",") if t.strip()][:10]


class OutboxIdField(forms.UUIDField):
    """Filled in by the page's outbox script (empty without JavaScript): the same id
    sent twice makes one post."""

    widget = forms.HiddenInput

    def __init__(self, **kwargs):
        super().__init__(required=False, **kwargs)


class ThreadForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(
        label=_("Kind"), choices=ThreadKind.choices, initial=ThreadKind.DISCUSSION
    )
    outcome = forms.ChoiceField(
        label=_("Outcome (change stories)"),
        choices=[("", _("—"))] + list(Outcome.choices),
        required=False,
    )
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=BODY_HELP,
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=300,
        help_text=_("Comma-separated, e.g. “newborn care, hand hygiene”."),
    )
    anonymous = forms.BooleanField(
        label=_("Post anonymously (nobody will see that it was you)"), required=False
    )
    client_id = OutboxIdField()

    def __init__(self, *args, allow_anonymous: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].max_length = setting("MAX_BODY_LENGTH")
        if not allow_anonymous:
            del self.fields["anonymous"]
        else:
            # In a safe space, posting under one's name is the choice to make,
            # never the accident (the page says so beside the box).
            self.fields["anonymous"].initial = True

    def clean_tags(self) -> list[str]:
        return _tags(self.cleaned_data.get("tags", ""))

    def clean(self):
        data = super().clean()
        if data.get("kind") == ThreadKind.CHANGE_STORY and not data.get("outcome"):
            self.add_error("outcome", _("Say whether the change worked."))
        if data.get("kind") != ThreadKind.CHANGE_STORY:
            data["outcome"] = ""
        return data


class ThreadEditForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        choices=[("", _("—"))] + list(Outcome.choices),
        required=False,
    )
    tags = forms.CharField(label=_("Tags"), required=False, max_length=300)

    def __init__(self, *args, change_story: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not change_story:
            del self.fields["outcome"]
        else:
            self.fields["outcome"].required = True

    def clean_tags(self) -> list[str]:
        return _tags(self.cleaned_data.get("tags", ""))


class ReplyForm(forms.Form):
    body = forms.CharField(
        label=_("Your reply"),
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=BODY_HELP,
    )
    anonymous = forms.BooleanField(
        label=_("Reply anonymously (nobody will see that it was you)"),
        required=False,
    )
    client_id = OutboxIdField()

    def __init__(self, *args, allow_anonymous: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["body"].max_length = setting("MAX_BODY_LENGTH")
        if not allow_anonymous:
            del self.fields["anonymous"]
        else:
            # In a safe space, posting under one's name is the choice to make,
            # never the accident (the page says so beside the box).
            self.fields["anonymous"].initial = True


class PostEditForm(forms.Form):
    body = forms.CharField(
        label=_("Message"),
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=BODY_HELP,
    )


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email address of the member to invite"))


class PreferencesForm(forms.Form):
    email_reply = forms.BooleanField(
        label=_("Email me replies to my threads"), required=False
    )
    email_mention = forms.BooleanField(
        label=_("Email me when someone mentions me"), required=False
    )
    email_answer = forms.BooleanField(
        label=_("Email me when my reply is marked as the answer"), required=False
    )
    email_message = forms.BooleanField(
        label=_("Email me when a private message waits for me"), required=False
    )
    digest = forms.ChoiceField(
        label=_("Digest of new threads in spaces I follow"), choices=Digest.choices
    )


class PollForm(forms.Form):
    question = forms.CharField(label=_("Question"), max_length=200)
    choices = forms.CharField(
        label=_("Answers"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("One answer per line, two to eight."),
    )
    duration = forms.ChoiceField(label=_("Open for"), required=False, choices=DURATIONS)

    def clean_choices(self) -> list[str]:
        return self.cleaned_data["choices"].splitlines()
