from decimal import Decimal, InvalidOperation

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Outcome, Setting

OUTCOME_WORDS = {
    "worked": Outcome.WORKED,
    "adapted": Outcome.ADAPTED,
    "did not work": Outcome.DID_NOT_WORK,
    "did_not_work": Outcome.DID_NOT_WORK,
}


class SubscribeForm(forms.Form):
    email = forms.EmailField(label=_("Your email address"), max_length=254)


class PreferencesForm(forms.Form):
    newsletter = forms.BooleanField(
        label=_("Send me the newsletter"),
        required=False,
        help_text=_("About once a month: new tools, case studies and events."),
    )


class CaseStudyForm(forms.Form):
    """Plain fields a facility team can fill in on a phone; editors polish the rest."""

    facility = forms.ModelChoiceField(queryset=None, label=_("Facility"))
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Two or three sentences: what changed and what happened."),
    )
    facility_type = forms.CharField(
        label=_("Type of facility"), max_length=120, help_text=_("e.g. Health centre")
    )
    setting = forms.ChoiceField(
        label=_("Setting"), choices=[("", "—"), *Setting.choices], required=False
    )
    population = forms.CharField(
        label=_("Population served"),
        max_length=600,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    problem = forms.CharField(
        label=_("The problem"), widget=forms.Textarea(attrs={"rows": 4})
    )
    how_found = forms.CharField(
        label=_("How you found it"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    root_cause_tools = forms.CharField(
        label=_("Root-cause tools used"),
        max_length=255,
        required=False,
        help_text=_("e.g. Fishbone diagram, five whys"),
    )
    changes = forms.CharField(
        label=_("Changes you tried"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "One a line: change | worked, adapted or did not work | why. "
            "e.g. Wall chart for temperatures | worked | everyone could see it"
        ),
    )
    indicator = forms.CharField(
        label=_("What you measured"), max_length=200, required=False
    )
    unit = forms.CharField(label=_("Unit"), max_length=20, required=False, initial="%")
    results = forms.CharField(
        label=_("Results"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One period a line: period | value. e.g. 2024 Q1 | 62"),
    )
    lessons = forms.CharField(
        label=_("Lessons and advice"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    contacts = forms.CharField(
        label=_("Who others can contact"),
        max_length=600,
        required=False,
        help_text=_("A role and a work address. Never a patient's details."),
    )
    tags = forms.CharField(
        label=_("Topics"),
        max_length=300,
        required=False,
        help_text=_("Comma-separated, e.g. postpartum haemorrhage, referral"),
    )

    def __init__(self, *args, facilities=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["facility"].queryset = facilities

    def clean_changes(self):
        rows = []
        for number, line in enumerate(self.cleaned_data["changes"].splitlines(), 1):
            if not line.strip():
                continue
            parts = [p.strip() for p in line.split("|")]
            description = parts[0][:300]
            outcome = OUTCOME_WORDS.get(parts[1].lower() if len(parts) > 1 else "")
            if not description or outcome is None:
                raise forms.ValidationError(
                    _(
                        "Line %(n)s: write the change, then worked, adapted or did not work."
                    )
                    % {"n": number}
                )
            rows.append((description, outcome, parts[2] if len(parts) > 2 else ""))
        if not rows:
            raise forms.ValidationError(_("Describe at least one change you tried."))
        return rows

    def clean_results(self):
        rows = []
        for number, line in enumerate(self.cleaned_data["results"].splitlines(), 1):
            if not line.strip():
                continue
            period, _sep, value = (p.strip() for p in line.partition("|"))
            try:
                amount = Decimal(value.replace(",", "."))
            except InvalidOperation:
                raise forms.ValidationError(
                    _("Line %(n)s: write the period, a bar, then a number.")
                    % {"n": number}
                ) from None
            if not period or not amount.is_finite():
                raise forms.ValidationError(
                    _("Line %(n)s: write the period, a bar, then a number.")
                    % {"n": number}
                )
            rows.append((period[:40], amount))
        return rows

    def clean_tags(self):
        return [t.strip() for t in self.cleaned_data["tags"].split(",") if t.strip()][
            :8
        ]


class TagRenameForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    slug = forms.SlugField(label=_("Slug"), max_length=100, allow_unicode=True)


class TagMergeForm(forms.Form):
    into = forms.ModelChoiceField(
        queryset=None,
        label=_("Keep this tag"),
        help_text=_("Every use of the tags below moves here; they are then deleted."),
    )
    sources = forms.ModelMultipleChoiceField(
        queryset=None,
        label=_("Merge these tags into it"),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, tags=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["into"].queryset = tags
        self.fields["sources"].queryset = tags

    def clean(self):
        cleaned = super().clean()
        into, sources = cleaned.get("into"), cleaned.get("sources")
        if into and sources and into in sources:
            raise forms.ValidationError(_("A tag cannot be merged into itself."))
        return cleaned
