"""Atom feeds of the public spaces: new threads, site-wide and per space.

Only what a visitor may read (``visible_to(AnonymousUser())``: public spaces, threads
neither hidden nor deleted). Entries carry no author at all, so an anonymous thread in
a public safe space is as anonymous here as on the page.
"""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.contrib.syndication.views import Feed
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Space, Thread, coarse_time

FEED_ITEMS = 30


class PublicThreadsFeed(Feed):
    feed_type = Atom1Feed
    title = gettext_lazy("New discussions in public spaces")
    subtitle = gettext_lazy("Communities of practice on quality of care")

    def link(self):
        return reverse("forums:index")

    def feed_url(self):
        return reverse("forums:feed")

    def get_queryset(self):
        return (
            Thread.objects.visible_to(AnonymousUser())
            .select_related("space")
            .order_by("-created", "-pk")
        )

    def items(self):
        return self.get_queryset()[:FEED_ITEMS]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.space.name

    def item_link(self, item):
        return item.get_absolute_url()

    # To the minute, as on the pages: a finer time beside an anonymous one pins it.
    def item_pubdate(self, item):
        return coarse_time(item.created)

    def item_updateddate(self, item):
        return coarse_time(item.last_activity_at)


class SpaceThreadsFeed(PublicThreadsFeed):
    def get_object(self, request, slug):
        space = get_object_or_404(Space.objects.visible_to(AnonymousUser()), slug=slug)
        if space is None:
            raise Http404
        return space

    def title(self, space):
        return _("%(space)s: new discussions") % {"space": space.name}

    def link(self, space):
        return space.get_absolute_url()

    def feed_url(self, space):
        return reverse("forums:space_feed", args=[space.slug])

    def items(self, space):
        return self.get_queryset().filter(space=space)[:FEED_ITEMS]
