"""Unsubscribe tokens: sealed (nothing readable in them), dated, no login needed.

The link in an email is the member's key to one email choice, so it says nothing
about them (no user id in clear: the payload is encrypted with Fernet under a key
derived from ``SECRET_KEY``) and it expires (``FORUMS["UNSUBSCRIBE_DAYS"]``). A
forged, cut or expired link changes nothing.
"""

from __future__ import annotations

import base64
import hashlib
import json

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.contrib.auth import get_user_model

from .conf import setting
from .models import EmailKind


class Expired(Exception):
    """The link was genuine but is older than ``UNSUBSCRIBE_DAYS``."""


def _fernet() -> Fernet:
    digest = hashlib.sha256(b"forums.unsubscribe:" + settings.SECRET_KEY.encode())
    return Fernet(base64.urlsafe_b64encode(digest.digest()))


def make_unsubscribe_token(user, kind: str) -> str:
    payload = json.dumps({"u": user.pk, "k": str(kind)}, separators=(",", ":"))
    return _fernet().encrypt(payload.encode()).decode().rstrip("=")


def read_unsubscribe_token(token: str) -> tuple[object, str] | None:
    """The user and the email kind a token stands for; ``None`` if it is forged;
    raises :class:`Expired` if it is genuine but too old."""
    sealed = token + "=" * (-len(token) % 4)
    fernet = _fernet()
    try:
        data = json.loads(
            fernet.decrypt(sealed.encode(), ttl=setting("UNSUBSCRIBE_DAYS") * 86400)
        )
    except InvalidToken:
        try:
            fernet.decrypt(sealed.encode())
        except (InvalidToken, ValueError):
            return None
        raise Expired from None
    except ValueError:
        return None
    kind = data.get("k")
    if kind not in EmailKind.values:
        return None
    user = get_user_model().objects.filter(pk=data.get("u"), is_active=True).first()
    if user is None:
        return None
    return user, kind
