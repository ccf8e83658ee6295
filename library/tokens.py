"""Signed links for the newsletter: confirm a subscription, unsubscribe in one click.

Nothing is stored per link; the signature (Django's SECRET_KEY) is the proof. An
unsubscribe link names the subscriber and the address it was sent to, so it stops
working if the address changes hands.
"""

from __future__ import annotations

from django.core import signing

from .conf import setting
from .models import Subscriber

_CONFIRM = "library.newsletter.confirm"
_UNSUBSCRIBE = "library.newsletter.unsubscribe"


def make_confirm_token(subscriber: Subscriber) -> str:
    return signing.dumps({"s": subscriber.pk, "e": subscriber.email}, salt=_CONFIRM)


def read_confirm_token(token: str) -> Subscriber | None:
    try:
        data = signing.loads(
            token, salt=_CONFIRM, max_age=setting("CONFIRMATION_DAYS") * 86400
        )
    except signing.BadSignature:
        return None
    return Subscriber.objects.filter(pk=data.get("s"), email=data.get("e")).first()


def make_unsubscribe_token(subscriber: Subscriber) -> str:
    return signing.dumps({"s": subscriber.pk, "e": subscriber.email}, salt=_UNSUBSCRIBE)


def read_unsubscribe_token(token: str) -> Subscriber | None:
    try:
        data = signing.loads(token, salt=_UNSUBSCRIBE)
    except signing.BadSignature:
        return None
    return Subscriber.objects.filter(pk=data.get("s"), email=data.get("e")).first()
