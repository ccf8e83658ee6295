"""Forms: they read and check input; services do the writing."""

from __future__ import annotations

import datetime

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from community.models import Department, Organisation

from .conf import setting
from .importer import parse_period
from .models import (
    Act,
    ChangeState,
    Indicator,
    PDSACycle,
    Project,
    current_month,
    measurement_errors,
)


class MonthInput(forms.TextInput):
    input_type = "month"

    def format_value(self, value):
        if isinstance(value, datetime.date):
            return value.strftime("%Y-%m")
        return value


class MonthField(forms.Field):
    widget = MonthInput
    default_error_messages = {
        "invalid": _("Give the month as year and month, e.g. 2025-03."),
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime.date):
            return value.replace(day=1)
        month = parse_period(str(value))
        if month is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        return month


class MeasurementForm(forms.Form):
    indicator = forms.ModelChoiceField(
        label=_("Indicator"), queryset=Indicator.objects.active(), empty_label=None
    )
    period = MonthField(label=_("Month"), help_text=_("Year and month, e.g. 2025-03."))
    numerator = forms.IntegerField(
        label=_("Numerator"),
        error_messages={"invalid": _("Enter a whole number, e.g. 12.")},
    )
    denominator = forms.IntegerField(
        label=_("Denominator"),
        error_messages={"invalid": _("Enter a whole number, e.g. 40.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["period"].initial = current_month()
        for name in ("numerator", "denominator"):
            self.fields[name].widget.attrs.update({"min": 0, "inputmode": "numeric"})

    def clean(self):
        data = super().clean()
        for field, message in measurement_errors(
            period=data.get("period"),
            numerator=data.get("numerator"),
            denominator=data.get("denominator"),
        ).items():
            if field not in self.errors:
                self.add_error(field, message)
        return data


class ImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "A DHIS2 pivot-table export or any CSV with the columns org unit, period, "
            "indicator, numerator, denominator. You will see a preview before anything "
            "is saved."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = setting("IMPORT_MAX_BYTES")
        if upload.size > limit:
            raise ValidationError(
                _("The file is larger than %(mb)s MB: split it into smaller files.")
                % {"mb": limit // (1024 * 1024) or 1}
            )
        return upload


class IndicatorForm(forms.ModelForm):
    class Meta:
        model = Indicator
        fields = [
            "code",
            "name",
            "definition",
            "numerator",
            "denominator",
            "unit",
            "multiplier",
            "direction",
            "category",
            "source",
            "active",
        ]
        widgets = {
            "definition": forms.Textarea(attrs={"rows": 4}),
            "numerator": forms.Textarea(attrs={"rows": 2}),
            "denominator": forms.Textarea(attrs={"rows": 2}),
            "source": forms.Textarea(attrs={"rows": 2}),
        }


class ProjectForm(forms.ModelForm):
    aim_by_when = forms.DateField(
        label=_("Aim: by when"), widget=forms.DateInput(attrs={"type": "date"})
    )

    class Meta:
        model = Project
        fields = [
            "title",
            "department",
            "aim_what",
            "aim_how_much",
            "aim_by_when",
            "indicators",
            "background",
            "team",
            "team_note",
        ]
        widgets = {
            "aim_what": forms.Textarea(attrs={"rows": 2}),
            "background": forms.Textarea(attrs={"rows": 5}),
            "indicators": forms.CheckboxSelectMultiple,
            "team": forms.CheckboxSelectMultiple,
        }

    def __init__(self, *args, facility, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.facility_id is None:  # the model's checks need it
            self.instance.facility = facility
        departments = Department.objects.filter(facility=facility)
        if departments.exists():
            self.fields["department"].queryset = departments
            self.fields["department"].empty_label = _("The whole facility")
        else:  # a facility without departments is not asked
            del self.fields["department"]
        self.fields["indicators"].queryset = Indicator.objects.active()
        self.fields["team"].queryset = (
            get_user_model()
            .objects.filter(memberships__organisation=facility, is_active=True)
            .select_related("profile")
            .distinct()
            .order_by("profile__display_name")
        )
        self.fields["team"].label_from_instance = _member_name


def _member_name(user) -> str:
    profile = getattr(user, "profile", None)
    return (profile.display_name if profile else "") or str(_("Member"))


class ChangeIdeaForm(forms.Form):
    title = forms.CharField(label=_("Change idea"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Markdown. What will be different, and for whom."),
    )


class CycleForm(forms.ModelForm):
    """Plan and prediction when a cycle starts; the rest as it goes."""

    started_on = forms.DateField(
        label=_("Started on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ended_on = forms.DateField(
        label=_("Ended on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    act = forms.ChoiceField(
        label=_("Act: what next?"),
        required=False,
        choices=[("", _("Not decided yet")), *Act.choices],
        widget=forms.RadioSelect,
    )

    class Meta:
        model = PDSACycle
        fields = [
            "plan",
            "prediction",
            "started_on",
            "do_notes",
            "study",
            "act",
            "act_reason",
            "ended_on",
        ]
        widgets = {
            "plan": forms.Textarea(attrs={"rows": 3}),
            "prediction": forms.Textarea(attrs={"rows": 2}),
            "do_notes": forms.Textarea(attrs={"rows": 3}),
            "study": forms.Textarea(attrs={"rows": 3}),
            "act_reason": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, starting: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if starting:
            for name in ("do_notes", "study", "act", "act_reason", "ended_on"):
                del self.fields[name]


class StoryForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=300,
        help_text=_("One or two sentences a mother or a neighbour would understand."),
    )
    body = forms.CharField(
        label=_("Story"),
        widget=forms.Textarea(attrs={"rows": 10}),
        help_text=_(
            "Markdown, in plain words: what was wrong, what you changed, what "
            "happened. Never name patients or colleagues."
        ),
    )
    indicator = forms.ModelChoiceField(
        label=_("Run chart to show"), queryset=Indicator.objects.none(), required=False
    )

    def __init__(self, *args, project: Project, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = project.indicators.all()


class RegistryFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    indicator = forms.ModelChoiceField(
        label=_("Indicator"),
        queryset=Indicator.objects.all(),
        required=False,
        to_field_name="code",
        empty_label=_("Any indicator"),
    )
    state = forms.ChoiceField(
        label=_("Decision"),
        required=False,
        choices=[("", _("Any")), *ChangeState.choices],
    )
    district = forms.ModelChoiceField(
        label=_("District"),
        queryset=Organisation.objects.districts(),
        required=False,
        to_field_name="slug",
        empty_label=_("Any district"),
    )


class SpreadForm(forms.Form):
    """Where a change idea is tried next: another department's project."""

    project = forms.ModelChoiceField(
        label=_("Try it in"),
        queryset=Project.objects.none(),
        empty_label=None,
        widget=forms.RadioSelect,
    )

    def __init__(self, *args, projects, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = projects
        self.fields["project"].label_from_instance = _project_label


def _project_label(project) -> str:
    where = project.department.name if project.department else _("whole facility")
    return f"{project.title} ({where})"
