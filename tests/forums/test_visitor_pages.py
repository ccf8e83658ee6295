"""Visitors' thread pages are kept whole (``community.pagecache``): served without the
view or the database, revalidated by ETag, never given to a member, and renewed by
every change a visitor could see, whichever way it is made."""

import pytest
from django.urls import reverse

from community import services as community_services
from forums import services
from forums.models import Visibility


@pytest.fixture
def thread(night_thread):
    return night_thread


def _kept(client, url, **headers):
    """Fetch twice; the second answer must come from the kept page."""
    first = client.get(url, **headers)
    second = client.get(url, **headers)
    assert first["X-Page-Cache"] == "miss"
    assert second["X-Page-Cache"] == "hit"
    return second


def test_a_visitor_page_is_served_whole_with_no_query(
    client, thread, django_assert_num_queries
):
    url = thread.get_absolute_url()
    client.get(url)
    with django_assert_num_queries(0):
        response = client.get(url)
    assert response["X-Page-Cache"] == "hit"
    html = response.content.decode()
    assert "Which warmer model?" in html
    assert "csrfmiddlewaretoken" not in html  # nothing of one visitor's in it
    assert not response.cookies


def test_validators_and_vary(client, thread):
    url = thread.get_absolute_url()
    response = _kept(client, url)
    assert response["ETag"] and response["Last-Modified"]
    vary = {v.strip() for v in response["Vary"].split(",")}
    assert {"Accept-Language", "Cookie"} <= vary
    again = client.get(url, HTTP_IF_NONE_MATCH=response["ETag"])
    assert again.status_code == 304 and not again.content
    since = client.get(url, HTTP_IF_MODIFIED_SINCE=response["Last-Modified"])
    assert since.status_code == 304
    assert client.get(url, HTTP_IF_NONE_MATCH='"other"').status_code == 200


