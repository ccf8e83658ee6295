"""Forms for scheduling and taking part. They collect and validate input; every write
goes through ``events.services``. Times are typed in the event's own time zone and
converted to UTC here."""

from __future__ import annotations

import datetime
import zoneinfo

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from community import zones
from community.models import Department, Level, validate_timezone

from . import permissions
from .models import Event, EventKind, Visibility

# Exchange visits are scheduled through their own request/confirm flow.
SCHEDULED_KINDS = [
    (value, label) for value, label in EventKind.choices if value != "exchange_visit"
]


def _local_input(value: datetime.datetime | None, zone: str) -> str:
    if value is None:
        return ""
    local = value.astimezone(zoneinfo.ZoneInfo(zone or "UTC"))
    return local.strftime("%Y-%m-%dT%H:%M")


def _kind_help(kinds: list[str]) -> str:
    """Which levels of organisation hold each offered kind ("Webinar (Country,
    District)"), so an organiser that cannot hold the kind chosen is no surprise."""
    parts = []
    for value, label in SCHEDULED_KINDS:
        if value in kinds:
            held = permissions.KIND_LEVELS.get(value, ())
            levels = ", ".join(
                str(name) for level, name in Level.choices if level in held
            )
            parts.append(f"{label} ({levels})")
    if not parts:
        return ""
    return _("Who organises each kind: %(kinds)s.") % {"kinds": "; ".join(parts)}


class LocalDateTimeInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, attrs=None):
        super().__init__(attrs=attrs, format="%Y-%m-%dT%H:%M")


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=SCHEDULED_KINDS)
    organiser = forms.ModelChoiceField(
        label=_("Organised by"), queryset=None, empty_label=None
    )
    department = forms.ModelChoiceField(
        label=_("For one department"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=_("No: the whole organisation"),
        help_text=_("A ward's own session shows on that department's page too."),
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"),
        required=False,
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("What it is for and who should come. Markdown works."),
    )
    starts_at = forms.DateTimeField(
        label=_("Starts"),
        widget=LocalDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    ends_at = forms.DateTimeField(
        label=_("Ends"),
        widget=LocalDateTimeInput(),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    timezone = forms.CharField(
        label=_("Time zone"),
        max_length=64,
        validators=[validate_timezone],
        help_text=_(
            "The start and end are in this zone, e.g. Africa/Kigali. People see "
            "them in their own time zone, with this one noted."
        ),
    )
    place = forms.CharField(label=_("Place"), max_length=300, required=False)
    online_url = forms.URLField(
        label=_("Online join link"),
        required=False,
        assume_scheme="https",
        help_text=_("Shown only to registered people, from 30 minutes before."),
    )
    capacity = forms.IntegerField(
        label=_("Capacity"),
        required=False,
        min_value=1,
        help_text=_("Leave empty for no limit. When full, people join a waiting list."),
    )
    visibility = forms.ChoiceField(
        label=_("Who can see it"),
        choices=Visibility.choices,
        initial=Visibility.MEMBERS,
    )
    tags = forms.CharField(
        label=_("Tags"),
        required=False,
        max_length=300,
        help_text=_("Comma-separated, from the shared vocabulary where you can."),
    )
    language = forms.ChoiceField(label=_("Language"), required=False, choices=())
    allow_anonymous_questions = forms.BooleanField(
        label=_("Webinars: allow anonymous questions"), required=False
    )

    def __init__(self, *args, user, event: Event | None = None, **kwargs):
        self.user = user
        self.event = event
        if event is not None and not kwargs.get("initial"):
            kwargs["initial"] = {
                "kind": event.kind,
                "organiser": event.organiser_id,
                "department": event.department_id,
                "title": event.title,
                "description": event.description,
                "starts_at": _local_input(event.starts_at, event.timezone),
                "ends_at": _local_input(event.ends_at, event.timezone),
                "timezone": event.timezone,
                "place": event.place,
                "online_url": event.online_url,
                "capacity": event.capacity,
                "visibility": event.visibility,
                "tags": ", ".join(t.name for t in event.tags.all()),
                "language": event.language,
                "allow_anonymous_questions": event.allow_anonymous_questions,
            }
        super().__init__(*args, **kwargs)
        if event is None:
            # A new event's times are typed in the organiser's own zone to start with.
            self.fields["timezone"].initial = str(zones.reader_zone(user))
        organisers = permissions.organisers_for(user)
        self.fields["organiser"].queryset = organisers
        departments = Department.objects.filter(
            facility__in=[event.organiser] if event is not None else organisers
        ).select_related("facility")
        if departments.exists():
            self.fields["department"].queryset = departments
            self.fields["department"].label_from_instance = _department_label
        else:  # nobody is asked about departments their organisations do not have
            del self.fields["department"]
        if event is None:
            # Only the kinds this member may schedule, by the rule that would refuse
            # the others, and which organisers hold each.
            kinds = permissions.kinds_for(user, organisers)
            self.fields["kind"].choices = [
                (value, label) for value, label in SCHEDULED_KINDS if value in kinds
            ]
            self.fields["kind"].help_text = _kind_help(kinds)
        self.fields["language"].choices = [("", _("Any"))] + list(settings.LANGUAGES)
        if event is not None:
            # The kind and organiser stay as scheduled; a new event is simpler.
            for name in ("kind", "organiser"):
                self.fields[name].disabled = True
            if event.kind == EventKind.EXCHANGE_VISIT:
                self.fields["kind"].choices = EventKind.choices
            self.fields["organiser"].queryset = type(event.organiser).objects.filter(
                pk=event.organiser_id
            )

    def _zone(self) -> zoneinfo.ZoneInfo | None:
        name = self.cleaned_data.get("timezone")
        try:
            return zoneinfo.ZoneInfo(name) if name else None
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            return None

    def clean(self):
        data = super().clean()
        zone = self._zone()
        for name in ("starts_at", "ends_at"):
            value = data.get(name)
            if value is not None and zone is not None:
                # Read what was typed as wall-clock time in the event's zone.
                data[name] = timezone.make_aware(value.replace(tzinfo=None), zone)
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends <= starts:
            self.add_error("ends_at", _("The end must be after the start."))
        kind, organiser = data.get("kind"), data.get("organiser")
        if (
            self.event is None
            and kind
            and organiser
            and not permissions.can_create(self.user, organiser, kind)
        ):
            self.add_error(
                "organiser",
                _("%(organisation)s cannot organise this kind of event.")
                % {"organisation": organiser},
            )
        department = data.get("department")
        if department is not None and organiser and department.facility != organiser:
            self.add_error(
                "department",
                _("%(department)s is a department of %(facility)s, not of %(org)s.")
                % {
                    "department": department.name,
                    "facility": department.facility,
                    "org": organiser,
                },
            )
        if kind == EventKind.WEBINAR and not data.get("online_url"):
            self.add_error("online_url", _("A webinar needs a join link."))
        if not data.get("place") and not data.get("online_url"):
            self.add_error("place", _("Give a place, an online join link, or both."))
        return data

    def tag_list(self) -> list[str]:
        raw = self.cleaned_data.get("tags") or ""
        return [t.strip()[:100] for t in raw.split(",") if t.strip()]

    def service_values(self) -> dict:
        data = self.cleaned_data
        return {
            "title": data["title"],
            "description": data["description"],
            "starts_at": data["starts_at"],
            "ends_at": data["ends_at"],
            "timezone": data["timezone"],
            "place": data["place"],
            "online_url": data["online_url"],
            "capacity": data["capacity"],
            "visibility": data["visibility"],
            "language": data["language"],
            "allow_anonymous_questions": data["allow_anonymous_questions"],
            "department": data.get("department"),
        }


def _department_label(department) -> str:
    return f"{department.name} · {department.facility.name}"


class QuestionForm(forms.Form):
    body = forms.CharField(
        label=_("Your question"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    anonymous = forms.BooleanField(
        label=_("Ask anonymously (nobody sees who asked, not even the hosts)"),
        required=False,
    )

    def __init__(self, *args, allow_anonymous: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not allow_anonymous:
            del self.fields["anonymous"]
        else:
            # An event that takes anonymous questions is a safe space: asking under
            # one's name is the choice to make, never the accident.
            self.fields["anonymous"].initial = True


class MaterialsForm(forms.Form):
    recording_url = forms.URLField(
        label=_("Recording link"), required=False, assume_scheme="https"
    )
    slides_url = forms.URLField(
        label=_("Slides link"), required=False, assume_scheme="https"
    )
