"""Atom feeds of public forum spaces: public threads only, and no author, ever."""

import feedparser
import pytest
from django.urls import reverse

from community import services as community_services
from forums import services as forum_services
from forums.models import Visibility

pytestmark = pytest.mark.django_db


@pytest.fixture
def spaces(practitioner):
    community_services.profile_update(user=practitioner, display_name="Amina Author")
    public = forum_services.space_create(
        name="Newborn care",
        slug="newborn",
        visibility=Visibility.PUBLIC,
        safe_space=True,
    )
    members = forum_services.space_create(
        name="Members corner", slug="members", visibility=Visibility.MEMBERS
    )
    forum_services.thread_create(
        space=public, author=practitioner, title="Warm chain ideas", body="Ideas?"
    )
    forum_services.thread_create(
        space=public,
        author=practitioner,
        title="We lost a baby to hypothermia",
        body="What could we have done?",
        anonymous=True,
    )
    forum_services.thread_create(
        space=members, author=practitioner, title="Members only talk", body="x"
    )
    return public, members


def test_public_feed_lists_public_threads_without_authors(client, spaces):
    response = client.get(reverse("forums:feed"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    body = response.content.decode()
    parsed = feedparser.parse(response.content)
    titles = {entry.title for entry in parsed.entries}
    assert titles == {"Warm chain ideas", "We lost a baby to hypothermia"}
    assert "Amina Author" not in body
    assert "practitioner@example.org" not in body
    assert all("author" not in entry for entry in parsed.entries)


def test_space_feed_is_for_public_spaces_only(client, spaces):
    public, members = spaces
    assert (
        client.get(reverse("forums:space_feed", args=[public.slug])).status_code == 200
    )
    response = client.get(reverse("forums:space_feed", args=[members.slug]))
    assert response.status_code == 404
