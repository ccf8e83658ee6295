"""Nothing public orders an anonymous post among named ones.

Threads and posts are addressed by opaque ids (a keyed permutation of their keys),
never by site-wide sequence numbers; forum times are given to the minute, named posts
too, in pages and feeds.
"""

import re

import pytest

from community import opaque
from forums import services
from forums.models import Space, Visibility

pytestmark = pytest.mark.django_db


@pytest.fixture
def safe_thread(practitioner, world):
    space = Space.objects.create(
        name="Safe", slug="safe", visibility=Visibility.PUBLIC, safe_space=True
    )
    thread = services.thread_create(
        space=space, author=practitioner, title="Named start", body="By name."
    )
    services.post_create(
        thread=thread, author=practitioner, body="Anonymous reply.", anonymous=True
    )
    services.post_create(thread=thread, author=practitioner, body="Named again.")
    return thread


def test_public_ids_are_a_bijection_and_unordered():
    ids = [opaque.encode("forums.thread", n) for n in range(1, 200)]
    assert len(set(ids)) == 199
    assert all(opaque.decode("forums.thread", i) == n for n, i in enumerate(ids, 1))
    assert ids != sorted(ids)
    assert opaque.encode("forums.post", 5) != opaque.encode("forums.thread", 5)


def test_no_page_or_feed_links_a_thread_or_post_by_its_key(client, safe_thread):
    page = client.get(safe_thread.get_absolute_url()).text
    feed = client.get("/forums/feed.atom").text
    posts = list(safe_thread.posts.all())
    for text in (page, feed):
        for pattern in (r"/forums/t/\d+/", r"/forums/p/\d+/", r"post-\d+\b"):
            assert not re.search(pattern, text), pattern
    assert f'id="post-{posts[1].ref}"' in page
    assert f"/ws/forums/threads/{safe_thread.ref}/" in page


def test_a_key_in_the_url_finds_nothing(client, safe_thread):
    post = safe_thread.posts.first()
    assert client.get(f"/forums/t/{safe_thread.pk}/").status_code == 404
    assert client.get(f"/forums/p/{post.pk}/").status_code == 404
    assert client.get(f"/forums/p/{post.ref}/").status_code == 302


def test_every_time_in_a_thread_is_to_the_minute(client, safe_thread):
    page = client.get(safe_thread.get_absolute_url()).text
    stamps = re.findall(r'<time datetime="([^"]+)"', page)
    assert stamps
    for stamp in stamps:
        assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?:[+-]\d{4}|Z)?", stamp)
    feed = client.get("/forums/feed.atom").text
    for stamp in re.findall(r"<(?:updated|published)>([^<]+)<", feed):
        assert re.search(r":00(?:[+-]\d{2}:\d{2}|Z)$", stamp), stamp
