"""An Atom feed of public upcoming events (what a visitor may see, nothing more)."""

from __future__ import annotations

from django.contrib.syndication.views import Feed
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .conf import setting
from .models import Event, EventStatus, Visibility


class UpcomingEventsFeed(Feed):
    feed_type = Atom1Feed
    title = gettext_lazy("Upcoming events")
    subtitle = gettext_lazy(
        "Webinars, district collaboratives and learning sessions on quality of care"
    )

    def link(self):
        return reverse("events:index")

    def feed_url(self):
        return reverse("events:feed")

    def items(self):
        return (
            Event.objects.upcoming()
            .filter(visibility=Visibility.PUBLIC, status=EventStatus.SCHEDULED)
            .select_related("organiser")
            .prefetch_related("tagged_items__tag")[: setting("FEED_ITEMS")]
        )

    def item_title(self, item: Event) -> str:
        return item.title

    def item_description(self, item: Event) -> str:
        when = date_format(item.starts_at, "j M Y, H:i")
        head = _("%(kind)s by %(organiser)s, %(when)s UTC") % {
            "kind": item.get_kind_display(),
            "organiser": item.organiser.name,
            "when": when,
        }
        return f"<p>{head}</p>{item.description_html}"

    def item_link(self, item: Event) -> str:
        return item.get_absolute_url()

    def item_guid(self, item: Event) -> str:
        return f"event-{item.uid}"

    item_guid_is_permalink = False

    def item_pubdate(self, item: Event):
        return item.created

    def item_updateddate(self, item: Event):
        return item.updated

    def item_categories(self, item: Event) -> list[str]:
        return [tagged.tag.name for tagged in item.tagged_items.all()]
