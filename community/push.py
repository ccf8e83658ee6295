"""Web Push: a notification on a member's phone when something they asked for
happens, sent by the task worker with pywebpush and the site's VAPID key.

- **Opt-in, per kind.** Each plugin registers the kinds it sends (``register``: a
  label and a ``describe`` that writes the message) in its ``AppConfig.ready``; a
  member chooses among the installed ones on the "Notifications on this phone" page.
  Nothing is sent for a kind they did not choose.
- **Quiet hours** in the member's zone: a push due then waits until they end (on a
  task backend that can defer; one that cannot sends nothing in quiet hours).
- **What a payload may carry.** ``describe`` runs in the task, in the member's
  language, and looks again: a notification already read, or about what the member
  may no longer see, sends nothing. It never carries a post's text or who acted,
  and in a safe space not even the thread's title: a lock screen is seen by others.
- **Where it goes.** Only to a push service on the internet over HTTPS: an endpoint
  on a private or local address, or over plain HTTP, is refused when a member
  subscribes (the worker would otherwise post wherever a member pointed it), except
  where ``PUSH_ALLOW_LOCAL_ENDPOINTS`` is set for tests. A service that answers 404
  or 410 has forgotten the browser: its subscription is deleted.
"""

from __future__ import annotations

import base64
import datetime
import ipaddress
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import default_task_backend, task

from .conf import setting
from .languages import member_language

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Kind:
    label: str  # lazy: read in the member's language
    # (reference, user) -> {"title", "body", "url"} or None when nothing should go.
    describe: Callable[[int, object], dict | None]


KINDS: dict[str, Kind] = {}


def register(name: str, label, describe: Callable[[int, object], dict | None]) -> None:
    KINDS[name] = Kind(label=label, describe=describe)


def choices() -> list[tuple[str, str]]:
    return [(name, kind.label) for name, kind in KINDS.items()]


# --- Keys ---------------------------------------------------------------------------


def _vapid():
    from py_vapid import Vapid

    private = setting("PUSH_VAPID_PRIVATE_KEY")
    if not private:
        return None
    if "BEGIN" in private:
        return Vapid.from_pem(private.encode())
    return Vapid.from_string(private)


def configured() -> bool:
    return bool(setting("PUSH_VAPID_PRIVATE_KEY"))


def public_key() -> str:
    """The application server key a browser subscribes with (base64url, raw point)."""
    from cryptography.hazmat.primitives import serialization

    vapid = _vapid()
    if vapid is None:
        return ""
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_private_key() -> str:
    """A new VAPID private key, base64url (``manage.py push_keys`` prints one)."""
    from cryptography.hazmat.primitives.asymmetric import ec

    key = ec.generate_private_key(ec.SECP256R1())
    raw = key.private_numbers().private_value.to_bytes(32, "big")
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


# --- Subscriptions ------------------------------------------------------------------


def check_endpoint(endpoint: str) -> None:
    """A push service's address, not one inside the site's own network."""
    parts = urlsplit(endpoint or "")
    local_ok = setting("PUSH_ALLOW_LOCAL_ENDPOINTS")
    if parts.scheme != "https" and not (local_ok and parts.scheme == "http"):
        raise ValidationError(_("Notifications need a push service over HTTPS."))
    host = parts.hostname or ""
    if not host:
        raise ValidationError(_("That is not a push service’s address."))
    if local_ok:
        return
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
            raise ValidationError(_("That is not a push service’s address.")) from None
        return
    if not address.is_global:
        raise ValidationError(_("That is not a push service’s address."))


def subscribe(*, user, endpoint: str, p256dh: str, auth: str):
    """Keep (or move to this member) one browser's subscription."""
    from .models import PushSubscription

    check_endpoint(endpoint)
    if not (0 < len(p256dh) <= 200 and 0 < len(auth) <= 100):
        raise ValidationError(_("The browser sent incomplete keys."))
    existing = PushSubscription.objects.filter(user=user).exclude(endpoint=endpoint)
    if existing.count() >= setting("PUSH_MAX_SUBSCRIPTIONS"):
        raise ValidationError(
            _("Notifications are on for too many browsers; turn one off first.")
        )
    subscription, _created = PushSubscription.objects.update_or_create(
        endpoint=endpoint, defaults={"user": user, "p256dh": p256dh, "auth": auth}
    )
    return subscription


