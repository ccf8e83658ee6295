"""Chat's day separators: "Today", "Yesterday", "3 December", in the reader's zone."""

import datetime

from django import template
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def chat_day(value: datetime.datetime) -> str:
    """The day ``value`` falls on, for the separator above that day's messages."""
    day = timezone.localtime(value).date()
    today = timezone.localdate()
    if day == today:
        return _("Today")
    if day == today - datetime.timedelta(days=1):
        return _("Yesterday")
    if day.year == today.year:
        return date_format(day, "j F")
    return date_format(day, "j F Y")
