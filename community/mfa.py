"""Two-factor secrets encrypted at rest, and kept out of the Django admin.

allauth stores each member's TOTP key (and recovery-code seed) in the database and
offers an adapter hook to encrypt them; here they are sealed with Fernet (AES and an
HMAC, from ``cryptography``) under a key from ``MFA_ENCRYPTION_KEY`` or, by default,
derived from ``SECRET_KEY``. A database dump or backup then holds no usable secret.
Rows written before encryption was switched on still read (they have no prefix) and
are sealed the next time allauth saves them.
"""

from __future__ import annotations

import base64
import hashlib

from allauth.mfa.adapter import DefaultMFAAdapter
from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

PREFIX = "fernet:"


def _fernet() -> Fernet:
    key = getattr(settings, "MFA_ENCRYPTION_KEY", "") or ""
    if not key:
        digest = hashlib.sha256(
            b"community.mfa:" + settings.SECRET_KEY.encode()
        ).digest()
        key = base64.urlsafe_b64encode(digest).decode()
    try:
        return Fernet(key)
    except ValueError as error:
        raise ImproperlyConfigured(
            "MFA_ENCRYPTION_KEY must be a Fernet key (Fernet.generate_key())"
        ) from error


class EncryptingMFAAdapter(DefaultMFAAdapter):
    def encrypt(self, text: str) -> str:
        return PREFIX + _fernet().encrypt(text.encode()).decode()

    def decrypt(self, encrypted_text: str) -> str:
        if not encrypted_text.startswith(PREFIX):
            return encrypted_text  # written before encryption was on
        try:
            return _fernet().decrypt(encrypted_text[len(PREFIX) :].encode()).decode()
        except InvalidToken as error:
            raise ImproperlyConfigured(
                "Two-factor secrets cannot be read: MFA_ENCRYPTION_KEY or SECRET_KEY "
                "changed since they were written."
            ) from error


def hide_authenticators_from_the_admin() -> None:
    """Nobody browses or edits members' two-factor devices in the Django admin."""
    from allauth.mfa import admin as _registers  # noqa: F401 - register first
    from allauth.mfa.models import Authenticator
    from django.contrib import admin

    if admin.site.is_registered(Authenticator):
        admin.site.unregister(Authenticator)
