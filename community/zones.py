"""Times: one rule for the zone a reader sees them in, everywhere.

The reader's zone is

1. the zone the member chose on their profile, if they chose one;
2. else the zone of their organisation's country (``Organisation.timezone``, set on the
   country and followed by its districts and facilities; a district of a country that
   spans zones may set its own);
3. else the site's zone (``settings.TIME_ZONE``), which is also what visitors see.

``community.middleware.ReaderZoneMiddleware`` activates it for every request, so
``{{ value|date }}``, ``{% localtime %}`` and ``timezone.localtime()`` in every plugin
follow it. It costs no query of its own: the zone is worked out the first time a page
prints a time (never for a request that prints none), the member's choice comes with
their session (kept there when they sign in and when they save their profile; another
device signed in before that change keeps the old choice until it signs in again), and
the organisation's zone from the memberships the capability map loads anyway. Emails
sent by the task worker use :func:`reader_zone` of their recipient.
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Callable

from django.conf import settings
from django.utils import timezone

_CACHE_ATTR = "_community_reader_zone"
_CHOICE_ATTR = "_community_zone_choice"
# The member's own choice ("" to follow the organisation), kept in their session.
SESSION_KEY = "community_zone"


def zone_or_none(name) -> zoneinfo.ZoneInfo | None:
    """The zone called ``name``; ``None`` for an empty or unknown name."""
    if isinstance(name, zoneinfo.ZoneInfo):
        return name
    if isinstance(name, LazyZone):
        return name.zone
    if not name:
        return None
    try:
        return zoneinfo.ZoneInfo(str(name))
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def site_zone() -> zoneinfo.ZoneInfo:
    """The site's zone (``settings.TIME_ZONE``): visitors see times in it."""
    return zone_or_none(settings.TIME_ZONE) or zoneinfo.ZoneInfo("UTC")


def organisation_zone_name(organisation) -> str:
    """The zone an organisation keeps: its own if set, else its district's or its
    country's (the nearest one set); empty if none is."""
    node, hops = organisation, 0
    while node is not None and hops < 3:
        if node.timezone:
            return node.timezone
        if node.parent_id is None:
            break
        node, hops = node.parent, hops + 1
    return ""


def organisation_zone(organisation) -> zoneinfo.ZoneInfo:
    """An organisation's zone (see :func:`organisation_zone_name`), else the site's."""
    if organisation is None:
        return site_zone()
    return zone_or_none(organisation_zone_name(organisation)) or site_zone()


def _organisations(user) -> list:
    # Memberships prefetched with the user (a batch of emails) are used as they are;
    # otherwise the request's cached memberships (the capability map loads them).
    prefetched = getattr(user, "_prefetched_objects_cache", {}).get("memberships")
    if prefetched is not None:
        return [m.organisation for m in prefetched]
    from .permissions import home_organisations

    return home_organisations(user)


def member_organisation_zone(user) -> zoneinfo.ZoneInfo | None:
    """The zone of the member's organisation (its country's), if one is set."""
    if user is not None and getattr(user, "is_authenticated", False):
        for organisation in _organisations(user):
            zone = zone_or_none(organisation_zone_name(organisation))
            if zone is not None:
                return zone
    return None


def inherited_zone(user) -> zoneinfo.ZoneInfo:
    """The zone a member follows when they chose none: their organisation's, else
    the site's."""
    return member_organisation_zone(user) or site_zone()


def chosen_zone_name(user) -> str:
    """The zone the member chose on their profile ("" if they follow their
    organisation, or have no profile yet)."""
    hint = getattr(user, _CHOICE_ATTR, None)
    if hint is not None:
        return hint
    loaded = getattr(getattr(user, "_state", None), "fields_cache", {})
    if "profile" in loaded:  # read with the user (``select_related``) or before
        return getattr(loaded["profile"], "timezone", "") or ""
    if getattr(user, "pk", None) is None:
        return ""
    from .models import Profile

    # Not ``user.profile``: a member without a profile yet would be remembered as
    # having none on the caller's user object, even after one is made.
    found = Profile.objects.filter(user_id=user.pk).values_list("timezone", flat=True)
    return found.first() or ""


def remember_choice(request, name: str) -> None:
    """Keep the member's choice in their session (at sign-in, after a profile save),
    so pages need not read the profile to know it."""
    session = getattr(request, "session", None)
    if session is not None:
        session[SESSION_KEY] = name or ""
    user = getattr(request, "user", None)
    forget(user)
    if user is not None:
        setattr(user, _CHOICE_ATTR, name or "")


def recall_choice(request) -> None:
    """Hand the session's choice to the request's user (see the middleware)."""
    session = getattr(request, "session", None)
    if session is None:
        return
    choice = session.get(SESSION_KEY)
    if choice is None:
        # A session begun another way (an older one, a test's, a script's): read the
        # profile once and keep the choice, so later pages need not.
        choice = chosen_zone_name(request.user)
        session[SESSION_KEY] = choice
    setattr(request.user, _CHOICE_ATTR, choice)


def signed_in(sender, request, user, **kwargs) -> None:
    """``user_logged_in``: the session starts with the member's choice."""
    if request is not None and hasattr(request, "session"):
        request.session[SESSION_KEY] = chosen_zone_name(user)


def reader_zone(user) -> zoneinfo.ZoneInfo:
    """The zone ``user`` reads times in: their own choice, else their organisation's
    country's, else the site's. Kept on the user object for the rest of the request."""
    if user is None or not getattr(user, "is_authenticated", False):
        return site_zone()
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is not None:
        return cached
    zone = zone_or_none(chosen_zone_name(user)) or inherited_zone(user)
    setattr(user, _CACHE_ATTR, zone)
    return zone


def forget(user) -> None:
    """Drop the cached zone (after the member's profile or memberships change)."""
    for attr in (_CACHE_ATTR, _CHOICE_ATTR):
        if user is not None and hasattr(user, attr):
            delattr(user, attr)


def current() -> zoneinfo.ZoneInfo:
    """The zone active now (the reader's, in a request), as a plain ``ZoneInfo``."""
    return zone_or_none(timezone.get_current_timezone()) or site_zone()


class LazyZone(datetime.tzinfo):
    """A time zone worked out the first time it is used.

    It behaves as the zone it stands for (offsets, names, ``str()``), so Django's
    ``localtime``, the ``date`` filter and ``get_current_timezone_name`` work with it
    unchanged; a datetime converted to it pickles with the real zone.
    """

    def __init__(self, resolve: Callable[[], zoneinfo.ZoneInfo]) -> None:
        self._resolve = resolve
        self._zone: zoneinfo.ZoneInfo | None = None

    @property
    def zone(self) -> zoneinfo.ZoneInfo:
        if self._zone is None:
            self._zone = self._resolve()
        return self._zone

    @property
    def key(self) -> str:
        return str(self.zone)

    def utcoffset(self, dt):
        return self.zone.utcoffset(dt)

    def dst(self, dt):
        return self.zone.dst(dt)

    def tzname(self, dt):
        return self.zone.tzname(dt)

    def fromutc(self, dt):
        local = self.zone.fromutc(dt.replace(tzinfo=self.zone))
        return local.replace(tzinfo=self)

    def __str__(self) -> str:
        return str(self.zone)

    def __repr__(self) -> str:
        return f"LazyZone({self._zone!r})" if self._zone else "LazyZone(…)"

    def __reduce__(self):
        return (zoneinfo.ZoneInfo, (str(self.zone),))
