"""Forum search: only what the reader may see, never by an anonymous author's name."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.urls import reverse

from forums import services
from forums.search import search_results

from .conftest import named


@pytest.fixture
def corpus(practitioner, peer, spaces):
    named(practitioner, "Kofi Asante")
    services.thread_create(
        space=spaces.public,
        author=practitioner,
        title="Oxytocin storage",
        body="Cold chain",
    )
    services.thread_create(
        space=spaces.facility,
        author=practitioner,
        title="Oxytocin audit at North Hospital",
        body="Internal",
    )
    thread = services.thread_create(
        space=spaces.safe,
        author=practitioner,
        title="Gentamicin dose error",
        body="Nobody noticed the gentamicin",
        anonymous=True,
    )
    services.post_create(
        thread=thread, author=peer, body="Colour-coded gentamicin charts"
    )


def test_visitor_finds_public_threads_only(corpus):
    titles = {r["title"] for r in search_results(AnonymousUser(), "oxytocin")}
    assert titles == {"Oxytocin storage"}


def test_member_of_facility_finds_its_threads(corpus, practitioner):
    titles = {r["title"] for r in search_results(practitioner, "oxytocin")}
    assert titles == {"Oxytocin storage", "Oxytocin audit at North Hospital"}


def test_other_district_member_does_not(corpus, world):
    from community.models import Role
    from tests.factories import member

    south = member(Role.PRACTITIONER, world.other_facility, email="south@example.org")
    titles = {r["title"] for r in search_results(south, "oxytocin")}
    assert titles == {"Oxytocin storage"}


def test_anonymous_author_not_searchable_by_name(corpus, peer):
    assert search_results(peer, "Kofi") == []
    assert search_results(peer, "Asante") == []
    results = search_results(peer, "gentamicin")
    assert results and all("Kofi" not in str(r) for r in results)


def test_site_search_shows_discussions_group(client, corpus):
    html = client.get(reverse("search"), {"q": "oxytocin"}).content.decode()
    assert "Discussions" in html
    assert "Oxytocin storage" in html
    assert "North Hospital" not in html


def test_deleted_thread_not_found(corpus, practitioner):
    from forums.models import Thread

    thread = Thread.objects.get(title="Oxytocin storage")
    services.post_delete(post=thread.posts.get(number=1), by=practitioner)
    titles = {r["title"] for r in search_results(AnonymousUser(), "oxytocin")}
    assert titles == set()


@pytest.mark.parametrize("relevance", [True, False])
def test_both_search_paths_filter_by_visibility(
    corpus, practitioner, settings, relevance
):
    """Ranked (the backend's query) and newest-first (the SQLite FTS fast path)."""
    settings.FORUMS = {"SEARCH_ORDER_BY_RELEVANCE": relevance}
    titles = {r["title"] for r in search_results(AnonymousUser(), "oxytocin")}
    assert titles == {"Oxytocin storage"}
    replies = [r for r in search_results(practitioner, "colour") if r["kind"] == "post"]
    assert [r["title"] for r in replies] == ["Gentamicin dose error"]
