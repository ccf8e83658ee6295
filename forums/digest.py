"""The digest: new threads in followed spaces, in each member's time zone and language.

A digest goes out at ``DIGEST_HOUR`` local time (weekly ones on ``DIGEST_WEEKDAY``), once
per period, and only to members who have not visited since the last one: someone who
came by has seen the space lists already, and a digest would be noise.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo

from django.db.models import Prefetch
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from community import push, zones
from community.languages import member_language
from community.models import Membership

from .conf import setting
from .emails import absolute, build_email
from .inbound import reply_addresses
from .models import Digest, EmailKind, Preferences, Thread
from .push import DIGEST

PERIODS = {Digest.DAILY: dt.timedelta(days=1), Digest.WEEKLY: dt.timedelta(days=7)}
# A digest counts as this period's if it went out less than a period ago, minus slack
# for an hourly job that runs a little early or late.
SLACK = dt.timedelta(hours=2)
MAX_THREADS = 25


def member_zone(user) -> zoneinfo.ZoneInfo:
    """The recipient's zone, by the site's one rule (``community.zones``)."""
    return zones.reader_zone(user)


def is_due(prefs: Preferences, now: dt.datetime) -> bool:
    """Is it the member's local digest hour (and day), with none sent this period?"""
    period = PERIODS.get(prefs.digest)
    if period is None:
        return False
    local = now.astimezone(member_zone(prefs.user))
    if local.hour != setting("DIGEST_HOUR"):
        return False
    if prefs.digest == Digest.WEEKLY and local.weekday() != setting("DIGEST_WEEKDAY"):
        return False
    return prefs.last_digest_at is None or now - prefs.last_digest_at >= period - SLACK


def window_start(prefs: Preferences, now: dt.datetime) -> dt.datetime:
    return prefs.last_digest_at or now - PERIODS[Digest(prefs.digest)]


def is_absent(prefs: Preferences, now: dt.datetime) -> bool:
    return prefs.last_seen_at is None or prefs.last_seen_at <= window_start(prefs, now)


def threads_for(user, since: dt.datetime) -> list[Thread]:
    """New threads in the spaces the member follows and may still read."""
    return list(
        Thread.objects.visible_to(user)
        .filter(space__follows__user=user, created__gt=since)
        .exclude(author=user)
        .select_related("space", "author__profile")
        .order_by("space__name", "-created")[:MAX_THREADS]
    )


def by_push(user) -> bool:
    """Has the member asked for the digest on their phone instead of by email? It
    is the only way it reaches a member who joined with a phone number alone."""
    profile = getattr(user, "profile", None)
    return DIGEST in (getattr(profile, "push_kinds", None) or [])


def send_digest(prefs: Preferences, now: dt.datetime) -> bool:
    """Send one member's digest if there is anything in it; the period ends either way."""
    user = prefs.user
    sent = False
    phone = by_push(user)
    if is_absent(prefs, now) and (user.email or phone):
        threads = threads_for(user, window_start(prefs, now))
        if threads and phone:
            push.notify(user_id=user.pk, kind=DIGEST, ref=len(threads))
            sent = True
        elif threads:
            with (
                translation.override(member_language(user)),
                timezone.override(member_zone(user)),
            ):
                items = [
                    {
                        "title": t.title,
                        "space": t.space.name,
                        "starter": t.starter_name,
                        "kind": t.get_kind_display(),
                        "url": absolute(t.get_absolute_url()),
                        "created": t.created,
                        **reply_addresses(user, t),
                    }
                    for t in threads
                ]
                if prefs.digest == Digest.DAILY:
                    subject = _("Today in your forums: %(n)d new threads")
                else:
                    subject = _("This week in your forums: %(n)d new threads")
                build_email(
                    user=user,
                    kind=EmailKind.DIGEST,
                    subject=subject % {"n": len(items)},
                    template="digest",
                    context={"items": items, "frequency": prefs.get_digest_display()},
                ).send()
            sent = True
    prefs.last_digest_at = now
    prefs.save(update_fields=["last_digest_at"])
    return sent


def send_due_digests(*, now: dt.datetime | None = None, force: bool = False) -> int:
    """Run hourly. ``force`` ignores the local hour (for a manual run)."""
    now = now or timezone.now()
    sent = 0
    candidates = (
        Preferences.objects.exclude(digest=Digest.NONE)
        .filter(user__is_active=True)
        .select_related("user__profile")
        # Each member's zone (their organisation's, unless they chose one) decides
        # whether it is their digest hour: read with the batch, not once per member.
        .prefetch_related(
            Prefetch(
                "user__memberships",
                queryset=Membership.objects.select_related(
                    "organisation__parent__parent"
                ),
            )
        )
    )
    for prefs in candidates.iterator(chunk_size=500):
        if force:
            if (
                prefs.last_digest_at
                and now - prefs.last_digest_at < PERIODS[Digest(prefs.digest)] - SLACK
            ):
                continue
        elif not is_due(prefs, now):
            continue
        if send_digest(prefs, now):
            sent += 1
    return sent
