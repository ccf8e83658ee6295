"""Feeds: Atom for new library items (site-wide and per tag), and the podcast's RSS
2.0 with the iTunes and Podcasting 2.0 tags that podcast apps require."""

from __future__ import annotations

import datetime
import mimetypes

from django.contrib.syndication.views import Feed
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed, Enclosure, Rss201rev2Feed
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from taggit.models import Tag

from .conf import absolute
from .models import LibraryIndexPage, LibraryItem

FEED_ITEMS = 30
ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST_NS = "https://podcastindex.org/namespace/1.0"


def _index_url() -> str:
    index = LibraryIndexPage.objects.live().first()
    return index.get_url() if index else "/"


def _published(item) -> datetime.datetime:
    if item.first_published_at:
        return item.first_published_at
    return datetime.datetime.combine(
        item.publication_date, datetime.time(), tzinfo=datetime.UTC
    )


class LatestResourcesFeed(Feed):
    feed_type = Atom1Feed
    title = gettext_lazy("New in the library")
    subtitle = gettext_lazy(
        "Tools, guidelines, case studies and podcasts on quality of care"
    )

    def link(self):
        return _index_url()

    def feed_url(self):
        return reverse("library:feed")

    def get_queryset(self):
        return (
            LibraryItem.objects.live()
            .public()
            .order_by("-first_published_at", "-pk")
            .prefetch_related("tagged_items__tag")
        )

    def items(self):
        return self.get_queryset()[:FEED_ITEMS]

    def item_title(self, item):
        return item.title

    def item_description(self, item):
        return item.summary

    def item_link(self, item):
        return item.get_url()

    def item_pubdate(self, item):
        return _published(item)

    def item_updateddate(self, item):
        return item.last_published_at or _published(item)

    def item_categories(self, item):
        return [tagged.tag.name for tagged in item.tagged_items.all()]


class TagFeed(LatestResourcesFeed):
    def get_object(self, request, slug):
        return get_object_or_404(Tag, slug=slug)

    def title(self, tag):
        return _("Library: %(tag)s") % {"tag": tag.name}

    def link(self, tag):
        return reverse("library:tag", args=[tag.slug])

    def feed_url(self, tag):
        return reverse("library:tag_feed", args=[tag.slug])

    def items(self, tag):
        return self.get_queryset().filter(tagged_items__tag=tag)[:FEED_ITEMS]


class PodcastFeedGenerator(Rss201rev2Feed):
    """RSS 2.0 plus ``itunes:`` and ``podcast:`` elements."""

    content_type = "application/rss+xml; charset=utf-8"

    def rss_attributes(self):
        attrs = super().rss_attributes()
        attrs["xmlns:itunes"] = ITUNES_NS
        attrs["xmlns:podcast"] = PODCAST_NS
        return attrs

    def add_root_elements(self, handler):
        super().add_root_elements(handler)
        feed = self.feed
        if feed.get("image_url"):
            handler.startElement("image", {})
            handler.addQuickElement("url", feed["image_url"])
            handler.addQuickElement("title", feed["title"])
            handler.addQuickElement("link", feed["link"])
            handler.endElement("image")
            handler.addQuickElement("itunes:image", attrs={"href": feed["image_url"]})
        handler.addQuickElement("itunes:author", feed["itunes_author"])
        handler.addQuickElement("itunes:summary", feed["description"])
        handler.addQuickElement("itunes:type", "episodic")
        handler.addQuickElement("itunes:explicit", feed["explicit"])
        top, _sep, sub = feed["category"].partition("/")
        handler.startElement("itunes:category", {"text": top})
        if sub:
            handler.addQuickElement("itunes:category", attrs={"text": sub})
        handler.endElement("itunes:category")
        if feed.get("owner_email"):
            handler.startElement("itunes:owner", {})
            handler.addQuickElement(
                "itunes:name", feed.get("owner_name") or feed["itunes_author"]
            )
            handler.addQuickElement("itunes:email", feed["owner_email"])
            handler.endElement("itunes:owner")
        handler.addQuickElement("podcast:locked", "no")
        handler.addQuickElement("podcast:guid", feed["podcast_guid"])

    def add_item_elements(self, handler, item):
        super().add_item_elements(handler, item)
        handler.addQuickElement("itunes:title", item["title"])
        handler.addQuickElement("itunes:duration", str(item["duration"]))
        handler.addQuickElement("itunes:episodeType", item["episode_type"])
        if item.get("episode"):
            handler.addQuickElement("itunes:episode", str(item["episode"]))
        handler.addQuickElement("itunes:explicit", item["explicit"])
        handler.addQuickElement("itunes:summary", item["description"])
        handler.addQuickElement(
            "podcast:transcript",
            attrs={
                "url": item["transcript_url"],
                "type": "text/html",
                "language": item["language"],
            },
        )
        low = item.get("low")
        if low:
            handler.startElement(
                "podcast:alternateEnclosure",
                {
                    "type": low["type"],
                    "length": str(low["length"]),
                    "title": _("Low bandwidth"),
                },
            )
            handler.addQuickElement("podcast:source", attrs={"uri": low["url"]})
            handler.endElement("podcast:alternateEnclosure")