def test_each_language_has_its_own_page(client, thread):
    url = thread.get_absolute_url()
    english = _kept(client, url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    french = _kept(client, url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="en">' in english and '<html lang="fr">' in french
    client.cookies["django_language"] = "fr"
    assert '<html lang="fr">' in client.get(url).content.decode()


def test_members_never_get_a_kept_page_nor_leave_one(client, thread, qi_member):
    url = thread.get_absolute_url()
    client.get(url)
    client.force_login(qi_member)
    member = client.get(url)
    assert "X-Page-Cache" not in member
    assert "Sign out" in member.content.decode()
    client.logout()
    client.cookies.clear()
    visitor = client.get(url)
    assert visitor["X-Page-Cache"] == "hit"
    assert "Sign out" not in visitor.content.decode()
    assert 'name="kind" value="helpful"' not in visitor.content.decode()


@pytest.mark.parametrize(
    "query",
    ["?page=2&utm=mail", "?page=abc", "?page=1234567", "?x=1", "?page=1&page=2"],
)
def test_addresses_of_a_visitors_own_making_are_not_kept(client, thread, query):
    url = thread.get_absolute_url() + query
    client.get(url)
    assert "X-Page-Cache" not in client.get(url)


def test_a_visitor_with_a_message_or_a_session_is_served_afresh(client, thread):
    url = thread.get_absolute_url()
    client.get(url)
    client.cookies["messages"] = "anything"
    assert "X-Page-Cache" not in client.get(url)
    del client.cookies["messages"]
    client.cookies["sessionid"] = "stale"
    assert "X-Page-Cache" not in client.get(url)


def test_turned_off_by_setting(client, thread, settings):
    settings.COMMUNITY = {**getattr(settings, "COMMUNITY", {}), "PAGE_CACHE_SECONDS": 0}
    url = thread.get_absolute_url()
    client.get(url)
    assert "X-Page-Cache" not in client.get(url)


def _reply(thread):
    return thread.posts.get(number=2)


# Every way a visitor's view of the thread changes: (change, what the page then says
# or no longer says).
CHANGES = {
    "reply": (
        lambda t, w: services.post_create(
            thread=t, author=w.practitioner, body="A reply seen at once"
        ),
        "A reply seen at once",
        None,
    ),
    "author edit": (
        lambda t, w: services.post_edit(post=_reply(t), by=w.qi_member, body="Edited"),
        "Edited",
        "Which warmer model?",
    ),
    "author delete": (
        lambda t, w: services.post_delete(post=_reply(t), by=w.qi_member),
        None,
        "Which warmer model?",
    ),
    "moderator hides": (
        lambda t, w: services.post_set_hidden(post=_reply(t), hidden=True),
        None,
        "Which warmer model?",
    ),
    "moderator deletes": (
        lambda t, w: services.post_moderation_delete(post=_reply(t)),
        None,
        "Which warmer model?",
    ),
    "moderator edits": (
        lambda t, w: services.post_moderation_edit(post=_reply(t), body="Tidied"),
        "Tidied",
        "Which warmer model?",
    ),
    "reaction": (
        lambda t, w: services.reaction_toggle(
            post=_reply(t), user=w.practitioner, kind="helpful"
        ),
        "Helpful 1",
        None,
    ),
    "answer marked": (
        lambda t, w: services.thread_mark_answer(
            thread=t, post=_reply(t), by=w.practitioner
        ),
        "Answer",
        None,
    ),
    "locked": (
        lambda t, w: services.thread_set_locked(thread=t, by=w.moderator, locked=True),
        "Locked",
        None,
    ),
    "retitled and retagged": (
        lambda t, w: services.thread_update(
            thread=t, by=w.practitioner, title="Warmers on nights", tags=["kangaroo"]
        ),
        "Warmers on nights",
        "thermal care",
    ),
    "author renamed": (
        lambda t, w: community_services.profile_update(
            user=w.qi_member, display_name="Nurse Renamed"
        ),
        "Nurse Renamed",
        None,
    ),
    "tag merged away": (
        lambda t, w: _merge_tag("thermal care", "warmth", w.editor),
        "warmth",
        "thermal care",
    ),
}


def _merge_tag(source: str, into: str, editor):
    from taggit.models import Tag

    from library import services as library_services

    target, _ = Tag.objects.get_or_create(name=into, slug=into)
    library_services.tag_merge(
        sources=[Tag.objects.get(name=source)], into=target, by=editor
    )


class Who:
    def __init__(self, **people):
        self.__dict__.update(people)


@pytest.mark.parametrize("change", list(CHANGES))
def test_every_change_a_visitor_can_see_shows_at_once(
    client, thread, change, practitioner, qi_member, moderator, editor
):
    make, shown, gone = CHANGES[change]
    url = thread.get_absolute_url()
    _kept(client, url)
    make(
        thread,
        Who(
            practitioner=practitioner,
            qi_member=qi_member,
            moderator=moderator,
            editor=editor,
        ),
    )
    response = client.get(url)
    assert response["X-Page-Cache"] == "miss"
    html = response.content.decode()
    if shown:
        assert shown in html
    if gone:
        assert gone not in html


def test_a_space_closed_to_visitors_sends_them_to_sign_in(client, thread, spaces):
    url = thread.get_absolute_url()
    _kept(client, url)
    spaces.public.visibility = Visibility.MEMBERS
    spaces.public.save()
    response = client.get(url)
    assert response.status_code == 302
    assert reverse("account_login") in response["Location"]


def test_a_held_post_released_by_a_moderator_shows(client, thread):
    url = thread.get_absolute_url()
    reply = _reply(thread)
    services.post_set_hidden(post=reply, hidden=True)
    assert "Which warmer model?" not in _kept(client, url).content.decode()
    services.post_set_hidden(post=reply, hidden=False)
    assert "Which warmer model?" in client.get(url).content.decode()


# --- The footer's language switch, by GET ------------------------------------------


def test_the_language_switch_sets_the_cookie_and_goes_back(client, thread):
    url = thread.get_absolute_url()
    html = client.get(url).content.decode()
    assert 'action="/community/language/" method="get"' in html
    response = client.get(
        reverse("community:language"), {"language": "fr", "next": url}
    )
    assert response.status_code == 302 and response["Location"] == url
    assert response.cookies["django_language"].value == "fr"
    assert '<html lang="fr">' in client.get(url).content.decode()


@pytest.mark.parametrize(
    "following", ["https://evil.example/", "//evil.example/", "javascript:alert(1)"]
)
def test_the_language_switch_never_leaves_the_site(client, following):
    response = client.get(
        reverse("community:language"), {"language": "fr", "next": following}
    )
    assert response["Location"] == "/"


def test_an_unknown_language_is_ignored(client):
    response = client.get(reverse("community:language"), {"language": "xx"})
    assert response.status_code == 302
    assert "django_language" not in response.cookies
    assert client.post(reverse("community:language")).status_code == 405


# --- The site search, for visitors -------------------------------------------------


def _search(client, q, **params):
    return client.get(reverse("search"), {"q": q, **params})


def test_a_visitors_search_is_kept_until_anything_indexed_changes(
    client, thread, practitioner, spaces, django_assert_num_queries
):
    assert "Warm chain at night" in _search(client, "warmer").content.decode()
    with django_assert_num_queries(0):
        assert _search(client, "warmer")["X-Page-Cache"] == "hit"
    services.thread_create(
        space=spaces.public,
        author=practitioner,
        title="Warmer servicing",
        body="Who services the warmers?",
    )
    response = _search(client, "warmer")
    assert response["X-Page-Cache"] == "miss"
    assert "Warmer servicing" in response.content.decode()


def test_a_hidden_post_leaves_a_visitors_search_at_once(client, thread):
    assert "Warm chain at night" in _search(client, "warmer").content.decode()
    services.post_set_hidden(post=thread.posts.get(number=1), hidden=True)
    assert "Warm chain at night" not in _search(client, "warmer").content.decode()


def test_a_members_search_is_never_kept(client, thread, qi_member):
    client.force_login(qi_member)
    _search(client, "warmer")
    assert "X-Page-Cache" not in _search(client, "warmer")


@pytest.mark.parametrize(
    "params",
    [{"q": "w" * 201}, {"q": "warmer", "x": "1"}, {"q": "warmer", "page": "z"}],
)
def test_searches_of_a_visitors_own_making_are_not_kept(client, thread, params):
    client.get(reverse("search"), params)
    assert "X-Page-Cache" not in client.get(reverse("search"), params)


def test_each_site_keeps_its_own_pages(client, thread, settings):
    """A Wagtail install may serve several sites, each with its own settings."""
    settings.ALLOWED_HOSTS = ["testserver", "other.example"]
    url = thread.get_absolute_url()
    _kept(client, url)
    assert client.get(url, HTTP_HOST="other.example")["X-Page-Cache"] == "miss"
