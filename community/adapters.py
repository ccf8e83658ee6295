import secrets

from allauth.account.adapter import DefaultAccountAdapter
from django.utils.translation import gettext as _


class AccountAdapter(DefaultAccountAdapter):
    def populate_username(self, request, user) -> None:
        # Usernames are never shown, and must not echo the email (safe spaces): an
        # opaque handle is enough for Django's unique username column.
        if not user.username:
            user.username = f"m-{secrets.token_hex(6)}"


def user_display(user) -> str:
    """How allauth names a member in its messages ("Signed in as …"): the display name,
    never the opaque username or the email."""
    profile = getattr(user, "profile", None)
    if profile is not None and profile.display_name and not profile.hidden:
        return profile.display_name
    return str(_("Member"))
