from django import forms
from django.utils.translation import gettext_lazy as _

from . import services
from .conf import setting
from .models import Profile
from .privacy import imitates_an_alias


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
            "listed_in_directory",
            "show_facility",
            "show_district",
            "show_bio",
            "show_expertise",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
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
