import secrets

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _


def opaque_username() -> str:
    """Random, so it says nothing about the member (not even their email's hash,
    which anyone holding a list of addresses could match)."""
    return f"m-{secrets.token_hex(6)}"


class AccountAdapter(DefaultAccountAdapter):
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
