from django.shortcuts import redirect
from django.urls import reverse

from . import permissions

_ALWAYS_ALLOWED = ("/accounts/", "/static/", "/i18n/", "/healthz", "/media/")


class RequireMFAMiddleware:
    """Moderators and editors set up two-factor authentication before anything else.

    The rule (who, and whether the host enforces it) lives in the capability map; this
    only sends them to allauth's TOTP set-up page.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_ALWAYS_ALLOWED)
            and permissions.mfa_pending(user)
        ):
            return redirect(f"{reverse('mfa_activate_totp')}?next={request.path}")
        return self.get_response(request)