def audio_type(filename: str) -> str:
    guessed, _encoding = mimetypes.guess_type(filename)
    return guessed or "audio/mpeg"


def _enclosure(document) -> tuple[str, int, str]:
    size = document.file_size if document.file_size is not None else document.file.size
    return absolute(document.url), size, audio_type(document.filename)


def podcast_feed(show) -> PodcastFeedGenerator:
    import uuid

    image_url = ""
    if show.image_id:
        image_url = absolute(show.image.get_rendition("fill-1400x1400|format-jpeg").url)
    site_link = absolute(show.get_url())
    feed = PodcastFeedGenerator(
        title=show.title,
        link=site_link,
        description=show.description,
        language=show.language,
        feed_url=absolute(show.feed_url()),
        author_name=show.author,
        feed_copyright=show.copyright or None,
        image_url=image_url,
        itunes_author=show.author,
        owner_name=show.owner_name,
        owner_email=show.owner_email,
        category=show.category,
        explicit="true" if show.explicit else "false",
        # Podcasting 2.0: a UUIDv5 of the feed address without its scheme.
        podcast_guid=str(
            uuid.uuid5(
                uuid.UUID("ead4c236-bf58-58c6-a2c6-a6b28d128cb6"),
                absolute(show.feed_url()).split("://", 1)[-1].rstrip("/"),
            )
        ),
    )
    episodes = (
        show.episodes()
        .filter(audio__isnull=False)
        .prefetch_related("tagged_items__tag")
    )
    for episode in episodes:
        url, length, mime = _enclosure(episode.audio)
        low = None
        if episode.audio_low_id:
            low_url, low_length, low_mime = _enclosure(episode.audio_low)
            low = {"url": low_url, "length": low_length, "type": low_mime}
        feed.add_item(
            title=episode.title,
            link=absolute(episode.get_url()),
            description=episode.summary,
            unique_id=f"urn:uuid:{episode.guid}",
            unique_id_is_permalink=False,
            # The release date the editor set (a re-publish does not move it).
            pubdate=datetime.datetime.combine(
                episode.publication_date, datetime.time(6), tzinfo=datetime.UTC
            ),
            enclosures=[Enclosure(url, str(length), mime)],
            duration=episode.duration_seconds or 0,
            episode_type=episode.episode_type,
            episode=episode.episode_number,
            explicit="true" if (episode.explicit or show.explicit) else "false",
            transcript_url=absolute(reverse("library:transcript", args=[episode.pk])),
            language=show.language,
            low=low,
            categories=[tagged.tag.name for tagged in episode.tagged_items.all()],
        )
    return feed


def podcast_feed_response(request, show) -> HttpResponse:
    feed = podcast_feed(show)
    response = HttpResponse(content_type=feed.content_type)
    feed.write(response, "utf-8")
    return response
