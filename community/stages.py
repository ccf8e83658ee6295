"""A sign-in stage of the suite's own (``AccountAdapter.get_login_stages``).

With phone sign-up on, an email address is optional, and allauth accepts optional
addresses only with ``ACCOUNT_EMAIL_VERIFICATION = "optional"`` (its check refuses
"mandatory" without ``email*``). Unverified addresses would then receive the
site's mail, someone else's inbox among them; so a member who gives an address
verifies it before they sign in, as with "mandatory", and a member who signed up
with a phone number alone verifies the number (allauth's phone stage) instead.
"""

from allauth.account import app_settings
from allauth.account import stages as allauth_stages


class EmailVerificationStage(allauth_stages.EmailVerificationStage):
    def handle(self):
        login = self.login
        # allauth keeps ``user.email`` as the primary address, so no query here.
        has_address = bool(login.email or getattr(login.user, "email", ""))
        if (
            has_address
            and login.email_verification
            == app_settings.EmailVerificationMethod.OPTIONAL
        ):
            login.email_verification = app_settings.EmailVerificationMethod.MANDATORY
        return super().handle()
