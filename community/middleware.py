from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone

from . import permissions, zones

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


class ReaderZoneMiddleware:
    """Times on every page in the reader's zone (the rule is ``community.zones``).

    The zone is activated lazily: a request that prints no time looks nothing up, and
    one that does reads the member's choice from the session (loaded already to know
    who they are) and their organisation's from the memberships the capability map
    loads, not the profile.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            zones.recall_choice(request)
        timezone.activate(zones.LazyZone(lambda: zones.reader_zone(user)))
        try:
            return self.get_response(request)
        finally:
            timezone.deactivate()
