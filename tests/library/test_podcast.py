"""Podcasts: duration read from the file, transcripts required to publish, and an RSS
feed that podcast apps accept."""

import xml.etree.ElementTree as ET

import feedparser
import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from library.feeds import ITUNES_NS, PODCAST_NS
from library.media import silent_mp3
from library.models import PodcastEpisodePage

from .conftest import make_document, make_episode, make_show


@pytest.fixture
def show(library):
    return make_show(library.index)


def test_duration_is_read_from_the_audio_file(library, show):
    episode = make_episode(
        show, "Golden hour", collection=library.public_collection, seconds=95
    )
    assert episode.duration_seconds == 95
    assert episode.duration_display == "1:35"


def test_an_episode_cannot_be_published_without_a_transcript(library, show):
    episode = make_episode(
        show,
        "No words",
        collection=library.public_collection,
        transcript="",
        live=False,
    )
    assert episode.duration_seconds is None  # a draft is saved as it is
    with pytest.raises(ValidationError) as error:
        episode.save_revision(clean=False).publish()
    assert "transcript" in error.value.message_dict
    assert not PodcastEpisodePage.objects.get(pk=episode.pk).live


def test_the_admin_refuses_to_publish_without_a_transcript_but_saves_a_draft(
    client, library, show, editor
):
    from wagtail.test.utils.form_data import querydict_from_html, rich_text

    audio = make_document(
        "Ep audio",
        collection=library.public_collection,
        content=silent_mp3(5),
        name="ep.mp3",
    )
    url = reverse(
        "wagtailadmin_pages:add", args=("library", "podcastepisodepage", show.pk)
    )
    client.force_login(editor)
    data = querydict_from_html(
        client.get(url).content.decode(), form_id="page-edit-form"
    )
    data.update(
        {"title": "Ep", "slug": "ep", "summary": "Short.", "audio": str(audio.pk)}
    )
    data["transcript"] = rich_text("")
    data["show_notes"] = rich_text("")
    response = client.post(url, {**data.dict(), "action-publish": "1"})
    assert response.status_code == 200  # the form again, with an error
    assert "transcript" in response.context["form"].errors
    assert not PodcastEpisodePage.objects.exists()
    saved = client.post(url, data.dict())  # "Save draft"
    assert saved.status_code == 302, saved.context["form"].errors
    draft = PodcastEpisodePage.objects.get(slug="ep")
    assert not draft.live and draft.duration_seconds == 5


def test_a_file_that_is_not_audio_is_refused(library, show):
    pdf = make_document("Not audio", collection=library.public_collection)
    episode = PodcastEpisodePage(
        title="Bad", summary="x", audio=pdf, transcript="<p>t</p>"
    )
    with pytest.raises(ValidationError) as error:
        episode.clean()
    assert "audio" in error.value.message_dict


def test_unreadable_audio_is_refused(library, show):
    junk = make_document(
        "Junk",
        collection=library.public_collection,
        content=b"not an mp3" * 10,
        name="junk.mp3",
    )
    episode = PodcastEpisodePage(
        title="Bad", summary="x", audio=junk, transcript="<p>t</p>"
    )
    with pytest.raises(ValidationError):
        episode.clean()


def test_episode_page_offers_audio_sizes_and_the_transcript(client, library, show):
    episode = make_episode(show, "Warm nights", collection=library.public_collection)
    html = client.get(episode.url).content.decode()
    assert f'<audio controls preload="none" src="{episode.audio.url}"' in html
    assert "Duration 0:12" in html
    assert '<h2 id="transcript">Transcript</h2>' in html
    assert "Host: welcome." in html
    assert f'href="{show.feed_url()}"' in html and "application/rss+xml" in html


def feed_of(client, show) -> bytes:
    response = client.get(show.feed_url())
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/rss+xml")
    return response.content


