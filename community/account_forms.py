"""allauth's own forms, as the suite shows them (``ACCOUNT_FORMS``). Apart from
``community.forms``: allauth's form module imports that one for the sign-up extras,
so it cannot import allauth's in turn."""

from allauth.account import app_settings
from allauth.account.forms import LoginForm as AllauthLoginForm
from allauth.account.forms import ResetPasswordForm as AllauthResetPasswordForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AllauthLoginForm):
    """The sign-in form, its one field named for what it takes: with phone sign-in
    on, "Email or phone number" (allauth says "Login")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if {"email", "phone"} <= set(app_settings.LOGIN_METHODS):
            self.fields["login"].label = _("Email or phone number")


class ResetPasswordForm(AllauthResetPasswordForm):
    """A reset goes by email; a member who joined with a phone number is told the
    way that works for them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "phone" in app_settings.LOGIN_METHODS:
            self.fields["email"].help_text = _(
                "Joined with a phone number? Go back to sign in and choose “Send me "
                "a sign-in code”: it comes by SMS."
            )
