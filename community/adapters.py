import secrets

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import phones
from .languages import member_language


def opaque_username() -> str:
    """Random, so it says nothing about the member (not even their email's hash,
    which anyone holding a list of addresses could match)."""
    return f"m-{secrets.token_hex(6)}"


class AccountAdapter(DefaultAccountAdapter):
    """allauth's account adapter with the suite's rules: opaque usernames, the
    member's language on sign-in, phone numbers kept by ``community.phones``, and an
    email address, when a member gives one, verified before they sign in."""

    def populate_username(self, request, user) -> None:
        # Usernames are never shown, and must not echo the email (safe spaces): an
        # opaque handle is enough for Django's unique username column.
        if not user.username:
            user.username = opaque_username()

    def post_login(self, request, user, **kwargs):
        """Signing in brings the member's chosen language (their profile's) to this
        device: the site, like their emails, speaks it from the first page."""
        response = super().post_login(request, user, **kwargs)
        profile = getattr(user, "profile", None)
        language = getattr(profile, "language", "")
        if language and language in dict(settings.LANGUAGES) and response is not None:
            translation.activate(language)
            response.set_cookie(
                settings.LANGUAGE_COOKIE_NAME,
                language,
                max_age=settings.LANGUAGE_COOKIE_AGE,
                samesite=settings.LANGUAGE_COOKIE_SAMESITE,
                secure=settings.LANGUAGE_COOKIE_SECURE,
            )
        return response

    # --- Phone numbers (allauth's phone support; ``community.phones``) ------------

    def phone_form_field(self, **kwargs):
        from allauth.account.fields import PhoneField
        from django import forms

        # The number as a member dials it, read by ``clean_phone`` (libphonenumber)
        # instead of allauth's "+ and digits only" pattern; an example of the
        # country's own numbers shows how.
        kwargs.setdefault("validators", [])
        kwargs.setdefault(
            "help_text",
            _("Used only to send you a code by SMS. Other members never see it."),
        )
        if kwargs.get("required") is False:
            kwargs["label"] = _("Phone number (optional)")
        kwargs.setdefault(
            "widget",
            forms.TextInput(
                attrs={
                    "placeholder": phones.example() or _("Phone"),
                    "autocomplete": "tel",
                    "type": "tel",
                }
            ),
        )
        return PhoneField(**kwargs)

    def clean_phone(self, phone: str) -> str:
        return phones.normalise(phone)

    def set_phone(self, user, phone: str, verified: bool) -> None:
        phones.put(user, phone, verified)

    def get_phone(self, user):
        return phones.get(user)

    def set_phone_verified(self, user, phone: str) -> None:
        phones.mark_verified(user, phone)

    def get_user_by_phone(self, phone: str):
        return phones.holder(phone)

    def send_verification_code_sms(self, user, phone: str, code: str, **kwargs) -> None:
        self._text(
            user,
            phone,
            gettext_lazy(
                "%(code)s is your code for %(site)s. It expires in %(minutes)d "
                "minutes. Nobody from the site will ever ask you for it."
            ),
            code=code,
        )

    def send_account_already_exists_sms(self, phone: str) -> None:
        """Someone signed up with a number that already has an account: its owner
        is told (the page says nothing, so nobody learns whose number it is)."""
        self._text(
            None,
            phone,
            gettext_lazy(
                "Someone tried to join %(site)s with this number. It already has an "
                "account: sign in with it. If it was not you, you can ignore this."
            ),
        )

    def _text(self, user, phone: str, message, **values) -> None:
        """``message`` (lazy) in the member's language, else the page's."""
        from allauth.account import app_settings

        language = member_language(user, fallback=translation.get_language())
        with translation.override(language):
            body = str(message) % {
                "site": getattr(settings, "WAGTAIL_SITE_NAME", "") or _("the site"),
                "minutes": app_settings.PHONE_VERIFICATION_TIMEOUT // 60,
                **values,
            }
        phones.text(phone, body)

    def get_login_stages(self) -> list[str]:
        from allauth.account import app_settings

        stages = super().get_login_stages()
        if "phone" not in app_settings.SIGNUP_FIELDS:
            return stages
        return [
            "community.stages.EmailVerificationStage"
            if stage == "allauth.account.stages.EmailVerificationStage"
            else stage
            for stage in stages
        ]


def user_display(user) -> str:
    """How allauth names a member in its messages ("Signed in as …"): the display name,
    never the opaque username or the email."""
    profile = getattr(user, "profile", None)
    if profile is not None and profile.display_name and not profile.hidden:
        return profile.display_name
    return str(_("Member"))


def client_ip(request) -> str | None:
    """The address a request came from, by allauth's one rule (its sign-in limits
    count by the same address): ``REMOTE_ADDR``, or behind the site's own proxies
    (``ALLAUTH_TRUSTED_PROXY_COUNT``, set from ``TRUSTED_PROXY_COUNT``) the entry of
    ``X-Forwarded-For`` that the nearest of them wrote. Behind nginx every request
    comes from the proxy's address: one bucket for the whole country would let anyone
    lock everyone out."""
    from allauth.account.adapter import get_adapter
    from django.core.exceptions import PermissionDenied

    try:
        return get_adapter(request).get_client_ip(request)
    except PermissionDenied:  # no address at all
        return None
