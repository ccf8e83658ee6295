"""Data saver (``community.datasaver``) and the page weight in the footer.

Photos wait for a tap when the member asks (their profile) or their browser does
(``Save-Data: on``); the choice rides in the session, so no page reads the profile
for it; a page kept whole for visitors is kept apart for browsers that save data; and
every page says what it weighs, the line itself included."""

import re

import pytest
from django.template.defaultfilters import filesizeformat
from django.urls import reverse

from community import datasaver
from community.models import Profile

pytestmark = pytest.mark.django_db


def _request(client, path: str, **headers):
    """A page and the request that made it (for ``datasaver.wanted``)."""
    response = client.get(path, **headers)
    return response, response.wsgi_request


def test_the_profile_turns_it_on_and_this_session_follows_at_once(client, practitioner):
    client.force_login(practitioner)
    _response, request = _request(client, reverse("community:profile"))
    assert datasaver.wanted(request) is False
    response = client.post(
        reverse("community:profile"),
        {"display_name": "Amina", "save_data": "on", "show_expertise": "on"},
    )
    assert response.status_code == 302
    assert Profile.objects.get(user=practitioner).save_data is True
    _response, request = _request(client, reverse("community:profile"))
    assert datasaver.wanted(request) is True
    assert client.session[datasaver.SESSION_KEY] is True
    form = client.get(reverse("community:profile")).content.decode()
    assert re.search(r'<input[^>]*name="save_data"[^>]*checked', form)
    client.post(
        reverse("community:profile"),
        {"display_name": "Amina", "show_expertise": "on"},
    )
    _response, request = _request(client, reverse("community:profile"))
    assert datasaver.wanted(request) is False


def test_chosen_on_another_device_it_travels_with_the_next_sign_in(
    client, practitioner
):
    client.force_login(practitioner)
    _response, request = _request(client, "/")
    assert datasaver.wanted(request) is False
    Profile.objects.update_or_create(user=practitioner, defaults={"save_data": True})
    client.logout()
    client.force_login(practitioner)
    _response, request = _request(client, "/")
    assert datasaver.wanted(request) is True


def test_the_browser_asks_for_visitors_and_members_alike(client, practitioner):
    _response, request = _request(client, "/", HTTP_SAVE_DATA="on")
    assert datasaver.wanted(request) is True
    _response, request = _request(client, "/")
    assert datasaver.wanted(request) is False
    client.force_login(practitioner)
    _response, request = _request(client, "/", HTTP_SAVE_DATA="on")
    assert datasaver.wanted(request) is True


def test_no_page_reads_the_profile_for_it(client, practitioner):
    """On or off, a page costs the same queries: the session holds the choice."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(practitioner)
    client.get("/")
    with CaptureQueriesContext(connection) as off:
        client.get("/")
    Profile.objects.filter(user=practitioner).update(save_data=True)
    client.force_login(practitioner)
    client.get("/")
    with CaptureQueriesContext(connection) as on:
        client.get("/")
    assert len(on.captured_queries) == len(off.captured_queries)
    assert not any("save_data" in q["sql"] for q in on.captured_queries)


def _weight(html: str) -> str:
    found = re.findall(
        r'<span class="page-weight">This page: (.*?) before compression', html
    )
    assert len(found) == 1, found
    return found[0]


@pytest.mark.parametrize("signed_in", [False, True])
def test_every_page_says_what_it_weighs(client, practitioner, signed_in):
    if signed_in:
        client.force_login(practitioner)
    for path in [reverse("forums:index"), reverse("community:privacy"), "/search/"]:
        response = client.get(path)
        html = response.content.decode()
        assert "community:page-weight" not in html  # the mark is always filled
        assert _weight(html) == filesizeformat(len(response.content))


def test_a_visitor_page_kept_whole_keeps_its_weight_and_its_etag(client, night_thread):
    url = night_thread.get_absolute_url()
    first = client.get(url)
    second = client.get(url)
    assert second["X-Page-Cache"] == "hit"
    assert first.content == second.content
    assert first["ETag"] == second["ETag"]
    assert _weight(second.content.decode()) == filesizeformat(len(second.content))
    assert client.get(url, HTTP_IF_NONE_MATCH=second["ETag"]).status_code == 304


def test_a_visitor_page_kept_whole_is_kept_apart_for_browsers_saving_data(
    client, night_thread
):
    url = night_thread.get_absolute_url()
    client.get(url)
    saving = client.get(url, HTTP_SAVE_DATA="on")
    assert saving["X-Page-Cache"] == "miss"  # not the page kept for the others
    assert "Save-Data" in saving["Vary"]
