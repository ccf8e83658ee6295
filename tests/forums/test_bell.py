"""The notification bell is in the site's navigation on every page for a signed-in
member, from a cached count; visitors get no bell and cost no query."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forums import services


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _get(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200
    notification_queries = [
        q["sql"] for q in captured.captured_queries if "forums_notification" in q["sql"]
    ]
    return response.content.decode(), notification_queries


def test_visitors_get_no_bell_and_no_query(client, db):
    html, queries = _get(client, reverse("events:index"))
    assert 'class="bell"' not in html
    assert queries == []


def test_bell_on_a_page_outside_the_forums(client, practitioner, peer, spaces):
    thread = services.thread_create(
        space=spaces.district, author=practitioner, title="T", body="x"
    )
    client.force_login(practitioner)
    html, _queries = _get(client, reverse("events:index"))
    assert 'class="bell"' in html and 'class="count"' not in html
    services.post_create(thread=thread, author=peer, body="answer")
    html, _queries = _get(client, reverse("events:index"))
    assert 'class="count" aria-hidden="true">1<' in html
    assert "1 unread" in html
    assert f'href="{reverse("forums:notifications")}"' in html


def test_the_count_is_cached_between_pages(client, practitioner, peer, spaces):
    thread = services.thread_create(
        space=spaces.district, author=practitioner, title="T", body="x"
    )
    services.post_create(thread=thread, author=peer, body="answer")
    client.force_login(practitioner)
    _html, first = _get(client, reverse("events:index"))
    assert len(first) == 1  # counted once
    html, again = _get(client, reverse("improvement:indicators"))
    assert again == [] and "1 unread" in html


def test_forum_pages_read_the_kept_count_too(client, practitioner, peer, spaces):
    thread = services.thread_create(
        space=spaces.district, author=practitioner, title="T", body="x"
    )
    client.force_login(practitioner)
    _get(client, reverse("events:index"))  # keeps 0
    html, queries = _get(client, reverse("forums:index"))
    assert queries == [] and 'class="count"' not in html
    services.post_create(thread=thread, author=peer, body="answer")
    # The new notification dropped the kept count; the next page counts it once.
    html, queries = _get(client, thread.get_absolute_url())
    assert len(queries) == 1 and "1 unread" in html
    for url in (reverse("forums:index"), reverse("events:index")):
        html, queries = _get(client, url)
        assert queries == [] and "1 unread" in html


def test_losing_a_membership_drops_the_kept_count(client, practitioner, peer, spaces):
    """A member who leaves the district's facility no longer sees its threads: the
    count of their notifications there goes at once, not when the cache expires."""
    thread = services.thread_create(
        space=spaces.district, author=practitioner, title="T", body="x"
    )
    services.post_create(thread=thread, author=peer, body="answer")
    client.force_login(practitioner)
    html, _queries = _get(client, reverse("events:index"))
    assert "1 unread" in html
    practitioner.memberships.all().delete()
    html, queries = _get(client, reverse("events:index"))
    assert len(queries) == 1 and 'class="count"' not in html


def test_reading_clears_the_count_everywhere(client, practitioner, peer, spaces):
    thread = services.thread_create(
        space=spaces.district, author=practitioner, title="T", body="x"
    )
    services.post_create(thread=thread, author=peer, body="answer")
    client.force_login(practitioner)
    html, _queries = _get(client, reverse("events:index"))
    assert "1 unread" in html
    client.post(reverse("forums:notifications"))
    html, _queries = _get(client, reverse("events:index"))
    assert 'class="bell"' in html and 'class="count"' not in html
