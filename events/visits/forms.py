"""Forms for exchange visits. They only read input; the rules live in ``permissions``
and ``services``."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from community import zones
from community.models import Level, Organisation, validate_timezone

from .models import PHOTO_EXTENSIONS, PHOTO_MAX_BYTES
from .permissions import pairing_facilities, requesting_facilities


def _zone_of(user) -> str:
    """Dates are typed in the organiser's own zone to start with (the one they read
    times in, ``community.zones``), not UTC."""
    return str(zones.reader_zone(user))


class DatesForm(forms.Form):
    """A day, a start and an end time, in a time zone: stored in UTC."""

    date = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"})
    )
    start_time = forms.TimeField(
        label=_("From"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    end_time = forms.TimeField(
        label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    timezone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        validators=[validate_timezone],
        help_text=_("The host's local zone, e.g. Africa/Nairobi."),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        if user is not None and not self.is_bound:
            self.fields["timezone"].initial = _zone_of(user)

    def clean(self):
        data = super().clean()
        day, start, end, zone = (
            data.get("date"),
            data.get("start_time"),
            data.get("end_time"),
            data.get("timezone"),
        )
        if day and start and end and zone:
            tz = ZoneInfo(zone)
            data["starts_at"] = datetime.datetime.combine(day, start, tzinfo=tz)
            data["ends_at"] = datetime.datetime.combine(day, end, tzinfo=tz)
            if data["ends_at"] <= data["starts_at"]:
                self.add_error("end_time", _("The visit must end after it starts."))
        return data


class VisitRequestForm(DatesForm):
    visiting = forms.ModelChoiceField(
        label=_("Visiting facility"),
        queryset=Organisation.objects.none(),
        help_text=_("The team that comes to learn."),
    )
    host = forms.ModelChoiceField(
        label=_("Host facility"),
        queryset=Organisation.objects.filter(level=Level.FACILITY)
        .select_related("parent")
        .order_by("parent__name", "name"),
        help_text=_("The facility you want to learn from."),
    )
    objectives = forms.CharField(
        label=_("Learning objectives"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "What you want to learn, e.g. “how you cut waiting time in labour ward”."
        ),
    )
    field_order = ["visiting", "host", "objectives", "date", "start_time", "end_time"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        own = requesting_facilities(user)
        paired = pairing_facilities(user)
        self.fields["visiting"].queryset = (
            (own | paired).distinct().select_related("parent").order_by("name")
        )
        if own.count() == 1 and not self.is_bound:
            self.fields["visiting"].initial = own.first().pk
        self.fields["host"].label_from_instance = lambda org: (
            f"{org.name} ({org.parent.name})" if org.parent else org.name
        )

    def clean(self):
        data = super().clean()
        if data.get("visiting") and data.get("host") == data["visiting"]:
            self.add_error("host", _("Choose another facility than your own."))
        return data


class DeclineForm(forms.Form):
    note = forms.CharField(
        label=_("Why not?"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("They will read this; it helps them plan otherwise."),
    )


class CounterForm(DatesForm):
    note = forms.CharField(
        label=_("A word with the new dates"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReportForm(forms.Form):
    saw = forms.CharField(
        label=_("What we saw"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Markdown. How they do it, what makes it work."),
    )
    will_try = forms.CharField(
        label=_("What we will try"),
        max_length=8000,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    contacts = forms.CharField(
        label=_("Contacts"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Who to ask at the host facility (with their agreement)."),
    )
    photo = forms.ImageField(
        label=_("A photo (optional)"),
        required=False,
        help_text=_("JPEG, PNG or WebP, at most 3 MB. No patients in photos."),
    )
    photo_alt = forms.CharField(
        label=_("What the photo shows"),
        max_length=200,
        required=False,
        help_text=_("For people who cannot see it."),
    )

    def clean_photo(self):
        photo = self.cleaned_data.get("photo")
        if photo:
            ext = photo.name.rsplit(".", 1)[-1].lower()
            if ext not in PHOTO_EXTENSIONS:
                raise ValidationError(_("Use a JPEG, PNG or WebP photo."))
            if photo.size > PHOTO_MAX_BYTES:
                raise ValidationError(_("A photo may be at most 3 MB."))
        return photo

    def clean(self):
        data = super().clean()
        if data.get("photo") and not (data.get("photo_alt") or "").strip():
            self.add_error("photo_alt", _("Say in a few words what the photo shows."))
        return data


class CommentForm(forms.Form):
    body = forms.CharField(
        label=_("Your comment"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ShareForm(forms.Form):
    space = forms.ChoiceField(label=_("District space"))

    def __init__(self, *args, spaces, **kwargs):
        super().__init__(*args, **kwargs)
        self.spaces = {str(s.pk): s for s in spaces}
        self.fields["space"].choices = [(str(s.pk), s.name) for s in spaces]

    def clean_space(self):
        return self.spaces[self.cleaned_data["space"]]
