import functools
from zoneinfo import available_timezones

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import push, services, zones
from .conf import setting
from .models import Profile
from .privacy import imitates_an_alias


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form that called it: each message on
    its field when the form has that field, else above the form. The form is then
    shown again with what was typed."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            for item in errors:
                form.add_error(field if field in form.fields else None, item)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _check_display_name(name: str) -> str:
    if imitates_an_alias(name):
        raise forms.ValidationError(services.ALIAS_NAME_ERROR)
    return name


class SignupExtrasForm(forms.Form):
    """Added to allauth's sign-up: a display name and the code of conduct."""

    display_name = forms.CharField(
        label=_("Display name"),
        max_length=80,
        required=False,
        help_text=_(
            "How other members see you. You can post anonymously in safe spaces."
        ),
    )
    accept_code_of_conduct = forms.BooleanField(
        label=_("I have read and accept the code of conduct"),
        required=True,
        error_messages={"required": _("Please accept the code of conduct to join.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.code_of_conduct_url = setting("CODE_OF_CONDUCT_URL")

    def clean_display_name(self) -> str:
        return _check_display_name(self.cleaned_data.get("display_name", ""))

    def clean(self):
        """With phone sign-up on, both are optional to allauth; one is needed (the
        code that proves the account is the member's goes to it)."""
        cleaned = super().clean()
        if (
            {"email", "phone"} <= set(self.fields)
            and not cleaned.get("email")
            and not cleaned.get("phone")
            and not self.has_error("email")
            and not self.has_error("phone")
        ):
            raise forms.ValidationError(
                _(
                    "Give an email address or a phone number: we send a code to it "
                    "to check that it is yours."
                ),
                code="contact_required",
            )
        return cleaned

    def signup(self, request, user) -> None:
        services.profile_update(
            user=user, display_name=self.cleaned_data.get("display_name", "")
        )
        services.profile_accept_code_of_conduct(user=user)


def _language_choices():
    from django.conf import settings

    return [("", _("Same as the site"))] + [
        (code, _(name)) for code, name in settings.LANGUAGES
    ]


# IANA regions a member may live in (legacy aliases such as "US/Eastern" stay out).
_ZONE_REGIONS = {
    "Africa",
    "America",
    "Antarctica",
    "Asia",
    "Atlantic",
    "Australia",
    "Europe",
    "Indian",
    "Pacific",
}


@functools.cache
def _zones_by_region() -> tuple:
    groups: dict[str, list[tuple[str, str]]] = {}
    for name in sorted(available_timezones()):
        region, _sep, place = name.partition("/")
        if region in _ZONE_REGIONS and place:
            groups.setdefault(region, []).append((name, place.replace("_", " ")))
    return tuple((region, tuple(groups[region])) for region in sorted(groups))


def zone_choices(*, follow_label: str, current: str = "") -> list:
    """The profile's zone choices: following the organisation (empty) first, then
    UTC, then every zone under its region. A zone chosen before stays choosable."""
    choices: list = [("", follow_label), ("UTC", "UTC")]
    choices += [(region, list(places)) for region, places in _zones_by_region()]
    known = {"UTC"} | {name for _r, places in _zones_by_region() for name, _p in places}
    if current and current not in known:
        choices.append((current, current))
    return choices


class ProfileForm(forms.ModelForm):
    # The host decides which languages exist, so the choices come from its settings.
    language = forms.ChoiceField(
        label=_("Language"),
        choices=_language_choices,
        required=False,
        help_text=_("The site, emails and reminders use this language."),
    )
    expertise = forms.CharField(
        label=_("Expertise"),
        required=False,
        help_text=_("Comma-separated topics, e.g. “kangaroo mother care, partograph”."),
    )

    class Meta:
        model = Profile
        fields = [
            "display_name",
            "language",
            "languages",
            "timezone",
            "bio",
            "save_data",
            "listed_in_directory",
            "show_facility",
            "show_district",
            "show_bio",
            "show_expertise",
        ]

    timezone = forms.ChoiceField(label=_("Time zone"), required=False, choices=())

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        user = user or (self.instance.user if self.instance.user_id else None)
        own = zones.member_organisation_zone(user)
        if own is not None:
            follow = _("Same as my organisation (%(zone)s)") % {"zone": own}
        else:
            follow = _("Same as the site (%(zone)s)") % {"zone": zones.site_zone()}
        self.fields["timezone"].choices = zone_choices(
            follow_label=follow, current=self.instance.timezone
        )
        self.fields["timezone"].help_text = _(
            "Times on the site and in emails are shown in this zone. Events also "
            "say their own zone when it differs."
        )
        if self.instance.pk:
            self.initial["expertise"] = ", ".join(
                sorted(self.instance.expertise.values_list("name", flat=True))
            )

    def clean_display_name(self) -> str:
        return _check_display_name(self.cleaned_data.get("display_name", ""))

    def clean_expertise(self) -> list[str]:
        raw = self.cleaned_data.get("expertise", "")
        return [item.strip() for item in raw.split(",") if item.strip()][:20]


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or topic"), required=False, max_length=100)
    expertise = forms.CharField(label=_("Expertise"), required=False, max_length=100)
    district = forms.CharField(label=_("District"), required=False, max_length=200)
    facility = forms.CharField(label=_("Facility"), required=False, max_length=200)


class DeleteAccountForm(forms.Form):
    """Leaving: what becomes of named posts, and the password to show it is them."""

    named = forms.ChoiceField(
        label=_("What you wrote under your name"),
        choices=[
            ("keep", _("Keep it for others to learn from, signed “Former member”")),
            ("remove", _("Remove its text")),
        ],
        initial="keep",
        widget=forms.RadioSelect,
    )
    password = forms.CharField(
        label=_("Your password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        if not user.has_usable_password():
            # Signed up without a password: ticking the box is their confirmation.
            self.fields["password"] = forms.BooleanField(
                label=_("Yes, delete my account"), required=True
            )

    def clean_password(self):
        password = self.cleaned_data.get("password")
        if isinstance(password, str) and not self.user.check_password(password):
            raise ValidationError(_("That is not your password. Nothing was changed."))
        return password


class PushSettingsForm(forms.Form):
    """What a member wants told on their phone (``community.push``), and when not."""

    kinds = forms.MultipleChoiceField(
        label=_("Send me a notification when"),
        choices=push.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    quiet_from = forms.TimeField(
        label=_("Quiet from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_until = forms.TimeField(
        label=_("Quiet until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=_(
            "Nothing arrives between these times, in your time zone; what comes "
            "then waits until they end. Leave both empty for no quiet hours."
        ),
    )

    def clean(self):
        data = super().clean()
        if bool(data.get("quiet_from")) != bool(data.get("quiet_until")):
            raise ValidationError(
                _("Give both times for quiet hours, or leave both empty.")
            )
        return data


class DepartmentForm(forms.Form):
    name = forms.CharField(
        label=_("Name of the department"),
        max_length=120,
        help_text=_("A ward or unit, e.g. Labour ward, Newborn unit."),
    )
