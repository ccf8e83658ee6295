"""Two-factor secrets are encrypted at rest and not listed in the Django admin."""

import pytest
from allauth.mfa.adapter import get_adapter
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret, hotp_value
from django.contrib import admin

pytestmark = pytest.mark.django_db


def test_a_totp_secret_is_not_stored_in_clear(practitioner):
    secret = generate_totp_secret()
    totp = TOTP.activate(practitioner, secret)
    stored = Authenticator.objects.get(pk=totp.instance.pk).data["secret"]
    assert secret not in stored and stored.startswith("fernet:")
    assert get_adapter().decrypt(stored) == secret
    # And it still verifies a code made from the clear secret.
    import time

    code = hotp_value(secret, int(time.time()) // 30)
    assert TOTP(totp.instance).validate_code(str(code).zfill(6))


def test_a_secret_written_before_encryption_still_reads():
    assert get_adapter().decrypt("JBSWY3DPEHPK3PXP") == "JBSWY3DPEHPK3PXP"


def test_authenticators_are_not_in_the_django_admin(client, superuser):
    assert not admin.site.is_registered(Authenticator)
    client.force_login(superuser)
    assert client.get("/django-admin/mfa/authenticator/").status_code == 404
