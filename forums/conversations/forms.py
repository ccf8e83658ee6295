"""The forms of private conversations: every field works without JavaScript."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from community.mentions import fold, mentionable

from ..chat import MAX_LENGTH


def members_named(text: str) -> list:
    """Each line one member, found by their name as mentions find it: a name nobody
    has, or more than one member has, is pointed out."""
    lines = [line.strip().lstrip("@") for line in text.splitlines()]
    lines = [line for line in lines if line]
    found, unknown, shared = [], [], []
    for line in lines[:20]:
        matches = list(
            mentionable().filter(mention_key=fold(line)).select_related("user")[:2]
        )
        if not matches:
            unknown.append(line)
        elif len(matches) > 1:
            shared.append(line)
        else:
            found.append(matches[0].user)
    errors = []
    if unknown:
        errors.append(
            _("No member is called %(names)s.") % {"names": ", ".join(unknown)}
        )
    if shared:
        errors.append(
            _(
                "More than one member is called %(names)s: start from their "
                "profile page instead."
            )
            % {"names": ", ".join(shared)}
        )
    if errors:
        raise forms.ValidationError(errors)
    return found


NAMES_HELP = _("Their names as the site shows them, one per line.")


class MessageForm(forms.Form):
    body = forms.CharField(
        label=_("Your message"),
        max_length=MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    client_id = forms.UUIDField(widget=forms.HiddenInput)


class StartForm(MessageForm):
    names = forms.CharField(
        label=_("Add people"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=NAMES_HELP,
    )

    field_order = ["names", "body", "client_id"]

    def __init__(self, *args, chosen=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.chosen = list(chosen)

    def clean_names(self) -> list:
        return members_named(self.cleaned_data["names"])

    def clean(self):
        data = super().clean()
        if not self.errors and not (self.chosen or data.get("names")):
            self.add_error("names", _("Choose at least one member to write to."))
        return data


class AddPeopleForm(forms.Form):
    names = forms.CharField(
        label=_("Add people"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=NAMES_HELP,
    )

    def clean_names(self) -> list:
        found = members_named(self.cleaned_data["names"])
        if not found:
            raise forms.ValidationError(_("Choose at least one member to write to."))
        return found
