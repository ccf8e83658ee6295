"""Phone numbers: signing up and in with a number and a code sent by SMS.

allauth's phone support does the flows (sign-up with a number, a code to verify it,
signing in by number and password or by a code, changing the number); the account
adapter stores numbers here and sends the codes through a gateway.

- **Numbers** are read with ``phonenumbers`` (Google's libphonenumber): a member may
  type ``0788 123 456`` in the country the site serves (``PHONE_REGION``) or
  ``+250 788 123 456`` from anywhere; both are kept as E.164 (``+250788123456``).
- **Gateways.** ``SMS_GATEWAY`` names one: the console (development: the code is
  printed where the server runs), a directory of files (tests, and a demo whose
  codes someone reads by hand), or an HTTP gateway set by environment in
  production (``SMS_GATEWAY_URL``, ``SMS_GATEWAY_TOKEN``). Texts go out from the
  task worker, so a slow gateway holds up no page.
- **Only the countries the site serves** (``PHONE_ALLOWED_REGIONS``): texts to
  other countries are where "SMS pumping" fraud makes its money, by asking for codes
  to numbers it is paid for.
- **What the task queue keeps.** A text's task holds the number and the text until
  the queue's results are pruned; the code in it is dead within minutes, the number
  is in ``PhoneNumber`` anyway, and the failed-tasks screen shows neither.
- **Seen by their owner alone.** A number appears on its member's own account
  pages and in their data download, nowhere else.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import urllib.request
import uuid
from pathlib import Path

import phonenumbers
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django_tasks import task

from .conf import setting

logger = logging.getLogger(__name__)


def normalise(value: str) -> str:
    """``value`` as E.164, or ``ValidationError`` with a message a member can act on."""
    region = setting("PHONE_REGION") or None
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        number = None
    if number is None or not phonenumbers.is_valid_number(number):
        if region:
            raise ValidationError(
                _(
                    "This is not a phone number we can send a text to. Type it as "
                    "you would dial it, for example %(local)s or %(international)s."
                )
                % {
                    "local": example(),
                    "international": example(
                        phonenumbers.PhoneNumberFormat.INTERNATIONAL
                    ),
                },
                code="invalid_phone",
            )
        raise ValidationError(
            _("Type the number with its country code, for example +250 788 123 456."),
            code="invalid_phone",
        )
    allowed = setting("PHONE_ALLOWED_REGIONS")
    if allowed and phonenumbers.region_code_for_number(number) not in allowed:
        prefixes = sorted(
            {f"+{phonenumbers.country_code_for_region(region)}" for region in allowed}
        )
        raise ValidationError(
            _("We can send codes only to numbers starting with %(prefixes)s.")
            % {"prefixes": ", ".join(prefixes)},
            code="phone_region",
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def example(style=phonenumbers.PhoneNumberFormat.NATIONAL) -> str:
    """A mobile number of the site's country as its people write it, or ""."""
    region = setting("PHONE_REGION")
    number = region and phonenumbers.example_number_for_type(
        region, phonenumbers.PhoneNumberType.MOBILE
    )
    return phonenumbers.format_number(number, style) if number else ""


def shown(number: str) -> str:
    """The member's own number as they would read it."""
    try:
        parsed = phonenumbers.parse(number, None)
    except phonenumbers.NumberParseException:
        return number
    region = setting("PHONE_REGION")
    if region and phonenumbers.region_code_for_number(parsed) == region:
        return phonenumbers.format_number(
            parsed, phonenumbers.PhoneNumberFormat.NATIONAL
        )
    return phonenumbers.format_number(
        parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )


# --- Storage (the account adapter's phone methods) -----------------------------------


def get(user) -> tuple[str, bool] | None:
    from .models import PhoneNumber

    row = PhoneNumber.objects.filter(user=user).first()
    return (row.number, row.verified) if row else None


def put(user, number: str, verified: bool) -> None:
    from .models import PhoneNumber

    PhoneNumber.objects.update_or_create(
        user=user, defaults={"number": number, "verified": verified}
    )


def mark_verified(user, number: str) -> None:
    """The code was right. allauth has just checked that nobody else holds the
    number; if another sign-up proved it in the instant between (both had the
    phone), the database keeps it theirs and this one stays unverified: asked for
    a code again at its next sign-in, where it is told the number is taken."""
    from .models import PhoneNumber

    try:
        with transaction.atomic():
            PhoneNumber.objects.filter(user=user, number=number).update(verified=True)
    except IntegrityError:
        logger.warning("a number proved by two accounts at once stays the first's")


def holder(number: str):
    """The member whose verified number this is. An unverified number belongs to
    nobody: it cannot sign anyone in, nor keep its owner from signing up."""
    from .models import PhoneNumber

    try:
        number = normalise(number)  # signing in passes the number as typed
    except ValidationError:
        return None
    row = (
        PhoneNumber.objects.filter(number=number, verified=True)
        .select_related("user")
        .first()
    )
    return row.user if row else None


# --- Gateways ----------------------------------------------------------------------


class ConsoleGateway:
    """Development: the text is printed where the server runs."""

    def send(self, number: str, text: str) -> None:
        sys.stdout.write(f"SMS to {number}: {text}\n")
        sys.stdout.flush()


class FileGateway:
    """Each text as a JSON file in ``SMS_FILE_PATH`` (tests; a demo without a
    gateway), as Django's file e-mail backend does for mail."""

    def send(self, number: str, text: str) -> None:
        directory = Path(setting("SMS_FILE_PATH") or "sms")
        directory.mkdir(parents=True, exist_ok=True)
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.json"
        (directory / name).write_text(
            json.dumps({"to": number, "text": text}, ensure_ascii=False)
        )


class HttpGateway:
    """Production: a JSON ``POST`` of ``{"to", "text", "from"}`` to the operator's SMS
    gateway (``SMS_GATEWAY_URL``), with ``Authorization: Bearer SMS_GATEWAY_TOKEN``.
    Anything but a 2xx fails the task, which the worker records."""

    def send(self, number: str, text: str) -> None:
        url = setting("SMS_GATEWAY_URL")
        if not url.startswith("https://") and not url.startswith("http://127.0.0.1"):
            raise ImproperlyConfigured("SMS_GATEWAY_URL must be an https:// address")
        request = urllib.request.Request(  # noqa: S310 (https only, checked above)
            url,
            data=json.dumps(
                {"to": number, "text": text, "from": setting("SMS_SENDER")}
            ).encode(),
            headers={
                "Content-Type": "application/json",
                "Authorization": f"Bearer {setting('SMS_GATEWAY_TOKEN')}",
            },
            method="POST",
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            if not 200 <= response.status < 300:
                raise RuntimeError(f"SMS gateway answered {response.status}")


def gateway():
    path = setting("SMS_GATEWAY")
    if not path:
        raise ImproperlyConfigured("COMMUNITY['SMS_GATEWAY'] is not set")
    return import_string(path)()


@task()
def send_sms(number: str, text: str) -> None:
    gateway().send(number, text)
    # The number, never the text: a code in a log could sign someone in.
    logger.info("sms sent", extra={"sms_gateway": setting("SMS_GATEWAY")})


def text(number: str, message: str) -> None:
    """Queue ``message`` for ``number``. On the database queue the task is a row
    written with the sign-up's own transaction: both land, or neither."""
    send_sms.enqueue(number, message)