SESSION_KEY = "community_push_endpoint"


def remember(request, endpoint: str) -> None:
    """The browser this session turned on, so that signing out turns it off."""
    request.session[SESSION_KEY] = endpoint


def signed_out(sender, request, user, **kwargs) -> None:
    """``user_logged_out``: a shared phone stops receiving the member's notifications
    when they sign out (the next person to sign in there turns it on for themselves)."""
    endpoint = getattr(request, "session", {}).get(SESSION_KEY) if request else None
    if endpoint and user is not None:
        unsubscribe(user=user, endpoint=endpoint)


def unsubscribe(*, user, endpoint: str) -> int:
    from .models import PushSubscription

    return PushSubscription.objects.filter(user=user, endpoint=endpoint).delete()[0]


def settings_update(*, user, kinds, quiet_from, quiet_until):
    from .services import profile_ensure

    profile = profile_ensure(user=user)
    profile.push_kinds = [kind for kind in kinds if kind in KINDS]
    profile.quiet_from = quiet_from
    profile.quiet_until = quiet_until
    profile.save(update_fields=["push_kinds", "quiet_from", "quiet_until"])
    return profile


# --- Sending ------------------------------------------------------------------------


def notify(*, user_id: int, kind: str, ref: int) -> None:
    """Queue a push about ``ref`` (the kind's own id: a notification, a notice) once
    the transaction commits. The task decides whether it goes."""
    if not configured() or kind not in KINDS:
        return
    transaction.on_commit(lambda: deliver.enqueue(user_id, kind, ref))


def quiet_end(profile, now: datetime.datetime) -> datetime.datetime | None:
    """When the member's quiet hours end, if ``now`` is within them."""
    from . import zones

    start, end = profile.quiet_from, profile.quiet_until
    if start is None or end is None or start == end:
        return None
    zone = zones.reader_zone(profile.user)
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    inside = start <= clock < end if start < end else clock >= start or clock < end
    if not inside:
        return None
    day = local.date()
    if clock >= end:  # before midnight, in hours that end tomorrow
        day += datetime.timedelta(days=1)
    return datetime.datetime.combine(day, end, tzinfo=zone)


@task()
def deliver(user_id: int, kind: str, ref: int) -> int:
    """Send one push to each of the member's browsers. Returns how many took it."""
    from django.contrib.auth import get_user_model

    from .models import Profile

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    profile = Profile.objects.filter(user_id=user_id).first()
    if user is None or profile is None or kind not in profile.push_kinds:
        return 0
    subscriptions = list(user.push_subscriptions.all())
    if not subscriptions or kind not in KINDS:
        return 0
    ends = quiet_end(profile, timezone.now())
    if ends is not None:
        if default_task_backend.supports_defer:
            deliver.using(run_after=ends).enqueue(user_id, kind, ref)
        return 0
    with translation.override(member_language(user)):
        message = KINDS[kind].describe(ref, user)
    if message is None:
        return 0
    payload = json.dumps({**message, "tag": f"{kind}-{ref}"}, ensure_ascii=False)
    return sum(_send(subscription, payload) for subscription in subscriptions)


def _contact() -> str:
    from email.utils import parseaddr

    return (
        setting("PUSH_CONTACT") or f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}"
    )


def _send(subscription, payload: str) -> int:
    from pywebpush import WebPushException, webpush

    try:
        webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=payload,
            vapid_private_key=_vapid(),
            vapid_claims={"sub": _contact()},
            # A phone off the network gets it when it is back, within half a day.
            ttl=12 * 3600,
            timeout=10,
        )
    except WebPushException as error:
        status = getattr(error.response, "status_code", None)
        if status in (404, 410):
            subscription.delete()
        else:
            logger.warning("push failed", extra={"status": status})
        return 0
    except OSError:  # the push service unreachable: the next one may do better
        logger.warning("push service unreachable")
        return 0
    type(subscription).objects.filter(pk=subscription.pk).update(
        last_sent_at=timezone.now()
    )
    return 1
