"""A member's own data: download all of it, or leave and take their name with them.

Each plugin says what it holds about a member through the ``community_personal_data``
hook, which returns a :class:`Part`:

- ``export(user)``: what the member wrote or gave, as ``{name: [row, ...]}``. Only the
  member's own rows: their anonymous posts are in it (they are theirs), nobody else's
  authorship ever is.
- ``erase(user, remove_named)``: run just before the account is deleted. Named content
  the member chose to remove is removed here (text blanked, taken out of search);
  everything else is left to the foreign keys: named content falls to "Former member"
  (``SET_NULL``), anonymous content keeps its alias and loses its only link to the
  account, registrations, memberships, follows and votes go (``CASCADE``).

Leaving has a grace period (``COMMUNITY["ACCOUNT_DELETION_GRACE_DAYS"]``): the member
is told by email and may cancel until the day ``erase_due_accounts`` (run daily by
``privacy_housekeeping``) erases the account.
"""

from __future__ import annotations

import datetime
import io
import json
import logging
import smtplib
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from wagtail import hooks

from . import permissions, zones
from .conf import absolute, setting
from .models import (
    DepartmentMember,
    Membership,
    PhoneNumber,
    Profile,
    PushSubscription,
)

HOOK = "community_personal_data"
logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Part:
    key: str
    export: Callable[[object], dict[str, list[dict]]]
    erase: Callable[[object, bool], None] | None = None


def parts() -> list[Part]:
    return [part for fn in hooks.get_hooks(HOOK) if (part := fn()) is not None]


def rows(queryset, *fields: str) -> list[dict]:
    """``queryset.values(*fields)`` as plain rows for JSON."""
    return list(queryset.values(*fields))


# --- Download ---------------------------------------------------------------------


def export(user) -> dict[str, dict[str, list[dict]]]:
    return {part.key: part.export(user) for part in parts()}


def export_zip(user) -> bytes:
    """One JSON file per plugin and a short README, in one zip."""
    data = export(user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "README.txt",
            render_to_string(
                "community/personal_data/README.txt",
                {"user": user, "files": sorted(data), "now": timezone.now()},
            ),
        )
        for key, content in data.items():
            archive.writestr(
                f"{key}.json",
                json.dumps(
                    content, cls=DjangoJSONEncoder, ensure_ascii=False, indent=1
                ),
            )
    return buffer.getvalue()


# --- What is kept, and how long ---------------------------------------------------


def retention() -> dict[str, int]:
    """Days each kind of record is kept, as the privacy page states them. Sessions
    follow ``SESSION_COOKIE_AGE`` (``privacy_housekeeping`` clears expired ones); rate
    limits hold an address only as long as their longest window."""
    from allauth.core.internal.ratelimit import parse_rates
    from django.apps import apps
    from django.conf import settings

    longest = 300  # allauth's default limits on signing in and up count in minutes
    for spec in (getattr(settings, "ACCOUNT_RATE_LIMITS", None) or {}).values():
        for rate in parse_rates(spec):
            if rate.per == "ip":
                longest = max(longest, int(rate.duration))
    if apps.is_installed("moderation"):
        from moderation.conf import setting as moderation_setting

        for spec in moderation_setting("RATE_LIMITS").values():
            longest = max(longest, int(spec.split("/")[1]))
    return {
        "sessions": settings.SESSION_COOKIE_AGE // 86400,
        "logs": setting("LOG_RETENTION_DAYS"),
        "backups": setting("BACKUP_RETENTION_DAYS"),
        "tasks": setting("TASK_RETENTION_DAYS"),
        "failed_tasks": setting("FAILED_TASK_RETENTION_DAYS"),
        "address_minutes": longest // 60,
    }


# --- Leaving ----------------------------------------------------------------------


def grace() -> datetime.timedelta:
    return datetime.timedelta(days=setting("ACCOUNT_DELETION_GRACE_DAYS"))


def _email(address: str, language: str, name: str, context: dict, zone=None) -> None:
    """``community/personal_data/email/<name>.txt``, its first line the subject, in
    the member's language and time zone."""
    if not address:
        return
    with (
        translation.override(language or translation.get_language()),
        timezone.override(zone or timezone.get_current_timezone()),
    ):
        text = render_to_string(f"community/personal_data/email/{name}.txt", context)
    subject, _blank, body = text.strip().partition("\n")
    try:
        send_mail(subject.strip(), body.strip() + "\n", None, [address])
    except (OSError, smtplib.SMTPException):
        # What the email says is also on the member's "Your data" page; a mail server
        # that is down must not undo or stop the erasure it tells of.
        logger.warning("personal data email %s not sent", name, exc_info=True)


@transaction.atomic
def request_deletion(*, user, remove_named: bool) -> Profile:
    """Schedule the account's erasure and tell the member how to change their mind.
    Refused (``ValidationError``) for the site's only active administrator."""
    if _is_last_administrator(user):
        raise ValidationError(
            _(
                "You are the site's only administrator: make someone else an"
                " administrator first."
            )
        )
    profile, _created = Profile.objects.select_for_update().get_or_create(user=user)
    profile.deletion_due_at = timezone.now() + grace()
    profile.deletion_removes_named = remove_named
    profile.save(update_fields=["deletion_due_at", "deletion_removes_named"])
    due = profile.deletion_due_at
    zone = zones.reader_zone(user)
    transaction.on_commit(
        lambda: _email(
            user.email,
            profile.language,
            "scheduled",
            {
                "due": due,
                "remove_named": remove_named,
                "cancel_url": absolute(reverse("community:your_data")),
            },
            zone,
        )
    )
    return profile


