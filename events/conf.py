"""The events app's one namespaced setting, ``settings.EVENTS``, with safe defaults.

A host overrides only the keys it needs:

    EVENTS = {"PAGE_SIZE": 30, "REMINDERS": [1440, 60]}
"""

from typing import Any

from community.conf import absolute as base_absolute
from community.conf import read_setting
from community.conf import site_url as base_site_url

DEFAULTS: dict[str, Any] = {
    # Events per listing page.
    "PAGE_SIZE": 20,
    # Upcoming events in the home page section.
    "HOME_ITEMS": 4,
    # Public upcoming events in the Atom feed.
    "FEED_ITEMS": 50,
    # The join link and the webinar chat open this many minutes before the start.
    "JOIN_OPENS_MINUTES_BEFORE": 30,
    # The webinar chat closes this many minutes after the end (then reads as a
    # transcript).
    "CHAT_CLOSES_MINUTES_AFTER": 30,
    # Reminder emails, in minutes before the start (24 hours and 1 hour).
    "REMINDERS": [24 * 60, 60],
    # Absolute links in emails, feeds and calendars. Empty: WAGTAILADMIN_BASE_URL.
    "SITE_URL": "",
    # The library page type a recording is proposed as, and the kind of resource
    # (found by app label, so the events app imports no library code).
    "LIBRARY_RESOURCE_MODEL": "library.ResourcePage",
    # Cadence: months since a facility last met before it is "time to plan the next
    # one" (2) and "overdue" (3), months in the heat map. Months are counted in the
    # district's zone (its country's, ``Organisation.timezone``); CADENCE_TIMEZONES
    # overrides it by district or country slug (or "default").
    "CADENCE_DUE_MONTHS": 2,
    "CADENCE_OVERDUE_MONTHS": 3,
    "CADENCE_MONTHS_SHOWN": 12,
    "CADENCE_TIMEZONES": {},
}


def setting(name: str) -> Any:
    return read_setting("EVENTS", DEFAULTS, name)


def site_url() -> str:
    return base_site_url(setting("SITE_URL"))


def absolute(path: str) -> str:
    return base_absolute(path, setting("SITE_URL"))
