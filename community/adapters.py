import secrets

from allauth.account.adapter import DefaultAccountAdapter


class AccountAdapter(DefaultAccountAdapter):
    def populate_username(self, request, user) -> None:
        # Usernames are never shown, and must not echo the email (safe spaces): an
        # opaque handle is enough for Django's unique username column.
        if not user.username:
            user.username = f"m-{secrets.token_hex(6)}"