def cancel_deletion(*, user) -> None:
    Profile.objects.filter(user=user).update(
        deletion_due_at=None, deletion_removes_named=False
    )


@transaction.atomic
def erase_member(user, *, remove_named: bool) -> None:
    """Erase the account now. Called by ``erase_due_accounts``, never by a request."""
    from wagtail.models import ModelLogEntry, PageLogEntry

    for part in parts():
        if part.erase is not None:
            part.erase(user, remove_named)
    # Wagtail's audit log keeps the user's id without a database constraint: the
    # entries stay (what was done to which page), the person who did it does not.
    PageLogEntry.objects.filter(user_id=user.pk).update(user=None)
    ModelLogEntry.objects.filter(user_id=user.pk).update(user=None)
    user.delete()


def _is_last_administrator(user) -> bool:
    """Would nobody be left to run the site (or to undo this) if ``user`` left?"""
    from django.contrib.auth import get_user_model

    if not permissions.is_active_superuser(user):
        return False
    others = get_user_model().objects.filter(is_superuser=True, is_active=True)
    return not others.exclude(pk=user.pk).exists()


def erase_due_accounts(*, now: datetime.datetime | None = None) -> int:
    """Erase every account whose grace period is over; tell each member it is done.

    Each account is re-read under a row lock just before it is erased, so a member
    who cancels at the last minute, or a second run at the same time, finds it
    already settled."""
    now = now or timezone.now()
    due = Profile.objects.filter(deletion_due_at__lte=now).values_list("pk", flat=True)
    erased = 0
    for pk in list(due):
        with transaction.atomic():
            profile = (
                Profile.objects.select_for_update()
                .select_related("user")
                .filter(pk=pk, deletion_due_at__lte=now)
                .first()
            )
            if profile is None:
                continue
            user = profile.user
            if _is_last_administrator(user):
                # Asked while there were two; the other has gone since. Kept, and
                # said, until someone else can run the site.
                logger.warning("the last administrator's erasure is put off")
                continue
            address, language = user.email, profile.language
            erase_member(user, remove_named=profile.deletion_removes_named)
        erased += 1
        _email(address, language, "erased", {})
    return erased


def remove_unfinished_signups(*, now: datetime.datetime | None = None) -> int:
    """Delete the accounts whose sign-up was never finished: no address and no
    number ever proved, never signed in, older than ``UNFINISHED_SIGNUP_DAYS``.

    Such an account cannot be used (signing in needs a proved address or number),
    yet it holds what was typed at sign-up: someone else's number or address, tried
    by a stranger, or a member's own that they mistyped and started again. Staff
    accounts are left to the operators who made them. Nothing can finish such a
    sign-up late: allauth's codes expire within minutes and its email links within
    days, before this runs."""
    from django.contrib.auth import get_user_model

    now = now or timezone.now()
    cutoff = now - datetime.timedelta(days=setting("UNFINISHED_SIGNUP_DAYS"))
    unfinished = (
        get_user_model()
        .objects.filter(
            last_login__isnull=True,
            date_joined__lt=cutoff,
            is_staff=False,
            is_superuser=False,
        )
        .exclude(pk__in=EmailAddress.objects.filter(verified=True).values("user"))
        .exclude(pk__in=PhoneNumber.objects.filter(verified=True).values("user"))
    )
    removed = 0
    for user in unfinished.iterator():
        erase_member(user, remove_named=False)  # atomic itself
        removed += 1
    return removed


def blank_and_remove(objects: Iterable, *fields: str, **also) -> int:
    """Blank ``fields`` on each object and save it (search indexes follow the save)."""
    count = 0
    for obj in objects:
        for name in fields:
            setattr(obj, name, "")
        for name, value in also.items():
            setattr(obj, name, value)
        obj.save(update_fields=[*fields, *also])
        count += 1
    return count


# --- The community app's own part ------------------------------------------------


def _community_export(user) -> dict[str, list[dict]]:
    profile = Profile.objects.filter(user=user).first()
    account = {
        "username": user.get_username(),
        "email": user.email,
        "date_joined": user.date_joined,
        "last_login": user.last_login,
    }
    data = {
        "account": [account],
        "email_addresses": rows(
            EmailAddress.objects.filter(user=user), "email", "verified", "primary"
        ),
        "memberships": rows(
            Membership.objects.filter(user=user),
            "organisation__name",
            "role",
            "created",
        ),
        "departments": rows(
            DepartmentMember.objects.filter(user=user),
            "department__facility__name",
            "department__name",
            "created",
        ),
        "phone_number": rows(
            PhoneNumber.objects.filter(user=user), "number", "verified", "changed"
        ),
        "profile": [],
        # The browsers that receive notifications: the push service's address is
        # the member's (it names their browser to that service), so it is theirs.
        "push_subscriptions": rows(
            PushSubscription.objects.filter(user=user), "endpoint", "created"
        ),
    }
    if profile is not None:
        fields = [
            "display_name",
            "languages",
            "timezone",
            "language",
            "bio",
            "code_of_conduct_accepted_at",
            "listed_in_directory",
            "show_facility",
            "show_district",
            "show_bio",
            "show_expertise",
            "save_data",
            "push_kinds",
            "quiet_from",
            "quiet_until",
        ]
        entry = {name: getattr(profile, name) for name in fields}
        entry["expertise"] = sorted(profile.expertise.names())
        data["profile"] = [entry]
    return data


def community_part() -> Part:
    return Part("community", _community_export)
