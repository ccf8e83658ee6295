"""Event times: in the viewer's zone, with the event's own zone noted.

The viewer's zone is the reader's (``community.zones``), active for the request; a
template may still pass one explicitly.
"""

from __future__ import annotations

import zoneinfo

from django import template
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext as _

from community import zones

register = template.Library()


def _zone(name) -> zoneinfo.ZoneInfo:
    return zones.zone_or_none(name) or zoneinfo.ZoneInfo("UTC")


def _span(start, end) -> str:
    day = date_format(start, "D j M Y")
    if start.date() == end.date():
        return f"{day}, {start:%H:%M}–{end:%H:%M}"
    return f"{day}, {start:%H:%M} – {date_format(end, 'D j M Y')}, {end:%H:%M}"


@register.simple_tag
def event_when(event, viewer_zone=None):
    """ "Tue 3 Dec 2026, 09:00–11:00 (Europe/Paris) · 10:00–12:00 in Africa/Kigali"."""
    own = _zone(event.timezone)
    viewer = _zone(viewer_zone) if viewer_zone else zones.current()
    start, end = event.starts_at.astimezone(viewer), event.ends_at.astimezone(viewer)
    text = _span(start, end)
    if str(viewer) == str(own):
        note = str(own)
    else:
        local_start = event.starts_at.astimezone(own)
        local_end = event.ends_at.astimezone(own)
        note = _("%(zone)s; %(start)s–%(end)s in %(own)s") % {
            "zone": str(viewer),
            "start": f"{local_start:%H:%M}",
            "end": f"{local_end:%H:%M}",
            "own": str(own),
        }
    return format_html(
        '<time datetime="{}">{}</time> <span class="muted">({})</span>',
        event.starts_at.isoformat(),
        text,
        note,
    )


@register.simple_tag
def event_time(value, viewer_zone=None):
    """One moment in the viewer's zone ("09:30")."""
    zone = _zone(viewer_zone) if viewer_zone else zones.current()
    return f"{value.astimezone(zone):%H:%M}"
