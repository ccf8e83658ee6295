"""Signed one-click unsubscribe tokens: no login, no stored secret per user."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.core import signing

from .models import EmailKind

_SALT = "forums.unsubscribe"


def make_unsubscribe_token(user, kind: str) -> str:
    return signing.dumps({"u": user.pk, "k": str(kind)}, salt=_SALT, compress=True)


def read_unsubscribe_token(token: str) -> tuple[object, str] | None:
    """The user and the email kind a token stands for, or ``None`` if it is forged."""
    try:
        data = signing.loads(token, salt=_SALT)
    except signing.BadSignature:
        return None
    kind = data.get("k")
    if kind not in EmailKind.values:
        return None
    user = get_user_model().objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None:
        return None
    return user, kind
