"""allauth's own forms, as the suite shows them (``ACCOUNT_FORMS``). Apart from
``community.forms``: allauth's form module imports that one for the sign-up extras,
so it cannot import allauth's in turn."""

from allauth.account import app_settings
from allauth.account.forms import LoginForm as AllauthLoginForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AllauthLoginForm):
    """The sign-in form, its one field named for what it takes: with phone sign-in
    on, "Email or phone number" (allauth says "Login")."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if {"email", "phone"} <= set(app_settings.LOGIN_METHODS):
            self.fields["login"].label = _("Email or phone number")
