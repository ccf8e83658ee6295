"""Signing up and in with a phone number (``community.phones``), for a site that
sends SMS: base.py takes these in when ``SMS_GATEWAY_URL`` is set; development and
tests always do (their gateways are the console and files).

An email address becomes optional, and allauth allows that only with optional
verification; ``community.stages`` keeps it mandatory for every member who gives an
address. allauth then warns that no sign-in field is required (account.W001): one
of the two is, and the sign-up form says so (``SignupExtrasForm.clean``).
"""

ACCOUNT_LOGIN_METHODS = {"email", "phone"}
ACCOUNT_SIGNUP_FIELDS = ["email", "phone", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "optional"
# A code that did not arrive can be sent again, twice, from the page that asks for
# it. Changing the number there stays off: allauth offers it only when the number
# was free, so the page would tell a stranger whether a number has an account
# (its own TODO in phone_verification.can_change). A mistyped number: "Cancel",
# and sign up again.
ACCOUNT_PHONE_VERIFICATION_SUPPORTS_RESEND = 2
# "Send me a sign-in code": a member who forgot their password signs in by SMS (or
# by email) instead of being locked out; a member with an email can still reset it.
ACCOUNT_LOGIN_BY_CODE_ENABLED = True
SILENCED_SYSTEM_CHECKS = ["account.W001"]
# Six digits: easy to read off a lock screen and type on any phone. Three tries per
# code, and the limits on sending (base.py's ACCOUNT_RATE_LIMITS) bound guessing.
ACCOUNT_PHONE_VERIFICATION_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
ACCOUNT_LOGIN_BY_CODE_FORMAT = {"numeric": True, "length": 6, "dashed": False}
# A text can take minutes to arrive where the network is weak.
ACCOUNT_LOGIN_BY_CODE_TIMEOUT = 10 * 60
# The sign-in field says what it takes: "Email or phone number".
# A password reset (by email) tells a phone member to ask for a code instead.
ACCOUNT_FORMS = {
    "login": "community.account_forms.LoginForm",
    "reset_password": "community.account_forms.ResetPasswordForm",
}