def test_feed_is_valid_rss_with_itunes_and_podcast_tags(client, library, show):
    episode = make_episode(
        show,
        "Golden hour",
        collection=library.public_collection,
        seconds=30,
        tags=("pph",),
    )
    make_episode(show, "Unfinished", collection=library.public_collection, live=False)
    body = feed_of(client, show)
    parsed = feedparser.parse(body)
    assert parsed.bozo == 0, parsed.bozo_exception
    assert parsed.version == "rss20"
    assert parsed.feed.title == "Learning Together"
    assert [e.title for e in parsed.entries] == ["Golden hour"]
    entry = parsed.entries[0]
    assert entry.itunes_duration == "30"
    assert entry.enclosures[0].type == "audio/mpeg"
    assert int(entry.enclosures[0].length) == episode.audio.file_size

    root = ET.fromstring(body)  # noqa: S314 - our own feed
    channel = root.find("channel")
    ns = {"itunes": ITUNES_NS, "podcast": PODCAST_NS}
    for tag in ("title", "link", "description", "language"):
        assert channel.findtext(tag), tag
    assert channel.findtext("itunes:author", namespaces=ns) == "National QoC team"
    assert channel.findtext("itunes:explicit", namespaces=ns) == "false"
    category = channel.find("itunes:category", ns)
    assert category.get("text") == "Health & Fitness"
    assert category.find("itunes:category", ns).get("text") == "Medicine"
    assert channel.find("itunes:owner/itunes:email", ns).text == "podcast@example.org"
    item = channel.find("item")
    enclosure = item.find("enclosure")
    assert enclosure.get("url") == f"http://127.0.0.1:8000{episode.audio.url}"
    assert enclosure.get("length") == str(len(silent_mp3(30)))
    assert enclosure.get("type") == "audio/mpeg"
    guid = item.find("guid")
    assert guid.get("isPermaLink") == "false"
    assert guid.text == f"urn:uuid:{episode.guid}"
    assert item.findtext("pubDate")
    assert item.findtext("itunes:duration", namespaces=ns) == "30"
    assert item.findtext("itunes:episodeType", namespaces=ns) == "full"
    assert item.findtext("itunes:explicit", namespaces=ns) == "false"
    transcript = item.find("podcast:transcript", ns)
    assert transcript.get("type") == "text/html"
    assert transcript.get("url").endswith(
        reverse("library:transcript", args=[episode.pk])
    )


def test_feed_has_cover_art_when_set(client, library, show):
    import io

    from django.core.files.images import ImageFile
    from wagtail.images import get_image_model

    from library.media import cover_art

    image = get_image_model()(title="Cover", collection=library.public_collection)
    image.file = ImageFile(io.BytesIO(cover_art("LT", size=1400)), name="cover.png")
    image.save()
    show.image = image
    show.save_revision().publish()
    make_episode(show, "Golden hour", collection=library.public_collection)
    channel = ET.fromstring(feed_of(client, show)).find("channel")  # noqa: S314 - our own feed
    href = channel.find(f"{{{ITUNES_NS}}}image").get("href")
    assert "fill-1400x1400" in href and href.startswith("http")
    assert channel.findtext("image/url") == href


def test_guid_is_stable_when_an_episode_is_renamed(client, library, show):
    episode = make_episode(show, "Golden hour", collection=library.public_collection)
    before = feedparser.parse(feed_of(client, show)).entries[0].id
    episode.title, episode.slug = "The golden hour", "the-golden-hour"
    episode.save_revision().publish()
    after = feedparser.parse(feed_of(client, show)).entries[0]
    assert after.id == before
    assert after.title == "The golden hour"


def test_low_bitrate_alternative_is_offered(client, library, show):
    episode = make_episode(show, "Golden hour", collection=library.public_collection)
    low = make_document(
        "Low",
        collection=library.public_collection,
        content=silent_mp3(12, low_bitrate=True),
        name="low.mp3",
    )
    episode.audio_low = low
    episode.save_revision().publish()
    item = ET.fromstring(feed_of(client, show)).find("channel/item")  # noqa: S314 - our own feed
    alternate = item.find(f"{{{PODCAST_NS}}}alternateEnclosure")
    assert alternate.get("length") == str(low.file_size)
    html = client.get(episode.url).content.decode()
    assert "Low-bandwidth version" in html


def test_transcript_page_is_public_for_live_episodes_only(client, library, show):
    live = make_episode(show, "Golden hour", collection=library.public_collection)
    draft = make_episode(
        show, "Draft", collection=library.public_collection, live=False
    )
    response = client.get(reverse("library:transcript", args=[live.pk]))
    assert response.status_code == 200 and b"Host: welcome." in response.content
    assert client.get(reverse("library:transcript", args=[draft.pk])).status_code == 404


def test_episodes_appear_in_the_library_index_by_tag(client, library, show):
    make_episode(
        show, "Golden hour", collection=library.public_collection, tags=("pph",)
    )
    html = client.get(library.index.url + "?tag=pph&type=podcast").content.decode()
    assert ">Golden hour</a></h3>" in html
