"""Visitors share one cached rendering of a thread page's posts, keyed by what it
shows: a change to any post is seen at once, and signed-in members never get it."""

import pytest
from django.core.cache import cache

from forums import fragments, services


@pytest.fixture(autouse=True)
def empty_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def thread(spaces, practitioner, qi_member):
    thread = services.thread_create(
        space=spaces.public,
        author=practitioner,
        title="Warm chain at night",
        body="We keep a cot warmer on every night shift.",
    )
    services.post_create(thread=thread, author=qi_member, body="Which warmer model?")
    return thread


def _renders(monkeypatch) -> list:
    calls = []
    render = fragments.render_to_string

    def counted(*args, **kwargs):
        calls.append(1)
        return render(*args, **kwargs)

    monkeypatch.setattr(fragments, "render_to_string", counted)
    return calls


def test_visitors_share_one_rendering(client, thread, monkeypatch):
    renders = _renders(monkeypatch)
    first = client.get(thread.get_absolute_url()).content.decode()
    second = client.get(thread.get_absolute_url()).content.decode()
    assert len(renders) == 1
    assert "Which warmer model?" in first and "Which warmer model?" in second


def test_an_edit_a_reaction_and_a_hidden_post_show_at_once(
    client, thread, qi_member, practitioner
):
    url = thread.get_absolute_url()
    client.get(url)
    reply = thread.posts.get(number=2)
    services.post_edit(post=reply, by=qi_member, body="Which warmer brand?")
    assert "Which warmer brand?" in client.get(url).content.decode()
    services.reaction_toggle(post=reply, user=practitioner, kind="helpful")
    assert "Helpful 1" in client.get(url).content.decode()
    services.post_set_hidden(post=thread.posts.get(number=2), hidden=True)
    html = client.get(url).content.decode()
    assert "Which warmer brand?" not in html
    assert "Hidden by a moderator." in html


def test_signed_in_members_get_their_own_controls_not_the_shared_html(
    client, thread, qi_member, monkeypatch
):
    client.get(thread.get_absolute_url())  # a visitor fills the cache
    renders = _renders(monkeypatch)
    client.force_login(qi_member)
    html = client.get(thread.get_absolute_url()).content.decode()
    assert len(renders) == 1  # rendered for this member, not taken from the cache
    assert 'name="kind" value="helpful"' in html  # their reaction buttons
    assert "csrfmiddlewaretoken" in html


def test_the_shared_html_carries_no_token_or_personal_control(
    client, thread, monkeypatch
):
    stored = {}
    monkeypatch.setattr(
        fragments.cache, "set", lambda key, value, timeout: stored.update({key: value})
    )
    client.get(thread.get_absolute_url())
    [html] = stored.values()
    assert "Which warmer model?" in html
    assert "csrfmiddlewaretoken" not in html
    assert "/edit/" not in html and "/flag" not in html
