"""iCalendar (RFC 5545) output with ``icalendar``: one event, an organisation's events,
and a member's personal feed.

Times are written in UTC (``…Z``), so no VTIMEZONE is needed and every calendar shows
them in its own zone; the organiser's zone is noted in the description. The UID is
stable for an event's life; SEQUENCE rises with each change calendars must see, and a
cancelled event stays in the feed as STATUS:CANCELLED so that subscribers drop it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar
from icalendar import Event as VEvent

from community.text import render_plain  # noqa: F401  (descriptions stay plain text)

from .conf import absolute, site_url
from .models import Event, EventStatus

PRODID = "-//National learning centre for quality of care//events//EN"


def uid_for(event: Event) -> str:
    host = site_url().split("://")[-1].split("/")[0] or "learning-centre.invalid"
    return f"event-{event.uid}@{host}"


def _utc(value: datetime.datetime) -> datetime.datetime:
    return value.astimezone(datetime.UTC)


def vevent(event: Event, *, stamp: datetime.datetime | None = None) -> VEvent:
    item = VEvent()
    item.add("uid", uid_for(event))
    item.add("dtstamp", _utc(stamp or timezone.now()))
    item.add("dtstart", _utc(event.starts_at))
    item.add("dtend", _utc(event.ends_at))
    item.add("sequence", event.sequence)
    item.add("summary", event.title)
    item.add("last-modified", _utc(event.updated))
    item.add("created", _utc(event.created))
    url = absolute(event.get_absolute_url())
    item.add("url", url)
    parts = [event.description.strip()] if event.description else []
    parts.append(
        _("Times given by the organiser in %(zone)s.") % {"zone": event.timezone}
    )
    # The join link is never put in a calendar: it shows only to registered people,
    # on the event page, from 30 minutes before the start.
    parts.append(url)
    item.add("description", "\n\n".join(parts))
    location = event.place or (_("Online") if event.online_url else "")
    if location:
        item.add("location", location)
    item.add("organizer", f"mailto:noreply@{uid_for(event).split('@')[1]}")
    item["organizer"].params["cn"] = event.organiser.name
    item.add("categories", [event.get_kind_display()])
    if event.status == EventStatus.CANCELLED:
        item.add("status", "CANCELLED")
    else:
        item.add("status", "CONFIRMED")
    return item


def calendar(events: Iterable[Event], *, name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    stamp = timezone.now()
    for event in events:
        cal.add_component(vevent(event, stamp=stamp))
    return cal


def response(cal: Calendar, *, filename: str) -> HttpResponse:
    result = HttpResponse(cal.to_ical(), content_type="text/calendar; charset=utf-8")
    result["Content-Disposition"] = f'attachment; filename="{filename}"'
    result["Cache-Control"] = "private, max-age=300"
    return result
